package routing

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/sla"
	"github.com/concierge-cx/concierge/shared/store"
)

// Escalator moves an escalated conversation to the urgent lane.
type Escalator interface {
	Publish(ctx context.Context, job ingest.Job) error
}

// Sweeper runs on a schedule: it warns when a conversation has used 80% of its
// SLA target and, on a breach, raises its priority, moves it to the urgent
// lane and notifies the supervisor. Each warning and breach happens once:
// it is written on the conversation under its version before anyone is told.
type Sweeper struct {
	Store     *store.Store
	Notifier  Notifier
	Escalator Escalator
	// Lanes publishes parked routing jobs again (RepublishParked); optional.
	Lanes  ingest.Publisher
	Config Config
	// Teams gives each team's SLA policy (see Router.Teams).
	Teams Policies
	Log   *slog.Logger
	// Metrics receives CloudWatch Embedded Metric Format lines (stdout in Lambda).
	Metrics io.Writer
}

// SweepResult counts what one sweep did. Skipped: another sweep held the lease.
type SweepResult struct {
	Examined, Warnings, Breaches int
	Skipped                      bool
}

// SweepLease names the lease that keeps sweeps one at a time (instead of
// reserved concurrency). SweepLeaseTTL covers the sla function's timeout, so
// a sweep that dies frees it by expiry; the CDK stack checks the timeout.
const (
	SweepLease    = "sla-sweep"
	SweepLeaseTTL = 60 * time.Second
)

// Sweep handles every conversation whose next SLA event is due at now.
func (s *Sweeper) Sweep(ctx context.Context, now time.Time) (SweepResult, error) {
	var res SweepResult
	lease, held, err := s.Store.AcquireLease(ctx, SweepLease, SweepLeaseTTL)
	if err != nil || !held {
		res.Skipped = err == nil
		return res, err
	}
	defer func() {
		if err := s.Store.ReleaseLease(context.WithoutCancel(ctx), lease); err != nil {
			logger(s.Log).Warn("sla lease not released; it expires by itself", "error", err.Error())
		}
	}()
	seen := map[string]bool{}
	for {
		due, err := s.Store.SLADue(ctx, now, 100)
		if err != nil {
			return res, err
		}
		progressed := false
		for _, c := range due {
			if seen[c.ID] {
				continue
			}
			seen[c.ID] = true
			progressed = true
			res.Examined++
			st, err := s.handle(ctx, c.ID, now)
			if err != nil {
				return res, err
			}
			switch st {
			case sla.StatusWarn:
				res.Warnings++
			case sla.StatusBreach:
				res.Breaches++
			}
		}
		if !progressed || len(due) < 100 {
			return res, nil
		}
	}
}

func (s *Sweeper) handle(ctx context.Context, id string, now time.Time) (sla.Status, error) {
	for attempt := 0; attempt < maxRouteAttempts; attempt++ {
		c, err := s.Store.GetConversation(ctx, id)
		if err != nil {
			return sla.StatusNone, err
		}
		pol, err := PolicyOf(ctx, s.Teams, s.Config.Policy, c.Team)
		if err != nil {
			return sla.StatusNone, err
		}
		clock := ClockOf(pol, c.SLA)
		st := clock.Evaluate(now)
		if st == sla.StatusNone {
			return st, nil
		}
		StoreClock(&c.SLA, clock)
		if st == sla.StatusBreach {
			c.SLA.Breaches = append(c.SLA.Breaches, c.SLA.Metric+"@"+clock.DueAt.UTC().Format(time.RFC3339))
			c.Escalated = true
			if up := raise(c.Priority); up != c.Priority {
				c.Priority = up
			}
		}
		saved, err := s.Store.SaveConversation(ctx, c)
		if domain.ErrorCode(err) == domain.CodeStale {
			continue // a concurrent sweep or router got there: look again
		}
		if err != nil {
			return sla.StatusNone, err
		}
		s.announce(ctx, saved, st, now)
		return st, nil
	}
	return sla.StatusNone, nil
}

func (s *Sweeper) announce(ctx context.Context, c domain.Conversation, st sla.Status, now time.Time) {
	kind, metric := "sla_warning", "SLAWarnings"
	text := fmt.Sprintf("Conversation %s: %s target at 80%%, due %s", c.ID, c.SLA.Metric, c.SLA.DueAt.UTC().Format(time.RFC3339))
	if st == sla.StatusBreach {
		kind, metric = "escalated", "SLABreaches"
		text = fmt.Sprintf("Conversation %s breached its %s target (due %s); escalated to %s", c.ID, c.SLA.Metric, c.SLA.DueAt.UTC().Format(time.RFC3339), c.Priority)
	}
	s.emit(metric, string(c.Priority), now)
	if s.Notifier != nil {
		if err := s.Notifier.Notify(ctx, Event{Kind: kind, ConversationID: c.ID, CustomerID: c.CustomerID, Priority: c.Priority,
			Channel: c.LastChannel, AgentID: c.AssigneeID, DueAt: c.SLA.DueAt, Text: text}); err != nil {
			logger(s.Log).Warn("sla notification failed", "conversation", c.ID, "error", err.Error())
		}
	}
	if st == sla.StatusBreach && s.Escalator != nil && c.AssigneeID == "" {
		job := ingest.Job{Kind: KindEscalation, ConversationID: c.ID, CustomerID: c.CustomerID, Channel: c.LastChannel, Priority: c.Priority}
		if err := s.Escalator.Publish(ctx, job); err != nil {
			logger(s.Log).Warn("escalation not queued", "conversation", c.ID, "error", err.Error())
		}
	}
	logger(s.Log).Info("sla event", "event", kind, "conversation", c.ID, "priority", c.Priority)
}

// KindEscalation marks a routing job that re-routes an escalated conversation.
const KindEscalation domain.TouchpointKind = "escalation"

// emit writes one CloudWatch Embedded Metric Format line.
func (s *Sweeper) emit(metric, priority string, now time.Time) {
	w := s.Metrics
	if w == nil {
		w = os.Stdout
	}
	line, _ := json.Marshal(map[string]any{
		"_aws": map[string]any{
			"Timestamp": now.UnixMilli(),
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace": "Concierge", "Dimensions": [][]string{{"Priority"}},
				"Metrics": []any{map[string]string{"Name": metric, "Unit": "Count"}},
			}},
		},
		"Priority": priority,
		metric:     1,
	})
	fmt.Fprintln(w, string(line))
}

// raise moves a priority one step toward urgent.
func raise(p domain.Priority) domain.Priority {
	switch p {
	case domain.PriorityLow:
		return domain.PriorityNormal
	case domain.PriorityNormal:
		return domain.PriorityHigh
	default:
		return domain.PriorityUrgent
	}
}
