package outbound

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/concierge-cx/concierge/shared/channels"
)

// telegramMaxText is sendMessage's limit on text after entity parsing.
const telegramMaxText = 4096

// telegram sends through the Bot API: POST /bot{token}/sendMessage. The
// message id is "chat_id:message_id", as the inbound adapter names messages,
// since a Telegram message id is unique only within its chat.
func (r *Dispatcher) telegram(ctx context.Context, m Message) (Result, error) {
	var res Result
	if err := checkLength(ProviderTelegram, m.Text, telegramMaxText); err != nil {
		return res, err
	}
	// chat_id is "Integer or String": a numeric id goes as a JSON number,
	// an @channel name as a string.
	var chatID any = m.To
	if id, err := strconv.ParseInt(m.To, 10, 64); err == nil {
		chatID = id
	}
	body := mustJSON(map[string]any{"chat_id": chatID, "text": m.Text})
	endpoint := joinURL(r.cfg.TelegramAPIBase, "bot"+r.cfg.TelegramBotToken, "sendMessage")
	n, err := r.post(ctx, ProviderTelegram, endpoint, jsonHeader(), body, func(resp response) error {
		var out struct {
			OK          bool   `json:"ok"`
			ErrorCode   int    `json:"error_code"`
			Description string `json:"description"`
			Parameters  struct {
				RetryAfter int `json:"retry_after"`
			} `json:"parameters"`
			Result struct {
				MessageID channels.ID `json:"message_id"`
				Chat      struct {
					ID channels.ID `json:"id"`
				} `json:"chat"`
			} `json:"result"`
		}
		decodeErr := json.Unmarshal(resp.body, &out)
		if !resp.ok() || !out.OK {
			e := statusError(ProviderTelegram, resp, strconv.Itoa(out.ErrorCode), scrub(out.Description, m.To), r.now())
			if resp.ok() {
				// ok:false under HTTP 200 is still a refusal.
				e.Temporary = false
			}
			// Flood control names its wait in the body, not in a header.
			if out.Parameters.RetryAfter > 0 {
				e.Temporary = true
				e.RetryAfter = time.Duration(out.Parameters.RetryAfter) * time.Second
			}
			return e
		}
		if decodeErr != nil || out.Result.MessageID == "" {
			return &channels.Error{Provider: ProviderTelegram, Status: resp.status, Message: "accepted without a message id"}
		}
		chat := string(out.Result.Chat.ID)
		if chat == "" {
			chat = m.To
		}
		res.ProviderMessageID = chat + ":" + string(out.Result.MessageID)
		return nil
	})
	res.Attempts = n
	return res, err
}
