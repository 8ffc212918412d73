// Package testsecrets holds the documented, public secrets the sample events
// in events/webhooks are signed with. Tests and the local dev stack use them
// as defaults; a deployed stack reads real secrets from SSM and never these.
package testsecrets

const (
	// PublicBaseURL is the base the providers are configured with in the
	// samples; a route's public URL is PublicBaseURL + path.
	PublicBaseURL = "https://concierge.example.com"

	TwilioAuthToken       = "concierge-dev-twilio-auth-token0"
	MetaAppSecret         = "concierge-dev-meta-app-secret"
	MetaVerifyToken       = "concierge-dev-meta-verify-token"
	TelegramSecret        = "concierge-dev-telegram-secret_1"
	ZaloAppID             = "4318290563127794012"
	ZaloOASecretKey       = "concierge-dev-zalo-oa-secret-key"
	VonageSignatureSecret = "concierge-dev-vonage-signature-secret-32"
	WebchatSecret         = "concierge-dev-webchat-secret"
	// OrderWebhookSecret signs the order webhook (Shopify-style) samples.
	OrderWebhookSecret = "concierge-dev-order-webhook-secret"
)
