// Package channelstest loads the sample API Gateway events in events/webhooks
// for the adapters' tests, so every test replays the same signed files the
// local stack and the end-to-end tests use.
package channelstest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/channels/testsecrets"
)

// Dir is the absolute path of events/webhooks in this checkout.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "events", "webhooks")
}

// Event reads one sample event by file name.
func Event(tb testing.TB, name string) events.APIGatewayV2HTTPRequest {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(Dir(), name))
	if err != nil {
		tb.Fatalf("read sample event: %v", err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(b, &ev); err != nil {
		tb.Fatalf("decode sample event %s: %v", name, err)
	}
	return ev
}

// Load reads a sample event as the webhooks handler would see it: public URL
// from testsecrets.PublicBaseURL, Now = the time the event was signed.
func Load(tb testing.TB, name string) channels.Request {
	tb.Helper()
	ev := Event(tb, name)
	req, err := channels.FromHTTPAPI(&ev, testsecrets.PublicBaseURL, time.Time{})
	if err != nil {
		tb.Fatalf("convert sample event %s: %v", name, err)
	}
	return req
}

// Names lists the sample event files whose name starts with prefix.
func Names(tb testing.TB, prefix string) []string {
	tb.Helper()
	entries, err := os.ReadDir(Dir())
	if err != nil {
		tb.Fatalf("list sample events: %v", err)
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, prefix) && strings.HasSuffix(n, ".json") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		tb.Fatalf("no sample events named %s*.json in %s", prefix, Dir())
	}
	return names
}

// Bodies returns the decoded bodies of the sample events whose name starts
// with prefix: the seed corpus of the parsers' fuzz tests.
func Bodies(tb testing.TB, prefix string) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, n := range Names(tb, prefix) {
		out = append(out, Load(tb, n).Body)
	}
	return out
}

// Fuzz is a parser's fuzz test: seeded with the bodies of the sample events
// whose names start with prefix, it checks that the parser never panics and
// that whatever it accepts is complete (CheckComplete), plus extra checks.
func Fuzz(f *testing.F, prefix string, parse func(channels.Request) (channels.Result, error), extra ...func(testing.TB, channels.Result)) {
	for _, b := range Bodies(f, prefix) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		res, err := parse(channels.Request{Body: body})
		if err != nil {
			return
		}
		CheckComplete(t, res)
		for _, check := range extra {
			check(t, res)
		}
	})
}

// CheckComplete fails tb when a parse result holds an event that names no
// sender or has no id, or a status without an id or a status.
func CheckComplete(tb testing.TB, res channels.Result) {
	tb.Helper()
	for _, m := range res.Messages {
		if m.ProviderMessageID == "" || len(m.Identities) == 0 || m.Identities[0].Value == "" {
			tb.Fatalf("accepted an event without id or identity: %+v", m)
		}
	}
	for _, s := range res.Statuses {
		if s.ProviderMessageID == "" || s.Status == "" {
			tb.Fatalf("accepted a status without id: %+v", s)
		}
	}
}
