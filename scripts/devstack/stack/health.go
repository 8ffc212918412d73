package stack

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/concierge-cx/concierge/shared/httpapi"
	"github.com/concierge-cx/concierge/shared/queue"
	"github.com/concierge-cx/concierge/shared/sla"
)

// Part is one part's line in the health report.
type Part struct {
	Up     bool   `json:"up"`
	Detail string `json:"detail,omitempty"`
	Error  string `json:"error,omitempty"`
	Stats  any    `json:"stats,omitempty"`
}

// Health is the body of GET /healthz.
type Health struct {
	Status    string          `json:"status"` // "up" when every part that should run is up
	Dynamodb  Part            `json:"dynamodb"`
	Fauxqs    Part            `json:"fauxqs"`
	Functions map[string]Part `json:"functions"`
	Pollers   map[string]Part `json:"pollers"`
	SMTP      Part            `json:"smtp"`
	Schedules map[string]Part `json:"schedules"`
}

func (s *Stack) health(ctx context.Context) (int, any) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	h := Health{Functions: map[string]Part{}, Pollers: map[string]Part{}, Schedules: map[string]Part{}}
	var wg sync.WaitGroup
	var depth sync.Map
	wg.Add(2)
	go func() {
		defer wg.Done()
		_, err := s.ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(s.Table)})
		h.Dynamodb = part(err, s.DynamoDBEndpoint+" table "+s.Table)
	}()
	go func() {
		defer wg.Done()
		var firstErr error
		for _, l := range queue.Lanes() {
			out, err := s.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
				QueueUrl:       aws.String(s.Queues[l.Key]),
				AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages},
			})
			if err != nil {
				firstErr = err
				continue
			}
			depth.Store(l.Key, out.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessages)])
		}
		h.Fauxqs = part(firstErr, s.FauxqsEndpoint+" (SQS, S3)")
	}()
	wg.Wait()

	up := h.Dynamodb.Up && h.Fauxqs.Up
	for _, name := range s.Functions {
		st := s.Hosts[name].Stats()
		h.Functions[name] = Part{Up: true, Detail: s.Binaries[name], Stats: map[string]any{
			"invocations": st.Invocations, "errors": st.Errors, "timeouts": st.Timeouts,
			"coldStarts": st.ColdStarts, "restarts": st.Restarts, "firstResponseMs": st.FirstResponse.Milliseconds(),
		}}
	}
	for _, name := range httpapi.RouteFunctions() {
		if _, ok := s.Hosts[name]; !ok {
			h.Functions[name] = Part{Up: false, Detail: "not built yet: no functions/" + name + "; its routes answer 503"}
		}
	}
	for _, l := range queue.Lanes() {
		queued, _ := depth.Load(l.Key)
		p, ok := s.Pollers[l.Key]
		if !ok {
			h.Pollers[l.Key] = Part{Up: false, Detail: "functions/" + l.Consumer + " not built yet: jobs stay queued",
				Stats: map[string]any{"queued": queued}}
			continue
		}
		h.Pollers[l.Key] = Part{Up: p.Running(), Detail: s.Queues[l.Key], Stats: map[string]any{"queued": queued, "mapping": p.Stats()}}
		up = up && p.Running()
	}
	h.SMTP = Part{Up: s.Mail != nil && s.Mail.Up(), Detail: s.SMTPAddr}
	if s.Mail != nil {
		h.SMTP.Stats = s.Mail.Stats()
		if s.Mail.Email == nil {
			h.SMTP.Detail += " (stores mail; functions/email not built yet)"
		}
	}
	up = up && h.SMTP.Up
	for _, sc := range sla.Schedules() {
		st, ok := s.sched[sc.Function]
		if !ok {
			h.Schedules[sc.Function] = Part{Up: false, Detail: "functions/" + sc.Function + " not built yet"}
			continue
		}
		st.mu.Lock()
		stats := map[string]any{"runs": st.Runs, "errors": st.Errors}
		if !st.LastRun.IsZero() {
			stats["lastRun"] = st.LastRun
		}
		h.Schedules[sc.Function] = Part{Up: true, Detail: sc.Expression, Stats: stats}
		st.mu.Unlock()
	}
	h.Status = "up"
	status := http.StatusOK
	if !up {
		h.Status, status = "down", http.StatusServiceUnavailable
	}
	return status, h
}

func part(err error, detail string) Part {
	if err != nil {
		return Part{Up: false, Detail: detail, Error: err.Error()}
	}
	return Part{Up: true, Detail: detail}
}
