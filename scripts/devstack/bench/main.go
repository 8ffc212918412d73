// Command bench measures the local stack for `make bench` (mk/dev.mk's bench-dev target) and prints one
// figure per line as "name: value unit":
//
//   - inbound webhooks per second sustained through the full stack (signed web-chat messages from a pool of
//     distinct senders, each sending repeatedly, at bounded concurrency on 127.0.0.1);
//   - the same work without the stack: a second pool of visitors whose signed messages this process
//     verifies, parses and ingests itself (the webhooks function's code, called directly; the routing jobs
//     go to the same lanes), and the share of a webhook's time the stack adds (gateway, Runtime API hops,
//     function processes): 1 - webhooks / in-process;
//   - in the same run, raw DynamoDB Local conditional PutItem per second at the same concurrency (the
//     ceiling), and the ratio of each of the two to it;
//   - for up to 15 s, nothing but follow-ups applied in place, from senders the store has met, ingested in
//     this process (the store's one BatchGetItem, TransactWriteItems and UpdateItem each), and their ratio
//     to the put rate: the most a webhook's rate can be on this DynamoDB Local, whatever the stack;
//   - per function, the bootstrap's size and the time from process start to its first response;
//   - urgent-lane latency: from a signed urgent message accepted by the gateway to the agent's assignment
//     notification arriving at a webhook receiver, through the real pollers and router (p50, p95);
//   - where the time went, as the median of each hop per phase (devstack.hop.<phase>.<hop>_p50): "client"
//     (the whole request as the sender sees it), "gateway" (its own work), "<function>_wait" (until the
//     function's runtime takes the event: a free instance, a cold start), "<function>_run" (the function),
//     "<lane>_queued" (SendMessage to the poller's receive), "<lane>_wait" and "<lane>_run" (the router's
//     invocation), "ddb_put" (one PutItem of the ceiling phase).
//
// DEV_BENCH_DDB_COUNT=1 adds devstack.ddb_requests_per_webhook (and one line per operation, and per
// operation and the kinds of item it names: by_items.TransactWriteItems.M+C+C): DynamoDB requests
// counted by a proxy in front of DynamoDB Local from the webhook phase's start until the lanes drain (an extra
// hop, so off by default).
//
// DEV_BENCH_SECONDS sets the duration of each of the three load phases (default 60; the follow-ups' phase
// takes at most 15 s); DEV_CONCURRENCY the
// functions' local cap as for `make dev`; DEV_BENCH_CPUPROFILE=FILE writes a CPU profile of the stack's own
// process (gateway, Runtime API hosts, pollers) during the webhook phase, for `go tool pprof`.
package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/scripts/devstack/stack"
	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/channels/webchat"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/queue"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/store/table"
)

const (
	workers = 8   // concurrent clients: enough to keep 2 function processes and the emulators busy on 2 cores
	senders = 200 // distinct visitors; each sends again and again
)

