package routing_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/jobs"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/store"
)

// memStore is an in-memory routing.Store: the fast test layer, no emulator.
// It keeps the store's contract: a change is saved under the version it
// read (a lost race re-reads and re-applies), and the named writes that
// commit with it hold or refuse with their typed errors.
type memStore struct {
	mu        sync.Mutex
	now       time.Time
	convs     map[string]domain.Conversation
	agents    map[string]domain.Agent
	customers map[string]domain.Customer
	claims    map[string]string // customer → the conversation whose acknowledgement claimed the window
	outbound  []domain.Touchpoint
}

func newMemStore() *memStore {
	return &memStore{now: time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC), convs: map[string]domain.Conversation{},
		agents: map[string]domain.Agent{}, customers: map[string]domain.Customer{}, claims: map[string]string{}}
}

func (m *memStore) Now() time.Time { m.mu.Lock(); defer m.mu.Unlock(); return m.now }

func (m *memStore) GetConversation(_ context.Context, id string) (domain.Conversation, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.convs[id]
	if !ok {
		return c, domain.Errorf(domain.CodeNotFound, "conversation %s not found", id)
	}
	return clone(c), nil
}

func clone(c domain.Conversation) domain.Conversation {
	c.Owed = slices.Clone(c.Owed)
	c.SLA.Breaches = slices.Clone(c.SLA.Breaches)
	if c.Urgency != nil {
		u := *c.Urgency
		c.Urgency = &u
	}
	return c
}

func (m *memStore) UpdateLoadedConversation(ctx context.Context, c domain.Conversation, change store.Change) (domain.Conversation, error) {
	for attempt := 0; attempt < 16; attempt++ {
		next := clone(c)
		writes, err := change(&next)
		if err == store.ErrNoChange {
			return c, nil
		}
		if err != nil {
			return c, err
		}
		m.mu.Lock()
		stored := m.convs[c.ID]
		if stored.Version != c.Version {
			m.mu.Unlock()
			c = clone(stored)
			continue
		}
		if err := m.commit(writes); err != nil {
			m.mu.Unlock()
			return c, err
		}
		next.Version = c.Version + 1
		m.convs[c.ID] = clone(next)
		m.mu.Unlock()
		return next, nil
	}
	return c, domain.Errorf(domain.CodeUnavailable, "contention")
}

// commit applies the writes' intents all or none (m.mu held).
func (m *memStore) commit(writes []store.Write) error {
	agents := map[string]domain.Agent{}
	for _, w := range writes {
		switch in := w.Intent().(type) {
		case store.SlotTaken:
			a, ok := agents[in.AgentID]
			if !ok {
				a = m.agents[in.AgentID]
			}
			if a.ID == "" || a.Status != domain.AgentAvailable || a.Load >= a.MaxConcurrent {
				return domain.Wrap(store.ErrAgentUnavailable, domain.CodeConflict, "agent "+in.AgentID+" is not available or at capacity")
			}
			a.Load++
			a.LastAssignedAt = m.now
			agents[in.AgentID] = a
		default:
			return fmt.Errorf("memStore: no in-memory meaning for %T", in)
		}
	}
	for id, a := range agents {
		m.agents[id] = a
	}
	return nil
}

func (m *memStore) GetCustomer(_ context.Context, id string) (domain.Customer, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c, ok := m.customers[id]; ok {
		return c, nil
	}
	return domain.Customer{}, domain.Errorf(domain.CodeNotFound, "customer %s not found", id)
}

func (m *memStore) GetAgent(_ context.Context, id string) (domain.Agent, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if a, ok := m.agents[id]; ok {
		return a, nil
	}
	return domain.Agent{}, domain.Errorf(domain.CodeNotFound, "agent %s not found", id)
}

