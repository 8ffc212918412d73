package telegram

import (
	"reflect"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/channels/channelstest"
	"github.com/concierge-cx/concierge/shared/channels/testsecrets"
	"github.com/concierge-cx/concierge/shared/domain"
)

func TestVerify(t *testing.T) {
	req := channelstest.Load(t, "telegram-message.json")
	if err := Verify(req, testsecrets.TelegramSecret); err != nil {
		t.Fatalf("genuine update rejected: %v", err)
	}
	noHeader := req
	noHeader.Headers = map[string]string{"content-type": "application/json"}
	tests := []struct {
		name   string
		req    channels.Request
		secret string
	}{
		{"wrong secret", req, "another-bot-secret"},
		{"no secret configured", req, ""},
		{"missing header", noHeader, testsecrets.TelegramSecret},
		{"prefix of the secret", withHeader(req, testsecrets.TelegramSecret[:10]), testsecrets.TelegramSecret},
	}
	for _, tt := range tests {
		if err := Verify(tt.req, tt.secret); domain.ErrorCode(err) != domain.CodeForbidden {
			t.Errorf("%s: Verify = %v, want forbidden", tt.name, err)
		}
	}
}

func withHeader(r channels.Request, v string) channels.Request {
	r.Headers = map[string]string{SecretHeader: v}
	return r
}

func TestParseSampleEvent(t *testing.T) {
	got, err := Parse(channelstest.Load(t, "telegram-message.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := channels.Result{Messages: []domain.Inbound{{
		Provider: "telegram", Channel: domain.ChannelTelegram, Kind: domain.KindMessage,
		ProviderMessageID: "5123456789:512",
		Identities:        []domain.RawIdentity{{Kind: domain.KindTelegram, Value: "5123456789"}},
		ProfileName:       "Lan Nguyễn Thị",
		Text:              "Cho mình hỏi cửa hàng mở cửa đến mấy giờ ạ?",
		OccurredAt:        time.Date(2026, 3, 14, 2, 19, 18, 0, time.UTC),
		Metadata:          map[string]string{"chatId": "5123456789", "messageId": "512", "chatType": "private", "username": "lan_nguyen", "languageCode": "vi"},
	}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestParseMessages(t *testing.T) {
	const from = `"from":{"id":5123456789,"is_bot":false,"first_name":"Lan"},"chat":{"id":5123456789,"type":"private"}`
	tests := []struct {
		name       string
		body       string
		wantID     string
		wantText   string
		wantAtt    []domain.Attachment
		wantIdents int
	}{
		{"photo with caption keeps the largest size", `{"update_id":1,"message":{"message_id":7,` + from + `,"date":1773454500,"caption":"Áo bị lỗi","photo":[{"file_id":"small","file_size":900},{"file_id":"big","file_size":91000}]}}`,
			"5123456789:7", "Áo bị lỗi", []domain.Attachment{{ContentType: "image/jpeg", Size: 91000, URL: "telegram:file/big"}}, 1},
		{"document", `{"update_id":1,"message":{"message_id":8,` + from + `,"date":1,"document":{"file_id":"d1","file_name":"hoá đơn.pdf","mime_type":"application/pdf","file_size":2048}}}`,
			"5123456789:8", "", []domain.Attachment{{Name: "hoá đơn.pdf", ContentType: "application/pdf", Size: 2048, URL: "telegram:file/d1"}}, 1},
		{"voice", `{"update_id":1,"message":{"message_id":9,` + from + `,"date":1,"voice":{"file_id":"v1","mime_type":"audio/ogg","duration":4}}}`,
			"5123456789:9", "", []domain.Attachment{{ContentType: "audio/ogg", URL: "telegram:file/v1"}}, 1},
		{"edit is its own event", `{"update_id":2,"edited_message":{"message_id":7,` + from + `,"date":1773454500,"edit_date":1773454560,"text":"Áo size M"}}`,
			"5123456789:7:edit:1773454560", "Áo size M", nil, 1},
		{"own contact card adds the phone", `{"update_id":3,"message":{"message_id":10,` + from + `,"date":1,"contact":{"phone_number":"84912345678","first_name":"Lan","user_id":5123456789}}}`,
			"5123456789:10", "Lan 84912345678", nil, 2},
		{"someone else's contact card is not an identity", `{"update_id":3,"message":{"message_id":11,` + from + `,"date":1,"contact":{"phone_number":"84987654321","first_name":"Minh","user_id":42}}}`,
			"5123456789:11", "Minh 84987654321", nil, 1},
	}
	for _, tt := range tests {
		res, err := Parse(channels.Request{Body: []byte(tt.body)})
		if err != nil || len(res.Messages) != 1 {
			t.Fatalf("%s: %+v %v", tt.name, res, err)
		}
		m := res.Messages[0]
		if m.ProviderMessageID != tt.wantID || m.Text != tt.wantText || !reflect.DeepEqual(m.Attachments, tt.wantAtt) || len(m.Identities) != tt.wantIdents {
			t.Errorf("%s: got id %q text %q att %+v identities %+v", tt.name, m.ProviderMessageID, m.Text, m.Attachments, m.Identities)
		}
	}
}

func TestParseIgnores(t *testing.T) {
	for name, body := range map[string]string{
		"callback query":          `{"update_id":1,"callback_query":{"id":"1","from":{"id":1,"first_name":"A"},"data":"x"}}`,
		"message from a bot":      `{"update_id":1,"message":{"message_id":1,"from":{"id":9,"is_bot":true,"first_name":"B"},"chat":{"id":9,"type":"private"},"date":1,"text":"x"}}`,
		"channel post, no sender": `{"update_id":1,"channel_post":{"message_id":1,"chat":{"id":-100,"type":"channel"},"date":1,"text":"x"}}`,
	} {
		res, err := Parse(channels.Request{Body: []byte(body)})
		if err != nil || len(res.Messages) != 0 {
			t.Errorf("%s: %+v %v", name, res, err)
		}
	}
	if _, err := Parse(channels.Request{Body: []byte(`{"update_id":"x"`)}); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("malformed: %v", err)
	}
}

func FuzzParse(f *testing.F) { channelstest.Fuzz(f, "telegram-", Parse) }
