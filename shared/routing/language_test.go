package routing_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/concierge-cx/concierge/shared/routing"
)

// outbox records what the router sends customers.
type outbox struct {
	mu   sync.Mutex
	sent []routing.Outbound
}

func (o *outbox) Send(_ context.Context, m routing.Outbound) (routing.Sent, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, m)
	return routing.Sent{Provider: "meta", ProviderMessageID: fmt.Sprintf("wamid.ack%d", len(o.sent))}, nil
}

func (o *outbox) to(addr string) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for _, m := range o.sent {
		if m.To == addr {
			out = append(out, m.Text)
		}
	}
	return out
}

// A new customer is acknowledged in the language they write in: English for
// English (from a Vietnamese number too), Vietnamese for Vietnamese typed
// without diacritics.
func TestNewCustomerIsAcknowledgedInTheirLanguage(t *testing.T) {
	cfg := routing.DefaultConfig()
	cfg.BusinessName = "Shop Hoa Mai"
	e := newEnv(t, cfg)
	box := &outbox{}
	e.router.Sender = box
	cases := []struct {
		phone, text, wantStart string
	}{
		{"14155550123", "Hi, I ordered a blue shirt last week and it hasn't arrived yet", "Hello, thank you for contacting Shop Hoa Mai."},
		{"84912000011", "Hello, do you have this jacket in a larger size?", "Hello, thank you for contacting Shop Hoa Mai."},
		{"84912000012", "shop oi ao nay con size M khong", "Xin chào, cảm ơn bạn đã liên hệ Shop Hoa Mai."},
		{"14155550124", "cho em hoi phi ship ve ha noi bao nhieu", "Xin chào, cảm ơn bạn đã liên hệ Shop Hoa Mai."},
	}
	for i, c := range cases {
		out := e.inbound(t, c.phone, fmt.Sprintf("lang%d", i), c.text)
		if !out.Job.NewCustomer {
			t.Fatalf("%s is not a new customer", c.phone)
		}
		if _, err := e.router.Route(context.Background(), out.Job); err != nil {
			t.Fatal(err)
		}
		got := box.to(out.Job.Address)
		if len(got) != 1 || !strings.HasPrefix(got[0], c.wantStart) {
			t.Errorf("%q from %s acknowledged with %q, want one starting %q", c.text, c.phone, got, c.wantStart)
		}
	}
}
