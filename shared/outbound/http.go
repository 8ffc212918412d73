package outbound

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/domain"
)

// maxResponse bounds how much of a provider's answer is read.
const maxResponse = 1 << 20

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) ok() bool { return r.status >= 200 && r.status < 300 }

// post sends body to endpoint once per attempt under the Dispatcher's channels.Policy and
// hands each response to parse, which returns nil on success or an *channels.Error.
func (r *Dispatcher) post(ctx context.Context, provider, endpoint string, header http.Header, body []byte, parse func(response) error) (int, error) {
	return r.postEach(ctx, provider, endpoint, func() http.Header { return header.Clone() }, body, parse)
}

// postEach is post with the headers built afresh for every attempt, for a
// receiver that checks a signed timestamp: a retry seconds later is signed
// with its own time.
func (r *Dispatcher) postEach(ctx context.Context, provider, endpoint string, header func() http.Header, body []byte, parse func(response) error) (int, error) {
	return r.policy.Do(ctx, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
		if err != nil {
			// The URL may hold a token (Telegram puts it in the path): do not echo it.
			return &channels.Error{Provider: provider, Message: "cannot build the request: check the provider's API base URL"}
		}
		req.Header = header()
		resp, err := r.http.Do(req)
		if err != nil {
			return &channels.Error{Provider: provider, Temporary: true, Message: "no response", Err: withoutURL(err)}
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
		if err != nil {
			return &channels.Error{Provider: provider, Status: resp.StatusCode, Temporary: true, Message: "response cut short", Err: withoutURL(err)}
		}
		err = parse(response{status: resp.StatusCode, header: resp.Header, body: b})
		r.noteAuth(provider, err)
		return err
	})
}

// withoutURL drops the request URL from a transport error: Telegram's carries
// the bot token, and errors end up in logs.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// statusError classifies a non-2xx answer (channels.StatusError).
func statusError(provider string, resp response, code, msg string, now time.Time) *channels.Error {
	e := channels.StatusError(provider, resp.status, resp.header, now)
	e.Code, e.Message = code, msg
	if e.Message == "" {
		e.Message = http.StatusText(resp.status)
	}
	return e
}

func jsonHeader() http.Header {
	return http.Header{"Content-Type": {"application/json; charset=utf-8"}, "Accept": {"application/json"}}
}

func basicAuth(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Only maps, strings and slices of them are marshalled here.
		panic(err)
	}
	return b
}

// joinURL appends path segments to a base URL, escaping each segment.
func joinURL(base string, segments ...string) string {
	var b strings.Builder
	b.WriteString(strings.TrimRight(base, "/"))
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// scrub masks the recipient's address wherever a provider echoes it in an
// error message, and bounds the message's length.
func scrub(msg, to string) string {
	msg = strings.TrimSpace(msg)
	if to != "" {
		masked := domain.Mask(to)
		for _, v := range []string{to, strings.TrimPrefix(to, "+")} {
			if len(v) >= 4 {
				msg = strings.ReplaceAll(msg, v, masked)
			}
		}
	}
	if r := []rune(msg); len(r) > 300 {
		msg = string(r[:300]) + "…"
	}
	return msg
}
