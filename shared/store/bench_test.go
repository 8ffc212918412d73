package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/concierge-cx/concierge/shared/ddbmeter"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/testenv"
)

// storeCases are the kinds of inbound message BenchmarkStore measures.
// A known customer is measured twice: as a sender this container has seen
// (her profile is read with her identity, the usual case in a warm Lambda)
// and as one it has not (a cold container, or one that never met her).
var storeCases = []string{"new_customer", "known_customer", "known_customer_unseen", "duplicate"}

// storeCost records inbound messages of each kind on a metered store: the
// one code path behind BenchmarkStore's figures and the test that holds the
// documentation to them.
type storeCost struct {
	s       *store.Store
	fresh   func() *store.Store // another container's store on the same table and meter
	meter   *ddbmeter.Meter
	known   store.Inbound
	knownID string
	run     int
}

func newStoreCost(tb testing.TB) *storeCost {
	tb.Helper()
	base, table := testenv.NewTable(tb)
	meter := &ddbmeter.Meter{BillTransactions: true}
	c := &storeCost{s: store.New(dynamodb.New(base.Options(), meter.Option), table), meter: meter,
		fresh: func() *store.Store { return store.New(dynamodb.New(base.Options(), meter.Option), table) }}
	c.known = c.inbound(tb, "+84912345678", "wamid.known.first")
	r, err := c.s.RecordInbound(context.Background(), c.known)
	if err != nil {
		tb.Fatal(err)
	}
	c.knownID = r.Customer.ID
	return c
}

func (c *storeCost) inbound(tb testing.TB, phone, id string) store.Inbound {
	p, err := domain.Normalizer{}.Normalize(domain.KindPhone, phone)
	if err != nil {
		tb.Fatal(err)
	}
	return store.Inbound{
		Identities:  []domain.Identity{p},
		ProfileName: "Nguyễn Thị Lan",
		Touchpoint: domain.Touchpoint{
			Channel: domain.ChannelWhatsApp, Kind: domain.KindMessage, Provider: "meta", ProviderMessageID: id,
			Text:       "Chào shop, em đặt đơn hàng #12345 hôm qua mà chưa thấy giao. Shop kiểm tra giúp em với ạ.",
			OccurredAt: time.Now(),
		},
	}
}

// measure records n messages of one kind and returns what they cost.
func (c *storeCost) measure(tb testing.TB, kind string, n int) ddbmeter.Counts {
	tb.Helper()
	ctx := context.Background()
	c.run++
	c.meter.Reset()
	for i := 0; i < n; i++ {
		var in store.Inbound
		s := c.s
		switch kind {
		case "new_customer":
			in = c.inbound(tb, fmt.Sprintf("+8490%d%06d", c.run%10, i), fmt.Sprintf("wamid.new.%d.%d", c.run, i))
		case "known_customer":
			in = c.inbound(tb, "+84912345678", fmt.Sprintf("wamid.known.%d.%d", c.run, i))
		case "known_customer_unseen":
			in, s = c.inbound(tb, "+84912345678", fmt.Sprintf("wamid.unseen.%d.%d", c.run, i)), c.fresh()
		case "duplicate":
			in = c.known
		default:
			tb.Fatalf("no case %q", kind)
		}
		r, err := s.RecordInbound(ctx, in)
		if err != nil {
			tb.Fatal(err)
		}
		if r.NewCustomer != (kind == "new_customer") || r.Duplicate != (kind == "duplicate") || r.Customer.ID != c.knownID && kind != "new_customer" || kind != "new_customer" && kind != "duplicate" && r.NewConversation {
			tb.Fatalf("%s: %+v", kind, r)
		}
	}
	return c.meter.Snapshot()
}

// BenchmarkStore measures what recording one inbound message costs in
// DynamoDB requests and write units, counted from ConsumedCapacity by the
// ddbmeter middleware (transactional writes counted twice, as AWS bills them;
// DynamoDB Local reports them once).
func BenchmarkStore(b *testing.B) {
	c := newStoreCost(b)
	for _, kind := range storeCases {
		b.Run(kind, func(b *testing.B) {
			counts := c.measure(b, kind, b.N)
			b.ReportMetric(float64(counts.Requests)/float64(b.N), "requests/message")
			b.ReportMetric(counts.WriteUnits/float64(b.N), "wru/message")
		})
	}
}

// The request and write-unit counts per message are exact, so the figures
// README.md and docs/table-design.md state must be what BenchmarkStore
// measures now.
func TestDocumentedStoreCostsAreMeasured(t *testing.T) {
	c := newStoreCost(t)
	const n = 4
	measured := map[string]float64{}
	for _, kind := range storeCases {
		counts := c.measure(t, kind, n)
		measured["store."+kind+".requests_per_message"] = float64(counts.Requests) / n
		measured["store."+kind+".wru_per_message"] = counts.WriteUnits / n
	}
	testenv.CheckCosts(t, "store.", measured)
}

// A web-chat visitor who keeps typing another customer's phone makes one
// suggestion: the later messages cost what any known customer's message
// costs (the claim is looked up in the same batch read, nothing more is
// written).
func TestARepeatedClaimIsSuggestedOnce(t *testing.T) {
	c := newStoreCost(t)
	phone := c.known.Identities[0]
	visitor := domain.Identity{Kind: domain.KindWebchat, Value: "v_repeat"}
	msg := func(i int) store.Inbound {
		return store.Inbound{
			Identities: []domain.Identity{visitor},
			Claims:     []store.Claim{{Identity: phone, Source: domain.ClaimTyped}},
			Touchpoint: domain.Touchpoint{Channel: domain.ChannelWebchat, Kind: domain.KindMessage, Provider: "webchat",
				ProviderMessageID: fmt.Sprint("wc-repeat-", i), Text: "Số của tôi là 0912 345 678", OccurredAt: time.Now()},
		}
	}
	ctx := context.Background()
	first, err := c.s.RecordInbound(ctx, msg(0))
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		c.meter.Reset()
		if _, err := c.s.RecordInbound(ctx, msg(i)); err != nil {
			t.Fatal(err)
		}
		if got := c.meter.Snapshot(); got.WriteUnits != 6 {
			t.Errorf("message %d repeating the claim: %.0f write units, want a known customer's 6", i+1, got.WriteUnits)
		}
	}
	notes, err := c.s.DuplicateNotes(ctx, first.Customer.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 1 {
		t.Fatalf("visitor's suggestions: %+v, want one", notes)
	}
}
