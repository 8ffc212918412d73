package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/channels/webchat"
	"github.com/concierge-cx/concierge/shared/domain"
)

var now = time.Date(2025, 3, 14, 7, 0, 0, 0, time.UTC) // 14:00 in Hà Nội

type received struct {
	header http.Header
	body   []byte
}

// receiver is the agent tool's webhook endpoint: it answers with statuses in
// order, repeating the last.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	got      []received
	statuses []int
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	r := &receiver{statuses: statuses}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{header: req.Header.Clone(), body: b})
		st := r.statuses[min(len(r.got), len(r.statuses))-1]
		r.mu.Unlock()
		w.WriteHeader(st)
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(r.Close)
	return r
}

type harness struct {
	*Notifier
	waits []time.Duration
	logs  bytes.Buffer
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	h := &harness{}
	p := channels.DefaultPolicy
	p.Sleep = func(_ context.Context, d time.Duration) error { h.waits = append(h.waits, d); return nil }
	n, err := New(cfg, nil, WithPolicy(p), WithClock(func() time.Time { return now }), WithLogger(slog.New(slog.NewJSONHandler(&h.logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	h.Notifier = n
	return h
}

func escalation() Notification {
	return Notification{
		Event: EventEscalated, ConversationID: "01JP5Z8W3K2M4N6P8Q0R2S4T6V", CustomerID: "01JP5Z0000AAAABBBBCCCCDDDD",
		CustomerName: "Nguyễn Thị Lan", Priority: "urgent", Channel: domain.ChannelZalo, AgentID: "agent-huong",
		Reasons: []string{"hoàn tiền", "khách VIP"}, DueAt: time.Date(2025, 3, 14, 7, 30, 0, 0, time.UTC),
	}
}

func TestNotifySignedAndReadable(t *testing.T) {
	rc := newReceiver(t, 200)
	h := newHarness(t, Config{WebhookURL: rc.URL + "/hooks/concierge", WebhookSecret: "whsec_test", Language: "vi"})
	d, err := h.Notify(context.Background(), escalation())
	if err != nil || !d.Sent || d.Attempts != 1 || !strings.HasPrefix(d.ID, "ntf_") {
		t.Fatalf("delivery %+v err %v", d, err)
	}
	if len(rc.got) != 1 {
		t.Fatalf("%d requests", len(rc.got))
	}
	got := rc.got[0]

	// The signature verifies with an independent HMAC, and with the web
	// chat's own verifier: the same scheme.
	ts := got.header.Get("X-Concierge-Timestamp")
	mac := hmac.New(sha256.New, []byte("whsec_test"))
	mac.Write([]byte(ts + "."))
	mac.Write(got.body)
	if want := "sha256=" + hex.EncodeToString(mac.Sum(nil)); got.header.Get("X-Concierge-Signature") != want || ts != "1741935600" {
		t.Fatalf("signature %q, want %q (timestamp %q)", got.header.Get("X-Concierge-Signature"), want, ts)
	}
	req := channels.Request{
		Headers: map[string]string{"x-concierge-timestamp": ts, "x-concierge-signature": got.header.Get("X-Concierge-Signature")},
		Body:    got.body, Now: now,
	}
	if err := webchat.Verify(req, "whsec_test"); err != nil {
		t.Fatalf("webchat.Verify: %v", err)
	}

	var body map[string]any
	if err := json.Unmarshal(got.body, &body); err != nil {
		t.Fatal(err)
	}
	if body["deliveryId"] != d.ID || got.header.Get("X-Concierge-Delivery") != d.ID {
		t.Fatalf("delivery id: body %v header %q want %q", body["deliveryId"], got.header.Get("X-Concierge-Delivery"), d.ID)
	}
	for k, v := range map[string]any{
		"event": "escalated", "conversationId": "01JP5Z8W3K2M4N6P8Q0R2S4T6V", "customerId": "01JP5Z0000AAAABBBBCCCCDDDD",
		"customerName": "Nguyễn Thị Lan", "priority": "urgent", "channel": "zalo", "agentId": "agent-huong", "dueAt": "2025-03-14T07:30:00Z",
	} {
		if body[k] != v {
			t.Errorf("%s = %v, want %v", k, body[k], v)
		}
	}
	if rs, _ := body["reasons"].([]any); len(rs) != 2 || rs[0] != "hoàn tiền" {
		t.Errorf("reasons = %v", body["reasons"])
	}
	// Slack reads "text"; it must be plain UTF-8 Vietnamese, not \u escapes.
	text, _ := body["text"].(string)
	want := ":rotating_light: Cần xử lý gấp: cuộc trò chuyện đã được chuyển lên — Khách hàng *Nguyễn Thị Lan* qua zalo, mức ưu tiên khẩn cấp, hạn trả lời 14:30 14/03/2025. Lý do: hoàn tiền, khách VIP. Mã hội thoại: 01JP5Z8W3K2M4N6P8Q0R2S4T6V"
	if text != want {
		t.Fatalf("text = %q\nwant   %q", text, want)
	}
	if !utf8.Valid(got.body) || !bytes.Contains(got.body, []byte("Nguyễn Thị Lan")) {
		t.Fatalf("body is not readable UTF-8: %s", got.body)
	}
	if ct := got.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Fatalf("Content-Type = %q", ct)
	}
	if strings.Contains(h.logs.String(), "Lan") || strings.Contains(h.logs.String(), "hooks/concierge") {
		t.Fatalf("logs carry the customer's name or the webhook URL: %s", h.logs.String())
	}
}

func TestNotifyRetryKeepsDeliveryID(t *testing.T) {
	rc := newReceiver(t, 502, 200)
	h := newHarness(t, Config{WebhookURL: rc.URL, WebhookSecret: "s"})
	d, err := h.Notify(context.Background(), escalation())
	if err != nil || d.Attempts != 2 || len(rc.got) != 2 || len(h.waits) != 1 {
		t.Fatalf("delivery %+v err %v requests %d", d, err, len(rc.got))
	}
	for _, g := range rc.got {
		var body struct {
			DeliveryID string `json:"deliveryId"`
		}
		if err := json.Unmarshal(g.body, &body); err != nil {
			t.Fatal(err)
		}
		if g.header.Get("X-Concierge-Delivery") != d.ID || body.DeliveryID != d.ID {
			t.Fatalf("delivery id changed across the retry: header %q body %q want %q", g.header.Get("X-Concierge-Delivery"), body.DeliveryID, d.ID)
		}
	}
	if !bytes.Equal(rc.got[0].body, rc.got[1].body) {
		t.Fatal("the retry sent a different body")
	}
	// The same event later (say an SQS redelivery) carries the same id.
	again, err := h.Notify(context.Background(), escalation())
	if err != nil || again.ID != d.ID {
		t.Fatalf("redelivery id %q, want %q (%v)", again.ID, d.ID, err)
	}
	other := escalation()
	other.Event = EventSLAWarning
	if DeliveryID(other) == d.ID {
		t.Fatal("a different event has the same delivery id")
	}
}

func TestNotifyRefusalIsNotRetried(t *testing.T) {
	rc := newReceiver(t, 404)
	h := newHarness(t, Config{WebhookURL: rc.URL})
	_, err := h.Notify(context.Background(), escalation())
	if domain.ErrorCode(err) != domain.CodeConflict || channels.IsTemporary(err) || len(rc.got) != 1 {
		t.Fatalf("err %v requests %d", err, len(rc.got))
	}
}

func TestNotifyGivesUpAfterBoundedRetries(t *testing.T) {
	rc := newReceiver(t, 500)
	h := newHarness(t, Config{WebhookURL: rc.URL})
	d, err := h.Notify(context.Background(), escalation())
	if domain.ErrorCode(err) != domain.CodeUnavailable || !channels.IsTemporary(err) || d.Attempts != 4 || len(rc.got) != 4 {
		t.Fatalf("delivery %+v err %v requests %d", d, err, len(rc.got))
	}
}

func TestNotifyNetworkFailureIsRetried(t *testing.T) {
	rc := newReceiver(t, 200)
	url := rc.URL + "/T000/B000/XXXXSECRET"
	rc.Close()
	h := newHarness(t, Config{WebhookURL: url})
	_, err := h.Notify(context.Background(), escalation())
	e, ok := channels.AsError(err)
	if !ok || !e.Temporary || e.Attempts != 4 {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "XXXXSECRET") || strings.Contains(h.logs.String(), "XXXXSECRET") {
		t.Fatal("the webhook URL leaked into the error or the logs")
	}
}

func TestSlackWebhookWithoutSecret(t *testing.T) {
	rc := newReceiver(t, 200)
	h := newHarness(t, Config{WebhookURL: rc.URL, Language: "en"})
	note := Notification{Event: EventAssigned, ConversationID: "c1", CustomerName: "<!channel> & co", Channel: domain.ChannelEmail}
	if _, err := h.Notify(context.Background(), note); err != nil {
		t.Fatal(err)
	}
	g := rc.got[0]
	if g.header.Get("X-Concierge-Signature") != "" {
		t.Fatal("signed without a secret")
	}
	var body map[string]any
	if err := json.Unmarshal(g.body, &body); err != nil {
		t.Fatal(err)
	}
	if body["text"] != "A conversation was assigned to you — Customer *&lt;!channel&gt; &amp; co* via email. Conversation: c1" {
		t.Fatalf("text = %q", body["text"])
	}
	if _, has := body["dueAt"]; has {
		t.Fatal("a zero dueAt was sent")
	}
}

func TestNotifyOffWithoutURL(t *testing.T) {
	h := newHarness(t, Config{})
	d, err := h.Notify(context.Background(), escalation())
	if err != nil || d.Sent || d.ID == "" || h.Enabled() {
		t.Fatalf("delivery %+v err %v", d, err)
	}
}

func TestNotifyValidates(t *testing.T) {
	h := newHarness(t, Config{WebhookURL: "http://127.0.0.1:1"})
	if _, err := h.Notify(context.Background(), Notification{Event: "lunch", ConversationID: "c"}); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Fatalf("err = %v", err)
	}
	if _, err := h.Notify(context.Background(), Notification{Event: EventAssigned}); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Fatalf("err = %v", err)
	}
	if _, err := New(Config{WebhookURL: "hooks.slack.com/x"}, nil); err == nil {
		t.Fatal("a URL without scheme was accepted")
	}
	if _, err := New(Config{TimeZone: "Mars/Olympus"}, nil); err == nil {
		t.Fatal("an unknown time zone was accepted")
	}
}
