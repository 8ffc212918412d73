package routing

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/jobs"
)

// HandleSQS routes a batch from either lane and reports partial batch
// failures: a job that fails (storage unavailable) is returned for redelivery
// alone, and a poison job (not JSON) is logged and dropped rather than
// redelivered forever; the queue's DLQ keeps anything that keeps failing.
func (r *Router) HandleSQS(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	for _, m := range ev.Records {
		job, err := jobs.Decode([]byte(m.Body))
		if err != nil {
			// A job that can never be read is failed, so that after the
			// queue's max receive count it lands in the DLQ for a person
			// to look at, without holding up the rest of the batch.
			logger(r.Log).Error("unreadable routing job", "messageId", m.MessageId)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
			continue
		}
		if _, err := r.Handle(ctx, job); err != nil {
			logger(r.Log).Warn("routing failed; will retry", "messageId", m.MessageId,
				"code", domain.ErrorCode(err), "error", err.Error())
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
		}
	}
	if n := len(resp.BatchItemFailures); n > 0 {
		r.emitFailures(n)
	}
	return resp, nil
}

// BatchFailureMetric is the CloudWatch metric (namespace Concierge, Embedded
// Metric Format on stdout) counting the jobs a batch handed back for
// redelivery: the stack alarms on it, long before the DLQ fills.
const BatchFailureMetric = "RoutingBatchItemFailures"

func (r *Router) emitFailures(n int) {
	w := r.Metrics
	if w == nil {
		w = os.Stdout
	}
	line, _ := json.Marshal(map[string]any{
		"_aws": map[string]any{
			"Timestamp": time.Now().UnixMilli(),
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace": "Concierge", "Dimensions": [][]string{{}},
				"Metrics": []any{map[string]string{"Name": BatchFailureMetric, "Unit": "Count"}},
			}},
		},
		BatchFailureMetric: n,
	})
	fmt.Fprintln(w, string(line))
}

// HandleSchedule runs one SLA sweep for an EventBridge scheduled event.
func (s *Sweeper) HandleSchedule(ctx context.Context, ev events.EventBridgeEvent) error {
	now := ev.Time
	if now.IsZero() || time.Since(now) > 5*time.Minute {
		now = s.Store.Now()
	}
	res, err := s.Sweep(ctx, now)
	if err != nil {
		return err
	}
	logger(s.Log).Info("sla sweep", "examined", res.Examined, "warnings", res.Warnings, "breaches", res.Breaches, "owed", res.Owed)
	return nil
}
