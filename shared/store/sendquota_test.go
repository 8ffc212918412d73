package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
)

// Twelve replies race for Zalo's 8 free ones: exactly 8 are counted, a retry
// of a counted send is not counted again, her next message starts a new
// count, and a failed send gives its place back.
func TestReplyCountIsExactUnderRaces(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	last := time.Date(2026, 3, 14, 8, 0, 0, 123, time.UTC)
	var mu sync.Mutex
	okCount := 0
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, ok, err := s.CountReply(ctx, "cu1", domain.ChannelZalo, last, fmt.Sprintf("send-%02d", i), 8)
			if err != nil {
				t.Error(err)
				return
			}
			if ok {
				mu.Lock()
				okCount++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if okCount != 8 {
		t.Fatalf("%d counted, want 8", okCount)
	}
	if n, _ := s.RepliesCounted(ctx, "cu1", domain.ChannelZalo, last); n != 8 {
		t.Fatalf("count %d", n)
	}
	// Find one counted send and retry it: still 8, still ok.
	retried := false
	for i := range 12 {
		n, ok, err := s.CountReply(ctx, "cu1", domain.ChannelZalo, last, fmt.Sprintf("send-%02d", i), 8)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			retried = true
			if n != 8 {
				t.Fatalf("retry changed the count to %d", n)
			}
			if err := s.UncountReply(ctx, "cu1", domain.ChannelZalo, last, fmt.Sprintf("send-%02d", i)); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	if !retried {
		t.Fatal("no counted send found again")
	}
	if n, _ := s.RepliesCounted(ctx, "cu1", domain.ChannelZalo, last); n != 7 {
		t.Fatalf("after giving one back: %d", n)
	}
	// Her next message: a new window, counted from one; the old window reads 0.
	next := last.Add(time.Hour)
	if n, ok, err := s.CountReply(ctx, "cu1", domain.ChannelZalo, next, "send-new", 8); err != nil || !ok || n != 1 {
		t.Fatalf("new window: n=%d ok=%v err=%v", n, ok, err)
	}
	if n, _ := s.RepliesCounted(ctx, "cu1", domain.ChannelZalo, last); n != 0 {
		t.Fatalf("old window reads %d", n)
	}
	// A send that read her older message counts in the newest window.
	if n, ok, err := s.CountReply(ctx, "cu1", domain.ChannelZalo, last, "send-stale", 8); err != nil || !ok || n != 2 {
		t.Fatalf("stale send: n=%d ok=%v err=%v", n, ok, err)
	}
	// Another customer or channel has its own count.
	if n, ok, _ := s.CountReply(ctx, "cu2", domain.ChannelZalo, last, "send-00", 8); !ok || n != 1 {
		t.Fatalf("cu2: %d", n)
	}
}
