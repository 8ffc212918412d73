package outbound

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/domain"
)

func metaConfig(base string) Config {
	return Config{
		MetaGraphBase: base, MetaAccessToken: "EAAGwa", MetaPhoneNumberID: "106540352242922", MetaPageAccessToken: "EAAPage",
		WhatsAppTemplateName: "xac_nhan_yeu_cau", WhatsAppTemplateLanguage: "vi",
	}
}

const cloudAccepted = `{"messaging_product":"whatsapp","contacts":[{"input":"84912345678","wa_id":"84912345678"}],"messages":[{"id":"wamid.HBgLODQ5MTIzNDU2NzgVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"}]}`

func decodeJSON(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, b)
	}
	return v
}

func TestWhatsAppCloudWindow(t *testing.T) {
	t.Run("inside the window: text", func(t *testing.T) {
		p := newProvider(t, reply{status: 200, body: cloudAccepted})
		res, err := newHarness(metaConfig(p.URL)).Send(context.Background(), Message{
			Channel: domain.ChannelWhatsApp, To: "+84912345678", Text: "Dạ shop nhận được rồi ạ", LastInboundAt: now.Add(-23 * time.Hour),
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.Provider != "meta" || res.ProviderMessageID != "wamid.HBgLODQ5MTIzNDU2NzgVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA" || res.UsedTemplate || res.Attempts != 1 {
			t.Fatalf("result = %+v", res)
		}
		req := p.only(t)
		if req.Path != "/v21.0/106540352242922/messages" || req.Header.Get("Authorization") != "Bearer EAAGwa" {
			t.Fatalf("request %s auth %q", req.Path, req.Header.Get("Authorization"))
		}
		want := map[string]any{
			"messaging_product": "whatsapp", "recipient_type": "individual", "to": "84912345678", "type": "text",
			"text": map[string]any{"body": "Dạ shop nhận được rồi ạ", "preview_url": false},
		}
		if got := decodeJSON(t, req.Body); !reflect.DeepEqual(got, want) {
			t.Fatalf("body = %v\nwant   %v", got, want)
		}
	})
	t.Run("outside the window: template with parameters", func(t *testing.T) {
		p := newProvider(t, reply{status: 200, body: cloudAccepted})
		res, err := newHarness(metaConfig(p.URL)).Send(context.Background(), Message{
			Channel: domain.ChannelWhatsApp, To: "+84912345678", Text: "not allowed now",
			LastInboundAt: now.Add(-30 * time.Hour), Template: &Template{Params: []string{"Chị Lan", "A123"}},
		})
		if err != nil || !res.UsedTemplate {
			t.Fatalf("res %+v err %v", res, err)
		}
		want := map[string]any{
			"messaging_product": "whatsapp", "recipient_type": "individual", "to": "84912345678", "type": "template",
			"template": map[string]any{
				"name":     "xac_nhan_yeu_cau",
				"language": map[string]any{"policy": "deterministic", "code": "vi"},
				"components": []any{map[string]any{"type": "body", "parameters": []any{
					map[string]any{"type": "text", "text": "Chị Lan"},
					map[string]any{"type": "text", "text": "A123"},
				}}},
			},
		}
		if got := decodeJSON(t, p.only(t).Body); !reflect.DeepEqual(got, want) {
			t.Fatalf("body = %v\nwant   %v", got, want)
		}
	})
	t.Run("never wrote: template", func(t *testing.T) {
		p := newProvider(t, reply{status: 200, body: cloudAccepted})
		res, err := newHarness(metaConfig(p.URL)).Send(context.Background(), Message{Channel: domain.ChannelWhatsApp, To: "+84912345678", Text: "x"})
		if err != nil || !res.UsedTemplate || decodeJSON(t, p.only(t).Body)["type"] != "template" {
			t.Fatalf("res %+v err %v", res, err)
		}
	})
	t.Run("inside the window, template and no text: template", func(t *testing.T) {
		p := newProvider(t, reply{status: 200, body: cloudAccepted})
		res, err := newHarness(metaConfig(p.URL)).Send(context.Background(), Message{
			Channel: domain.ChannelWhatsApp, To: "+84912345678", LastInboundAt: now.Add(-time.Hour), Template: &Template{Name: "cam_on", Language: "en"},
		})
		tpl, _ := decodeJSON(t, p.only(t).Body)["template"].(map[string]any)
		if err != nil || !res.UsedTemplate || tpl["name"] != "cam_on" || tpl["components"] != nil {
			t.Fatalf("res %+v err %v template %v", res, err, tpl)
		}
	})
	t.Run("outside the window without a template: clear error, nothing sent", func(t *testing.T) {
		p := newProvider(t, reply{status: 200, body: cloudAccepted})
		cfg := metaConfig(p.URL)
		cfg.WhatsAppTemplateName = ""
		_, err := newHarness(cfg).Send(context.Background(), Message{
			Channel: domain.ChannelWhatsApp, To: "+84912345678", Text: "x", LastInboundAt: now.Add(-25 * time.Hour),
		})
		if domain.ErrorCode(err) != domain.CodeConflict || !strings.Contains(domain.ErrorMessage(err), "WHATSAPP_TEMPLATE_NAME") {
			t.Fatalf("err = %v", err)
		}
		if len(p.requests()) != 0 {
			t.Fatal("a message was sent")
		}
	})
}

func TestWhatsAppCloudRateLimitUnder400IsRetried(t *testing.T) {
	p := newProvider(t,
		reply{status: 400, body: `{"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429,"error_data":{"messaging_product":"whatsapp","details":"Cloud API message throughput has been reached."},"fbtrace_id":"Az8or2yhqkZfEZ-_4Qn_Bam"}}`},
		reply{status: 200, body: cloudAccepted})
	h := newHarness(metaConfig(p.URL))
	res, err := h.Send(context.Background(), Message{Channel: domain.ChannelWhatsApp, To: "+84912345678", Text: "x", LastInboundAt: now.Add(-time.Hour)})
	if err != nil || res.Attempts != 2 || len(h.waits) != 1 {
		t.Fatalf("res %+v err %v waits %v", res, err, h.waits)
	}
}

func TestWhatsAppCloudReEngagementIsPermanent(t *testing.T) {
	p := newProvider(t, reply{status: 400, body: `{"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,"error_data":{"messaging_product":"whatsapp","details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."},"fbtrace_id":"x"}}`})
	_, err := newHarness(metaConfig(p.URL)).Send(context.Background(), Message{Channel: domain.ChannelWhatsApp, To: "+84912345678", Text: "x", LastInboundAt: now.Add(-time.Hour)})
	e, ok := channels.AsError(err)
	if !ok || e.Temporary || e.Code != "131047" || !strings.Contains(e.Message, "24 hours") || len(p.requests()) != 1 {
		t.Fatalf("err = %v", err)
	}
}

func TestMessenger(t *testing.T) {
	cases := []struct {
		name     string
		last     time.Time
		wantType string
		wantTag  any
		wantErr  bool
		auto     bool
	}{
		{"within 24 hours", now.Add(-2 * time.Hour), "RESPONSE", nil, false, false},
		{"automated within 24 hours", now.Add(-2 * time.Hour), "RESPONSE", nil, false, true},
		{"after 24 hours, within 7 days", now.Add(-72 * time.Hour), "MESSAGE_TAG", "HUMAN_AGENT", false, false},
		// HUMAN_AGENT is never stamped on an automated message.
		{"automated after 24 hours", now.Add(-30 * time.Hour), "", nil, true, true},
		{"after 7 days", now.Add(-8 * 24 * time.Hour), "", nil, true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newProvider(t, reply{status: 200, body: `{"recipient_id":"6783254321234567","message_id":"m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P"}`})
			res, err := newHarness(metaConfig(p.URL)).Send(context.Background(), Message{Channel: domain.ChannelMessenger, To: "6783254321234567", Text: "Chào bạn!", LastInboundAt: c.last, AutoGenerated: c.auto})
			if c.wantErr {
				if domain.ErrorCode(err) != domain.CodeConflict || len(p.requests()) != 0 {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err != nil || res.ProviderMessageID != "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P" {
				t.Fatalf("res %+v err %v", res, err)
			}
			req := p.only(t)
			if req.Path != "/v21.0/me/messages" || req.Header.Get("Authorization") != "Bearer EAAPage" || req.RawQuery != "" {
				t.Fatalf("request %s?%s auth %q", req.Path, req.RawQuery, req.Header.Get("Authorization"))
			}
			body := decodeJSON(t, req.Body)
			if !reflect.DeepEqual(body["recipient"], map[string]any{"id": "6783254321234567"}) ||
				!reflect.DeepEqual(body["message"], map[string]any{"text": "Chào bạn!"}) ||
				body["messaging_type"] != c.wantType || body["tag"] != c.wantTag {
				t.Fatalf("body = %v", body)
			}
		})
	}
}
