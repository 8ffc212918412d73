package tokens_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/testenv"
	"github.com/concierge-cx/concierge/shared/tokens"
)

const (
	appID     = "4291763606161179100"
	secretKey = "zalo-app-secret-key"
)

// zaloOAuth speaks POST /v4/oa/access_token as Zalo documents it and, like
// Zalo, accepts each refresh token once: a second use is refused.
type zaloOAuth struct {
	*httptest.Server
	mu      sync.Mutex
	valid   map[string]bool // refresh tokens not yet spent
	issued  int
	calls   int
	refused int
	down    bool
}

func newZalo(t *testing.T, first string) *zaloOAuth {
	z := &zaloOAuth{valid: map[string]bool{first: true}}
	z.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		z.mu.Lock()
		defer z.mu.Unlock()
		z.calls++
		w.Header().Set("Content-Type", "application/json")
		if z.down {
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, `<html>502 Bad Gateway</html>`)
			return
		}
		_ = r.ParseForm()
		if r.Method != http.MethodPost || r.URL.Path != "/v4/oa/access_token" || r.Header.Get("secret_key") != secretKey ||
			r.PostForm.Get("app_id") != appID || r.PostForm.Get("grant_type") != "refresh_token" ||
			!strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			_, _ = io.WriteString(w, `{"error":-14002,"error_name":"Invalid app_id or secret key","error_description":"invalid request"}`)
			return
		}
		rt := r.PostForm.Get("refresh_token")
		if !z.valid[rt] {
			z.refused++
			_, _ = io.WriteString(w, `{"error":-14014,"error_name":"Invalid refresh token","error_description":"Refresh token is invalid or used"}`)
			return
		}
		delete(z.valid, rt)
		z.issued++
		next := fmt.Sprintf("refresh-%d", z.issued)
		z.valid[next] = true
		fmt.Fprintf(w, `{"access_token":"access-%d","refresh_token":"%s","expires_in":"90000"}`, z.issued, next)
	}))
	t.Cleanup(z.Close)
	return z
}

func (z *zaloOAuth) counts() (calls, issued, refused int) {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.calls, z.issued, z.refused
}

// clock is a controllable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// syncBuffer is a metrics sink several runs write to at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// metrics counts the EMF lines written per metric name.
func (s *syncBuffer) metrics(t *testing.T) map[string]int {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	got := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		if line == "" {
			continue
		}
		var m struct {
			AWS struct {
				CloudWatchMetrics []struct {
					Namespace string
					Metrics   []struct{ Name string }
				}
			} `json:"_aws"`
		}
		if err := json.Unmarshal([]byte(line), &m); err != nil || len(m.AWS.CloudWatchMetrics) != 1 || m.AWS.CloudWatchMetrics[0].Namespace != "Concierge" {
			t.Fatalf("not an EMF line: %s", line)
		}
		got[m.AWS.CloudWatchMetrics[0].Metrics[0].Name]++
	}
	return got
}

type fixture struct {
	vault   tokens.File
	zalo    *zaloOAuth
	clock   *clock
	metrics *syncBuffer
	leases  *store.Store
}

var start = time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db, table := testenv.NewTable(t)
	c := &clock{t: start}
	f := &fixture{
		vault: tokens.File{Path: filepath.Join(t.TempDir(), "zalo-tokens.json")},
		zalo:  newZalo(t, "refresh-0"), clock: c, metrics: &syncBuffer{},
		// The lease expires by the same controllable clock.
		leases: store.New(db, table, store.WithClock(c.now)),
	}
	// Authorized an hour ago: the access token has 24 hours left.
	if err := f.vault.Save(context.Background(), tokens.Pair{
		AccessToken: "access-0", RefreshToken: "refresh-0",
		AccessExpiresAt: start.Add(24 * time.Hour), RefreshExpiresAt: start.Add(89 * 24 * time.Hour),
	}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) refresher() *tokens.Refresher {
	return &tokens.Refresher{
		Vault: f.vault, Leases: f.leases, Now: f.clock.now, Metrics: f.metrics,
		Endpoint: tokens.ZaloOAuth{Base: f.zalo.URL, AppID: appID, SecretKey: secretKey, HTTP: &http.Client{Timeout: 5 * time.Second}},
		Log:      slog.New(slog.NewJSONHandler(io.Discard, nil)),
	}
}

