package stack

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"

	"github.com/concierge-cx/concierge/shared/queue"
)

// Config is one stage's configuration, read from CDK context (`-c key=value`
// or cdk.json). Nothing here is looked up in an AWS account: synth is offline.
type Config struct {
	// Stage names the stack (Concierge-<stage>) and tags every resource.
	Stage string
	// Ephemeral relaxes deletion protection and RETAIN on the table, the user
	// pool, the secret, the mail bucket and log groups (throw-away stages).
	Ephemeral bool
	// AssetDir holds one folder per function with its built `bootstrap`.
	AssetDir string
	// DomainName and CertificateARN set an optional custom domain on the API
	// (a regional ACM certificate in the stack's region).
	DomainName     string
	CertificateARN string
	// Recipients are the addresses or domains SES receives mail for (and
	// the email function's SUPPORT_ADDRESSES).
	Recipients []string
	// Email is "true", "false" or "" (receive mail when Recipients and
	// REPLY_DOMAIN are both given).
	Email string
	// ConsoleOrigin, when set, is the agents' console origin on a custom
	// domain (https://console.shop.vn): the one origin the API allows by
	// CORS and the hosted UI redirects to. Unset, it is the CloudFront URL.
	ConsoleOrigin string
	// ConsoleCertificateARN is the ACM certificate (us-east-1) CloudFront
	// serves ConsoleOrigin's host with; without it the distribution keeps
	// its cloudfront.net name and something else must front the custom domain.
	ConsoleCertificateARN string
	// ConsoleDist is the built console (console/dist); missing, the stack
	// deploys a placeholder page and says so.
	ConsoleDist string
	// AuthDomainPrefix is the Cognito hosted UI's domain prefix
	// (<prefix>.auth.<region>.amazoncognito.com); default
	// concierge-<stage>-<account id>, unique per account, region and stage.
	AuthDomainPrefix string
	// AlarmEmail, when set, is subscribed to the alarm topic.
	AlarmEmail string
	// Connect enables the Amazon Connect contact-event rule; ConnectInstanceARN
	// narrows it to one instance.
	Connect            bool
	ConnectInstanceARN string
	// LogRetentionDays applies to function and access logs; MailRetentionDays
	// to raw inbound mail in the bucket.
	LogRetentionDays  int
	MailRetentionDays int
	// ThrottleRate (requests/s) and ThrottleBurst limit the HTTP API stage.
	ThrottleRate  int
	ThrottleBurst int
	// ReservedConcurrency applies the functions' reserved concurrency. Off
	// by default: a new account's quota (10) leaves nothing to reserve.
	ReservedConcurrency bool
	// LaneConcurrency raises or lowers a routing lane consumer's maximum
	// concurrency (its event source mapping, 2-1000) by lane key (urgent,
	// normal), from the context key <lane>LaneConcurrency; unset, the
	// function's entry decides (Function.MaxConcurrency).
	LaneConcurrency map[string]int
	// Settings are plain (non-secret) function settings by environment name
	// (BUSINESS_NAME, ZALO_APP_ID...), from context keys of the same name.
	Settings map[string]string
}

// Context keys the stack reads. Function settings are read by their
// environment names in addition to these.
const (
	CtxStage               = "stage"
	CtxEphemeral           = "ephemeral"
	CtxAssets              = "assets"
	CtxDomainName          = "domainName"
	CtxCertificateARN      = "certificateArn"
	CtxRecipients          = "recipients"
	CtxEmail               = "email"
	CtxConsoleOrigin       = "consoleOrigin"
	CtxConsoleCertificate  = "consoleCertificateArn"
	CtxConsoleDist         = "consoleDist"
	CtxAuthDomainPrefix    = "authDomainPrefix"
	CtxAlarmEmail          = "alarmEmail"
	CtxConnect             = "connect"
	CtxConnectInstanceARN  = "connectInstanceArn"
	CtxLogRetentionDays    = "logRetentionDays"
	CtxMailRetentionDays   = "mailRetentionDays"
	CtxThrottleRate        = "throttleRate"
	CtxThrottleBurst       = "throttleBurst"
	CtxReservedConcurrency = "reservedConcurrency"
	// CtxLaneConcurrencySuffix follows a lane's key: urgentLaneConcurrency,
	// normalLaneConcurrency.
	CtxLaneConcurrencySuffix = "LaneConcurrency"
)

