package outbound

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/concierge-cx/concierge/shared/channels"
)

// TokenSource gives the current access token of a provider whose token
// expires and is renewed elsewhere (Zalo OA: shared/tokens).
type TokenSource interface {
	AccessToken(ctx context.Context) (string, error)
}

// WithZaloToken makes Zalo sends read the OA access token from src (the
// token the scheduled refresh keeps current) instead of ZALO_OA_ACCESS_TOKEN.
func WithZaloToken(src TokenSource) Option { return func(r *Dispatcher) { r.zaloToken = src } }

func (r *Dispatcher) zaloAccessToken(ctx context.Context) (string, error) {
	if r.zaloToken == nil {
		return r.cfg.ZaloOAAccessToken, nil
	}
	tok, err := r.zaloToken.AccessToken(ctx)
	if err != nil {
		// The store of the token is unreachable: a retry may find it.
		return "", &channels.Error{Provider: ProviderZalo, Temporary: true, Message: "the Zalo OA access token cannot be read", Err: err}
	}
	if tok == "" {
		// No pair stored yet: the static token, if any, still works.
		tok = r.cfg.ZaloOAAccessToken
	}
	if tok == "" {
		return "", &channels.Error{Provider: ProviderZalo, Message: "no Zalo OA access token: store the OA's token pair (see README, Zalo tokens)"}
	}
	return tok, nil
}

// AuthFailures counts a provider's refusals of our credentials.
type AuthFailures interface {
	AuthFailed(provider string)
}

// WithAuthAlarm sends authorization failures to a (AuthAlarm on stdout
// otherwise).
func WithAuthAlarm(a AuthFailures) Option { return func(r *Dispatcher) { r.auth = a } }

// AuthFailureMetric counts answers in which a provider refused our token
// (namespace Concierge, dimension Provider): a revoked Meta token, a
// Telegram bot token reset in BotFather. The stack alarms on any.
const AuthFailureMetric = "ProviderAuthFailures"

// AuthAlarm writes one CloudWatch Embedded Metric Format line per failure.
type AuthAlarm struct {
	W   io.Writer // nil: stdout, as in Lambda
	Now func() time.Time
}

// AuthFailed records one refusal of provider's credentials.
func (a AuthAlarm) AuthFailed(provider string) {
	w := a.W
	if w == nil {
		w = os.Stdout
	}
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	line, _ := json.Marshal(map[string]any{
		"_aws": map[string]any{
			"Timestamp": now().UnixMilli(),
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace": "Concierge", "Dimensions": [][]string{{"Provider"}},
				"Metrics": []any{map[string]string{"Name": AuthFailureMetric, "Unit": "Count"}},
			}},
		},
		"Provider":        provider,
		AuthFailureMetric: 1,
	})
	fmt.Fprintln(w, string(line))
}

// IsAuthFailure says whether err is a provider refusing our credentials:
// HTTP 401 or 403 (Telegram answers 401 Unauthorized to a wrong bot token,
// and 403 only to a user who blocked the bot), or Meta's error code 190,
// OAuthException "access token has expired or is invalid"
// (developers.facebook.com/docs/graph-api/guides/error-handling), which
// Graph may send with HTTP 400.
func IsAuthFailure(provider string, err error) bool {
	var ce *channels.Error
	if !errors.As(err, &ce) {
		return false
	}
	if ce.Status == 401 {
		return true
	}
	if ce.Status == 403 {
		// Telegram's 403 is a user who blocked the bot, not our token.
		return provider != ProviderTelegram
	}
	// Meta's code may carry a subcode: "190/463" (expired), "190/460".
	return provider == ProviderMeta && (ce.Code == "190" || strings.HasPrefix(ce.Code, "190/"))
}

func (r *Dispatcher) noteAuth(provider string, err error) {
	if err == nil || !IsAuthFailure(provider, err) {
		return
	}
	a := r.auth
	if a == nil {
		a = AuthAlarm{}
	}
	a.AuthFailed(provider)
	r.log.Error("provider refused our credentials", "provider", provider)
}
