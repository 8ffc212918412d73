package sendpolicy

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
)

var now = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)

func ago(d time.Duration) time.Time { return now.Add(-d) }

// The window edges of every platform, each row naming the rule it tests and
// the source that documents it.
func TestDecideAtTheEdges(t *testing.T) {
	h, m := time.Hour, time.Minute
	full := Input{HasPhone: true, WhatsAppTemplate: "order_update", ZNSTemplate: "248613", ZaloPackage: true, Alternates: []domain.Channel{domain.ChannelEmail, domain.ChannelSMS}}
	with := func(ch domain.Channel, k Kind, last time.Duration, replies int) Input {
		in := full
		in.Channel, in.Kind, in.RepliesSince = ch, k, replies
		if last >= 0 {
			in.LastInboundAt = ago(last)
		}
		return in
	}
	cases := []struct {
		name     string
		in       Input
		free     bool
		rule     string
		tag      string
		quota    string
		fallback string
		source   string // the cited rule
	}{
		// Messenger standard window, 24 h.
		{"messenger reply at 23h59m", with(domain.ChannelMessenger, AgentReply, 23*h+59*m, 0), true, "messenger.standard", "", "", "",
			"https://developers.facebook.com/documentation/business-messaging/messenger-platform/policy/"},
		{"messenger survey at 23h59m", with(domain.ChannelMessenger, Survey, 23*h+59*m, 0), true, "messenger.standard", "", "", "",
			"https://developers.facebook.com/documentation/business-messaging/messenger-platform/policy/"},
		// HUMAN_AGENT: a person within 7 days, never automation.
		{"messenger reply at 24h1m", with(domain.ChannelMessenger, AgentReply, 24*h+m, 0), true, "messenger.human_agent", TagHumanAgent, "", "",
			"https://developers.facebook.com/docs/messenger-platform/send-messages/message-tags"},
		{"messenger reply at 30h", with(domain.ChannelMessenger, AgentReply, 30*h, 0), true, "messenger.human_agent", TagHumanAgent, "", "",
			"https://developers.facebook.com/docs/messenger-platform/send-messages/message-tags"},
		{"messenger survey at 24h1m", with(domain.ChannelMessenger, Survey, 24*h+m, 0), false, "messenger.standard", "", "", FallbackEmail,
			"https://developers.facebook.com/documentation/business-messaging/messenger-platform/policy/"},
		{"messenger acknowledgement at 30h", with(domain.ChannelMessenger, Acknowledgement, 30*h, 0), false, "messenger.standard", "", "", FallbackEmail,
			"https://developers.facebook.com/documentation/business-messaging/messenger-platform/policy/"},
		{"messenger reply at 7d1m", with(domain.ChannelMessenger, AgentReply, 7*Day+m, 0), false, "messenger.human_agent", "", "", FallbackEmail,
			"https://developers.facebook.com/docs/messenger-platform/send-messages/message-tags"},
		// Zalo: 8 free replies within 48 h.
		{"zalo 8th reply", with(domain.ChannelZalo, AgentReply, 2*h, 7), true, "zalo.free_reply", "", QuotaZaloFreeReply, "",
			"https://zalooa.freshdesk.com/support/solutions/articles/64000261136"},
		{"zalo 9th reply", with(domain.ChannelZalo, AgentReply, 2*h, 8), true, "zalo.consulting", "", QuotaZaloConsulting, "",
			"https://viindoo.com/documentation/17.0/applications/productivity/zalo/reply-to-zalo-oa-messages.html"},
		{"zalo reply at 47h59m", with(domain.ChannelZalo, AgentReply, 47*h+59*m, 0), true, "zalo.free_reply", "", QuotaZaloFreeReply, "",
			"https://zalooa.freshdesk.com/support/solutions/articles/64000261136"},
		{"zalo reply at 48h1m", with(domain.ChannelZalo, AgentReply, 48*h+m, 0), true, "zalo.consulting", "", QuotaZaloConsulting, "",
			"https://viindoo.com/documentation/17.0/applications/productivity/zalo/reply-to-zalo-oa-messages.html"},
		// Zalo consulting: within 7 days; after, the ZNS template to her phone.
		{"zalo consulting day 6", with(domain.ChannelZalo, AgentReply, 6*Day, 0), true, "zalo.consulting", "", QuotaZaloConsulting, "",
			"https://viindoo.com/documentation/17.0/applications/productivity/zalo/reply-to-zalo-oa-messages.html"},
		{"zalo consulting day 8", with(domain.ChannelZalo, AgentReply, 8*Day, 0), false, "zalo.consulting", "", "", FallbackZNS,
			"https://viindoo.com/documentation/17.0/applications/productivity/zalo/reply-to-zalo-oa-messages.html"},
		{"zalo survey day 8", with(domain.ChannelZalo, Survey, 8*Day, 0), false, "zalo.consulting", "", "", FallbackZNS,
			"https://viindoo.com/documentation/17.0/applications/productivity/zalo/reply-to-zalo-oa-messages.html"},
		{"zalo outreach day 3 (consulting is not for promotion)", with(domain.ChannelZalo, Outreach, 3*Day, 0), false, "zalo.free_reply", "", "", FallbackZNS,
			"https://zalooa.freshdesk.com/support/solutions/articles/64000261136"},
		// Without a message package, beyond the free replies only ZNS reaches her.
		{"zalo day 3 without a package", func() Input { in := with(domain.ChannelZalo, AgentReply, 3*Day, 0); in.ZaloPackage = false; return in }(),
			false, "zalo.free_reply", "", "", FallbackZNS, "https://zalooa.freshdesk.com/support/solutions/articles/64000261136"},
		{"zalo 9th reply without a package", func() Input { in := with(domain.ChannelZalo, AgentReply, 2*h, 8); in.ZaloPackage = false; return in }(),
			false, "zalo.free_reply", "", "", FallbackZNS, "https://zalooa.freshdesk.com/support/solutions/articles/64000261136"},
		// WhatsApp: 24 h, then the approved template.
		{"whatsapp at 23h59m", with(domain.ChannelWhatsApp, AgentReply, 23*h+59*m, 0), true, "whatsapp.service_window", "", "", "",
			"https://developers.facebook.com/docs/whatsapp/conversation-types#customer-service-window"},
		{"whatsapp outside 24h", with(domain.ChannelWhatsApp, AgentReply, 24*h+m, 0), false, "whatsapp.service_window", "", "", FallbackWATemplate,
			"https://developers.facebook.com/docs/whatsapp/conversation-types#customer-service-window"},
		{"whatsapp survey never wrote", with(domain.ChannelWhatsApp, Survey, -1, 0), false, "whatsapp.service_window", "", "", FallbackWATemplate,
			"https://developers.facebook.com/docs/whatsapp/conversation-types#customer-service-window"},
		// No window.
		{"email outreach", with(domain.ChannelEmail, Outreach, -1, 0), true, "open.email", "", "", "", ""},
		{"sms sla notice", with(domain.ChannelSMS, SLANotice, -1, 0), true, "open.sms", "", "", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := Decide(c.in, now)
			if d.Free != c.free || d.Rule != c.rule || d.Tag != c.tag || d.Quota != c.quota || d.Source != c.source {
				t.Fatalf("got free=%v rule=%s tag=%q quota=%q source=%s (%s)", d.Free, d.Rule, d.Tag, d.Quota, d.Source, d.Reason)
			}
			if !c.free && d.Fallback.Kind != c.fallback {
				t.Fatalf("fallback = %+v", d.Fallback)
			}
			if d.Reason == "" {
				t.Fatal("no reason")
			}
		})
	}
}

