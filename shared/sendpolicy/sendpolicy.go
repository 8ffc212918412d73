// Package sendpolicy is the one place that knows when each chat platform lets
// a business write to a customer: for a channel, the kind of message and what
// the customer last did there, it answers whether a free-form message may go
// now, under which tag or quota, what goes instead when it may not (an
// approved template, a ZNS message to her phone, another of her channels), and
// why. It is pure: the caller brings the state (last inbound time, replies
// already counted, consent) and the clock; the outbound Dispatcher asks it
// before every send and the agent API shows its answer before the agent types.
//
// Every rule sits in one table below with the platform's documentation beside
// it.
package sendpolicy

import (
	"errors"
	"fmt"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
)

// Kind is why a message is sent; the platforms treat a person's answer and an
// automated message differently.
type Kind string

const (
	AgentReply      Kind = "agent_reply"     // a person typed it
	Acknowledgement Kind = "acknowledgement" // automatic, on a new conversation
	Survey          Kind = "survey"          // automatic, after a resolve
	SLANotice       Kind = "sla_notice"      // automatic, about a delay
	Outreach        Kind = "outreach"        // proactive: win-back, offers
)

// Kinds lists every kind, for validation and tests.
var Kinds = []Kind{AgentReply, Acknowledgement, Survey, SLANotice, Outreach}

// Automated reports whether no person wrote a message of kind k.
func (k Kind) Automated() bool { return k != AgentReply }

// Day is 24 hours: the platforms count windows in hours from the message.
const Day = 24 * time.Hour

// Margin keeps a send that starts just inside a window (and may be retried
// for a few seconds) from reaching the platform just outside it.
const Margin = 30 * time.Second

// ZaloFreeReplies is how many free replies Zalo grants per user message.
const ZaloFreeReplies = 8

// Quota names, as recorded on touchpoints.
const (
	QuotaZaloFreeReply  = "zalo_free_reply"   // counted per customer and inbound message, at most ZaloFreeReplies
	QuotaZaloConsulting = "zalo_consulting"   // charged to the OA's message package
	TagHumanAgent       = "HUMAN_AGENT"       // Messenger message tag
	FallbackWATemplate  = "whatsapp_template" // an approved WhatsApp template
	FallbackZNS         = "zns_template"      // a ZNS template to her phone
	FallbackEmail       = "email"
	FallbackSMS         = "sms"
	FallbackNone        = "none"
)

// Rule is one row of the table: within Within of the customer's last inbound
// message on Channel (0: no window), messages of Kinds (empty: every kind) may
// go free-form, under Tag or Quota, at most Limit per inbound message (0: no
// limit).
type Rule struct {
	ID      string
	Channel domain.Channel
	Kinds   []Kind
	Within  time.Duration
	Limit   int
	Tag     string
	Quota   string
	Text    string // the rule in a sentence, for the agent and the timeline
	Source  string // the platform's documentation
	// Package: the rule applies only when the business pays for it
	// (Input.ZaloPackage for Zalo's consulting messages).
	Package bool
}