func main() {
	secs := 60
	if v, err := strconv.Atoi(os.Getenv("DEV_BENCH_SECONDS")); err == nil && v > 0 {
		secs = v
	}
	dur := time.Duration(secs) * time.Second
	concurrency, _ := strconv.Atoi(os.Getenv("DEV_CONCURRENCY")) // as `make dev` reads it; 0 is the default
	logPath := filepath.Join(os.TempDir(), "concierge-bench-dev.log")
	logf, err := os.Create(logPath)
	if err != nil {
		fail(err)
	}
	defer logf.Close()
	ctx := context.Background()
	notes := newReceiver()
	defer notes.Close()
	// The functions read the notification webhook from the environment the stack passes on.
	os.Setenv("NOTIFY_WEBHOOK_URL", notes.URL)
	ddbCount := countDDB()
	st, err := stack.Start(ctx, stack.Options{
		DataDir: filepath.Join(os.TempDir(), "concierge-bench-dev"), Prefix: fmt.Sprintf("bench%d-", time.Now().Unix()%1e6),
		GatewayAddr: "127.0.0.1:0", SMTPAddr: "127.0.0.1:0", Out: logf, Quiet: true, Concurrency: concurrency,
	})
	if err != nil {
		fail(err)
	}
	defer st.Stop()
	fmt.Fprintf(os.Stderr, "bench-dev: stack up (log %s); %s of webhooks, %s in process, %s of PutItem, then %s of follow-ups' requests, %d clients\n", logPath, dur, dur, dur, min(dur, 15*time.Second), workers)

	// Functions nothing else invokes are invoked once with an empty event: an error still times the start.
	for _, name := range st.Functions {
		if st.Hosts[name].Stats().FirstResponse == 0 && name != "webhooks" {
			_, _ = st.Hosts[name].Invoke(ctx, []byte(`{}`))
		}
	}

	secret := st.Secret("WEBCHAT_SIGNING_SECRET")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}, Timeout: 30 * time.Second}
	var seq atomic.Int64
	// message is the next signed web-chat message of a visitor of the pool named by pool: visitor
	// `who`, or when who < 0 the next of the pool's senders in turn.
	message := func(pool string, who int64) (body []byte, ts, sig string) {
		n := seq.Add(1)
		if who < 0 {
			who = n % senders
		}
		body = []byte(fmt.Sprintf(`{"visitorId":"v_%s_%03d","messageId":"m_%d_%d","name":"Khách %d","text":"Cho mình hỏi đơn hàng số %d ạ","sentAt":%q}`,
			pool, who, time.Now().UnixNano(), n, who, n, time.Now().UTC().Format("2006-01-02T15:04:05.000Z07:00"))) // ms, as a browser's toISOString
		ts = strconv.FormatInt(time.Now().Unix(), 10)
		return body, ts, channels.Signature(secret, ts, body)
	}
	send := func() error {
		body, ts, sig := message("bench", -1)
		req, _ := http.NewRequest(http.MethodPost, st.GatewayURL+"/webhooks/webchat", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Concierge-Timestamp", ts)
		req.Header.Set("X-Concierge-Signature", sig)
		began := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		st.Timings.Observe("client", time.Since(began))
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		return nil
	}
	// Warm a process per client before the clock starts: at once, or one process would serve them all.
	warm := make(chan error, workers)
	for range workers {
		go func() { warm <- send() }()
	}
	for range workers {
		if err := <-warm; err != nil {
			fail(fmt.Errorf("warm-up webhook: %w", err))
		}
	}
	st.Timings.Reset()
	p50, p95, lost := urgentLatency(ctx, st, client, secret, notes)
	urgentHops := st.Timings.Snapshot()
	st.Timings.Reset()
	fmt.Fprintf(os.Stderr, "bench-dev: webhooks phase from %d\n", time.Now().Unix())
	stopProfile := func() {}
	if path := os.Getenv("DEV_BENCH_CPUPROFILE"); path != "" {
		stopProfile = cpuProfile(path)
	}
	if ddbCount != nil {
		ddbCount.counting.Store(true)
	}
	hooks, hookErrs, hookN := run(dur, send)
	if ddbCount != nil {
		// The lanes drain before the count stops, so each webhook's routing is in it.
		if err := drained(ctx, st, 2*time.Minute); err != nil {
			fmt.Fprintln(os.Stderr, "bench-dev: the DynamoDB count misses the lanes' rest:", err)
		}
		ddbCount.counting.Store(false)
	}
	stopProfile()
	hookHops := st.Timings.Snapshot()
	fmt.Fprintf(os.Stderr, "bench-dev: webhooks phase to %d\n", time.Now().Unix())

	// The same work without the stack: a new pool of visitors whose signed messages are verified, parsed
	// and ingested in this process (the routing jobs go to the same lanes), so the gap to the webhook
	// phase is what the gateway, the Runtime API and the function processes add.
	if err := drained(ctx, st, 2*time.Minute); err != nil {
		fmt.Fprintln(os.Stderr, "bench-dev: the lanes did not drain before the in-process phase:", err)
	}
	ingestOne := inProcess(st, secret, message)
	inproc, inprocErrs, _ := run(dur, func() error { _, err := ingestOne("inproc", -1); return err })

	ddb := st.DynamoDB()
	var pk atomic.Int64
	putTimes := &stack.Timings{}
	put := func() error {
		k := fmt.Sprintf("BENCH#%d", pk.Add(1))
		began := time.Now()
		defer func() { putTimes.Observe("ddb_put", time.Since(began)) }()
		_, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String(st.Table),
			Item: map[string]types.AttributeValue{
				table.PK: &types.AttributeValueMemberS{Value: k}, table.SK: &types.AttributeValueMemberS{Value: "M"},
				"customerId": &types.AttributeValueMemberS{Value: "cus_bench"},
			},
			ConditionExpression: aws.String("attribute_not_exists(PK)"),
		})
		return err
	}
	puts, putErrs, _ := run(dur, put)
	// Nothing but follow-ups from senders the store has met, in process: the ceiling any stack's
	// webhook rate has on this DynamoDB Local.
	floor, floorErrs, _ := run(min(dur, 15*time.Second), followUps(ctx, st, ingestOne))

	fmt.Printf("devstack.webhooks_per_second: %.1f req/s\n", hooks)
	fmt.Printf("devstack.webhook_errors: %d errors\n", hookErrs)
	fmt.Printf("devstack.ddb_conditional_put_per_second: %.1f req/s\n", puts)
	fmt.Printf("devstack.ddb_put_errors: %d errors\n", putErrs)
	if puts > 0 {
		fmt.Printf("devstack.webhooks_to_put_ratio: %.3f ratio\n", hooks/puts)
	}
	fmt.Printf("devstack.ddb_follow_up_requests_per_second: %.1f req/s\n", floor)
	fmt.Printf("devstack.ddb_follow_up_requests_errors: %d errors\n", floorErrs)
	if puts > 0 {
		fmt.Printf("devstack.follow_up_requests_to_put_ratio: %.3f ratio\n", floor/puts)
	}
	fmt.Printf("devstack.in_process_ingest_per_second: %.1f req/s\n", inproc)
	fmt.Printf("devstack.in_process_ingest_errors: %d errors\n", inprocErrs)
	if puts > 0 && inproc > 0 {
		fmt.Printf("devstack.in_process_ingest_to_put_ratio: %.3f ratio\n", inproc/puts)
		fmt.Printf("devstack.stack_share_of_webhook_time: %.3f share\n", 1-hooks/inproc)
	}
	fmt.Printf("devstack.urgent_lane.webhook_to_assigned_p50: %.1f ms\n", p50)
	fmt.Printf("devstack.urgent_lane.webhook_to_assigned_p95: %.1f ms\n", p95)
	fmt.Printf("devstack.urgent_lane.unassigned: %d messages\n", lost)
	if ddbCount != nil {
		ddbCount.report(hookN)
	}
	printHops("webhooks", hookHops)
	printHops("urgent", urgentHops)
	printHops("put", putTimes.Snapshot())
	for _, name := range st.Functions {
		fi, err := os.Stat(st.Binaries[name])
		if err == nil {
			fmt.Printf("devstack.%s.bootstrap_size: %.2f MB\n", name, float64(fi.Size())/(1<<20))
		}
		if fr := st.Hosts[name].Stats().FirstResponse; fr > 0 {
			fmt.Printf("devstack.%s.start_to_first_response: %.1f ms\n", name, float64(fr)/float64(time.Millisecond))
		}
	}
}

