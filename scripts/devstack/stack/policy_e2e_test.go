package stack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/scripts/devstack/devjwt"
	"github.com/concierge-cx/concierge/scripts/devstack/stack"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/urgency"
)

// noJobs drops routing jobs: the seeded messages are old, their routing (and acknowledgement) long done.
type noJobs struct{}

func (noJobs) Publish(context.Context, ingest.Job) error { return nil }

// TestSendPolicyThroughTheStack runs the real functions with a ZNS template configured (ZALO_ZNS_TEMPLATE_ID,
// no consulting package): a Zalo customer who wrote 3 days ago gets the agent's reply as that template to
// her phone; a Messenger customer who wrote 30 hours ago gets the agent's reply tagged HUMAN_AGENT, and the
// survey the resolve owes is not sent and says why on her timeline. Their messages are stored through
// ingest with their old times (the webhooks rightly refuse a signed event a day old).
func TestSendPolicyThroughTheStack(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	prefix := fmt.Sprintf("pol%d-", time.Now().UnixNano()%1e9)
	var logs strings.Builder
	out := &syncBuilder{b: &logs}
	shell := map[string]string{"ZALO_ZNS_TEMPLATE_ID": "248613"}
	st, err := stack.Start(ctx, stack.Options{
		DataDir: t.TempDir(), Prefix: prefix, GatewayAddr: "127.0.0.1:0", SMTPAddr: "127.0.0.1:0", Out: out, Quiet: true,
		Getenv: func(k string) (string, bool) {
			switch k {
			case "DYNAMODB_ENDPOINT", "SQS_ENDPOINT", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY":
				return os.LookupEnv(k)
			}
			v, ok := shell[k]
			return v, ok
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
	token, err := devjwt.Mint(st.JWTSecret(), stack.BannerAgentID, []string{"agent", "supervisor"}, nil, time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	scorer, err := urgency.NewScorer(urgency.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	ing := &ingest.Service{Store: store.New(st.DynamoDB(), st.Table), Jobs: noJobs{}, Normalizer: domain.Normalizer{DefaultRegion: "VN"}, Scorer: scorer}
	seed := func(in domain.Inbound) string {
		t.Helper()
		o, err := ing.Ingest(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return o.Touchpoint.ConversationID
	}
	sent := func(match func(stack.Sent) bool) (stack.Sent, bool) {
		for _, m := range st.Sandbox.Outbox() {
			if match(m) {
				return m, true
			}
		}
		return stack.Sent{}, false
	}

	// Zalo, 3 days ago, her phone known from the contact card she shared.
	zaloConv := seed(domain.Inbound{Provider: "zalo", Channel: domain.ChannelZalo, Kind: domain.KindMessage, ProviderMessageID: prefix + "zalo-1",
		Identities: []domain.RawIdentity{{Kind: domain.KindZalo, Value: "2512523625412515123"}, {Kind: domain.KindPhone, Value: "0912345678"}},
		Text:       "Shop ơi đơn A123 của em sao chưa giao?", OccurredAt: time.Now().Add(-72 * time.Hour), ProfileName: "Trần Thị Mai"})
	status, body := call(t, st, token, http.MethodGet, "/conversations/"+zaloConv, "")
	if status != http.StatusOK || !strings.Contains(body, `"kind":"zns_template"`) || !strings.Contains(body, `"template":"248613"`) {
		t.Fatalf("reply options before typing: %d %s", status, body)
	}
	reply := "Dạ đơn A123 đã giao cho đơn vị vận chuyển hôm nay ạ"
	if status, body := call(t, st, token, http.MethodPost, "/conversations/"+zaloConv+"/messages", `{"text":"`+reply+`"}`); status != http.StatusCreated ||
		!strings.Contains(body, `"policyFallback":"zns_template"`) {
		t.Fatalf("zalo reply: %d %s", status, body)
	}
	zns, ok := sent(func(m stack.Sent) bool { return m.Channel == "zns" })
	var params map[string]string
	_ = json.Unmarshal([]byte(zns.Params), &params)
	if !ok || zns.To != "84912345678" || zns.Template != "248613" || params["message"] != reply || params["customer_name"] != "Trần Thị Mai" {
		t.Fatalf("ZNS not sent as configured: %+v (outbox %+v)", zns, st.Sandbox.Outbox())
	}
	if _, ok := sent(func(m stack.Sent) bool { return m.Channel == "zalo" }); ok {
		t.Fatal("a free-form Zalo message went out beyond the free replies")
	}

	// Messenger, 30 hours ago.
	psid := "6783254321234567"
	msgrConv := seed(domain.Inbound{Provider: "meta", Channel: domain.ChannelMessenger, Kind: domain.KindMessage, ProviderMessageID: prefix + "m-1",
		Identities: []domain.RawIdentity{{Kind: domain.KindMessenger, Value: psid}}, Text: "Cho mình đổi size áo được không?",
		OccurredAt: time.Now().Add(-30 * time.Hour), ProfileName: "Lê Văn Nam"})
	if status, body := call(t, st, token, http.MethodPost, "/conversations/"+msgrConv+"/messages", `{"text":"Dạ được ạ, anh gửi lại áo giúp shop"}`); status != http.StatusCreated ||
		!strings.Contains(body, `"policyTag":"HUMAN_AGENT"`) {
		t.Fatalf("messenger reply: %d %s", status, body)
	}
	tagged, ok := sent(func(m stack.Sent) bool { return m.Channel == "messenger" && m.To == psid })
	if !ok || tagged.Tag != "HUMAN_AGENT" {
		t.Fatalf("messenger reply not tagged HUMAN_AGENT: %+v", tagged)
	}
	status, body = call(t, st, token, http.MethodPost, "/conversations/"+msgrConv+"/resolve", "")
	var resolved struct {
		Survey struct {
			Sent    bool `json:"sent"`
			Pending bool `json:"pending"`
		} `json:"survey"`
	}
	_ = json.Unmarshal([]byte(body), &resolved)
	if status != http.StatusOK || resolved.Survey.Sent || resolved.Survey.Pending {
		t.Fatalf("resolve: %d %s", status, body)
	}
	n := 0
	for _, m := range st.Sandbox.Outbox() {
		if m.Channel == "messenger" && m.To == psid {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d messenger messages sent, want only the agent's reply", n)
	}
	// Her timeline says why the survey did not go.
	status, body = call(t, st, token, http.MethodGet, "/conversations/"+msgrConv, "")
	var conv struct {
		Touchpoints []domain.Touchpoint `json:"touchpoints"`
	}
	_ = json.Unmarshal([]byte(body), &conv)
	var survey *domain.Touchpoint
	for i, tp := range conv.Touchpoints {
		if tp.Metadata["automatic"] == "survey" {
			survey = &conv.Touchpoints[i]
		}
	}
	if status != http.StatusOK || survey == nil || survey.Status != domain.StatusFailed || survey.Metadata["policyRule"] != "messenger.standard" ||
		!strings.Contains(survey.Metadata["policyReason"], "HUMAN_AGENT is for a person's reply") {
		t.Fatalf("survey on the timeline: %+v (%d %s)", survey, status, body)
	}
}
