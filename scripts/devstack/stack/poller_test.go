package stack

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/concierge-cx/concierge/scripts/devstack/lambdahost"
	"github.com/concierge-cx/concierge/shared/testenv"
)

// buildTestFunction builds testdata/<name> as a bootstrap, the way a function deploys.
func buildTestFunction(t *testing.T, name string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", out, "./testdata/"+name)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building testdata/%s: %v\n%s", name, err, b)
	}
	return out
}

type seen struct {
	batch, body, receives, source, arn, priority string
}

func readLog(t *testing.T, path string) []seen {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []seen
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Split(line, "\t")
		if len(f) == 6 {
			out = append(out, seen{f[0], f[1], f[2], f[3], f[4], f[5]})
		}
	}
	return out
}

func queueDepth(t *testing.T, c *sqs.Client, url string) (visible, inFlight string) {
	t.Helper()
	out, err := c.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{
		sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	if err != nil {
		t.Fatal(err)
	}
	return out.Attributes["ApproximateNumberOfMessages"], out.Attributes["ApproximateNumberOfMessagesNotVisible"]
}

// startPoller runs the test consumer behind a poller on a fresh queue with a DLQ after maxReceives.
func startPoller(t *testing.T, batch int, window time.Duration, maxReceives int) (client *sqs.Client, url, dlq, log string, p *Poller) {
	t.Helper()
	_, dlq = testenv.NewQueue(t, testenv.QueueOptions{})
	client, url = testenv.NewQueue(t, testenv.QueueOptions{VisibilityTimeout: 2, DeadLetterQueueURL: dlq, MaxReceiveCount: maxReceives})
	log = filepath.Join(t.TempDir(), "seen.log")
	h, err := lambdahost.Start(t.Context(), lambdahost.Config{
		Name: "sqsfn", Binary: buildTestFunction(t, "sqsfn"), Env: []string{"SQSFN_LOG=" + log}, Timeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Stop)
	p = NewPoller(PollerConfig{Name: "test", QueueURL: url, QueueARN: "arn:aws:sqs:us-east-1:000000000000:test", Region: "us-east-1",
		BatchSize: batch, Window: window, Pollers: 1, ReportBatchItemFailures: true}, client, h, nil)
	return client, url, dlq, log, p
}

func send(t *testing.T, c *sqs.Client, url string, bodies ...string) {
	t.Helper()
	var entries []sqstypes.SendMessageBatchRequestEntry
	for i, b := range bodies {
		entries = append(entries, sqstypes.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), MessageBody: aws.String(b),
			MessageAttributes: map[string]sqstypes.MessageAttributeValue{"priority": {DataType: aws.String("String"), StringValue: aws.String("normal")}}})
	}
	if _, err := c.SendMessageBatch(t.Context(), &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: entries}); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, limit time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestPoisonMessageReachesDLQWithoutHoldingUpItsBatch(t *testing.T) {
	t.Parallel()
	const maxReceives = 3
	client, url, dlq, log, p := startPoller(t, 10, 300*time.Millisecond, maxReceives)
	// Sent before the poller starts, so the first receive sees them all and one batch carries them.
	send(t, client, url, "order-1", "poison-7", "order-2", "order-3")
	ctx, cancel := context.WithCancel(t.Context())
	defer func() { cancel(); p.Wait() }()
	p.Start(ctx)

	// The three good messages are processed once, in the first batch, and deleted.
	waitFor(t, "the first batch", 10*time.Second, func() bool { return len(readLog(t, log)) >= 4 })
	first := readLog(t, log)[:4]
	for _, s := range first {
		if s.receives != "1" || s.source != "aws:sqs" || s.arn == "" || s.priority != "normal" {
			t.Errorf("first delivery of %s: receive count %s, source %q, arn %q, priority attribute %q", s.body, s.receives, s.source, s.arn, s.priority)
		}
	}
	if first[0].batch == "1" {
		t.Errorf("the batching window gathered nothing: first batch had %s message(s)", first[0].batch)
	}

	// The poison comes back after each visibility timeout, alone, until fauxqs moves it to the DLQ. Every
	// message the DLQ gives up is checked, not only the first.
	var inDLQ []string
	waitFor(t, "the poison message in the DLQ", 30*time.Second, func() bool {
		out, err := client.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(dlq), WaitTimeSeconds: 1,
			MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			inDLQ = append(inDLQ, aws.ToString(m.Body))
		}
		return slices.Contains(inDLQ, "poison-7")
	})
	if len(inDLQ) != 1 {
		t.Errorf("DLQ holds %q, want only the poison message", inDLQ)
	}
	if vis, _ := queueDepth(t, client, dlq); vis != "0" {
		t.Errorf("DLQ still holds %s more message(s), want only the poison message", vis)
	}
	counts := map[string]int{}
	for _, s := range readLog(t, log) {
		counts[s.body]++
	}
	for _, good := range []string{"order-1", "order-2", "order-3"} {
		if counts[good] != 1 {
			t.Errorf("%s processed %d times, want once: a failed neighbour must not send it back", good, counts[good])
		}
	}
	if counts["poison-7"] != maxReceives {
		t.Errorf("poison processed %d times, want %d (maxReceiveCount)", counts["poison-7"], maxReceives)
	}
	if vis, inflight := queueDepth(t, client, url); vis != "0" || inflight != "0" {
		t.Errorf("source queue still holds %s visible, %s in flight", vis, inflight)
	}
	st := p.Stats()
	if st.Deleted != 3 || st.Failed != int64(maxReceives) {
		t.Errorf("stats %+v: want 3 deleted and %d failures", st, maxReceives)
	}
}

