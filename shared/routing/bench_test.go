package routing_test

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/concierge-cx/concierge/shared/costs"
	"github.com/concierge-cx/concierge/shared/ddbmeter"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/testenv"
	"github.com/concierge-cx/concierge/shared/urgency"
)

// routingCases are the kinds of message BenchmarkRouting measures.
var routingCases = []string{"new_conversation", "follow_up"}

// followUpPhone is the customer whose follow-ups are measured; she is never
// one of the new conversations' numbers.
const followUpPhone = "84999999999"

// routingCost takes messages from ingest to an assigned agent on a metered
// store: the one code path behind BenchmarkRouting's figures and the test
// that holds the documentation to them. The acknowledgement send is left out
// (no sender) so the figures are the table's own.
type routingCost struct {
	logs   *countingWriter // what the functions log, as in Lambda (JSON, info and up)
	meter  *ddbmeter.Meter
	ing    *ingest.Service
	router *routing.Router
	run    int
	db     *dynamodb.Client
	table  string
}

func newRoutingCost(tb testing.TB) *routingCost {
	tb.Helper()
	base, table := testenv.NewTable(tb)
	meter := &ddbmeter.Meter{BillTransactions: true}
	st := store.New(dynamodb.New(base.Options(), meter.Option), table)
	if _, err := st.PutAgent(context.Background(), domain.Agent{ID: "mai", Languages: []string{"vi"}, Teams: []string{"support"}, MaxConcurrent: 1 << 20, Status: domain.AgentAvailable}); err != nil {
		tb.Fatal(err)
	}
	scorer, err := urgency.NewScorer(urgency.DefaultConfig())
	if err != nil {
		tb.Fatal(err)
	}
	logs := &countingWriter{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	c := &routingCost{
		db: base, table: table, logs: logs,
		meter:  meter,
		ing:    &ingest.Service{Store: st, Jobs: &published{}, Normalizer: domain.Normalizer{DefaultRegion: "VN"}, Scorer: scorer, Log: log},
		router: &routing.Router{Store: st, Config: routing.DefaultConfig(), Log: log, Metrics: logs},
	}
	// The follow-ups' customer and her assigned conversation exist before any is measured.
	c.message(tb, followUpPhone, "wamid.follow_up.first")
	return c
}

// message ingests one message and routes its job, if it has one. It
// returns what the message used besides DynamoDB (the meter counts that):
// the webhook's API request and invocation, and the routing job's trip
// through SQS and the router's invocation when it has one.
func (c *routingCost) message(tb testing.TB, phone, id string) costs.Usage {
	tb.Helper()
	ctx := context.Background()
	t0 := time.Now()
	out, err := c.ing.Ingest(ctx, domain.Inbound{Provider: "meta", Channel: domain.ChannelWhatsApp, Kind: domain.KindMessage,
		ProviderMessageID: id, Identities: []domain.RawIdentity{{Kind: domain.KindWhatsApp, Value: phone}},
		Text: "Gấp: đơn hàng của tôi chưa nhận được", OccurredAt: time.Now()})
	if err != nil {
		tb.Fatal(err)
	}
	u := costs.Usage{Messages: 1, APIRequests: 1, Invocations: []time.Duration{time.Since(t0)}}
	if out.InPlace {
		return u // applied by ingest: no routing job was published
	}
	t1 := time.Now()
	if _, err := c.router.Route(ctx, out.Job); err != nil {
		tb.Fatal(err)
	}
	u.Invocations = append(u.Invocations, time.Since(t1))
	u.SQSRequests = costs.SQSRequestsPerJob
	return u
}

// measure takes n messages of one kind from ingest to assignment and returns
// what they cost and each one's latency.
func (c *routingCost) measure(tb testing.TB, kind string, n int) (ddbmeter.Counts, costs.Usage, []time.Duration) {
	tb.Helper()
	c.run++
	lat := make([]time.Duration, 0, n)
	c.meter.Reset()
	logged := c.logs.n.Load()
	var use costs.Usage
	for i := 0; i < n; i++ {
		// Each run opens its conversations with numbers no earlier run used: a number used
		// before would be a follow-up, and the figure an average of both kinds.
		phone := fmt.Sprintf("849%02d%06d", c.run%100, i)
		switch kind {
		case "new_conversation":
		case "follow_up":
			phone = followUpPhone
		default:
			tb.Fatalf("no case %q", kind)
		}
		t0 := time.Now()
		use = use.Add(c.message(tb, phone, fmt.Sprintf("wamid.%s.%d.%d", kind, c.run, i)))
		lat = append(lat, time.Since(t0))
	}
	counts := c.meter.Snapshot()
	use.WriteUnits, use.ReadUnits, use.LogBytes = counts.WriteUnits, counts.ReadUnits, c.logs.n.Load()-logged
	return counts, use, lat
}

// countingWriter counts the bytes written to it.
type countingWriter struct{ n atomic.Int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n.Add(int64(len(p)))
	return len(p), nil
}

// BenchmarkRouting measures what one inbound message costs from ingest to an
// assigned agent: DynamoDB requests and write units (ddbmeter, transactions
// billed by AWS's rule) and in-process latency.
func BenchmarkRouting(b *testing.B) {
	c := newRoutingCost(b)
	for _, kind := range routingCases {
		b.Run(kind, func(b *testing.B) {
			counts, use, lat := c.measure(b, kind, b.N)
			b.ReportMetric(float64(counts.Requests)/float64(b.N), "requests/message")
			b.ReportMetric(counts.WriteUnits/float64(b.N), "wru/message")
			b.ReportMetric(use.USDPerMillionMessages(), "usd/million_messages")
			sort.Slice(lat, func(i, k int) bool { return lat[i] < lat[k] })
			b.ReportMetric(float64(lat[len(lat)*50/100].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*95/100)].Microseconds())/1000, "p95-ms")
		})
	}
}

