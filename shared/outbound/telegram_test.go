package outbound

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/domain"
)

func TestTelegram(t *testing.T) {
	p := newProvider(t, reply{status: 200, body: `{"ok":true,"result":{"message_id":4521,"from":{"id":7012345678,"is_bot":true,"first_name":"Shop"},"chat":{"id":582937461,"first_name":"Lan","type":"private"},"date":1741944600,"text":"Chào Lan"}}`})
	h := newHarness(Config{TelegramAPIBase: p.URL, TelegramBotToken: "7012345678:AAE-secret"})
	res, err := h.Send(context.Background(), Message{Channel: domain.ChannelTelegram, To: "582937461", Text: "Chào Lan"})
	if err != nil {
		t.Fatal(err)
	}
	// The same id the inbound adapter gives a message: chat_id:message_id.
	if res.ProviderMessageID != "582937461:4521" || res.Provider != "telegram" {
		t.Fatalf("result = %+v", res)
	}
	req := p.only(t)
	if req.Path != "/bot7012345678:AAE-secret/sendMessage" {
		t.Fatalf("path = %s", req.Path)
	}
	if got, want := decodeJSON(t, req.Body), map[string]any{"chat_id": float64(582937461), "text": "Chào Lan"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("body = %v", got)
	}
	if strings.Contains(h.logs.String(), "AAE-secret") {
		t.Fatal("the bot token reached the logs")
	}
}

func TestTelegramFloodControl(t *testing.T) {
	p := newProvider(t,
		reply{status: 429, body: `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}`},
		reply{status: 200, body: `{"ok":true,"result":{"message_id":9,"chat":{"id":-1001234567890,"type":"supergroup"}}}`})
	h := newHarness(Config{TelegramAPIBase: p.URL, TelegramBotToken: "1:x"})
	res, err := h.Send(context.Background(), Message{Channel: domain.ChannelTelegram, To: "-1001234567890", Text: "ok"})
	if err != nil || res.Attempts != 2 || res.ProviderMessageID != "-1001234567890:9" {
		t.Fatalf("res %+v err %v", res, err)
	}
	if !reflect.DeepEqual(h.waits, []time.Duration{3 * time.Second}) {
		t.Fatalf("waits = %v, want the 3 s Telegram asked for", h.waits)
	}
}

func TestTelegramBlockedIsPermanent(t *testing.T) {
	p := newProvider(t, reply{status: 403, body: `{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}`})
	_, err := newHarness(Config{TelegramAPIBase: p.URL, TelegramBotToken: "1:x"}).Send(context.Background(), Message{Channel: domain.ChannelTelegram, To: "582937461", Text: "ok"})
	e, ok := channels.AsError(err)
	if !ok || e.Temporary || e.Code != "403" || e.Message != "Forbidden: bot was blocked by the user" || len(p.requests()) != 1 {
		t.Fatalf("err = %v", err)
	}
}

func TestTelegramTooLong(t *testing.T) {
	p := newProvider(t, reply{status: 200, body: `{}`})
	_, err := newHarness(Config{TelegramAPIBase: p.URL, TelegramBotToken: "1:x"}).Send(context.Background(), Message{Channel: domain.ChannelTelegram, To: "1", Text: strings.Repeat("ạ", 4097)})
	if domain.ErrorCode(err) != domain.CodeInvalid || len(p.requests()) != 0 {
		t.Fatalf("err = %v", err)
	}
}
