package channels

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/concierge-cx/concierge/shared/domain"
)

func TestFromHTTPAPI(t *testing.T) {
	ev := &events.APIGatewayV2HTTPRequest{
		RawPath:         "/webhooks/twilio/messages",
		RawQueryString:  "b=2&a=1",
		Headers:         map[string]string{"Host": "evil.example.net", "X-Twilio-Signature": "sig"},
		Body:            "Qm9keT1YaW4rY2glQzMlQTBv", // base64 of "Body=Xin+ch%C3%A0o"
		IsBase64Encoded: true,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			TimeEpoch: 1773454500000,
			HTTP:      events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST"},
		},
	}
	req, err := FromHTTPAPI(ev, "https://concierge.example.com/", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if req.PublicURL != "https://concierge.example.com/webhooks/twilio/messages" || req.SignedURL() != req.PublicURL+"?b=2&a=1" {
		t.Errorf("public URL %q signed %q: must come from config, never from Host", req.PublicURL, req.SignedURL())
	}
	if string(req.Body) != "Body=Xin+ch%C3%A0o" || req.Header("X-TWILIO-SIGNATURE") != "sig" || req.Headers["x-twilio-signature"] != "sig" {
		t.Errorf("body %q headers %v", req.Body, req.Headers)
	}
	if !req.Now.Equal(time.UnixMilli(1773454500000)) || req.Method != "POST" {
		t.Errorf("now %v method %q", req.Now, req.Method)
	}
	ev.Body = "not base64!"
	if _, err := FromHTTPAPI(ev, "https://x", time.Time{}); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("bad base64: %v", err)
	}
}

func TestCheckFreshness(t *testing.T) {
	now := time.Date(2026, 3, 14, 2, 15, 0, 0, time.UTC)
	tests := []struct {
		signed time.Time
		ok     bool
	}{
		{now, true},
		{now.Add(-5 * time.Minute), true},
		{now.Add(5 * time.Minute), true},
		{now.Add(-5*time.Minute - time.Second), false},
		{now.Add(5*time.Minute + time.Second), false},
	}
	for _, tt := range tests {
		err := CheckFreshness(tt.signed, now, 5*time.Minute)
		if (err == nil) != tt.ok || (err != nil && domain.ErrorCode(err) != domain.CodeForbidden) {
			t.Errorf("signed %v: %v", tt.signed, err)
		}
	}
}

func TestIDKeepsDigits(t *testing.T) {
	tests := []struct {
		in   string
		want ID
		ok   bool
	}{
		{`"6142494823918274635"`, "6142494823918274635", true},
		{`6142494823918274635`, "6142494823918274635", true},
		{`-1001234567890`, "-1001234567890", true},
		{`null`, "", true},
		{`1.5`, "", false},
		{`6.142494823918275e18`, "", false},
		{`{"id":1}`, "", false},
	}
	for _, tt := range tests {
		var id ID
		err := json.Unmarshal([]byte(tt.in), &id)
		if (err == nil) != tt.ok || (tt.ok && id != tt.want) {
			t.Errorf("%s: got %q, %v", tt.in, id, err)
		}
	}
}

func TestTextIsNFC(t *testing.T) {
	if got := Text("  Nguye\u0302\u0303n Thi\u0323 Lan \n"); got != "Nguyễn Thị Lan" {
		t.Errorf("Text = %q", got)
	}
	if got := Name(" Nguyễn   Thị\tLan "); got != "Nguyễn Thị Lan" {
		t.Errorf("Name = %q", got)
	}
}
