package agentapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/agentapi"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/ingest"
)

type convList struct {
	Items []struct {
		ID         string          `json:"id"`
		Priority   domain.Priority `json:"priority"`
		AssigneeID string          `json:"assigneeId"`
		Team       string          `json:"team"`
		Urgency    *domain.Urgency `json:"urgency"`
		SLA        domain.SLA      `json:"sla"`
	} `json:"items"`
}

type customerBody struct {
	ID                  string  `json:"id"`
	SatisfactionAverage float64 `json:"satisfactionAverage"`
	SatisfactionCount   int     `json:"satisfactionCount"`
	Version             int64   `json:"version"`
	OpenConversation    *struct {
		ID string `json:"id"`
	} `json:"openConversation"`
	RecentTouchpoints []domain.Touchpoint `json:"recentTouchpoints"`
}

func TestAgentAnswersTheUrgentCustomerOnHerChannelAndHerScoresReachTheProfile(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// An agent whose own skill is VIP work: automatic routing leaves the
	// support queue to others, so she picks from it herself.
	an := e.agent(t, "agent-an", "vip")
	sup := e.supervisor(t, "sup-binh")

	e.inbound(t, "0987654321", "wamid.in-other", "Cho mình hỏi giá áo size M")
	e.clk.advance(time.Minute)
	first := e.inbound(t, "0912345678", "wamid.in-1", "GẤP!!! Tôi bị trừ tiền 2 lần mà không nhận được hàng")
	customerID, convID := first.Job.CustomerID, first.Job.ConversationID
	acks := len(e.wa.messages()) // the router's acknowledgements

	// The urgent queue: her conversation, urgent, first.
	res := e.gw.do(t, "GET", "/conversations?view=unassigned&team=support&priority=urgent", an, "")
	if res.Status != http.StatusOK {
		t.Fatalf("queue: %d %s", res.Status, res.Body)
	}
	var q convList
	res.decode(t, &q)
	if len(q.Items) != 1 || q.Items[0].ID != convID || q.Items[0].Priority != domain.PriorityUrgent || q.Items[0].Urgency == nil || len(q.Items[0].Urgency.Reasons) == 0 {
		t.Fatalf("urgent queue = %s", res.Body)
	}
	res = e.gw.do(t, "GET", "/conversations?view=unassigned&team=support", an, "")
	res.decode(t, &q)
	if len(q.Items) != 2 || q.Items[0].ID != convID {
		t.Fatalf("the urgent conversation must come first: %s", res.Body)
	}

	if res = e.gw.do(t, "PUT", "/agents/me/status", an, `{"status":"available"}`); res.Status != http.StatusOK {
		t.Fatalf("status: %d %s", res.Status, res.Body)
	}
	if res = e.gw.do(t, "POST", "/conversations/"+convID+"/claim", an, ""); res.Status != http.StatusOK {
		t.Fatalf("claim: %d %s", res.Status, res.Body)
	}
	// Claimed work is no longer anyone else's to claim.
	if res = e.gw.do(t, "POST", "/conversations/"+convID+"/claim", e.agent(t, "agent-chi"), ""); res.Status != http.StatusConflict {
		t.Fatalf("second claim: %d %s", res.Status, res.Body)
	}
	res = e.gw.do(t, "GET", "/conversations?view=mine", an, "")
	res.decode(t, &q)
	if len(q.Items) != 1 || q.Items[0].ID != convID || q.Items[0].AssigneeID != "agent-an" {
		t.Fatalf("mine = %s", res.Body)
	}

	// The context she reads before answering.
	res = e.gw.do(t, "GET", "/customers/"+customerID, an, "")
	var cu customerBody
	res.decode(t, &cu)
	if res.Status != http.StatusOK || cu.OpenConversation == nil || cu.OpenConversation.ID != convID || len(cu.RecentTouchpoints) == 0 {
		t.Fatalf("context: %d %s", res.Status, res.Body)
	}

	// The control for the absence check after the reply: before it, the
	// sweeper's index holds the conversation.
	if due, err := e.st.SLADue(ctx, e.clk.now().Add(48*time.Hour), 10); err != nil || !containsConv(due, convID) {
		t.Fatalf("an unanswered conversation is not in the SLA sweeper's index: %v", err)
	}

	e.clk.advance(4 * time.Minute)
	reply := "Chào chị Lan, em đã kiểm tra: khoản trừ thứ hai sẽ được hoàn trong hôm nay ạ."
	res = e.gw.do(t, "POST", "/conversations/"+convID+"/messages", an, fmt.Sprintf(`{"text":%q}`, reply))
	if res.Status != http.StatusCreated {
		t.Fatalf("reply: %d %s", res.Status, res.Body)
	}
	got := e.wa.messages()
	if len(got) != acks+1 || got[acks].To != "84912345678" || got[acks].Body != reply || got[acks].Type != "text" {
		t.Fatalf("WhatsApp received %+v, want the reply to 84912345678", got[acks:])
	}
	conv, err := e.st.GetConversation(ctx, convID)
	if err != nil {
		t.Fatal(err)
	}
	if conv.FirstResponseAt.IsZero() || conv.SLA.MetAt.IsZero() || len(conv.SLA.Breaches) != 0 {
		t.Fatalf("the first reply must meet the first-response target: %+v", conv.SLA)
	}
	if due, err := e.st.SLADue(ctx, e.clk.now().Add(48*time.Hour), 10); err != nil || containsConv(due, convID) {
		t.Fatalf("an answered conversation is still in the SLA sweeper's index (%v)", err)
	}
	tl, err := e.st.Timeline(ctx, customerID, 1, "")
	if err != nil || len(tl.Items) != 1 {
		t.Fatalf("timeline: %+v %v", tl, err)
	}
	if tp := tl.Items[0]; tp.Direction != domain.DirectionOut || tp.Text != reply || tp.ProviderMessageID == "" || tp.Status != domain.StatusSent {
		t.Fatalf("the reply is not on the timeline as sent: %+v", tp)
	}

	e.clk.advance(10 * time.Minute)
	if res = e.gw.do(t, "POST", "/conversations/"+convID+"/resolve", an, ""); res.Status != http.StatusOK {
		t.Fatalf("resolve: %d %s", res.Status, res.Body)
	}
	survey := e.wa.messages()[acks+1]
	if survey.To != "84912345678" || !strings.Contains(survey.Body, "Chị Lan ơi, chị chấm điểm hỗ trợ hôm nay từ 1 đến 5") &&
		!strings.Contains(survey.Body, "chấm điểm hỗ trợ hôm nay từ 1 đến 5") {
		t.Fatalf("survey = %+v", survey)
	}
	if ag, err := e.st.GetAgent(ctx, "agent-an"); err != nil || ag.Load != 0 {
		t.Fatalf("resolving must free the agent's slot; load %d (%v)", ag.Load, err)
	}

	// She answers "5" on WhatsApp: the ingest path hands it to TryBareScore.
	e.clk.advance(time.Minute)
	fb := e.api.Feedback()
	handled, err := fb.TryBareScore(ctx, ingest.SurveyAnswer{Identity: domain.Identity{Kind: domain.KindPhone, Value: "+84912345678"},
		Channel: domain.ChannelWhatsApp, Provider: "meta", ProviderMessageID: "wamid.in-5", Text: " 5 ", OccurredAt: e.clk.now()})
	if err != nil || !handled {
		t.Fatalf("bare 5: handled=%v err=%v", handled, err)
	}
	// A redelivery of the same "5" is not a second score.
	if handled, err := fb.TryBareScore(ctx, ingest.SurveyAnswer{Identity: domain.Identity{Kind: domain.KindPhone, Value: "+84912345678"},
		Channel: domain.ChannelWhatsApp, Provider: "meta", ProviderMessageID: "wamid.in-5", Text: "5", OccurredAt: e.clk.now()}); err != nil || handled {
		t.Fatalf("replayed 5: handled=%v err=%v", handled, err)
	}
	res = e.gw.do(t, "GET", "/customers/"+customerID, an, "")
	res.decode(t, &cu)
	if cu.SatisfactionCount != 1 || cu.SatisfactionAverage != 5 {
		t.Fatalf("after a 5: %s", res.Body)
	}

	// A second request, answered and resolved; this time she follows the
	// survey's link and gives a 1.
	e.clk.advance(time.Hour)
	second := e.inbound(t, "0912345678", "wamid.in-2", "Vẫn chưa thấy tiền hoàn")
	conv2 := second.Job.ConversationID
	if conv2 == convID {
		t.Fatal("a message after resolving must open a new conversation")
	}
	for i, step := range []struct{ path, body string }{
		{"/conversations/" + conv2 + "/claim", ""},
		{"/conversations/" + conv2 + "/messages", `{"text":"Em xin lỗi chị, em chuyển bộ phận kế toán ngay ạ."}`},
		{"/conversations/" + conv2 + "/resolve", ""},
	} {
		if i == 1 {
			e.clk.advance(2 * time.Minute)
		}
		if res = e.gw.do(t, "POST", step.path, an, step.body); res.Status >= 300 {
			t.Fatalf("%s: %d %s", step.path, res.Status, res.Body)
		}
	}
	all := e.wa.messages()
	link := all[len(all)-1].Body
	i := strings.Index(link, "https://shop.example/feedback/")
	if i < 0 {
		t.Fatalf("the survey carries no link: %q", link)
	}
	token := strings.Fields(link[i+len("https://shop.example/feedback/"):])[0]
	res = e.gw.do(t, "POST", "/feedback/"+token, "", `{"score":1,"comment":"Chờ quá lâu"}`)
	if res.Status != http.StatusCreated {
		t.Fatalf("feedback: %d %s", res.Status, res.Body)
	}
	if res = e.gw.do(t, "POST", "/feedback/"+token, "", `{"score":5}`); res.Status != http.StatusNotFound {
		t.Fatalf("a used link must be refused: %d %s", res.Status, res.Body)
	}
	res = e.gw.do(t, "GET", "/customers/"+customerID, an, "")
	res.decode(t, &cu)
	if cu.SatisfactionCount != 2 || cu.SatisfactionAverage != 3 {
		t.Fatalf("after a 5 and a 1: %s", res.Body)
	}

	// The 1 opened a follow-up in the supervisors' queue and told them.
	res = e.gw.do(t, "GET", "/conversations?view=unassigned&team=supervisors", sup, "")
	res.decode(t, &q)
	if len(q.Items) != 1 || q.Items[0].Priority != domain.PriorityHigh || q.Items[0].SLA.DueAt.IsZero() ||
		!strings.Contains(strings.Join(q.Items[0].Urgency.Reasons, ";"), "satisfaction 1/5") {
		t.Fatalf("supervisors' queue = %s", res.Body)
	}
	var followups int
	for _, ev := range e.notes.events() {
		if ev.Kind == "followup" && ev.ConversationID == q.Items[0].ID {
			followups++
		}
	}
	if followups != 1 {
		t.Fatalf("supervisors notified %d times about the follow-up", followups)
	}

	// The day's report.
	res = e.gw.do(t, "GET", "/metrics?from=2026-11-20&to=2026-11-20", sup, "")
	var rep agentapi.Report
	res.decode(t, &rep)
	if res.Status != http.StatusOK || rep.Resolved != 2 || rep.Satisfaction.Count != 2 || rep.Satisfaction.Average != 3 ||
		rep.VolumeByChannel[domain.ChannelWhatsApp] != 2 || rep.FirstResponse.Count != 2 || rep.FirstResponse.P50Seconds != 120 || rep.FirstResponse.P90Seconds != 240 ||
		rep.SLAAttainment[domain.PriorityUrgent].Rate != 1 {
		t.Fatalf("metrics: %d %s", res.Status, res.Body)
	}
}

func containsConv(list []domain.Conversation, id string) bool {
	for _, c := range list {
		if c.ID == id {
			return true
		}
	}
	return false
}