func TestFunctionErrorReturnsTheWholeBatch(t *testing.T) {
	t.Parallel()
	client, url, _, log, p := startPoller(t, 10, 300*time.Millisecond, 5)
	send(t, client, url, "fail-batch", "order-9")
	ctx, cancel := context.WithCancel(t.Context())
	defer func() { cancel(); p.Wait() }()
	p.Start(ctx)
	// Both come back after the visibility timeout: the good one too, since the invocation failed.
	waitFor(t, "a redelivery of the batch", 15*time.Second, func() bool {
		for _, s := range readLog(t, log) {
			if s.body == "order-9" && s.receives == "2" {
				return true
			}
		}
		return false
	})
	if p.Stats().BatchErrors == 0 {
		t.Error("no batch error counted")
	}
}

func TestUrgentLaneInvokesOneMessageAtOnce(t *testing.T) {
	t.Parallel()
	client, url, _, log, p := startPoller(t, 1, 0, 5)
	ctx, cancel := context.WithCancel(t.Context())
	defer func() { cancel(); p.Wait() }()
	p.Start(ctx)
	start := time.Now()
	send(t, client, url, "gấp-1", "gấp-2")
	waitFor(t, "both urgent messages", 10*time.Second, func() bool { return len(readLog(t, log)) == 2 })
	for _, s := range readLog(t, log) {
		if s.batch != "1" {
			t.Errorf("%s arrived in a batch of %s, want 1", s.body, s.batch)
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("urgent messages took %s", d)
	}
}

// invokeFunc is an in-process Invoker: the test's own function behind the poller.
type invokeFunc func(ctx context.Context, payload []byte) (lambdahost.Result, error)

func (f invokeFunc) Invoke(ctx context.Context, payload []byte) (lambdahost.Result, error) {
	return f(ctx, payload)
}

// A message sent just after a batching window closed must reach the next batch at once, not wait out its
// visibility timeout: a long poll the window cut short client-side stays open in the emulator (and in SQS)
// and would take the message for a receiver that is gone.
func TestMessageSentAfterTheWindowClosesIsNotLost(t *testing.T) {
	t.Parallel()
	// A visibility timeout far beyond the test's patience: a message taken by a lost receive stays away.
	client, url := testenv.NewQueue(t, testenv.QueueOptions{VisibilityTimeout: 120})
	got := make(chan string, 10)
	var sentSecond bool
	fn := invokeFunc(func(ctx context.Context, payload []byte) (lambdahost.Result, error) {
		var ev events.SQSEvent
		if err := json.Unmarshal(payload, &ev); err != nil {
			return lambdahost.Result{}, err
		}
		for _, r := range ev.Records {
			got <- r.Body
		}
		// The first batch is invoked the moment its window closes, while a receive cut short by the
		// window would still be waiting in the emulator: the second message is sent then.
		if !sentSecond {
			sentSecond = true
			send(t, client, url, "second")
		}
		return lambdahost.Result{Payload: []byte("{}")}, nil
	})
	// A window shorter than a second, as the normal lane's last second is: ReceiveMessage waits whole seconds.
	p := NewPoller(PollerConfig{Name: "test", QueueURL: url, QueueARN: "arn:aws:sqs:us-east-1:000000000000:test", Region: "us-east-1",
		BatchSize: 10, Window: 400 * time.Millisecond, Pollers: 1, ReportBatchItemFailures: true}, client, fn, nil)
	ctx, cancel := context.WithCancel(t.Context())
	defer func() { cancel(); p.Wait() }()
	p.Start(ctx)
	send(t, client, url, "first")
	for _, want := range []string{"first", "second"} {
		select {
		case body := <-got:
			if body != want {
				t.Fatalf("invoked with %q, want %q", body, want)
			}
		case <-time.After(10 * time.Second):
			vis, inflight := queueDepth(t, client, url)
			t.Fatalf("%q not invoked within 10s (queue: %s visible, %s in flight)", want, vis, inflight)
		}
	}
}
