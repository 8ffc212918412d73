package routing_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/sla"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/testenv"
	"github.com/concierge-cx/concierge/shared/urgency"
)

// clock is a controllable time source shared by the store and the test.
type clock struct{ t atomic.Int64 }

func (c *clock) now() time.Time          { return time.Unix(0, c.t.Load()).UTC() }
func (c *clock) set(t time.Time)         { c.t.Store(t.UnixNano()) }
func (c *clock) advance(d time.Duration) { c.t.Add(int64(d)) }
func newClock(t time.Time) *clock        { c := &clock{}; c.set(t); return c }
func quiet() *slog.Logger                { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }
func (c *clock) String() string          { return c.now().Format(time.RFC3339) }

// jobs collects what ingest publishes (routing's input).
type published struct {
	mu   sync.Mutex
	list []ingest.Job
}

func (j *published) Publish(_ context.Context, job ingest.Job) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.list = append(j.list, job)
	return nil
}

// notes records agent notifications.
type notes struct {
	mu   sync.Mutex
	list []routing.Event
}

func (n *notes) Notify(_ context.Context, e routing.Event) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.list = append(n.list, e)
	return nil
}

func (n *notes) kinds() map[string]int {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := map[string]int{}
	for _, e := range n.list {
		out[e.Kind]++
	}
	return out
}

type env struct {
	db     *dynamodb.Client // the table itself, for tests that race the store
	table  string
	st     *store.Store
	ing    *ingest.Service
	jobs   *published
	notes  *notes
	router *routing.Router
	clk    *clock
}

func newEnv(t *testing.T, cfg routing.Config, opts ...store.Option) env {
	t.Helper()
	db, table := testenv.NewTable(t)
	clk := newClock(time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)) // Friday 09:00 in Hà Nội
	st := store.New(db, table, append([]store.Option{store.WithClock(clk.now)}, opts...)...)
	scorer, err := urgency.NewScorer(urgency.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	j := &published{}
	n := &notes{}
	ing := &ingest.Service{Store: st, Jobs: j, Normalizer: domain.Normalizer{DefaultRegion: "VN"}, Scorer: scorer, Log: quiet()}
	r := &routing.Router{Store: st, Notifier: n, Config: cfg, Log: quiet()}
	return env{db: db, table: table, st: st, ing: ing, jobs: j, notes: n, router: r, clk: clk}
}

