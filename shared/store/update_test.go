package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store"
)

func openConversation(t *testing.T, s *store.Store, num string) domain.Conversation {
	t.Helper()
	ctx := context.Background()
	r, err := s.RecordInbound(ctx, msg([]domain.Identity{phone(t, num)}, "twilio", "m-"+num, "Cho mình hỏi", time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.GetConversation(ctx, r.Customer.OpenConversationID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// bump is another writer changing the conversation meanwhile.
func bump(t *testing.T, s *store.Store, id string) {
	t.Helper()
	if _, err := s.UpdateConversation(context.Background(), id, func(c *domain.Conversation) ([]store.Write, error) {
		c.Team = "rival-" + time.Now().Format(time.RFC3339Nano)
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
}

// A change that loses a few races is applied to the fresh conversation, and
// keeps what the other writer saved.
func TestUpdateConversationRetriesLostRacesOnTheFreshState(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	c := openConversation(t, s, "0913000001")
	calls := 0
	saved, err := s.UpdateLoadedConversation(ctx, c, func(c *domain.Conversation) ([]store.Write, error) {
		calls++
		if calls <= 3 {
			bump(t, s, c.ID) // the save of this attempt is stale
		}
		c.AckedAt = s.Now()
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.GetConversation(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 4 || got.AckedAt.IsZero() || got.Version != c.Version+4 || got.Version != saved.Version || got.Team == c.Team {
		t.Fatalf("after %d calls: stored version %d (saved %d, started %d), acked %v, team %q", calls, got.Version, saved.Version, c.Version, got.AckedAt, got.Team)
	}
}

// A change that never settles ends with a contention error (so the delivery
// is retried), never with silence, and writes nothing of its own.
func TestUpdateConversationThatNeverSettlesReturnsAContentionError(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	c := openConversation(t, s, "0913000002")
	calls := 0
	_, err := s.UpdateConversation(ctx, c.ID, func(c *domain.Conversation) ([]store.Write, error) {
		calls++
		bump(t, s, c.ID)
		c.AckedAt = s.Now()
		return nil, nil
	})
	if domain.ErrorCode(err) != domain.CodeUnavailable {
		t.Fatalf("after %d calls: %v, want a contention error (unavailable)", calls, err)
	}
	got, err := s.GetConversation(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.AckedAt.IsZero() || calls < 2 {
		t.Fatalf("after %d calls: acked %v, want the change unsaved", calls, got.AckedAt)
	}
}

// ErrNoChange ends the update without a write.
func TestUpdateConversationWithNoChangeWritesNothing(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	c := openConversation(t, s, "0913000003")
	got, err := s.UpdateConversation(ctx, c.ID, func(*domain.Conversation) ([]store.Write, error) { return nil, store.ErrNoChange })
	if err != nil || got.Version != c.Version {
		t.Fatalf("%v, version %d, want nil and version %d", err, got.Version, c.Version)
	}
	if stored, err := s.GetConversation(ctx, c.ID); err != nil || stored.Version != c.Version {
		t.Fatalf("stored version %d (%v), want %d", stored.Version, err, c.Version)
	}
}

// An owed effect commits with its change or not at all, is listed until
// settled, and settles once.
func TestOwedEffectCommitsWithTheChangeAndSettlesOnce(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	c := openConversation(t, s, "0913000004")
	// A change whose save loses every race owes nothing.
	if _, err := s.UpdateConversation(ctx, c.ID, func(c *domain.Conversation) ([]store.Write, error) {
		bump(t, s, c.ID)
		_, w := s.OweWrite(store.OwedEffect{Kind: "notify", ConversationID: c.ID, Event: "lost", Payload: []byte(`{}`)})
		return []store.Write{w}, nil
	}); domain.ErrorCode(err) != domain.CodeUnavailable {
		t.Fatalf("%v, want contention", err)
	}
	if owed, err := s.OwedEffects(ctx, 10); err != nil || len(owed) != 0 {
		t.Fatalf("owed %v (%v) after a change that never saved", owed, err)
	}
	var want store.OwedEffect
	if _, err := s.UpdateConversation(ctx, c.ID, func(c *domain.Conversation) ([]store.Write, error) {
		c.Escalated = true
		e, w := s.OweWrite(store.OwedEffect{Kind: "escalate", ConversationID: c.ID, Event: "breach:first_response", Payload: []byte(`{"a":1}`)})
		want = e
		return []store.Write{w}, nil
	}); err != nil {
		t.Fatal(err)
	}
	owed, err := s.OwedEffects(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(owed) != 1 || owed[0].Key != want.Key || owed[0].Kind != "escalate" || owed[0].ConversationID != c.ID ||
		string(owed[0].Payload) != `{"a":1}` || !owed[0].OwedAt.Equal(want.OwedAt) {
		t.Fatalf("owed %+v, want %+v", owed, want)
	}
	if done, err := s.SettleOwed(ctx, want.Key); err != nil || !done {
		t.Fatalf("first settle: %v %v", done, err)
	}
	if done, err := s.SettleOwed(ctx, want.Key); err != nil || done {
		t.Fatalf("second settle: %v %v, want false: settled already", done, err)
	}
	if owed, err := s.OwedEffects(ctx, 10); err != nil || len(owed) != 0 {
		t.Fatalf("owed %v (%v) after settling", owed, err)
	}
}
