// Package channels holds what every webhook adapter shares: the request an
// adapter sees, the result it returns, and the small checks (constant-time
// compare, timestamp tolerance, text normalization) each provider needs.
//
// Adapters are pure functions of a Request: no AWS, no network, no clock
// other than Request.Now, so tests replay a recorded event exactly.
package channels

import (
	"crypto/subtle"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/concierge-cx/concierge/shared/domain"
)

// Request is what a webhook adapter sees: raw body bytes (already
// base64-decoded by the caller), lower-cased header names, the query string
// params, and the public URL the provider was configured with
// (PUBLIC_BASE_URL + path; never rebuilt from the event, so a forged Host
// header cannot change what a signature is checked against).
type Request struct {
	Method    string
	Path      string
	PublicURL string
	// RawQuery is the query string exactly as received, without "?". Twilio
	// signs the URL byte for byte, and re-encoding Query could reorder it.
	RawQuery string
	Headers  map[string]string
	Query    url.Values
	Body     []byte
	// Now is the time the request arrived; timestamp tolerances are measured
	// against it. Zero means time.Now().
	Now time.Time
}

// Result is what one webhook delivery carries: customer events and delivery
// statuses of messages we sent. Both may be empty (an event we ignore).
type Result struct {
	Messages []domain.Inbound
	Statuses []domain.StatusUpdate
}

// Header returns a header value by case-insensitive name.
func (r Request) Header(name string) string {
	if v, ok := r.Headers[strings.ToLower(name)]; ok {
		return v
	}
	for k, v := range r.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// SignedURL is the URL a provider signs: the configured public URL plus the
// query string as received.
func (r Request) SignedURL() string {
	q := r.RawQuery
	if q == "" && len(r.Query) > 0 {
		q = r.Query.Encode()
	}
	if q == "" {
		return r.PublicURL
	}
	return r.PublicURL + "?" + q
}

// Clock returns r.Now, or the wall clock when the caller left it zero.
func (r Request) Clock() time.Time {
	if r.Now.IsZero() {
		return time.Now()
	}
	return r.Now
}

// Equal compares two secrets or signatures in constant time.
func Equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// CheckFreshness rejects a signed timestamp further than tolerance from now,
// in either direction: a replayed request is old, a skewed signer is early.
func CheckFreshness(signed, now time.Time, tolerance time.Duration) error {
	d := now.Sub(signed)
	if d > tolerance {
		return domain.Errorf(domain.CodeForbidden, "request timestamp is too old")
	}
	if d < -tolerance {
		return domain.Errorf(domain.CodeForbidden, "request timestamp is in the future")
	}
	return nil
}

// Text cleans customer text: NFC so that Vietnamese typed with combining
// marks ("Lan" + U+0301...) equals the precomposed form agents search for,
// and trimmed of surrounding whitespace.
func Text(s string) string {
	return strings.TrimSpace(norm.NFC.String(s))
}

// Name cleans a display name the same way and collapses inner whitespace.
func Name(s string) string {
	return strings.Join(strings.Fields(norm.NFC.String(s)), " ")
}

// Forbidden is the error for a missing or wrong signature.
func Forbidden(format string, args ...any) error {
	return domain.Errorf(domain.CodeForbidden, format, args...)
}

// Invalid is the error for a body the provider would never send.
func Invalid(format string, args ...any) error {
	return domain.Errorf(domain.CodeInvalid, format, args...)
}

// UnixMillis turns a provider's millisecond epoch into a UTC time.
func UnixMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// UnixSeconds turns a provider's second epoch into a UTC time.
func UnixSeconds(s int64) time.Time { return time.Unix(s, 0).UTC() }

// ID is a provider id or timestamp that may arrive as a JSON string or a JSON
// number. A number is kept as its exact digits: Zalo and Meta ids exceed 2^53,
// and decoding them as float64 would silently change the last digits.
type ID string

// UnmarshalJSON accepts "123", 123 and null; anything else is an error.
func (id *ID) UnmarshalJSON(b []byte) error {
	s := string(b)
	switch {
	case s == "null":
		*id = ""
		return nil
	case len(s) >= 2 && s[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*id = ID(strings.TrimSpace(v))
		return nil
	}
	for i, r := range s {
		if (r < '0' || r > '9') && !(i == 0 && r == '-') {
			return Invalid("id is neither a string nor an integer")
		}
	}
	*id = ID(s)
	return nil
}

// Int parses the id as a base-10 integer (for timestamps).
func (id ID) Int() (int64, bool) {
	n, err := strconv.ParseInt(string(id), 10, 64)
	return n, err == nil
}

// Decode unmarshals a provider's JSON body into v, mapping any syntax or
// type error to CodeInvalid.
func Decode(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return domain.Wrap(err, domain.CodeInvalid, "malformed JSON body")
	}
	return nil
}

// Number is a JSON number or numeric string (a coordinate, a size) kept as
// its text, so nothing is lost to float formatting.
type Number string

// UnmarshalJSON accepts 10.76, "10.76" and null.
func (n *Number) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		*n = ""
		return nil
	}
	if len(s) >= 2 && s[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
	}
	if s == "" {
		*n = ""
		return nil
	}
	if _, err := strconv.ParseFloat(s, 64); err != nil {
		return Invalid("not a number")
	}
	*n = Number(s)
	return nil
}

// SetIf sets m[k] to v unless v is empty, so an event's metadata carries only
// what the provider sent.
func SetIf(m map[string]string, k, v string) {
	if v != "" {
		m[k] = v
	}
}

// FirstNonEmpty returns the first of ss that is not empty.
func FirstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// FirstNonBlank returns the first of ss that holds more than white space, as
// it is (untrimmed).
func FirstNonBlank(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}
