package loyalty

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store"
)

// Thresholds rank buyers: the smallest set bringing VIPShare percent of the
// value over Window is vip, the next ValuedShare percent valued.
type Thresholds struct {
	VIPShare    int
	ValuedShare int
	Window      time.Duration
}

// Ranked is one buyer's place in a ranking.
type Ranked struct {
	CustomerID string
	Value      int64 // over the window, minor units of the business currency
	Rank       int   // 1 = the most valuable
	Tier       string
	// Cumulative is the share (0-1) of the total value brought by this
	// buyer and every one ranked before.
	Cumulative float64
}

// WindowValue is a buyer's value over the window ending at now.
func WindowValue(buys []store.Buy, now time.Time, window time.Duration) int64 {
	from := now.Add(-window).Unix()
	var v int64
	for _, b := range buys {
		if b.At >= from && b.At <= now.Unix() {
			v += b.Value
		}
	}
	return v
}

// Rank orders buyers by value (ties by customer id, so a ranking is
// reproducible) and gives each its tier: walking down the list, a buyer is
// vip while the value before them is under VIPShare% of the total (so the
// vip set is the smallest that reaches it), valued while under
// (VIPShare+ValuedShare)%, standard after; a buyer with no value in the
// window is standard.
func Rank(values map[string]int64, t Thresholds) []Ranked {
	out := make([]Ranked, 0, len(values))
	var total int64
	for id, v := range values {
		out = append(out, Ranked{CustomerID: id, Value: v})
		if v > 0 {
			total += v
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Value != out[j].Value {
			return out[i].Value > out[j].Value
		}
		return out[i].CustomerID < out[j].CustomerID
	})
	var before int64
	for i := range out {
		r := &out[i]
		r.Rank = i + 1
		switch {
		case r.Value <= 0 || total == 0:
			r.Tier = domain.TierStandard
		case before*100 < int64(t.VIPShare)*total:
			r.Tier = domain.TierVIP
		case before*100 < int64(t.VIPShare+t.ValuedShare)*total:
			r.Tier = domain.TierValued
		default:
			r.Tier = domain.TierStandard
		}
		if r.Value > 0 {
			before += r.Value
		}
		if total > 0 {
			r.Cumulative = float64(before) / float64(total)
		}
	}
	return out
}

// TierStore is what the tier job needs of storage.
type TierStore interface {
	Now() time.Time
	Buyers(ctx context.Context) ([]store.Buyer, error)
	ApplyTier(ctx context.Context, customerID, from, to string, tp domain.Touchpoint) (domain.Touchpoint, error)
}

// Tiering recomputes value tiers: daily on the schedule, and on demand
// (POST /tiers/recompute).
type Tiering struct {
	Store      TierStore
	Thresholds Thresholds
	Currency   string
	Log        *slog.Logger
}

// Report is what one recompute did.
type Report struct {
	At       time.Time      `json:"at"`
	Buyers   int            `json:"buyers"`
	Total    int64          `json:"totalValue"`
	Currency string         `json:"currency"`
	Tiers    map[string]int `json:"tiers"`
	Changed  int            `json:"changed"`
	Pinned   int            `json:"pinned"`
	// Skipped counts changes a concurrent edit (a pin, another run) overtook.
	Skipped    int   `json:"skipped"`
	WindowDays int   `json:"windowDays"`
	VIPMin     int64 `json:"vipMinValue"` // the smallest vip's value
}

