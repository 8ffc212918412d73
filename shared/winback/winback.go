// Package winback finds the valuable customers who went quiet: a vip or
// valued customer whose time since her last purchase exceeds twice her usual
// gap between purchases (or a configured number of days when she bought
// once), and a customer of any tier whose last satisfaction score was 1 or 2
// and who has not bought since. A daily job writes the day's list (one
// partition, store.SaveWinbackList); GET /winback reads it. A customer who
// writes or buys after being listed, or whom staff dismissed for this
// purchase cycle, is off the list.
package winback

import (
	"context"
	"log/slog"
	"math"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store"
)

// Reasons a customer is on the list.
const (
	ReasonLapsed  = "lapsed"
	ReasonUnhappy = "unhappy"
)

// Config tunes the rule.
type Config struct {
	// SingleOrderDays is how long after her only purchase a valuable
	// customer counts as lapsed (no gap to compare with).
	SingleOrderDays int `env:"WINBACK_SINGLE_ORDER_DAYS" default:"90"`
}

func (c Config) withDefaults() Config {
	if c.SingleOrderDays <= 0 {
		c.SingleOrderDays = 90
	}
	return c
}

// Assess says why c belongs on the list at now, if she does.
func Assess(c domain.Customer, now time.Time, cfg Config) (reason string, listed bool) {
	cfg = cfg.withDefaults()
	if c.MergedInto != "" {
		return "", false
	}
	if (c.Tier == domain.TierVIP || c.Tier == domain.TierValued) && !c.LastPurchaseAt.IsZero() {
		since := now.Sub(c.LastPurchaseAt)
		limit := time.Duration(cfg.SingleOrderDays) * 24 * time.Hour
		if c.OrderCount > 1 && c.MedianPurchaseGapDays > 0 {
			limit = time.Duration(2 * c.MedianPurchaseGapDays * float64(24*time.Hour))
		}
		if since > limit {
			return ReasonLapsed, true
		}
	}
	if c.LastSatisfactionScore >= 1 && c.LastSatisfactionScore <= 2 && !c.LastSatisfactionAt.IsZero() &&
		c.LastSatisfactionAt.After(c.LastPurchaseAt) {
		return ReasonUnhappy, true
	}
	return "", false
}

// ValueAtRisk is what the business stands to lose in the next year if she
// does not come back: her average order times the orders her usual gap
// makes in a year (365 / median gap), or her lifetime value when there is
// no gap to go by (one order). Minor units of the business currency.
func ValueAtRisk(c domain.Customer) int64 {
	if c.LifetimeValue <= 0 || c.OrderCount <= 0 {
		return max(c.LifetimeValue, 0)
	}
	if c.OrderCount == 1 || c.MedianPurchaseGapDays <= 0 {
		return c.LifetimeValue
	}
	perOrder := float64(c.LifetimeValue) / float64(c.OrderCount)
	return int64(math.Round(perOrder * 365 / c.MedianPurchaseGapDays))
}

// DaysSince is the whole days from t to now (0 when t is unset).
func DaysSince(t, now time.Time) int {
	if t.IsZero() || now.Before(t) {
		return 0
	}
	return int(now.Sub(t) / (24 * time.Hour))
}

// StillOn says whether an entry listed earlier still stands for the
// customer as she is now: she has neither bought nor written since it was
// listed (or since the outreach), and staff did not dismiss her for this
// cycle.
func StillOn(e store.WinbackEntry, c domain.Customer, st store.WinbackState) bool {
	if c.ID == "" || c.MergedInto != "" || c.ID != e.CustomerID {
		return false
	}
	if c.LastPurchaseAt.After(e.LastPurchaseAt) {
		return false // she bought
	}
	if st.Dismissed(e.LastPurchaseAt) {
		return false
	}
	return !replied(c, st, e.ListedAt)
}

// replied: she wrote after being listed, or after the outreach of this
// cycle.
func replied(c domain.Customer, st store.WinbackState, listedAt time.Time) bool {
	since := listedAt
	if !st.OutreachAt.IsZero() && st.Basis.Equal(c.LastPurchaseAt) && (since.IsZero() || st.OutreachAt.Before(since)) {
		since = st.OutreachAt
	}
	return !since.IsZero() && c.LastContactAt.After(since)
}

