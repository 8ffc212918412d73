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
	"github.com/concierge-cx/concierge/shared/jobs"
	"github.com/concierge-cx/concierge/shared/sla"
	"github.com/concierge-cx/concierge/shared/store"
)

// Escalator moves an escalated conversation to the urgent lane, whatever its
// priority (queue.Publisher in production).
type Escalator interface {
	PublishUrgent(ctx context.Context, job jobs.Job) error
}

// Republisher publishes again the routing jobs ingest owed while a lane was
// down (queue.Lanes in production).
type Republisher interface {
	Publish(ctx context.Context, job jobs.Routing) error
}

// SweepStore is what the sweeper needs of storage (*store.Store in
// production).
type SweepStore interface {
	Now() time.Time
	AcquireLease(ctx context.Context, name string, ttl time.Duration) (store.Lease, bool, error)
	ReleaseLease(ctx context.Context, l store.Lease) error
	// SLADueIDs lists conversations whose next SLA event is due, oldest first.
	SLADueIDs(ctx context.Context, t time.Time, limit int) ([]string, error)
	UpdateConversation(ctx context.Context, id string, change store.Change) (domain.Conversation, error)
	OweWrite(e store.OwedEffect) (store.OwedEffect, store.Write)
	OwedEffects(ctx context.Context, limit int) ([]store.OwedEffect, error)
	SettleOwed(ctx context.Context, key string) (bool, error)
}

// Sweeper runs on a schedule: it warns when a conversation has used 80% of its
// SLA target and, on a breach, raises its priority, moves it to the urgent
// lane and notifies the supervisor. Each warning and breach happens once:
// it is written on the conversation under its version before anyone is
// told, together with the notification and escalation it owes (an owed
// effect, see store.OweWrite), so a failed publish or a crash after the
// save is retried by the next sweep until done.
type Sweeper struct {
	Store     SweepStore
	Notifier  Notifier
	Escalator Escalator
	// Lanes publishes again the routing jobs ingest owed when a lane was down.
	Lanes  Republisher
	Config Config
	// Teams gives each team's SLA policy (see Router.Teams).
	Teams Policies
	Log   *slog.Logger
	// Metrics receives CloudWatch Embedded Metric Format lines (stdout in Lambda).
	Metrics io.Writer
	// Effects performs owed effects of kinds other packages owe (the
	// survey after a resolve), by kind; the sweep settles one after a nil error.
	Effects map[string]func(context.Context, store.OwedEffect) error
}

