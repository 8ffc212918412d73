package voice_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/concierge-cx/concierge/shared/channels/testsecrets"
	"github.com/concierge-cx/concierge/shared/channels/twilio"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/outbound"
	"github.com/concierge-cx/concierge/shared/queue"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/stage"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/teams"
	"github.com/concierge-cx/concierge/shared/testenv"
	"github.com/concierge-cx/concierge/shared/urgency"
	"github.com/concierge-cx/concierge/shared/voice"
	"github.com/concierge-cx/concierge/shared/webhook"
)

const (
	business = "+18335550143"
	lanPhone = "+84912345678"
	maiPhone = "+84901111111"
	hungPhn  = "+84902222222"
)

type clock struct{ t atomic.Int64 }

func (c *clock) now() time.Time          { return time.Unix(0, c.t.Load()).UTC() }
func (c *clock) advance(d time.Duration) { c.t.Add(int64(d)) }

func quiet() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

// twilioAPI is a test server speaking Twilio's Messages API (the
// acknowledgement of a call goes out by SMS), as Twilio documents it.
type twilioAPI struct {
	mu   sync.Mutex
	sent []url.Values
}

func (a *twilioAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	if !ok || user != "AC00000000000000000000000000000000" || pass != testsecrets.TwilioAuthToken {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"code":20003,"message":"Authenticate","status":401}`)
		return
	}
	b, _ := io.ReadAll(r.Body)
	f, _ := url.ParseQuery(string(b))
	a.mu.Lock()
	a.sent = append(a.sent, f)
	n := len(a.sent)
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{"sid": "SM" + strings.Repeat("0", 31) + string(rune('a'+n%26)), "status": "queued"})
}

type env struct {
	st     *store.Store
	clk    *clock
	wh     *webhook.Handler
	router *routing.Router
	sq     *sqs.Client
	lanes  []string
	lan    domain.Customer
}

func newEnv(t *testing.T, opts ...func(*webhook.Config)) *env {
	t.Helper()
	ctx := context.Background()
	db, table := testenv.NewTable(t)
	sq, normal := testenv.NewQueue(t, testenv.QueueOptions{})
	_, urgent := testenv.NewQueue(t, testenv.QueueOptions{})
	clk := &clock{}
	clk.t.Store(time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC).UnixNano()) // Friday 10:00 in Hà Nội
	st := store.New(db, table, store.WithClock(clk.now))
	scorer, err := urgency.NewScorer(urgency.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	ing := &ingest.Service{Store: st, Jobs: queue.Publisher{Client: sq, NormalURL: normal, UrgentURL: urgent},
		Normalizer: domain.Normalizer{DefaultRegion: "VN"}, Scorer: scorer, Log: quiet()}
	def, err := teams.FromEnv(stage.DefaultTeam, "", []string{"vi", "en"})
	if err != nil {
		t.Fatal(err)
	}
	resolver := teams.NewResolver(st, def)
	cfg := webhook.Config{PublicBaseURL: testsecrets.PublicBaseURL, TwilioAuthToken: testsecrets.TwilioAuthToken}
	cfg.DefaultTeam, cfg.BusinessName = stage.DefaultTeam, "Shop Hoa Mai"
	for _, o := range opts {
		o(&cfg)
	}
	calls := &voice.Service{Store: st, Ingest: ing, Teams: resolver, Config: cfg.VoiceConfig(), Log: quiet()}
	wh := webhook.New(cfg, ing, st, webhook.WithVoice(calls), webhook.WithLogger(quiet()), webhook.WithClock(clk.now))
	tw := &twilioAPI{}
	twSrv := httptest.NewServer(tw)
	t.Cleanup(twSrv.Close)
	sender := outbound.New(outbound.Config{TwilioAPIBase: twSrv.URL, TwilioAccountSID: "AC00000000000000000000000000000000",
		TwilioAuthToken: testsecrets.TwilioAuthToken, TwilioFromNumber: business}, nil, nil, outbound.WithLogger(quiet()))
	rcfg := routing.DefaultConfig()
	rcfg.BusinessName = "Shop Hoa Mai"
	router := &routing.Router{Store: st, Sender: routing.ChannelSender{Router: sender}, Config: rcfg, Teams: resolver, Log: quiet()}

	// Lan: a known VIP who speaks Vietnamese.
	phone, _ := domain.Normalizer{}.Normalize(domain.KindPhone, lanPhone)
	r, err := st.ResolveCustomer(ctx, []domain.Identity{phone}, "Nguyễn Thị Lan")
	if err != nil {
		t.Fatal(err)
	}
	vip, vi := domain.TierVIP, "vi"
	prefs := map[string]string{"honorific": "chị"}
	lan, err := st.UpdateProfile(ctx, r.Customer.ID, r.Customer.Version, store.ProfilePatch{Tier: &vip, Language: &vi, Preferences: &prefs})
	if err != nil {
		t.Fatal(err)
	}
	return &env{st: st, clk: clk, wh: wh, router: router, sq: sq, lanes: []string{urgent, normal}, lan: lan}
}

// agent stores an agent who takes calls on phone, available now.
func (e *env) agent(t *testing.T, id, phone string, load int) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.st.PutAgent(ctx, domain.Agent{ID: id, Name: id, Languages: []string{"vi", "en"}, Teams: []string{stage.DefaultTeam},
		MaxConcurrent: 3, Status: domain.AgentOffline, Phone: phone, Voice: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.SetAgentStatus(ctx, id, domain.AgentAvailable); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.SetAgentVoice(ctx, id, true); err != nil {
		t.Fatal(err)
	}
	for range load {
		if _, err := e.st.StartAgentCall(ctx, id, "seed"); err != nil {
			t.Fatal(err)
		}
	}
}

// post sends a form to a Twilio webhook route signed as Twilio signs it
// (the full URL, query included, and the sorted form).
func (e *env) post(t *testing.T, rawURL string, form url.Values) events.APIGatewayV2HTTPResponse {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	full := testsecrets.PublicBaseURL + u.Path
	if u.RawQuery != "" {
		full += "?" + u.RawQuery
	}
	ev := events.APIGatewayV2HTTPRequest{
		RawPath: u.Path, RawQueryString: u.RawQuery, Body: form.Encode(),
		Headers:        map[string]string{"content-type": "application/x-www-form-urlencoded", twilio.SignatureHeader: twilio.Signature(testsecrets.TwilioAuthToken, full, form)},
		RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", Path: u.Path}},
	}
	res, err := e.wh.Handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %d %s", u.Path, res.StatusCode, res.Body)
	}
	return res
}

func callForm(callSid, status string) url.Values {
	return url.Values{"CallSid": {callSid}, "AccountSid": {"AC00000000000000000000000000000000"}, "From": {lanPhone}, "To": {business},
		"Caller": {lanPhone}, "Called": {business}, "CallStatus": {status}, "Direction": {"inbound"}, "ApiVersion": {"2010-04-01"}}
}

// route runs every routing job on the lanes through the router, as the
// router function does.
func (e *env) route(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	for _, lane := range e.lanes {
		for {
			r, err := e.sq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(lane), MaxNumberOfMessages: 10})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Messages) == 0 {
				break
			}
			var recs []events.SQSMessage
			for _, m := range r.Messages {
				recs = append(recs, events.SQSMessage{MessageId: aws.ToString(m.MessageId), Body: aws.ToString(m.Body)})
				_, _ = e.sq.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(lane), ReceiptHandle: m.ReceiptHandle})
			}
			if resp, err := e.router.HandleSQS(ctx, events.SQSEvent{Records: recs}); err != nil || len(resp.BatchItemFailures) > 0 {
				t.Fatalf("router: %+v %v", resp, err)
			}
		}
	}
}

// twiml is the part of a TwiML document Twilio acts on.
type twiml struct {
	Says []struct {
		Language string `xml:"language,attr"`
		Text     string `xml:",chardata"`
	} `xml:"Say"`
	Dial *struct {
		Action         string `xml:"action,attr"`
		Record         string `xml:"record,attr"`
		Timeout        string `xml:"timeout,attr"`
		CallerID       string `xml:"callerId,attr"`
		AnswerOnBridge string `xml:"answerOnBridge,attr"`
		Numbers        []struct {
			URL   string `xml:"url,attr"`
			Value string `xml:",chardata"`
		} `xml:"Number"`
	} `xml:"Dial"`
	Record *struct {
		Action string `xml:"action,attr"`
	} `xml:"Record"`
	Hangup *struct{} `xml:"Hangup"`
}

func decode(t *testing.T, body string) twiml {
	t.Helper()
	var r twiml
	if err := xml.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("not TwiML: %v\n%s", err, body)
	}
	return r
}

func (e *env) conversation(t *testing.T) domain.Conversation {
	t.Helper()
	c, err := e.st.GetCustomer(context.Background(), e.lan.ID)
	if err != nil || c.OpenConversationID == "" {
		t.Fatalf("Lan has no open conversation: %v", err)
	}
	conv, err := e.st.GetConversation(context.Background(), c.OpenConversationID)
	if err != nil {
		t.Fatal(err)
	}
	return conv
}

// Scenario 1: a known VIP calls; her assigned agent is available with a
// phone, so the TwiML dials that agent first (though another is less
// loaded) with a whisper naming her; the agent answers; the call is a call
// touchpoint with the agent and the duration, and held the agent's slot
// while it lasted.
func TestVIPCallerRingsHerOwnAgentFirstWithAWhisper(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.agent(t, "mai", maiPhone, 0)
	// Her conversation is Mai's: she texted about her order earlier.
	e.post(t, "/webhooks/twilio/messages", url.Values{"MessageSid": {"SM1"}, "SmsStatus": {"received"}, "From": {lanPhone}, "To": {business},
		"Body": {"Đơn DH1024 của chị giao chưa em?"}, "AccountSid": {"AC00000000000000000000000000000000"}})
	e.route(t)
	if conv := e.conversation(t); conv.AssigneeID != "mai" {
		t.Fatalf("conversation assigned to %q, want mai", conv.AssigneeID)
	}
	e.agent(t, "hung", hungPhn, 0) // free, and less loaded than Mai now

	res := decode(t, e.post(t, "/webhooks/twilio/voice", callForm("CA100", "ringing")).Body)
	if res.Dial == nil || len(res.Dial.Numbers) != 1 || res.Dial.Numbers[0].Value != maiPhone {
		t.Fatalf("her own agent is not dialled alone first: %+v", res.Dial)
	}
	d := res.Dial
	if d.Action != testsecrets.PublicBaseURL+twilio.DialPath || d.Timeout != "20" || d.CallerID != business || d.AnswerOnBridge != "true" {
		t.Fatalf("<Dial> attributes %+v", d)
	}
	if len(res.Says) != 1 || res.Says[0].Language != "vi-VN" || !strings.Contains(res.Says[0].Text, "chị Lan") {
		t.Fatalf("caller not greeted by name in Vietnamese: %+v", res.Says)
	}
	whisper := d.Numbers[0].URL
	if !strings.HasPrefix(whisper, testsecrets.PublicBaseURL+twilio.WhisperPath+"?") {
		t.Fatalf("whisper url %q", whisper)
	}

	// Mai picks up: Twilio requests the whisper on her leg.
	heard := decode(t, e.post(t, strings.TrimPrefix(whisper, testsecrets.PublicBaseURL), url.Values{"CallSid": {"CA100-mai"}, "ParentCallSid": {"CA100"},
		"From": {business}, "To": {maiPhone}, "CallStatus": {"in-progress"}, "Direction": {"outbound-dial"}}).Body)
	if len(heard.Says) != 1 || heard.Says[0].Language != "vi-VN" {
		t.Fatalf("whisper %+v", heard)
	}
	for _, want := range []string{"chị Nguyễn Thị Lan", "VIP", "DH1024"} {
		if !strings.Contains(heard.Says[0].Text, want) {
			t.Errorf("whisper %q does not say %q", heard.Says[0].Text, want)
		}
	}
	if a, _ := e.st.GetAgent(ctx, "mai"); a.OnCall != "CA100" || a.Load != 2 {
		t.Fatalf("on the call Mai holds load %d, on call %q; want 2 and CA100", a.Load, a.OnCall)
	}

	// They talk 95 s; the dial ends and the call with it.
	e.clk.advance(2 * time.Minute)
	if end := decode(t, e.post(t, twilio.DialPath, url.Values{"CallSid": {"CA100"}, "DialCallSid": {"CA100-mai"}, "DialCallStatus": {"completed"},
		"DialCallDuration": {"95"}, "From": {lanPhone}, "To": {business}, "CallStatus": {"in-progress"}}).Body); end.Hangup == nil {
		t.Fatalf("answered call not ended: %+v", end)
	}
	e.post(t, twilio.StatusPath, func() url.Values { f := callForm("CA100", "completed"); f.Set("CallDuration", "110"); return f }())
	call, err := e.st.FindByProviderMessage(ctx, "twilio", "CA100")
	if err != nil {
		t.Fatal(err)
	}
	if call.Kind != domain.KindCall || call.Metadata[voice.MetaAnsweredBy] != "mai" || call.Metadata[voice.MetaDuration] != "95" {
		t.Fatalf("call touchpoint %+v", call.Metadata)
	}
	if _, err := e.st.FindByProviderMessage(ctx, "twilio", "CA100:missed"); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("an answered call was recorded as missed (%v)", err)
	}
	if a, _ := e.st.GetAgent(ctx, "mai"); a.OnCall != "" || a.Load != 1 {
		t.Fatalf("after the call Mai holds load %d, on call %q", a.Load, a.OnCall)
	}
}

// Scenario 2: nobody answers. She hears, in Vietnamese, that she can leave
// a voicemail; the missed call is recorded and the conversation owes her a
// call back due within the urgent first-response target, shown as "call
// back". A second call, which she hangs up during the greeting (Twilio's
// CallStatus "completed"), is a missed call all the same.
// Scenario 3: those two missed calls within ten minutes make her
// conversation urgent with the reason shown.
func TestUnansweredCallsAreMissedCallsThatOweACallBack(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.agent(t, "hung", hungPhn, 0)

	res := decode(t, e.post(t, "/webhooks/twilio/voice", callForm("CA200", "ringing")).Body)
	if res.Dial == nil || len(res.Dial.Numbers) != 1 || res.Dial.Numbers[0].Value != hungPhn {
		t.Fatalf("the free Vietnamese-speaking agent is not rung: %+v", res.Dial)
	}
	e.route(t)
	before := e.conversation(t)
	if before.Priority == domain.PriorityUrgent {
		t.Fatalf("one call is already urgent: %+v", before.Urgency)
	}
	e.clk.advance(20 * time.Second)
	vm := decode(t, e.post(t, twilio.DialPath, url.Values{"CallSid": {"CA200"}, "DialCallStatus": {"no-answer"}, "From": {lanPhone},
		"To": {business}, "CallStatus": {"in-progress"}}).Body)
	if vm.Record == nil || len(vm.Says) == 0 || vm.Says[0].Language != "vi-VN" || !strings.Contains(vm.Says[0].Text, "để lại lời nhắn") {
		t.Fatalf("no Vietnamese voicemail offered: %+v", vm)
	}
	missed, err := e.st.FindByProviderMessage(ctx, "twilio", "CA200:missed")
	if err != nil || missed.Kind != domain.KindMissedCall || missed.Metadata[voice.MetaDialStatus] != "no-answer" {
		t.Fatalf("missed call %+v %v", missed, err)
	}
	// Her voicemail ends the call: Twilio's status is "completed", still missed, stored once.
	e.post(t, twilio.StatusPath, callForm("CA200", "completed"))
	e.route(t)
	conv := e.conversation(t)
	cb := conv.Callback
	if cb == nil || !cb.Owed() || cb.Label != "call back" {
		t.Fatalf("no call back owed: %+v", cb)
	}
	if due := cb.DueAt.Sub(missed.ReceivedAt); due <= 0 || due > 15*time.Minute {
		t.Fatalf("call back due %v after the missed call, want within the urgent 15 min", due)
	}
	if conv.Priority == domain.PriorityUrgent {
		t.Fatalf("one missed call made it urgent")
	}

	// Five minutes later she calls again; Hùng is on another call, so she
	// hears the greeting and hangs up before the beep.
	e.clk.advance(5 * time.Minute)
	if _, err := e.st.StartAgentCall(ctx, "hung", "CA-other"); err != nil {
		t.Fatal(err)
	}
	vm2 := decode(t, e.post(t, "/webhooks/twilio/voice", callForm("CA201", "ringing")).Body)
	if vm2.Dial != nil || vm2.Record == nil {
		t.Fatalf("with nobody free she should be offered voicemail: %+v", vm2)
	}
	e.post(t, twilio.StatusPath, callForm("CA201", "completed"))
	if _, err := e.st.FindByProviderMessage(ctx, "twilio", "CA201:missed"); err != nil {
		t.Fatalf("a call she hung up on during the greeting is not a missed call: %v", err)
	}
	e.route(t)
	conv = e.conversation(t)
	if conv.Priority != domain.PriorityUrgent || conv.Urgency == nil || len(conv.Urgency.Reasons) == 0 ||
		conv.Urgency.Reasons[0] != "repeated_missed_calls: 2 missed calls within 10 minutes" {
		t.Fatalf("two missed calls in 5 minutes: priority %s, urgency %+v", conv.Priority, conv.Urgency)
	}
	if len(conv.Callback.MissedCalls) != 2 || !conv.Callback.Owed() {
		t.Fatalf("call back %+v", conv.Callback)
	}
}

// Missed calls further apart than ten minutes are not urgent by repetition.
func TestMissedCallsElevenMinutesApartAreNotUrgent(t *testing.T) {
	e := newEnv(t)
	for i, sid := range []string{"CA300", "CA301"} {
		if i > 0 {
			e.clk.advance(11 * time.Minute)
		}
		e.post(t, "/webhooks/twilio/voice", callForm(sid, "ringing"))
		e.post(t, twilio.StatusPath, callForm(sid, "completed"))
		e.route(t)
	}
	conv := e.conversation(t)
	if conv.Priority == domain.PriorityUrgent || len(conv.Callback.MissedCalls) != 2 {
		t.Fatalf("priority %s, call back %+v", conv.Priority, conv.Callback)
	}
}

// Bad input: a malformed DialCallStatus, a status or a dial result for a
// call never seen is answered 200 (Twilio must not retry) with nothing stored.
func TestBadCallCallbacksAre200WithNothingStored(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.post(t, "/webhooks/twilio/voice", callForm("CA400", "ringing"))
	e.post(t, twilio.DialPath, url.Values{"CallSid": {"CA400"}, "DialCallStatus": {"exploded"}})
	e.post(t, twilio.DialPath, url.Values{"CallSid": {"CA400"}, "DialCallStatus": {"completed"}, "DialCallDuration": {"-3"}})
	e.post(t, twilio.DialPath, url.Values{"CallSid": {"CAunknown"}, "DialCallStatus": {"no-answer"}, "From": {lanPhone}})
	e.post(t, twilio.StatusPath, func() url.Values { f := callForm("CAunknown", "completed"); return f }())
	e.post(t, twilio.StatusPath, url.Values{"CallStatus": {"completed"}})
	for _, sid := range []string{"CA400:missed", "CAunknown", "CAunknown:missed"} {
		if _, err := e.st.FindByProviderMessage(ctx, "twilio", sid); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Errorf("%s stored from bad input (%v)", sid, err)
		}
	}
	page, err := e.st.Timeline(ctx, e.lan.ID, 10, "")
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("timeline holds %d touchpoints, want the call alone (%v)", len(page.Items), err)
	}
}

// An agent without a phone cannot be dialled and is skipped; a busy agent
// rings only for a VIP or urgent caller; least loaded first.
func TestChooseSkipsAgentsWhoCannotBeDialled(t *testing.T) {
	mk := func(id, phone string, load int, langs ...string) domain.Agent {
		return domain.Agent{ID: id, Phone: phone, Voice: true, VoiceAvailable: true, Status: domain.AgentAvailable, Load: load, MaxConcurrent: 2, Languages: langs}
	}
	agents := []domain.Agent{mk("nophone", "", 0, "vi"), mk("full", "+84903333333", 2, "vi"), mk("busy", "+84904444444", 1, "vi"),
		mk("free", "+84905555555", 0, "vi"), mk("english", "+14155550100", 0, "en"), mk("oncall", "+84906666666", 0, "vi")}
	agents[5].OnCall = "CA9"
	ids := func(as []domain.Agent) string {
		var s []string
		for _, a := range as {
			s = append(s, a.ID)
		}
		return strings.Join(s, ",")
	}
	if got := ids(voice.Choose(agents, "vi", false, 3)); got != "free,busy" {
		t.Errorf("ordinary caller rings %s, want free,busy", got)
	}
	if got := ids(voice.Choose(agents, "vi", true, 3)); got != "free,busy,full" {
		t.Errorf("VIP caller rings %s, want free,busy,full", got)
	}
	if got := ids(voice.Choose(agents, "vi", true, 1)); got != "free" {
		t.Errorf("N=1 rings %s", got)
	}
}

// A call an agent placed (click-to-call) gets its TwiML from the bridge
// route, which dials the customer from the business number, and its status
// callbacks land on its touchpoint.
func TestClickToCallBridgeAndStatusUpdates(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.post(t, "/webhooks/twilio/voice", callForm("CA500", "ringing"))
	conv := e.conversation(t)
	if _, _, err := e.st.RecordOutbound(ctx, domain.Touchpoint{CustomerID: e.lan.ID, ConversationID: conv.ID, Channel: domain.ChannelVoice,
		Kind: domain.KindCall, Provider: "twilio", ProviderMessageID: "CA501", Status: domain.StatusQueued}); err != nil {
		t.Fatal(err)
	}
	out := url.Values{"CallSid": {"CA501"}, "From": {business}, "To": {maiPhone}, "Direction": {"outbound-api"}, "AccountSid": {"AC00000000000000000000000000000000"}}
	out.Set("CallStatus", "in-progress")
	br := decode(t, e.post(t, twilio.BridgePath+"?conv="+conv.ID, out).Body)
	if br.Dial == nil || len(br.Dial.Numbers) != 1 || br.Dial.Numbers[0].Value != lanPhone || br.Dial.CallerID != business ||
		br.Dial.Action != testsecrets.PublicBaseURL+twilio.BridgedPath+"?conv="+conv.ID {
		t.Fatalf("bridge %+v", br.Dial)
	}
	// Her first response: a call back she does not pick up leaves it owed; one she takes meets it.
	if _, err := e.st.EditConversation(ctx, conv.ID, func(c *domain.Conversation) error {
		c.SLA = domain.SLA{Metric: "first_response", SLAClock: domain.SLAClock{StartedAt: e.st.Now().Add(-time.Minute),
			DueAt: e.st.Now().Add(14 * time.Minute), WarnAt: e.st.Now().Add(11 * time.Minute)}}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	bridged := strings.TrimPrefix(br.Dial.Action, testsecrets.PublicBaseURL)
	dialed := url.Values{"CallSid": {"CA501"}, "DialCallSid": {"CA502"}, "DialCallStatus": {"no-answer"}, "AccountSid": out["AccountSid"]}
	e.post(t, bridged, dialed)
	if c, err := e.st.GetConversation(ctx, conv.ID); err != nil || !c.SLA.MetAt.IsZero() || !c.FirstResponseAt.IsZero() {
		t.Fatalf("after a call back she did not take: met %v, first response %v (%v)", c.SLA.MetAt, c.FirstResponseAt, err)
	}
	dialed.Set("DialCallStatus", "completed")
	dialed.Set("DialCallDuration", "95")
	e.post(t, bridged, dialed)
	if c, err := e.st.GetConversation(ctx, conv.ID); err != nil || c.SLA.MetAt.IsZero() || c.FirstResponseAt.IsZero() {
		t.Fatalf("after a call back she took: met %v, first response %v (%v)", c.SLA.MetAt, c.FirstResponseAt, err)
	}
	// A conversation that is not (erased, or a forged id) hangs up; nothing is created.
	unknown := "con_01JZZZZZZZZZZZZZZZZZZZZZZZ"
	if !domain.ValidID(domain.ConversationIDPrefix, unknown) {
		t.Fatalf("%s is not a well-formed id: the check below would not reach the store", unknown)
	}
	if r := e.post(t, twilio.BridgedPath+"?conv="+unknown, dialed); r.StatusCode != 200 || !strings.Contains(r.Body, "<Hangup") {
		t.Fatalf("bridged for an unknown conversation: %d %s", r.StatusCode, r.Body)
	}
	if _, err := e.st.GetConversation(ctx, unknown); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("bridged for an unknown conversation left one: %v", err)
	}
	for _, st := range []string{"ringing", "in-progress", "completed"} {
		out.Set("CallStatus", st)
		e.post(t, twilio.StatusPath, out)
	}
	tp, err := e.st.FindByProviderMessage(ctx, "twilio", "CA501")
	if err != nil || tp.Status != domain.StatusDelivered {
		t.Fatalf("outbound call status %q (%v)", tp.Status, err)
	}
	if _, err := e.st.FindByProviderMessage(ctx, "twilio", "CA501:missed"); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("our own call became a missed call")
	}
}

// With call recording configured the bridged call is recorded and the
// recording link lands on the call touchpoint.
func TestRecordedCallKeepsItsRecordingLink(t *testing.T) {
	e := newEnv(t, func(c *webhook.Config) { c.VoiceRecordCalls = true })
	e.agent(t, "hung", hungPhn, 0)
	res := decode(t, e.post(t, "/webhooks/twilio/voice", callForm("CA600", "ringing")).Body)
	if res.Dial == nil || res.Dial.Record != "record-from-answer" {
		t.Fatalf("<Dial record> %+v", res.Dial)
	}
	e.post(t, strings.TrimPrefix(res.Dial.Numbers[0].URL, testsecrets.PublicBaseURL), url.Values{"CallSid": {"CA600-h"}, "ParentCallSid": {"CA600"}})
	rec := "https://api.twilio.com/2010-04-01/Accounts/AC00000000000000000000000000000000/Recordings/RE0123456789abcdef0123456789abcdef"
	e.post(t, twilio.DialPath, url.Values{"CallSid": {"CA600"}, "DialCallStatus": {"completed"}, "DialCallDuration": {"42"}, "RecordingUrl": {rec}})
	call, err := e.st.FindByProviderMessage(context.Background(), "twilio", "CA600")
	if err != nil || call.Metadata[voice.MetaRecordingURL] != rec || call.Metadata[voice.MetaAnsweredBy] != "hung" || call.Metadata[voice.MetaDuration] != "42" {
		t.Fatalf("recorded call %+v %v", call.Metadata, err)
	}
}

// Outside business hours nobody is rung: she hears that the business is
// closed, in her language, and can leave a voicemail.
func TestOutsideHoursGoesToVoicemail(t *testing.T) {
	e := newEnv(t)
	e.agent(t, "hung", hungPhn, 0)
	e.clk.advance(12 * time.Hour) // Friday 22:00 in Hà Nội
	ctx := context.Background()
	pol := `{"targets":{"urgent":{"firstResponse":"15m","nextResponse":"30m","resolution":"4h"},"high":{"firstResponse":"1h","nextResponse":"2h","resolution":"8h"},` +
		`"normal":{"firstResponse":"4h","nextResponse":"8h","resolution":"24h"},"low":{"firstResponse":"24h","nextResponse":"48h","resolution":"72h"}},` +
		`"calendar":{"timeZone":"Asia/Ho_Chi_Minh","weekly":{"friday":[{"start":"08:00","end":"17:30"}]}}}`
	team, err := teams.FromEnv(stage.DefaultTeam, pol, []string{"vi"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.CreateTeam(ctx, team); err != nil {
		t.Fatal(err)
	}
	res := decode(t, e.post(t, "/webhooks/twilio/voice", callForm("CA700", "ringing")).Body)
	if res.Dial != nil || res.Record == nil || len(res.Says) == 0 || !strings.Contains(res.Says[0].Text, "ngoài giờ làm việc") {
		t.Fatalf("outside hours: %+v", res)
	}
}
