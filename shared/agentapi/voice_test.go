package agentapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sync"
	"testing"

	"github.com/concierge-cx/concierge/shared/agentapi"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/outbound"
	"github.com/concierge-cx/concierge/shared/stage"
)

// twilioCalls is a test server speaking Twilio's Calls API as documented
// (https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource):
// POST /2010-04-01/Accounts/{AccountSid}/Calls.json, form-encoded To, From
// and Url required, basic auth; 201 with the call's sid.
type twilioCalls struct {
	mu    sync.Mutex
	calls []url.Values
}

var callsPath = regexp.MustCompile(`^/2010-04-01/Accounts/(AC[0-9a-f]{32})/Calls\.json$`)

func (s *twilioCalls) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	m := callsPath.FindStringSubmatch(r.URL.Path)
	user, pass, ok := r.BasicAuth()
	if r.Method != http.MethodPost || m == nil || !ok || user != m[1] || pass != "tw-token" {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"code":20003,"message":"Authenticate","status":401}`)
		return
	}
	b, _ := io.ReadAll(r.Body)
	f, err := url.ParseQuery(string(b))
	if err != nil || f.Get("To") == "" || f.Get("From") == "" || f.Get("Url") == "" {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"code":21205,"message":"Url parameter is required.","status":400}`)
		return
	}
	s.mu.Lock()
	s.calls = append(s.calls, f)
	s.mu.Unlock()
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{"sid": "CA0123456789abcdef0123456789abcdef", "status": "queued", "to": f.Get("To"),
		"from": f.Get("From"), "direction": "outbound-api"})
}

func (s *twilioCalls) got() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]url.Values(nil), s.calls...)
}

// voiceGateway is the agent API with phone calls configured: Twilio's Calls
// API at a test server, Twilio's callbacks at the public base URL.
func voiceGateway(t *testing.T, e *env) (*gateway, *twilioCalls) {
	t.Helper()
	tw := &twilioCalls{}
	srv := httptest.NewServer(tw)
	t.Cleanup(srv.Close)
	calls := outbound.New(outbound.Config{TwilioAPIBase: srv.URL, TwilioAccountSID: "AC0123456789abcdef0123456789abcdef", TwilioAuthToken: "tw-token",
		TwilioVoiceNumber: "+18335550143"}, srv.Client(), nil, outbound.WithLogger(quiet()))
	api := agentapi.New(agentapi.Config{Settings: stage.Settings{TableName: "t", DefaultPhoneRegion: "VN"}, PublicBaseURL: "https://hooks.shop.example"},
		e.st, nil, agentapi.WithLogger(quiet()), agentapi.WithVoice(e.st, calls))
	return &gateway{api: api, now: e.clk.now}, tw
}

// Agents who take calls: a phone (E.164 by libphonenumber), a voice flag
// and voice availability on PUT /agents/me/status.
func TestAgentTakesCallsWithAPhone(t *testing.T) {
	e := newEnv(t)
	gw, _ := voiceGateway(t, e)
	boss := e.supervisor(t, "boss")
	tok := e.agent(t, "mai")
	if r := gw.do(t, "PUT", "/agents/me/status", tok, `{"voice":true}`); r.Status != 409 || r.errorCode() != "conflict" {
		t.Fatalf("voice without a phone: %d %s", r.Status, r.Body)
	}
	if r := gw.do(t, "PATCH", "/agents/mai", boss, `{"phone":"12345"}`, "If-Match", `"1"`); r.Status != 400 {
		t.Fatalf("a malformed phone: %d %s", r.Status, r.Body)
	}
	r := gw.do(t, "PATCH", "/agents/mai", boss, `{"phone":"0901 111 111","voice":true,"connectUserId":"9f0c2b1e-7d6a-4c3b-8e2f-1a2b3c4d5e6f"}`, "If-Match", `"1"`)
	var ag struct {
		Phone         string `json:"phone"`
		Voice         bool   `json:"voice"`
		ConnectUserID string `json:"connectUserId"`
	}
	r.decode(t, &ag)
	if r.Status != 200 || ag.Phone != "+84901111111" || !ag.Voice || ag.ConnectUserID == "" {
		t.Fatalf("PATCH voice fields: %d %s", r.Status, r.Body)
	}
	r = gw.do(t, "PUT", "/agents/me/status", tok, `{"status":"available","voice":true}`)
	var st struct {
		Agent struct {
			Status         string `json:"status"`
			VoiceAvailable bool   `json:"voiceAvailable"`
		} `json:"agent"`
	}
	r.decode(t, &st)
	if r.Status != 200 || st.Agent.Status != "available" || !st.Agent.VoiceAvailable {
		t.Fatalf("PUT status with voice: %d %s", r.Status, r.Body)
	}
	got, err := e.st.VoiceAgents(context.Background(), "support")
	if err != nil || len(got) != 1 || got[0].ID != "mai" {
		t.Fatalf("voice agents of support: %+v %v", got, err)
	}
	r = gw.do(t, "PUT", "/agents/me/status", tok, `{"voice":false}`)
	r.decode(t, &st)
	if r.Status != 200 || st.Agent.VoiceAvailable || st.Agent.Status != "available" {
		t.Fatalf("PUT voice false: %d %s", r.Status, r.Body)
	}
	if got, err := e.st.VoiceAgents(context.Background(), "support"); err != nil || len(got) != 0 {
		t.Fatalf("voice agents after voice false: %+v %v", got, err)
	}
	if r := gw.do(t, "PUT", "/agents/me/status", tok, `{}`); r.Status != 400 {
		t.Fatalf("empty status body: %d", r.Status)
	}
}

