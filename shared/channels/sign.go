package channels

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// Signature is the X-Concierge-Signature value that web chat (both ways) and
// the agents' notification webhook carry:
// "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)). Signing the
// timestamp with the body stops a captured request being replayed later with
// a fresh timestamp.
func Signature(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}