func (f *fixture) pair(t *testing.T) tokens.Pair {
	t.Helper()
	p, err := f.vault.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTheAccessTokenIsRenewedWellBeforeItExpires(t *testing.T) {
	f := newFixture(t)
	r := f.refresher()
	sender := &tokens.Cached{Vault: f.vault, Now: f.clock.now}

	// 24 h left: not due.
	if out, err := r.Run(context.Background()); err != nil || out != tokens.Fresh {
		t.Fatalf("run at 24 h left: %s %v", out, err)
	}
	// 12 h 15 m left (the schedule runs every 15 minutes): still not due.
	f.clock.add(11*time.Hour + 45*time.Minute)
	if out, err := r.Run(context.Background()); err != nil || out != tokens.Fresh {
		t.Fatalf("run at 12 h 15 m left: %s %v", out, err)
	}
	// 12 h left: renewed, half a day before replies would stop.
	f.clock.add(15 * time.Minute)
	if tok, _ := sender.AccessToken(context.Background()); tok != "access-0" {
		t.Fatalf("sender reads %q", tok)
	}
	if out, err := r.Run(context.Background()); err != nil || out != tokens.Renewed {
		t.Fatalf("run at 12 h left: %s %v", out, err)
	}
	p := f.pair(t)
	if p.AccessToken != "access-1" || p.RefreshToken != "refresh-1" || !p.AccessExpiresAt.Equal(f.clock.now().Add(25*time.Hour)) ||
		!p.RefreshExpiresAt.Equal(f.clock.now().Add(tokens.RefreshLifetime)) {
		t.Fatalf("stored pair %+v", p)
	}
	// The sender's cached token is read again within its minute.
	if tok, _ := sender.AccessToken(context.Background()); tok != "access-0" {
		t.Fatalf("sender re-read before its TTL: %q", tok)
	}
	f.clock.add(time.Minute)
	if tok, _ := sender.AccessToken(context.Background()); tok != "access-1" {
		t.Fatalf("sender reads %q after the renewal", tok)
	}
	// The next renewal comes 13 hours later, with the new refresh token.
	f.clock.add(13 * time.Hour)
	if out, err := r.Run(context.Background()); err != nil || out != tokens.Renewed {
		t.Fatalf("second renewal: %s %v", out, err)
	}
	if calls, issued, refused := f.zalo.counts(); calls != 2 || issued != 2 || refused != 0 {
		t.Fatalf("endpoint calls %d issued %d refused %d", calls, issued, refused)
	}
	if m := f.metrics.metrics(t); len(m) != 0 {
		t.Fatalf("alarm metrics on healthy renewals: %v", m)
	}
}

func TestConcurrentRunsSpendTheRefreshTokenOnce(t *testing.T) {
	f := newFixture(t)
	f.clock.add(13 * time.Hour) // due
	const runs = 6
	outcomes := make([]tokens.Outcome, runs)
	errs := make([]error, runs)
	var ready, wg sync.WaitGroup
	gate := make(chan struct{})
	ready.Add(runs)
	for i := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := f.refresher()
			ready.Done()
			<-gate
			outcomes[i], errs[i] = r.Run(context.Background())
		}()
	}
	ready.Wait()
	close(gate)
	wg.Wait()
	renewed := 0
	for i := range runs {
		if errs[i] != nil {
			t.Fatalf("run %d: %v", i, errs[i])
		}
		if outcomes[i] == tokens.Renewed {
			renewed++
		} else if outcomes[i] != tokens.Busy && outcomes[i] != tokens.Fresh {
			t.Fatalf("run %d: %s", i, outcomes[i])
		}
	}
	calls, issued, refused := f.zalo.counts()
	if renewed != 1 || calls != 1 || issued != 1 || refused != 0 {
		t.Fatalf("renewed %d, endpoint calls %d issued %d refused %d: the refresh token was spent more than once", renewed, calls, issued, refused)
	}
	if p := f.pair(t); p.RefreshToken != "refresh-1" || p.AccessToken != "access-1" {
		t.Fatalf("stored pair %+v", p)
	}
	if m := f.metrics.metrics(t); len(m) != 0 {
		t.Fatalf("alarm metrics: %v", m)
	}
}

func TestAFailedRenewalRaisesTheAlarmMetricAndKeepsThePair(t *testing.T) {
	f := newFixture(t)
	f.clock.add(13 * time.Hour)
	f.zalo.down = true
	if _, err := f.refresher().Run(context.Background()); err == nil {
		t.Fatal("a failed renewal reported no error")
	}
	if m := f.metrics.metrics(t); m[tokens.RefreshFailureMetric] != 1 {
		t.Fatalf("metrics %v, want one %s", m, tokens.RefreshFailureMetric)
	}
	if p := f.pair(t); p.RefreshToken != "refresh-0" || p.AccessToken != "access-0" {
		t.Fatalf("pair changed by a failed renewal: %+v", p)
	}
	// The lease was given back: the next run (Zalo back) renews at once.
	f.zalo.down = false
	f.clock.add(15 * time.Minute)
	if out, err := f.refresher().Run(context.Background()); err != nil || out != tokens.Renewed {
		t.Fatalf("run after the outage: %s %v", out, err)
	}
}

func TestARefusedRefreshTokenRaisesTheAlarmMetric(t *testing.T) {
	f := newFixture(t)
	f.clock.add(13 * time.Hour)
	// Someone spent the token outside Concierge (a script, a second deployment).
	f.zalo.mu.Lock()
	delete(f.zalo.valid, "refresh-0")
	f.zalo.mu.Unlock()
	_, err := f.refresher().Run(context.Background())
	var refused *tokens.RefusedError
	if !errors.As(err, &refused) || refused.Code != -14014 {
		t.Fatalf("err %v, want Zalo's refusal", err)
	}
	if m := f.metrics.metrics(t); m[tokens.RefreshFailureMetric] != 1 {
		t.Fatalf("metrics %v", m)
	}
}

func TestATokenWithinADayOfExpiryRaisesTheAlarmMetric(t *testing.T) {
	f := newFixture(t)
	// Renewals have failed since: the access token has 5 hours left.
	f.clock.add(19 * time.Hour)
	f.zalo.down = true
	_, _ = f.refresher().Run(context.Background())
	if m := f.metrics.metrics(t); m[tokens.ExpiringMetric] != 1 || m[tokens.RefreshFailureMetric] != 1 {
		t.Fatalf("metrics %v", m)
	}

	// A refresh token stored 89 days ago and never renewed has under a day left.
	g := newFixture(t)
	if err := g.vault.Save(context.Background(), tokens.Pair{AccessToken: "a", RefreshToken: "refresh-0",
		AccessExpiresAt: start.Add(20 * time.Hour), RefreshExpiresAt: start.Add(20 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if out, err := g.refresher().Run(context.Background()); err != nil || out != tokens.Fresh {
		t.Fatalf("%s %v", out, err)
	}
	if m := g.metrics.metrics(t); m[tokens.ExpiringMetric] != 1 {
		t.Fatalf("metrics %v", m)
	}
}
