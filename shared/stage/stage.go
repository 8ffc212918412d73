// Package stage holds the settings every function of one deployment stage
// shares: its table, region, name, the business it answers for and the
// defaults a new team or agent starts from. Each function's config embeds
// Settings, so these names are declared here once and the CDK stack and the
// local stack give every function the same values.
package stage

import "github.com/concierge-cx/concierge/shared/envconfig"

// Settings is the part of every function's environment that is the same for
// all of them.
type Settings struct {
	TableName string `env:"TABLE_NAME" required:"true"`
	// Region is set by Lambda itself (the stack never sets it); locally by
	// the dev stack.
	Region string `env:"AWS_REGION"`
	// Name is the stage (dev, prod...): the stack's -c stage.
	Name         string `env:"STAGE" default:"dev"`
	BusinessName string `env:"BUSINESS_NAME"`
	// DefaultPhoneRegion reads national phone numbers (0912 345 678 in VN).
	DefaultPhoneRegion string `env:"DEFAULT_PHONE_REGION" default:"VN"`
	// DefaultTeam is the queue of a conversation nothing else assigns a team.
	DefaultTeam string `env:"DEFAULT_TEAM" default:"support"`
	// DefaultLanguages are the languages a new team or agent starts with.
	DefaultLanguages []string `env:"DEFAULT_LANGUAGES" default:"vi,en"`
	// TimeZone is the business's zone: due times in notifications and the
	// default team's business hours.
	TimeZone string `env:"TIME_ZONE" default:"Asia/Ho_Chi_Minh"`
	// OptOutKeywords are words that, sent alone, opt a customer out of
	// proactive messages on the channel, besides the built-in STOP, HỦY,
	// "huy dang ky", "ngừng nhận tin" (shared/consent).
	OptOutKeywords []string `env:"OPT_OUT_KEYWORDS"`
	// WinbackSingleOrderDays is when a valuable customer who bought once
	// counts as lapsed (shared/winback).
	WinbackSingleOrderDays int `env:"WINBACK_SINGLE_ORDER_DAYS" default:"90"`
	// KeyShards spreads the keys every conversation would otherwise write
	// (the SLA index, the metrics days) over this many partitions, so none
	// reaches a partition's 1,000 write units a second (docs/table-design.md).
	// Every function of a stage must use the same value; only ever raise it.
	KeyShards int `env:"KEY_SHARDS" default:"16"`
}

// Defaults are the settings when nothing is set, read from the tags above
// (so code that needs a fallback, such as the default team, has no copy).
func Defaults() Settings {
	var s Settings
	envconfig.Defaults(&s)
	return s
}

// DefaultTeam is Defaults().DefaultTeam.
var DefaultTeam = Defaults().DefaultTeam
