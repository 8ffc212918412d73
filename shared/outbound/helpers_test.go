package outbound

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/channels"
)

// now is the fixed clock of every test.
var now = time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)

// captured is one request a provider test server received.
type captured struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   []byte
}

// reply is one canned provider answer.
type reply struct {
	status int
	header map[string]string
	body   string
}

// provider is an httptest server that records requests and answers them with
// replies in order, repeating the last.
type provider struct {
	*httptest.Server
	mu      sync.Mutex
	reqs    []captured
	replies []reply
}

func newProvider(t *testing.T, replies ...reply) *provider {
	t.Helper()
	p := &provider{replies: replies}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		p.reqs = append(p.reqs, captured{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Body: body})
		i := len(p.reqs) - 1
		if i >= len(p.replies) {
			i = len(p.replies) - 1
		}
		rep := p.replies[i]
		p.mu.Unlock()
		for k, v := range rep.header {
			w.Header().Set(k, v)
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(rep.status)
		_, _ = io.WriteString(w, rep.body)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *provider) requests() []captured {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]captured(nil), p.reqs...)
}

// only returns the single request the server received.
func (p *provider) only(t *testing.T) captured {
	t.Helper()
	reqs := p.requests()
	if len(reqs) != 1 {
		t.Fatalf("provider received %d requests, want 1", len(reqs))
	}
	return reqs[0]
}

// harness is a Dispatcher whose waits and logs are recorded.
type harness struct {
	*Dispatcher
	waits []time.Duration
	logs  bytes.Buffer
}

func newHarness(cfg Config) *harness {
	h := &harness{}
	policy := channels.DefaultPolicy
	policy.Sleep = func(_ context.Context, d time.Duration) error {
		h.waits = append(h.waits, d)
		return nil
	}
	h.Dispatcher = New(cfg, &http.Client{Timeout: 5 * time.Second}, nil,
		WithPolicy(policy),
		WithClock(func() time.Time { return now }),
		WithLogger(slog.New(slog.NewJSONHandler(&h.logs, nil))))
	return h
}
