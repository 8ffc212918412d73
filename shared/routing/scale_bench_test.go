package routing_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
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

// The scale run: a busy deployment's traffic through ingest, routing and
// resolve on the in-process store (DynamoDB Local), with the meter counting
// write units per partition key (base table and each index entry), so the
// hottest key's share shows whether any key would reach a partition's
// 1,000 write units a second before the rest of the table does.
const (
	scaleCustomers   = 2000
	scaleMessages    = 10000 // scaleMessages/scaleCustomers per customer
	scaleAgentsTeam  = 10
	scaleWorkers     = 16
	partitionWCUPerS = 1000 // what one partition takes a second
)

// scaleTeams and the text that routes a customer's messages to each (the
// router's TeamByCategory).
var scaleTeams = []struct{ team, text string }{
	{"support", "Chào shop, đơn hàng của em giao chưa ạ?"},
	{"billing", "Em bị trừ tiền hai lần cho một đơn, shop kiểm tra giúp em"},
	{"escalations", "Em nghĩ em bị lừa, có người giả danh shop gọi cho em"},
}

// scaleNames are the customers' display names, a Vietnamese spread of family
// names (four in ten Nguyễn), which the name index (GSI3 NAME#<first two
// folded letters>) partitions by.
var (
	scaleFamilies = []string{"Nguyễn", "Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Vũ"}
	scaleGiven    = []string{"Thị Lan", "Văn Minh", "Thu Hà", "Quốc Bảo", "Ngọc Anh", "Đức Huy", "Mai"}
)

// scaleFigures are what one run measures.
type scaleFigures struct {
	Messages           int
	TotalUnits         float64
	HottestKey         string // its pattern
	HottestUnits       float64
	Share              float64
	MaxMessagesPerSec  float64
	Resolved           int
	Duration           time.Duration
	HottestPatternsTop []string
}

