package stack_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/scripts/devstack/devjwt"
	"github.com/concierge-cx/concierge/scripts/devstack/stack"
	"github.com/concierge-cx/concierge/shared/channels/twilio"
	"github.com/concierge-cx/concierge/shared/domain"
)

// callTwiML is what Twilio acts on in the stack's answers.
type callTwiML struct {
	Says []struct {
		Language string `xml:"language,attr"`
		Text     string `xml:",chardata"`
	} `xml:"Say"`
	Dial *struct {
		CallerID string `xml:"callerId,attr"`
		Numbers  []struct {
			URL   string `xml:"url,attr"`
			Value string `xml:",chardata"`
		} `xml:"Number"`
	} `xml:"Dial"`
	Record *struct{} `xml:"Record"`
}

// TestPhoneCallsThroughTheWholeStack plays issue 18's four scenarios against `make dev`'s stack (the real
// bootstrap binaries behind the local gateway, the emulators, the routing lanes and the provider sandbox), with
// Twilio's requests signed as Twilio signs them:
//  1. a known VIP calls; her assigned agent is available with a phone: the TwiML dials that agent with a
//     whisper naming her; the agent answers: a call touchpoint with the agent and the duration;
//  2. nobody can take her next call: voicemail offered in Vietnamese; she hangs up before the beep (Twilio
//     says "completed"): a missed call all the same, and the conversation owes a call back within the urgent
//     first-response target;
//  3. her third call, missed too within ten minutes, makes the conversation urgent with the reason shown;
//  4. the agent clicks call back: the sandbox records the outbound call, its status callbacks land on the
//     timeline, the call back is satisfied.
func TestPhoneCallsThroughTheWholeStack(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	out := &syncBuilder{b: &strings.Builder{}}
	st, err := stack.Start(ctx, stack.Options{
		DataDir: t.TempDir(), Prefix: fmt.Sprintf("voice%d-", time.Now().UnixNano()%1e9), GatewayAddr: "127.0.0.1:0", SMTPAddr: "127.0.0.1:0",
		Out: out, Quiet: true,
		Getenv: func(k string) (string, bool) {
			switch k {
			case "DYNAMODB_ENDPOINT", "SQS_ENDPOINT", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY":
				return os.LookupEnv(k)
			}
			return "", false
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		st.Stop()
		cleanup(st)
		if t.Failed() {
			t.Logf("stack output:\n%s", out.String())
		}
	})
	agentID := stack.BannerAgentID
	token, err := devjwt.Mint(st.JWTSecret(), agentID, []string{"agent", "supervisor"}, nil, time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	const lan, business, agentPhone = "+84912345678", "+18335550143", "+84901111111"
	// The agent takes calls on their phone.
	status, body := call(t, st, token, http.MethodGet, "/agents/"+agentID, "")
	var ag struct {
		Version int64 `json:"version"`
	}
	_ = json.Unmarshal([]byte(body), &ag)
	if status != 200 {
		t.Fatalf("GET agent: %d %s", status, body)
	}
	if status, body := callIf(t, st, token, http.MethodPatch, "/agents/"+agentID, `{"phone":"0901 111 111","voice":true}`, ag.Version); status != 200 {
		t.Fatalf("PATCH agent phone: %d %s", status, body)
	}
	if status, body := call(t, st, token, http.MethodPut, "/agents/me/status", `{"status":"available","voice":true}`); status != 200 {
		t.Fatalf("PUT status: %d %s", status, body)
	}

	// Lan texts about her order: her conversation is assigned to the agent.
	twilioPost(t, st, "/webhooks/twilio/messages", url.Values{"MessageSid": {"SMvoice1"}, "SmsStatus": {"received"}, "From": {lan},
		"To": {business}, "Body": {"Đơn DH1024 của chị giao chưa em?"}, "ProfileName": {"Nguyễn Thị Lan"}})
	var custID, convID string
	waitFor(t, ctx, "Lan's conversation assigned to the agent", func() bool {
		s, b := call(t, st, token, http.MethodGet, "/customers?phone="+url.QueryEscape(lan), "")
		var page struct {
			Customers []struct {
				ID                 string `json:"id"`
				OpenConversationID string `json:"openConversationId"`
			} `json:"customers"`
		}
		if s != 200 || json.Unmarshal([]byte(b), &page) != nil || len(page.Customers) != 1 || page.Customers[0].OpenConversationID == "" {
			return false
		}
		custID, convID = page.Customers[0].ID, page.Customers[0].OpenConversationID
		return conversation(t, st, token, convID).AssigneeID == agentID
	})
	// She is a VIP.
	s, b := call(t, st, token, http.MethodGet, "/customers/"+custID, "")
	var cv struct {
		Version int64 `json:"version"`
	}
	if s != 200 || json.Unmarshal([]byte(b), &cv) != nil {
		t.Fatalf("GET customer: %d %s", s, b)
	}
	if s, b = callIf(t, st, token, http.MethodPatch, "/customers/"+custID, `{"tier":"vip","displayName":"Nguyễn Thị Lan","preferences":{"honorific":"chị"}}`, cv.Version); s != 200 {
		t.Fatalf("PATCH customer: %d %s", s, b)
	}

	// 1. She calls: her agent is dialled with a whisper naming her; the agent answers.
	answer := decodeCall(t, twilioPost(t, st, "/webhooks/twilio/voice", inboundCall("CAe2e1", "ringing", lan, business)))
	if answer.Dial == nil || len(answer.Dial.Numbers) != 1 || answer.Dial.Numbers[0].Value != agentPhone || answer.Dial.CallerID != business {
		t.Fatalf("her agent is not dialled: %+v", answer)
	}
	whisper, err := url.Parse(answer.Dial.Numbers[0].URL)
	if err != nil {
		t.Fatal(err)
	}
	heard := decodeCall(t, twilioPost(t, st, whisper.Path+"?"+whisper.RawQuery, url.Values{"CallSid": {"CAe2e1-agent"}, "ParentCallSid": {"CAe2e1"},
		"From": {business}, "To": {agentPhone}, "CallStatus": {"in-progress"}, "Direction": {"outbound-dial"}}))
	if len(heard.Says) != 1 || !strings.Contains(heard.Says[0].Text, "Lan") || !strings.Contains(heard.Says[0].Text, "VIP") {
		t.Fatalf("whisper %+v", heard.Says)
	}
	twilioPost(t, st, twilio.DialPath, url.Values{"CallSid": {"CAe2e1"}, "DialCallStatus": {"completed"}, "DialCallDuration": {"95"},
		"DialCallSid": {"CAe2e1-agent"}, "From": {lan}, "To": {business}})
	twilioPost(t, st, twilio.StatusPath, inboundCall("CAe2e1", "completed", lan, business))
	callTP := touchpoint(t, st, token, custID, func(tp domain.Touchpoint) bool { return tp.ProviderMessageID == "CAe2e1" })
	if callTP.Metadata["answeredBy"] != agentID || callTP.Metadata["durationSeconds"] != "95" {
		t.Fatalf("answered call %+v", callTP.Metadata)
	}

	// 2. Nobody can take her next call (the agent stops taking calls): Vietnamese voicemail; she hangs up
	// before the beep and Twilio reports "completed": a missed call, a call back owed.
	if status, body := call(t, st, token, http.MethodPut, "/agents/me/status", `{"voice":false}`); status != 200 {
		t.Fatalf("PUT voice false: %d %s", status, body)
	}
	vm := decodeCall(t, twilioPost(t, st, "/webhooks/twilio/voice", inboundCall("CAe2e2", "ringing", lan, business)))
	if vm.Dial != nil || vm.Record == nil || len(vm.Says) == 0 || vm.Says[0].Language != "vi-VN" || !strings.Contains(vm.Says[0].Text, "lời nhắn") {
		t.Fatalf("no Vietnamese voicemail: %+v", vm)
	}
	twilioPost(t, st, twilio.StatusPath, inboundCall("CAe2e2", "completed", lan, business))
	missed := touchpoint(t, st, token, custID, func(tp domain.Touchpoint) bool { return tp.ProviderMessageID == "CAe2e2:missed" })
	var conv domain.Conversation
	waitFor(t, ctx, "a call back owed", func() bool {
		conv = conversation(t, st, token, convID)
		return conv.Callback.Owed()
	})
	if d := conv.Callback.DueAt.Sub(missed.ReceivedAt); d <= 0 || d > 15*time.Minute || conv.Callback.Label != "call back" {
		t.Fatalf("call back %+v due %v after the missed call", conv.Callback, d)
	}

	// 3. Her third call is missed too, within ten minutes: urgent, with the reason shown.
	twilioPost(t, st, "/webhooks/twilio/voice", inboundCall("CAe2e3", "ringing", lan, business))
	twilioPost(t, st, twilio.StatusPath, inboundCall("CAe2e3", "no-answer", lan, business))
	waitFor(t, ctx, "repeated missed calls urgent", func() bool {
		conv = conversation(t, st, token, convID)
		return conv.Priority == domain.PriorityUrgent && conv.Urgency != nil && len(conv.Urgency.Reasons) > 0 &&
			strings.HasPrefix(conv.Urgency.Reasons[0], "repeated_missed_calls: 2 missed calls within 10 minutes")
	})

	// 4. The agent calls her back: the sandbox records the call, its statuses land, the call back is done.
	s, b = call(t, st, token, http.MethodPost, "/conversations/"+convID+"/call", "")
	if s != 201 {
		t.Fatalf("call back: %d %s", s, b)
	}
	var placed struct {
		Touchpoint   domain.Touchpoint   `json:"touchpoint"`
		Conversation domain.Conversation `json:"conversation"`
	}
	if err := json.Unmarshal([]byte(b), &placed); err != nil {
		t.Fatal(err)
	}
	if placed.Conversation.Callback == nil || placed.Conversation.Callback.Owed() {
		t.Fatalf("call back not satisfied: %+v", placed.Conversation.Callback)
	}
	sid := placed.Touchpoint.ProviderMessageID
	var recorded bool
	for _, m := range st.Sandbox.Outbox() {
		recorded = recorded || (m.Provider == "twilio" && m.Channel == "voice" && m.ID == sid && m.To == agentPhone && m.From == business &&
			strings.Contains(m.Text, twilio.BridgePath+"?conv="+convID))
	}
	if !recorded {
		t.Fatalf("the sandbox did not record call %s: %+v", sid, st.Sandbox.Outbox())
	}
	bridge := decodeCall(t, twilioPost(t, st, twilio.BridgePath+"?conv="+convID, url.Values{"CallSid": {sid}, "From": {business},
		"To": {agentPhone}, "CallStatus": {"in-progress"}, "Direction": {"outbound-api"}}))
	if bridge.Dial == nil || len(bridge.Dial.Numbers) != 1 || bridge.Dial.Numbers[0].Value != lan {
		t.Fatalf("bridge %+v", bridge)
	}
	for _, cs := range []string{"ringing", "in-progress", "completed"} {
		twilioPost(t, st, twilio.StatusPath, url.Values{"CallSid": {sid}, "CallStatus": {cs}, "Direction": {"outbound-api"},
			"From": {business}, "To": {agentPhone}})
	}
	done := touchpoint(t, st, token, custID, func(tp domain.Touchpoint) bool { return tp.ProviderMessageID == sid })
	if done.Status != domain.StatusDelivered || done.Direction != domain.DirectionOut || done.Kind != domain.KindCall {
		t.Fatalf("outbound call on the timeline %+v", done)
	}
}

func inboundCall(sid, status, from, to string) url.Values {
	return url.Values{"CallSid": {sid}, "AccountSid": {"AC00000000000000000000000000000000"}, "From": {from}, "To": {to}, "Caller": {from},
		"Called": {to}, "CallStatus": {status}, "Direction": {"inbound"}, "ApiVersion": {"2010-04-01"}}
}

// twilioPost posts a form to a webhook route signed with the stack's Twilio auth token over the public URL.
func twilioPost(t *testing.T, st *stack.Stack, pathAndQuery string, form url.Values) string {
	t.Helper()
	sig := twilio.Signature(st.Secret("TWILIO_AUTH_TOKEN"), st.PublicBaseURL+pathAndQuery, form)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, st.GatewayURL+pathAndQuery, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("POST %s: %d %s", pathAndQuery, resp.StatusCode, b)
	}
	return string(b)
}

func decodeCall(t *testing.T, body string) callTwiML {
	t.Helper()
	var r callTwiML
	if err := xml.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("not TwiML: %v\n%s", err, body)
	}
	return r
}

