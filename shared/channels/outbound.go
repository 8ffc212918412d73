package channels

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Error is a failed outbound call to a provider (a message send, an agent
// notification). The outbound Dispatcher wraps it in a *domain.Error
// (CodeUnavailable when Temporary, CodeConflict when the provider refused),
// so errors.As finds both.
type Error struct {
	Provider string
	Status   int    // HTTP status; 0 when no response arrived
	Code     string // the provider's own error code, when it gave one
	Message  string // the provider's explanation, personal values masked
	// Temporary is true when the same message may succeed later (5xx, 429,
	// network, provider rate limits); false when the provider refused it.
	Temporary  bool
	RetryAfter time.Duration // how long the provider asked us to wait, if it said
	Attempts   int
	Err        error // the transport error, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	kind := "permanent"
	if e.Temporary {
		kind = "temporary"
	}
	fmt.Fprintf(&b, "%s: %s failure after %d attempt(s)", e.Provider, kind, e.Attempts)
	if e.Status != 0 {
		fmt.Fprintf(&b, ", status %d", e.Status)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, ", code %s", e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// IsTemporary reports whether err is a provider failure worth retrying later
// (for example by letting SQS redeliver).
func IsTemporary(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Temporary
}

// AsError returns the provider failure inside err, if there is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// StatusError is the failure of an HTTP answer with a non-2xx status, the one
// retry classification of every outbound call: 408, 429 and 5xx are temporary
// (429 and 503 with their Retry-After), every other status is a refusal. The
// caller adds the provider's code and message.
func StatusError(provider string, status int, header http.Header, now time.Time) *Error {
	e := &Error{Provider: provider, Status: status}
	switch {
	case status == http.StatusTooManyRequests, status == http.StatusServiceUnavailable:
		e.Temporary = true
		e.RetryAfter = RetryAfter(header, now)
	case status == http.StatusRequestTimeout, status >= 500:
		e.Temporary = true
	}
	return e
}
