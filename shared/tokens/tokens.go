// Package tokens keeps the Zalo Official Account's tokens current. An OA
// access token lasts about 25 hours and is renewed with a refresh token
// that is valid about three months and can be used only once: each renewal
// answers a new pair. So every Zalo reply stops on the second day unless
// something renews them, and two renewals racing with one refresh token
// would lose the pair for good (the loser's token is spent).
//
// The pair lives in a Vault (Secrets Manager in AWS; a file locally). A
// scheduled Refresher renews the access token well before it expires
// under a lease (a conditional write in the table), re-reading the pair
// once it holds the lease, so two concurrent runs never spend the refresh
// token twice. Senders read the current access token through Cached. A
// failed renewal, and a token within a day of expiry, write CloudWatch
// Embedded Metric Format lines the stack alarms on.
//
// Zalo's documentation ("Xác thực và ủy quyền cho ứng dụng", developers.zalo.me
// /docs/official-account/bat-dau/xac-thuc-va-uy-quyen-cho-ung-dung-new):
// POST https://oauth.zaloapp.com/v4/oa/access_token, Content-Type
// application/x-www-form-urlencoded, header secret_key = the app's secret
// key, body refresh_token, app_id, grant_type=refresh_token; it answers
// {"access_token", "refresh_token", "expires_in"} (expires_in in seconds,
// sent as a string) or {"error": <negative code>, "error_name",
// "error_description"}. Access token: 25 hours; refresh token: 3 months,
// single use ("Refresh token chỉ có thể sử dụng 1 lần. Và có hiệu lực 3
// tháng", hexasync.vn/zalo-oa-api-huong-dan-cach-lay-access-token-tu-refresh-token,
// which walks through the same request).
package tokens

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Pair is the OA's token pair and when each half expires.
type Pair struct {
	AccessToken      string    `json:"accessToken"`
	RefreshToken     string    `json:"refreshToken"`
	AccessExpiresAt  time.Time `json:"accessExpiresAt"`
	RefreshExpiresAt time.Time `json:"refreshExpiresAt"`
	RefreshedAt      time.Time `json:"refreshedAt,omitzero"`
}

// Vault keeps the pair.
type Vault interface {
	Load(ctx context.Context) (Pair, error)
	Save(ctx context.Context, p Pair) error
}

// SecretsAPI is the part of Secrets Manager the vault uses.
type SecretsAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
	PutSecretValue(ctx context.Context, in *secretsmanager.PutSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error)
}

// SecretsManager keeps the pair as the JSON value of one secret (its own,
// apart from the read-only provider secret: this one is rewritten daily).
type SecretsManager struct {
	API      SecretsAPI
	SecretID string
}

// Load reads the secret's current value.
func (v SecretsManager) Load(ctx context.Context) (Pair, error) {
	out, err := v.API.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(v.SecretID)})
	if err != nil {
		return Pair{}, fmt.Errorf("tokens: read the Zalo token secret: %w", err)
	}
	return decode([]byte(aws.ToString(out.SecretString)))
}

// Save writes a new version of the secret.
func (v SecretsManager) Save(ctx context.Context, p Pair) error {
	b, _ := json.Marshal(p)
	_, err := v.API.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(v.SecretID), SecretString: aws.String(string(b))})
	if err != nil {
		return fmt.Errorf("tokens: write the Zalo token secret: %w", err)
	}
	return nil
}

// File keeps the pair in a JSON file: the local stack's vault (it has no
// Secrets Manager). Writes replace the file atomically, readable by its
// owner only.
type File struct{ Path string }

// Load reads the file; a missing file is an empty pair (nothing configured).
func (f File) Load(context.Context) (Pair, error) {
	b, err := os.ReadFile(f.Path)
	if errors.Is(err, os.ErrNotExist) {
		return Pair{}, nil
	}
	if err != nil {
		return Pair{}, fmt.Errorf("tokens: read %s: %w", f.Path, err)
	}
	return decode(b)
}

// Save writes the file through a temporary file and a rename, so a reader
// never sees half a pair.
func (f File) Save(_ context.Context, p Pair) error {
	b, _ := json.MarshalIndent(p, "", "  ")
	tmp, err := os.CreateTemp(filepath.Dir(f.Path), ".zalo-tokens-*")
	if err != nil {
		return fmt.Errorf("tokens: write %s: %w", f.Path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("tokens: write %s: %w", f.Path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("tokens: write %s: %w", f.Path, err)
	}
	if err := os.Rename(tmp.Name(), f.Path); err != nil {
		return fmt.Errorf("tokens: write %s: %w", f.Path, err)
	}
	return nil
}

func decode(b []byte) (Pair, error) {
	var p Pair
	if len(b) == 0 {
		return p, nil
	}
	if err := json.Unmarshal(b, &p); err != nil {
		// Never echo the value: it holds tokens.
		return Pair{}, errors.New("tokens: the Zalo token store does not hold a JSON token pair")
	}
	return p, nil
}

// Cached gives senders the current access token, read from the vault at
// most once per TTL (a minute by default) per process, so a renewal reaches
// every warm function within a minute while a send costs no vault read.
type Cached struct {
	Vault Vault
	TTL   time.Duration
	Now   func() time.Time

	mu     sync.Mutex
	token  string
	readAt time.Time
}

// AccessToken is the current access token (outbound.TokenSource).
func (c *Cached) AccessToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if c.Now != nil {
		now = c.Now()
	}
	ttl := c.TTL
	if ttl <= 0 {
		ttl = time.Minute
	}
	if c.token != "" && now.Sub(c.readAt) < ttl {
		return c.token, nil
	}
	p, err := c.Vault.Load(ctx)
	if err != nil {
		if c.token != "" {
			// The vault is unreachable: the token in hand is still the
			// best guess (it lasts a day; renewals start half a day early).
			return c.token, nil
		}
		return "", err
	}
	c.token, c.readAt = p.AccessToken, now
	return c.token, nil
}

// Metric names (namespace Concierge) the stack alarms on.
const (
	RefreshFailureMetric = "ZaloTokenRefreshFailures"
	ExpiringMetric       = "ZaloTokenExpiringSoon"
)

func emit(w io.Writer, now time.Time, metric string) {
	if w == nil {
		w = os.Stdout
	}
	line, _ := json.Marshal(map[string]any{
		"_aws": map[string]any{
			"Timestamp": now.UnixMilli(),
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace": "Concierge", "Dimensions": [][]string{{}},
				"Metrics": []any{map[string]string{"Name": metric, "Unit": "Count"}},
			}},
		},
		metric: 1,
	})
	fmt.Fprintln(w, string(line))
}

func logger(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return slog.Default()
}
