package routing_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/envconfig"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/jobs"
	"github.com/concierge-cx/concierge/shared/queue"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/store"
)

// faultySender fails or dies (panics, as a process killed mid-request would
// stop) on its first calls, as told, and counts what actually went out.
type faultySender struct {
	mu sync.Mutex
	// plan is consumed one step per call: "fail" (an error, nothing sent),
	// "die-before" (stops before sending), "die-after" (sent, then stops
	// before the caller hears), "" (sends).
	plan []string
	sent map[string]int // by address
}

type died struct{}

func (s *faultySender) Send(_ context.Context, m routing.Outbound) (routing.Sent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	step := ""
	if len(s.plan) > 0 {
		step, s.plan = s.plan[0], s.plan[1:]
	}
	switch step {
	case "fail":
		return routing.Sent{}, domain.Errorf(domain.CodeUnavailable, "provider unavailable")
	case "die-before":
		panic(died{})
	}
	s.sent[m.To]++
	if step == "die-after" {
		panic(died{})
	}
	return routing.Sent{Provider: "meta", ProviderMessageID: fmt.Sprintf("wamid.ack.%d", s.sent[m.To])}, nil
}

// faultyNotifier is faultySender's counterpart for agent notifications.
type faultyNotifier struct {
	mu   sync.Mutex
	plan []string
	got  map[string]int // "kind:conversation:agent"
}

func (n *faultyNotifier) Notify(_ context.Context, e routing.Event) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	step := ""
	if len(n.plan) > 0 {
		step, n.plan = n.plan[0], n.plan[1:]
	}
	switch step {
	case "fail":
		return domain.Errorf(domain.CodeUnavailable, "notification endpoint unavailable")
	case "die-before":
		panic(died{})
	}
	n.got[e.Kind+":"+e.ConversationID+":"+e.AgentID]++
	return nil
}

// dyingStore dies (as faultySender does) the first time an acknowledgement
// is claimed: right after the routing change was saved, before any effect.
type dyingStore struct {
	*store.Store
	once sync.Once
}

func (d *dyingStore) ClaimAck(ctx context.Context, customerID, conversationID string, window time.Duration) (store.AckClaim, error) {
	d.once.Do(func() { panic(died{}) })
	return d.Store.ClaimAck(ctx, customerID, conversationID, window)
}

// route runs one delivery of a job, as the lane would, and reports whether
// the process "died" during it.
func route(t *testing.T, r *routing.Router, job ingest.Job) (out routing.Outcome, err error, dead bool) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			if _, ok := p.(died); !ok {
				panic(p)
			}
			dead = true
		}
	}()
	out, err = r.Route(context.Background(), job)
	return out, err, false
}