func (m *memStore) AvailableAgents(context.Context, string) ([]domain.Agent, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []domain.Agent
	for _, a := range m.agents {
		if a.Status == domain.AgentAvailable {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b domain.Agent) int { return compare(a.ID, b.ID) })
	return out, nil
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (m *memStore) Queue(_ context.Context, team string, limit int, _ string) (store.ConversationPage, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var p store.ConversationPage
	for _, c := range m.convs {
		if c.Team == team && c.AssigneeID == "" && !c.Closed() {
			p.Items = append(p.Items, clone(c))
		}
	}
	slices.SortFunc(p.Items, domain.QueueOrder)
	if len(p.Items) > limit {
		p.Items = p.Items[:limit]
	}
	return p, nil
}

func (m *memStore) ClaimAck(_ context.Context, customerID, conversationID string, _ time.Duration) (store.AckClaim, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch m.claims[customerID] {
	case "":
		m.claims[customerID] = conversationID
		return store.AckClaimed, nil
	case conversationID:
		return store.AckInDoubt, nil
	}
	return store.AckQuiet, nil
}

func (m *memStore) ReleaseAck(_ context.Context, customerID, conversationID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.claims[customerID] == conversationID {
		delete(m.claims, customerID)
	}
	return nil
}

func (m *memStore) RecordOutbound(_ context.Context, tp domain.Touchpoint) (domain.Touchpoint, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.outbound = append(m.outbound, tp)
	return tp, true, nil
}

func (m *memStore) IndexMessageIDs(context.Context, string, string, ...string) error { return nil }

// open adds a conversation as ingest leaves it: open, unrouted.
func (m *memStore) open(id, customer string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.convs[id] = domain.Conversation{ID: id, CustomerID: customer, Status: domain.ConversationOpen, Priority: domain.PriorityNormal,
		LastChannel: domain.ChannelWhatsApp, OpenedAt: m.now, UpdatedAt: m.now, Version: 1}
}

func (m *memStore) agent(a domain.Agent) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.agents[a.ID] = a
}

func (m *memStore) advance(d time.Duration) { m.mu.Lock(); m.now = m.now.Add(d); m.mu.Unlock() }

// message is the routing job of one inbound message at the store's now.
func (m *memStore) message(conv, customer string, p domain.Priority, score int) jobs.Routing {
	now := m.Now()
	return jobs.Routing{TouchpointID: fmt.Sprintf("tp_%s_%d", conv, now.UnixNano()), CustomerID: customer, ConversationID: conv,
		Channel: domain.ChannelWhatsApp, Kind: domain.KindMessage, Provider: "meta", OccurredAt: now, ReceivedAt: now,
		Priority: p, Score: score, Language: "vi", Address: "+84912345678"}
}

func fastRouter(m *memStore) (*routing.Router, *notes, *sends) {
	n, s := &notes{}, &sends{acks: map[string]int{}}
	return &routing.Router{Store: m, Notifier: n, Sender: s, Config: routing.DefaultConfig(), Log: quiet()}, n, s
}

// Capacity, language and team decide who gets a conversation; the rest wait
// in their queue in queue order, and an agent who frees up pulls the most
// urgent first.
func TestFastAssignmentHonoursCapacityLanguageAndQueueOrder(t *testing.T) {
	m := newMemStore()
	m.agent(domain.Agent{ID: "lan", Languages: []string{"vi"}, Teams: []string{"support"}, MaxConcurrent: 1, Status: domain.AgentAvailable})
	m.agent(domain.Agent{ID: "sam", Languages: []string{"en"}, Teams: []string{"support"}, MaxConcurrent: 5, Status: domain.AgentAvailable})
	r, n, _ := fastRouter(m)
	ctx := context.Background()
	prios := []domain.Priority{domain.PriorityNormal, domain.PriorityLow, domain.PriorityUrgent}
	for i, p := range prios {
		id := fmt.Sprintf("con_%d", i)
		m.open(id, fmt.Sprintf("cus_%d", i))
		out, err := r.Route(ctx, m.message(id, fmt.Sprintf("cus_%d", i), p, 10*i))
		if err != nil {
			t.Fatal(err)
		}
		if wantAssigned := i == 0; out.Assigned != wantAssigned {
			t.Fatalf("message %d assigned %v, want %v (Lan has one slot; Sam reads no Vietnamese)", i, out.Assigned, wantAssigned)
		}
		m.advance(time.Minute)
	}
	if a, _ := m.GetAgent(ctx, "lan"); a.Load != 1 {
		t.Fatalf("Lan's load %d", a.Load)
	}
	if a, _ := m.GetAgent(ctx, "sam"); a.Load != 0 {
		t.Fatalf("Sam's load %d", a.Load)
	}
	q, _ := m.Queue(ctx, "support", 10, "")
	if len(q.Items) != 2 || q.Items[0].ID != "con_2" || q.Items[1].ID != "con_1" {
		t.Fatalf("queue %v, want the urgent con_2 before the low con_1", ids(q.Items))
	}
	// Lan frees her slot: the urgent one is hers, with one notification.
	m.mu.Lock()
	a := m.agents["lan"]
	a.Load = 0
	m.agents["lan"] = a
	m.mu.Unlock()
	got, err := r.Pull(ctx, "lan")
	if err != nil || len(got) != 1 || got[0].ID != "con_2" || got[0].AssigneeID != "lan" {
		t.Fatalf("pull: %v %v", ids(got), err)
	}
	if k := n.kinds()["assigned"]; k != 2 {
		t.Fatalf("%d assignment notifications, want 2", k)
	}
	if c, _ := m.GetConversation(ctx, "con_2"); len(c.Owed) != 0 {
		t.Fatalf("still owed after the pull: %v", c.Owed)
	}
}

