package routing_test

import (
	"context"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/sla"
)

// A customer writes again before her first message is routed (the lane is
// busy): the follow-up of no urgency is stored in place and makes no routing
// job; the first job then routes the conversation as if it had come at once:
// her clock starts at the first message, she gets one acknowledgement and the
// agent one notification, and the conversation keeps the follow-up's newer
// time. An urgent follow-up in the same state still goes to the router.
func TestAFollowUpWrittenBeforeTheFirstMessageIsRoutedWaitsForItsJob(t *testing.T) {
	e := newEnv(t, routing.DefaultConfig())
	out := &sends{acks: map[string]int{}}
	e.router.Sender = out
	ctx := context.Background()
	if _, err := e.st.PutAgent(ctx, domain.Agent{ID: "lan", Languages: []string{"vi"}, Teams: []string{"support"}, MaxConcurrent: 3, Status: domain.AgentAvailable}); err != nil {
		t.Fatal(err)
	}
	first := e.inbound(t, "84913004001", "wamid.opened.1", "Cho mình hỏi giá sản phẩm")
	if len(e.jobs.list) != 1 || !first.Job.NewConversation {
		t.Fatalf("the first message published %d jobs (%+v)", len(e.jobs.list), first.Job)
	}
	e.clk.advance(40 * time.Second)
	second := e.inbound(t, "84913004001", "wamid.opened.2", "Mình cần mua 2 cái")
	if !second.InPlace || len(e.jobs.list) != 1 {
		t.Fatalf("a follow-up of no urgency before routing: in place %v, %d jobs; want in place and still 1 job (score %d)", second.InPlace, len(e.jobs.list), second.Job.Score)
	}

	e.clk.advance(5 * time.Second)
	res, err := e.router.Route(ctx, e.jobs.list[0])
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.st.GetConversation(ctx, first.Job.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Assigned || c.AssigneeID != "lan" || !c.SLA.StartedAt.Equal(first.Job.ReceivedAt) || c.SLA.Metric != string(sla.FirstResponse) {
		t.Fatalf("after the first job: assigned %v to %q, %s clock from %v; want lan, the first response's from the first message %v",
			res.Assigned, c.AssigneeID, c.SLA.Metric, c.SLA.StartedAt, first.Job.ReceivedAt)
	}
	if !c.LastInboundAt.Equal(second.Job.OccurredAt) || c.Language != "vi" || len(c.Owed) != 0 {
		t.Fatalf("after the first job: last inbound %v (want the follow-up's %v), language %q, owed %v", c.LastInboundAt, second.Job.OccurredAt, c.Language, c.Owed)
	}
	if out.acks["+84913004001"] != 1 || e.notes.kinds()["assigned"] != 1 {
		t.Fatalf("acknowledgements %v, notifications %v; want one of each", out.acks, e.notes.kinds())
	}

	// Another customer's urgent follow-up in the same state is the router's.
	e.inbound(t, "84913004002", "wamid.opened.3", "Cho mình hỏi giá sản phẩm")
	urgent := e.inbound(t, "84913004002", "wamid.opened.4", "GẤP!!! Tôi bị trừ tiền mà không nhận được hàng")
	if urgent.InPlace || len(e.jobs.list) != 3 {
		t.Fatalf("an urgent follow-up before routing: in place %v, %d jobs; want a job of its own", urgent.InPlace, len(e.jobs.list))
	}
}
