package outbound

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/domain"
)

type fixedToken struct {
	tok string
	err error
}

func (f fixedToken) AccessToken(context.Context) (string, error) { return f.tok, f.err }

func TestZaloReadsTheCurrentTokenFromItsSource(t *testing.T) {
	p := newProvider(t, reply{status: 200, body: `{"data":{"message_id":"m1"},"error":0,"message":"Success"}`})
	d := New(Config{ZaloAPIBase: p.URL}, &http.Client{Timeout: 5 * time.Second}, nil, WithZaloToken(fixedToken{tok: "refreshed-token"}))
	if got := d.Providers(domain.ChannelZalo); len(got) != 1 {
		t.Fatalf("zalo not configured with a token source: %v", got)
	}
	if _, err := d.Send(context.Background(), Message{Channel: domain.ChannelZalo, To: zaloUser, Text: "x", LastInboundAt: time.Now().Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if got := p.only(t).Header.Get("access_token"); got != "refreshed-token" {
		t.Fatalf("access_token = %q", got)
	}
}

func TestZaloTokenUnreadableIsATemporaryFailureAndSendsNothing(t *testing.T) {
	p := newProvider(t, reply{status: 200, body: `{"error":0}`})
	d := New(Config{ZaloAPIBase: p.URL}, nil, nil, WithZaloToken(fixedToken{err: errors.New("secret store down")}))
	_, err := d.Send(context.Background(), Message{Channel: domain.ChannelZalo, To: zaloUser, Text: "x", LastInboundAt: time.Now().Add(-time.Hour)})
	var perr *channels.Error
	if !errors.As(err, &perr) || !perr.Temporary || len(p.requests()) != 0 {
		t.Fatalf("want a temporary provider error and nothing sent; err %v, %d requests", err, len(p.requests()))
	}
}

// authLines decodes the auth-failure metric lines written to buf.
func authLines(t *testing.T, buf *bytes.Buffer) []string {
	t.Helper()
	var providers []string
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not JSON: %s", line)
		}
		if m[AuthFailureMetric] != float64(1) || m["_aws"] == nil {
			t.Fatalf("not an EMF auth-failure line: %s", line)
		}
		providers = append(providers, m["Provider"].(string))
	}
	return providers
}

func TestAuthorizationFailuresRaiseTheAlarmMetric(t *testing.T) {
	cases := []struct {
		name  string
		reply reply
		cfg   func(base string) Config
		msg   Message
		alarm bool
	}{
		{"meta expired token (190 under 400)", reply{status: 400, body: `{"error":{"message":"Error validating access token: Session has expired","type":"OAuthException","code":190,"error_subcode":463}}`},
			func(b string) Config { return Config{MetaGraphBase: b, MetaAccessToken: "t", MetaPhoneNumberID: "1"} },
			Message{Channel: domain.ChannelWhatsApp, To: "+84901234567", Text: "x", LastInboundAt: now.Add(-time.Hour)}, true},
		{"telegram 401", reply{status: 401, body: `{"ok":false,"error_code":401,"description":"Unauthorized"}`},
			func(b string) Config { return Config{TelegramAPIBase: b, TelegramBotToken: "123:abc"} },
			Message{Channel: domain.ChannelTelegram, To: "42", Text: "x"}, true},
		{"telegram blocked by the user is no auth failure", reply{status: 403, body: `{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}`},
			func(b string) Config { return Config{TelegramAPIBase: b, TelegramBotToken: "123:abc"} },
			Message{Channel: domain.ChannelTelegram, To: "42", Text: "x"}, false},
		{"meta bad recipient is no auth failure", reply{status: 400, body: `{"error":{"message":"Invalid parameter","type":"OAuthException","code":100}}`},
			func(b string) Config { return Config{MetaGraphBase: b, MetaAccessToken: "t", MetaPhoneNumberID: "1"} },
			Message{Channel: domain.ChannelWhatsApp, To: "+84901234567", Text: "x", LastInboundAt: now.Add(-time.Hour)}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newProvider(t, c.reply)
			var buf bytes.Buffer
			h := newHarness(c.cfg(p.URL))
			WithAuthAlarm(AuthAlarm{W: &buf})(h.Dispatcher)
			if _, err := h.Send(context.Background(), c.msg); err == nil {
				t.Fatal("send succeeded")
			}
			got := authLines(t, &buf)
			if c.alarm != (len(got) == 1) {
				t.Fatalf("alarm lines %v, want alarm %v", got, c.alarm)
			}
		})
	}
}
