package routing_test

import (
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/jobs"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/store/table"
)

// PublishUrgent lets parkingLanes (fault_test.go) stand in for the urgent
// lane: it fails while down, then records.
func (p *parkingLanes) PublishUrgent(_ context.Context, j jobs.Job) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		return domain.Errorf(domain.CodeUnavailable, "urgent lane unavailable")
	}
	p.urgent = append(p.urgent, j)
	return nil
}

// flakyNotifier fails while down, then records what it delivers.
type flakyNotifier struct {
	mu   sync.Mutex
	down bool
	got  map[string]int // by event kind
}

func (f *flakyNotifier) Notify(_ context.Context, e routing.Event) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return domain.Errorf(domain.CodeUnavailable, "notification provider unavailable")
	}
	f.got[e.Kind]++
	return nil
}

func setDown(mu *sync.Mutex, flag *bool, down bool) {
	mu.Lock()
	defer mu.Unlock()
	*flag = down
}

// The warning and the breach are saved while the supervisor's notifications
// and the escalation's publish fail (as if the process died right after the
// save). Once they work again, the next sweep does each exactly once, later
// sweeps repeat none, and routing the escalation twice assigns once.
func TestSLAEffectsLostAfterTheSaveAreDoneOnceByTheNextSweep(t *testing.T) {
	cfg := routing.DefaultConfig()
	e := newEnv(t, cfg)
	ctx := context.Background()
	out := e.inbound(t, "84912345678", "w1", "Chào shop, mình muốn đổi size áo")
	if _, err := e.router.Route(ctx, out.Job); err != nil {
		t.Fatal(err)
	}
	esc := &parkingLanes{down: true}
	sup := &flakyNotifier{down: true, got: map[string]int{}}
	sw := &routing.Sweeper{Store: e.st, Notifier: sup, Escalator: esc, Config: cfg, Log: quiet(), Metrics: io.Discard}
	start := e.clk.now()
	sweep := func(at time.Duration) routing.SweepResult {
		t.Helper()
		res, err := sw.Sweep(ctx, start.Add(at))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := sweep(3*time.Hour + 13*time.Minute); res.Warnings != 1 || res.Owed != 1 {
		t.Fatalf("warning with the notifier down: %+v, want 1 warning and its notification owed", res)
	}
	if res := sweep(4*time.Hour + time.Minute); res.Breaches != 1 || res.Owed != 3 {
		t.Fatalf("breach with both down: %+v, want 1 breach and 3 effects owed (warning, breach notification, escalation)", res)
	}
	conv, err := e.st.GetConversation(ctx, out.Job.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	if !conv.Escalated || conv.Priority != domain.PriorityHigh || len(sup.got) != 0 || len(esc.urgent) != 0 {
		t.Fatalf("after the failed effects: escalated %v priority %s, notified %v, published %d", conv.Escalated, conv.Priority, sup.got, len(esc.urgent))
	}
	setDown(&sup.mu, &sup.down, false)
	setDown(&esc.mu, &esc.down, false)
	if res := sweep(4*time.Hour + 2*time.Minute); res.Warnings+res.Breaches != 0 || res.Owed != 0 {
		t.Fatalf("sweep with both back: %+v, want no new event and nothing owed", res)
	}
	for _, at := range []time.Duration{4*time.Hour + 3*time.Minute, 6 * time.Hour} {
		if res := sweep(at); res.Warnings+res.Breaches+res.Owed != 0 {
			t.Fatalf("later sweep: %+v", res)
		}
	}
	if sup.got["sla_warning"] != 1 || sup.got["escalated"] != 1 || len(sup.got) != 2 {
		t.Fatalf("supervisor notified %v, want one warning and one escalation", sup.got)
	}
	if len(esc.urgent) != 1 || len(esc.got) != 0 {
		t.Fatalf("%d jobs published on the urgent lane and %d by priority, want 1 escalation on the urgent lane", len(esc.urgent), len(esc.got))
	}
	job, ok := esc.urgent[0].(jobs.Escalation)
	if !ok || job.ConversationID != conv.ID || job.Priority != domain.PriorityHigh {
		t.Fatalf("escalation job %#v", esc.urgent[0])
	}

	// The urgent lane may deliver the escalation twice: one assignment.
	if _, err := e.st.PutAgent(ctx, domain.Agent{ID: "an", Name: "An", Languages: []string{"vi"}, Teams: []string{"support"},
		MaxConcurrent: 3, Status: domain.AgentAvailable}); err != nil {
		t.Fatal(err)
	}
	first, err := e.router.Handle(ctx, job)
	if err != nil || !first.Assigned || first.Conversation.AssigneeID != "an" {
		t.Fatalf("first delivery: %+v %v, want assigned to an", first, err)
	}
	second, err := e.router.Handle(ctx, job)
	if err != nil || second.Assigned || !second.AlreadyDone {
		t.Fatalf("second delivery: %+v %v, want already done", second, err)
	}
	agent, err := e.st.GetAgent(ctx, "an")
	if err != nil {
		t.Fatal(err)
	}
	if agent.Load != 1 || e.notes.kinds()["assigned"] != 1 {
		t.Fatalf("agent load %d, %d assignment notifications; want 1 and 1", agent.Load, e.notes.kinds()["assigned"])
	}
}

// contendingSender acknowledges, then keeps changing the conversation's
// version (as other writers racing the acknowledgement's save would) until
// stopped.
type contendingSender struct {
	e    env
	t    *testing.T
	stop chan struct{}
	wg   sync.WaitGroup
	sent int
}

func (c *contendingSender) Send(_ context.Context, m routing.Outbound) (routing.Sent, error) {
	c.sent++
	for range contenders {
		c.wg.Add(1)
		go c.contend(m.ConversationID)
	}
	return routing.Sent{Provider: "meta", ProviderMessageID: "wamid.ack.1"}, nil
}

// contenders is how many writers race the acknowledgement's save: enough
// that it rarely wins within its attempts.
const contenders = 6

func (c *contendingSender) contend(id string) {
	defer c.wg.Done()
	for {
		select {
		case <-c.stop:
			return
		default:
		}
		// A blind version bump, one request: whatever the acknowledgement
		// read is stale by the time it saves.
		_, err := c.e.db.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
			TableName: &c.e.table,
			Key: map[string]types.AttributeValue{
				table.PK: &types.AttributeValueMemberS{Value: "V#" + id}, table.SK: &types.AttributeValueMemberS{Value: "V"},
			},
			UpdateExpression:          aws.String("SET version = version + :one"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}},
		})
		if err != nil {
			c.t.Error(err)
			return
		}
	}
}

