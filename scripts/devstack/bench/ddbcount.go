package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// ddbCounter is a reverse proxy the stack's functions reach DynamoDB Local
// through (DEV_BENCH_DDB_COUNT=1): it counts requests by operation, so the
// bench can say how many DynamoDB requests a webhook costs on the whole path
// (webhook, ingest, lane, router, acknowledgement) whatever the machine's
// load. Off by default: the extra hop would lower the figures it sits in.
type ddbCounter struct {
	counting atomic.Bool
	mu       sync.Mutex
	ops      map[string]int
	kinds    map[string]int // by operation and the kinds of item it names
	srv      *http.Server
	URL      string
}

func startDDBCounter(target string) (*ddbCounter, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	c := &ddbCounter{ops: map[string]int{}, kinds: map[string]int{}, URL: "http://" + ln.Addr().String()}
	proxy := httputil.NewSingleHostReverseProxy(u)
	c.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c.counting.Load() {
			op := r.Header.Get("X-Amz-Target")
			op = op[strings.LastIndex(op, ".")+1:]
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			c.mu.Lock()
			c.ops[op]++
			c.kinds[op+"."+itemKinds(body)]++
			c.mu.Unlock()
		}
		proxy.ServeHTTP(w, r)
	})}
	go func() { _ = c.srv.Serve(ln) }()
	return c, nil
}

// report prints the requests per webhook, in all and by operation.
func (c *ddbCounter) report(webhooks int64) {
	if webhooks == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	total := 0
	names := make([]string, 0, len(c.ops))
	for op, n := range c.ops {
		total += n
		names = append(names, op)
	}
	sort.Strings(names)
	fmt.Printf("devstack.ddb_requests_per_webhook: %.2f requests\n", float64(total)/float64(webhooks))
	for _, op := range names {
		fmt.Printf("devstack.ddb_requests_per_webhook.%s: %.2f requests\n", op, float64(c.ops[op])/float64(webhooks))
	}
	names = names[:0]
	for k := range c.kinds {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool { return c.kinds[names[i]] > c.kinds[names[j]] })
	for _, k := range names {
		fmt.Printf("devstack.ddb_requests_per_webhook.by_items.%s: %.2f requests\n", k, float64(c.kinds[k])/float64(webhooks))
	}
}

// keyPrefix finds the partition keys a request names ("PK":{"S":"C#cus_...}).
var keyPrefix = regexp.MustCompile(`"PK":\{"S":"([A-Za-z]+)#`)

// itemKinds names the items of a request by their partition keys' prefixes in
// request order (C for a customer's partition, V a conversation, M a dedup
// key, I an identity key, A an agent; see shared/store/keys.go), joined by
// "+": TransactWriteItems.M+C+C is a follow-up's dedup key, touchpoint and
// profile. A Query names its index's key, not PK, and shows as "-".
func itemKinds(body []byte) string {
	var kinds []string
	for _, m := range keyPrefix.FindAllSubmatch(body, -1) {
		kinds = append(kinds, string(m[1]))
	}
	if len(kinds) == 0 {
		return "-"
	}
	return strings.Join(kinds, "+")
}

// countDDB puts a counter in front of DYNAMODB_ENDPOINT when asked to.
func countDDB() *ddbCounter {
	if os.Getenv("DEV_BENCH_DDB_COUNT") != "1" {
		return nil
	}
	ep := os.Getenv("DYNAMODB_ENDPOINT")
	if ep == "" {
		fail(fmt.Errorf("DEV_BENCH_DDB_COUNT needs DYNAMODB_ENDPOINT (run under make bench-dev)"))
	}
	c, err := startDDBCounter(ep)
	if err != nil {
		fail(err)
	}
	os.Setenv("DYNAMODB_ENDPOINT", c.URL)
	return c
}
