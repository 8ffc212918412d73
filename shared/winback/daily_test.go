package winback_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/testenv"
	"github.com/concierge-cx/concierge/shared/winback"
)

// counting counts the lists the job saves, and can fail the next one.
type counting struct {
	*store.Store
	saves atomic.Int32
	fail  atomic.Bool
}

func (c *counting) SaveWinbackList(ctx context.Context, day time.Time, e []store.WinbackEntry) error {
	if c.fail.Swap(false) {
		return errors.New("table unavailable")
	}
	c.saves.Add(1)
	return c.Store.SaveWinbackList(ctx, day, e)
}

// The minute schedule builds the list once a day; a failed build is tried
// again on the next tick.
func TestTheDailyListIsBuiltOnceADay(t *testing.T) {
	db, table := testenv.NewTable(t)
	var clock atomic.Int64
	clock.Store(time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC).UnixNano())
	st := &counting{Store: store.New(db, table, store.WithClock(func() time.Time { return time.Unix(0, clock.Load()).UTC() }))}
	d := &winback.Daily{Job: &winback.Job{Store: st, Log: nil}, Leases: st.Store}
	ctx := context.Background()

	st.fail.Store(true)
	if err := d.Tick(ctx); err == nil {
		t.Fatal("a failed build must say so")
	}
	for range 3 {
		clock.Add(int64(time.Minute))
		if err := d.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := st.saves.Load(); n != 1 {
		t.Fatalf("%d lists built on the first day, want 1 (after the failed attempt)", n)
	}
	if _, day, found, err := st.WinbackList(ctx, time.Unix(0, clock.Load())); err != nil || !found || day.Day() != 30 {
		t.Fatalf("today's list: found %v day %v err %v", found, day, err)
	}
	clock.Add(int64(24 * time.Hour))
	for range 2 {
		if err := d.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := st.saves.Load(); n != 2 {
		t.Fatalf("%d lists after the second day, want 2", n)
	}
}
