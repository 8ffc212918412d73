package agentapi

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/feedback"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/sendpolicy"
	"github.com/concierge-cx/concierge/shared/store"
)

// destination is where a message to the customer goes: the channel of
// their latest message in the conversation, by its provider, to their
// address on that channel.
type destination struct {
	Channel       domain.Channel
	Provider      string
	To            string
	LastInboundAt time.Time
	InReplyTo     string
	Subject       string
	// Kind is the touchpoint kind the send is recorded as (message when
	// empty; outreach for win-back); Template names the approved template a
	// proactive message goes as where the channel asks for one.
	Kind     domain.TouchpointKind
	Template string
	// For the send policy: her name and phone (a ZNS template goes to the
	// phone), her consent, and her other channels a fallback may name.
	Name       string
	Phone      string
	ReplyTo    string // the provider id of her latest message on Channel
	Consent    map[domain.Channel]domain.Consent
	Alternates []domain.Channel
}

// addressKind is the identity that addresses a customer on a channel.
var addressKind = map[domain.Channel]domain.IdentityKind{
	domain.ChannelWhatsApp: domain.KindPhone, domain.ChannelSMS: domain.KindPhone, domain.ChannelVoice: domain.KindPhone,
	domain.ChannelMessenger: domain.KindMessenger, domain.ChannelTelegram: domain.KindTelegram, domain.ChannelZalo: domain.KindZalo,
	domain.ChannelEmail: domain.KindEmail, domain.ChannelViber: domain.KindVonage, domain.ChannelWebchat: domain.KindWebchat,
}

func (a *API) destination(ctx context.Context, conv domain.Conversation, cu domain.Customer) (destination, error) {
	d := destination{Channel: conv.LastChannel, LastInboundAt: conv.LastInboundAt}
	tps, err := a.conversationTouchpoints(ctx, conv, 100)
	if err != nil {
		return d, err
	}
	var lastFrom *domain.Identity
	for _, tp := range tps {
		if tp.Direction == domain.DirectionIn && tp.Channel != domain.ChannelAgent {
			d.Channel, d.Provider, d.LastInboundAt = tp.Channel, tp.Provider, tp.OccurredAt
			d.ReplyTo = tp.ProviderMessageID
			lastFrom = tp.From
			d.InReplyTo = tp.Metadata["messageId"]
			if tp.Subject != "" && !strings.HasPrefix(strings.ToLower(tp.Subject), "re:") {
				d.Subject = "Re: " + tp.Subject
			} else {
				d.Subject = tp.Subject
			}
			break
		}
	}
	if d.Channel == "" {
		d.Channel = cu.LastChannel
	}
	if d.Channel == domain.ChannelVoice {
		// A call cannot carry a typed answer: text the caller's number.
		d.Channel, d.Provider = domain.ChannelSMS, ""
	}
	// The identity that last wrote on the channel, if it is still the
	// customer's and trusted; else the one the profile remembers for the
	// channel; else the first trusted identity of the channel's kind.
	kind, ok := addressKind[d.Channel]
	switch {
	case !ok:
	case lastFrom != nil && lastFrom.Kind == kind && trustedIdentity(cu, *lastFrom):
		d.To = lastFrom.Value
	default:
		d.To = profileAddress(cu, d.Channel)
	}
	d.Name, d.Consent = cu.DisplayName, cu.Consent
	d.Phone, d.Alternates = policyAddresses(cu)
	if d.To == "" {
		return d, domain.Errorf(domain.CodeConflict, "the customer has no address on %s to reply to", d.Channel)
	}
	return d, nil
}

// profileAddress is the customer's address on ch as her profile knows it:
// the identity that last wrote there, else the first trusted identity of
// the channel's kind ("" when none).
func profileAddress(cu domain.Customer, ch domain.Channel) string {
	kind, ok := addressKind[ch]
	if !ok {
		return ""
	}
	if k, ok := cu.LastFrom[ch]; ok {
		if id, ok := domain.ParseKey(k); ok && id.Kind == kind && trustedIdentity(cu, id) {
			return id.Value
		}
	}
	for _, id := range cu.Identities {
		if id.Kind == kind && trustedIdentity(cu, id) {
			return id.Value
		}
	}
	return ""
}

