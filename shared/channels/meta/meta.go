// Package meta adapts Meta's webhooks: the WhatsApp Cloud API
// (object "whatsapp_business_account") and Messenger (object "page"), both
// posted to /webhooks/meta and signed with the app secret.
package meta

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"

	"github.com/concierge-cx/concierge/shared/channels"
)

// Provider is the provider name on every event this package produces.
const Provider = "meta"

// SignatureHeader is the lower-cased name of Meta's payload signature header.
const SignatureHeader = "x-hub-signature-256"

// Signature is the X-Hub-Signature-256 value for a body:
// "sha256=" + hex(HMAC-SHA256(appSecret, body)).
func Signature(appSecret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks X-Hub-Signature-256 over the raw body bytes, exactly as Meta
// sent them (with its \u escapes), never over re-encoded JSON.
func Verify(req channels.Request, appSecret string) error {
	sig := strings.TrimSpace(req.Header(SignatureHeader))
	if sig == "" {
		return channels.Forbidden("missing X-Hub-Signature-256")
	}
	if appSecret == "" {
		return channels.Forbidden("no Meta app secret configured")
	}
	// Meta sends lower-case hex; accepting either case costs nothing.
	if len(sig) > 7 && strings.EqualFold(sig[:7], "sha256=") {
		sig = "sha256=" + strings.ToLower(sig[7:])
	}
	if !channels.Equal(Signature(appSecret, req.Body), sig) {
		return channels.Forbidden("bad Meta signature")
	}
	return nil
}

// VerifyHandshake answers Meta's subscription handshake
// (GET ?hub.mode=subscribe&hub.verify_token=...&hub.challenge=...): it returns
// the challenge to echo as text/plain when the verify token matches, and a
// forbidden error otherwise. An empty configured token never matches.
func VerifyHandshake(query url.Values, verifyToken string) (string, error) {
	if query.Get("hub.mode") != "subscribe" {
		return "", channels.Forbidden("not a subscription request")
	}
	if verifyToken == "" || !channels.Equal(query.Get("hub.verify_token"), verifyToken) {
		return "", channels.Forbidden("wrong verify token")
	}
	challenge := query.Get("hub.challenge")
	if challenge == "" {
		return "", channels.Invalid("missing hub.challenge")
	}
	return challenge, nil
}