func (e env) inbound(t *testing.T, phone, id, text string) ingest.Outcome {
	t.Helper()
	out, err := e.ing.Ingest(context.Background(), domain.Inbound{
		Provider: "meta", Channel: domain.ChannelWhatsApp, Kind: domain.KindMessage, ProviderMessageID: id,
		Identities: []domain.RawIdentity{{Kind: domain.KindWhatsApp, Value: phone}}, Text: text, OccurredAt: e.clk.now(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestConcurrentRoutingNeverOverfillsAgentsAndQueuesTheRestInOrder(t *testing.T) {
	e := newEnv(t, routing.DefaultConfig())
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		if _, err := e.st.PutAgent(ctx, domain.Agent{ID: fmt.Sprintf("agent-%d", i), Name: fmt.Sprint("Agent ", i), Languages: []string{"vi", "en"},
			Teams: []string{"support"}, MaxConcurrent: 3, Status: domain.AgentAvailable}); err != nil {
			t.Fatal(err)
		}
	}
	const n = 200
	for i := 0; i < n; i++ {
		text := "Cho mình hỏi giá sản phẩm"
		if i%7 == 0 {
			text = "GẤP!!! Tôi bị trừ tiền mà không nhận được hàng"
		}
		e.clk.advance(time.Second)
		e.inbound(t, fmt.Sprintf("8491%07d", i), fmt.Sprint("wamid.", i), text)
	}
	if len(e.jobs.list) != n {
		t.Fatalf("%d jobs", len(e.jobs.list))
	}
	var wg sync.WaitGroup
	work := make(chan ingest.Job)
	var failures atomic.Int32
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				if _, err := e.router.Route(ctx, j); err != nil {
					failures.Add(1)
					t.Errorf("route %s: %v", j.ConversationID, err)
				}
			}
		}()
	}
	for _, j := range e.jobs.list {
		work <- j
	}
	close(work)
	wg.Wait()
	if failures.Load() > 0 {
		t.FailNow()
	}
	// And every job again: redelivery changes nothing.
	for _, j := range e.jobs.list[:20] {
		out, err := e.router.Route(ctx, j)
		if err != nil || !out.AlreadyDone {
			t.Fatalf("redelivered job routed again: %+v %v", out, err)
		}
	}
	assigned := map[string]string{}
	total := 0
	for i := 0; i < 5; i++ {
		id := fmt.Sprintf("agent-%d", i)
		a, err := e.st.GetAgent(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		page, err := e.st.AssignedTo(ctx, id, 100, "")
		if err != nil {
			t.Fatal(err)
		}
		if a.Load != 3 || len(page.Items) != 3 {
			t.Errorf("%s: load %d with %d conversations, want 3 and 3", id, a.Load, len(page.Items))
		}
		for _, c := range page.Items {
			if prev, dup := assigned[c.ID]; dup {
				t.Errorf("conversation %s assigned to %s and %s", c.ID, prev, id)
			}
			assigned[c.ID] = id
			total++
		}
	}
	if total != 15 {
		t.Fatalf("%d conversations assigned, want 15", total)
	}
	var queued []domain.Conversation
	cursor := ""
	for {
		p, err := e.st.Queue(ctx, "support", 50, cursor)
		if err != nil {
			t.Fatal(err)
		}
		queued = append(queued, p.Items...)
		if p.Next == "" {
			break
		}
		cursor = p.Next
	}
	escalations := 0
	for _, j := range e.jobs.list {
		if j.Priority == domain.PriorityUrgent || j.Priority == domain.PriorityHigh {
			escalations++
		}
	}
	if len(queued)+total != n {
		t.Fatalf("%d queued + %d assigned, want %d", len(queued), total, n)
	}
	for i := 1; i < len(queued); i++ {
		a, b := queued[i-1], queued[i]
		ra, rb := domain.PriorityRank(a.Priority), domain.PriorityRank(b.Priority)
		if ra > rb || (ra == rb && a.SLA.DueAt.After(b.SLA.DueAt)) {
			t.Fatalf("queue out of order at %d: %s due %v before %s due %v", i, a.Priority, a.SLA.DueAt, b.Priority, b.SLA.DueAt)
		}
		if assigned[a.ID] != "" {
			t.Fatalf("conversation %s is both queued and assigned", a.ID)
		}
	}
	if escalations == 0 || queued[0].Priority == domain.PriorityNormal {
		t.Fatalf("urgent messages did not go to the front: first queued is %s", queued[0].Priority)
	}
	if got := e.notes.kinds()["assigned"]; got != 15 {
		t.Errorf("%d assignment notifications, want 15", got)
	}
	// An agent finishing frees a slot that the queue's head fills.
	head := queued[0]
	if _, err := e.st.SetAgentStatus(ctx, "agent-0", domain.AgentAway); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.PutAgent(ctx, domain.Agent{ID: "agent-9", Name: "Chị Hoa", Languages: []string{"vi"}, Teams: []string{"support"}, MaxConcurrent: 2, Status: domain.AgentAvailable}); err != nil {
		t.Fatal(err)
	}
	got, err := e.router.Pull(ctx, "agent-9")
	if err != nil || len(got) != 2 || got[0].ID != head.ID {
		t.Fatalf("pull assigned %d (first %v), want 2 starting with the queue's head %s: %v", len(got), got, head.ID, err)
	}
}

func TestLanguageAndSkillDecideWhoGetsIt(t *testing.T) {
	e := newEnv(t, routing.DefaultConfig())
	ctx := context.Background()
	for _, a := range []domain.Agent{
		{ID: "john", Languages: []string{"en"}, Teams: []string{"support"}, MaxConcurrent: 5, Status: domain.AgentAvailable},
		{ID: "mai", Languages: []string{"vi"}, Teams: []string{"support"}, MaxConcurrent: 5, Status: domain.AgentAvailable},
		{ID: "tuan", Languages: []string{"vi"}, Teams: []string{"escalations"}, MaxConcurrent: 5, Status: domain.AgentAvailable},
	} {
		if _, err := e.st.PutAgent(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	plain := e.inbound(t, "84912000001", "w1", "Chào shop, áo này còn màu đỏ không?")
	fraud := e.inbound(t, "84912000002", "w2", "Tôi nghĩ shop lừa đảo, tôi sẽ báo công an")
	for _, j := range e.jobs.list {
		if _, err := e.router.Route(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		conv, want string
	}{{plain.Job.ConversationID, "mai"}, {fraud.Job.ConversationID, "tuan"}} {
		got, err := e.st.GetConversation(ctx, c.conv)
		if err != nil || got.AssigneeID != c.want {
			t.Errorf("conversation %s assigned to %q, want %q (%v)", c.conv, got.AssigneeID, c.want, err)
		}
	}
}

func TestSLASweeperWarnsThenEscalatesEachOnce(t *testing.T) {
	cfg := routing.DefaultConfig()
	e := newEnv(t, cfg)
	ctx := context.Background()
	out := e.inbound(t, "84912345678", "w1", "Chào shop, mình muốn đổi size áo")
	if _, err := e.router.Route(ctx, out.Job); err != nil {
		t.Fatal(err)
	}
	conv, err := e.st.GetConversation(ctx, out.Job.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	if conv.Priority != domain.PriorityNormal || conv.SLA.DueAt.Sub(conv.SLA.StartedAt) != 4*time.Hour {
		t.Fatalf("normal conversation due %v after start", conv.SLA.DueAt.Sub(conv.SLA.StartedAt))
	}
	var metrics syncBuffer
	sw := &routing.Sweeper{Store: e.st, Notifier: e.notes, Config: cfg, Log: quiet(), Metrics: &metrics}
	start := e.clk.now()
	steps := []struct {
		at                 time.Duration
		warnings, breaches int
	}{
		{3 * time.Hour, 0, 0},                // 75%: nothing
		{3*time.Hour + 13*time.Minute, 1, 0}, // past 80% (3h12m)
		{3*time.Hour + 30*time.Minute, 0, 0}, // warned already
		{4*time.Hour + time.Minute, 0, 1},    // breached
		{5 * time.Hour, 0, 0},                // breached already
	}
	for _, s := range steps {
		res, err := sw.Sweep(ctx, start.Add(s.at))
		if err != nil {
			t.Fatal(err)
		}
		if res.Warnings != s.warnings || res.Breaches != s.breaches {
			t.Fatalf("at +%v: %+v, want %d warnings %d breaches", s.at, res, s.warnings, s.breaches)
		}
	}
	if conv, err = e.st.GetConversation(ctx, conv.ID); err != nil {
		t.Fatal(err)
	}
	if conv.Priority != domain.PriorityHigh || !conv.Escalated || len(conv.SLA.Breaches) != 1 || conv.SLA.WarnedAt.IsZero() {
		t.Fatalf("after breach: priority %s escalated %v breaches %v", conv.Priority, conv.Escalated, conv.SLA.Breaches)
	}
	k := e.notes.kinds()
	if k["sla_warning"] != 1 || k["escalated"] != 1 {
		t.Fatalf("notifications %v, want one warning and one escalation", k)
	}
	if n := metrics.count(`"SLAWarnings":1`); n != 1 {
		t.Fatalf("%d warning metric lines", n)
	}
	if n := metrics.count(`"SLABreaches":1`); n != 1 {
		t.Fatalf("%d breach metric lines", n)
	}
}

func TestSLAFollowsBusinessHoursHolidaysAndThePendingPause(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	cal := &sla.Calendar{
		Location: loc,
		Weekly: map[time.Weekday][]sla.Span{
			time.Monday: {{Start: 8 * time.Hour, End: 17*time.Hour + 30*time.Minute}}, time.Tuesday: {{Start: 8 * time.Hour, End: 17*time.Hour + 30*time.Minute}},
			time.Wednesday: {{Start: 8 * time.Hour, End: 17*time.Hour + 30*time.Minute}}, time.Thursday: {{Start: 8 * time.Hour, End: 17*time.Hour + 30*time.Minute}},
			time.Friday: {{Start: 8 * time.Hour, End: 17*time.Hour + 30*time.Minute}},
		},
		Holidays: []sla.Date{{Year: 2026, Month: time.November, Day: 23}},
	}
	cfg := routing.DefaultConfig()
	cfg.Policy.Calendar = cal
	e := newEnv(t, cfg)
	ctx := context.Background()
	// Friday 17:20 in Hà Nội, a high-priority message (1 h first response).
	e.clk.set(time.Date(2026, 11, 20, 17, 20, 0, 0, loc))
	out := e.inbound(t, "84912345678", "w1", "Cần gấp: đơn hàng chưa nhận được")
	if out.Job.Priority != domain.PriorityHigh && out.Job.Priority != domain.PriorityUrgent {
		t.Fatalf("priority %s", out.Job.Priority)
	}
	if _, err := e.router.Route(ctx, out.Job); err != nil {
		t.Fatal(err)
	}
	conv, err := e.st.GetConversation(ctx, out.Job.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	target, err := cfg.Policy.Target(conv.Priority, sla.FirstResponse)
	if err != nil {
		t.Fatal(err)
	}
	// 10 minutes on Friday; Saturday, Sunday and the Monday holiday are closed.
	want := time.Date(2026, 11, 24, 8, 0, 0, 0, loc).Add(target - 10*time.Minute)
	if !conv.SLA.DueAt.Equal(want) {
		t.Fatalf("due %v, want %v", conv.SLA.DueAt.In(loc), want)
	}
	sw := &routing.Sweeper{Store: e.st, Notifier: e.notes, Config: cfg, Log: quiet(), Metrics: io.Discard}
	if res, err := sw.Sweep(ctx, time.Date(2026, 11, 23, 12, 0, 0, 0, loc)); err != nil || res.Warnings+res.Breaches != 0 {
		t.Fatalf("the holiday counted against the SLA: %+v %v", res, err)
	}
	// The agent asks the customer something: pending pauses the clock.
	clockPaused := time.Date(2026, 11, 24, 8, 0, 0, 0, loc)
	if conv, err = e.st.UpdateLoadedConversation(ctx, conv, func(c *domain.Conversation) ([]store.Write, error) {
		c.Status, c.SLA.PausedSince = domain.ConversationPending, clockPaused
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	if res, err := sw.Sweep(ctx, want.Add(time.Hour)); err != nil || res.Breaches != 0 {
		t.Fatalf("a paused clock breached: %+v %v", res, err)
	}
	// The customer answers at 14:00: the clock resumes, due later by the pause.
	e.clk.set(time.Date(2026, 11, 24, 14, 0, 0, 0, loc))
	reply := e.inbound(t, "84912345678", "w2", "Dạ mã đơn là 12345")
	if _, err := e.router.Route(ctx, reply.Job); err != nil {
		t.Fatal(err)
	}
	if conv, err = e.st.GetConversation(ctx, conv.ID); err != nil {
		t.Fatal(err)
	}
	if conv.Status != domain.ConversationOpen || !conv.SLA.DueAt.Equal(want.Add(6*time.Hour)) {
		t.Fatalf("after the customer answered: %s due %v, want open due %v", conv.Status, conv.SLA.DueAt.In(loc), want.Add(6*time.Hour).In(loc))
	}
}

// gate is a notifier that holds the sweep that calls it until released.
type gate struct {
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func (g *gate) Notify(ctx context.Context, e routing.Event) error {
	g.once.Do(func() { close(g.entered) })
	<-g.release
	return nil
}

func TestTwoConcurrentSweepsOneRuns(t *testing.T) {
	cfg := routing.DefaultConfig()
	e := newEnv(t, cfg)
	ctx := context.Background()
	out := e.inbound(t, "84912345678", "w1", "Chào shop, mình muốn đổi size áo")
	if _, err := e.router.Route(ctx, out.Job); err != nil {
		t.Fatal(err)
	}
	g := &gate{entered: make(chan struct{}), release: make(chan struct{})}
	sw := &routing.Sweeper{Store: e.st, Notifier: g, Config: cfg, Log: quiet(), Metrics: io.Discard}
	at := e.clk.now().Add(3*time.Hour + 13*time.Minute) // past the 80% warning
	first := make(chan routing.SweepResult, 1)
	go func() {
		res, err := sw.Sweep(ctx, at)
		if err != nil {
			t.Error(err)
		}
		first <- res
	}()
	select {
	case <-g.entered: // the first sweep holds the lease and is notifying
	case <-time.After(10 * time.Second):
		t.Fatal("the first sweep never reached its notification")
	}
	second, err := sw.Sweep(ctx, at)
	if err != nil {
		t.Fatal(err)
	}
	close(g.release)
	res := <-first
	if !second.Skipped || second.Examined != 0 || res.Skipped || res.Warnings != 1 {
		t.Fatalf("first %+v, second %+v: want one sweep that warned and one skipped", res, second)
	}
	// The lease was released: the next scheduled sweep runs (and finds nothing new).
	if next, err := sw.Sweep(ctx, at.Add(time.Minute)); err != nil || next.Skipped {
		t.Fatalf("next sweep %+v, %v", next, err)
	}
}

func TestAFailedBatchItemIsCountedInAMetric(t *testing.T) {
	var metrics syncBuffer
	r := &routing.Router{Log: quiet(), Metrics: &metrics}
	resp, err := r.HandleSQS(context.Background(), events.SQSEvent{Records: []events.SQSMessage{{MessageId: "m1", Body: "not json"}}})
	if err != nil || len(resp.BatchItemFailures) != 1 {
		t.Fatalf("%+v %v", resp, err)
	}
	if n := metrics.count(`"` + routing.BatchFailureMetric + `":1`); n != 1 {
		t.Fatalf("%d failure metric lines", n)
	}
}

// The router starts a conversation its job opened from what ingest wrote,
// without reading it. When a later message of the conversation was routed
// first (an urgent follow-up overtakes its normal opening on the other
// lane), the version condition refuses that guess: the router reads the
// conversation and applies the first message to what it holds, so it is
// assigned once, acknowledged once and keeps the later message's urgency.
func TestAnOpeningJobRoutedAfterItsFollowUpAppliesToTheStoredConversation(t *testing.T) {
	e := newEnv(t, routing.DefaultConfig())
	ctx := context.Background()
	if _, err := e.st.PutAgent(ctx, domain.Agent{ID: "mai", Languages: []string{"vi"}, Teams: []string{"support"},
		MaxConcurrent: 5, Status: domain.AgentAvailable}); err != nil {
		t.Fatal(err)
	}
	snd := &faultySender{sent: map[string]int{}}
	e.router.Sender = snd
	first := e.inbound(t, "84912000111", "w-open", "Chào shop")
	e.clk.advance(time.Second)
	second := e.inbound(t, "84912000111", "w-urgent", "Gấp!!! Đơn hàng của tôi chưa nhận được")
	if !first.Job.NewConversation || second.Job.NewConversation || first.Job.ConversationID != second.Job.ConversationID {
		t.Fatalf("jobs: first new=%v, second new=%v, conversations %s %s", first.Job.NewConversation, second.Job.NewConversation,
			first.Job.ConversationID, second.Job.ConversationID)
	}
	if second.InPlace {
		t.Fatal("the follow-up of an unrouted conversation was applied in place")
	}
	if _, err := e.router.Route(ctx, second.Job); err != nil {
		t.Fatal(err)
	}
	out, err := e.router.Route(ctx, first.Job)
	if err != nil {
		t.Fatal(err)
	}
	conv, err := e.st.GetConversation(ctx, first.Job.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	if conv.AssigneeID != "mai" || out.Conversation.AssigneeID != "mai" || conv.Priority != second.Job.Priority ||
		!conv.LastInboundAt.Equal(second.Job.OccurredAt.UTC().Truncate(time.Millisecond)) || conv.CustomerID != first.Job.CustomerID {
		t.Fatalf("after both jobs: %+v (job priorities %s, %s)", conv, first.Job.Priority, second.Job.Priority)
	}
	if a, err := e.st.GetAgent(ctx, "mai"); err != nil || a.Load != 1 {
		t.Fatalf("mai's load %d (%v), want 1", a.Load, err)
	}
	if n := snd.sent[first.Job.Address]; n != 1 {
		t.Fatalf("%d acknowledgements, want 1", n)
	}
}

// Once its acknowledgement and notification are done, the conversation owes
// nothing: the customer's next message, which changes only its times, is
// applied in place (no routing job). The emptied owed set used to be stored
// as NULL, which read as "owes something" and sent every follow-up of every
// acknowledged conversation through the router.
func TestAFollowUpAfterTheAcknowledgementIsAppliedInPlace(t *testing.T) {
	e := newEnv(t, routing.DefaultConfig())
	ctx := context.Background()
	if _, err := e.st.PutAgent(ctx, domain.Agent{ID: "mai", Languages: []string{"vi"}, Teams: []string{"support"},
		MaxConcurrent: 5, Status: domain.AgentAvailable}); err != nil {
		t.Fatal(err)
	}
	snd := &faultySender{sent: map[string]int{}}
	e.router.Sender = snd
	first := e.inbound(t, "84912000222", "w-1", "Cho mình hỏi đơn hàng số 12 ạ")
	out, err := e.router.Route(ctx, first.Job)
	if err != nil || !out.Acknowledged || out.Conversation.AssigneeID != "mai" {
		t.Fatalf("first message: %+v %v, want assigned and acknowledged", out, err)
	}
	e.clk.advance(7 * time.Second)
	second := e.inbound(t, "84912000222", "w-2", "Cho mình hỏi đơn hàng số 13 ạ")
	if !second.InPlace {
		t.Fatal("a times-only follow-up after the acknowledgement went to the router")
	}
	conv, err := e.st.GetConversation(ctx, first.Job.ConversationID)
	if err != nil || !conv.LastInboundAt.Equal(second.Job.OccurredAt.UTC().Truncate(time.Millisecond)) || conv.AssigneeID != "mai" {
		t.Fatalf("after the in-place follow-up: %+v (%v)", conv, err)
	}
}
