package outbound

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/concierge-cx/concierge/shared/channels"
)

// Message size limits of the Graph API.
const (
	whatsAppMaxText  = 4096
	messengerMaxText = 2000
)

// metaTransient lists Graph API error codes that mean "later", not "never":
// unknown and service errors, and the rate limits (app, user, page, WhatsApp
// business account, throughput, per-recipient pair). Meta answers most of
// them with HTTP 400, so the status alone would call them permanent.
var metaTransient = map[int]bool{
	1: true, 2: true, 4: true, 17: true, 32: true, 613: true,
	80007: true, 130429: true, 131000: true, 131016: true, 131056: true, 133004: true,
}

// graphError is the Graph API's error body.
type graphError struct {
	Error *struct {
		Message     string `json:"message"`
		Type        string `json:"type"`
		Code        int    `json:"code"`
		Subcode     int    `json:"error_subcode"`
		IsTransient bool   `json:"is_transient"`
		Data        struct {
			Details string `json:"details"`
		} `json:"error_data"`
	} `json:"error"`
}

// metaError turns a Graph API error answer into an *channels.Error.
func (r *Dispatcher) metaError(resp response, to string) *channels.Error {
	var g graphError
	_ = json.Unmarshal(resp.body, &g)
	if g.Error == nil {
		return statusError(ProviderMeta, resp, "", "", r.now())
	}
	msg := g.Error.Message
	if g.Error.Data.Details != "" {
		msg += " (" + g.Error.Data.Details + ")"
	}
	code := strconv.Itoa(g.Error.Code)
	if g.Error.Subcode != 0 {
		code += "/" + strconv.Itoa(g.Error.Subcode)
	}
	e := statusError(ProviderMeta, resp, code, scrub(msg, to), r.now())
	if g.Error.IsTransient || metaTransient[g.Error.Code] {
		e.Temporary = true
	}
	return e
}

func (r *Dispatcher) graphURL(segments ...string) string {
	return joinURL(r.cfg.MetaGraphBase, append([]string{r.cfg.MetaGraphVersion}, segments...)...)
}

// whatsAppTemplateObject is the Cloud API's template object, which Vonage's
// custom WhatsApp messages carry unchanged.
func whatsAppTemplateObject(t *Template) map[string]any {
	tpl := map[string]any{
		"name":     t.Name,
		"language": map[string]string{"policy": "deterministic", "code": t.Language},
	}
	if len(t.Params) > 0 {
		params := make([]map[string]string, len(t.Params))
		for i, p := range t.Params {
			params[i] = map[string]string{"type": "text", "text": p}
		}
		tpl["components"] = []map[string]any{{"type": "body", "parameters": params}}
	}
	return tpl
}

// whatsApp sends through the WhatsApp Cloud API:
// POST /{version}/{phone-number-id}/messages with a bearer token. Inside the
// 24-hour window a text message, outside it the approved template.
func (r *Dispatcher) whatsApp(ctx context.Context, m Message) (Result, error) {
	var res Result
	t, err := r.whatsAppTemplate(m)
	if err != nil {
		return res, err
	}
	body := map[string]any{
		"messaging_product": "whatsapp",
		"recipient_type":    "individual",
		// The Cloud API takes the number with or without "+"; wa_id, which
		// inbound events carry, has none.
		"to": strings.TrimPrefix(m.To, "+"),
	}
	if t != nil {
		body["type"] = "template"
		body["template"] = whatsAppTemplateObject(t)
		res.UsedTemplate = true
	} else {
		if err := checkLength("WhatsApp", m.Text, whatsAppMaxText); err != nil {
			return res, err
		}
		body["type"] = "text"
		body["text"] = map[string]any{"body": m.Text, "preview_url": false}
	}
	h := jsonHeader()
	h.Set("Authorization", "Bearer "+r.cfg.MetaAccessToken)
	n, err := r.post(ctx, ProviderMeta, r.graphURL(r.cfg.MetaPhoneNumberID, "messages"), h, mustJSON(body), func(resp response) error {
		if !resp.ok() {
			return r.metaError(resp, m.To)
		}
		var ok struct {
			Messages []struct {
				ID string `json:"id"`
			} `json:"messages"`
		}
		if json.Unmarshal(resp.body, &ok) != nil || len(ok.Messages) == 0 || ok.Messages[0].ID == "" {
			return &channels.Error{Provider: ProviderMeta, Status: resp.status, Message: "accepted without a message id"}
		}
		res.ProviderMessageID = ok.Messages[0].ID
		return nil
	})
	res.Attempts = n
	return res, err
}

// messenger sends through the Send API: POST /{version}/me/messages with the
// page token as a bearer token (kept out of the URL, hence out of any log).
// It is a RESPONSE, or tagged HUMAN_AGENT when the send policy allowed a
// person's reply under that tag.
func (r *Dispatcher) messenger(ctx context.Context, m Message) (Result, error) {
	var res Result
	if err := checkLength("Messenger", m.Text, messengerMaxText); err != nil {
		return res, err
	}
	body := map[string]any{
		"recipient": map[string]string{"id": m.To},
		"message":   map[string]string{"text": m.Text},
	}
	// The send policy allowed it: a standard message within 24 hours, or a
	// person's reply under HUMAN_AGENT within 7 days (shared/sendpolicy).
	if m.humanAgentTag() {
		body["messaging_type"] = "MESSAGE_TAG"
		body["tag"] = "HUMAN_AGENT"
	} else {
		body["messaging_type"] = "RESPONSE"
	}
	h := jsonHeader()
	h.Set("Authorization", "Bearer "+r.cfg.MetaPageAccessToken)
	n, err := r.post(ctx, ProviderMeta, r.graphURL("me", "messages"), h, mustJSON(body), func(resp response) error {
		if !resp.ok() {
			return r.metaError(resp, m.To)
		}
		var ok struct {
			MessageID string `json:"message_id"`
		}
		if json.Unmarshal(resp.body, &ok) != nil || ok.MessageID == "" {
			return &channels.Error{Provider: ProviderMeta, Status: resp.status, Message: "accepted without a message id"}
		}
		res.ProviderMessageID = ok.MessageID
		return nil
	})
	res.Attempts = n
	return res, err
}
