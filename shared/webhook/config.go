// Package webhook is the webhooks function: one handler behind the HTTP API
// for every chat and phone provider. Each route verifies the provider's
// signature over the raw bytes, parses with the provider's adapter in
// shared/channels, and hands customer events to ingest and delivery statuses
// to the store.
package webhook

import (
	"github.com/concierge-cx/concierge/shared/loyalty"
	"github.com/concierge-cx/concierge/shared/notify"
	"github.com/concierge-cx/concierge/shared/stage"
	"github.com/concierge-cx/concierge/shared/voice"
)

// Config is the webhooks function's environment. A provider whose secret is
// not set is switched off: its routes answer 404, never open.
type Config struct {
	stage.Settings
	RoutingQueueURL string `env:"ROUTING_QUEUE_URL" required:"true"`
	UrgentQueueURL  string `env:"URGENT_QUEUE_URL"`
	PublicBaseURL   string `env:"PUBLIC_BASE_URL" required:"true"`
	// SupervisorTeam gets the follow-up a low satisfaction score (a bare
	// "1" or "2" reply to the survey) opens; Notify tells them.
	SupervisorTeam string `env:"SUPERVISOR_TEAM" default:"supervisors"`
	// SLAPolicy seeds the default team's (Settings.DefaultTeam) SLA policy
	// while it has no item, as for the router (the follow-up's clock must agree).
	SLAPolicy string `env:"SLA_POLICY"`
	Notify    notify.Config

	// Calls that reach a person (issue 18): the callerId agents see (default:
	// the number the customer called), how many agents ring at once and for
	// how long, and whether answered calls are recorded.
	TwilioVoiceNumber string `env:"TWILIO_VOICE_NUMBER"`
	VoiceRingAgents   int    `env:"VOICE_RING_AGENTS" default:"3"`
	VoiceRingSeconds  int    `env:"VOICE_RING_SECONDS" default:"20"`
	VoiceRecordCalls  bool   `env:"VOICE_RECORD_CALLS"`

	TwilioAuthToken       string `env:"TWILIO_AUTH_TOKEN" secret:"true"`
	MetaAppSecret         string `env:"META_APP_SECRET" secret:"true"`
	MetaVerifyToken       string `env:"META_VERIFY_TOKEN" secret:"true"`
	TelegramWebhookSecret string `env:"TELEGRAM_WEBHOOK_SECRET" secret:"true"`
	ZaloAppID             string `env:"ZALO_APP_ID"`
	ZaloOASecretKey       string `env:"ZALO_OA_SECRET_KEY" secret:"true"`
	VonageSignatureSecret string `env:"VONAGE_SIGNATURE_SECRET" secret:"true"`
	WebchatSigningSecret  string `env:"WEBCHAT_SIGNING_SECRET" secret:"true"`
	// OrderWebhookSecret is the shop's webhook signing secret (Shopify's
	// app client secret; Haravan's the same): unset, /webhooks/orders is off.
	OrderWebhookSecret string `env:"ORDER_WEBHOOK_SECRET" secret:"true"`
	// Loyalty holds the currency settings purchases are converted with.
	Loyalty loyalty.Config
}

// VoiceConfig is the call routing the configuration describes.
func (c Config) VoiceConfig() voice.Config {
	return voice.Config{PublicBaseURL: c.PublicBaseURL, BusinessNumber: c.TwilioVoiceNumber, BusinessName: c.BusinessName,
		DefaultTeam: c.DefaultTeam, RingAgents: c.VoiceRingAgents, RingSeconds: c.VoiceRingSeconds, Record: c.VoiceRecordCalls}
}
