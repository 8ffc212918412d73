package domain

import (
	"bytes"
	"crypto/sha256"
	"time"

	"github.com/oklog/ulid/v2"
)

// ID prefixes make ids self-describing and let the API reject a malformed id early.
const (
	CustomerIDPrefix     = "cus_"
	ConversationIDPrefix = "con_"
	TouchpointIDPrefix   = "tp_"
)

// ValidID reports whether id has the prefix and a well-formed ULID.
func ValidID(prefix, id string) bool {
	if len(id) != len(prefix)+ulid.EncodedSize || id[:len(prefix)] != prefix {
		return false
	}
	_, err := ulid.ParseStrict(id[len(prefix):])
	return err == nil
}

// DerivedID is a prefixed ULID whose time part is t and whose random part
// is derived from key: the same (t, key) always gives the same id, so a
// record caused by an event (an opt-out caused by a message) is written
// once however often the event is handled.
func DerivedID(prefix string, t time.Time, key string) string {
	sum := sha256.Sum256([]byte(key))
	id, err := ulid.New(ulid.Timestamp(t), bytes.NewReader(sum[:]))
	if err != nil {
		// Only a time beyond the year 10889 fails.
		id = ulid.ULID{}
	}
	return prefix + id.String()
}
