package agentapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/agentapi"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/store/table"
)

// figures are the purchase figures the value work keeps on a profile
// (loyalty's recorder in production); tests set them on the stored profile.
type figures struct {
	Tier           string
	LifetimeValue  int64
	OrderCount     int
	LastPurchaseAt time.Time
	MedianGapDays  float64
}

func (e *env) setFigures(t testing.TB, customerID string, f figures) {
	t.Helper()
	// A real purchase puts her in the buyers' index the daily job reads;
	// the figures below then stand for her whole history.
	if _, err := e.st.RecordPurchase(context.Background(), store.Purchase{CustomerID: customerID, OrderID: "WB-" + f.LastPurchaseAt.Format("20060102150405"),
		Amount: f.LifetimeValue, Currency: "VND", Value: f.LifetimeValue, OccurredAt: f.LastPurchaseAt}); err != nil {
		t.Fatal(err)
	}
	vals := map[string]types.AttributeValue{}
	for k, v := range map[string]any{":tier": f.Tier, ":ltv": f.LifetimeValue, ":n": f.OrderCount, ":last": f.LastPurchaseAt, ":gap": f.MedianGapDays} {
		av, err := attributevalue.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		vals[k] = av
	}
	_, err := e.db.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName: aws.String(e.table),
		Key: map[string]types.AttributeValue{
			table.PK: &types.AttributeValueMemberS{Value: "C#" + customerID}, table.SK: &types.AttributeValueMemberS{Value: "P"},
		},
		UpdateExpression:          aws.String("SET tier = :tier, lifetimeValue = :ltv, orderCount = :n, lastPurchaseAt = :last, medianPurchaseGapDays = :gap"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: vals,
	})
	if err != nil {
		t.Fatal(err)
	}
}

type winbackList struct {
	Day       *string `json:"day"`
	Customers []struct {
		CustomerID            string `json:"customerId"`
		Reason                string `json:"reason"`
		ValueAtRisk           int64  `json:"valueAtRisk"`
		DaysSinceLastPurchase *int   `json:"daysSinceLastPurchase"`
		LastSatisfaction      *struct {
			Score int `json:"score"`
		} `json:"lastSatisfaction"`
		LastConversation *struct {
			ID string `json:"id"`
		} `json:"lastConversation"`
		Channel    string    `json:"channel"`
		OutreachAt time.Time `json:"outreachAt"`
	} `json:"customers"`
}

func (l winbackList) ids() []string {
	var out []string
	for _, c := range l.Customers {
		out = append(out, c.CustomerID)
	}
	return out
}

func (e *env) winback(t *testing.T, tok string) winbackList {
	t.Helper()
	var l winbackList
	e.mustDo(t, http.StatusOK, "GET", "/winback", tok, "").decode(t, &l)
	return l
}

// resolveAndScore resolves the customer's conversation and answers its
// survey through the link with score.
func (e *env) resolveAndScore(t *testing.T, tok, convID string, score string) {
	t.Helper()
	e.mustDo(t, http.StatusOK, "POST", "/conversations/"+convID+"/resolve", tok, "")
	if score == "" {
		return
	}
	all := e.wa.messages()
	link := all[len(all)-1].Body
	i := strings.Index(link, "https://shop.example/feedback/")
	if i < 0 {
		t.Fatalf("the survey carries no link: %q", link)
	}
	token := strings.Fields(link[i+len("https://shop.example/feedback/"):])[0]
	e.mustDo(t, http.StatusCreated, "POST", "/feedback/"+token, "", `{"score":`+score+`}`)
}

