package feedback

import (
	"crypto/rand"
	"encoding/base64"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/concierge-cx/concierge/shared/domain"
)

// tokenLen is the length of a base64url 128-bit token.
const tokenLen = 22

// NewToken returns a random 128-bit token. Random rather than signed: the
// server keeps the token (it must, to make it single-use), so a signature
// would add a secret to manage and nothing else.
func NewToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", domain.Wrap(err, domain.CodeInternal, "no randomness for a feedback token")
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// ValidToken says t has the shape of a token NewToken makes.
func ValidToken(t string) bool {
	if len(t) != tokenLen {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(t)
	return err == nil
}

// NewTouchpointID is a fresh touchpoint id for a survey, fixed when the
// survey is owed so that every attempt writes the same touchpoint.
func NewTouchpointID(now time.Time) string {
	return domain.TouchpointIDPrefix + ulid.MustNew(ulid.Timestamp(now), rand.Reader).String()
}
