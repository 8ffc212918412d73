package agentapi_test

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/sla"
)

// fastSupport is a support team whose urgent customers get a first answer
// within 4 minutes of business time, Monday to Friday 08:00-18:00 in Hà Nội.
const fastSupport = `{"name":"Hỗ trợ","languages":["vi","en"],"sla":{"warnAt":0.8,
 "targets":{"urgent":{"firstResponse":"4m","nextResponse":"10m","resolution":"2h"},
            "high":{"firstResponse":"1h","nextResponse":"2h","resolution":"8h"},
            "normal":{"firstResponse":"4h","nextResponse":"8h","resolution":"24h"},
            "low":{"firstResponse":"24h","nextResponse":"48h","resolution":"72h"}},
 "calendar":{"timeZone":"Asia/Ho_Chi_Minh","weekly":{"monday":[{"start":"08:00","end":"18:00"}],"tuesday":[{"start":"08:00","end":"18:00"}],
  "wednesday":[{"start":"08:00","end":"18:00"}],"thursday":[{"start":"08:00","end":"18:00"}],"friday":[{"start":"08:00","end":"18:00"}]}}}}`

// TestRouterSweeperAndAPIComputeTheSameDueTimeFromTheTeam is the one test
// that every part reads a team's policy through the same resolver: each
// part here has its own resolver, as each function has its own container,
// and each is built as its main builds it.
func TestRouterSweeperAndAPIComputeTheSameDueTimeFromTheTeam(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	sup := e.supervisor(t, "sup-binh")
	// VIP starts from the default team's policy as the environment seeds it
	// (24x7, urgent within 15 minutes); then support gets its own.
	e.mustDo(t, 201, "PUT", "/teams/vip", sup, `{"name":"VIP"}`)
	e.mustDo(t, 201, "PUT", "/teams/support", sup, fastSupport)

	// The router and the sweeper as functions/router and functions/sla wire
	// them: the environment says nothing of 4 minutes.
	fc := routing.FunctionConfig{QuietWindow: 30 * time.Minute}
	fc.DefaultTeam = "support"
	rcfg, err := fc.Routing()
	if err != nil {
		t.Fatal(err)
	}
	routerTeams, err := fc.Teams(e.st)
	if err != nil {
		t.Fatal(err)
	}
	sweeperTeams, err := fc.Teams(e.st)
	if err != nil {
		t.Fatal(err)
	}
	router := &routing.Router{Store: e.st, Sender: e.router.Sender, Config: rcfg, Teams: routerTeams, Log: quiet()}
	sweeper := &routing.Sweeper{Store: e.st, Config: rcfg, Teams: sweeperTeams, Log: quiet(), Metrics: io.Discard}

	// Friday 17:58 in Hà Nội: two minutes before closing.
	e.clk.advance(8*time.Hour + 58*time.Minute)
	route := func(phone, id string) ingest.Job {
		out, err := e.ing.Ingest(ctx, domain.Inbound{Provider: "meta", Channel: domain.ChannelWhatsApp, Kind: domain.KindMessage, ProviderMessageID: id,
			Identities: []domain.RawIdentity{{Kind: domain.KindWhatsApp, Value: phone}}, OccurredAt: e.clk.now(),
			Text: "GẤP!!! Tôi bị trừ tiền 2 lần mà không nhận được hàng"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := router.Route(ctx, out.Job); err != nil {
			t.Fatal(err)
		}
		return out.Job
	}
	job := route("0912345678", "wamid.fast-1")
	second := route("0912345679", "wamid.fast-2")
	// 2 minutes on Friday, 2 on Monday morning.
	want := time.Date(2026, 11, 23, 8, 2, 0, 0, e.hanoi(t))
	conv, err := e.st.GetConversation(ctx, job.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	if conv.Priority != domain.PriorityUrgent || conv.Team != "support" || !conv.SLA.DueAt.Equal(want) {
		t.Fatalf("router: %s conversation in %q due %s, want urgent in support due %s", conv.Priority, conv.Team, conv.SLA.DueAt, want)
	}

	// The agent API computes due times too: a transfer retargets the clock
	// under the new team's policy, and back under this one.
	e.mustDo(t, 200, "POST", "/conversations/"+second.ConversationID+"/transfer", sup, `{"team":"vip"}`)
	c2, err := e.st.GetConversation(ctx, second.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	if c2.Team != "vip" || !c2.SLA.DueAt.Equal(c2.SLA.StartedAt.Add(15*time.Minute)) {
		t.Fatalf("transferred to vip (24x7, 15 minutes): due %s from %s", c2.SLA.DueAt, c2.SLA.StartedAt)
	}
	e.mustDo(t, 200, "POST", "/conversations/"+second.ConversationID+"/transfer", sup, `{"team":"support"}`)
	c2, err = e.st.GetConversation(ctx, second.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	if !c2.SLA.DueAt.Equal(want) {
		t.Fatalf("agent API after transfer back: due %s, want %s (the router's)", c2.SLA.DueAt, want)
	}
	e.mustDo(t, 404, "POST", "/conversations/"+second.ConversationID+"/transfer", sup, `{"team":"billing"}`)

	// The agent API counts the same business time: 4 minutes left now, 2
	// over the weekend.
	remaining := func() int64 {
		sup := e.token(t, "sup-binh", []string{"agent", "supervisor"}, nil)
		var v struct {
			SLAState struct{ RemainingSeconds int64 }
		}
		e.mustDo(t, 200, "GET", "/conversations/"+conv.ID, sup, "").decode(t, &v)
		return v.SLAState.RemainingSeconds
	}
	if got := remaining(); got != 240 {
		t.Fatalf("agent API at Friday 17:58: %d s remaining, want 240", got)
	}
	e.clk.advance(24 * time.Hour)
	if got := remaining(); got != 120 {
		t.Fatalf("agent API on Saturday: %d s remaining, want 120", got)
	}

	// The sweeper warns at 80% (Monday 08:01:12) and records the breach at
	// exactly the router's due time.
	monday := func(h, m, s int) time.Time { return time.Date(2026, 11, 23, h, m, s, 0, e.hanoi(t)) }
	for _, step := range []struct {
		at                 time.Time
		warnings, breaches int
	}{
		{monday(8, 1, 11), 0, 0}, {monday(8, 1, 12), 2, 0}, {monday(8, 1, 59), 0, 0}, {monday(8, 2, 0), 0, 2},
	} {
		res, err := sweeper.Sweep(ctx, step.at)
		if err != nil {
			t.Fatal(err)
		}
		if res.Warnings != step.warnings || res.Breaches != step.breaches {
			t.Fatalf("sweep at %s: %+v, want %d warnings, %d breaches", step.at, res, step.warnings, step.breaches)
		}
	}
	conv, err = e.st.GetConversation(ctx, conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(conv.SLA.Breaches) != 1 || conv.SLA.Breaches[0] != "first_response@"+want.UTC().Format(time.RFC3339) || !conv.SLA.BreachedAt.Equal(monday(8, 2, 0)) {
		t.Fatalf("sweeper: breaches %v at %s, want one at %s", conv.SLA.Breaches, conv.SLA.BreachedAt, want)
	}
}

func (e *env) hanoi(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(sla.DefaultTimeZone)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestTeamsAreSeededFromTheEnvironmentAndEditedUnderTheirVersion(t *testing.T) {
	e := newEnv(t)
	sup := e.supervisor(t, "sup-binh")
	agent := e.agent(t, "agent-an")
	type teamBody struct {
		ID      string          `json:"id"`
		Name    string          `json:"name"`
		SLA     json.RawMessage `json:"sla"`
		Version int64           `json:"version"`
		Derived bool            `json:"derived"`
	}
	var list struct {
		Items       []teamBody `json:"items"`
		DefaultTeam string     `json:"defaultTeam"`
	}
	// Before anyone saves it, the default team is the environment's.
	e.mustDo(t, 200, "GET", "/teams", agent, "").decode(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != "support" || !list.Items[0].Derived || list.DefaultTeam != "support" ||
		!strings.Contains(string(list.Items[0].SLA), `"firstResponse":"15m0s"`) {
		t.Fatalf("teams before any edit: %+v", list)
	}
	e.mustDo(t, 404, "GET", "/teams/billing", agent, "")
	e.mustDo(t, 400, "GET", "/teams/Bad%20Id", agent, "")
	for _, bad := range []string{
		`{"sla":{"targets":{"urgent":{"firstResponse":"4m","nextResponse":"10m","resolution":"2h"}}}}`, // priorities missing
		`{"sla":{"warnAt":1.5}}`,
		`{"languages":["Tiếng Việt"]}`,
		`{"sla":{"calendar":{"timeZone":"Mars/Olympus"}}}`,
		`{"name":"x","colour":"red"}`,
	} {
		if res := e.gw.do(t, "PUT", "/teams/support", sup, bad); res.Status != 400 || res.errorCode() != "invalid" {
			t.Errorf("PUT %s: %d %s", bad, res.Status, res.Body)
		}
	}
	res := e.mustDo(t, 201, "PUT", "/teams/support", sup, fastSupport)
	if res.Headers["etag"] != `"1"` {
		t.Fatalf("created team etag %q", res.Headers["etag"])
	}
	e.mustDo(t, 409, "PUT", "/teams/support", sup, fastSupport)
	e.mustDo(t, 412, "PUT", "/teams/support", sup, `{"name":"Support"}`, "If-Match", `"3"`)
	e.mustDo(t, 404, "PUT", "/teams/billing", sup, `{"name":"Billing"}`, "If-Match", `"1"`)
	var got teamBody
	e.mustDo(t, 200, "PUT", "/teams/support", sup, strings.Replace(fastSupport, "Hỗ trợ", "Chăm sóc khách hàng", 1), "If-Match", `"1"`).decode(t, &got)
	if got.Name != "Chăm sóc khách hàng" || got.Version != 2 || got.Derived || !strings.Contains(string(got.SLA), `"firstResponse":"4m0s"`) ||
		!strings.Contains(string(got.SLA), `"timeZone":"Asia/Ho_Chi_Minh"`) {
		t.Fatalf("replaced team: %s", res.Body)
	}
	e.mustDo(t, 200, "GET", "/teams/support", agent, "").decode(t, &got)
	if got.Version != 2 || got.Derived {
		t.Fatalf("read back: %+v", got)
	}
}