// Scenario 4: an agent clicks call back on a conversation owing a call back:
// Twilio's Calls API rings the agent's phone with the bridge TwiML and the
// status callback; the outbound call is on the timeline; the call back is
// satisfied.
func TestClickToCallBackRingsTheAgentAndSatisfiesTheCallBack(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	gw, tw := voiceGateway(t, e)
	boss := e.supervisor(t, "boss")
	tok := e.agent(t, "mai")
	// Lan's call was missed: the conversation owes her a call back.
	for _, in := range []domain.Inbound{
		{Provider: "twilio", Channel: domain.ChannelVoice, Kind: domain.KindCall, ProviderMessageID: "CA1",
			Identities: []domain.RawIdentity{{Kind: domain.KindPhone, Value: "+84912345678"}}, OccurredAt: e.clk.now()},
		{Provider: "twilio", Channel: domain.ChannelVoice, Kind: domain.KindMissedCall, ProviderMessageID: "CA1:missed",
			Identities: []domain.RawIdentity{{Kind: domain.KindPhone, Value: "+84912345678"}}, OccurredAt: e.clk.now()},
	} {
		out, err := e.ing.Ingest(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		// This harness's sender carries no SMS: the calls are routed
		// without the acknowledgement (its own tests are routing's).
		out.Job.Address = ""
		if _, err := e.router.Route(ctx, out.Job); err != nil {
			t.Fatal(err)
		}
	}
	cust, err := e.st.FindByIdentity(ctx, domain.Identity{Kind: domain.KindPhone, Value: "+84912345678"})
	if err != nil {
		t.Fatal(err)
	}
	convID := cust.OpenConversationID
	if conv, _ := e.st.GetConversation(ctx, convID); !conv.Callback.Owed() {
		t.Fatalf("no call back owed: %+v", conv.Callback)
	}

	// Without a phone Mai cannot be rung.
	if r := gw.do(t, "POST", "/conversations/"+convID+"/call", tok, ""); r.Status != 409 {
		t.Fatalf("call back without a phone: %d %s", r.Status, r.Body)
	}
	if r := gw.do(t, "PATCH", "/agents/mai", boss, `{"phone":"+84901111111","voice":true}`, "If-Match", `"1"`); r.Status != 200 {
		t.Fatal(r.Body)
	}
	r := gw.do(t, "POST", "/conversations/"+convID+"/call", tok, "")
	if r.Status != 201 {
		t.Fatalf("call back: %d %s", r.Status, r.Body)
	}
	var body struct {
		Touchpoint   domain.Touchpoint   `json:"touchpoint"`
		Conversation domain.Conversation `json:"conversation"`
	}
	r.decode(t, &body)
	calls := tw.got()
	if len(calls) != 1 {
		t.Fatalf("Calls API got %d calls", len(calls))
	}
	c := calls[0]
	if c.Get("To") != "+84901111111" || c.Get("From") != "+18335550143" ||
		c.Get("Url") != "https://hooks.shop.example/webhooks/twilio/voice/bridge?conv="+convID ||
		c.Get("StatusCallback") != "https://hooks.shop.example/webhooks/twilio/voice/status" || len(c["StatusCallbackEvent"]) != 4 {
		t.Fatalf("call placed %v", c)
	}
	tp := body.Touchpoint
	if tp.Kind != domain.KindCall || tp.Direction != domain.DirectionOut || tp.ProviderMessageID != "CA0123456789abcdef0123456789abcdef" ||
		tp.Status != domain.StatusQueued || tp.Metadata["agentId"] != "mai" {
		t.Fatalf("outbound call touchpoint %+v", tp)
	}
	cb := body.Conversation.Callback
	if cb == nil || cb.Owed() || cb.DoneBy != "mai" || cb.Label != "" {
		t.Fatalf("call back not satisfied: %+v", cb)
	}
	if stored, err := e.st.FindByProviderMessage(ctx, "twilio", tp.ProviderMessageID); err != nil || stored.ID != tp.ID {
		t.Fatalf("the call is not on the timeline: %v", err)
	}
}
