package domain

import "github.com/oklog/ulid/v2"

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
