package stack

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/concierge-cx/concierge/scripts/devstack/lambdahost"
)

// PollerConfig is one event source mapping: a queue feeding a function.
type PollerConfig struct {
	Name      string // for logs and health: "urgent → router"
	QueueURL  string
	QueueARN  string
	Region    string
	BatchSize int
	// Window is the maximum batching window: after the first message, keep gathering until the batch is
	// full or the window has passed. 0 invokes with what the first receive returned.
	Window time.Duration
	// Pollers is how many receive loops run at once (Lambda scales these with the function's concurrency).
	Pollers int
	// ReportBatchItemFailures: the response's batchItemFailures name the messages to keep; without it any
	// function error fails the whole batch and success deletes it all.
	ReportBatchItemFailures bool
	// Timings receives "<Key>.queued" (a message's time from SendMessage to its receive), "<Key>.wait" and
	// "<Key>.run" (the invocation); nil records nothing.
	Timings *Timings
	Key     string // the lane's key, naming its hops
}

// PollerStats count what a poller did.
type PollerStats struct {
	Batches     int64 `json:"batches"`
	Received    int64 `json:"received"`
	Deleted     int64 `json:"deleted"`
	Failed      int64 `json:"failed"` // messages left on the queue to come back after the visibility timeout
	BatchErrors int64 `json:"batchErrors"`
}

// Poller behaves like a Lambda SQS event source mapping.
type Poller struct {
	cfg    PollerConfig
	client *sqs.Client
	fn     Invoker
	log    *slog.Logger

	batches, received, deleted, failed, batchErrors atomic.Int64
	running                                         atomic.Bool
	wg                                              sync.WaitGroup
}

// NewPoller builds a poller; Start runs it.
func NewPoller(cfg PollerConfig, client *sqs.Client, fn Invoker, log *slog.Logger) *Poller {
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 10
	}
	if cfg.Pollers <= 0 {
		cfg.Pollers = 1
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Poller{cfg: cfg, client: client, fn: fn, log: log}
}

// Start runs the receive loops until ctx ends; Wait waits for them.
func (p *Poller) Start(ctx context.Context) {
	p.running.Store(true)
	for range p.cfg.Pollers {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.loop(ctx)
		}()
	}
	go func() {
		p.wg.Wait()
		p.running.Store(false)
	}()
}

// Wait returns once every loop has stopped.
func (p *Poller) Wait() { p.wg.Wait() }

// Running says whether the loops are running.
func (p *Poller) Running() bool { return p.running.Load() }

// Stats returns the counters.
func (p *Poller) Stats() PollerStats {
	return PollerStats{Batches: p.batches.Load(), Received: p.received.Load(), Deleted: p.deleted.Load(),
		Failed: p.failed.Load(), BatchErrors: p.batchErrors.Load()}
}

func (p *Poller) loop(ctx context.Context) {
	for ctx.Err() == nil {
		batch, err := p.gather(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			p.log.Warn("sqs receive failed", "mapping", p.cfg.Name, "error", err.Error())
			sleep(ctx, time.Second)
			continue
		}
		if len(batch) > 0 {
			p.process(ctx, batch)
		}
	}
}

// gather long-polls until it has a first message, then keeps receiving until the batch is full or the
// window has passed.
//
// A receive is never cut short by the window: a long poll the client abandons stays open in fauxqs (as in
// SQS), and a message sent before it expires is taken for a receiver that is gone, invisible for the
// queue's visibility timeout (180 s on the normal lane), so a routing job published just after a window
// closed went unrouted for minutes. ReceiveMessage waits in whole seconds, so within the window it waits
// only the whole seconds left; the last fraction is waited out here and one short poll (no wait) then takes
// what arrived meanwhile, which keeps the window to the millisecond.
func (p *Poller) gather(ctx context.Context) ([]sqstypes.Message, error) {
	var batch []sqstypes.Message
	var deadline time.Time
	for len(batch) < p.cfg.BatchSize {
		wait := int32(20)
		if len(batch) > 0 {
			left := time.Until(deadline)
			if left <= 0 {
				break
			}
			if wait = int32(left / time.Second); wait == 0 {
				sleep(ctx, left)
			}
		}
		out, err := p.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:                    aws.String(p.cfg.QueueURL),
			MaxNumberOfMessages:         int32(min(10, p.cfg.BatchSize-len(batch))),
			WaitTimeSeconds:             wait,
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
			MessageAttributeNames:       []string{"All"},
		})
		if err != nil {
			if len(batch) > 0 && ctx.Err() == nil {
				break // invoke with what we have; the failed receive took nothing
			}
			return nil, err
		}
		if len(out.Messages) > 0 && len(batch) == 0 {
			deadline = time.Now().Add(p.cfg.Window)
		}
		if p.cfg.Timings != nil {
			now := time.Now()
			for _, m := range out.Messages {
				if ms, err := strconv.ParseInt(m.Attributes[string(sqstypes.MessageSystemAttributeNameSentTimestamp)], 10, 64); err == nil {
					p.cfg.Timings.Observe(p.cfg.Key+".queued", now.Sub(time.UnixMilli(ms)))
				}
			}
		}
		lastPoll := len(batch) > 0 && wait == 0 // the short poll at the window's end
		batch = appendUnique(batch, out.Messages)
		if (p.cfg.Window == 0 && len(batch) > 0) || lastPoll {
			break
		}
	}
	return batch, nil
}

