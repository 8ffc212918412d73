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
	for ch, n := range Tally(r.Timeline) {
		chans = append(chans, fmt.Sprintf("%s %d", ch, n))
	}
	sort.Strings(chans)
	fmt.Fprintf(w, "  contacts     %s   (last: %s)\n", strings.Join(chans, ", "), c.LastChannel)
	if c.OpenConversationID != "" {
		fmt.Fprintf(w, "  conversation %s (open)\n", c.OpenConversationID)
	}
	if len(c.MergedFrom) > 0 {
		fmt.Fprintf(w, "  merged from  %s\n", strings.Join(c.MergedFrom, ", "))
	}
	_, offset := time.Now().In(loc).Zone()
	fmt.Fprintf(w, "\n  timeline (%d touchpoints, oldest first; times in %s, UTC%s)\n", len(r.Timeline), loc, utcOffset(offset))
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
		fmt.Fprintf(w, "  %s  %-8s %-3s %-12s %s\n", tp.OccurredAt.In(loc).Format("2006-01-02 15:04:05 -07:00"), tp.Channel, tp.Direction, tp.Kind, text)
	}
	fmt.Fprintln(w)
	if r.Known {
		fmt.Fprintf(w, "This run told her story again: %d new touchpoints on the timeline she already had (%d before).\n", len(r.Timeline)-r.Before, r.Before)
		if r.Merged == "" {
			fmt.Fprintln(w, "Her Zalo account and email were already linked to her by the earlier run's merge, so nothing was merged this time.")
		}
	} else {
		fmt.Fprintln(w, "First telling: she was new to Concierge. Run `make demo` again to tell the story again on the same timeline.")
	}
}

// Tally counts her contacts per channel from the timeline: what she sent, once each. A missed call is the
// outcome of the call it ends (Twilio names it <CallSid>:missed), so a call that went unanswered counts once.
func Tally(timeline []domain.Touchpoint) map[domain.Channel]int {
	calls := map[string]bool{}
	for _, tp := range timeline {
		if tp.Kind == domain.KindCall {
			calls[tp.Provider+" "+tp.ProviderMessageID] = true
		}
	}
	out := map[domain.Channel]int{}
	for _, tp := range timeline {
		if tp.Direction != domain.DirectionIn {
			continue
		}
		if tp.Kind == domain.KindMissedCall && calls[tp.Provider+" "+strings.TrimSuffix(tp.ProviderMessageID, ":missed")] {
			continue
		}
		out[tp.Channel]++
	}
	return out
}

func utcOffset(sec int) string {
	sign := "+"
	if sec < 0 {
		sign, sec = "-", -sec
	}
	return fmt.Sprintf("%s%02d:%02d", sign, sec/3600, sec%3600/60)
}