// Each way an effect can be cut off after the state change that owes it:
// the job is delivered again until it succeeds, and then the customer has
// exactly one acknowledgement and the agent exactly one notification.
func TestRoutingEffectsCutOffAfterTheChangeHappenExactlyOnce(t *testing.T) {
	cases := []struct {
		name      string
		dieFirst  bool // the process dies after the change, before any effect
		sends     []string
		notifies  []string
		wantAcks  int
		wantNotes int
	}{
		{name: "the process dies between the change and its effects", dieFirst: true, wantAcks: 1, wantNotes: 1},
		{name: "the send fails, then works", sends: []string{"fail"}, wantAcks: 1, wantNotes: 1},
		{name: "the process dies right after the send", sends: []string{"die-after"}, wantAcks: 1, wantNotes: 1},
		// Dying inside the send leaves it in doubt (it may have gone out): it
		// is not sent again. This is the one case that can lose it, the price
		// of never sending two; the provider accepts no idempotency key.
		{name: "the process dies during the send", sends: []string{"die-before"}, wantAcks: 0, wantNotes: 1},
		{name: "the notification fails twice", notifies: []string{"fail", "fail"}, wantAcks: 1, wantNotes: 1},
		{name: "the process dies before the notification", notifies: []string{"die-before"}, wantAcks: 1, wantNotes: 1},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, routing.DefaultConfig())
			ctx := context.Background()
			if _, err := e.st.PutAgent(ctx, domain.Agent{ID: "lan", Languages: []string{"vi"}, Teams: []string{"support"},
				MaxConcurrent: 2, Status: domain.AgentAvailable}); err != nil {
				t.Fatal(err)
			}
			snd := &faultySender{plan: c.sends, sent: map[string]int{}}
			ntf := &faultyNotifier{plan: c.notifies, got: map[string]int{}}
			e.router.Sender, e.router.Notifier = snd, ntf
			if c.dieFirst {
				e.router.Store = &dyingStore{Store: e.st}
			}
			out := e.inbound(t, fmt.Sprintf("8491555%04d", i), "w-owed", "Chào shop, cho mình hỏi giá")
			var last routing.Outcome
			for attempt := 0; ; attempt++ {
				if attempt == 5 {
					t.Fatal("still failing after 5 deliveries")
				}
				res, err, dead := route(t, e.router, out.Job)
				if err == nil && !dead {
					if attempt == 0 {
						t.Fatal("the first delivery succeeded: no fault was injected")
					}
					last = res
					break
				}
				if err != nil && domain.ErrorCode(err) != domain.CodeUnavailable {
					t.Fatalf("delivery %d: %v, want an error worth retrying", attempt, err)
				}
			}
			// Delivered once more after success: nothing is repeated.
			if res, err, dead := route(t, e.router, out.Job); err != nil || dead || !res.AlreadyDone {
				t.Fatalf("redelivery after success: %+v %v dead=%v, want already done", res, err, dead)
			}
			conv, err := e.st.GetConversation(ctx, out.Job.ConversationID)
			if err != nil {
				t.Fatal(err)
			}
			if len(conv.Owed) != 0 {
				t.Fatalf("still owed after success: %v", conv.Owed)
			}
			if got := snd.sent[out.Job.Address]; got != c.wantAcks {
				t.Fatalf("%d acknowledgements went out, want %d", got, c.wantAcks)
			}
			if c.wantAcks == 1 && conv.AckedAt.IsZero() {
				t.Fatal("the acknowledgement went out but AckedAt is not saved")
			}
			if conv.AssigneeID != "lan" || last.Conversation.AssigneeID != "lan" {
				t.Fatalf("assigned to %q", conv.AssigneeID)
			}
			if n := ntf.got["assigned:"+conv.ID+":lan"]; n != c.wantNotes || len(ntf.got) != 1 {
				t.Fatalf("notifications %v, want %d of the assignment", ntf.got, c.wantNotes)
			}
			agent, err := e.st.GetAgent(ctx, "lan")
			if err != nil || agent.Load != 1 {
				t.Fatalf("agent load %d (%v), want 1", agent.Load, err)
			}
		})
	}
}