// The acknowledgement went out; saving its AckedAt races a writer that never
// stops. Routing either saves it or fails the job with a contention error
// (the lane redelivers): never success with AckedAt unsaved.
func TestAcknowledgementSavedUnderContentionOrTheJobFails(t *testing.T) {
	e := newEnv(t, routing.DefaultConfig())
	ctx := context.Background()
	snd := &contendingSender{e: e, t: t, stop: make(chan struct{})}
	e.router.Sender = snd
	out := e.inbound(t, "84912345670", "w-ack", "Chào shop, cho mình hỏi giá")
	res, err := e.router.Route(ctx, out.Job)
	close(snd.stop)
	snd.wg.Wait()
	if snd.sent != 1 {
		t.Fatalf("%d acknowledgements sent, want 1", snd.sent)
	}
	stored, gerr := e.st.GetConversation(ctx, out.Job.ConversationID)
	if gerr != nil {
		t.Fatal(gerr)
	}
	switch {
	case err == nil && (!res.Acknowledged || stored.AckedAt.IsZero()):
		t.Fatalf("routed without error but acknowledged %v, stored AckedAt %v", res.Acknowledged, stored.AckedAt)
	case err != nil && domain.ErrorCode(err) != domain.CodeUnavailable:
		t.Fatalf("routing failed with %v, want a contention error (unavailable)", err)
	}
	t.Logf("outcome under contention: err %v, AckedAt %v", err, stored.AckedAt)
}
