package loyalty_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/ddbmeter"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/loyalty"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/store/table"
	"github.com/concierge-cx/concierge/shared/testenv"
)

const benchBuyers = 10000

// seedBuyers writes n buyers as docs/table-design.md lays them out (a
// profile, and a purchases summary with GSI4 keys) with BatchWriteItem:
// recording 10,000 customers' purchases one transaction at a time would
// make the bench a bench of the seeding. Each has 1-5 orders over the last
// 14 months; all but every hundredth already hold the tier the ranking
// gives, so a run does what a day's run does: read every buyer, change a few.
func seedBuyers(tb testing.TB, db *dynamodb.Client, tableName string, n int, now time.Time, th loyalty.Thresholds) {
	tb.Helper()
	buys := make(map[string][]store.Buy, n)
	values := make(map[string]int64, n)
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("%s01KBBB%020d", domain.CustomerIDPrefix, i)
		var list []store.Buy
		for k := 0; k <= i%5; k++ {
			at := now.Add(-time.Duration((i*7919+k*104729)%(420*24)) * time.Hour)
			list = append(list, store.Buy{OrderID: fmt.Sprintf("ORD-%d-%d", i, k), At: at.Unix(), Value: int64((i*31+k*17)%997+1) * 10000})
		}
		buys[id] = list
		values[id] = loyalty.WindowValue(list, now, th.Window)
	}
	tiers := map[string]string{}
	for j, r := range loyalty.Rank(values, th) {
		tiers[r.CustomerID] = r.Tier
		if j%100 == 0 {
			tiers[r.CustomerID] = "" // a new buyer since yesterday: gets a first tier
		}
	}
	var batch []types.WriteRequest
	flush := func() {
		for len(batch) > 0 {
			out, err := db.BatchWriteItem(context.Background(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{tableName: batch}})
			if err != nil {
				tb.Fatal(err)
			}
			batch = out.UnprocessedItems[tableName]
		}
	}
	i := 0
	for id, list := range buys {
		profile := map[string]any{"PK": "C#" + id, "SK": "P", "type": "customer", "customerId": id, "version": 1,
			"createdAt": now, "updatedAt": now, "channelCounts": map[string]int{}}
		summary := map[string]any{"PK": "C#" + id, "SK": "B", "type": "purchases", "customerId": id, "buys": list,
			"orders": len(list), "version": 1, table.GSI4PK: fmt.Sprintf("BUYERS#%d", i%store.BuyerShards), table.GSI4SK: id}
		if t := tiers[id]; t != "" {
			profile["tier"], summary["tier"] = t, t
		}
		for _, it := range []map[string]any{profile, summary} {
			av, err := attributevalue.MarshalMap(it)
			if err != nil {
				tb.Fatal(err)
			}
			batch = append(batch, types.WriteRequest{PutRequest: &types.PutRequest{Item: av}})
			if len(batch) == 25 {
				flush()
			}
		}
		i++
	}
	flush()
}

// BenchmarkLoyalty measures the daily value-tier run over 10,000 buyers:
// its time, and the read units it consumes (the sparse buyers' index only,
// no profile read), as the ddbmeter middleware counts them from
// ConsumedCapacity. The tiers of 1% of buyers change in each run.
func BenchmarkLoyalty(b *testing.B) {
	base, name := testenv.NewTable(b)
	now := time.Now().UTC()
	th := loyalty.Thresholds{VIPShare: 80, ValuedShare: 15, Window: 365 * 24 * time.Hour}
	meter := &ddbmeter.Meter{BillTransactions: true}
	st := store.New(dynamodb.New(base.Options(), meter.Option), name)
	job := &loyalty.Tiering{Store: st, Thresholds: th, Currency: "VND", Log: quietLog()}
	var took time.Duration
	var reads, writes float64
	runs := 0
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		seedBuyers(b, base, name, benchBuyers, now, th) // puts the 1% back to no tier
		meter.Reset()
		b.StartTimer()
		start := time.Now()
		rep, err := job.Recompute(context.Background())
		took += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if rep.Buyers != benchBuyers || rep.Changed != benchBuyers/100 {
			b.Fatalf("report %+v: want %d buyers and %d changes", rep, benchBuyers, benchBuyers/100)
		}
		c := meter.Snapshot()
		reads, writes = reads+c.ReadUnits, writes+c.WriteUnits
		runs++
	}
	scale := float64(benchBuyers) / 10000 * float64(runs)
	b.ReportMetric(float64(took.Milliseconds())/scale, "tiering_ms/10k")
	b.ReportMetric(reads/scale, "tiering_rcu/10k")
	b.ReportMetric(writes/scale, "tiering_wru/10k")
}

func quietLog() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }
