package webchat

import (
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/channels/channelstest"
	"github.com/concierge-cx/concierge/shared/channels/testsecrets"
	"github.com/concierge-cx/concierge/shared/domain"
)

func TestVerify(t *testing.T) {
	req := channelstest.Load(t, "webchat-message.json")
	if err := Verify(req, testsecrets.WebchatSecret); err != nil {
		t.Fatalf("genuine message rejected: %v", err)
	}
	signedAt := req.Now
	resign := func(ts time.Time, body []byte) channels.Request {
		r := req
		s := strconv.FormatInt(ts.Unix(), 10)
		r.Body = body
		r.Headers = map[string]string{TimestampHeader: s, SignatureHeader: channels.Signature(testsecrets.WebchatSecret, s, body)}
		return r
	}
	tampered := req
	tampered.Body = append(append([]byte(nil), req.Body[:len(req.Body)-1]...), `,"email":"ceo@example.com"}`...)
	newTimestamp := req
	newTimestamp.Headers = map[string]string{TimestampHeader: strconv.FormatInt(signedAt.Unix()+60, 10), SignatureHeader: req.Headers[SignatureHeader]}
	tests := []struct {
		name   string
		req    channels.Request
		secret string
	}{
		{"tampered body", tampered, testsecrets.WebchatSecret},
		{"wrong secret", req, "other-site-secret"},
		{"no secret configured", req, ""},
		{"missing signature", func() channels.Request {
			r := req
			r.Headers = map[string]string{TimestampHeader: req.Headers[TimestampHeader]}
			return r
		}(), testsecrets.WebchatSecret},
		{"missing timestamp", func() channels.Request {
			r := req
			r.Headers = map[string]string{SignatureHeader: req.Headers[SignatureHeader]}
			return r
		}(), testsecrets.WebchatSecret},
		{"replayed with a new timestamp", newTimestamp, testsecrets.WebchatSecret},
		{"signed 6 minutes ago", resign(signedAt.Add(-6*time.Minute), req.Body), testsecrets.WebchatSecret},
		{"signed 6 minutes ahead", resign(signedAt.Add(6*time.Minute), req.Body), testsecrets.WebchatSecret},
		{"timestamp in milliseconds", resign(time.Unix(signedAt.UnixMilli(), 0), req.Body), testsecrets.WebchatSecret},
	}
	for _, tt := range tests {
		if err := Verify(tt.req, tt.secret); domain.ErrorCode(err) != domain.CodeForbidden {
			t.Errorf("%s: Verify = %v, want forbidden", tt.name, err)
		}
	}
	if err := Verify(resign(signedAt.Add(-4*time.Minute), req.Body), testsecrets.WebchatSecret); err != nil {
		t.Errorf("4 minutes of clock skew rejected: %v", err)
	}
}

