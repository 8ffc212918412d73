package agentapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/httpapi"
)

// Limits of what a client may send.
const (
	// MaxTextChars bounds a reply or note: WhatsApp's own limit, and long
	// enough for any answer an agent types.
	MaxTextChars = 4096
	// maxBodyBytes bounds a request body; larger is 413.
	maxBodyBytes = 64 << 10
)

// decode reads the JSON body into v, refusing unknown fields, trailing
// data and a missing body: a typo in a field name must not be ignored.
func decode(c *call, v any) error {
	raw, err := httpapi.Body(c.req)
	if err != nil {
		return err
	}
	if len(raw) > maxBodyBytes {
		return domain.Errorf(domain.CodeTooLarge, "the request body is above %d bytes", maxBodyBytes)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return domain.Errorf(domain.CodeInvalid, "a JSON body is required")
	}
	// encoding/json turns invalid bytes into U+FFFD without a word, and the
	// customer would read "��": refuse them before decoding.
	if !utf8.Valid(raw) {
		return domain.Errorf(domain.CodeInvalid, "the body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return domain.Errorf(domain.CodeInvalid, "the body is not valid: %s", jsonProblem(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return domain.Errorf(domain.CodeInvalid, "the body is not valid: data after the JSON object")
	}
	return nil
}

// jsonProblem describes a decoding error without echoing the body.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return "field " + strconv.Quote(te.Field) + " must be " + te.Type.String()
	case errors.As(err, &se):
		return "malformed JSON at byte " + strconv.FormatInt(se.Offset, 10)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "truncated JSON"
	}
	return "not a JSON object of the expected shape"
}

// text validates a message or note.
func text(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", domain.Errorf(domain.CodeInvalid, "%s is required", field)
	case !utf8.ValidString(s):
		return "", domain.Errorf(domain.CodeInvalid, "%s is not valid UTF-8", field)
	case utf8.RuneCountInString(s) > MaxTextChars:
		return "", domain.Errorf(domain.CodeInvalid, "%s is longer than %d characters", field, MaxTextChars)
	}
	return s, nil
}

// query returns the query parameters, refusing any not in allowed.
func query(c *call, allowed ...string) (map[string]string, error) {
	q := c.req.QueryStringParameters
	for k := range q {
		ok := false
		for _, a := range allowed {
			ok = ok || a == k
		}
		if !ok {
			return nil, domain.Errorf(domain.CodeInvalid, "unknown query parameter %q", k)
		}
	}
	if q == nil {
		q = map[string]string{}
	}
	return q, nil
}

func limitParam(q map[string]string, def, max int) (int, error) {
	raw, ok := q["limit"]
	if !ok || raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > max {
		return 0, domain.Errorf(domain.CodeInvalid, "limit must be a whole number from 1 to %d", max)
	}
	return n, nil
}

func customerParam(c *call) (string, error) {
	id := c.params["id"]
	if !domain.ValidID(domain.CustomerIDPrefix, id) {
		return "", domain.Errorf(domain.CodeInvalid, "malformed customer id")
	}
	return id, nil
}

func conversationParam(c *call) (string, error) {
	id := c.params["id"]
	if !domain.ValidID(domain.ConversationIDPrefix, id) {
		return "", domain.Errorf(domain.CodeInvalid, "malformed conversation id")
	}
	return id, nil
}

// header reads a request header; payload 2.0 lower-cases names.
func header(c *call, name string) string {
	if v, ok := c.req.Headers[strings.ToLower(name)]; ok {
		return v
	}
	for k, v := range c.req.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// clip shortens s to n characters, marking the cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
