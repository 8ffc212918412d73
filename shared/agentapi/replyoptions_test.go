package agentapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

type replyOptionJSON struct {
	Channel  string    `json:"channel"`
	Free     bool      `json:"free"`
	Rule     string    `json:"rule"`
	Until    time.Time `json:"until"`
	Current  bool      `json:"current"`
	Reason   string    `json:"reason"`
	Source   string    `json:"source"`
	Fallback struct {
		Kind  string `json:"kind"`
		Ready bool   `json:"ready"`
		Note  string `json:"note"`
	} `json:"fallback"`
}

func replyOptions(t *testing.T, e *env, conv, token string) map[string]replyOptionJSON {
	t.Helper()
	res := e.gw.do(t, "GET", "/conversations/"+conv, token, "")
	if res.Status != http.StatusOK {
		t.Fatalf("get: %d %s", res.Status, res.Body)
	}
	var v struct {
		ReplyOptions []replyOptionJSON `json:"replyOptions"`
	}
	if err := json.Unmarshal([]byte(res.Body), &v); err != nil {
		t.Fatal(err)
	}
	out := map[string]replyOptionJSON{}
	for _, o := range v.ReplyOptions {
		out[o.Channel] = o
	}
	return out
}

// Before typing, the agent sees per channel whether a free reply may go now
// and until when; once WhatsApp's window closed, that only a template may go
// and that none is configured; her phone can still take an SMS. A reply sent
// anyway is on the timeline as failed with the rule's reason.
func TestConversationShowsReplyOptions(t *testing.T) {
	e := newEnv(t)
	sup := e.supervisor(t, "sup-options")
	out := e.inbound(t, "+84912345678", "wamid.opt1", "Chào shop")
	conv := out.Touchpoint.ConversationID
	wrote := e.clk.now()

	opts := replyOptions(t, e, conv, sup)
	wa, ok := opts["whatsapp"]
	if !ok || !wa.Free || !wa.Current || !wa.Until.Equal(wrote.Add(24*time.Hour)) || wa.Rule != "whatsapp.service_window" ||
		!strings.HasPrefix(wa.Source, "https://developers.facebook.com/") {
		t.Fatalf("whatsapp option: %+v (all %+v)", wa, opts)
	}
	if sms, ok := opts["sms"]; !ok || !sms.Free || sms.Current {
		t.Fatalf("sms option: %+v", sms)
	}

	e.clk.advance(25 * time.Hour)
	sup = e.supervisor(t, "sup-options") // a fresh token for the next day
	wa = replyOptions(t, e, conv, sup)["whatsapp"]
	if wa.Free || wa.Fallback.Kind != "whatsapp_template" || wa.Fallback.Ready || !strings.Contains(wa.Fallback.Note, "WHATSAPP_TEMPLATE_NAME") ||
		!strings.Contains(wa.Reason, "25h00m ago") {
		t.Fatalf("closed window: %+v", wa)
	}
	sent := len(e.wa.messages())
	res := e.gw.do(t, "POST", "/conversations/"+conv+"/messages", sup, `{"text":"Dạ shop xin lỗi vì trả lời muộn"}`)
	if res.Status != http.StatusConflict || !strings.Contains(res.Body, "WHATSAPP_TEMPLATE_NAME") || len(e.wa.messages()) != sent {
		t.Fatalf("reply: %d %s", res.Status, res.Body)
	}
	// On the timeline: failed, with the rule, the reason and the fallback.
	got := e.gw.do(t, "GET", "/conversations/"+conv, sup, "")
	var v struct {
		Touchpoints []struct {
			Direction string            `json:"direction"`
			Status    string            `json:"status"`
			Metadata  map[string]string `json:"metadata"`
		} `json:"touchpoints"`
	}
	_ = json.Unmarshal([]byte(got.Body), &v)
	if len(v.Touchpoints) == 0 {
		t.Fatalf("no touchpoints: %s", got.Body)
	}
	tp := v.Touchpoints[0]
	md := tp.Metadata
	if tp.Direction != "out" || tp.Status != "failed" || md["policyRule"] != "whatsapp.service_window" || !strings.Contains(md["policyReason"], "24 hours") ||
		!strings.HasPrefix(md["policyFallback"], "whatsapp_template") {
		t.Fatalf("failed reply: %+v", tp)
	}
}
