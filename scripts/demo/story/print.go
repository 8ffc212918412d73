package story

import (
	"encoding/base64"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// Print writes her profile and timeline the way an agent would want to read them.
func Print(w io.Writer, r Result, loc *time.Location) {
	c := r.Customer
	fmt.Fprintf(w, "\n%s  (%s)\n", c.DisplayName, c.ID)
	var ids []string
	for _, id := range c.Identities {
		ids = append(ids, string(id.Kind)+" "+id.Value)
	}
	sort.Strings(ids)
	fmt.Fprintf(w, "  identities   %s\n", strings.Join(ids, ", "))
	var chans []string
	for ch, n := range c.ChannelCounts {
		chans = append(chans, fmt.Sprintf("%s %d", ch, n))
	}
	sort.Strings(chans)
	fmt.Fprintf(w, "  channels     %s   (last: %s, most used: %s)\n", strings.Join(chans, ", "), c.LastChannel, c.MostUsedChannel)
	if c.OpenConversationID != "" {
		fmt.Fprintf(w, "  conversation %s (open)\n", c.OpenConversationID)
	}
	if len(c.MergedFrom) > 0 {
		fmt.Fprintf(w, "  merged from  %s\n", strings.Join(c.MergedFrom, ", "))
	}
	fmt.Fprintf(w, "\n  timeline (%d touchpoints, oldest first)\n", len(r.Timeline))
	for _, tp := range r.Timeline {
		text := tp.Text
		if text == "" && tp.Kind == domain.KindCall {
			text = "(incoming call)"
		}
		if text == "" && tp.Kind == domain.KindMissedCall {
			text = "(missed call: " + tp.Metadata["callStatus"] + ")"
		}
		if tp.Subject != "" {
			text = tp.Subject + " — " + text
		}
		text = strings.Join(strings.Fields(text), " ") // one line per touchpoint
		if r := []rune(text); len(r) > 110 {
			text = string(r[:107]) + "..."
		}
		fmt.Fprintf(w, "  %s  %-8s %-3s %-12s %s\n", tp.OccurredAt.In(loc).Format("15:04:05"), tp.Channel, tp.Direction, tp.Kind, text)
	}
	fmt.Fprintln(w)
}
