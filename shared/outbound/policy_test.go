package outbound

import (
	"context"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/sendpolicy"
)

// memCounter is an in-memory ReplyCounter with the store's semantics.
type memCounter struct {
	mu    sync.Mutex
	win   map[string]time.Time
	sends map[string]map[string]bool
}

func newMemCounter() *memCounter {
	return &memCounter{win: map[string]time.Time{}, sends: map[string]map[string]bool{}}
}

func (c *memCounter) CountReply(_ context.Context, cu string, ch domain.Channel, at time.Time, id string, limit int) (int, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := cu + "#" + string(ch)
	if !c.win[k].Equal(at) {
		c.win[k], c.sends[k] = at, map[string]bool{}
	}
	if c.sends[k][id] {
		return len(c.sends[k]), true, nil
	}
	if len(c.sends[k]) >= limit {
		return len(c.sends[k]), false, nil
	}
	c.sends[k][id] = true
	return len(c.sends[k]), true, nil
}

func (c *memCounter) UncountReply(_ context.Context, cu string, ch domain.Channel, at time.Time, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.sends[cu+"#"+string(ch)], id)
	return nil
}

func (c *memCounter) RepliesCounted(_ context.Context, cu string, ch domain.Channel, at time.Time) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.win[cu+"#"+string(ch)].Equal(at) {
		return 0, nil
	}
	return len(c.sends[cu+"#"+string(ch)]), nil
}

const zaloOK = `{"data":{"message_id":"a8d2b58c4f1e2a0d7b1c","user_id":"2512523625412515123"},"error":0,"message":"Success"}`

