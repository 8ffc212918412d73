package outbound

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/domain"
)

func vonageConfig(base string) Config {
	return Config{VonageAPIBase: base, VonageAPIKey: "abcd1234", VonageAPISecret: "s3cr3t", VonageFrom: "+84281234567",
		VonageViberFrom: "16273", WhatsAppTemplateName: "xac_nhan_yeu_cau"}
}

const vonageAccepted = `{"message_uuid":"aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab"}`

func TestVonage(t *testing.T) {
	cases := []struct {
		name string
		m    Message
		want map[string]any
	}{
		{"sms", Message{Channel: domain.ChannelSMS, Provider: "vonage", To: "+84912345678", Text: "Xin chào"},
			map[string]any{"message_type": "text", "channel": "sms", "to": "84912345678", "from": "84281234567", "text": "Xin chào"}},
		{"viber", Message{Channel: domain.ChannelViber, To: "+84912345678", Text: "Xin chào"},
			map[string]any{"message_type": "text", "channel": "viber_service", "to": "84912345678", "from": "16273", "text": "Xin chào"}},
		{"whatsapp inside the window", Message{Channel: domain.ChannelWhatsApp, Provider: "vonage", To: "+84912345678", Text: "Xin chào", LastInboundAt: now.Add(-time.Hour)},
			map[string]any{"message_type": "text", "channel": "whatsapp", "to": "84912345678", "from": "84281234567", "text": "Xin chào"}},
		{"whatsapp outside the window", Message{Channel: domain.ChannelWhatsApp, Provider: "vonage", To: "+84912345678", Text: "Xin chào", Template: &Template{Params: []string{"Lan"}}},
			map[string]any{"message_type": "custom", "channel": "whatsapp", "to": "84912345678", "from": "84281234567", "custom": map[string]any{
				"type": "template", "template": map[string]any{
					"name": "xac_nhan_yeu_cau", "language": map[string]any{"policy": "deterministic", "code": "vi"},
					"components": []any{map[string]any{"type": "body", "parameters": []any{map[string]any{"type": "text", "text": "Lan"}}}},
				}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newProvider(t, reply{status: 202, body: vonageAccepted})
			res, err := newHarness(vonageConfig(p.URL)).Send(context.Background(), c.m)
			if err != nil || res.ProviderMessageID != "aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab" || res.Provider != "vonage" {
				t.Fatalf("res %+v err %v", res, err)
			}
			req := p.only(t)
			if req.Path != "/v1/messages" || req.Header.Get("Authorization") != basicAuth("abcd1234", "s3cr3t") {
				t.Fatalf("request %s auth %q", req.Path, req.Header.Get("Authorization"))
			}
			if got := decodeJSON(t, req.Body); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("body = %v\nwant   %v", got, c.want)
			}
		})
	}
}

func TestVonageProblemDetails(t *testing.T) {
	p := newProvider(t, reply{status: 422, header: map[string]string{"Content-Type": "application/problem+json"},
		body: `{"type":"https://developer.nexmo.com/api-errors/messages-olympus#1120","title":"Invalid sender","detail":"The 'from' parameter is invalid for the given channel.","instance":"bf0ca0bf-927b-3b52-e3da-d3c7f4bd5a29"}`})
	_, err := newHarness(vonageConfig(p.URL)).Send(context.Background(), Message{Channel: domain.ChannelSMS, Provider: "vonage", To: "+84912345678", Text: "x"})
	e, ok := channels.AsError(err)
	if !ok || e.Temporary || e.Status != 422 || e.Code != "1120" || e.Message != "Invalid sender: The 'from' parameter is invalid for the given channel." {
		t.Fatalf("err = %v", err)
	}
}