// policyAddresses is her trusted phone number (for a ZNS template) and the
// channels without a window she can be written on (email, then SMS), which
// the send policy may name as a fallback.
func policyAddresses(cu domain.Customer) (phone string, alternates []domain.Channel) {
	email := false
	for _, id := range cu.Identities {
		if !trustedIdentity(cu, id) {
			continue
		}
		switch id.Kind {
		case domain.KindPhone:
			if phone == "" {
				phone = id.Value
			}
		case domain.KindEmail:
			email = true
		}
	}
	if email {
		alternates = append(alternates, domain.ChannelEmail)
	}
	if phone != "" {
		alternates = append(alternates, domain.ChannelSMS)
	}
	return phone, alternates
}

// policyFields fills what the send policy weighs from d.
func policyFields(m *routing.Outbound, customerID string, d destination, kind sendpolicy.Kind, sendID string) {
	m.Kind, m.CustomerID, m.SendID = kind, customerID, sendID
	m.CustomerName, m.Phone, m.Consent, m.Alternates, m.ReplyTo = d.Name, d.Phone, d.Consent, d.Alternates, d.ReplyTo
}

// send delivers text and records it on the timeline, failed or not.
func (a *API) send(ctx context.Context, conv domain.Conversation, d destination, body string, meta map[string]string, auto bool) (domain.Touchpoint, error) {
	msg := routing.Outbound{Channel: d.Channel, Provider: d.Provider, To: d.To, Text: body, LastInboundAt: d.LastInboundAt,
		InReplyTo: d.InReplyTo, ConversationID: conv.ID, AutoGenerated: auto, TemplateName: d.Template}
	policyKind := sendpolicy.AgentReply
	switch {
	case d.Kind == domain.KindOutreach:
		policyKind = sendpolicy.Outreach
	case auto:
		policyKind = sendpolicy.Acknowledgement
	}
	policyFields(&msg, conv.CustomerID, d, policyKind, ulid.Make().String())
	if d.Channel == domain.ChannelEmail {
		msg.Subject = d.Subject
	}
	kind := d.Kind
	if kind == "" {
		kind = domain.KindMessage
	}
	tp := domain.Touchpoint{CustomerID: conv.CustomerID, ConversationID: conv.ID, Channel: d.Channel, Direction: domain.DirectionOut,
		Kind: kind, Text: body, Subject: msg.Subject, Metadata: meta}
	sent, sendErr := a.Sender.Send(ctx, msg)
	if sendErr != nil {
		tp.Provider, tp.Status = d.Provider, domain.StatusFailed
		tp.Metadata["error"] = domain.ErrorMessage(sendErr)
		tp.Metadata = routing.AddMetadata(tp.Metadata, routing.PolicyMetadata(sendErr))
	} else {
		tp.Provider, tp.ProviderMessageID, tp.Status = sent.Provider, sent.ProviderMessageID, domain.StatusSent
		tp.Metadata = routing.AddMetadata(tp.Metadata, sent.Policy)
		if sent.EmailMessageID != "" {
			tp.Metadata["messageId"] = sent.EmailMessageID
		}
		if sent.UsedTemplate {
			tp.Metadata["template"] = "true"
		}
	}
	stored, _, err := a.Store.RecordOutbound(ctx, tp)
	if err != nil {
		return tp, err
	}
	if sent.EmailMessageID != "" {
		// The customer's answer to this email threads back into the conversation.
		if err := a.Store.IndexMessageIDs(ctx, conv.ID, conv.CustomerID, sent.EmailMessageID); err != nil {
			a.Log.Warn("index reply message id", "conversation", conv.ID, "error", err.Error())
		}
	}
	if sendErr != nil {
		if domain.ErrorCode(sendErr) == domain.CodeInternal {
			return stored, domain.Wrap(sendErr, domain.CodeUnavailable, "the message could not be delivered; it is on the timeline as failed")
		}
		return stored, sendErr
	}
	return stored, nil
}

// mayWork: an agent works on unassigned conversations and their own; a
// supervisor on any.
func mayWork(who principal, conv domain.Conversation) error {
	if conv.Status == domain.ConversationResolved {
		return domain.Errorf(domain.CodeConflict, "conversation %s is resolved", conv.ID)
	}
	if conv.AssigneeID != "" && conv.AssigneeID != who.Subject && !who.supervisor() {
		return domain.Errorf(domain.CodeConflict, "conversation %s is assigned to %s", conv.ID, conv.AssigneeID)
	}
	return nil
}