// inProcess returns what the webhooks function does with a web-chat message of a visitor (as message
// picks it): webchat.Verify, webchat.Parse, the ingest pipeline as functions/webhooks wires it, called
// directly. It reports whether every message of the request was applied in place (no routing job).
func inProcess(st *stack.Stack, secret string, message func(pool string, who int64) ([]byte, string, string)) func(pool string, who int64) (bool, error) {
	ctx := context.Background()
	s := store.New(st.DynamoDB(), st.Table)
	lanes := queue.Publisher{Client: st.SQS(), NormalURL: st.Queues[queue.Normal.Key], UrgentURL: st.Queues[queue.Urgent.Key]}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	svc, err := ingest.New(s, lanes, "VN", log)
	if err != nil {
		fail(err)
	}
	svc.Aftercare = ingest.StandardAftercare(s, nil, log)
	return func(pool string, who int64) (bool, error) {
		body, ts, sig := message(pool, who)
		req := channels.Request{Method: http.MethodPost, Path: "/webhooks/webchat", Body: body,
			Headers: map[string]string{"x-concierge-timestamp": ts, "x-concierge-signature": sig}}
		if err := webchat.Verify(req, secret); err != nil {
			return false, err
		}
		res, err := webchat.Parse(req)
		if err != nil {
			return false, err
		}
		inPlace := true
		for _, in := range res.Messages {
			out, err := svc.Ingest(ctx, in)
			if err != nil {
				return false, err
			}
			inPlace = inPlace && out.InPlace
		}
		return inPlace, nil
	}
}

// followUps returns one follow-up applied in place, through the real store and ingest pipeline
// (ingestOne), from one of `workers` visitors that ingestOne's store has met and whose conversations are
// routed: the store's own requests for it (one BatchGetItem, one TransactWriteItems, one UpdateItem) and
// nothing of the stack around them. No two run for one visitor at once, as one sender's messages come
// one after another. A follow-up that is not applied in place counts as an error: it is not the case
// measured.
func followUps(ctx context.Context, st *stack.Stack, ingestOne func(pool string, who int64) (bool, error)) func() error {
	free := make(chan int64, workers)
	for w := range int64(workers) {
		if _, err := ingestOne("floor", w); err != nil {
			fail(fmt.Errorf("bench-dev: the follow-up phase's first messages: %w", err))
		}
		free <- w
	}
	if err := drained(ctx, st, 2*time.Minute); err != nil {
		fmt.Fprintln(os.Stderr, "bench-dev: the follow-up phase's first messages were not routed:", err)
	}
	return func() error {
		w := <-free
		defer func() { free <- w }()
		inPlace, err := ingestOne("floor", w)
		if err == nil && !inPlace {
			err = fmt.Errorf("follow-up of visitor %d took the router", w)
		}
		return err
	}
}

// run calls op from `workers` goroutines for d and returns successes per second, the error count and the
// successes.
func run(d time.Duration, op func() error) (float64, int64, int64) {
	var ok, bad atomic.Int64
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if op() == nil {
					ok.Add(1)
				} else {
					bad.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return float64(ok.Load()) / time.Since(start).Seconds(), bad.Load(), ok.Load()
}

// printHops prints each hop's median, phase by phase: where a request's time went.
func printHops(phase string, hops map[string]stack.HopStats) {
	names := make([]string, 0, len(hops))
	for name := range hops {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Printf("devstack.hop.%s.%s_p50: %.1f ms\n", phase, strings.ReplaceAll(name, ".", "_"), float64(hops[name].P50)/float64(time.Millisecond))
	}
}

// cpuProfile profiles this process (gateway, Runtime API hosts, pollers) into path until stop.
func cpuProfile(path string) (stop func()) {
	f, err := os.Create(path)
	if err != nil {
		fail(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fail(err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench-dev:", err)
	os.Exit(1)
}