// SweepResult counts what one sweep did. Skipped: another sweep held the
// lease. Owed: notifications and escalations still failing, retried by the
// next sweep.
type SweepResult struct {
	Examined, Warnings, Breaches, Owed int
	Skipped                            bool
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
	// What earlier sweeps could not do comes first: it is the oldest.
	if res.Owed, err = s.retryOwed(ctx); err != nil {
		return res, err
	}
	seen := map[string]bool{}
	for {
		due, err := s.Store.SLADueIDs(ctx, now, 100)
		if err != nil {
			return res, err
		}
		progressed := false
		for _, id := range due {
			if seen[id] {
				continue
			}
			seen[id] = true
			progressed = true
			res.Examined++
			st, left, err := s.handle(ctx, id, now)
			if err != nil {
				return res, err
			}
			res.Owed += left
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

// handle saves a due warning or breach of conversation id together with the
// effects it owes, then performs them. It returns the SLA event and how many
// of its effects are still owed.
func (s *Sweeper) handle(ctx context.Context, id string, now time.Time) (sla.Status, int, error) {
	var st sla.Status
	var owed []store.OwedEffect
	saved, err := s.Store.UpdateConversation(ctx, id, func(c *domain.Conversation) ([]store.Write, error) {
		pol, err := PolicyOf(ctx, s.Teams, s.Config.Policy, c.Team)
		if err != nil {
			return nil, err
		}
		clock := ClockOf(pol, c.SLA)
		if st = clock.Evaluate(now); st == sla.StatusNone {
			return nil, store.ErrNoChange
		}
		StoreClock(&c.SLA, clock)
		if st == sla.StatusBreach {
			c.SLA.Breaches = append(c.SLA.Breaches, c.SLA.Metric+"@"+clock.DueAt.UTC().Format(time.RFC3339))
			c.Escalated = true
			c.Priority = raise(c.Priority)
		}
		// The effects are owed in the same write as the warning or breach:
		// once it is saved, no failure can lose them.
		var writes []store.Write
		owed = owed[:0]
		for _, e := range s.effects(*c, st, clock.DueAt) {
			e, w := s.Store.OweWrite(e)
			owed, writes = append(owed, e), append(writes, w)
		}
		return writes, nil
	})
	if err != nil || st == sla.StatusNone {
		return sla.StatusNone, 0, err
	}
	kind, metric := "sla_warning", "SLAWarnings"
	if st == sla.StatusBreach {
		kind, metric = "escalated", "SLABreaches"
	}
	s.emit(metric, string(saved.Priority), now)
	logger(s.Log).Info("sla event", "event", kind, "conversation", saved.ID, "priority", saved.Priority)
	left := 0
	for _, e := range owed {
		if !s.settle(ctx, e) {
			left++ // stays owed: the next sweep retries it
		}
	}
	return st, left, nil
}

// Kinds of owed effect the sweeper records (store.OwedEffect.Kind).
const (
	effectNotify   = "notify"
	effectEscalate = "escalate"
)

// effects are what must follow a warning or breach of c: the supervisor's
// notification and, for an unassigned conversation that breached, its
// escalation to the urgent lane. event names the SLA event, so two events of
// one conversation are owed apart.
func (s *Sweeper) effects(c domain.Conversation, st sla.Status, due time.Time) []store.OwedEffect {
	event := "warn:" + c.SLA.Metric + "@" + due.UTC().Format(time.RFC3339)
	kind := "sla_warning"
	text := fmt.Sprintf("Conversation %s: %s target at 80%%, due %s", c.ID, c.SLA.Metric, c.SLA.DueAt.UTC().Format(time.RFC3339))
	if st == sla.StatusBreach {
		event = "breach:" + c.SLA.Metric + "@" + due.UTC().Format(time.RFC3339)
		kind = "escalated"
		text = fmt.Sprintf("Conversation %s breached its %s target (due %s); escalated to %s", c.ID, c.SLA.Metric, c.SLA.DueAt.UTC().Format(time.RFC3339), c.Priority)
	}
	var out []store.OwedEffect
	if s.Notifier != nil {
		body, _ := json.Marshal(Event{Kind: kind, ConversationID: c.ID, CustomerID: c.CustomerID, Priority: c.Priority,
			Channel: c.LastChannel, AgentID: c.AssigneeID, DueAt: c.SLA.DueAt, Text: text})
		out = append(out, store.OwedEffect{Kind: effectNotify, ConversationID: c.ID, Event: event, Payload: body})
	}
	if st == sla.StatusBreach && s.Escalator != nil && c.AssigneeID == "" {
		body, _ := jobs.Encode(jobs.Escalation{ConversationID: c.ID, CustomerID: c.CustomerID, Channel: c.LastChannel, Priority: c.Priority, Event: event})
		out = append(out, store.OwedEffect{Kind: effectEscalate, ConversationID: c.ID, Event: event, Payload: body})
	}
	return out
}

// settle performs one owed effect and then removes it. It reports whether
// the effect is done; a failure is logged and left owed. Sweeps run one at a
// time (the lease), so only a crash between the effect and its removal can
// repeat one: an escalation routes idempotently (reroute), a repeated
// notification is the one duplicate left possible.
func (s *Sweeper) settle(ctx context.Context, e store.OwedEffect) bool {
	if err := s.perform(ctx, e); err != nil {
		logger(s.Log).Warn("owed side effect failed; retried next sweep", "kind", e.Kind, "conversation", e.ConversationID, "error", err.Error())
		return false
	}
	if _, err := s.Store.SettleOwed(ctx, e.Key); err != nil {
		logger(s.Log).Warn("owed side effect done but not settled; it may be repeated", "kind", e.Kind, "conversation", e.ConversationID, "error", err.Error())
		return false
	}
	return true
}

// perform does one owed effect. Every failure is retried (the item's TTL
// bounds it), except a payload that does not decode: it never would.
func (s *Sweeper) perform(ctx context.Context, e store.OwedEffect) error {
	if do, ok := s.Effects[e.Kind]; ok {
		return do(ctx, e)
	}
	switch e.Kind {
	case effectNotify:
		var ev Event
		if err := json.Unmarshal(e.Payload, &ev); err != nil || s.Notifier == nil {
			return s.undeliverable(e, err)
		}
		return s.Notifier.Notify(ctx, ev)
	case effectEscalate:
		job, err := jobs.Decode(e.Payload)
		if err != nil || s.Escalator == nil {
			return s.undeliverable(e, err)
		}
		return s.Escalator.PublishUrgent(ctx, job)
	case ingest.EffectRoute:
		// A message stored while its lane was down: routing is idempotent by
		// touchpoint, so a job published twice is harmless.
		var job jobs.Routing
		if err := json.Unmarshal(e.Payload, &job); err != nil {
			return s.undeliverable(e, err)
		}
		if s.Lanes == nil {
			// A stored message must not be dropped for a missing setting: it stays owed until one is deployed.
			return fmt.Errorf("no routing lane configured (ROUTING_QUEUE_URL)")
		}
		return s.Lanes.Publish(ctx, job)
	}
	return s.undeliverable(e, fmt.Errorf("unknown kind %q", e.Kind))
}

// undeliverable logs an owed effect that can never be done, so it is dropped
// instead of retried forever.
func (s *Sweeper) undeliverable(e store.OwedEffect, err error) error {
	reason := "no adapter configured for it"
	if err != nil {
		reason = err.Error()
	}
	logger(s.Log).Error("owed side effect cannot be done; dropped", "kind", e.Kind, "conversation", e.ConversationID, "reason", reason)
	return nil
}

// maxOwedPerSweep bounds one sweep's retries of owed effects; the next minute takes the rest.
const maxOwedPerSweep = 200

// retryOwed performs the effects earlier sweeps could not (a failed publish
// or notification, or a crash after the save). It returns how many are
// still owed.
func (s *Sweeper) retryOwed(ctx context.Context) (int, error) {
	owed, err := s.Store.OwedEffects(ctx, maxOwedPerSweep)
	if err != nil {
		return 0, err
	}
	left := 0
	for _, e := range owed {
		if !s.settle(ctx, e) {
			left++
		}
	}
	return left, nil
}

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
