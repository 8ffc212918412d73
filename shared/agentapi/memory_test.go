package agentapi_test

// The fast layer: the handlers against the in-memory storage
// (agentapi/memstore), no emulator needed:
//
//	go test -run InMemory ./shared/agentapi/
//
// Every response still goes through the gateway and is checked against
// docs/openapi.yaml; the emulator tests beside these cover the real store.

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/scripts/devstack/devjwt"
	"github.com/concierge-cx/concierge/shared/agentapi"
	"github.com/concierge-cx/concierge/shared/agentapi/memstore"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/feedback"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/stage"
	"github.com/concierge-cx/concierge/shared/store"
)

// channel is an in-memory routing.Sender: it keeps what it delivered and
// refuses while failing is set.
type channel struct {
	mu       sync.Mutex
	sent     []routing.Outbound
	failing  bool
	refusing bool // as a provider refuses a message it will never take
	attempts int
}

func (c *channel) Send(_ context.Context, m routing.Outbound) (routing.Sent, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.attempts++
	if c.failing {
		return routing.Sent{}, domain.Errorf(domain.CodeUnavailable, "provider down")
	}
	if c.refusing {
		return routing.Sent{}, domain.Errorf(domain.CodeConflict, "the customer's 24-hour window is closed")
	}
	c.sent = append(c.sent, m)
	return routing.Sent{Provider: "meta", ProviderMessageID: "wamid.mem" + strings.Repeat("x", len(c.sent))}, nil
}

func (c *channel) fail(on bool) { c.mu.Lock(); c.failing = on; c.mu.Unlock() }

func (c *channel) messages() []routing.Outbound {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]routing.Outbound(nil), c.sent...)
}

type memEnv struct {
	sweeps *feedback.Surveys // the SLA function's, kept between sweeps
	st     *memstore.Store
	clk    *clock
	out    *channel
	api    *agentapi.API
	gw     *gateway
	cust   domain.Customer
}

func newMemEnv(t *testing.T) *memEnv {
	t.Helper()
	clk := &clock{}
	clk.t.Store(time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC).UnixNano())
	st := memstore.New(clk.now)
	out := &channel{}
	api := agentapi.New(agentapi.Config{Settings: stage.Settings{TableName: "memory"}, FeedbackLinkBase: "https://shop.example/feedback"},
		st, out, agentapi.WithLogger(quiet()))
	phone := domain.Identity{Kind: domain.KindPhone, Value: "+84912345678"}
	cust := st.PutCustomer(domain.Customer{DisplayName: "Nguyễn Thị Lan", Language: "vi", Identities: []domain.Identity{phone},
		LastChannel: domain.ChannelWhatsApp, UpdatedAt: clk.now()})
	return &memEnv{st: st, clk: clk, out: out, api: api, gw: &gateway{api: api, now: clk.now}, cust: cust,
		sweeps: &feedback.Surveys{Store: st, Sender: out, Log: quiet(), Now: clk.now}}
}

// conversation opens one of the customer's conversations with an inbound
// WhatsApp message on it, as ingest leaves it.
func (e *memEnv) conversation(t *testing.T, text string) domain.Conversation {
	t.Helper()
	now := e.clk.now()
	c := e.st.PutConversation(domain.Conversation{CustomerID: e.cust.ID, Status: domain.ConversationOpen, Priority: domain.PriorityNormal,
		Team: "support", LastChannel: domain.ChannelWhatsApp, Language: "vi", OpenedAt: now, LastInboundAt: now, LastMessageAt: now, UpdatedAt: now})
	from := e.cust.Identities[0]
	e.st.AddTouchpoint(domain.Touchpoint{CustomerID: e.cust.ID, ConversationID: c.ID, Channel: domain.ChannelWhatsApp, Direction: domain.DirectionIn,
		Kind: domain.KindMessage, Text: text, Provider: "meta", ProviderMessageID: "wamid.in-" + c.ID, From: &from,
		OccurredAt: now, ReceivedAt: now, Status: domain.StatusReceived})
	if e.cust.OpenConversationID == "" {
		cu := e.cust
		cu.OpenConversationID = c.ID
		e.cust = e.st.PutCustomer(cu)
	}
	return c
}

