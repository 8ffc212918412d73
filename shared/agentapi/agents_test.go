package agentapi_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/agentapi"
	"github.com/concierge-cx/concierge/shared/domain"
)

type agentBody struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Email      string    `json:"email"`
	Status     string    `json:"status"`
	Teams      []string  `json:"teams"`
	Languages  []string  `json:"languages"`
	Skills     []string  `json:"skills"`
	Capacity   int       `json:"capacity"`
	Load       int       `json:"load"`
	Supervisor bool      `json:"supervisor"`
	LastSeenAt time.Time `json:"lastSeenAt"`
	Version    int64     `json:"version"`
}

func (e *env) mustDo(t *testing.T, want int, method, path, token, body string, headers ...string) response {
	t.Helper()
	res := e.gw.do(t, method, path, token, body, headers...)
	if res.Status != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, res.Status, res.Body, want)
	}
	return res
}

func TestSupervisorAddsAnAgentWhoGoesAvailableAndClaims(t *testing.T) {
	e := newEnv(t)
	sup := e.supervisor(t, "sup-binh")

	res := e.mustDo(t, 201, "POST", "/agents", sup,
		`{"id":"agent-hoa","name":" Lê Thị Hoa ","email":"Hoa@Shop.VN","teams":["support"],"languages":["vi"],"skills":["refunds"],"capacity":2}`)
	var hoa agentBody
	res.decode(t, &hoa)
	if hoa.Name != "Lê Thị Hoa" || hoa.Email != "hoa@shop.vn" || hoa.Status != domain.AgentOffline || hoa.Capacity != 2 ||
		!slices.Equal(hoa.Skills, []string{"refunds"}) || hoa.Version != 1 || res.Headers["etag"] != `"1"` {
		t.Fatalf("created %s (etag %q)", res.Body, res.Headers["etag"])
	}

	// Bad input: each refused with a code, nothing written.
	for _, c := range []struct {
		name, body string
		status     int
		code       string
	}{
		{"existing id", `{"id":"agent-hoa","name":"Hoa"}`, 409, "conflict"},
		{"unknown team", `{"id":"agent-x","name":"X","teams":["billing"]}`, 404, "not_found"},
		{"bad language", `{"id":"agent-x","name":"X","languages":["Vietnamese"]}`, 400, "invalid"},
		{"capacity zero", `{"id":"agent-x","name":"X","capacity":0}`, 400, "invalid"},
		{"no name", `{"id":"agent-x"}`, 400, "invalid"},
		{"no id", `{"name":"X"}`, 400, "invalid"},
		{"unknown field", `{"id":"agent-x","name":"X","maxLoad":3}`, 400, "invalid"},
	} {
		res := e.gw.do(t, "POST", "/agents", sup, c.body)
		if res.Status != c.status || res.errorCode() != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, res.Status, res.Body, c.status, c.code)
		}
	}
	if _, err := e.st.GetAgent(context.Background(), "agent-x"); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("a refused create wrote agent-x: %v", err)
	}

	// Her token goes available and takes the waiting customer.
	hoaTok := e.token(t, "agent-hoa", []string{agentapi.RoleAgent}, nil)
	out := e.inbound(t, "0912000111", "wamid.hoa-1", "Cho mình hỏi đơn hàng 123")
	res = e.mustDo(t, 200, "PUT", "/agents/me/status", hoaTok, `{"status":"available"}`)
	var st struct {
		Agent  agentBody `json:"agent"`
		Pulled []string  `json:"pulled"`
	}
	res.decode(t, &st)
	if !slices.Equal(st.Pulled, []string{out.Job.ConversationID}) || st.Agent.Load != 1 {
		t.Fatalf("going available: %s", res.Body)
	}
	second := e.inbound(t, "0912000222", "wamid.hoa-2", "Shop ơi")
	if conv, err := e.st.GetConversation(context.Background(), second.Job.ConversationID); err != nil || conv.AssigneeID != "agent-hoa" {
		t.Fatalf("the router did not give her the second customer: %+v", conv)
	}
	third := e.inbound(t, "0912000333", "wamid.hoa-3", "Cho hỏi")
	e.mustDo(t, 409, "POST", "/conversations/"+third.Job.ConversationID+"/claim", hoaTok, "") // full at 2

	// The roster shows status, load and when she was last seen.
	res = e.mustDo(t, 200, "GET", "/agents?status=available", sup, "")
	var roster struct{ Items []agentBody }
	res.decode(t, &roster)
	if len(roster.Items) != 1 || roster.Items[0].ID != "agent-hoa" || roster.Items[0].Load != 2 || roster.Items[0].LastSeenAt.IsZero() {
		t.Fatalf("roster = %s", res.Body)
	}

	// Edits go under If-Match; capacity below her load is refused.
	e.mustDo(t, 400, "PATCH", "/agents/agent-hoa", sup, `{"capacity":3}`)
	e.mustDo(t, 412, "PATCH", "/agents/agent-hoa", sup, `{"capacity":3}`, "If-Match", `"7"`)
	if res = e.mustDo(t, 409, "PATCH", "/agents/agent-hoa", sup, `{"capacity":1}`, "If-Match", `"1"`); res.errorCode() != "conflict" {
		t.Fatalf("capacity below load: %s", res.Body)
	}
	e.mustDo(t, 404, "PATCH", "/agents/agent-hoa", sup, `{"teams":["billing"]}`, "If-Match", `"1"`)
	e.mustDo(t, 400, "PATCH", "/agents/agent-hoa", sup, `{"languages":["EN"]}`, "If-Match", `"1"`)
	res = e.mustDo(t, 200, "PATCH", "/agents/agent-hoa", sup, `{"capacity":3,"languages":["vi","en"]}`, "If-Match", `"1"`)
	res.decode(t, &hoa)
	if hoa.Capacity != 3 || hoa.Load != 2 || hoa.Version != 2 || res.Headers["etag"] != `"2"` || hoa.Status != domain.AgentAvailable {
		t.Fatalf("patched %s", res.Body)
	}
	// The room the edit made pulls the customer who was waiting (a follow-up no longer re-offers her).
	if conv, err := e.st.GetConversation(context.Background(), third.Job.ConversationID); err != nil || conv.AssigneeID != "agent-hoa" {
		t.Fatalf("raising her capacity did not pull the waiting customer: %+v %v", conv, err)
	}
	e.mustDo(t, 404, "GET", "/agents/agent-nobody", sup, "")
	e.mustDo(t, 400, "GET", "/agents/a%23b", sup, "")
}

