// Package consent keeps a customer's choice about proactive messages. A
// message that is exactly an opt-out keyword (STOP, HỦY, "huy dang ky",
// "ngừng nhận tin", or a configured one; case and Vietnamese diacritics do
// not matter) opts her out on the channel it came on: the profile's consent
// map records it with its source and time, and a consent touchpoint puts it
// on her timeline. Only proactive messages (a win-back outreach) ask for
// consent; acknowledgements and replies to her own messages still go.
package consent

import (
	"context"
	"log/slog"
	"strings"
	"unicode"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/textfold"
)

// Builtin are the opt-out keywords every stage knows.
var Builtin = []string{"STOP", "HỦY", "huy dang ky", "ngừng nhận tin"}

// Keywords matches whole messages against opt-out keywords.
type Keywords struct {
	folded map[string]string // folded form → the keyword as configured
}

// NewKeywords is Builtin plus extra (blank entries are ignored).
func NewKeywords(extra ...string) Keywords {
	k := Keywords{folded: map[string]string{}}
	for _, w := range append(append([]string(nil), Builtin...), extra...) {
		if f := fold(w); f != "" {
			k.folded[f] = strings.TrimSpace(w)
		}
	}
	return k
}

// fold normalizes a message for matching: folded case and diacritics,
// runs of white space as one space, and the punctuation people end a word
// with ("STOP.", "Hủy!") dropped.
func fold(s string) string {
	s = strings.TrimRightFunc(strings.TrimSpace(s), func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) })
	return strings.Join(strings.Fields(textfold.Fold(s)), " ")
}

// Match says whether text, as a whole, is an opt-out keyword, and which.
func (k Keywords) Match(text string) (keyword string, ok bool) {
	if len(text) > 64 {
		return "", false // a sentence that mentions STOP is not an opt-out
	}
	keyword, ok = k.folded[fold(text)]
	return keyword, ok
}

// Store records consent (*store.Store).
type Store interface {
	RecordConsent(ctx context.Context, customerID string, ch domain.Channel, c domain.Consent, tp domain.Touchpoint) (bool, error)
}

// Watcher opts out the sender of a stored inbound keyword message; ingest
// calls it after each message (ingest.Aftercare).
type Watcher struct {
	Store    Store
	Keywords Keywords
	Log      *slog.Logger
}

// AfterInbound records the opt-out a keyword message asks for. It is safe
// to repeat: the consent touchpoint's id derives from the message's.
func (w *Watcher) AfterInbound(ctx context.Context, res store.InboundResult, _ domain.Identity) error {
	tp := res.Touchpoint
	if tp.Kind != domain.KindMessage || tp.Direction == domain.DirectionOut || tp.ID == "" || tp.CustomerID == "" {
		return nil
	}
	kw, ok := w.Keywords.Match(tp.Text)
	if !ok {
		return nil
	}
	c := domain.Consent{OptedOut: true, Source: "keyword:" + kw, At: tp.OccurredAt}
	note := domain.Touchpoint{
		ID: domain.DerivedID(domain.TouchpointIDPrefix, tp.OccurredAt, "consent:"+tp.ID), ConversationID: tp.ConversationID,
		Direction: domain.DirectionIn, OccurredAt: tp.OccurredAt, Provider: tp.Provider,
		Metadata: map[string]string{"optedOut": "true", "source": c.Source, "touchpointId": tp.ID},
	}
	changed, err := w.Store.RecordConsent(ctx, tp.CustomerID, tp.Channel, c, note)
	if err != nil {
		return err
	}
	if changed {
		w.logger().Info("opted out", "customer", tp.CustomerID, "channel", tp.Channel, "source", c.Source)
	}
	return nil
}

func (w *Watcher) logger() *slog.Logger {
	if w.Log == nil {
		return slog.Default()
	}
	return w.Log
}
