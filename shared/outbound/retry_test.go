package outbound

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/domain"
)

func sms(to string) Message { return Message{Channel: domain.ChannelSMS, To: to, Text: "Xin chào"} }

func TestRetryServerErrorThenSuccess(t *testing.T) {
	p := newProvider(t, reply{status: 500, body: `{"code":20500,"message":"Internal Server channels.Error"}`}, reply{status: 201, body: twilioCreated})
	h := newHarness(twilioConfig(p.URL))
	res, err := h.Send(context.Background(), sms("+84912345678"))
	if err != nil || res.Attempts != 2 || res.ProviderMessageID == "" {
		t.Fatalf("res %+v err %v", res, err)
	}
	reqs := p.requests()
	if len(reqs) != 2 || string(reqs[0].Body) != string(reqs[1].Body) {
		t.Fatalf("want the same message sent twice, got %d requests", len(reqs))
	}
	if len(h.waits) != 1 || h.waits[0] < channels.DefaultPolicy.BaseDelay/2 || h.waits[0] > channels.DefaultPolicy.BaseDelay {
		t.Fatalf("waits = %v", h.waits)
	}
}

func TestRetryHonoursRetryAfter(t *testing.T) {
	p := newProvider(t, reply{status: 429, header: map[string]string{"Retry-After": "7"}, body: `{"code":20429,"message":"Too Many Requests"}`}, reply{status: 201, body: twilioCreated})
	h := newHarness(twilioConfig(p.URL))
	res, err := h.Send(context.Background(), sms("+84912345678"))
	if err != nil || res.Attempts != 2 {
		t.Fatalf("res %+v err %v", res, err)
	}
	if !reflect.DeepEqual(h.waits, []time.Duration{7 * time.Second}) {
		t.Fatalf("waits = %v", h.waits)
	}
}

func TestRetryAfterBeyondTheCapIsLeftToTheCaller(t *testing.T) {
	p := newProvider(t, reply{status: 429, header: map[string]string{"Retry-After": "120"}, body: `{}`})
	h := newHarness(twilioConfig(p.URL))
	_, err := h.Send(context.Background(), sms("+84912345678"))
	e, ok := channels.AsError(err)
	if !ok || !e.Temporary || e.RetryAfter != 2*time.Minute || e.Attempts != 1 || len(h.waits) != 0 {
		t.Fatalf("err = %v waits %v", err, h.waits)
	}
	if domain.ErrorCode(err) != domain.CodeUnavailable || !channels.IsTemporary(err) {
		t.Fatalf("code = %s", domain.ErrorCode(err))
	}
}

func TestNoRetryOnClientError(t *testing.T) {
	p := newProvider(t, reply{status: 400, body: `{"code":21604,"message":"A 'To' phone number is required."}`})
	h := newHarness(twilioConfig(p.URL))
	_, err := h.Send(context.Background(), sms("+84912345678"))
	if channels.IsTemporary(err) || len(p.requests()) != 1 || len(h.waits) != 0 {
		t.Fatalf("err %v, %d requests", err, len(p.requests()))
	}
}

func TestRetriesAreBounded(t *testing.T) {
	p := newProvider(t, reply{status: 503, body: `{}`})
	h := newHarness(twilioConfig(p.URL))
	_, err := h.Send(context.Background(), sms("+84912345678"))
	e, ok := channels.AsError(err)
	if !ok || !e.Temporary || e.Attempts != 4 || len(p.requests()) != 4 || len(h.waits) != 3 {
		t.Fatalf("err %v, %d requests, waits %v", err, len(p.requests()), h.waits)
	}
	for i := 1; i < len(h.waits); i++ {
		if h.waits[i] < channels.DefaultPolicy.BaseDelay<<i/2 {
			t.Fatalf("backoff does not grow: %v", h.waits)
		}
	}
}

func TestNetworkErrorIsTemporary(t *testing.T) {
	p := newProvider(t, reply{status: 201, body: twilioCreated})
	base := p.URL
	p.Close()
	h := newHarness(twilioConfig(base))
	_, err := h.Send(context.Background(), sms("+84912345678"))
	e, ok := channels.AsError(err)
	if !ok || !e.Temporary || e.Status != 0 || e.Attempts != 4 {
		t.Fatalf("err = %v", err)
	}
}

func TestRetryStopsAtTheDeadline(t *testing.T) {
	p := newProvider(t, reply{status: 500, body: `{}`})
	h := newHarness(twilioConfig(p.URL))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	h.policy.BaseDelay = time.Second
	_, err := h.Send(ctx, sms("+84912345678"))
	if e, ok := channels.AsError(err); !ok || !e.Temporary || e.Attempts != 1 || len(h.waits) != 0 {
		t.Fatalf("err %v waits %v: a wait longer than the deadline should end the attempts", err, h.waits)
	}
}

func TestPolicyDoTreatsOtherErrorsAsTemporary(t *testing.T) {
	calls := 0
	p := channels.Policy{Attempts: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, Sleep: func(context.Context, time.Duration) error { return nil }}
	n, err := p.Do(context.Background(), func(context.Context) error { calls++; return errors.New("boom") })
	if n != 3 || calls != 3 || !channels.IsTemporary(err) {
		t.Fatalf("n %d calls %d err %v", n, calls, err)
	}
}

func TestRetryAfterHeader(t *testing.T) {
	cases := map[string]time.Duration{
		"":                              0,
		"5":                             5 * time.Second,
		"-1":                            0,
		"soon":                          0,
		"Fri, 14 Mar 2025 09:30:30 GMT": 30 * time.Second,
		"Fri, 14 Mar 2025 09:29:00 GMT": 0,
	}
	for v, want := range cases {
		if got := channels.RetryAfter(http.Header{"Retry-After": {v}}, now); got != want {
			t.Errorf("Retry-After %q = %v, want %v", v, got, want)
		}
	}
}