// Store is what the job reads and writes (*store.Store).
type Store interface {
	Now() time.Time
	WinbackCandidates(ctx context.Context, visit func([]domain.Customer) error) error
	WinbackStates(ctx context.Context, ids []string) (map[string]store.WinbackState, error)
	LastConversation(ctx context.Context, customerID string) (string, time.Time, error)
	SaveWinbackList(ctx context.Context, day time.Time, entries []store.WinbackEntry) error
}

// Job builds the day's list.
type Job struct {
	Store  Store
	Config Config
	Log    *slog.Logger
}

// Run lists today's lapsing customers and saves the list; running it
// again the same day rewrites the same list.
func (j *Job) Run(ctx context.Context) ([]store.WinbackEntry, error) {
	now := j.Store.Now()
	var list []store.WinbackEntry
	err := j.Store.WinbackCandidates(ctx, func(page []domain.Customer) error {
		var ids []string
		var picked []store.WinbackEntry
		for _, c := range page {
			reason, ok := Assess(c, now, j.Config)
			if !ok {
				continue
			}
			ids = append(ids, c.ID)
			picked = append(picked, store.WinbackEntry{CustomerID: c.ID, Reason: reason, Tier: c.Tier, ValueAtRisk: ValueAtRisk(c),
				LastPurchaseAt: c.LastPurchaseAt, LastSatisfactionScore: c.LastSatisfactionScore, LastSatisfactionAt: c.LastSatisfactionAt,
				ListedAt: now})
		}
		if len(ids) == 0 {
			return nil
		}
		states, err := j.Store.WinbackStates(ctx, ids)
		if err != nil {
			return err
		}
		byID := map[string]domain.Customer{}
		for _, c := range page {
			byID[c.ID] = c
		}
		for _, e := range picked {
			st, c := states[e.CustomerID], byID[e.CustomerID]
			if st.Dismissed(c.LastPurchaseAt) || replied(c, st, time.Time{}) {
				continue // dismissed, or answered the outreach, this cycle
			}
			conv, at, err := j.Store.LastConversation(ctx, e.CustomerID)
			if err != nil {
				return err
			}
			e.LastConversationID, e.LastConversationAt = conv, at
			list = append(list, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := j.Store.SaveWinbackList(ctx, now, list); err != nil {
		return nil, err
	}
	j.logger().Info("win-back list", "day", now.Format("2006-01-02"), "customers", len(list))
	return list, nil
}

func (j *Job) logger() *slog.Logger {
	if j.Log == nil {
		return slog.Default()
	}
	return j.Log
}

// Leases hands out named leases (*store.Store).
type Leases interface {
	AcquireLease(ctx context.Context, name string, ttl time.Duration) (store.Lease, bool, error)
	ReleaseLease(ctx context.Context, l store.Lease) error
}

// Daily runs the job once a day from a frequent schedule (the SLA
// function's minute): the day's lease is taken once and kept, so every
// later tick of the day costs one refused conditional write; a failed run
// releases it, and the next tick tries again.
type Daily struct {
	Job    *Job
	Leases Leases
}

// Tick runs the day's list if nobody has yet.
func (d *Daily) Tick(ctx context.Context) error {
	day := d.Job.Store.Now().Format("2006-01-02")
	l, held, err := d.Leases.AcquireLease(ctx, "winback-"+day, 25*time.Hour)
	if err != nil || !held {
		return err
	}
	if _, err := d.Job.Run(ctx); err != nil {
		if rerr := d.Leases.ReleaseLease(ctx, l); rerr != nil {
			d.Job.logger().Warn("win-back lease not released; tomorrow's run is the next", "error", rerr.Error())
		}
		return err
	}
	return nil
}

// After wraps a scheduled handler (the SLA sweep) so that each tick also
// runs the day's list when it is due. A failed list is logged and retried
// on the next tick; it never fails the sweep it rides on.
func (d *Daily) After(next func(context.Context, events.EventBridgeEvent) error) func(context.Context, events.EventBridgeEvent) error {
	return func(ctx context.Context, ev events.EventBridgeEvent) error {
		err := next(ctx, ev)
		if werr := d.Tick(ctx); werr != nil {
			d.Job.logger().Warn("win-back list not built; the next tick retries", "error", werr.Error())
		}
		return err
	}
}