func TestAFirstCallProvisionsTheAgentFromTheToken(t *testing.T) {
	e := newEnv(t)
	tok := e.token(t, "7c1e9a52-new-user", []string{agentapi.RoleAgent}, map[string]any{"name": "Trần Minh Anh", "email": "minh.anh@shop.vn"})
	e.mustDo(t, 200, "PUT", "/agents/me/status", tok, `{"status":"available"}`)
	res := e.mustDo(t, 200, "GET", "/agents/me", tok, "")
	var me agentBody
	res.decode(t, &me)
	if me.ID != "7c1e9a52-new-user" || me.Name != "Trần Minh Anh" || me.Email != "minh.anh@shop.vn" || me.Status != domain.AgentAvailable ||
		!slices.Equal(me.Teams, []string{"support"}) || !slices.Equal(me.Languages, []string{"vi", "en"}) || me.Capacity != 3 || me.Supervisor {
		t.Fatalf("provisioned %s", res.Body)
	}
	// She takes work at once.
	out := e.inbound(t, "0912000444", "wamid.prov-1", "Cho mình hỏi")
	if conv, err := e.st.GetConversation(context.Background(), out.Job.ConversationID); err != nil || conv.AssigneeID != me.ID {
		t.Fatalf("the new agent was not assigned: %+v", conv)
	}

	// Concurrent first calls of one supervisor make one agent; with no name
	// claim the name falls back to the username, then the sub.
	supTok := e.token(t, "sup-new", []string{agentapi.RoleSupervisor}, map[string]any{"cognito:username": "lan.pham"})
	var wg sync.WaitGroup
	codes := make([]int, 8)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = e.gw.do(t, "GET", "/agents/me", supTok, "").Status
		}()
	}
	wg.Wait()
	for _, c := range codes {
		if c != 200 {
			t.Fatalf("concurrent first calls: %v", codes)
		}
	}
	ag, err := e.st.GetAgent(context.Background(), "sup-new")
	if err != nil || ag.Name != "lan.pham" || !ag.Supervisor || ag.Version != 1 {
		t.Fatalf("supervisor provisioned as %+v, %v", ag, err)
	}
	e.mustDo(t, 200, "GET", "/agents/me", e.token(t, "bare-sub", []string{agentapi.RoleAgent}, nil), "")
	if ag, err := e.st.GetAgent(context.Background(), "bare-sub"); err != nil || ag.Name != "bare-sub" {
		t.Fatalf("no profile claims: %+v, %v", ag, err)
	}
	// A partner is no agent.
	e.mustDo(t, 403, "GET", "/agents/me", e.partner(t, "p1"), "")
	if _, err := e.st.GetAgent(context.Background(), "partner-user-p1"); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("a partner was provisioned: %v", err)
	}
}