// A job whose effect still fails on its lane's last delivery does not go to
// the DLQ with the markers its conversation owes (nothing would ever retry
// them there): it is parked in the table, and the SLA sweep publishes it
// again until the effect is done, once.
func TestAJobWhoseEffectsOutlastItsDeliveriesIsParkedForTheSweep(t *testing.T) {
	e := newEnv(t, routing.DefaultConfig())
	ctx := context.Background()
	if _, err := e.st.PutAgent(ctx, domain.Agent{ID: "lan", Languages: []string{"vi"}, Teams: []string{"support"},
		MaxConcurrent: 2, Status: domain.AgentAvailable}); err != nil {
		t.Fatal(err)
	}
	ntf := &faultyNotifier{plan: []string{"fail", "fail", "fail"}, got: map[string]int{}}
	e.router.Notifier = ntf
	e.router.Parking, e.router.MaxReceives = e.st, 2
	out := e.inbound(t, "84915550999", "w-parked", "Chào shop, cho mình hỏi giá")
	body, err := jobs.Encode(out.Job)
	if err != nil {
		t.Fatal(err)
	}
	deliver := func(b []byte, n int) events.SQSEventResponse {
		t.Helper()
		resp, err := e.router.HandleSQS(ctx, events.SQSEvent{Records: []events.SQSMessage{{MessageId: fmt.Sprint("m", n),
			Body: string(b), Attributes: map[string]string{"ApproximateReceiveCount": fmt.Sprint(n)}}}})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	owedNow := func() []store.OwedEffect {
		t.Helper()
		owed, err := e.st.OwedEffects(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		return owed
	}
	if resp := deliver(body, 1); len(resp.BatchItemFailures) != 1 {
		t.Fatalf("first delivery with the notification failing: %+v, want it handed back", resp)
	}
	if owed := owedNow(); len(owed) != 0 {
		t.Fatalf("parked before the last delivery: %+v", owed)
	}
	if resp := deliver(body, 2); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("last delivery: %+v, want it parked (done for the lane), not sent to the DLQ", resp)
	}
	owed := owedNow()
	if len(owed) != 1 || owed[0].Kind != ingest.EffectRoute || owed[0].ConversationID != out.Job.ConversationID {
		t.Fatalf("owed after the last delivery: %+v, want the routing job", owed)
	}
	if conv, err := e.st.GetConversation(ctx, out.Job.ConversationID); err != nil || len(conv.Owed) != 1 {
		t.Fatalf("conversation owes %v (%v), want the notification still", conv.Owed, err)
	}

	// The sweep publishes it again; its lane delivers it (once failing, then working).
	lane := &published{}
	sw := &routing.Sweeper{Store: e.st, Lanes: lane, Config: routing.DefaultConfig(), Log: quiet()}
	if _, err := sw.Sweep(ctx, e.clk.now()); err != nil {
		t.Fatal(err)
	}
	if len(lane.list) != 1 || lane.list[0].TouchpointID != out.Job.TouchpointID {
		t.Fatalf("the sweep published %+v, want the parked job", lane.list)
	}
	if owed := owedNow(); len(owed) != 0 {
		t.Fatalf("still owed after the sweep published it: %+v", owed)
	}
	again, err := jobs.Encode(lane.list[0])
	if err != nil {
		t.Fatal(err)
	}
	if resp := deliver(again, 1); len(resp.BatchItemFailures) != 1 {
		t.Fatalf("republished job with the notification failing once more: %+v", resp)
	}
	if resp := deliver(again, 2); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("republished job, notification working: %+v", resp)
	}
	conv, err := e.st.GetConversation(ctx, out.Job.ConversationID)
	if err != nil || len(conv.Owed) != 0 {
		t.Fatalf("conversation still owes %v (%v)", conv.Owed, err)
	}
	if n := ntf.got["assigned:"+conv.ID+":lan"]; n != 1 || len(ntf.got) != 1 {
		t.Fatalf("notifications %v, want the assignment's once", ntf.got)
	}
	if owed := owedNow(); len(owed) != 0 {
		t.Fatalf("owed at the end: %+v", owed)
	}
	if a, err := e.st.GetAgent(ctx, "lan"); err != nil || a.Load != 1 {
		t.Fatalf("agent load %d (%v), want 1", a.Load, err)
	}
}

// The router's default redrive threshold is the lanes'.
func TestRouterMaxReceivesIsTheLanes(t *testing.T) {
	var cfg routing.FunctionConfig
	envconfig.Defaults(&cfg)
	if cfg.MaxReceives != queue.DefaultMaxReceiveCount {
		t.Fatalf("LANE_MAX_RECEIVES defaults to %d, the lanes redrive after %d", cfg.MaxReceives, queue.DefaultMaxReceiveCount)
	}
}

// Parking is bounded: a job whose effects have failed for longer than the
// owed partition keeps an item goes to the DLQ on its last delivery.
func TestAJobFailingForTwoWeeksIsNotParkedAgain(t *testing.T) {
	e := newEnv(t, routing.DefaultConfig())
	ctx := context.Background()
	if _, err := e.st.PutAgent(ctx, domain.Agent{ID: "lan", Languages: []string{"vi"}, Teams: []string{"support"},
		MaxConcurrent: 2, Status: domain.AgentAvailable}); err != nil {
		t.Fatal(err)
	}
	e.router.Notifier = &faultyNotifier{plan: []string{"fail", "fail"}, got: map[string]int{}}
	e.router.Parking, e.router.MaxReceives = e.st, 2
	out := e.inbound(t, "84915550888", "w-old", "Chào shop")
	body, err := jobs.Encode(out.Job)
	if err != nil {
		t.Fatal(err)
	}
	e.clk.advance(15 * 24 * time.Hour)
	resp, err := e.router.HandleSQS(ctx, events.SQSEvent{Records: []events.SQSMessage{{MessageId: "old",
		Body: string(body), Attributes: map[string]string{"ApproximateReceiveCount": "2"}}}})
	if err != nil || len(resp.BatchItemFailures) != 1 {
		t.Fatalf("last delivery of a two-week-old job: %+v %v, want it handed back (to the DLQ)", resp, err)
	}
	if owed, err := e.st.OwedEffects(ctx, 10); err != nil || len(owed) != 0 {
		t.Fatalf("owed %+v (%v), want nothing parked", owed, err)
	}
}