type textBody struct {
	Text string `json:"text"`
}

// replyBody may name which of the customer's identities gets the reply.
type replyBody struct {
	Text string        `json:"text"`
	To   *identityBody `json:"to"`
}

// trustedIdentity: id is one of the customer's identities with verified or
// staff proof, the only ones a reply may go to.
// workOn reads a conversation the caller may work on, and its customer.
func (a *API) workOn(ctx context.Context, c *call, id string) (domain.Conversation, domain.Customer, error) {
	conv, err := a.Store.GetConversation(ctx, id)
	if err != nil {
		return conv, domain.Customer{}, err
	}
	if err := mayWork(c.who, conv); err != nil {
		return conv, domain.Customer{}, err
	}
	cu, err := a.Store.GetCustomer(ctx, conv.CustomerID)
	return conv, cu, err
}

func trustedIdentity(cu domain.Customer, id domain.Identity) bool {
	if !slices.Contains(cu.Identities, id) {
		return false
	}
	p, ok := cu.IdentityProof[id.Key()]
	return !ok || p.Trusted() // identities linked before proofs were recorded were linked on the sender's own id
}

func (a *API) reply(ctx context.Context, c *call) (reply, error) {
	id, err := conversationParam(c)
	if err != nil {
		return reply{}, err
	}
	var body replyBody
	if err := decode(c, &body); err != nil {
		return reply{}, err
	}
	msg, err := text("text", body.Text)
	if err != nil {
		return reply{}, err
	}
	var to *domain.Identity
	if body.To != nil {
		id, err := a.identityOf("to", *body.To)
		if err != nil {
			return reply{}, err
		}
		to = &id
	}
	conv, cu, err := a.workOn(ctx, c, id)
	if err != nil {
		return reply{}, err
	}
	d, err := a.destination(ctx, conv, cu)
	// Only "no address on the channel" is mended by naming one; a storage
	// failure reading the conversation must not send a reply without its thread.
	if err != nil && (to == nil || domain.ErrorCode(err) != domain.CodeConflict) {
		return reply{}, err
	}
	if to != nil {
		// Another of the customer's own proven addresses, on the channel's kind.
		if !trustedIdentity(cu, *to) {
			return reply{}, domain.Errorf(domain.CodeUnprocessable, "to: %s is not a verified or staff-confirmed identity of this customer", to.Kind)
		}
		if kind, ok := addressKind[d.Channel]; !ok || kind != to.Kind {
			return reply{}, domain.Errorf(domain.CodeUnprocessable, "to: a %s reply goes to a %s identity, not %s", d.Channel, addressKind[d.Channel], to.Kind)
		}
		d.To = to.Value
	}
	// The team's policy is read before the send: once the reply has gone out,
	// nothing that can fail should stand between it and its response time.
	pol, err := a.Teams.Policy(ctx, conv.Team)
	if err != nil {
		return reply{}, err
	}
	tp, err := a.send(ctx, conv, d, msg, map[string]string{"agentId": c.who.Subject}, false)
	if err != nil {
		return reply{}, err
	}
	saved, err := a.Store.EditConversation(ctx, id, func(conv *domain.Conversation) error {
		routing.Responded(conv, pol, tp.OccurredAt)
		return nil
	})
	if err != nil {
		return reply{}, err
	}
	return created(map[string]any{"touchpoint": tp, "conversation": a.view(ctx, saved)}), nil
}

func (a *API) note(ctx context.Context, c *call) (reply, error) {
	id, err := conversationParam(c)
	if err != nil {
		return reply{}, err
	}
	var body textBody
	if err := decode(c, &body); err != nil {
		return reply{}, err
	}
	msg, err := text("text", body.Text)
	if err != nil {
		return reply{}, err
	}
	conv, err := a.Store.GetConversation(ctx, id)
	if err != nil {
		return reply{}, err
	}
	tp, _, err := a.Store.RecordOutbound(ctx, domain.Touchpoint{
		CustomerID: conv.CustomerID, ConversationID: conv.ID, Channel: domain.ChannelAgent, Direction: domain.DirectionOut,
		Kind: domain.KindNote, Text: msg, Metadata: map[string]string{"agentId": c.who.Subject},
	})
	if err != nil {
		return reply{}, err
	}
	return created(map[string]any{"touchpoint": tp}), nil
}

