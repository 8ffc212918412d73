package outbound

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/domain"
)

// zns sends the configured ZNS template to the customer's phone, the only
// message Zalo lets an OA send once the consulting window has closed:
// POST https://business.openapi.zalo.me/message/template with the OA access
// token in the access_token header and phone (84…, no "+"), template_id,
// template_data and tracking_id (our send id, echoed in Zalo's delivery
// callbacks). Zalo answers HTTP 200 for refusals too; error != 0 says so.
// https://developers.zalo.me/docs/zalo-notification-service/ (the endpoint and
// body as integrators use it; the page itself is not in our search index)
func (r *Dispatcher) zns(ctx context.Context, m Message) (Result, error) {
	res := Result{UsedTemplate: true}
	phone := strings.TrimPrefix(m.Phone, "+")
	if phone == "" || r.cfg.ZaloZNSTemplateID == "" {
		return res, domain.Errorf(domain.CodeConflict, "a ZNS template needs her phone number and ZALO_ZNS_TEMPLATE_ID")
	}
	_, data := ZNSTemplate(r.cfg, m.CustomerName, m.Text, m.ConversationID)
	body := map[string]any{"phone": phone, "template_id": r.cfg.ZaloZNSTemplateID, "template_data": data}
	if m.SendID != "" {
		body["tracking_id"] = m.SendID
	}
	token, err := r.zaloAccessToken(ctx)
	if err != nil {
		return res, err
	}
	h := jsonHeader()
	h.Set("access_token", token)
	n, err := r.post(ctx, ProviderZalo, joinURL(r.cfg.ZaloZNSAPIBase, "message", "template"), h, mustJSON(body), func(resp response) error {
		var out struct {
			Error   *int   `json:"error"`
			Message string `json:"message"`
			Data    struct {
				MsgID channels.ID `json:"msg_id"`
			} `json:"data"`
		}
		decodeErr := json.Unmarshal(resp.body, &out)
		if !resp.ok() {
			return statusError(ProviderZalo, resp, "", scrub(out.Message, phone), r.now())
		}
		if decodeErr != nil || out.Error == nil {
			return &channels.Error{Provider: ProviderZalo, Status: resp.status, Message: "unreadable answer"}
		}
		if *out.Error != 0 {
			return &channels.Error{Provider: ProviderZalo, Status: resp.status, Code: strconv.Itoa(*out.Error),
				Message: scrub(out.Message, phone), Temporary: zaloTransient[*out.Error]}
		}
		if out.Data.MsgID == "" {
			return &channels.Error{Provider: ProviderZalo, Status: resp.status, Message: "accepted without a message id"}
		}
		res.ProviderMessageID = string(out.Data.MsgID)
		return nil
	})
	res.Attempts = n
	return res, err
}

// ZNSTemplate is the configured ZNS template id and its parameters for a
// message: ZALO_ZNS_TEMPLATE_PARAMS maps each parameter name to name (her
// name), text (the message) or conversation (its id). What the agent sees
// before typing uses it too.
func ZNSTemplate(cfg Config, name, text, conversationID string) (string, map[string]string) {
	cfg = cfg.WithDefaults()
	data := map[string]string{}
	for _, pair := range strings.Split(cfg.ZaloZNSTemplateParams, ",") {
		k, src, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok || k == "" {
			continue
		}
		switch strings.TrimSpace(src) {
		case "name":
			data[k] = name
		case "text":
			data[k] = text
		case "conversation":
			data[k] = conversationID
		default:
			data[k] = strings.TrimSpace(src) // a fixed value
		}
	}
	return cfg.ZaloZNSTemplateID, data
}