func TestMessengerAutomationSaysWhy(t *testing.T) {
	d := Decide(Input{Channel: domain.ChannelMessenger, Kind: Survey, LastInboundAt: ago(30 * time.Hour)}, now)
	if d.Free || d.Sendable() || !strings.Contains(d.Reason, "30h00m ago") || !strings.Contains(d.Reason, "HUMAN_AGENT is for a person's reply") {
		t.Fatalf("%+v", d)
	}
	if d.Fallback.Kind != FallbackNone {
		t.Fatalf("fallback %+v", d.Fallback)
	}
}

func TestFreeDecisionSaysUntilWhenAndWhatIsLeft(t *testing.T) {
	last := ago(5 * time.Hour)
	d := Decide(Input{Channel: domain.ChannelZalo, Kind: AgentReply, LastInboundAt: last, RepliesSince: 3}, now)
	if !d.Until.Equal(last.Add(48*time.Hour)) || d.Remaining != 5 || d.Limit != ZaloFreeReplies {
		t.Fatalf("%+v", d)
	}
}

func TestFallbacksNeedWhatTheyNeed(t *testing.T) {
	// ZNS without a phone: her email is named instead.
	d := Decide(Input{Channel: domain.ChannelZalo, Kind: AgentReply, LastInboundAt: ago(8 * Day), ZNSTemplate: "1",
		Alternates: []domain.Channel{domain.ChannelEmail}}, now)
	if d.Fallback.Kind != FallbackEmail || d.Sendable() || !strings.Contains(d.Fallback.Note, "none is known") {
		t.Fatalf("%+v", d.Fallback)
	}
	// No template configured: refused, saying what to set.
	d = Decide(Input{Channel: domain.ChannelWhatsApp, Kind: AgentReply, LastInboundAt: ago(2 * Day)}, now)
	if d.Sendable() || d.Fallback.Ready || !strings.Contains(d.Fallback.Note, "WHATSAPP_TEMPLATE_NAME") {
		t.Fatalf("%+v", d.Fallback)
	}
	// A configured template is sent by the Dispatcher.
	d = Decide(Input{Channel: domain.ChannelWhatsApp, Kind: Survey, LastInboundAt: ago(2 * Day), WhatsAppTemplate: "x"}, now)
	if !d.Sendable() || d.Free {
		t.Fatalf("%+v", d)
	}
}

