package outbound

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/sendpolicy"
)

// zaloMaxText is the OA message API's limit on text.
const zaloMaxText = 2000

// zaloTransient lists Zalo error codes worth retrying: the per-minute
// request limit and Zalo's own internal error.
var zaloTransient = map[int]bool{-32: true, -500: true}

// zalo sends a customer-service (consultation) message through the OA API v3:
// POST /v3.0/oa/message/cs with the OA access token in the access_token
// header. Zalo answers HTTP 200 for refusals too; error != 0 says so.
func (r *Dispatcher) zalo(ctx context.Context, m Message) (Result, error) {
	var res Result
	if err := checkLength(ProviderZalo, m.Text, zaloMaxText); err != nil {
		return res, err
	}
	// user_id stays a string: Zalo ids exceed 2^53. A free reply names the
	// message it answers, or Zalo charges it as a proactive message
	// (https://zalooa.freshdesk.com/support/solutions/articles/64000261136).
	recipient := map[string]string{"user_id": m.To}
	if m.InReplyToMessage != "" && m.decision != nil && m.decision.Quota == sendpolicy.QuotaZaloFreeReply {
		recipient = map[string]string{"message_id": m.InReplyToMessage}
	}
	body := mustJSON(map[string]any{
		"recipient": recipient,
		"message":   map[string]string{"text": m.Text},
	})
	token, err := r.zaloAccessToken(ctx)
	if err != nil {
		return res, err
	}
	h := jsonHeader()
	h.Set("access_token", token)
	endpoint := joinURL(r.cfg.ZaloAPIBase, "v3.0", "oa", "message", "cs")
	n, err := r.post(ctx, ProviderZalo, endpoint, h, body, func(resp response) error {
		var out struct {
			Error   *int   `json:"error"`
			Message string `json:"message"`
			Data    struct {
				MessageID channels.ID `json:"message_id"`
			} `json:"data"`
		}
		decodeErr := json.Unmarshal(resp.body, &out)
		if !resp.ok() {
			code := ""
			if out.Error != nil {
				code = strconv.Itoa(*out.Error)
			}
			return statusError(ProviderZalo, resp, code, scrub(out.Message, m.To), r.now())
		}
		if decodeErr != nil || out.Error == nil {
			return &channels.Error{Provider: ProviderZalo, Status: resp.status, Message: "unreadable answer"}
		}
		if *out.Error != 0 {
			return &channels.Error{Provider: ProviderZalo, Status: resp.status, Code: strconv.Itoa(*out.Error),
				Message: scrub(out.Message, m.To), Temporary: zaloTransient[*out.Error]}
		}
		if out.Data.MessageID == "" {
			return &channels.Error{Provider: ProviderZalo, Status: resp.status, Message: "accepted without a message id"}
		}
		res.ProviderMessageID = string(out.Data.MessageID)
		return nil
	})
	res.Attempts = n
	return res, err
}
