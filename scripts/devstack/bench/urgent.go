package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/concierge-cx/concierge/scripts/devstack/stack"
	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/queue"
	"github.com/concierge-cx/concierge/shared/store"
)

const (
	urgentMessages = 40
	// urgentWarmUp messages go first, untimed: the router's first urgent invocation is a cold start.
	urgentWarmUp = 3
)

// receiver is the agents' notification webhook: it notes when each
// customer's assignment arrives.
type receiver struct {
	*httptest.Server
	mu      sync.Mutex
	arrived map[string]chan time.Time
}

func newReceiver() *receiver {
	r := &receiver{arrived: map[string]chan time.Time{}}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var n struct {
			Event        string `json:"event"`
			CustomerName string `json:"customerName"`
		}
		b, _ := io.ReadAll(req.Body)
		if json.Unmarshal(b, &n) == nil && n.Event == "assigned" {
			r.wait(n.CustomerName) <- time.Now()
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	return r
}

func (r *receiver) wait(name string) chan time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.arrived[name] == nil {
		r.arrived[name] = make(chan time.Time, 4)
	}
	return r.arrived[name]
}

// urgentLatency sends urgent web-chat messages one at a time from new
// customers and times each from the webhook request (answered once the
// message is stored and queued) to its assignment notification. It first waits
// until both lanes are empty, so the warm-up's batch is not routed meanwhile. It returns p50 and p95 in milliseconds and how many were
// never assigned within 10 s.
func urgentLatency(ctx context.Context, st *stack.Stack, client *http.Client, secret string, notes *receiver) (float64, float64, int) {
	s := store.New(st.DynamoDB(), st.Table)
	if _, err := s.PutAgent(ctx, domain.Agent{ID: "bench-agent", Name: "Bench Agent", Languages: []string{"vi"},
		Teams: []string{"support"}, MaxConcurrent: 1 << 20, Status: domain.AgentAvailable}); err != nil {
		fail(err)
	}
	if err := drained(ctx, st, 30*time.Second); err != nil {
		// A message that failed stays in flight for the visibility timeout: time the lane anyway, and say so.
		fmt.Fprintln(os.Stderr, "bench-dev: timing the urgent lane with work still queued:", err)
	}
	var lat []time.Duration
	lost := 0
	for i := -urgentWarmUp; i < urgentMessages; i++ {
		if i == 0 {
			st.Timings.Reset() // the hops of the timed messages only
		}
		name := fmt.Sprintf("Khách Gấp %d %d", time.Now().UnixNano()%1e6, i)
		body, _ := json.Marshal(map[string]string{
			"visitorId": fmt.Sprintf("v_urgent_%d_%d", time.Now().UnixNano(), i), "messageId": fmt.Sprintf("u_%d", time.Now().UnixNano()),
			"name": name, "text": "GẤP!!! Tôi bị trừ tiền 2 lần mà chưa nhận được hàng", "sentAt": time.Now().UTC().Format(time.RFC3339),
		})
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		req, _ := http.NewRequest(http.MethodPost, st.GatewayURL+"/webhooks/webchat", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Concierge-Timestamp", ts)
		req.Header.Set("X-Concierge-Signature", channels.Signature(secret, ts, body))
		arrived := notes.wait(name)
		sent := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			fail(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			fail(fmt.Errorf("urgent webhook: HTTP %d", resp.StatusCode))
		}
		select {
		case at := <-arrived:
			if i < 0 {
				continue // a warm-up message
			}
			lat = append(lat, at.Sub(sent))
		case <-time.After(10 * time.Second):
			if i < 0 {
				fail(errors.New("an urgent warm-up message was not assigned within 10 s"))
			}
			lost++
		case <-ctx.Done():
			return 0, 0, lost
		}
	}
	if len(lat) == 0 {
		fmt.Fprintln(os.Stderr, "bench-dev: no urgent message was assigned")
		return 0, 0, lost
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return ms(lat[len(lat)/2]), ms(lat[min(len(lat)-1, len(lat)*95/100)]), lost
}

// drained waits until no lane holds a message, visible or in flight.
func drained(ctx context.Context, st *stack.Stack, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		left := 0
		for _, l := range queue.Lanes() {
			out, err := st.SQS().GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(st.Queues[l.Key]),
				AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages,
					sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
			if err != nil {
				return err
			}
			for _, v := range out.Attributes {
				n, _ := strconv.Atoi(v)
				left += n
			}
		}
		if left == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the lanes still hold %d messages after %s", left, within)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