// BenchmarkCost prices a million inbound messages end to end (API request,
// Lambda invocations and their measured duration, SQS requests, DynamoDB
// reads and writes, log bytes) at the list prices of shared/costs, for its
// mix: each conversation opens with one message and the customer writes
// costs.FollowUpsPerConversation more. `make bench` prints it as
// cost.usd_per_million_messages.
func BenchmarkCost(b *testing.B) {
	c := newRoutingCost(b)
	var use costs.Usage
	for i := 0; i < b.N; i++ {
		c.run++
		c.meter.Reset()
		logged := c.logs.n.Load()
		phone := fmt.Sprintf("8496%d%06d", c.run%10, i) // numbers the other cases' first runs do not use
		var round costs.Usage
		for m := 0; m <= costs.FollowUpsPerConversation; m++ {
			round = round.Add(c.message(b, phone, fmt.Sprintf("wamid.mix.%d.%d.%d", c.run, i, m)))
		}
		counts := c.meter.Snapshot()
		round.WriteUnits, round.ReadUnits, round.LogBytes = counts.WriteUnits, counts.ReadUnits, c.logs.n.Load()-logged
		use = use.Add(round)
	}
	b.ReportMetric(use.USDPerMillionMessages(), "usd/million_messages")
	b.ReportMetric(use.WriteUnits/float64(use.Messages), "wru/message")
}

// The request and write-unit counts per message are exact, so the figures
// docs/table-design.md states must be what BenchmarkRouting measures now.
func TestDocumentedRoutingCostsAreMeasured(t *testing.T) {
	c := newRoutingCost(t)
	const n = 4
	measured := map[string]float64{}
	for _, kind := range routingCases {
		counts, _, _ := c.measure(t, kind, n)
		t.Logf("%s: %d requests %v, %.1f write units for %d messages", kind, counts.Requests, counts.ByOp, counts.WriteUnits, n)
		measured["routing."+kind+".requests_per_message"] = float64(counts.Requests) / n
		measured["routing."+kind+".wru_per_message"] = counts.WriteUnits / n
	}
	testenv.CheckCosts(t, "routing.", measured)
}