func TestParseSampleEvent(t *testing.T) {
	got, err := Parse(channelstest.Load(t, "webchat-message.json"))
	if err != nil {
		t.Fatal(err)
	}
	sent := time.Date(2026, 3, 14, 2, 20, 59, 0, time.UTC)
	text := "Tôi cần hỗ trợ đổi trả đơn hàng DH1024"
	want := channels.Result{Messages: []domain.Inbound{{
		Provider: "webchat", Channel: domain.ChannelWebchat, Kind: domain.KindMessage,
		ProviderMessageID: DerivedID("v_01JPA7K3M9Q2R5T8W1Y4Z6B0C3", sent, text),
		Identities: []domain.RawIdentity{
			{Kind: domain.KindWebchat, Value: "v_01JPA7K3M9Q2R5T8W1Y4Z6B0C3"},
			{Kind: domain.KindEmail, Value: "lan.nguyen@example.com", Proof: domain.ProofClaimed, Source: domain.ClaimTyped},
			{Kind: domain.KindPhone, Value: "+84 91 234 5678", Proof: domain.ProofClaimed, Source: domain.ClaimTyped},
		},
		ProfileName: "Nguyễn Thị Lan",
		Text:        text,
		OccurredAt:  sent,
	}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		wantID     string
		wantIdents int
		wantCode   domain.Code
	}{
		{"client id is kept", `{"messageId":"msg-42","visitorId":"v1","text":"Xin chào","sentAt":"2026-03-14T09:20:59+07:00"}`, "msg-42", 1, ""},
		{"unknown fields are ignored", `{"visitorId":"v1","text":"hi","sentAt":"2026-03-14T02:20:59Z","widgetVersion":"2.1","page":"/checkout"}`, DerivedID("v1", time.Date(2026, 3, 14, 2, 20, 59, 0, time.UTC), "hi"), 1, ""},
		{"email only", `{"visitorId":"v1","email":"Lan@Example.com","text":"hi","sentAt":"2026-03-14T02:20:59Z"}`, "", 2, ""},
		{"missing visitorId", `{"text":"hi","sentAt":"2026-03-14T02:20:59Z"}`, "", 0, domain.CodeInvalid},
		{"visitorId with spaces", `{"visitorId":"v 1","text":"hi","sentAt":"2026-03-14T02:20:59Z"}`, "", 0, domain.CodeInvalid},
		{"blank text", `{"visitorId":"v1","text":"   ","sentAt":"2026-03-14T02:20:59Z"}`, "", 0, domain.CodeInvalid},
		{"missing sentAt", `{"visitorId":"v1","text":"hi"}`, "", 0, domain.CodeInvalid},
		{"sentAt not RFC 3339", `{"visitorId":"v1","text":"hi","sentAt":"14/03/2026 09:20"}`, "", 0, domain.CodeInvalid},
		{"text of the wrong type", `{"visitorId":"v1","text":42,"sentAt":"2026-03-14T02:20:59Z"}`, "", 0, domain.CodeInvalid},
	}
	for _, tt := range tests {
		res, err := Parse(channels.Request{Body: []byte(tt.body)})
		if tt.wantCode != "" {
			if domain.ErrorCode(err) != tt.wantCode {
				t.Errorf("%s: err %v, want %s", tt.name, err, tt.wantCode)
			}
			continue
		}
		if err != nil || len(res.Messages) != 1 {
			t.Fatalf("%s: %+v %v", tt.name, res, err)
		}
		m := res.Messages[0]
		if (tt.wantID != "" && m.ProviderMessageID != tt.wantID) || len(m.Identities) != tt.wantIdents {
			t.Errorf("%s: id %q identities %+v", tt.name, m.ProviderMessageID, m.Identities)
		}
	}
}

// A widget retrying the same message (same time, text typed the same or with
// combining marks, offset written differently) gets the same id; a new
// message gets a new one.
func TestDerivedIDDedupsRetries(t *testing.T) {
	parse := func(body string) string {
		res, err := Parse(channels.Request{Body: []byte(body)})
		if err != nil {
			t.Fatal(err)
		}
		return res.Messages[0].ProviderMessageID
	}
	first := parse(`{"visitorId":"v1","text":"Đổi size","sentAt":"2026-03-14T02:20:59Z"}`)
	if retry := parse(`{"visitorId":"v1","text":"\u0110o\u0302\u0309i size","sentAt":"2026-03-14T09:20:59+07:00"}`); retry != first {
		t.Errorf("retry got id %s, first %s", retry, first)
	}
	if next := parse(`{"visitorId":"v1","text":"Đổi size","sentAt":"2026-03-14T02:21:30Z"}`); next == first {
		t.Error("a second message with the same text got the first one's id")
	}
	if other := parse(`{"visitorId":"v2","text":"Đổi size","sentAt":"2026-03-14T02:20:59Z"}`); other == first {
		t.Error("another visitor's message got the same id")
	}
}

func FuzzParse(f *testing.F) {
	channelstest.Fuzz(f, "webchat-", Parse, func(t testing.TB, res channels.Result) {
		for _, m := range res.Messages {
			if m.Text == "" {
				t.Fatalf("accepted a message without text: %+v", m)
			}
		}
	})
}
