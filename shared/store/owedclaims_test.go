package store_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/testenv"
)

func TestAnOwedEffectIsHeldByOneAttemptUntilItsClaimRunsOut(t *testing.T) {
	db, table := testenv.NewTable(t)
	var now atomic.Int64
	now.Store(time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC).UnixNano())
	s := store.New(db, table, store.WithClock(func() time.Time { return time.Unix(0, now.Load()) }))
	ctx := context.Background()
	if err := s.Owe(ctx, store.OwedEffect{Kind: "survey", ConversationID: "con_x", Event: "resolved:1", Payload: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	owed, err := s.OwedEffects(ctx, 10)
	if err != nil || len(owed) != 1 {
		t.Fatalf("owed %+v, %v", owed, err)
	}
	key := owed[0].Key

	// Six attempts at once: one holds it, the others are told it is busy.
	var wg sync.WaitGroup
	var held, busy atomic.Int32
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.ClaimOwed(ctx, key, 45*time.Second)
			switch {
			case ok && err == nil:
				held.Add(1)
			case errors.Is(err, store.ErrOwedBusy):
				busy.Add(1)
			default:
				t.Errorf("claim: %v, %v", ok, err)
			}
		}()
	}
	wg.Wait()
	if held.Load() != 1 || busy.Load() != 5 {
		t.Fatalf("%d held, %d busy; want 1 and 5", held.Load(), busy.Load())
	}
	// A claim that ran out (its holder died) is taken again.
	now.Add(int64(45 * time.Second))
	if ok, err := s.ClaimOwed(ctx, key, 45*time.Second); !ok || err != nil {
		t.Fatalf("claim after expiry: %v, %v", ok, err)
	}
	if done, err := s.SettleOwed(ctx, key); !done || err != nil {
		t.Fatalf("settle: %v, %v", done, err)
	}
	// Settled: nothing left to hold.
	if ok, err := s.ClaimOwed(ctx, key, 45*time.Second); ok || err != nil {
		t.Fatalf("claim after settling: %v, %v; want false, nil", ok, err)
	}
}
