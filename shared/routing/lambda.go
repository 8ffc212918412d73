package routing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/jobs"
	"github.com/concierge-cx/concierge/shared/store"
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
			if r.park(ctx, m, job, err) {
				continue
			}
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

// Parking records a job as an owed effect of its own (store.Owe) for the
// SLA sweep to publish again (*store.Store in production).
type Parking interface {
	Owe(ctx context.Context, e store.OwedEffect) error
}

// park keeps a job's owed effects from being stranded: on its lane's last
// delivery (MaxReceives), a job whose change is saved and whose effects
// (acknowledgement, notification: markers on the conversation) still fail is
// owed in the table instead of going to the DLQ, where nothing would retry
// them. The SLA sweep publishes it again every minute (routing.Sweeper,
// kind ingest.EffectRoute, or the urgent lane for a re-route) until they are
// done; applying a job is idempotent, so only the effects happen. It reports
// whether the job is parked (its delivery is then done).
func (r *Router) park(ctx context.Context, m events.SQSMessage, job jobs.Job, err error) bool {
	var owed *effectOwedError
	if r.Parking == nil || r.MaxReceives <= 0 || !errors.As(err, &owed) {
		return false
	}
	if n, _ := strconv.Atoi(m.Attributes["ApproximateReceiveCount"]); n < r.MaxReceives {
		return false // the lane retries it sooner
	}
	e := store.OwedEffect{Kind: effectEscalate, Event: "parked:" + m.MessageId}
	var payload []byte
	var encErr error
	switch j := job.(type) {
	case jobs.Routing:
		if !j.ReceivedAt.IsZero() && r.Store.Now().Sub(j.ReceivedAt) > maxParkedAge {
			return false // failing for two weeks: a person looks at it in the DLQ
		}
		// As ingest parks a job it could not publish: the sweep's republish of kind route.
		e.Kind, e.ConversationID, e.Event = ingest.EffectRoute, j.ConversationID, j.TouchpointID
		payload, encErr = json.Marshal(j)
	case jobs.Escalation:
		e.ConversationID = j.ConversationID
		payload, encErr = jobs.Encode(j)
	case jobs.Reroute:
		e.ConversationID = j.ConversationID
		payload, encErr = jobs.Encode(j)
	default:
		return false
	}
	e.Payload = payload
	if encErr == nil {
		encErr = r.Parking.Owe(ctx, e)
	}
	if encErr != nil {
		logger(r.Log).Error("routing job with owed effects neither done nor parked; it goes to the DLQ", "messageId", m.MessageId, "error", encErr.Error())
		return false
	}
	logger(r.Log).Warn("routing job's effects still owed after its last delivery; parked for the SLA sweep", "messageId", m.MessageId, "conversation", e.ConversationID)
	return true
}

// maxParkedAge bounds how long a message's effects are retried by parking
// (as long as the owed partition keeps an item): after it, the job goes to
// the DLQ.
const maxParkedAge = 14 * 24 * time.Hour

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