// Recompute ranks every buyer from the buyers' index and writes each change
// of tier (a tier_change touchpoint with the figures). Pinned customers keep
// their tier; they are ranked with the rest, so the others' shares do not
// depend on pins. Running it twice changes nothing the second time.
func (j *Tiering) Recompute(ctx context.Context) (Report, error) {
	now := j.Store.Now()
	buyers, err := j.Store.Buyers(ctx)
	if err != nil {
		return Report{}, err
	}
	values := make(map[string]int64, len(buyers))
	byID := make(map[string]store.Buyer, len(buyers))
	for _, b := range buyers {
		values[b.CustomerID] = WindowValue(b.Buys, now, j.Thresholds.Window)
		byID[b.CustomerID] = b
	}
	ranked := Rank(values, j.Thresholds)
	rep := Report{At: now, Buyers: len(ranked), Currency: j.Currency, Tiers: map[string]int{},
		WindowDays: int(j.Thresholds.Window / (24 * time.Hour))}
	for _, r := range ranked {
		if r.Value > 0 {
			rep.Total += r.Value
		}
		if r.Tier == domain.TierVIP {
			rep.VIPMin = r.Value
		}
	}
	type change struct {
		r    Ranked
		from string
	}
	var changes []change
	for _, r := range ranked {
		b := byID[r.CustomerID]
		if b.TierPinned {
			rep.Pinned++
			rep.Tiers[b.Tier]++
			continue
		}
		rep.Tiers[r.Tier]++
		if b.Tier != r.Tier {
			changes = append(changes, change{r, b.Tier})
		}
	}
	// Each change is its own small transaction; a few run at once.
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
		next     = make(chan change)
	)
	for w := 0; w < applyWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range next {
				_, err := j.Store.ApplyTier(ctx, c.r.CustomerID, c.from, c.r.Tier, j.changeNote(c.r, c.from, rep, len(ranked)))
				mu.Lock()
				switch {
				case errors.Is(err, store.ErrTierMoved):
					rep.Skipped++
				case err != nil:
					if firstErr == nil {
						firstErr = err
					}
				default:
					rep.Changed++
				}
				mu.Unlock()
			}
		}()
	}
	for _, c := range changes {
		next <- c
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return rep, firstErr
	}
	j.logger().Info("tiers recomputed", "buyers", rep.Buyers, "changed", rep.Changed, "pinned", rep.Pinned,
		"skipped", rep.Skipped, "vip", rep.Tiers[domain.TierVIP], "valued", rep.Tiers[domain.TierValued])
	return rep, nil
}

// applyWorkers bounds the tier changes written at once.
const applyWorkers = 8

// changeNote is the tier_change touchpoint: the move and the figures behind it.
func (j *Tiering) changeNote(r Ranked, from string, rep Report, buyers int) domain.Touchpoint {
	return domain.Touchpoint{
		Text: fmt.Sprintf("Tier %s → %s: value %d %s over %d days, rank %d of %d (top %.1f%% of value)",
			orNone(from), r.Tier, r.Value, j.Currency, rep.WindowDays, r.Rank, buyers, r.Cumulative*100),
		Metadata: map[string]string{"from": from, "to": r.Tier, "value": strconv.FormatInt(r.Value, 10),
			"currency": j.Currency, "rank": strconv.Itoa(r.Rank), "buyers": strconv.Itoa(buyers),
			"totalValue": strconv.FormatInt(rep.Total, 10), "cumulativeShare": strconv.FormatFloat(r.Cumulative, 'f', 4, 64),
			"windowDays": strconv.Itoa(rep.WindowDays)},
	}
}

func orNone(t string) string {
	if t == "" {
		return "none"
	}
	return t
}

func (j *Tiering) logger() *slog.Logger {
	if j.Log != nil {
		return j.Log
	}
	return slog.Default()
}

// Leases take a named lease (shared/store).
type Leases interface {
	AcquireLease(ctx context.Context, name string, ttl time.Duration) (store.Lease, bool, error)
	ReleaseLease(ctx context.Context, l store.Lease) error
}

// DailyLease names the lease that makes the scheduled recompute daily.
const DailyLease = "tiers-daily"

// Daily recomputes the tiers at most once a day: the every-minute schedule
// calls it, and the first call of a day takes a lease held for 24 hours
// (kept, not released, when the run succeeds). A failed run gives the lease
// back so the next minute tries again. ran says whether it recomputed.
func (j *Tiering) Daily(ctx context.Context, leases Leases) (ran bool, err error) {
	l, held, err := leases.AcquireLease(ctx, DailyLease, 24*time.Hour)
	if err != nil || !held {
		return false, err
	}
	if _, err := j.Recompute(ctx); err != nil {
		if rerr := leases.ReleaseLease(ctx, l); rerr != nil {
			j.logger().Error("tiers lease not released", "error", rerr.Error())
		}
		return false, err
	}
	return true, nil
}