func (a *API) resolve(ctx context.Context, c *call) (reply, error) {
	id, err := conversationParam(c)
	if err != nil {
		return reply{}, err
	}
	if err := emptyBody(c); err != nil {
		return reply{}, err
	}
	token, err := feedback.NewToken()
	if err != nil {
		return reply{}, err
	}
	conv, cu, err := a.workOn(ctx, c, id)
	if err != nil {
		return reply{}, err
	}
	in := store.ResolveInput{FeedbackToken: token, FeedbackTTL: a.Config.FeedbackTTL,
		Check: func(fresh domain.Conversation) error { return mayWork(c.who, fresh) }}
	sv, asked, err := a.survey(ctx, conv, cu, token)
	if err != nil {
		return reply{}, err
	}
	if asked {
		e, err := sv.Owed()
		if err != nil {
			return reply{}, err
		}
		// Owed in the resolve's own transaction: once resolved, no crash or
		// failed send can lose the survey; the SLA sweep sends what this
		// request does not.
		in.Owed = append(in.Owed, e)
	}
	res, err := a.Store.ResolveConversation(ctx, id, in)
	if err != nil {
		return reply{}, err
	}
	saved := res.Conversation
	survey := map[string]any{"sent": false}
	for _, e := range res.Owed {
		tp, err := a.surveys().Deliver(ctx, e)
		switch {
		case err != nil:
			a.Log.Warn("survey owed; the SLA sweep sends it", "conversation", saved.ID, "error", err.Error())
			survey = map[string]any{"sent": false, "pending": true, "channel": sv.Message.Channel}
		case tp.Status == domain.StatusFailed:
			a.Log.Warn("survey refused by the channel", "conversation", saved.ID, "error", tp.Metadata["error"])
			survey = map[string]any{"sent": false, "channel": sv.Message.Channel}
		default:
			survey = map[string]any{"sent": true, "channel": sv.Message.Channel}
		}
	}
	var pulled []string
	if a.Router != nil && saved.AssigneeID != "" {
		got, err := a.Router.Pull(ctx, saved.AssigneeID)
		if err != nil {
			a.Log.Warn("pull after resolve", "agent", saved.AssigneeID, "error", err.Error())
		}
		for _, g := range got {
			pulled = append(pulled, g.ID)
		}
	}
	return ok(map[string]any{"conversation": a.view(ctx, saved), "survey": survey, "pulled": nonNil(pulled)}), nil
}

// survey is the message asking the customer of conv for a score, on the
// channel a reply would take; asked is false when there is none to ask on
// (no address, or web chat, whose widget asks itself).
func (a *API) survey(ctx context.Context, conv domain.Conversation, cu domain.Customer, token string) (feedback.Survey, bool, error) {
	d, err := a.destination(ctx, conv, cu)
	if domain.ErrorCode(err) == domain.CodeConflict || err == nil && d.Channel == domain.ChannelWebchat {
		return feedback.Survey{}, false, nil
	}
	if err != nil {
		// A storage failure must not resolve without the survey it owes.
		return feedback.Survey{}, false, err
	}
	body := feedback.SurveyText(cu, a.Config.BusinessName)
	if a.Config.FeedbackLinkBase != "" {
		body += "\n" + strings.TrimRight(a.Config.FeedbackLinkBase, "/") + "/" + token
	}
	msg := routing.Outbound{Channel: d.Channel, Provider: d.Provider, To: d.To, Text: body, LastInboundAt: d.LastInboundAt,
		InReplyTo: d.InReplyTo, ConversationID: conv.ID, AutoGenerated: true}
	if d.Channel == domain.ChannelEmail {
		msg.Subject = d.Subject
	}
	tpID := feedback.NewTouchpointID(a.Store.Now())
	// The touchpoint id is the send's id: the sweeper's retries count once.
	policyFields(&msg, conv.CustomerID, d, sendpolicy.Survey, tpID)
	return feedback.Survey{CustomerID: conv.CustomerID, ConversationID: conv.ID,
		TouchpointID: tpID, Message: msg}, true, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
