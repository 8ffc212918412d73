package vonage

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/channels/channelstest"
	"github.com/concierge-cx/concierge/shared/channels/testsecrets"
	"github.com/concierge-cx/concierge/shared/domain"
)

// The token and signature secret of Vonage's own SDK test,
// Vonage/vonage-python-sdk jwt/tests/test_verify_jwt.py (verify_signature):
// valid with "qwertyuiopasdfghjklzxcvbnm123456", invalid with "asdf". The
// token has iat 1697634680 and no payload_hash.
const (
	sdkToken  = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJPbmxpbmUgSldUIEJ1aWxkZXIiLCJpYXQiOjE2OTc2MzQ2ODAsImV4cCI6MzMyNTQ1NDA4MjgsImF1ZCI6IiIsInN1YiI6IiJ9.88vJc3I2HhuqEDixHXVhc9R30tA6U_HQHZTC29y6CGM"
	sdkSecret = "qwertyuiopasdfghjklzxcvbnm123456"
)

func TestVonageSDKVector(t *testing.T) {
	iat := time.Unix(1697634680, 0)
	if _, err := VerifyToken(sdkToken, sdkSecret, iat.Add(time.Minute)); err != nil {
		t.Fatalf("Vonage's valid vector rejected: %v", err)
	}
	if _, err := VerifyToken(sdkToken, "asdf", iat); domain.ErrorCode(err) != domain.CodeForbidden {
		t.Errorf("Vonage's invalid-secret vector: %v, want forbidden", err)
	}
	if _, err := VerifyToken(sdkToken, sdkSecret, iat.Add(6*time.Minute)); domain.ErrorCode(err) != domain.CodeForbidden {
		t.Errorf("token issued 6 minutes ago: %v, want forbidden", err)
	}
	// A webhook must also bind the body: this token carries no payload_hash.
	req := channels.Request{Body: []byte(`{}`), Now: iat, Headers: map[string]string{"authorization": "Bearer " + sdkToken}}
	if err := Verify(req, sdkSecret); domain.ErrorCode(err) != domain.CodeForbidden {
		t.Errorf("token without payload_hash: %v, want forbidden", err)
	}
}

func TestVerifySampleEvents(t *testing.T) {
	for _, name := range channelstest.Names(t, "vonage-") {
		req := channelstest.Load(t, name)
		if err := Verify(req, testsecrets.VonageSignatureSecret); err != nil {
			t.Fatalf("%s: genuine webhook rejected: %v", name, err)
		}
		tampered := req
		tampered.Body = []byte(strings.Replace(string(req.Body), "whatsapp", "sms", 1))
		noHeader := req
		noHeader.Headers = map[string]string{"content-type": "application/json"}
		basic := req
		basic.Headers = map[string]string{"authorization": "Basic dXNlcjpwYXNz"}
		late, early := req, req
		late.Now = req.Now.Add(5*time.Minute + time.Second)
		early.Now = req.Now.Add(-5*time.Minute - time.Second)
		none := req
		none.Headers = map[string]string{"authorization": "Bearer " + unsigned(t, req)}
		tests := map[string]struct {
			req    channels.Request
			secret string
		}{
			"tampered body":           {tampered, testsecrets.VonageSignatureSecret},
			"wrong secret":            {req, "another-signature-secret-of-32-chars"},
			"missing Authorization":   {noHeader, testsecrets.VonageSignatureSecret},
			"basic auth":              {basic, testsecrets.VonageSignatureSecret},
			"replayed 5 minutes late": {late, testsecrets.VonageSignatureSecret},
			"iat in the future":       {early, testsecrets.VonageSignatureSecret},
			"alg none":                {none, testsecrets.VonageSignatureSecret},
		}
		for what, tt := range tests {
			if err := Verify(tt.req, tt.secret); domain.ErrorCode(err) != domain.CodeForbidden {
				t.Errorf("%s: %s: Verify = %v, want forbidden", name, what, err)
			}
		}
	}
}

