package routing_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/concierge-cx/concierge/shared/ddbmeter"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/testenv"
	"github.com/concierge-cx/concierge/shared/urgency"
)

// BenchmarkRouting measures what one inbound message costs from ingest to an
// assigned agent: DynamoDB requests and write units (ddbmeter, transactions
// billed by AWS's rule) and in-process latency. The acknowledgement send is
// left out (no sender) so the figures are the table's own.
func BenchmarkRouting(b *testing.B) {
	base, table := testenv.NewTable(b)
	meter := &ddbmeter.Meter{BillTransactions: true}
	st := store.New(dynamodb.New(base.Options(), meter.Option), table)
	ctx := context.Background()
	if _, err := st.PutAgent(ctx, domain.Agent{ID: "mai", Languages: []string{"vi"}, Teams: []string{"support"}, MaxConcurrent: 1 << 20, Status: domain.AgentAvailable}); err != nil {
		b.Fatal(err)
	}
	scorer, _ := urgency.NewScorer(urgency.DefaultConfig())
	j := &jobs{}
	ing := &ingest.Service{Store: st, Jobs: j, Normalizer: domain.Normalizer{DefaultRegion: "VN"}, Scorer: scorer, Log: quiet()}
	r := &routing.Router{Store: st, Config: routing.DefaultConfig(), Log: quiet()}
	for _, kind := range []string{"new_conversation", "follow_up"} {
		b.Run(kind, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			meter.Reset()
			for i := 0; i < b.N; i++ {
				phone := fmt.Sprintf("849%08d", i)
				if kind == "follow_up" {
					phone = "84912345678"
				}
				t0 := time.Now()
				out, err := ing.Ingest(ctx, domain.Inbound{Provider: "meta", Channel: domain.ChannelWhatsApp, Kind: domain.KindMessage,
					ProviderMessageID: fmt.Sprintf("wamid.%s.%d.%d", kind, b.N, i), Identities: []domain.RawIdentity{{Kind: domain.KindWhatsApp, Value: phone}},
					Text: "Gấp: đơn hàng của tôi chưa nhận được", OccurredAt: time.Now()})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := r.Route(ctx, out.Job); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			c := meter.Snapshot()
			b.ReportMetric(float64(c.Requests)/float64(b.N), "requests/message")
			b.ReportMetric(c.WriteUnits/float64(b.N), "wru/message")
			sort.Slice(lat, func(i, k int) bool { return lat[i] < lat[k] })
			b.ReportMetric(float64(lat[len(lat)*50/100].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*95/100)].Microseconds())/1000, "p95-ms")
		})
	}
}