func (e *memEnv) staff(t *testing.T, id string, capacity int, supervisor bool) string {
	t.Helper()
	e.st.PutAgent(domain.Agent{ID: id, Name: id, Teams: []string{"support"}, Languages: []string{"vi"}, MaxConcurrent: capacity,
		Status: domain.AgentAvailable, Supervisor: supervisor})
	groups := []string{agentapi.RoleAgent}
	if supervisor {
		groups = append(groups, agentapi.RoleSupervisor)
	}
	tok, err := devjwt.Mint(jwtSecret, id, groups, nil, e.clk.now(), 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

type resolveBody struct {
	Conversation struct {
		Status     domain.ConversationStatus `json:"status"`
		AssigneeID string                    `json:"assigneeId"`
	} `json:"conversation"`
	Survey struct {
		Sent    bool           `json:"sent"`
		Pending bool           `json:"pending"`
		Channel domain.Channel `json:"channel"`
	} `json:"survey"`
}

// sweep does what the SLA function's sweep does with owed surveys:
// perform each, settle it when done.
func (e *memEnv) sweep(t *testing.T) (done, left int) {
	t.Helper()
	for _, o := range e.st.Owed() {
		if err := e.sweeps.Perform(context.Background(), o); err != nil {
			left++
			continue
		}
		if _, err := e.st.SettleOwed(context.Background(), o.Key); err != nil {
			t.Fatal(err)
		}
		done++
	}
	return done, left
}

func TestInMemoryClaimReplyResolveAndScore(t *testing.T) {
	e := newMemEnv(t)
	an := e.staff(t, "agent-an", 1, false)
	conv := e.conversation(t, "Cho mình hỏi đơn hàng của mình đến đâu rồi?")

	if res := e.gw.do(t, "POST", "/conversations/"+conv.ID+"/claim", an, ""); res.Status != http.StatusOK {
		t.Fatalf("claim: %d %s", res.Status, res.Body)
	}
	if ag, _ := e.st.GetAgent(context.Background(), "agent-an"); ag.Load != 1 {
		t.Fatalf("load after claim = %d, want 1", ag.Load)
	}
	// At capacity: a second conversation cannot be claimed.
	other := e.conversation(t, "Còn một câu nữa")
	if res := e.gw.do(t, "POST", "/conversations/"+other.ID+"/claim", an, ""); res.Status != http.StatusConflict {
		t.Fatalf("claim beyond capacity: %d %s", res.Status, res.Body)
	}
	e.clk.advance(time.Minute)
	if res := e.gw.do(t, "POST", "/conversations/"+conv.ID+"/messages", an, `{"text":"Dạ đơn của chị đang được giao ạ"}`); res.Status != http.StatusCreated {
		t.Fatalf("reply: %d %s", res.Status, res.Body)
	}
	if got := e.out.messages(); len(got) != 1 || got[0].To != "+84912345678" || got[0].Channel != domain.ChannelWhatsApp {
		t.Fatalf("reply sent as %+v", got)
	}

	res := e.gw.do(t, "POST", "/conversations/"+conv.ID+"/resolve", an, "")
	if res.Status != http.StatusOK {
		t.Fatalf("resolve: %d %s", res.Status, res.Body)
	}
	var rb resolveBody
	res.decode(t, &rb)
	if rb.Conversation.Status != domain.ConversationResolved || !rb.Survey.Sent || rb.Survey.Pending || rb.Survey.Channel != domain.ChannelWhatsApp {
		t.Fatalf("resolve answered %s", res.Body)
	}
	msgs := e.out.messages()
	if len(msgs) != 2 || !strings.Contains(msgs[1].Text, "từ 1 đến 5") || !msgs[1].AutoGenerated {
		t.Fatalf("survey sent as %+v", msgs)
	}
	if o := e.st.Owed(); len(o) != 0 {
		t.Fatalf("a delivered survey is still owed: %+v", o)
	}
	if m := e.st.ConversationMetrics(); len(m) != 1 || m[0].ConversationID != conv.ID || !m[0].FirstResponseAt.Equal(e.clk.now()) {
		t.Fatalf("metric records %+v", m)
	}
	if ag, _ := e.st.GetAgent(context.Background(), "agent-an"); ag.Load != 0 {
		t.Fatalf("load after resolve = %d, want 0", ag.Load)
	}
	if cu, _ := e.st.GetCustomer(context.Background(), e.cust.ID); cu.OpenConversationID != "" {
		t.Fatalf("resolved conversation still open on the profile: %s", cu.OpenConversationID)
	}
	// A resolve happens once.
	if res := e.gw.do(t, "POST", "/conversations/"+conv.ID+"/resolve", an, ""); res.Status != http.StatusConflict {
		t.Fatalf("second resolve: %d %s", res.Status, res.Body)
	}
	if m := e.st.ConversationMetrics(); len(m) != 1 {
		t.Fatalf("%d metric records after a second resolve, want 1", len(m))
	}

	// The survey's link carries the single-use token.
	_, link, ok := strings.Cut(msgs[1].Text, "https://shop.example/feedback/")
	if !ok || !feedback.ValidToken(link) {
		t.Fatalf("survey without a link: %q", msgs[1].Text)
	}
	if res := e.gw.do(t, "POST", "/feedback/"+link, "", `{"score":5,"comment":"Cảm ơn shop"}`); res.Status != http.StatusCreated {
		t.Fatalf("feedback: %d %s", res.Status, res.Body)
	}
	if res := e.gw.do(t, "POST", "/feedback/"+link, "", `{"score":4}`); res.Status != http.StatusNotFound {
		t.Fatalf("second use of the link: %d %s", res.Status, res.Body)
	}
	if cu, _ := e.st.GetCustomer(context.Background(), e.cust.ID); cu.SatisfactionCount != 1 || cu.SatisfactionSum != 5 {
		t.Fatalf("profile satisfaction %d/%d", cu.SatisfactionSum, cu.SatisfactionCount)
	}
}

func TestInMemoryAFailedSurveyIsOwedAndSentOnceByTheSweep(t *testing.T) {
	e := newMemEnv(t)
	an := e.staff(t, "agent-an", 3, false)
	conv := e.conversation(t, "Mình muốn đổi size áo")
	e.out.fail(true)
	res := e.gw.do(t, "POST", "/conversations/"+conv.ID+"/resolve", an, "")
	if res.Status != http.StatusOK {
		t.Fatalf("resolve with the provider down: %d %s", res.Status, res.Body)
	}
	var rb resolveBody
	res.decode(t, &rb)
	if rb.Survey.Sent || !rb.Survey.Pending || rb.Conversation.Status != domain.ConversationResolved {
		t.Fatalf("resolve answered %s", res.Body)
	}
	if o := e.st.Owed(); len(o) != 1 || o[0].Kind != feedback.EffectSurvey || o[0].ConversationID != conv.ID {
		t.Fatalf("owed after a failed send: %+v", o)
	}
	// The request's attempt still holds its claim (it may be a request
	// that is still sending): a sweep meanwhile leaves the survey alone,
	// even with the provider back.
	e.out.fail(false)
	if done, left := e.sweep(t); done != 0 || left != 1 || len(e.out.messages()) != 0 {
		t.Fatalf("sweep within the claim: done %d, left %d, sent %d", done, left, len(e.out.messages()))
	}
	e.out.fail(true)
	e.clk.advance(feedback.ClaimFor)
	// Down again: still owed.
	if done, left := e.sweep(t); done != 0 || left != 1 {
		t.Fatalf("sweep with the provider down: done %d, left %d", done, left)
	}
	e.out.fail(false)
	e.clk.advance(feedback.ClaimFor)
	if done, left := e.sweep(t); done != 1 || left != 0 {
		t.Fatalf("sweep with the provider back: done %d, left %d", done, left)
	}
	if done, left := e.sweep(t); done != 0 || left != 0 {
		t.Fatalf("a sweep after the send: done %d, left %d", done, left)
	}
	if msgs := e.out.messages(); len(msgs) != 1 || !strings.Contains(msgs[0].Text, "từ 1 đến 5") {
		t.Fatalf("sent %+v, want exactly one survey", msgs)
	}
	if m := e.st.ConversationMetrics(); len(m) != 1 {
		t.Fatalf("%d metric records, want 1", len(m))
	}
	page, err := e.st.Timeline(context.Background(), e.cust.ID, 10, "")
	if err != nil {
		t.Fatal(err)
	}
	surveys := 0
	for _, tp := range page.Items {
		if tp.Metadata["automatic"] == "survey" {
			surveys++
		}
	}
	if surveys != 1 {
		t.Fatalf("%d survey touchpoints on the timeline, want 1", surveys)
	}
}

func TestInMemorySurveySentButNotSettledIsNotSentAgain(t *testing.T) {
	e := newMemEnv(t)
	conv := e.conversation(t, "Cảm ơn nhé")
	sv := feedback.Survey{CustomerID: e.cust.ID, ConversationID: conv.ID, TouchpointID: feedback.NewTouchpointID(e.clk.now()),
		Message: routing.Outbound{Channel: domain.ChannelWhatsApp, To: "+84912345678", Text: "survey", ConversationID: conv.ID}}
	o, err := sv.Owed()
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.st.ResolveConversation(context.Background(), conv.ID, store.ResolveInput{Owed: []store.OwedEffect{o}})
	if err != nil {
		t.Fatal(err)
	}
	surveys := &feedback.Surveys{Store: e.st, Sender: e.out, Log: quiet()}
	// The process dies after the send and its touchpoint, before settling.
	if err := surveys.Perform(context.Background(), res.Owed[0]); err != nil {
		t.Fatal(err)
	}
	e.clk.advance(feedback.ClaimFor)
	if done, left := e.sweep(t); done != 1 || left != 0 {
		t.Fatalf("sweep: done %d, left %d", done, left)
	}
	if msgs := e.out.messages(); len(msgs) != 1 {
		t.Fatalf("sent %d surveys, want 1", len(msgs))
	}
}

func TestInMemoryRolesAndValidation(t *testing.T) {
	e := newMemEnv(t)
	an := e.staff(t, "agent-an", 3, false)
	sup := e.staff(t, "sup-binh", 3, true)
	conv := e.conversation(t, "Xin chào")
	if res := e.gw.do(t, "POST", "/conversations/"+conv.ID+"/assign", an, `{"agentId":"agent-an"}`); res.Status != http.StatusForbidden {
		t.Fatalf("agent assigning: %d %s", res.Status, res.Body)
	}
	if res := e.gw.do(t, "POST", "/conversations/"+conv.ID+"/assign", sup, `{"agentId":"agent-an"}`); res.Status != http.StatusOK {
		t.Fatalf("supervisor assigning: %d %s", res.Status, res.Body)
	}
	// Reassigned to the supervisor: the first agent's slot is freed.
	if res := e.gw.do(t, "POST", "/conversations/"+conv.ID+"/assign", sup, `{"agentId":"sup-binh"}`); res.Status != http.StatusOK {
		t.Fatalf("reassigning: %d %s", res.Status, res.Body)
	}
	an1, _ := e.st.GetAgent(context.Background(), "agent-an")
	sup1, _ := e.st.GetAgent(context.Background(), "sup-binh")
	if an1.Load != 0 || sup1.Load != 1 {
		t.Fatalf("loads after reassigning: agent %d, supervisor %d", an1.Load, sup1.Load)
	}
	// The agent may not resolve what the supervisor holds.
	if res := e.gw.do(t, "POST", "/conversations/"+conv.ID+"/resolve", an, ""); res.Status != http.StatusConflict {
		t.Fatalf("resolving another's conversation: %d %s", res.Status, res.Body)
	}
	if res := e.gw.do(t, "POST", "/conversations/con_nope/resolve", sup, ""); res.Status != http.StatusBadRequest {
		t.Fatalf("malformed id: %d %s", res.Status, res.Body)
	}
	if res := e.gw.do(t, "POST", "/conversations/"+conv.ID+"/resolve", sup, `{"why":"x"}`); res.Status != http.StatusBadRequest {
		t.Fatalf("a body on resolve: %d %s", res.Status, res.Body)
	}
	if res := e.gw.do(t, "POST", "/feedback/not-a-token", "", `{"score":5}`); res.Status != http.StatusNotFound {
		t.Fatalf("unknown token: %d %s", res.Status, res.Body)
	}
	if res := e.gw.do(t, "GET", "/conversations?view=mine", sup, ""); res.Status != http.StatusOK || !strings.Contains(res.Body, conv.ID) {
		t.Fatalf("the supervisor's own work: %d %s", res.Status, res.Body)
	}
}

func TestInMemoryQueuesTransferNotesAndMetrics(t *testing.T) {
	e := newMemEnv(t)
	an := e.staff(t, "agent-an", 3, false)
	sup := e.staff(t, "sup-binh", 3, true)
	conv := e.conversation(t, "Shop ơi cho mình hỏi")
	if res := e.gw.do(t, "PUT", "/agents/me/status", an, `{"status":"away"}`); res.Status != http.StatusOK {
		t.Fatalf("status: %d %s", res.Status, res.Body)
	}
	var q convList
	res := e.gw.do(t, "GET", "/conversations?view=unassigned&team=support", an, "")
	res.decode(t, &q)
	if res.Status != http.StatusOK || len(q.Items) != 1 || q.Items[0].ID != conv.ID {
		t.Fatalf("queue: %d %s", res.Status, res.Body)
	}
	if res := e.gw.do(t, "POST", "/conversations/"+conv.ID+"/notes", an, `{"text":"Khách hỏi về đơn #123"}`); res.Status != http.StatusCreated {
		t.Fatalf("note: %d %s", res.Status, res.Body)
	}
	res = e.gw.do(t, "GET", "/conversations/"+conv.ID, an, "")
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "Khách hỏi về đơn #123") {
		t.Fatalf("conversation: %d %s", res.Status, res.Body)
	}
	if len(e.out.messages()) != 0 {
		t.Fatalf("a note went to the customer: %+v", e.out.messages())
	}
	if res := e.gw.do(t, "PUT", "/teams/billing", sup, `{"name":"Billing","languages":["vi"]}`); res.Status != http.StatusCreated && res.Status != http.StatusOK {
		t.Fatalf("team: %d %s", res.Status, res.Body)
	}
	if res := e.gw.do(t, "POST", "/conversations/"+conv.ID+"/assign", sup, `{"agentId":"sup-binh"}`); res.Status != http.StatusOK {
		t.Fatalf("assign: %d %s", res.Status, res.Body)
	}
	// A transfer takes it off its assignee (the slot is freed) into the other team's queue.
	if res := e.gw.do(t, "POST", "/conversations/"+conv.ID+"/transfer", sup, `{"team":"billing"}`); res.Status != http.StatusOK {
		t.Fatalf("transfer: %d %s", res.Status, res.Body)
	}
	got, err := e.st.GetConversation(context.Background(), conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ag, _ := e.st.GetAgent(context.Background(), "sup-binh"); got.Team != "billing" || got.AssigneeID != "" || ag.Load != 0 {
		t.Fatalf("after transfer: team %q, assignee %q, load %d", got.Team, got.AssigneeID, ag.Load)
	}
	if res := e.gw.do(t, "POST", "/conversations/"+conv.ID+"/resolve", sup, ""); res.Status != http.StatusOK {
		t.Fatalf("resolve: %d %s", res.Status, res.Body)
	}
	var rep struct {
		Resolved int `json:"resolved"`
	}
	e.clk.advance(time.Minute) // a report ends now, excluded
	res = e.gw.do(t, "GET", "/metrics", sup, "")
	res.decode(t, &rep)
	if res.Status != http.StatusOK || rep.Resolved != 1 {
		t.Fatalf("metrics: %d %s", res.Status, res.Body)
	}
	if res := e.gw.do(t, "GET", "/metrics", an, ""); res.Status != http.StatusForbidden {
		t.Fatalf("an agent reading metrics: %d %s", res.Status, res.Body)
	}
}

func TestInMemoryASurveyTheChannelRefusesIsRecordedFailedAndNotRetried(t *testing.T) {
	e := newMemEnv(t)
	an := e.staff(t, "agent-an", 3, false)
	conv := e.conversation(t, "Ok cảm ơn")
	e.out.refusing = true
	res := e.gw.do(t, "POST", "/conversations/"+conv.ID+"/resolve", an, "")
	var rb resolveBody
	res.decode(t, &rb)
	if res.Status != http.StatusOK || rb.Survey.Sent || rb.Survey.Pending {
		t.Fatalf("resolve: %d %s", res.Status, res.Body)
	}
	if o := e.st.Owed(); len(o) != 0 {
		t.Fatalf("a refused survey stays owed: %+v", o)
	}
	page, err := e.st.Timeline(context.Background(), e.cust.ID, 10, "")
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, tp := range page.Items {
		if tp.Metadata["automatic"] == "survey" && tp.Status == domain.StatusFailed && tp.Metadata["error"] != "" {
			failed++
		}
	}
	if failed != 1 {
		t.Fatalf("%d failed survey touchpoints, want 1: %+v", failed, page.Items)
	}
}

func TestInMemoryAnOutageCostsASweepOneAttempt(t *testing.T) {
	e := newMemEnv(t)
	an := e.staff(t, "agent-an", 3, false)
	e.out.fail(true)
	for i := range 3 {
		conv := e.conversation(t, "Cảm ơn shop "+string(rune('a'+i)))
		if res := e.gw.do(t, "POST", "/conversations/"+conv.ID+"/resolve", an, ""); res.Status != http.StatusOK {
			t.Fatalf("resolve: %d %s", res.Status, res.Body)
		}
	}
	e.clk.advance(feedback.ClaimFor)
	before := e.out.attempts
	if done, left := e.sweep(t); done != 0 || left != 3 || e.out.attempts != before+1 {
		t.Fatalf("sweep in an outage: done %d, left %d, %d attempts; want 0, 3, 1", done, left, e.out.attempts-before)
	}
	e.out.fail(false)
	e.clk.advance(time.Minute)
	if done, left := e.sweep(t); done != 3 || left != 0 || len(e.out.messages()) != 3 {
		t.Fatalf("sweep after the outage: done %d, left %d, %d sent", done, left, len(e.out.messages()))
	}
}