func (r Rule) admits(k Kind) bool {
	if len(r.Kinds) == 0 {
		return true
	}
	for _, x := range r.Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Rules is the table, in the order Decide tries them per channel.
var Rules = []Rule{
	// WhatsApp: any message within 24 hours of the user's last message (the
	// customer service window); after it, only an approved template.
	// https://developers.facebook.com/docs/whatsapp/conversation-types#customer-service-window
	// https://www.twilio.com/docs/api/errors/63016
	{ID: "whatsapp.service_window", Channel: domain.ChannelWhatsApp, Within: Day,
		Text:   "WhatsApp allows free-form messages within 24 hours of the customer's last message; after that only an approved template",
		Source: "https://developers.facebook.com/docs/whatsapp/conversation-types#customer-service-window"},

	// Messenger standard messaging: 24 hours after the user's message, any
	// content, automated or not.
	// https://developers.facebook.com/documentation/business-messaging/messenger-platform/policy/
	{ID: "messenger.standard", Channel: domain.ChannelMessenger, Within: Day,
		Text:   "Messenger allows standard messages within 24 hours of the customer's last message",
		Source: "https://developers.facebook.com/documentation/business-messaging/messenger-platform/policy/"},
	// Messenger HUMAN_AGENT tag: a person's reply to the user's inquiry within
	// 7 days of the user's message; automated messages are not allowed.
	// https://developers.facebook.com/docs/messenger-platform/send-messages/message-tags
	{ID: "messenger.human_agent", Channel: domain.ChannelMessenger, Kinds: []Kind{AgentReply}, Within: 7 * Day, Tag: TagHumanAgent,
		Text:   "Messenger allows a person's reply tagged HUMAN_AGENT within 7 days of the customer's last message, never an automated message",
		Source: "https://developers.facebook.com/docs/messenger-platform/send-messages/message-tags"},

	// Zalo OA free replies ("tin phản hồi"): 8 replies within 48 hours of the
	// user's message, reset by each new user message; the 9th, or one after
	// 48 hours, counts as a proactive message.
	// https://zalooa.freshdesk.com/support/solutions/articles/64000261136
	{ID: "zalo.free_reply", Channel: domain.ChannelZalo, Within: 2 * Day, Limit: ZaloFreeReplies, Quota: QuotaZaloFreeReply,
		Text:   "Zalo grants 8 free replies within 48 hours of each message the customer sends",
		Source: "https://zalooa.freshdesk.com/support/solutions/articles/64000261136"},
	// Zalo consulting message ("tin tư vấn", the same /oa/message/cs API,
	// charged to the OA's package): customer care only, within 7 days of the
	// user's last interaction. Zalo's developer site is not in our search
	// index; the 7 days are as integrators document them.
	// https://viindoo.com/documentation/17.0/applications/productivity/zalo/reply-to-zalo-oa-messages.html
	// Beyond the free replies such a message spends the OA's message package
	// ("tin chủ động" quota), so it applies only when the business has one.
	{ID: "zalo.consulting", Channel: domain.ChannelZalo, Kinds: []Kind{AgentReply, Acknowledgement, Survey, SLANotice}, Within: 7 * Day, Quota: QuotaZaloConsulting, Package: true,
		Text:   "Zalo allows consulting (customer-care) messages within 7 days of the customer's last message, charged to the OA's package",
		Source: "https://viindoo.com/documentation/17.0/applications/productivity/zalo/reply-to-zalo-oa-messages.html"},

	// Channels without a platform window: an SMS, an email, a Telegram chat the
	// customer started, Viber through Vonage, the business's own web chat.
	{ID: "open.sms", Channel: domain.ChannelSMS, Text: "SMS has no messaging window"},
	{ID: "open.email", Channel: domain.ChannelEmail, Text: "email has no messaging window"},
	{ID: "open.telegram", Channel: domain.ChannelTelegram, Text: "a Telegram bot may write to a user who started it"},
	{ID: "open.viber", Channel: domain.ChannelViber, Text: "Concierge enforces no window on Viber"},
	{ID: "open.webchat", Channel: domain.ChannelWebchat, Text: "web chat is the business's own channel"},
}

// Fallback is what goes instead of a free-form message.
type Fallback struct {
	Kind     string         `json:"kind"`               // whatsapp_template, zns_template, email, sms or none
	Channel  domain.Channel `json:"channel,omitempty"`  // where it goes
	Template string         `json:"template,omitempty"` // the configured template name or ZNS template id
	// Ready is false when the fallback needs something not configured or not
	// known (no template set, no phone number): the send is refused.
	Ready  bool   `json:"ready"`
	Note   string `json:"note,omitempty"`
	Source string `json:"source,omitempty"`
	// Params are the template's parameters as they would be filled (the
	// sender fills them; the engine leaves them empty).
	Params map[string]string `json:"params,omitempty"`
}

// Sends reports whether the Dispatcher sends this fallback itself, on the
// same conversation channel's provider account.
func (f Fallback) Sends() bool {
	return f.Ready && (f.Kind == FallbackWATemplate || f.Kind == FallbackZNS)
}

// Input is what Decide needs to know.
type Input struct {
	Channel       domain.Channel
	Kind          Kind
	LastInboundAt time.Time // her last message on Channel; zero: never
	// RepliesSince is how many replies under a per-message limit (Zalo's free
	// replies) were already counted since LastInboundAt.
	RepliesSince int
	// Consent is her choice about proactive messages, per channel.
	Consent map[domain.Channel]domain.Consent
	// HasPhone: a phone number is known for her (ZNS goes to the phone).
	HasPhone bool
	// Alternates are the other channels she has an address on, in the order a
	// fallback prefers them (email, then SMS).
	Alternates []domain.Channel
	// Templates configured: the WhatsApp template name, the ZNS template id.
	WhatsAppTemplate string
	ZNSTemplate      string
	// ZaloPackage: the OA has a message package that pays for consulting
	// messages beyond the free replies (ZALO_CONSULTING_PACKAGE).
	ZaloPackage bool
}

// Decision is the engine's answer.
type Decision struct {
	Channel domain.Channel `json:"channel"`
	Kind    Kind           `json:"kind"`
	Free    bool           `json:"free"`            // a free-form message may go now
	Rule    string         `json:"rule"`            // the rule that allowed or refused it
	Tag     string         `json:"tag,omitempty"`   // Messenger message tag to send with
	Quota   string         `json:"quota,omitempty"` // the quota the send counts against
	Limit   int            `json:"-"`               // the quota's per-inbound-message limit (0: none)
	// Until is when the free-form window under Rule closes (zero: none).
	Until     time.Time `json:"until,omitzero"`
	Remaining int       `json:"remaining,omitempty"` // free replies left (Zalo)
	Fallback  Fallback  `json:"fallback,omitzero"`   // when not Free
	Reason    string    `json:"reason"`
	Source    string    `json:"source,omitempty"`
}

// Sendable reports whether something goes to the customer on this channel:
// free-form text or a fallback the Dispatcher sends itself.
func (d Decision) Sendable() bool { return d.Free || d.Fallback.Sends() }

// Decide applies the table to in at now.
func Decide(in Input, now time.Time) Decision {
	d := Decision{Channel: in.Channel, Kind: in.Kind}
	if in.Kind == Outreach && in.Consent[in.Channel].OptedOut {
		c := in.Consent[in.Channel]
		d.Rule = "consent.opted_out"
		d.Reason = fmt.Sprintf("the customer opted out of proactive messages on %s", in.Channel)
		if c.Source != "" {
			d.Reason += " (" + c.Source + ")"
		}
		d.Fallback = alternate(in, true)
		return d
	}
	var closed *Rule // the last rule whose window or limit the message missed
	for i := range Rules {
		r := &Rules[i]
		if r.Channel != in.Channel || !r.admits(in.Kind) || (r.Package && !in.ZaloPackage) {
			continue
		}
		if r.Within == 0 {
			return Decision{Channel: in.Channel, Kind: in.Kind, Free: true, Rule: r.ID, Reason: r.Text, Source: r.Source}
		}
		if in.LastInboundAt.IsZero() {
			closed = r
			continue
		}
		until := in.LastInboundAt.Add(r.Within)
		if !now.Before(until.Add(-Margin)) || (r.Limit > 0 && in.RepliesSince >= r.Limit) {
			closed = r
			continue
		}
		d = Decision{Channel: in.Channel, Kind: in.Kind, Free: true, Rule: r.ID, Tag: r.Tag, Quota: r.Quota, Limit: r.Limit,
			Until: until, Reason: r.Text, Source: r.Source}
		if r.Limit > 0 {
			d.Remaining = r.Limit - in.RepliesSince
		}
		return d
	}
	d.Fallback = fallback(in)
	switch {
	case closed == nil:
		d.Rule, d.Reason = "none", fmt.Sprintf("%s allows no %s", in.Channel, in.Kind)
	case in.LastInboundAt.IsZero():
		d.Rule, d.Reason, d.Source = closed.ID, fmt.Sprintf("the customer has not written on %s, so no window is open: %s", in.Channel, closed.Text), closed.Source
	case closed.Limit > 0 && in.RepliesSince >= closed.Limit && now.Before(in.LastInboundAt.Add(closed.Within)):
		d.Rule, d.Reason, d.Source = closed.ID, fmt.Sprintf("the %d free replies since the customer's last message are used: %s", closed.Limit, closed.Text), closed.Source
	default:
		d.Rule, d.Source = closed.ID, closed.Source
		d.Reason = fmt.Sprintf("the customer last wrote %s ago: %s", age(now.Sub(in.LastInboundAt)), closed.Text)
	}
	if in.Channel == domain.ChannelZalo && !in.ZaloPackage && in.Kind != Outreach {
		d.Reason += "; consulting messages beyond the free replies need an OA message package (ZALO_CONSULTING_PACKAGE)"
	}
	if in.Channel == domain.ChannelMessenger && in.Kind.Automated() && !in.LastInboundAt.IsZero() && now.Sub(in.LastInboundAt) < 7*Day {
		d.Reason += "; HUMAN_AGENT is for a person's reply, so this automated " + string(in.Kind) + " is not sent"
	}
	return d
}

// fallback is what replaces free-form text on in.Channel when no rule allows it.
func fallback(in Input) Fallback {
	switch in.Channel {
	case domain.ChannelWhatsApp:
		// Templates may start a conversation at any time, automated or not.
		f := Fallback{Kind: FallbackWATemplate, Channel: domain.ChannelWhatsApp, Template: in.WhatsAppTemplate, Ready: in.WhatsAppTemplate != "",
			Source: "https://developers.facebook.com/docs/whatsapp/conversation-types#customer-service-window"}
		if !f.Ready {
			f.Note = "no WhatsApp template is configured (WHATSAPP_TEMPLATE_NAME)"
		}
		return f
	case domain.ChannelZalo:
		// Beyond the consulting window only a ZNS template reaches her, on her
		// phone number (section 3 of the article; API: POST
		// https://business.openapi.zalo.me/message/template with phone,
		// template_id, template_data).
		f := Fallback{Kind: FallbackZNS, Channel: domain.ChannelZalo, Template: in.ZNSTemplate, Ready: in.ZNSTemplate != "" && in.HasPhone,
			Source: "https://zalooa.freshdesk.com/support/solutions/articles/64000261136"}
		switch {
		case in.ZNSTemplate == "":
			f.Note = "no ZNS template is configured (ZALO_ZNS_TEMPLATE_ID)"
		case !in.HasPhone:
			f.Note = "ZNS goes to a phone number and none is known for the customer"
		}
		if f.Ready {
			return f
		}
		if alt := alternate(in, in.Kind == Outreach); alt.Kind != FallbackNone {
			alt.Note = f.Note + "; " + alt.Note
			return alt
		}
		return f
	}
	return alternate(in, in.Kind == Outreach)
}

// alternate is another of her channels without a window (email, then SMS):
// named for the agent, not sent automatically, since it changes where the
// conversation goes. needConsent skips channels she opted out of.
func alternate(in Input, needConsent bool) Fallback {
	for _, ch := range in.Alternates {
		if ch == in.Channel || (ch != domain.ChannelEmail && ch != domain.ChannelSMS) {
			continue
		}
		if needConsent && in.Consent[ch].OptedOut {
			continue
		}
		return Fallback{Kind: string(ch), Channel: ch, Ready: true, Note: fmt.Sprintf("write to her by %s instead", ch)}
	}
	return Fallback{Kind: FallbackNone, Note: "no other channel of hers is open; wait for her to write again"}
}

func age(d time.Duration) string {
	switch {
	case d >= 2*Day:
		return fmt.Sprintf("%.1f days", d.Hours()/24)
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	default:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	}
}

// Refusal is the cause of an error for a send the policy refused: the
// decision says why and what fallback applies.
type Refusal struct{ Decision Decision }

func (r *Refusal) Error() string { return "send policy: " + r.Decision.Reason }

// Refuse is the error the Dispatcher returns for d: a CodeConflict (the
// client cannot fix it by retrying) carrying the decision.
func Refuse(d Decision) error {
	msg := d.Reason
	if d.Fallback.Kind != "" && d.Fallback.Kind != FallbackNone && !d.Fallback.Sends() {
		if d.Fallback.Ready {
			msg += "; fallback: " + d.Fallback.Note
		} else if d.Fallback.Note != "" {
			msg += "; fallback " + d.Fallback.Kind + " unavailable: " + d.Fallback.Note
		}
	} else if d.Fallback.Note != "" {
		msg += "; " + d.Fallback.Note
	}
	return domain.Wrap(&Refusal{Decision: d}, domain.CodeConflict, msg)
}

// RefusalOf returns the decision of a refused send.
func RefusalOf(err error) (Decision, bool) {
	var r *Refusal
	if errors.As(err, &r) {
		return r.Decision, true
	}
	return Decision{}, false
}

// Metadata is what a touchpoint records of d: the rule, the tag, the quota
// and, for a refused or replaced message, the reason and the fallback.
func (d Decision) Metadata(refused bool) map[string]string {
	m := map[string]string{"policyRule": d.Rule}
	if d.Tag != "" {
		m["policyTag"] = d.Tag
	}
	if d.Quota != "" && d.Free {
		m["policyQuota"] = d.Quota
	}
	if !d.Free {
		m["policyReason"] = d.Reason
		fb := d.Fallback.Kind
		if refused && fb != FallbackNone {
			fb += " (not sent: " + d.Fallback.Note + ")"
		}
		m["policyFallback"] = fb
	}
	return m
}