func TestOutreachRespectsConsent(t *testing.T) {
	consent := map[domain.Channel]domain.Consent{
		domain.ChannelWhatsApp: {OptedOut: true, Source: "keyword:STOP", At: now},
		domain.ChannelEmail:    {OptedOut: true},
	}
	in := Input{Channel: domain.ChannelWhatsApp, Kind: Outreach, LastInboundAt: ago(time.Hour), Consent: consent, WhatsAppTemplate: "x",
		Alternates: []domain.Channel{domain.ChannelEmail, domain.ChannelSMS}}
	d := Decide(in, now)
	if d.Free || d.Sendable() || d.Rule != "consent.opted_out" || !strings.Contains(d.Reason, "keyword:STOP") || d.Fallback.Kind != FallbackSMS {
		t.Fatalf("%+v", d)
	}
	// Consent is about proactive messages: her own conversation is answered.
	in.Kind = AgentReply
	if d := Decide(in, now); !d.Free {
		t.Fatalf("%+v", d)
	}
}

func TestRefusalCarriesTheDecision(t *testing.T) {
	d := Decide(Input{Channel: domain.ChannelMessenger, Kind: Survey, LastInboundAt: ago(30 * time.Hour),
		Alternates: []domain.Channel{domain.ChannelEmail}}, now)
	err := Refuse(d)
	got, ok := RefusalOf(err)
	if !ok || got.Rule != d.Rule || domain.ErrorCode(err) != domain.CodeConflict || !strings.Contains(domain.ErrorMessage(err), "by email instead") {
		t.Fatalf("err %v", err)
	}
	if _, ok := RefusalOf(errors.New("x")); ok {
		t.Fatal("plain error is a refusal")
	}
	md := got.Metadata(true)
	if md["policyRule"] != "messenger.standard" || !strings.HasPrefix(md["policyFallback"], "email (not sent") || md["policyReason"] == "" {
		t.Fatalf("%v", md)
	}
}

// Every rule with a window cites its source.
func TestEveryWindowIsCited(t *testing.T) {
	for _, r := range Rules {
		if r.Within > 0 && !strings.HasPrefix(r.Source, "https://") {
			t.Errorf("%s has no source", r.ID)
		}
	}
}
