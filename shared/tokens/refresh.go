package tokens

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/concierge-cx/concierge/shared/store"
)

// Grant is what the token endpoint answers.
type Grant struct {
	AccessToken  string
	RefreshToken string
	ExpiresIn    time.Duration
}

// Endpoint renews a token pair with its refresh token.
type Endpoint interface {
	Refresh(ctx context.Context, refreshToken string) (Grant, error)
}

// ZaloOAuth is Zalo's OA token endpoint (see the package comment).
type ZaloOAuth struct {
	Base      string // https://oauth.zaloapp.com; a sandbox in tests
	AppID     string
	SecretKey string
	HTTP      *http.Client
}

// RefusedError is the endpoint refusing the refresh token (spent, expired,
// revoked): only re-authorizing the OA in Zalo's console mends it.
type RefusedError struct {
	Code    int
	Message string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("zalo refused the refresh token: error %d %s", e.Code, e.Message)
}

// Refresh spends refreshToken for a new pair.
func (z ZaloOAuth) Refresh(ctx context.Context, refreshToken string) (Grant, error) {
	form := url.Values{"refresh_token": {refreshToken}, "app_id": {z.AppID}, "grant_type": {"refresh_token"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(z.Base, "/")+"/v4/oa/access_token", strings.NewReader(form.Encode()))
	if err != nil {
		return Grant{}, errors.New("zalo token endpoint: cannot build the request: check ZALO_OAUTH_BASE")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("secret_key", z.SecretKey)
	c := z.HTTP
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return Grant{}, fmt.Errorf("zalo token endpoint: no response: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return Grant{}, fmt.Errorf("zalo token endpoint: answer cut short: %w", err)
	}
	var out struct {
		AccessToken  string          `json:"access_token"`
		RefreshToken string          `json:"refresh_token"`
		ExpiresIn    json.RawMessage `json:"expires_in"`
		Error        int             `json:"error"`
		ErrorName    string          `json:"error_name"`
		ErrorDesc    string          `json:"error_description"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return Grant{}, fmt.Errorf("zalo token endpoint: HTTP %d, unreadable answer", resp.StatusCode)
	}
	if out.Error != 0 {
		return Grant{}, &RefusedError{Code: out.Error, Message: strings.TrimSpace(out.ErrorName + " " + out.ErrorDesc)}
	}
	if resp.StatusCode != http.StatusOK || out.AccessToken == "" || out.RefreshToken == "" {
		return Grant{}, fmt.Errorf("zalo token endpoint: HTTP %d without a token pair", resp.StatusCode)
	}
	// expires_in comes as a string ("90000"); a number is taken too.
	secs, err := strconv.ParseInt(strings.Trim(string(out.ExpiresIn), `"`), 10, 64)
	if err != nil || secs <= 0 {
		secs = int64(AccessLifetime / time.Second)
	}
	return Grant{AccessToken: out.AccessToken, RefreshToken: out.RefreshToken, ExpiresIn: time.Duration(secs) * time.Second}, nil
}

// Documented lifetimes (see the package comment).
const (
	AccessLifetime  = 25 * time.Hour
	RefreshLifetime = 90 * 24 * time.Hour
)

// Leases is the table's lease (store.Store).
type Leases interface {
	AcquireLease(ctx context.Context, name string, ttl time.Duration) (store.Lease, bool, error)
	ReleaseLease(ctx context.Context, l store.Lease) error
}

// LeaseName names the refresh's lease item.
const LeaseName = "zalo-token-refresh"

// Refresher renews the pair before it expires.
type Refresher struct {
	Vault    Vault
	Leases   Leases
	Endpoint Endpoint
	Now      func() time.Time
	// RenewBefore: a renewal starts once the access token has less than
	// this left (12 hours: about every 13 hours, with half a day of runs to
	// retry in before replies stop).
	RenewBefore time.Duration
	// LeaseTTL must outlast one run (the function's timeout).
	LeaseTTL time.Duration
	Metrics  io.Writer // nil: stdout
	Log      *slog.Logger
}

// Outcome says what one run did.
type Outcome string

const (
	NotConfigured Outcome = "not-configured" // no pair in the vault
	Fresh         Outcome = "fresh"          // not due
	Busy          Outcome = "busy"           // another run holds the lease
	Renewed       Outcome = "renewed"
)

// Run renews the pair if it is due. It returns an error when a renewal
// failed (after writing the failure metric).
func (r *Refresher) Run(ctx context.Context) (Outcome, error) {
	now := r.now()
	p, err := r.Vault.Load(ctx)
	if err != nil {
		return r.fail(now, "", err)
	}
	if p.RefreshToken == "" {
		logger(r.Log).Info("zalo tokens not configured; nothing to renew")
		return NotConfigured, nil
	}
	r.checkExpiry(p, now)
	if !r.due(p, now) {
		return Fresh, nil
	}
	lease, held, err := r.Leases.AcquireLease(ctx, LeaseName, r.leaseTTL())
	if err != nil {
		return r.fail(now, "", err)
	}
	if !held {
		logger(r.Log).Info("zalo token renewal already running elsewhere")
		return Busy, nil
	}
	// Another run may have renewed between our read and our lease: read
	// again under the lease, or we would spend a refresh token it already
	// spent.
	if p, err = r.Vault.Load(ctx); err != nil {
		r.release(ctx, lease)
		return r.fail(now, "", err)
	}
	if !r.due(p, now) {
		r.release(ctx, lease)
		return Fresh, nil
	}
	g, err := r.Endpoint.Refresh(ctx, p.RefreshToken)
	if err != nil {
		r.release(ctx, lease)
		var refused *RefusedError
		if errors.As(err, &refused) {
			return r.fail(now, "the refresh token was refused: re-authorize the OA and store the new pair", err)
		}
		return r.fail(now, "", err)
	}
	next := Pair{
		AccessToken: g.AccessToken, RefreshToken: g.RefreshToken,
		AccessExpiresAt: now.Add(g.ExpiresIn), RefreshExpiresAt: now.Add(RefreshLifetime), RefreshedAt: now,
	}
	// The old refresh token is spent: the new pair exists only here until
	// saved, so the save is tried until the context ends.
	if err := r.save(ctx, next); err != nil {
		return r.fail(now, "a renewed pair could not be stored: re-authorize the OA", err)
	}
	// The lease is kept until it expires: a run that starts meanwhile
	// skips instead of reading a vault that may not show the new version
	// yet.
	logger(r.Log).Info("zalo tokens renewed", "accessExpiresAt", next.AccessExpiresAt)
	return Renewed, nil
}

func (r *Refresher) save(ctx context.Context, p Pair) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if err = r.Vault.Save(ctx, p); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(time.Duration(attempt+1) * 200 * time.Millisecond):
		}
	}
	return err
}