// The 8 free replies are counted once each, a retry of the same send does
// not count again, the 9th goes as a consulting message, and a failed send
// gives its place back.
func TestZaloFreeRepliesCountedOncePerSend(t *testing.T) {
	p := newProvider(t, reply{status: 200, body: zaloOK})
	counter := newMemCounter()
	h := newHarness(Config{ZaloAPIBase: p.URL, ZaloOAAccessToken: "t", ZaloConsultingPackage: true})
	h.counter = counter
	last := now.Add(-time.Hour)
	send := func(id string) Result {
		t.Helper()
		res, err := h.Send(context.Background(), Message{Channel: domain.ChannelZalo, To: zaloUser, Text: "x", LastInboundAt: last, CustomerID: "c1", SendID: id})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	for i := 1; i <= 8; i++ {
		if res := send("s" + string(rune('0'+i))); res.Decision.Quota != sendpolicy.QuotaZaloFreeReply || res.Decision.Remaining != 9-i {
			t.Fatalf("reply %d: %+v", i, res.Decision)
		}
	}
	if res := send("s8"); res.Decision.Quota != sendpolicy.QuotaZaloFreeReply {
		t.Fatalf("retry of the 8th: %+v", res.Decision)
	}
	if res := send("s9"); res.Decision.Quota != sendpolicy.QuotaZaloConsulting || res.Decision.Rule != "zalo.consulting" {
		t.Fatalf("9th: %+v", res.Decision)
	}
	// Her next message opens a new window.
	last = now.Add(-time.Minute)
	if res := send("t1"); res.Decision.Remaining != 8 { // this send included
		t.Fatalf("after her new message: %+v", res.Decision)
	}
	// A refused send gives its place back.
	bad := newProvider(t, reply{status: 200, body: `{"error":-213,"message":"User has not followed OA"}`})
	h.cfg.ZaloAPIBase = bad.URL
	if _, err := h.Send(context.Background(), Message{Channel: domain.ChannelZalo, To: zaloUser, Text: "x", LastInboundAt: last, CustomerID: "c1", SendID: "t2"}); err == nil {
		t.Fatal("refusal not reported")
	}
	if n, _ := counter.RepliesCounted(context.Background(), "c1", domain.ChannelZalo, last); n != 1 {
		t.Fatalf("counted %d after a refused send, want 1", n)
	}
	if len(p.requests()) != 11 {
		t.Fatalf("%d requests", len(p.requests()))
	}
}

// Beyond the consulting window the reply goes as the configured ZNS template
// to her phone.
func TestZaloBeyondSevenDaysSendsZNS(t *testing.T) {
	p := newProvider(t, reply{status: 200, body: `{"error":0,"message":"Success","data":{"msg_id":"8e6b3b6fd4a2c58e9b1e","sent_time":"1741944600000","quota":{"dailyQuota":"500","remainingQuota":"499"}}}`})
	cfg := Config{ZaloAPIBase: "http://127.0.0.1:1", ZaloZNSAPIBase: p.URL, ZaloOAAccessToken: "oa-token", ZaloZNSTemplateID: "248613", ZaloConsultingPackage: true}
	res, err := newHarness(cfg).Send(context.Background(), Message{Channel: domain.ChannelZalo, To: zaloUser, Text: "Đơn A123 đã được hoàn tiền",
		LastInboundAt: now.Add(-8 * 24 * time.Hour), Phone: "+84912345678", CustomerName: "Lan", SendID: "01JQ"})
	if err != nil || !res.UsedTemplate || res.ProviderMessageID != "8e6b3b6fd4a2c58e9b1e" || res.Decision.Fallback.Kind != sendpolicy.FallbackZNS {
		t.Fatalf("res %+v err %v", res, err)
	}
	req := p.only(t)
	if req.Path != "/message/template" || req.Header.Get("access_token") != "oa-token" {
		t.Fatalf("%s %v", req.Path, req.Header)
	}
	want := map[string]any{"phone": "84912345678", "template_id": "248613", "tracking_id": "01JQ",
		"template_data": map[string]any{"customer_name": "Lan", "message": "Đơn A123 đã được hoàn tiền"}}
	if got := decodeJSON(t, req.Body); !reflect.DeepEqual(got, want) {
		t.Fatalf("body %v", got)
	}
	md := res.Decision.Metadata(false)
	if md["policyFallback"] != sendpolicy.FallbackZNS || md["policyRule"] != "zalo.consulting" {
		t.Fatalf("%v", md)
	}
}

// A refusal reaches no provider and says why and what else there is.
func TestRefusedSendSaysWhy(t *testing.T) {
	p := newProvider(t, reply{status: 200, body: `{}`})
	h := newHarness(metaConfig(p.URL))
	res, err := h.Send(context.Background(), Message{Channel: domain.ChannelMessenger, To: "678", Text: "Chấm điểm giúp shop nhé", Kind: sendpolicy.Survey,
		LastInboundAt: now.Add(-30 * time.Hour), Alternates: []domain.Channel{domain.ChannelEmail}})
	d, ok := sendpolicy.RefusalOf(err)
	if !ok || domain.ErrorCode(err) != domain.CodeConflict || len(p.requests()) != 0 || res.Decision.Rule != "messenger.standard" {
		t.Fatalf("res %+v err %v", res, err)
	}
	if !strings.Contains(d.Reason, "HUMAN_AGENT is for a person's reply") || d.Fallback.Kind != sendpolicy.FallbackEmail {
		t.Fatalf("%+v", d)
	}
}

// Proactive outreach never goes to a channel she opted out of.
func TestOutreachToOptedOutChannelIsRefused(t *testing.T) {
	p := newProvider(t, reply{status: 201, body: twilioCreated})
	h := newHarness(twilioConfig(p.URL))
	m := sms("+84912345678")
	m.Kind = sendpolicy.Outreach
	m.Consent = map[domain.Channel]domain.Consent{domain.ChannelSMS: {OptedOut: true, Source: "keyword:HUY", At: now}}
	_, err := h.Send(context.Background(), m)
	if d, ok := sendpolicy.RefusalOf(err); !ok || d.Rule != "consent.opted_out" || len(p.requests()) != 0 {
		t.Fatalf("err %v", err)
	}
	m.Kind = sendpolicy.AgentReply // her own conversation is answered
	if _, err := h.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
}

// A free Zalo reply names the message it answers (recipient.message_id), so
// Zalo counts it as one of the free replies; a consulting message beyond them
// names the user.
func TestZaloFreeReplyNamesHerMessage(t *testing.T) {
	p := newProvider(t, reply{status: 200, body: zaloOK})
	h := newHarness(Config{ZaloAPIBase: p.URL, ZaloOAAccessToken: "t", ZaloConsultingPackage: true})
	m := Message{Channel: domain.ChannelZalo, To: zaloUser, Text: "x", InReplyToMessage: "b1c2d3e4f5", LastInboundAt: now.Add(-time.Hour)}
	if _, err := h.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	m.LastInboundAt = now.Add(-3 * 24 * time.Hour) // beyond the free replies' 48 hours
	if _, err := h.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	reqs := p.requests()
	if got := decodeJSON(t, reqs[0].Body)["recipient"]; !reflect.DeepEqual(got, map[string]any{"message_id": "b1c2d3e4f5"}) {
		t.Fatalf("free reply recipient %v", got)
	}
	if got := decodeJSON(t, reqs[1].Body)["recipient"]; !reflect.DeepEqual(got, map[string]any{"user_id": zaloUser}) {
		t.Fatalf("consulting recipient %v", got)
	}
}
