package domain

import (
	"errors"
	"fmt"
)

// Code classifies an error for the caller. It maps to an HTTP status in one
// place (shared/httpapi) so handlers never pick status codes themselves.
type Code string

const (
	CodeInvalid       Code = "invalid"             // the caller's input is wrong: 400
	CodeUnauthorized  Code = "unauthorized"        // missing or bad credentials: 401
	CodeForbidden     Code = "forbidden"           // bad signature, wrong role: 403
	CodeNotFound      Code = "not_found"           // 404
	CodeConflict      Code = "conflict"            // state does not allow it: 409
	CodeOptedOut      Code = "opted_out"           // the customer opted out of proactive messages on the channel: 409
	CodeStale         Code = "precondition_failed" // optimistic version mismatch: 412
	CodeTooLarge      Code = "too_large"           // above a size budget: 413
	CodeUnprocessable Code = "unprocessable"       // well-formed but not allowed for this target: 422
	CodeUnavailable   Code = "unavailable"         // storage or a dependency is down: 503, retry
	CodeInternal      Code = "internal"            // anything else: 500, details only in logs
)

// Error is the one error type that carries a Code and a message a client may read.
type Error struct {
	Code    Code
	Message string
	Err     error // the cause, for logs; never shown to a client
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error with a formatted client-facing message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap attaches a code and message to a cause.
func Wrap(err error, code Code, msg string) *Error {
	return &Error{Code: code, Message: msg, Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, or CodeInternal.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessage returns the client-facing message, hiding internal details.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != CodeInternal {
		return e.Message
	}
	return "internal error"
}
