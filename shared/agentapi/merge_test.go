package agentapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/concierge-cx/concierge/shared/domain"
)

// Merging two customers whose conversations are both open and assigned
// leaves one open conversation, no resolved conversation in any queue or
// the SLA index, and each agent's load equal to what they see.
func TestMergeLeavesNoDebris(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	sup := e.supervisor(t, "sup-merge")
	an, binh := e.agent(t, "agent-an"), e.agent(t, "agent-binh")
	status := func(tok, st string) {
		t.Helper()
		if res := e.gw.do(t, "PUT", "/agents/me/status", tok, `{"status":"`+st+`"}`); res.Status != http.StatusOK {
			t.Fatalf("status: %d %s", res.Status, res.Body)
		}
	}
	// An becomes available and pulls the target's conversation; Binh then
	// pulls the source's.
	target := e.inbound(t, "0912345678", "wamid.t1", "Đơn hàng DH1024 chưa giao")
	status(an, "available")
	status(an, "away")
	source := e.inbound(t, "0987654321", "wamid.s1", "Em hỏi về đơn DH1024")
	status(binh, "available")
	for conv, agent := range map[string]string{target.Job.ConversationID: "agent-an", source.Job.ConversationID: "agent-binh"} {
		c, err := e.st.GetConversation(ctx, conv)
		if err != nil || c.AssigneeID != agent {
			t.Fatalf("setup: %s assigned to %q (%v), want %s", conv, c.AssigneeID, err, agent)
		}
	}

	if res := e.gw.do(t, "POST", "/customers/"+target.Customer.ID+"/merge", sup, `{"sourceId":"`+source.Customer.ID+`"}`); res.Status != http.StatusOK {
		t.Fatalf("merge: %d %s", res.Status, res.Body)
	}
	cu, err := e.st.GetCustomer(ctx, target.Customer.ID)
	if err != nil {
		t.Fatal(err)
	}
	if cu.OpenConversationID != target.Job.ConversationID {
		t.Fatalf("open conversation %s, want %s", cu.OpenConversationID, target.Job.ConversationID)
	}
	merged, err := e.st.GetConversation(ctx, source.Job.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	if merged.Status != domain.ConversationResolved || merged.CustomerID != target.Customer.ID {
		t.Fatalf("source conversation %+v", merged)
	}
	// The source's message now reads in the target's conversation.
	page, err := e.st.Timeline(ctx, target.Customer.ID, 20, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tp := range page.Items {
		if tp.Direction == domain.DirectionIn && tp.ConversationID != target.Job.ConversationID {
			t.Fatalf("touchpoint %s still in conversation %s", tp.ID, tp.ConversationID)
		}
	}
	// Queues and the SLA index hold no resolved conversation.
	for _, team := range []string{"support", "vip"} {
		q, err := e.st.Queue(ctx, team, 100, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range q.Items {
			if c.Status == domain.ConversationResolved {
				t.Fatalf("resolved conversation %s in the %s queue", c.ID, team)
			}
		}
	}
	due, err := e.st.SLADue(ctx, e.clk.now().AddDate(1, 0, 0), 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range due {
		if c.ID == merged.ID {
			t.Fatal("merged-away conversation still in the SLA index")
		}
	}
	// Each agent's load equals the open conversations assigned to them.
	for _, id := range []string{"agent-an", "agent-binh"} {
		ag, err := e.st.GetAgent(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		mine, err := e.st.AssignedTo(ctx, id, 100, "")
		if err != nil {
			t.Fatal(err)
		}
		open := 0
		for _, c := range mine.Items {
			if c.Status != domain.ConversationResolved {
				open++
			}
		}
		if ag.Load != open || open != len(mine.Items) {
			t.Fatalf("%s: load %d, sees %d (%d listed)", id, ag.Load, open, len(mine.Items))
		}
	}
	// The merged-away conversation cannot be worked, and metrics do not count it.
	if res := e.gw.do(t, "POST", "/conversations/"+target.Job.ConversationID+"/resolve", an, ""); res.Status != http.StatusOK {
		t.Fatalf("resolve the surviving conversation: %d %s", res.Status, res.Body)
	}
	var m struct {
		Resolved int `json:"resolved"`
	}
	e.gw.do(t, "GET", "/metrics?from=2026-11-20&to=2026-11-20", sup, "").decode(t, &m)
	if m.Resolved != 1 {
		t.Fatalf("metrics count %d resolved conversations, want 1", m.Resolved)
	}
}

// A merge that closes the source's conversation frees its agent's slot, and
// the customer waiting in the queue takes it at once: nobody waits for that
// agent's next status change.
func TestAMergeThatFreesASlotPullsTheQueue(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	sup := e.supervisor(t, "sup-merge-pull")
	if _, err := e.st.PutAgent(ctx, domain.Agent{ID: "agent-chi", Name: "Chi", Languages: []string{"vi"}, Teams: []string{"support"},
		MaxConcurrent: 1, Status: domain.AgentAvailable}); err != nil {
		t.Fatal(err)
	}
	source := e.inbound(t, "0987654322", "wamid.mp.s", "Em hỏi về đơn DH2048")
	target := e.inbound(t, "0912345679", "wamid.mp.t", "Đơn hàng DH2048 chưa giao")
	waiting := e.inbound(t, "0933333333", "wamid.mp.w", "Cho mình hỏi giá sản phẩm")
	if got, err := e.st.GetConversation(ctx, source.Job.ConversationID); err != nil || got.AssigneeID != "agent-chi" {
		t.Fatalf("setup: the source's conversation is with %q (%v), want agent-chi", got.AssigneeID, err)
	}
	if res := e.gw.do(t, "POST", "/customers/"+target.Customer.ID+"/merge", sup, `{"sourceId":"`+source.Customer.ID+`"}`); res.Status != http.StatusOK {
		t.Fatalf("merge: %d %s", res.Status, res.Body)
	}
	chi, err := e.st.GetAgent(ctx, "agent-chi")
	if err != nil {
		t.Fatal(err)
	}
	mine, err := e.st.AssignedTo(ctx, "agent-chi", 10, "")
	if err != nil {
		t.Fatal(err)
	}
	if chi.Load != 1 || len(mine.Items) != 1 || mine.Items[0].ID == source.Job.ConversationID {
		t.Fatalf("after the merge Chi holds %d (load %d): %+v; want one of the waiting conversations (%s, %s)",
			len(mine.Items), chi.Load, mine.Items, target.Job.ConversationID, waiting.Job.ConversationID)
	}
}
