package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/testenv"
)

func TestLeaseOneHolderUntilReleaseOrExpiry(t *testing.T) {
	db, table := testenv.NewTable(t)
	now := time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := store.New(db, table, store.WithClock(clock))
	ctx := context.Background()

	// Eight contenders at once: exactly one holds the lease.
	var wg sync.WaitGroup
	results := make(chan store.Lease, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, held, err := s.AcquireLease(ctx, "job", time.Minute)
			if err != nil {
				t.Error(err)
			}
			if held {
				results <- l
			}
		}()
	}
	wg.Wait()
	close(results)
	var holders []store.Lease
	for l := range results {
		holders = append(holders, l)
	}
	if len(holders) != 1 {
		t.Fatalf("%d holders, want 1", len(holders))
	}
	first := holders[0]

	// Released: the next one takes it at once.
	if err := s.ReleaseLease(ctx, first); err != nil {
		t.Fatal(err)
	}
	second, held, err := s.AcquireLease(ctx, "job", time.Minute)
	if err != nil || !held {
		t.Fatalf("after release: held %v err %v", held, err)
	}
	// A late release by the former holder does not free the new holder's lease.
	if err := s.ReleaseLease(ctx, first); err != nil {
		t.Fatal(err)
	}
	if _, held, err := s.AcquireLease(ctx, "job", time.Minute); err != nil || held {
		t.Fatalf("stale release freed the lease: held %v err %v", held, err)
	}
	// Another name is another lease.
	if _, held, err := s.AcquireLease(ctx, "other", time.Minute); err != nil || !held {
		t.Fatalf("other lease: held %v err %v", held, err)
	}
	// A holder that never releases loses the lease when it expires.
	mu.Lock()
	now = second.ExpiresAt
	mu.Unlock()
	if _, held, err := s.AcquireLease(ctx, "job", time.Minute); err != nil || !held {
		t.Fatalf("after expiry: held %v err %v", held, err)
	}
}