func TestDeactivationPutsTheAgentsWorkBackUrgentFirstAndFreesOnlyTheirLoad(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	sup := e.supervisor(t, "sup-binh")
	leaving := e.agent(t, "agent-leaving")
	staying := e.agent(t, "agent-staying")
	e.mustDo(t, 200, "PUT", "/agents/me/status", leaving, `{"status":"available"}`)
	var held []string
	for i, text := range []string{"Cho mình hỏi giá", "GẤP!!! Tôi bị trừ tiền 2 lần mà không nhận được hàng", "Shop ơi còn hàng không"} {
		out := e.inbound(t, fmt.Sprintf("09125000%02d", i), fmt.Sprint("wamid.leave-", i), text)
		held = append(held, out.Job.ConversationID)
		e.clk.advance(time.Minute)
	}
	e.mustDo(t, 200, "PUT", "/agents/me/status", staying, `{"status":"available"}`)
	other := e.inbound(t, "0912500099", "wamid.stay-1", "Cho hỏi") // the leaving agent is full: the other takes it
	e.mustDo(t, 200, "PUT", "/agents/me/status", staying, `{"status":"away"}`)
	if a, err := e.st.GetAgent(ctx, "agent-leaving"); err != nil || a.Load != 3 {
		t.Fatalf("setup: leaving agent holds %d", a.Load)
	}

	res := e.mustDo(t, 200, "DELETE", "/agents/agent-leaving", sup, "")
	var out struct {
		Agent    agentBody `json:"agent"`
		Requeued []struct {
			ID, Priority, Team, AssigneeID string
		} `json:"requeued"`
	}
	res.decode(t, &out)
	if out.Agent.Status != domain.AgentInactive || out.Agent.Load != 0 || len(out.Requeued) != 3 ||
		out.Requeued[0].ID != held[1] || out.Requeued[0].Priority != "urgent" || out.Requeued[0].AssigneeID != "" {
		t.Fatalf("deactivation: %s", res.Body)
	}
	// Back in the queue, urgent first; the other agent's load untouched.
	res = e.mustDo(t, 200, "GET", "/conversations?view=unassigned&team=support", sup, "")
	var q convList
	res.decode(t, &q)
	var queued []string
	for _, it := range q.Items {
		queued = append(queued, it.ID)
	}
	if len(queued) != 3 || queued[0] != held[1] || !slices.Contains(queued, held[0]) || !slices.Contains(queued, held[2]) {
		t.Fatalf("queue after deactivation: %s", res.Body)
	}
	if a, err := e.st.GetAgent(ctx, "agent-staying"); err != nil || a.Load != 1 {
		t.Fatalf("the other agent's load changed to %d", a.Load)
	}
	if c, err := e.st.GetConversation(ctx, other.Job.ConversationID); err != nil || c.AssigneeID != "agent-staying" {
		t.Fatalf("the other agent's conversation moved: %+v", c)
	}
	// Her token is refused on work routes; her record and history stay.
	for _, r := range [][3]string{{"PUT", "/agents/me/status", `{"status":"available"}`}, {"GET", "/conversations?view=mine", ""},
		{"POST", "/conversations/" + held[0] + "/claim", ""}, {"GET", "/agents/me", ""}} {
		if res := e.gw.do(t, r[0], r[1], leaving, r[2]); res.Status != http.StatusForbidden || res.errorCode() != "forbidden" {
			t.Errorf("%s %s as a deactivated agent: %d %s", r[0], r[1], res.Status, res.Body)
		}
	}
	res = e.mustDo(t, 200, "GET", "/agents/agent-leaving", sup, "")
	var gone agentBody
	res.decode(t, &gone)
	if gone.Status != domain.AgentInactive || gone.Name != "agent-leaving" {
		t.Fatalf("deactivated agent: %s", res.Body)
	}
	// Routing never picks her; repeating the call changes nothing.
	res = e.mustDo(t, 200, "DELETE", "/agents/agent-leaving", sup, "")
	res.decode(t, &out)
	if len(out.Requeued) != 0 {
		t.Fatalf("second deactivation requeued %s", res.Body)
	}
	// The other agent comes back and pulls the urgent one first.
	res = e.mustDo(t, 200, "PUT", "/agents/me/status", staying, `{"status":"available"}`)
	var st struct{ Pulled []string }
	res.decode(t, &st)
	if len(st.Pulled) != 2 || st.Pulled[0] != held[1] {
		t.Fatalf("pull after deactivation: %s", res.Body)
	}
	// A supervisor can bring her back.
	res = e.mustDo(t, 200, "PATCH", "/agents/agent-leaving", sup, `{"active":true}`, "If-Match", fmt.Sprintf(`"%d"`, gone.Version))
	res.decode(t, &gone)
	if gone.Status != domain.AgentOffline {
		t.Fatalf("reactivated: %s", res.Body)
	}
	e.mustDo(t, 200, "PUT", "/agents/me/status", leaving, `{"status":"available"}`)
	e.mustDo(t, 404, "DELETE", "/agents/agent-nobody", sup, "")
}
