package routing_test

import (
	"context"
	"slices"
	"testing"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/routing"
)

// A customer merged into another has their open conversation closed into the
// target's and marked mergedInto. A routing job for it delivered after the
// merge (naming the source customer, as published, or the target, under
// whom the merge moved its touchpoint) must leave the mark in place, assign
// nobody, acknowledge nobody and change no queue.
func TestALateRoutingJobLeavesAMergedConversationAlone(t *testing.T) {
	e := newEnv(t, routing.DefaultConfig())
	out := &sends{acks: map[string]int{}}
	e.router.Sender = out
	ctx := context.Background()
	if _, err := e.st.PutAgent(ctx, domain.Agent{ID: "mai", Languages: []string{"vi"}, Teams: []string{"support"},
		MaxConcurrent: 5, Status: domain.AgentOffline}); err != nil {
		t.Fatal(err)
	}
	target := e.inbound(t, "84912000001", "w1", "Chào shop, áo này còn màu đỏ không?")
	source := e.inbound(t, "84912000002", "w2", "Mình hỏi lại về cái áo đỏ")
	if _, err := e.router.Route(ctx, target.Job); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Merge(ctx, target.Job.CustomerID, source.Job.CustomerID); err != nil {
		t.Fatal(err)
	}
	merged, err := e.st.GetConversation(ctx, source.Job.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	if merged.MergedInto != target.Job.ConversationID || merged.Status != domain.ConversationResolved {
		t.Fatalf("after the merge the source conversation is %s merged into %q, want resolved into %s",
			merged.Status, merged.MergedInto, target.Job.ConversationID)
	}
	// An agent is free now: a conversation taken for open would be assigned.
	if _, err := e.st.SetAgentStatus(ctx, "mai", domain.AgentAvailable); err != nil {
		t.Fatal(err)
	}
	queue := func() []string {
		t.Helper()
		var ids []string
		for _, team := range []string{"support", "escalations"} {
			page, err := e.st.Queue(ctx, team, 100, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range page.Items {
				ids = append(ids, team+"/"+c.ID)
			}
		}
		page, err := e.st.AssignedTo(ctx, "mai", 100, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Items {
			ids = append(ids, "mai/"+c.ID)
		}
		return ids
	}
	before := queue()
	notesBefore := len(e.notes.list)

	retargeted := source.Job
	retargeted.CustomerID = target.Job.CustomerID
	for _, late := range []struct {
		name string
		job  ingest.Job
	}{{"as published", source.Job}, {"under the target", retargeted}} {
		got, err := e.router.Route(ctx, late.job)
		if err != nil {
			t.Fatalf("%s: %v", late.name, err)
		}
		if got.Assigned || got.Acknowledged {
			t.Errorf("%s: a merged-away conversation was assigned (%v) or acknowledged (%v)", late.name, got.Assigned, got.Acknowledged)
		}
		c, err := e.st.GetConversation(ctx, source.Job.ConversationID)
		if err != nil {
			t.Fatal(err)
		}
		if c.MergedInto != target.Job.ConversationID || c.Status != domain.ConversationResolved || c.AssigneeID != "" {
			t.Errorf("%s: source conversation now %s, merged into %q, assigned to %q; want resolved into %s, unassigned",
				late.name, c.Status, c.MergedInto, c.AssigneeID, target.Job.ConversationID)
		}
		if after := queue(); !slices.Equal(after, before) {
			t.Errorf("%s: queues changed from %v to %v", late.name, before, after)
		}
	}
	if len(e.notes.list) != notesBefore {
		t.Errorf("agents were notified: %v", e.notes.list[notesBefore:])
	}
	if len(out.acks) != 1 {
		t.Errorf("acknowledgements sent to %v, want only the target's first message", out.acks)
	}
	a, err := e.st.GetAgent(ctx, "mai")
	if err != nil || a.Load != 0 {
		t.Errorf("agent load %d after late jobs, want 0 (%v)", a.Load, err)
	}
}
