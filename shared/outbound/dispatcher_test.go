package outbound

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/envconfig"
)

func TestNoProviderConfigured(t *testing.T) {
	h := newHarness(Config{})
	for _, ch := range []domain.Channel{domain.ChannelSMS, domain.ChannelWhatsApp, domain.ChannelZalo, domain.ChannelEmail, domain.ChannelWebchat} {
		_, err := h.Send(context.Background(), Message{Channel: ch, To: "x", Text: "x"})
		if domain.ErrorCode(err) != domain.CodeConflict || !strings.HasPrefix(domain.ErrorMessage(err), "no provider configured for channel "+string(ch)) {
			t.Errorf("%s: err = %v", ch, err)
		}
	}
	_, err := h.Send(context.Background(), Message{Channel: domain.ChannelSMS, Provider: "vonage", To: "x", Text: "x"})
	if domain.ErrorCode(err) != domain.CodeConflict || !strings.Contains(err.Error(), "vonage is not configured") {
		t.Errorf("err = %v", err)
	}
}

func TestInvalidMessages(t *testing.T) {
	h := newHarness(twilioConfig("http://127.0.0.1:1"))
	cases := []Message{
		{Channel: domain.ChannelVoice, To: "+84912345678", Text: "x"},
		{Channel: domain.ChannelSMS, To: " ", Text: "x"},
		{Channel: domain.ChannelSMS, To: "+84912345678", Text: "  "},
		{To: "+84912345678", Text: "x"},
		{Channel: domain.ChannelSMS, Provider: "telegram", To: "+84912345678", Text: "x"},
	}
	for _, m := range cases {
		if _, err := h.Send(context.Background(), m); domain.ErrorCode(err) != domain.CodeInvalid {
			t.Errorf("%+v: err = %v", m, err)
		}
	}
}

func TestProviderPreference(t *testing.T) {
	cfg := twilioConfig("http://x")
	h := newHarness(cfg)
	if got := h.Providers(domain.ChannelWhatsApp); !reflect.DeepEqual(got, []string{"twilio"}) {
		t.Fatalf("whatsapp = %v", got)
	}
	meta := metaConfig("http://x")
	cfg.MetaAccessToken, cfg.MetaPhoneNumberID = meta.MetaAccessToken, meta.MetaPhoneNumberID
	cfg.VonageAPIKey, cfg.VonageAPISecret, cfg.VonageFrom = "k", "s", "Shop"
	h = newHarness(cfg)
	if got := h.Providers(domain.ChannelWhatsApp); !reflect.DeepEqual(got, []string{"meta", "twilio", "vonage"}) {
		t.Fatalf("whatsapp = %v", got)
	}
	if got := h.Providers(domain.ChannelMessenger); !reflect.DeepEqual(got, []string{"vonage"}) {
		t.Fatalf("messenger = %v", got)
	}
}

func TestDispatchByChannel(t *testing.T) {
	p := newProvider(t, reply{status: 200, body: cloudAccepted})
	cfg := metaConfig(p.URL)
	tw := twilioConfig("http://127.0.0.1:1") // configured but unreachable: must not be picked
	cfg.TwilioAccountSID, cfg.TwilioAuthToken, cfg.TwilioWhatsAppFrom = tw.TwilioAccountSID, tw.TwilioAuthToken, tw.TwilioWhatsAppFrom
	res, err := newHarness(cfg).Send(context.Background(), Message{Channel: domain.ChannelWhatsApp, To: "+84912345678", Text: "x", LastInboundAt: now.Add(-time.Minute)})
	if err != nil || res.Provider != "meta" {
		t.Fatalf("res %+v err %v", res, err)
	}
}

func TestLogsMaskAddressAndOmitText(t *testing.T) {
	p := newProvider(t, reply{status: 201, body: twilioCreated})
	h := newHarness(twilioConfig(p.URL))
	m := sms("+84912345678")
	m.Text = "Mã đơn hàng của chị là A123"
	m.ConversationID = "01JP0000000000000000000000"
	if _, err := h.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	logs := h.logs.String()
	if strings.Contains(logs, "912345678") || strings.Contains(logs, "A123") || strings.Contains(logs, "tok3n") {
		t.Fatalf("logs leak personal data or secrets: %s", logs)
	}
	for _, want := range []string{`"msg":"message sent"`, `"to":"+849*****678"`, `"provider":"twilio"`, `"attempts":1`, `"conversationId":"01JP0000000000000000000000"`} {
		if !strings.Contains(logs, want) {
			t.Fatalf("logs lack %s: %s", want, logs)
		}
	}
}

func TestConfigFromEnvironment(t *testing.T) {
	env := map[string]string{"TELEGRAM_BOT_TOKEN": "1:x", "ZALO_OA_ACCESS_TOKEN": "z"}
	var cfg Config
	if err := envconfig.LoadFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok }, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.TelegramAPIBase != "https://api.telegram.org" || cfg.VonageAPIBase != "https://api.nexmo.com" || cfg.WhatsAppTemplateLanguage != "vi" {
		t.Fatalf("defaults not applied: %+v", cfg)
	}
	secrets := envconfig.Secrets(&cfg)
	for _, s := range []string{"TWILIO_AUTH_TOKEN", "META_ACCESS_TOKEN", "META_PAGE_ACCESS_TOKEN", "TELEGRAM_BOT_TOKEN", "ZALO_OA_ACCESS_TOKEN", "VONAGE_API_SECRET"} {
		found := false
		for _, x := range secrets {
			found = found || x == s
		}
		if !found {
			t.Errorf("%s is not marked secret", s)
		}
	}
	h := newHarness(cfg)
	if got := h.Providers(domain.ChannelTelegram); len(got) != 1 {
		t.Fatalf("telegram providers = %v", got)
	}
	if got := h.Providers(domain.ChannelSMS); len(got) != 0 {
		t.Fatalf("sms providers = %v", got)
	}
}