// unsigned re-issues the sample's claims with alg "none".
func unsigned(t *testing.T, req channels.Request) string {
	tok := strings.TrimPrefix(req.Headers["authorization"], "Bearer ")
	var c Claims
	if _, _, err := jwt.NewParser().ParseUnverified(tok, &c); err != nil {
		t.Fatal(err)
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodNone, c).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestParseSampleEvents(t *testing.T) {
	got, err := Parse(channelstest.Load(t, "vonage-inbound-whatsapp.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := channels.Result{Messages: []domain.Inbound{{
		Provider: "vonage", Channel: domain.ChannelWhatsApp, Kind: domain.KindMessage,
		ProviderMessageID: "aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab",
		Identities:        []domain.RawIdentity{{Kind: domain.KindWhatsApp, Value: "84912345678"}},
		ProfileName:       "Nguyễn Thị Lan",
		Text:              "Shop ơi, mã giảm giá GIAM20 còn dùng được không?",
		OccurredAt:        time.Date(2026, 3, 14, 2, 20, 19, 0, time.UTC),
		Metadata:          map[string]string{"vonageChannel": "whatsapp", "to": "18335550143", "type": "text"},
	}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("inbound:\n got  %+v\n want %+v", got, want)
	}
	got, err = Parse(channelstest.Load(t, "vonage-status.json"))
	wantStatus := []domain.StatusUpdate{{Provider: "vonage", ProviderMessageID: "bbbbbbbb-cccc-4ddd-8eee-0123456789ab", Status: domain.StatusRead, At: time.Date(2026, 3, 14, 2, 20, 39, 0, time.UTC)}}
	if err != nil || !reflect.DeepEqual(got.Statuses, wantStatus) || len(got.Messages) != 0 {
		t.Errorf("status: %+v %v", got, err)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name         string
		body         string
		wantChannel  domain.Channel
		wantIdentity domain.RawIdentity
		wantText     string
		wantStatus   domain.DeliveryStatus
		wantError    string
	}{
		{"sms", `{"channel":"sms","message_uuid":"u1","to":"18335550143","from":"84912345678","timestamp":"2026-03-14T02:20:19.123Z","message_type":"text","text":"Chào shop"}`,
			domain.ChannelSMS, domain.RawIdentity{Kind: domain.KindPhone, Value: "84912345678"}, "Chào shop", "", ""},
		{"whatsapp image with caption", `{"channel":"whatsapp","message_uuid":"u1","from":"84912345678","message_type":"image","image":{"url":"https://api-us.nexmo.com/v3/media/abc","caption":"Áo lỗi"}}`,
			domain.ChannelWhatsApp, domain.RawIdentity{Kind: domain.KindWhatsApp, Value: "84912345678"}, "Áo lỗi", "", ""},
		{"viber by phone", `{"channel":"viber_service","message_uuid":"u1","from":"84912345678","message_type":"text","text":"hi"}`,
			domain.ChannelViber, domain.RawIdentity{Kind: domain.KindPhone, Value: "84912345678"}, "hi", "", ""},
		{"messenger", `{"channel":"messenger","message_uuid":"u1","from":"7712345678901234","message_type":"text","text":"hi"}`,
			domain.ChannelMessenger, domain.RawIdentity{Kind: domain.KindMessenger, Value: "7712345678901234"}, "hi", "", ""},
		{"whatsapp list reply", `{"channel":"whatsapp","message_uuid":"u1","from":"84912345678","message_type":"reply","reply":{"id":"sz-l","title":"Size L"}}`,
			domain.ChannelWhatsApp, domain.RawIdentity{Kind: domain.KindWhatsApp, Value: "84912345678"}, "Size L", "", ""},
		{"submitted", `{"message_uuid":"u1","status":"submitted","timestamp":"2026-03-14T02:20:19Z","channel":"sms"}`, "", domain.RawIdentity{}, "", domain.StatusSent, ""},
		{"rejected with error", `{"message_uuid":"u1","status":"rejected","channel":"whatsapp","error":{"type":"https://developer.vonage.com/api-errors/messages#1340","title":1340,"detail":"Outside the allowed window"}}`,
			"", domain.RawIdentity{}, "", domain.StatusFailed, "1340 Outside the allowed window"},
		{"undeliverable", `{"message_uuid":"u1","status":"undeliverable","channel":"sms"}`, "", domain.RawIdentity{}, "", domain.StatusFailed, ""},
	}
	for _, tt := range tests {
		res, err := Parse(channels.Request{Body: []byte(tt.body)})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if tt.wantStatus != "" {
			if len(res.Statuses) != 1 || res.Statuses[0].Status != tt.wantStatus || res.Statuses[0].Error != tt.wantError {
				t.Errorf("%s: %+v", tt.name, res)
			}
			continue
		}
		if len(res.Messages) != 1 {
			t.Fatalf("%s: %+v", tt.name, res)
		}
		m := res.Messages[0]
		if m.Channel != tt.wantChannel || m.Identities[0] != tt.wantIdentity || m.Text != tt.wantText {
			t.Errorf("%s: channel %s identity %+v text %q", tt.name, m.Channel, m.Identities[0], m.Text)
		}
	}
	for name, body := range map[string]string{
		"no message_uuid": `{"channel":"sms","from":"84912345678","text":"x"}`,
		"no from":         `{"channel":"sms","message_uuid":"u1","text":"x"}`,
		"unknown channel": `{"channel":"carrier_pigeon","message_uuid":"u1","from":"x","text":"x"}`,
		"not JSON":        `channel=sms`,
	} {
		if _, err := Parse(channels.Request{Body: []byte(body)}); domain.ErrorCode(err) != domain.CodeInvalid {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
}

func FuzzParse(f *testing.F) { channelstest.Fuzz(f, "vonage-", Parse) }
