package agentapi

import (
	"context"
	"slices"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/outbound"
	"github.com/concierge-cx/concierge/shared/sendpolicy"
)

// ReplyPolicy previews what a message would go as now, without sending or
// counting it (shared/outbound's Dispatcher).
type ReplyPolicy interface {
	Preview(ctx context.Context, m outbound.Message) (sendpolicy.Decision, error)
}

// WithReplyPolicy shows, on GET /conversations/{id}, what a reply may be on
// each of the customer's channels.
func WithReplyPolicy(p ReplyPolicy) Option { return func(a *API) { a.Policy = p } }

// replyOption is the send policy's answer for an agent's reply on one of the
// customer's channels; Current marks the channel a reply goes to now.
type replyOption struct {
	sendpolicy.Decision
	Current bool `json:"current"`
}

// replyOptions is, per channel the customer can be written on, whether a
// free reply is possible now, until when, and the fallback (template and
// parameters) the agent's reply would go as. Her last message per channel is
// read from the conversation's touchpoints (tps, newest first).
func (a *API) replyOptions(ctx context.Context, conv domain.Conversation, cu domain.Customer, tps []domain.Touchpoint) []replyOption {
	if a.Policy == nil {
		return nil
	}
	last := map[domain.Channel]time.Time{}
	var order []domain.Channel
	add := func(ch domain.Channel) {
		if ch == "" || ch == domain.ChannelVoice || ch == domain.ChannelAgent || slices.Contains(order, ch) {
			return
		}
		order = append(order, ch)
	}
	current := domain.Channel("")
	for _, tp := range tps {
		if tp.Direction != domain.DirectionIn || tp.Channel == domain.ChannelAgent {
			continue
		}
		if current == "" {
			current = tp.Channel
		}
		if _, ok := last[tp.Channel]; !ok {
			last[tp.Channel] = tp.OccurredAt
		}
		add(tp.Channel)
	}
	if conv.LastChannel != "" && last[conv.LastChannel].Before(conv.LastInboundAt) {
		last[conv.LastChannel] = conv.LastInboundAt
	}
	add(conv.LastChannel)
	if current == "" {
		current = conv.LastChannel
	}
	if current == domain.ChannelVoice {
		current = domain.ChannelSMS
	}
	for ch := range cu.LastFrom {
		add(ch)
	}
	phone, alternates := policyAddresses(cu)
	for _, ch := range alternates {
		add(ch)
	}
	var out []replyOption
	for _, ch := range order {
		if !a.hasAddress(cu, ch) {
			continue
		}
		m := outbound.Message{Channel: ch, LastInboundAt: last[ch], Kind: sendpolicy.AgentReply, CustomerID: cu.ID,
			CustomerName: cu.DisplayName, Phone: phone, Consent: cu.Consent, Alternates: alternates, ConversationID: conv.ID}
		d, err := a.Policy.Preview(ctx, m)
		if err != nil {
			a.Log.Warn("reply options unavailable", "conversation", conv.ID, "channel", string(ch), "error", err.Error())
			continue
		}
		out = append(out, replyOption{Decision: d, Current: ch == current})
	}
	return out
}

// hasAddress reports whether the customer has a trusted identity that
// addresses ch.
func (a *API) hasAddress(cu domain.Customer, ch domain.Channel) bool {
	kind, ok := addressKind[ch]
	if !ok {
		return false
	}
	for _, id := range cu.Identities {
		if id.Kind == kind && trustedIdentity(cu, id) {
			return true
		}
	}
	return false
}
