package outbound

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/domain"
)

func twilioConfig(base string) Config {
	return Config{
		TwilioAPIBase: base, TwilioAccountSID: "AC0123456789abcdef0123456789abcdef", TwilioAuthToken: "tok3n",
		TwilioFromNumber: "+84281234567", TwilioWhatsAppFrom: "+14155238886",
		WhatsAppTemplateName: "HXb5b62575e6e4ff6129ad7c8efe1f983e", WhatsAppTemplateLanguage: "vi",
	}
}

const twilioCreated = `{"sid":"SM1f0e8ae6ade43cb3c0ce4525424e404f","status":"queued","to":"+84912345678","body":"..."}`

func TestTwilioSMS(t *testing.T) {
	p := newProvider(t, reply{status: 201, body: twilioCreated})
	h := newHarness(twilioConfig(p.URL))
	res, err := h.Send(context.Background(), Message{Channel: domain.ChannelSMS, To: "+84912345678", Text: "Cảm ơn bạn, chúng tôi sẽ trả lời ngay."})
	if err != nil {
		t.Fatal(err)
	}
	if res.Provider != "twilio" || res.ProviderMessageID != "SM1f0e8ae6ade43cb3c0ce4525424e404f" || res.Attempts != 1 || res.UsedTemplate {
		t.Fatalf("result = %+v", res)
	}
	req := p.only(t)
	if req.Method != "POST" || req.Path != "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json" {
		t.Fatalf("request %s %s", req.Method, req.Path)
	}
	if got := req.Header.Get("Authorization"); got != basicAuth("AC0123456789abcdef0123456789abcdef", "tok3n") {
		t.Fatalf("Authorization = %q", got)
	}
	if ct := req.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Fatalf("Content-Type = %q", ct)
	}
	form, _ := url.ParseQuery(string(req.Body))
	want := url.Values{"To": {"+84912345678"}, "From": {"+84281234567"}, "Body": {"Cảm ơn bạn, chúng tôi sẽ trả lời ngay."}}
	if form.Encode() != want.Encode() {
		t.Fatalf("form = %v, want %v", form, want)
	}
}

func TestTwilioSMSThroughMessagingService(t *testing.T) {
	p := newProvider(t, reply{status: 201, body: twilioCreated})
	cfg := twilioConfig(p.URL)
	cfg.TwilioFromNumber = ""
	cfg.TwilioMessagingServiceSID = "MG9752274e9e519418a7406176694466fa"
	if _, err := newHarness(cfg).Send(context.Background(), Message{Channel: domain.ChannelSMS, To: "+84912345678", Text: "Xin chào"}); err != nil {
		t.Fatal(err)
	}
	form, _ := url.ParseQuery(string(p.only(t).Body))
	if form.Get("MessagingServiceSid") != "MG9752274e9e519418a7406176694466fa" || form.Has("From") {
		t.Fatalf("form = %v", form)
	}
}

func TestTwilioWhatsAppWindow(t *testing.T) {
	t.Run("inside the window: free text", func(t *testing.T) {
		p := newProvider(t, reply{status: 201, body: twilioCreated})
		res, err := newHarness(twilioConfig(p.URL)).Send(context.Background(), Message{
			Channel: domain.ChannelWhatsApp, Provider: "twilio", To: "+84912345678", Text: "Dạ em nhận được rồi ạ", LastInboundAt: now.Add(-3 * time.Hour),
		})
		if err != nil || res.UsedTemplate {
			t.Fatalf("res %+v err %v", res, err)
		}
		form, _ := url.ParseQuery(string(p.only(t).Body))
		if form.Get("To") != "whatsapp:+84912345678" || form.Get("From") != "whatsapp:+14155238886" || form.Get("Body") != "Dạ em nhận được rồi ạ" || form.Has("ContentSid") {
			t.Fatalf("form = %v", form)
		}
	})
	t.Run("outside the window: content template", func(t *testing.T) {
		p := newProvider(t, reply{status: 201, body: twilioCreated})
		res, err := newHarness(twilioConfig(p.URL)).Send(context.Background(), Message{
			Channel: domain.ChannelWhatsApp, Provider: "twilio", To: "+84912345678", Text: "free text not allowed",
			LastInboundAt: now.Add(-25 * time.Hour), Template: &Template{Params: []string{"Chị Lan", "#A123"}},
		})
		if err != nil || !res.UsedTemplate {
			t.Fatalf("res %+v err %v", res, err)
		}
		form, _ := url.ParseQuery(string(p.only(t).Body))
		if form.Get("ContentSid") != "HXb5b62575e6e4ff6129ad7c8efe1f983e" || form.Has("Body") {
			t.Fatalf("form = %v", form)
		}
		var vars map[string]string
		if err := json.Unmarshal([]byte(form.Get("ContentVariables")), &vars); err != nil || vars["1"] != "Chị Lan" || vars["2"] != "#A123" {
			t.Fatalf("ContentVariables = %q", form.Get("ContentVariables"))
		}
	})
	t.Run("a template name that is not a Content SID", func(t *testing.T) {
		p := newProvider(t, reply{status: 201, body: twilioCreated})
		cfg := twilioConfig(p.URL)
		cfg.WhatsAppTemplateName = "ack_vi"
		_, err := newHarness(cfg).Send(context.Background(), Message{Channel: domain.ChannelWhatsApp, Provider: "twilio", To: "+84912345678", Text: "x"})
		if domain.ErrorCode(err) != domain.CodeConflict || !strings.Contains(err.Error(), "Content SID") || len(p.requests()) != 0 {
			t.Fatalf("err = %v, requests %d", err, len(p.requests()))
		}
	})
}

func TestTwilioRefusalIsPermanentAndMasked(t *testing.T) {
	p := newProvider(t, reply{status: 400, body: `{"code":21211,"message":"The 'To' number +84912345678 is not a valid phone number.","more_info":"https://www.twilio.com/docs/errors/21211","status":400}`})
	h := newHarness(twilioConfig(p.URL))
	_, err := h.Send(context.Background(), Message{Channel: domain.ChannelSMS, To: "+84912345678", Text: "Xin chào"})
	e, ok := channels.AsError(err)
	if !ok || e.Temporary || e.Status != 400 || e.Code != "21211" || e.Attempts != 1 {
		t.Fatalf("err = %#v", err)
	}
	if domain.ErrorCode(err) != domain.CodeConflict {
		t.Fatalf("code = %s", domain.ErrorCode(err))
	}
	if strings.Contains(err.Error(), "912345678") || !strings.Contains(err.Error(), "+849*****678") {
		t.Fatalf("error does not mask the number: %v", err)
	}
	if len(p.requests()) != 1 || len(h.waits) != 0 {
		t.Fatalf("a 400 was retried: %d requests", len(p.requests()))
	}
	if logs := h.logs.String(); strings.Contains(logs, "912345678") || strings.Contains(logs, "Xin chào") {
		t.Fatalf("logs leak the number or the text: %s", logs)
	}
}