func (r *Refresher) due(p Pair, now time.Time) bool {
	return p.AccessToken == "" || !p.AccessExpiresAt.After(now.Add(r.renewBefore()))
}

// checkExpiry raises ExpiringMetric when the refresh token is within a day
// of expiry (renewals have failed for months, or the pair was stored with
// an old refresh token), or the access token is within a day of expiry
// and past the point it should have been renewed by (renewals failing).
func (r *Refresher) checkExpiry(p Pair, now time.Time) {
	day := now.Add(24 * time.Hour)
	refreshSoon := !p.RefreshExpiresAt.IsZero() && p.RefreshExpiresAt.Before(day)
	accessLate := !p.AccessExpiresAt.IsZero() && p.AccessExpiresAt.Before(day) && p.AccessExpiresAt.Before(now.Add(r.renewBefore()/2))
	if refreshSoon || accessLate {
		emit(r.Metrics, now, ExpiringMetric)
		logger(r.Log).Error("zalo token close to expiry", "accessExpiresAt", p.AccessExpiresAt, "refreshExpiresAt", p.RefreshExpiresAt)
	}
}

func (r *Refresher) fail(now time.Time, hint string, err error) (Outcome, error) {
	emit(r.Metrics, now, RefreshFailureMetric)
	logger(r.Log).Error("zalo token renewal failed", "error", err.Error(), "hint", hint)
	return "", err
}

func (r *Refresher) release(ctx context.Context, l store.Lease) {
	if err := r.Leases.ReleaseLease(ctx, l); err != nil {
		logger(r.Log).Warn("lease not released; it expires", "error", err.Error())
	}
}

func (r *Refresher) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Refresher) renewBefore() time.Duration {
	if r.RenewBefore > 0 {
		return r.RenewBefore
	}
	return 12 * time.Hour
}

func (r *Refresher) leaseTTL() time.Duration {
	if r.LeaseTTL > 0 {
		return r.LeaseTTL
	}
	return 2 * time.Minute
}