func callIf(t *testing.T, st *stack.Stack, token, method, path, body string, version int64) (int, string) {
	t.Helper()
	return call(t, st, token, method, path, body, "If-Match", fmt.Sprintf(`"%d"`, version))
}

func conversation(t *testing.T, st *stack.Stack, token, id string) domain.Conversation {
	t.Helper()
	var c domain.Conversation
	if s, b := call(t, st, token, http.MethodGet, "/conversations/"+id, ""); s == 200 {
		_ = json.Unmarshal([]byte(b), &c)
	}
	return c
}

// touchpoint waits for the customer's timeline to hold a touchpoint that matches.
func touchpoint(t *testing.T, st *stack.Stack, token, customerID string, match func(domain.Touchpoint) bool) domain.Touchpoint {
	t.Helper()
	var found domain.Touchpoint
	waitFor(t, t.Context(), "a touchpoint on the timeline", func() bool {
		s, b := call(t, st, token, http.MethodGet, "/customers/"+customerID+"/timeline?limit=50", "")
		var page struct {
			Items []domain.Touchpoint `json:"items"`
		}
		if s != 200 || json.Unmarshal([]byte(b), &page) != nil {
			return false
		}
		for _, tp := range page.Items {
			if match(tp) {
				found = tp
				return true
			}
		}
		return false
	})
	return found
}

// waitFor polls cond until it holds, failing after 20 s.
func waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