// process invokes the function with one batch and deletes what it processed.
func (p *Poller) process(ctx context.Context, batch []sqstypes.Message) {
	p.batches.Add(1)
	p.received.Add(int64(len(batch)))
	ev := p.event(batch)
	payload, err := json.Marshal(ev)
	if err != nil {
		p.log.Error("encode sqs event", "mapping", p.cfg.Name, "error", err.Error())
		return
	}
	res, err := p.fn.Invoke(ctx, payload)
	if err != nil {
		// The host stopped or ctx ended: the messages come back after their visibility timeout.
		p.failed.Add(int64(len(batch)))
		return
	}
	p.cfg.Timings.Observe(p.cfg.Key+".wait", res.Waited)
	p.cfg.Timings.Observe(p.cfg.Key+".run", res.Duration)
	keep, err := p.failures(res, batch)
	if err != nil {
		p.batchErrors.Add(1)
		p.failed.Add(int64(len(batch)))
		p.log.Warn("batch failed; its messages return after the visibility timeout",
			"mapping", p.cfg.Name, "messages", len(batch), "reason", err.Error())
		return
	}
	var entries []sqstypes.DeleteMessageBatchRequestEntry
	for i, m := range batch {
		if keep[aws.ToString(m.MessageId)] {
			continue
		}
		entries = append(entries, sqstypes.DeleteMessageBatchRequestEntry{
			Id: aws.String(fmt.Sprint(i)), ReceiptHandle: m.ReceiptHandle,
		})
	}
	p.failed.Add(int64(len(keep)))
	if len(entries) == 0 {
		return
	}
	// Deleting must not be cut short by a shutdown: the function has already done the work.
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	out, err := p.client.DeleteMessageBatch(dctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(p.cfg.QueueURL), Entries: entries})
	if err != nil {
		p.log.Warn("sqs delete failed; the messages will be delivered again", "mapping", p.cfg.Name, "error", err.Error())
		return
	}
	p.deleted.Add(int64(len(out.Successful)))
}

// failures returns the ids of the messages to leave on the queue, or an error when the whole batch failed.
func (p *Poller) failures(res lambdahost.Result, batch []sqstypes.Message) (map[string]bool, error) {
	if res.FunctionError != "" {
		errType := "Unhandled"
		if res.ErrorPayload != nil {
			errType = res.ErrorPayload.ErrorType
		}
		return nil, fmt.Errorf("function error: %s", errType)
	}
	keep := map[string]bool{}
	if !p.cfg.ReportBatchItemFailures {
		return keep, nil
	}
	body := strings.TrimSpace(string(res.Payload))
	if body == "" || body == "null" {
		return keep, nil
	}
	var resp events.SQSEventResponse
	if err := json.Unmarshal([]byte(body), &resp); err != nil {
		// Lambda treats a response it cannot read as success when it is not a batch response object.
		return keep, nil
	}
	ids := map[string]bool{}
	for _, m := range batch {
		ids[aws.ToString(m.MessageId)] = true
	}
	for _, f := range resp.BatchItemFailures {
		// An empty or unknown identifier makes Lambda fail the whole batch.
		if f.ItemIdentifier == "" || !ids[f.ItemIdentifier] {
			return nil, fmt.Errorf("batchItemFailures names %q, not a message of this batch", f.ItemIdentifier)
		}
		keep[f.ItemIdentifier] = true
	}
	return keep, nil
}

// event builds the SQS event Lambda sends.
func (p *Poller) event(batch []sqstypes.Message) events.SQSEvent {
	ev := events.SQSEvent{Records: make([]events.SQSMessage, 0, len(batch))}
	for _, m := range batch {
		rec := events.SQSMessage{
			MessageId:              aws.ToString(m.MessageId),
			ReceiptHandle:          aws.ToString(m.ReceiptHandle),
			Body:                   aws.ToString(m.Body),
			Md5OfBody:              aws.ToString(m.MD5OfBody),
			Md5OfMessageAttributes: aws.ToString(m.MD5OfMessageAttributes),
			Attributes:             map[string]string{},
			MessageAttributes:      map[string]events.SQSMessageAttribute{},
			EventSourceARN:         p.cfg.QueueARN,
			EventSource:            "aws:sqs",
			AWSRegion:              p.cfg.Region,
		}
		for k, v := range m.Attributes {
			rec.Attributes[k] = v
		}
		for k, v := range m.MessageAttributes {
			rec.MessageAttributes[k] = events.SQSMessageAttribute{
				StringValue: v.StringValue, BinaryValue: v.BinaryValue,
				StringListValues: nonNil(v.StringListValues), BinaryListValues: nonNilB(v.BinaryListValues),
				DataType: aws.ToString(v.DataType),
			}
		}
		ev.Records = append(ev.Records, rec)
	}
	return ev
}

// appendUnique adds received messages, replacing an earlier copy of the same message (one whose visibility
// ran out while the window was open) so a batch never carries a message twice.
func appendUnique(batch, got []sqstypes.Message) []sqstypes.Message {
	for _, m := range got {
		dup := false
		for i := range batch {
			if aws.ToString(batch[i].MessageId) == aws.ToString(m.MessageId) {
				batch[i], dup = m, true
				break
			}
		}
		if !dup {
			batch = append(batch, m)
		}
	}
	return batch
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilB(s [][]byte) [][]byte {
	if s == nil {
		return [][]byte{}
	}
	return s
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
