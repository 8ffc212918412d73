package outbound

// Config holds every provider's credentials and sender addresses. A provider
// whose credentials are not set is not configured: the Dispatcher never picks it,
// and a message naming it fails with a clear error. The *_API_BASE variables
// point a provider at a sandbox (the local stack's capture server).
//
// Vonage is used with basic auth (API key and secret), which the Messages API
// accepts and which small businesses can copy from the dashboard; JWT
// application auth is not needed for sending.
type Config struct {
	TwilioAPIBase             string `env:"TWILIO_API_BASE" default:"https://api.twilio.com"`
	TwilioAccountSID          string `env:"TWILIO_ACCOUNT_SID"`
	TwilioAuthToken           string `env:"TWILIO_AUTH_TOKEN" secret:"true"`
	TwilioFromNumber          string `env:"TWILIO_FROM_NUMBER"`           // E.164 sender for SMS
	TwilioMessagingServiceSID string `env:"TWILIO_MESSAGING_SERVICE_SID"` // MG…: used for SMS instead of a From number
	TwilioWhatsAppFrom        string `env:"TWILIO_WHATSAPP_FROM"`         // the WhatsApp sender, +E.164 or whatsapp:+E.164
	TwilioVoiceNumber         string `env:"TWILIO_VOICE_NUMBER"`          // E.164 caller id of click-to-call (default TWILIO_FROM_NUMBER)

	MetaGraphBase       string `env:"META_GRAPH_BASE" default:"https://graph.facebook.com"`
	MetaGraphVersion    string `env:"META_GRAPH_VERSION" default:"v21.0"`
	MetaAccessToken     string `env:"META_ACCESS_TOKEN" secret:"true"` // WhatsApp Cloud API system-user token
	MetaPhoneNumberID   string `env:"META_PHONE_NUMBER_ID"`
	MetaPageAccessToken string `env:"META_PAGE_ACCESS_TOKEN" secret:"true"` // Messenger

	TelegramAPIBase  string `env:"TELEGRAM_API_BASE" default:"https://api.telegram.org"`
	TelegramBotToken string `env:"TELEGRAM_BOT_TOKEN" secret:"true"`

	ZaloAPIBase       string `env:"ZALO_API_BASE" default:"https://openapi.zalo.me"`
	ZaloOAAccessToken string `env:"ZALO_OA_ACCESS_TOKEN" secret:"true"`
	// ZNS: the template a Zalo message becomes when the consulting window
	// has closed, sent to her phone with the OA token; the parameters map
	// template parameter names to what fills them (name, text, conversation).
	ZaloZNSAPIBase        string `env:"ZALO_ZNS_API_BASE" default:"https://business.openapi.zalo.me"`
	ZaloZNSTemplateID     string `env:"ZALO_ZNS_TEMPLATE_ID"`
	ZaloZNSTemplateParams string `env:"ZALO_ZNS_TEMPLATE_PARAMS" default:"customer_name=name,message=text"`
	// ZaloConsultingPackage: the OA's message package pays for consulting
	// messages within 7 days beyond the 8 free replies; without it a Zalo
	// message after those goes as the ZNS template.
	ZaloConsultingPackage bool `env:"ZALO_CONSULTING_PACKAGE"`

	VonageAPIBase       string `env:"VONAGE_API_BASE" default:"https://api.nexmo.com"`
	VonageAPIKey        string `env:"VONAGE_API_KEY"`
	VonageAPISecret     string `env:"VONAGE_API_SECRET" secret:"true"`
	VonageFrom          string `env:"VONAGE_FROM"`           // sender number or alphanumeric id; the default for every channel
	VonageWhatsAppFrom  string `env:"VONAGE_WHATSAPP_FROM"`  // overrides VONAGE_FROM for WhatsApp
	VonageViberFrom     string `env:"VONAGE_VIBER_FROM"`     // the Viber service message id
	VonageMessengerFrom string `env:"VONAGE_MESSENGER_FROM"` // the Facebook page id

	// Web chat is the business's own channel: replies go to its chat backend
	// at WEBCHAT_REPLY_URL, signed with the key inbound web chat is signed
	// with (see webchat.go).
	WebchatReplyURL      string `env:"WEBCHAT_REPLY_URL"`
	WebchatSigningSecret string `env:"WEBCHAT_SIGNING_SECRET" secret:"true"`

	SESFromAddress string `env:"SES_FROM_ADDRESS"` // "Shop Support <support@shop.vn>"
	ReplyDomain    string `env:"REPLY_DOMAIN"`     // Message-ID and reply+<conversation>@ domain

	WhatsAppTemplateName     string `env:"WHATSAPP_TEMPLATE_NAME"`
	WhatsAppTemplateLanguage string `env:"WHATSAPP_TEMPLATE_LANGUAGE" default:"vi"`
}

// WithDefaults fills what envconfig would have defaulted, for a Config built
// in code (the media downloader reads the same provider bases).
func (c Config) WithDefaults() Config {
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&c.TwilioAPIBase, "https://api.twilio.com")
	def(&c.MetaGraphBase, "https://graph.facebook.com")
	def(&c.MetaGraphVersion, "v21.0")
	def(&c.TelegramAPIBase, "https://api.telegram.org")
	def(&c.ZaloAPIBase, "https://openapi.zalo.me")
	def(&c.ZaloZNSAPIBase, "https://business.openapi.zalo.me")
	def(&c.ZaloZNSTemplateParams, "customer_name=name,message=text")
	def(&c.VonageAPIBase, "https://api.nexmo.com")
	def(&c.WhatsAppTemplateLanguage, "vi")
	return c
}

// The variables that point a function's outbound provider calls somewhere. Unset in AWS (the providers'
// public APIs apply); the local stack sets them to its provider sandbox. Each is a base URL to which the
// provider's documented path is appended.
const (
	TwilioAPIBaseEnv   = "TWILIO_API_BASE"   // + /2010-04-01/Accounts/{sid}/Messages.json
	MetaGraphBaseEnv   = "META_GRAPH_BASE"   // + /v{version}/{phone-number-id}/messages, /me/messages
	TelegramAPIBaseEnv = "TELEGRAM_API_BASE" // + /bot{token}/sendMessage
	ZaloAPIBaseEnv     = "ZALO_API_BASE"     // + /v3.0/oa/message/cs
	ZaloZNSAPIBaseEnv  = "ZALO_ZNS_API_BASE" // + /message/template
	VonageAPIBaseEnv   = "VONAGE_API_BASE"   // + /v1/messages
	SESEndpointEnv     = "SES_ENDPOINT"      // SES v2 endpoint: + /v2/email/outbound-emails
)
