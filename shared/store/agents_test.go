package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store"
)

// TestDeactivateAgentResumesAfterACrashAtAnyStep cuts a deactivation off
// after every request and finishes it by running it again: in the end the
// agent is inactive with no load, each of their conversations is back in
// its queue exactly once, and another agent's load is untouched.
func TestDeactivateAgentResumesAfterACrashAtAnyStep(t *testing.T) {
	s, db, table := newStore(t)
	ctx := context.Background()
	base := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
	for crashAt := 0; ; crashAt++ {
		leaving, other := fmt.Sprint("leaving-", crashAt), fmt.Sprint("other-", crashAt)
		for _, id := range []string{leaving, other} {
			if _, err := s.PutAgent(ctx, domain.Agent{ID: id, Name: id, MaxConcurrent: 5, Status: domain.AgentAvailable, Teams: []string{"support"}}); err != nil {
				t.Fatal(err)
			}
		}
		var held []string
		for i := range 4 {
			r, err := s.RecordInbound(ctx, msg([]domain.Identity{phone(t, fmt.Sprintf("0913%03d%03d", crashAt, i))}, "twilio", fmt.Sprint(crashAt, "-", i), "hỏi", base))
			if err != nil {
				t.Fatal(err)
			}
			conv, err := s.GetConversation(ctx, r.Customer.OpenConversationID)
			if err != nil {
				t.Fatal(err)
			}
			to := leaving
			if i == 3 {
				to = other
			}
			if _, err := s.Assign(ctx, conv, to); err != nil {
				t.Fatal(err)
			}
			if to == leaving {
				held = append(held, conv.ID)
			}
		}
		_, _, crashErr := store.New(failAfter(db, crashAt), table).DeactivateAgent(ctx, leaving)
		ag, _, err := s.DeactivateAgent(ctx, leaving)
		if err != nil {
			t.Fatalf("crash after %d requests, then resume: %v", crashAt, err)
		}
		if ag.Status != domain.AgentInactive || ag.Load != 0 {
			t.Fatalf("crash after %d requests: agent %+v", crashAt, ag)
		}
		for _, id := range held {
			c, err := s.GetConversation(ctx, id)
			if err != nil || c.AssigneeID != "" || c.Status == domain.ConversationResolved {
				t.Fatalf("crash after %d requests: conversation %+v, %v", crashAt, c, err)
			}
		}
		if o, err := s.GetAgent(ctx, other); err != nil || o.Load != 1 {
			t.Fatalf("crash after %d requests: the other agent's load is %d", crashAt, o.Load)
		}
		if _, err := s.SetAgentStatus(ctx, leaving, domain.AgentAvailable); domain.ErrorCode(err) != domain.CodeForbidden {
			t.Fatalf("a deactivated agent went available: %v", err)
		}
		if crashErr == nil {
			if crashAt < 3 {
				t.Fatalf("a deactivation of 3 conversations finished in %d requests", crashAt)
			}
			return
		}
	}
}
