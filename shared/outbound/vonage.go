package outbound

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/domain"
)

// vonageChannel names each channel the way the Messages API does.
var vonageChannel = map[domain.Channel]string{
	domain.ChannelSMS:       "sms",
	domain.ChannelWhatsApp:  "whatsapp",
	domain.ChannelViber:     "viber_service",
	domain.ChannelMessenger: "messenger",
}

func (r *Dispatcher) vonageFrom(ch domain.Channel) string {
	c := r.cfg
	var v string
	switch ch {
	case domain.ChannelWhatsApp:
		v = c.VonageWhatsAppFrom
	case domain.ChannelViber:
		v = c.VonageViberFrom
	case domain.ChannelMessenger:
		v = c.VonageMessengerFrom
	}
	if v == "" {
		v = c.VonageFrom
	}
	return v
}

// vonage sends through the Messages API: POST /v1/messages with basic auth
// (API key and secret). Outside the WhatsApp window it sends the template as
// a custom message, which Vonage hands to WhatsApp unchanged.
func (r *Dispatcher) vonage(ctx context.Context, m Message) (Result, error) {
	var res Result
	to := m.To
	if m.Channel != domain.ChannelMessenger {
		// Vonage wants phone numbers in E.164 without the leading "+".
		to = strings.TrimPrefix(to, "+")
	}
	body := map[string]any{
		"channel": vonageChannel[m.Channel],
		"to":      to,
		"from":    strings.TrimPrefix(r.vonageFrom(m.Channel), "+"),
	}
	switch m.Channel {
	case domain.ChannelWhatsApp:
		t, err := r.whatsAppTemplate(m)
		if err != nil {
			return res, err
		}
		if t != nil {
			body["message_type"] = "custom"
			body["custom"] = map[string]any{"type": "template", "template": whatsAppTemplateObject(t)}
			res.UsedTemplate = true
		}
	case domain.ChannelMessenger:
		if m.humanAgentTag() {
			body["messenger"] = map[string]string{"category": "message_tag", "tag": "HUMAN_AGENT"}
		} else {
			body["messenger"] = map[string]string{"category": "response"}
		}
	}
	if !res.UsedTemplate {
		body["message_type"] = "text"
		body["text"] = m.Text
	}
	h := jsonHeader()
	h.Set("Authorization", basicAuth(r.cfg.VonageAPIKey, r.cfg.VonageAPISecret))
	n, err := r.post(ctx, ProviderVonage, joinURL(r.cfg.VonageAPIBase, "v1", "messages"), h, mustJSON(body), func(resp response) error {
		// Errors are RFC 7807 problem details: type ends with #<code>.
		var out struct {
			MessageUUID string `json:"message_uuid"`
			Type        string `json:"type"`
			Title       string `json:"title"`
			Detail      string `json:"detail"`
		}
		decodeErr := json.Unmarshal(resp.body, &out)
		if !resp.ok() {
			code := ""
			if i := strings.LastIndexByte(out.Type, '#'); i >= 0 {
				code = out.Type[i+1:]
			}
			msg := out.Title
			if out.Detail != "" {
				msg += ": " + out.Detail
			}
			return statusError(ProviderVonage, resp, code, scrub(msg, m.To), r.now())
		}
		if decodeErr != nil || out.MessageUUID == "" {
			return &channels.Error{Provider: ProviderVonage, Status: resp.status, Message: "accepted without a message_uuid"}
		}
		res.ProviderMessageID = out.MessageUUID
		return nil
	})
	res.Attempts = n
	return res, err
}