// ConfigFromContext reads the stage configuration. settingNames are the
// environment names whose values may come from context (see SettingNames).
func ConfigFromContext(node constructs.Node, settingNames []string) (Config, error) {
	get := func(key string) string {
		v := node.TryGetContext(&key)
		if v == nil {
			return ""
		}
		return strings.TrimSpace(fmt.Sprint(v))
	}
	cfg := Config{
		Stage:                 get(CtxStage),
		AssetDir:              get(CtxAssets),
		DomainName:            get(CtxDomainName),
		CertificateARN:        get(CtxCertificateARN),
		AlarmEmail:            get(CtxAlarmEmail),
		ConnectInstanceARN:    get(CtxConnectInstanceARN),
		ConsoleOrigin:         strings.TrimSuffix(get(CtxConsoleOrigin), "/"),
		ConsoleCertificateARN: get(CtxConsoleCertificate),
		ConsoleDist:           get(CtxConsoleDist),
		AuthDomainPrefix:      get(CtxAuthDomainPrefix),
		Settings:              map[string]string{},
	}
	var problems []string
	boolean := func(key string) bool {
		s := get(key)
		if s == "" {
			return false
		}
		b, err := strconv.ParseBool(s)
		if err != nil {
			problems = append(problems, fmt.Sprintf("context %s: not a boolean: %q", key, s))
		}
		return b
	}
	number := func(key string, def int) int {
		s := get(key)
		if s == "" {
			return def
		}
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			problems = append(problems, fmt.Sprintf("context %s: not a positive integer: %q", key, s))
		}
		return n
	}
	cfg.Ephemeral = boolean(CtxEphemeral)
	cfg.Connect = boolean(CtxConnect)
	cfg.ReservedConcurrency = boolean(CtxReservedConcurrency)
	if get(CtxEmail) != "" {
		cfg.Email = strconv.FormatBool(boolean(CtxEmail))
	}
	cfg.LogRetentionDays = number(CtxLogRetentionDays, 90)
	cfg.MailRetentionDays = number(CtxMailRetentionDays, 365)
	cfg.ThrottleRate = number(CtxThrottleRate, 50)
	cfg.ThrottleBurst = number(CtxThrottleBurst, 100)
	cfg.LaneConcurrency = map[string]int{}
	for _, l := range queue.Lanes() {
		key := l.Key + CtxLaneConcurrencySuffix
		if n := number(key, 0); n != 0 {
			if n < 2 || n > 1000 {
				problems = append(problems, fmt.Sprintf("context %s: a lane's maximum concurrency is 2-1000, not %d", key, n))
			}
			cfg.LaneConcurrency[l.Key] = n
		}
	}
	if cfg.Stage == "" {
		cfg.Stage = "dev"
	}
	if cfg.AssetDir == "" {
		cfg.AssetDir = filepath.Join("..", ".local", "build")
	}
	if cfg.ConsoleDist == "" {
		// cdk runs the app in infra/ (cdk.json).
		cfg.ConsoleDist = filepath.Join("..", "console", "dist")
	}
	for _, r := range strings.Split(get(CtxRecipients), ",") {
		if r = strings.TrimSpace(r); r != "" {
			cfg.Recipients = append(cfg.Recipients, r)
		}
	}
	for _, name := range settingNames {
		if v := get(name); v != "" {
			cfg.Settings[name] = v
		}
	}
	if len(problems) > 0 {
		return Config{}, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return cfg, nil
}