// A vip whose last purchase is older than twice her usual gap is on the
// win-back list with the value at risk; the outreach goes to her WhatsApp
// as the approved template (she last wrote days ago), her reply takes her
// off the list, and "HỦY" opts her out so the next outreach is refused.
// A low score since the last purchase lists a customer of any tier; a
// purchase or a dismissal takes one off.
func TestAVIPWhoWentQuietIsWonBackAndThenOptsOut(t *testing.T) {
	e := newEnv(t)
	e.ing.Aftercare = ingest.StandardAftercare(e.st, nil, quiet())
	sup := e.supervisor(t, "sup-binh")
	e.mustDo(t, http.StatusOK, "PUT", "/agents/me/status", sup, `{"status":"available"}`)

	lan := e.inbound(t, "0912345678", "wamid.lan-1", "Shop ơi áo lụa còn size M không ạ?")
	e.resolveAndScore(t, sup, lan.Job.ConversationID, "")
	minh := e.inbound(t, "0903111222", "wamid.minh-1", "Giao hàng chậm quá")
	e.resolveAndScore(t, sup, minh.Job.ConversationID, "2")
	hoa := e.inbound(t, "0903333444", "wamid.hoa-1", "Cảm ơn shop")
	e.resolveAndScore(t, sup, hoa.Job.ConversationID, "")
	tuan := e.inbound(t, "0903555666", "wamid.tuan-1", "Chào shop")
	e.resolveAndScore(t, sup, tuan.Job.ConversationID, "")

	e.clk.advance(72 * time.Hour) // WhatsApp's 24-hour window is long closed
	sup = e.token(t, "sup-binh", []string{agentapi.RoleAgent, agentapi.RoleSupervisor}, nil)
	now := e.clk.now()
	day := 24 * time.Hour
	e.setFigures(t, lan.Customer.ID, figures{domain.TierVIP, 12_000_000, 4, now.Add(-100 * day), 30})
	e.setFigures(t, hoa.Customer.ID, figures{domain.TierValued, 2_000_000, 2, now.Add(-20 * day), 40})
	e.setFigures(t, tuan.Customer.ID, figures{domain.TierVIP, 9_000_000, 1, now.Add(-120 * day), 0})
	e.setFigures(t, minh.Customer.ID, figures{domain.TierStandard, 500_000, 1, now.Add(-10 * day), 0})

	var ran struct{ Listed int }
	e.mustDo(t, http.StatusOK, "POST", "/winback/run", sup, "").decode(t, &ran)
	if ran.Listed != 3 {
		t.Fatalf("listed %d, want lan, tuan and minh", ran.Listed)
	}
	l := e.winback(t, sup)
	if got, want := strings.Join(l.ids(), ","), strings.Join([]string{lan.Customer.ID, tuan.Customer.ID, minh.Customer.ID}, ","); got != want {
		t.Fatalf("list %s, want lan, tuan, minh (most value at risk first)", got)
	}
	first := l.Customers[0]
	// 12,000,000 over 4 orders, one every 30 days: 3,000,000 × 365 / 30.
	if first.ValueAtRisk != 36_500_000 || first.Reason != "lapsed" || first.DaysSinceLastPurchase == nil || *first.DaysSinceLastPurchase != 100 ||
		first.LastConversation == nil || first.LastConversation.ID != lan.Job.ConversationID || first.Channel != "whatsapp" {
		t.Fatalf("lan on the list: %+v", first)
	}
	if m := l.Customers[2]; m.Reason != "unhappy" || m.LastSatisfaction == nil || m.LastSatisfaction.Score != 2 || m.ValueAtRisk != 500_000 {
		t.Fatalf("minh on the list: %+v", m)
	}
	agent := e.agent(t, "agent-an")
	e.mustDo(t, http.StatusForbidden, "GET", "/winback", agent, "")

	// Dismissed until he buys again: today's list and a second run agree.
	e.mustDo(t, http.StatusBadRequest, "POST", "/winback/"+tuan.Customer.ID+"/dismiss", sup, `{"reason":" "}`)
	e.mustDo(t, http.StatusOK, "POST", "/winback/"+tuan.Customer.ID+"/dismiss", sup, `{"reason":"moved abroad"}`)
	e.mustDo(t, http.StatusOK, "POST", "/winback/run", sup, "")
	if got := e.winback(t, sup).ids(); len(got) != 2 || got[0] != lan.Customer.ID || got[1] != minh.Customer.ID {
		t.Fatalf("after dismissing tuan: %v", got)
	}

	// The outreach: bad bodies first.
	e.mustDo(t, http.StatusBadRequest, "POST", "/winback/"+lan.Customer.ID+"/outreach", sup, `{}`)
	e.mustDo(t, http.StatusBadRequest, "POST", "/winback/"+lan.Customer.ID+"/outreach", sup, `{"text":"a","template":"b"}`)
	before := len(e.wa.messages())
	var sent struct {
		Touchpoint   domain.Touchpoint   `json:"touchpoint"`
		Conversation domain.Conversation `json:"conversation"`
	}
	e.mustDo(t, http.StatusCreated, "POST", "/winback/"+lan.Customer.ID+"/outreach", sup, `{"template":"winback_vi"}`).decode(t, &sent)
	msgs := e.wa.messages()
	if len(msgs) != before+1 || msgs[before].To != "84912345678" || msgs[before].Type != "template" || msgs[before].Template != "winback_vi" {
		t.Fatalf("WhatsApp received %+v, want the winback_vi template to 84912345678", msgs[before:])
	}
	if tp := sent.Touchpoint; tp.Kind != domain.KindOutreach || tp.Direction != domain.DirectionOut || tp.Channel != domain.ChannelWhatsApp ||
		tp.Status != domain.StatusSent || tp.Metadata["template"] != "true" {
		t.Fatalf("outreach touchpoint %+v", tp)
	}
	if c := sent.Conversation; c.AssigneeID != "sup-binh" || c.CustomerID != lan.Customer.ID || c.Closed() {
		t.Fatalf("outreach conversation %+v, want open and the caller's", c)
	}
	l = e.winback(t, sup)
	if len(l.Customers) != 2 || l.Customers[0].OutreachAt.IsZero() {
		t.Fatalf("after the outreach lan stays on the list, marked: %+v", l.Customers)
	}

	// She answers: off the list.
	e.clk.advance(time.Hour)
	e.inbound(t, "0912345678", "wamid.lan-2", "Dạ em cảm ơn shop, cuối tuần em ghé ạ")
	if got := e.winback(t, sup).ids(); len(got) != 1 || got[0] != minh.Customer.ID {
		t.Fatalf("after lan's reply: %v, want only minh", got)
	}
	// Minh buys: off the list.
	e.setFigures(t, minh.Customer.ID, figures{domain.TierStandard, 900_000, 2, e.clk.now(), 10})
	if got := e.winback(t, sup).ids(); len(got) != 0 {
		t.Fatalf("after minh's purchase: %v, want nobody", got)
	}

	// "HỦY", and its redelivery, opt her out of WhatsApp once.
	e.clk.advance(time.Minute)
	e.inbound(t, "0912345678", "wamid.lan-3", "HỦY")
	if _, err := e.ing.Ingest(context.Background(), domain.Inbound{Provider: "meta", Channel: domain.ChannelWhatsApp, Kind: domain.KindMessage,
		ProviderMessageID: "wamid.lan-3", Identities: []domain.RawIdentity{{Kind: domain.KindWhatsApp, Value: "0912345678"}}, Text: "HỦY",
		OccurredAt: e.clk.now()}); err != nil {
		t.Fatal(err)
	}
	var cu struct {
		Consent map[string]domain.Consent `json:"consent"`
	}
	e.mustDo(t, http.StatusOK, "GET", "/customers/"+lan.Customer.ID, sup, "").decode(t, &cu)
	if c, ok := cu.Consent["whatsapp"]; !ok || !c.OptedOut || c.Source != "keyword:HỦY" || !c.At.Equal(e.clk.now().Truncate(time.Millisecond)) {
		t.Fatalf("consent %+v, want whatsapp opted out by keyword:HỦY now", cu.Consent)
	}
	page, err := e.st.Timeline(context.Background(), lan.Customer.ID, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	consents := 0
	for _, tp := range page.Items {
		if tp.Kind == domain.KindConsent {
			consents++
		}
	}
	if consents != 1 {
		t.Fatalf("%d consent touchpoints, want one however often the message arrives", consents)
	}
	before = len(e.wa.messages())
	res := e.mustDo(t, http.StatusConflict, "POST", "/winback/"+lan.Customer.ID+"/outreach", sup, `{"text":"Shop có ưu đãi mới cho chị"}`)
	if res.errorCode() != "opted_out" || len(e.wa.messages()) != before {
		t.Fatalf("outreach after HỦY: %s, and %d messages went", res.Body, len(e.wa.messages())-before)
	}
	// A reply to her own message still goes.
	e.mustDo(t, http.StatusCreated, "POST", "/conversations/"+sent.Conversation.ID+"/messages", sup, `{"text":"Dạ shop đã ngừng gửi tin khuyến mãi cho chị ạ."}`)
}

// An outreach goes once per purchase cycle: a second call is refused, a
// send Meta refused gives the claim back, and an attempt that never finished
// (it may have gone out) is sent again only when the supervisor confirms it
// after checking the timeline.
func TestAWinbackOutreachGoesOncePerPurchaseCycle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	sup := e.supervisor(t, "sup-binh")
	e.mustDo(t, http.StatusOK, "PUT", "/agents/me/status", sup, `{"status":"available"}`)
	lan := e.inbound(t, "0912345678", "wamid.once-lan", "Shop ơi áo lụa còn size M không ạ?")
	e.resolveAndScore(t, sup, lan.Job.ConversationID, "")
	mai := e.inbound(t, "0903111222", "wamid.once-mai", "Chào shop")
	e.resolveAndScore(t, sup, mai.Job.ConversationID, "")
	e.clk.advance(72 * time.Hour)
	sup = e.token(t, "sup-binh", []string{agentapi.RoleAgent, agentapi.RoleSupervisor}, nil)
	now, day := e.clk.now(), 24*time.Hour
	e.setFigures(t, lan.Customer.ID, figures{domain.TierVIP, 12_000_000, 4, now.Add(-100 * day), 30})
	e.setFigures(t, mai.Customer.ID, figures{domain.TierVIP, 9_000_000, 3, now.Add(-101 * day), 30})
	outreach := func(id, body string, want int) response {
		t.Helper()
		return e.mustDo(t, want, "POST", "/winback/"+id+"/outreach", sup, body)
	}

	// Meta refuses the first send: recorded as failed, the claim given back, the next call goes.
	e.wa.refuseNext(1)
	if res := e.gw.do(t, "POST", "/winback/"+lan.Customer.ID+"/outreach", sup, `{"template":"winback_vi"}`); res.Status < 400 {
		t.Fatalf("a refused send answered %d %s", res.Status, res.Body)
	}
	before := len(e.wa.messages())
	outreach(lan.Customer.ID, `{"template":"winback_vi"}`, http.StatusCreated)
	// A second click sends nothing.
	if res := outreach(lan.Customer.ID, `{"template":"winback_vi"}`, http.StatusConflict); !strings.Contains(res.Body, "was sent to her") {
		t.Fatalf("a second outreach: %s", res.Body)
	}
	if n := len(e.wa.messages()) - before; n != 1 {
		t.Fatalf("%d outreach messages went to lan, want 1", n)
	}

	// An attempt for Mai began and never finished (the process died after the send, say).
	maiNow, err := e.st.GetCustomer(ctx, mai.Customer.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.ClaimWinbackOutreach(ctx, mai.Customer.ID, maiNow.LastPurchaseAt, "sup-binh", e.clk.now().Add(-2*time.Minute), false); err != nil {
		t.Fatal(err)
	}
	before = len(e.wa.messages())
	if res := outreach(mai.Customer.ID, `{"template":"winback_vi"}`, http.StatusConflict); !strings.Contains(res.Body, "being sent") {
		t.Fatalf("outreach while an attempt is in flight: %s", res.Body)
	}
	e.clk.advance(3 * time.Minute)
	sup = e.token(t, "sup-binh", []string{agentapi.RoleAgent, agentapi.RoleSupervisor}, nil)
	if res := outreach(mai.Customer.ID, `{"template":"winback_vi"}`, http.StatusConflict); !strings.Contains(res.Body, "confirmResend") {
		t.Fatalf("outreach after an unfinished attempt: %s", res.Body)
	}
	if n := len(e.wa.messages()) - before; n != 0 {
		t.Fatalf("%d messages went to Mai while her earlier attempt was unresolved", n)
	}
	outreach(mai.Customer.ID, `{"template":"winback_vi","confirmResend":true}`, http.StatusCreated)
	if n := len(e.wa.messages()) - before; n != 1 {
		t.Fatalf("%d messages went to Mai after the confirmed resend, want 1", n)
	}
}
