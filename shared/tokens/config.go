package tokens

import (
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/concierge-cx/concierge/shared/outbound"
	"github.com/concierge-cx/concierge/shared/stage"
)

// Config says where the Zalo token pair lives: the Secrets Manager secret
// the stack makes for it (AWS), or a file (the local stack has no Secrets
// Manager). With neither, senders use ZALO_OA_ACCESS_TOKEN as it is.
type Config struct {
	SecretARN string `env:"ZALO_TOKEN_SECRET_ARN"`
	File      string `env:"ZALO_TOKEN_FILE"`
}

// Vault is the configured vault, nil when there is none.
func (c Config) Vault(awsCfg aws.Config) Vault {
	switch {
	case c.SecretARN != "":
		return SecretsManager{API: secretsmanager.NewFromConfig(awsCfg), SecretID: c.SecretARN}
	case c.File != "":
		return File{Path: c.File}
	}
	return nil
}

// SenderOption makes a Dispatcher read the Zalo access token from the
// vault (cached a minute); without a vault it changes nothing.
func (c Config) SenderOption(awsCfg aws.Config) outbound.Option {
	v := c.Vault(awsCfg)
	if v == nil {
		return func(*outbound.Dispatcher) {}
	}
	return outbound.WithZaloToken(&Cached{Vault: v})
}

// FunctionConfig is the tokens function's environment.
type FunctionConfig struct {
	stage.Settings
	Tokens Config
	// The Zalo app whose OA tokens are renewed: its id and its secret key
	// (the app's "Khóa bí mật", not the OA secret key webhooks are signed with).
	ZaloAppID     string        `env:"ZALO_APP_ID"`
	ZaloAppSecret string        `env:"ZALO_APP_SECRET" secret:"true"`
	ZaloOAuthBase string        `env:"ZALO_OAUTH_BASE" default:"https://oauth.zaloapp.com"`
	RenewBefore   time.Duration `env:"ZALO_TOKEN_RENEW_BEFORE" default:"12h"`
}

// Endpoint is Zalo's token endpoint for the configured app.
func (c FunctionConfig) Endpoint() ZaloOAuth {
	return ZaloOAuth{Base: c.ZaloOAuthBase, AppID: c.ZaloAppID, SecretKey: c.ZaloAppSecret, HTTP: &http.Client{Timeout: 10 * time.Second}}
}

// FunctionTimeout bounds one run; the lease outlasts it.
const FunctionTimeout = 30 * time.Second
