package agentapi_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
)

// BenchmarkAPI measures what an agent waits for, through the handler and
// DynamoDB Local, for a customer with 1,000 touchpoints: opening the
// customer (GET /customers/{id}) and paging the timeline.
func BenchmarkAPI(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	out := e.inbound(b, "0912345678", "wamid.bench-0", "GẤP!!! Tôi bị trừ tiền 2 lần")
	customerID, convID := out.Job.CustomerID, out.Job.ConversationID
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if _, _, err := e.st.RecordOutbound(ctx, domain.Touchpoint{CustomerID: customerID, ConversationID: convID,
					Channel: domain.ChannelAgent, Kind: domain.KindNote, Text: fmt.Sprintf("ghi chú số %d về đơn hàng", i),
					OccurredAt: e.clk.now().Add(-time.Duration(i) * time.Minute)}); err != nil {
					b.Error(err)
				}
			}
		}()
	}
	for i := 1; i < 1000; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	agent := e.agent(b, "agent-bench")
	var first struct{ Next string }
	e.gw.do(b, "GET", "/customers/"+customerID+"/timeline?limit=25", agent, "").decode(b, &first)

	run := func(b *testing.B, path string) {
		lat := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			res := e.gw.do(b, "GET", path, agent, "")
			lat = append(lat, time.Since(t0))
			if res.Status != http.StatusOK {
				b.Fatalf("%s: %d %s", path, res.Status, res.Body)
			}
		}
		b.StopTimer()
		slices.Sort(lat)
		pct := func(p float64) float64 {
			return float64(lat[min(int(p*float64(len(lat))), len(lat)-1)]) / float64(time.Millisecond)
		}
		b.ReportMetric(pct(0.50), "p50-ms")
		b.ReportMetric(pct(0.99), "p99-ms")
	}
	b.Run("get_customer", func(b *testing.B) { run(b, "/customers/"+customerID) })
	b.Run("timeline_page", func(b *testing.B) { run(b, "/customers/"+customerID+"/timeline?limit=25&cursor="+first.Next) })
}
