package outbound

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/sendpolicy"
)

// ReplyCounter counts the replies a per-message quota allows (Zalo's free
// replies) in the table: one item per customer and channel, whose window is
// the customer's last inbound message there, so her next message starts a new
// count. shared/store implements it.
type ReplyCounter interface {
	// CountReply counts sendID against the window opened by inboundAt: ok is
	// false when limit replies are counted already. Counting the same sendID
	// again changes nothing and is ok; n is the count after it.
	CountReply(ctx context.Context, customerID string, ch domain.Channel, inboundAt time.Time, sendID string, limit int) (n int, ok bool, err error)
	// UncountReply gives back sendID's place after a send that failed.
	UncountReply(ctx context.Context, customerID string, ch domain.Channel, inboundAt time.Time, sendID string) error
	// RepliesCounted is the count of the window opened by inboundAt.
	RepliesCounted(ctx context.Context, customerID string, ch domain.Channel, inboundAt time.Time) (int, error)
}

// WithReplyCounter counts quota-limited replies (nil: not counted, so Zalo's
// free replies look unused).
func WithReplyCounter(c ReplyCounter) Option { return func(r *Dispatcher) { r.counter = c } }

// Input is the policy input for m, with the templates this Dispatcher has.
func (r *Dispatcher) Input(m Message) sendpolicy.Input {
	wa := r.cfg.WhatsAppTemplateName
	if m.Template != nil && m.Template.Name != "" {
		wa = m.Template.Name
	}
	return sendpolicy.Input{
		Channel: m.Channel, Kind: m.kind(), LastInboundAt: m.LastInboundAt, Consent: m.Consent,
		HasPhone: m.Phone != "", Alternates: m.Alternates, WhatsAppTemplate: wa, ZNSTemplate: r.cfg.ZaloZNSTemplateID,
		ZaloPackage: r.cfg.ZaloConsultingPackage,
	}
}

// Decide is the policy's answer for in now, with the replies counted so far
// (what the agent sees before typing; a send counts its own).
func (r *Dispatcher) Decide(ctx context.Context, customerID string, in sendpolicy.Input) (sendpolicy.Decision, error) {
	d := sendpolicy.Decide(in, r.now())
	if d.Free && d.Limit > 0 && r.counter != nil && customerID != "" {
		n, err := r.counter.RepliesCounted(ctx, customerID, in.Channel, in.LastInboundAt)
		if err != nil {
			return d, err
		}
		in.RepliesSince = n
		d = sendpolicy.Decide(in, r.now())
	}
	return d, nil
}

// ReplyPlaceholder stands for the agent's text in a template's parameters
// shown before the reply is typed.
const ReplyPlaceholder = "{{reply}}"

// Preview is what a message like m would go as now, without counting it:
// the decision, with the fallback template's parameters filled as far as
// they are known (the reply text as ReplyPlaceholder when m has none).
func (r *Dispatcher) Preview(ctx context.Context, m Message) (sendpolicy.Decision, error) {
	d, err := r.Decide(ctx, m.CustomerID, r.Input(m))
	if err != nil {
		return d, err
	}
	text := m.Text
	if text == "" {
		text = ReplyPlaceholder
	}
	switch d.Fallback.Kind {
	case sendpolicy.FallbackZNS:
		_, d.Fallback.Params = ZNSTemplate(r.cfg, m.CustomerName, text, m.ConversationID)
	case sendpolicy.FallbackWATemplate:
		if m.Template != nil && len(m.Template.Params) > 0 {
			d.Fallback.Params = map[string]string{}
			for i, p := range m.Template.Params {
				d.Fallback.Params[strconv.Itoa(i+1)] = p
			}
		}
	}
	return d, nil
}

// decide asks the policy about m and, for a send under a counted quota,
// counts it (once per SendID). counted says whether a failed send should give
// its place back.
func (r *Dispatcher) decide(ctx context.Context, m *Message) (d sendpolicy.Decision, counted bool, err error) {
	in := r.Input(*m)
	d = sendpolicy.Decide(in, r.now())
	if d.Free && d.Limit > 0 && r.counter != nil && m.CustomerID != "" {
		if m.SendID == "" {
			m.SendID = ulid.Make().String() // no retry to recognise: counted as a new send
		}
		n, ok, err := r.counter.CountReply(ctx, m.CustomerID, m.Channel, m.LastInboundAt, m.SendID, d.Limit)
		if err != nil {
			return d, false, err
		}
		if ok {
			in.RepliesSince, counted = n-1, true
		} else {
			in.RepliesSince = d.Limit
		}
		d = sendpolicy.Decide(in, r.now())
		if !d.Free || d.Limit == 0 {
			counted = false
		}
	}
	return d, counted, nil
}

// uncount gives back a counted reply whose send failed; a failure to do so
// only costs one free reply.
func (r *Dispatcher) uncount(ctx context.Context, m Message) {
	if err := r.counter.UncountReply(ctx, m.CustomerID, m.Channel, m.LastInboundAt, m.SendID); err != nil {
		r.log.Warn("free reply not given back", "channel", string(m.Channel), "error", err.Error())
	}
}

// whatsAppTemplate returns nil when the policy allows free text, else the
// template to send instead: the message's own, completed from the config.
func (r *Dispatcher) whatsAppTemplate(m Message) (*Template, error) {
	// A message with no text but a template goes as the template anyway.
	if m.free() && strings.TrimSpace(m.Text) != "" {
		return nil, nil
	}
	var t Template
	if m.Template != nil {
		t = *m.Template
	}
	if t.Name == "" {
		t.Name = r.cfg.WhatsAppTemplateName
	}
	if t.Language == "" {
		t.Language = r.cfg.WhatsAppTemplateLanguage
	}
	if t.Name == "" {
		return nil, domain.Errorf(domain.CodeConflict,
			"the customer last wrote on WhatsApp more than 24 hours ago, so only an approved template may be sent, and none is configured (WHATSAPP_TEMPLATE_NAME)")
	}
	return &t, nil
}

// humanAgentTag reports whether the policy allowed m as a person's reply
// under Messenger's HUMAN_AGENT tag.
func (m Message) humanAgentTag() bool {
	return m.decision != nil && m.decision.Tag == sendpolicy.TagHumanAgent
}