func ids(cs []domain.Conversation) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

// The agents' list is a projection that lags: an agent it shows as free may
// be full by the time the assignment commits. The refusal is typed, and the
// next agent gets it.
func TestFastARefusedAgentPassesToTheNext(t *testing.T) {
	m := newMemStore()
	r, _, _ := fastRouter(m)
	m.agent(domain.Agent{ID: "an", Languages: []string{"vi"}, Teams: []string{"support"}, MaxConcurrent: 1, Status: domain.AgentAvailable})
	m.agent(domain.Agent{ID: "binh", Languages: []string{"vi"}, Teams: []string{"support"}, MaxConcurrent: 1, Status: domain.AgentAvailable,
		LastAssignedAt: m.Now()})
	lagging := &laggingAgents{memStore: m, fill: "an"}
	r.Store = lagging
	m.open("con_1", "cus_1")
	out, err := r.Route(context.Background(), m.message("con_1", "cus_1", domain.PriorityNormal, 0))
	if err != nil || out.Conversation.AssigneeID != "binh" {
		t.Fatalf("assigned to %q (%v), want binh: an was full when the write committed", out.Conversation.AssigneeID, err)
	}
}

// laggingAgents lists agents as they were, then fills one before the write.
type laggingAgents struct {
	*memStore
	fill string
}

func (l *laggingAgents) AvailableAgents(ctx context.Context, team string) ([]domain.Agent, error) {
	list, err := l.memStore.AvailableAgents(ctx, team)
	l.mu.Lock()
	a := l.agents[l.fill]
	a.Load = a.MaxConcurrent
	l.agents[l.fill] = a
	l.mu.Unlock()
	return list, err
}

// Applying a message is idempotent and tolerates order: a redelivered job
// changes nothing, a late job of an earlier message neither lowers what a
// later one raised nor restarts a clock the agent has met.
func TestFastApplyingAMessageIsIdempotentAndOrderTolerant(t *testing.T) {
	m := newMemStore()
	r, n, s := fastRouter(m)
	m.agent(domain.Agent{ID: "lan", Languages: []string{"vi"}, Teams: []string{"support"}, MaxConcurrent: 3, Status: domain.AgentAvailable})
	ctx := context.Background()
	m.open("con_1", "cus_1")
	early := m.message("con_1", "cus_1", domain.PriorityNormal, 5)
	m.advance(time.Second)
	urgent := m.message("con_1", "cus_1", domain.PriorityUrgent, 80)
	if _, err := r.Route(ctx, urgent); err != nil {
		t.Fatal(err)
	}
	first, _ := m.GetConversation(ctx, "con_1")
	out, err := r.Route(ctx, early) // the earlier message's job arrives late
	if err != nil {
		t.Fatal(err)
	}
	if out.Conversation.Priority != domain.PriorityUrgent || out.Conversation.Urgency.Score != 80 || !out.Conversation.LastMessageAt.Equal(urgent.OccurredAt) {
		t.Fatalf("a late job lowered the conversation: %+v", out.Conversation)
	}
	for _, j := range []jobs.Routing{urgent, early} {
		again, err := r.Route(ctx, j)
		if err != nil || !again.AlreadyDone {
			t.Fatalf("redelivery: %+v %v, want already done", again, err)
		}
	}
	// The agent answers (the clock is met); a job of a message sent before
	// the answer does not start the next-response clock.
	m.advance(time.Minute)
	// Started from a stale read (the late job saved since), as the agent API
	// may: the change is applied again to the fresh state.
	met, err := m.UpdateLoadedConversation(ctx, first, func(c *domain.Conversation) ([]store.Write, error) {
		c.SLA.MetAt, c.FirstResponseAt = m.Now(), m.Now()
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if out, err := r.Route(ctx, early); err != nil || !out.AlreadyDone || !out.Conversation.SLA.MetAt.Equal(met.SLA.MetAt) {
		t.Fatalf("an answered message restarted the clock: %+v %v", out.Conversation.SLA, err)
	}
	m.advance(time.Minute)
	later := m.message("con_1", "cus_1", domain.PriorityNormal, 5)
	out, err = r.Route(ctx, later)
	if err != nil || out.Conversation.SLA.Metric != "next_response" || !out.Conversation.SLA.MetAt.IsZero() {
		t.Fatalf("a message after the answer: %+v %v, want the next-response clock running", out.Conversation.SLA, err)
	}
	if s.acks["+84912345678"] != 1 || n.kinds()["assigned"] != 1 {
		t.Fatalf("%d acknowledgements, %d notifications; want 1 and 1", s.acks["+84912345678"], n.kinds()["assigned"])
	}
}