// runScale sends scaleMessages messages from scaleCustomers customers of
// three teams, served by 30 agents; each customer's conversation is resolved
// after their last message, owing a survey that is then claimed and settled
// (the send itself left out). Customers are spread over scaleWorkers workers,
// each customer's messages in order.
func runScale(tb testing.TB, shards int) scaleFigures {
	tb.Helper()
	t0 := time.Now()
	base, table := testenv.NewTable(tb)
	meter := &ddbmeter.Meter{BillTransactions: true, PerKey: true}
	st := store.New(dynamodb.New(base.Options(), meter.Option), table, store.WithKeyShards(shards))
	ctx := context.Background()
	for _, t := range scaleTeams {
		for i := 0; i < scaleAgentsTeam; i++ {
			if _, err := st.PutAgent(ctx, domain.Agent{ID: fmt.Sprintf("%s-%02d", t.team, i), Languages: []string{"vi"}, Teams: []string{t.team},
				MaxConcurrent: 8, Status: domain.AgentAvailable}); err != nil {
				tb.Fatal(err)
			}
		}
	}
	scorer, err := urgency.NewScorer(urgency.DefaultConfig())
	if err != nil {
		tb.Fatal(err)
	}
	quiet := slog.New(slog.NewJSONHandler(io.Discard, nil))
	cfg := routing.DefaultConfig()
	cfg.TeamByCategory = map[string]string{"money": "billing", "fraud": "escalations", "legal": "escalations"}
	ing := &ingest.Service{Store: st, Jobs: &published{}, Normalizer: domain.Normalizer{DefaultRegion: "VN"}, Scorer: scorer, Log: quiet}
	router := &routing.Router{Store: st, Config: cfg, Log: quiet, Metrics: io.Discard}
	meter.Reset()

	perCustomer := scaleMessages / scaleCustomers
	var mu sync.Mutex
	resolved := 0
	var wg sync.WaitGroup
	errs := make(chan error, scaleWorkers)
	for w := 0; w < scaleWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := w; c < scaleCustomers; c += scaleWorkers {
				team := scaleTeams[c%len(scaleTeams)]
				phone := fmt.Sprintf("8491%07d", c)
				var conv string
				for m := 0; m < perCustomer; m++ {
					out, err := ing.Ingest(ctx, domain.Inbound{Provider: "meta", Channel: domain.ChannelWhatsApp, Kind: domain.KindMessage,
						ProviderMessageID: fmt.Sprintf("wamid.scale.%d.%d", c, m), Identities: []domain.RawIdentity{{Kind: domain.KindWhatsApp, Value: phone}},
						ProfileName: scaleFamilies[c%len(scaleFamilies)] + " " + scaleGiven[c%len(scaleGiven)],
						Text:        team.text, OccurredAt: time.Now()})
					if err != nil {
						errs <- err
						return
					}
					conv = out.Job.ConversationID
					if !out.InPlace {
						if _, err := router.Route(ctx, out.Job); err != nil {
							errs <- err
							return
						}
					}
				}
				// The agent resolves it: the slot, the customer's open conversation, the day's
				// metrics and the survey it owes, which the request claims and settles once sent.
				res, err := st.ResolveConversation(ctx, conv, store.ResolveInput{
					Owed: []store.OwedEffect{{Kind: "survey", ConversationID: conv, Event: "resolved", Payload: []byte(`{}`)}}})
				if err != nil {
					errs <- err
					return
				}
				for _, e := range res.Owed {
					if _, err := st.ClaimOwed(ctx, e.Key, time.Minute); err != nil {
						errs <- err
						return
					}
					if _, err := st.SettleOwed(ctx, e.Key); err != nil {
						errs <- err
						return
					}
				}
				mu.Lock()
				resolved++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		tb.Fatal(err)
	}
	counts := meter.Snapshot()
	key, units, total := counts.ByKey.Hottest()
	f := scaleFigures{
		Messages: scaleMessages, TotalUnits: total, HottestKey: ddbmeter.KeyPattern(key), HottestUnits: units,
		Share: units / total, Resolved: resolved,
		Duration: time.Since(t0),
	}
	f.MaxMessagesPerSec = partitionWCUPerS / (units / scaleMessages)
	// Per key pattern, for the log and docs/table-design.md's partition math:
	// its write units per message, how many keys share them, and its hottest
	// key's units per message.
	type pattern struct {
		name       string
		units, max float64
		keys       int
	}
	byPattern := map[string]*pattern{}
	for k, u := range counts.ByKey {
		p := byPattern[ddbmeter.KeyPattern(k)]
		if p == nil {
			p = &pattern{name: ddbmeter.KeyPattern(k)}
			byPattern[p.name] = p
		}
		p.units, p.keys, p.max = p.units+u, p.keys+1, max(p.max, u)
	}
	list := make([]*pattern, 0, len(byPattern))
	for _, p := range byPattern {
		list = append(list, p)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].max > list[j].max })
	for _, p := range list {
		f.HottestPatternsTop = append(f.HottestPatternsTop, fmt.Sprintf("%-34s %6.3f wru/msg over %5d keys, hottest %.4f wru/msg (hot at %.0f msg/s)",
			p.name, p.units/scaleMessages, p.keys, p.max/scaleMessages, partitionWCUPerS/(p.max/scaleMessages)))
	}
	return f
}

var scaleOnce sync.Once

// BenchmarkScale is the scale run at the default shard count (one run,
// whatever b.N: it is a fixed workload that takes well over the benchmark
// time, so b.N stays 1). `make bench` prints its scale.* lines.
func BenchmarkScale(b *testing.B) {
	var f scaleFigures
	scaleOnce.Do(func() {
		f = runScale(b, store.DefaultKeyShards)
		fmt.Printf("scale.hottest_key_share: %.4f share\n", f.Share)
		fmt.Printf("scale.hottest_key: %s key\n", f.HottestKey)
		fmt.Printf("scale.max_msgs_per_second_before_hot_key: %.0f msgs/s\n", f.MaxMessagesPerSec)
		fmt.Printf("scale.wru_per_message: %.2f wru/message\n", f.TotalUnits/float64(f.Messages))
		fmt.Printf("scale.run_seconds: %.1f s\n", f.Duration.Seconds())
		// The breakdown goes to stdout whole (a benchmark's log is cut at ten lines); its lines are
		// indented, so they are not figures of the summary.
		fmt.Printf("  %d conversations resolved; write units by key pattern, hottest key first:\n  %s\n", f.Resolved, strings.Join(f.HottestPatternsTop, "\n  "))
	})
}
