package agentapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/concierge-cx/concierge/shared/agentapi"
	"github.com/concierge-cx/concierge/shared/channels/testsecrets"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/loyalty"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/stage"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/webhook"
)

// vipTeam answers vip customers around the clock, urgent ones within 5
// minutes (the default team: 15).
const vipTeam = `{"name":"VIP","languages":["vi","en"],"sla":{"warnAt":0.8,
 "targets":{"urgent":{"firstResponse":"5m","nextResponse":"10m","resolution":"2h"},
            "high":{"firstResponse":"30m","nextResponse":"1h","resolution":"4h"},
            "normal":{"firstResponse":"1h","nextResponse":"2h","resolution":"8h"},
            "low":{"firstResponse":"4h","nextResponse":"8h","resolution":"24h"}}}}`

// loyaltyEnv is the in-process stack of the agent API tests (DynamoDB Local,
// the WhatsApp test server) with the loyalty settings a stage would set, the
// webhooks function's order route, and a router serving vip by its team.
type loyaltyEnv struct {
	*env
	gw     *gateway
	hooks  *webhook.Handler
	router *routing.Router
	cfg    loyalty.Config
}

func newLoyaltyEnv(t *testing.T) *loyaltyEnv {
	e := newEnv(t)
	cfg := loyalty.Config{BusinessCurrency: "VND", CurrencyRates: "USD=25000", SaleStageDays: 14, TierWindowDays: 365,
		TierVIPPercent: 80, TierValuedPercent: 15}
	api := agentapi.New(agentapi.Config{Settings: stage.Settings{TableName: e.st.Table()}, Loyalty: cfg}, e.st, e.router.Sender,
		agentapi.WithRouter(e.router), agentapi.WithLogger(quiet()))
	rates, err := cfg.Rates()
	if err != nil {
		t.Fatal(err)
	}
	hooks := webhook.New(webhook.Config{PublicBaseURL: testsecrets.PublicBaseURL}, e.ing, nil, webhook.WithLogger(quiet()), webhook.WithClock(e.clk.now),
		webhook.WithOrders(&loyalty.OrderWebhook{Secret: testsecrets.OrderWebhookSecret, Purchases: &loyalty.Purchases{Store: e.st, Rates: rates},
			Buyers: e.st, Normalizer: domain.Normalizer{DefaultRegion: "VN"}, Log: quiet()}))
	// The router as functions/router wires it, with TIER_TEAMS=vip=vip.
	fc := routing.FunctionConfig{QuietWindow: 30 * time.Minute}
	fc.DefaultTeam, fc.TierTeams = "support", "vip=vip"
	rcfg, err := fc.Routing()
	if err != nil {
		t.Fatal(err)
	}
	res, err := fc.Teams(e.st)
	if err != nil {
		t.Fatal(err)
	}
	router := &routing.Router{Store: e.st, Sender: e.router.Sender, Notifier: e.notes, Config: rcfg, Teams: res, Log: quiet()}
	return &loyaltyEnv{env: e, gw: &gateway{api: api, now: e.clk.now}, hooks: hooks, router: router, cfg: cfg}
}

// order posts a Shopify-shaped delivery signed with the shop's secret.
func (e *loyaltyEnv) order(t *testing.T, topic, deliveryID, body string, sig ...string) (int, string) {
	t.Helper()
	s := loyalty.ShopifySignature(testsecrets.OrderWebhookSecret, []byte(body))
	if len(sig) > 0 {
		s = sig[0]
	}
	out, err := e.hooks.Handle(context.Background(), events.APIGatewayV2HTTPRequest{
		Version: "2.0", RawPath: "/webhooks/orders",
		Headers: map[string]string{"content-type": "application/json", "x-shopify-hmac-sha256": s, "x-shopify-topic": topic,
			"x-shopify-webhook-id": deliveryID, "x-shopify-shop-domain": "shop.myshopify.com"},
		Body:           body,
		RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", Path: "/webhooks/orders"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.StatusCode, out.Body
}

type sale struct {
	customer string
	at       time.Time
	value    int64 // VND, net of refunds
}

type customerFigures struct {
	ID                    string    `json:"id"`
	Tier                  string    `json:"tier"`
	TierPinned            bool      `json:"tierPinned"`
	LifetimeValue         int64     `json:"lifetimeValue"`
	OrderCount            int       `json:"orderCount"`
	FirstPurchaseAt       time.Time `json:"firstPurchaseAt"`
	LastPurchaseAt        time.Time `json:"lastPurchaseAt"`
	MedianPurchaseGapDays float64   `json:"medianPurchaseGapDays"`
	Version               int64     `json:"version"`
}

// TestThirtyBuyersAreTieredByTheEightyTwentyRuleAndAVIPIsServedByHerTeam is
// issue 16's end-to-end case for items 1-3: 30 customers buy through the
// API and the order webhook (with refunds, a foreign currency and
// replays); the on-demand recompute marks vip exactly the set a direct
// computation gives; a vip customer's urgent message gets the vip team's
// targets, its agent and an acknowledgement promising its time.
func TestThirtyBuyersAreTieredByTheEightyTwentyRuleAndAVIPIsServedByHerTeam(t *testing.T) {
	e := newLoyaltyEnv(t)
	ctx := context.Background()
	sup := e.supervisor(t, "sup-binh")
	now := e.clk.now()
	var sales []sale
	ids := map[int]string{}

	// 15 customers who wrote on WhatsApp before; their purchases come
	// through the API (staff, and an order system's service token).
	service := e.token(t, "svc-pos", []string{agentapi.RoleService}, nil)
	for i := 0; i < 15; i++ {
		phone := fmt.Sprintf("+8491234%04d", i)
		r, err := e.st.ResolveCustomer(ctx, []domain.Identity{{Kind: domain.KindPhone, Value: phone}}, fmt.Sprintf("Khách %d", i))
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = r.Customer.ID
		for k := 0; k < 1+i%3; k++ {
			at := now.AddDate(0, -(k*3 + i%4), -i)
			amount := int64((i*i*7919+k*104729)%5000+100) * 1000
			tok := sup
			if k == 1 {
				tok = service
			}
			body := fmt.Sprintf(`{"orderId":"POS-%d-%d","amount":"%d","currency":"VND","channel":"store","occurredAt":%q,
				"items":[{"name":"Áo dài lụa","sku":"AD-%d","quantity":1,"price":"%d"}]}`, i, k, amount, at.Format(time.RFC3339), i, amount)
			res := e.gw.do(t, "POST", "/customers/"+ids[i]+"/purchases", tok, body)
			if res.Status != http.StatusCreated {
				t.Fatalf("purchase %d/%d: %d %s", i, k, res.Status, res.Body)
			}
			sales = append(sales, sale{ids[i], at, amount})
		}
	}
	// A big order two years ago is outside the 12-month window: it counts in
	// the lifetime value, not in the tiers.
	oldAt := now.AddDate(-2, 0, 0)
	if res := e.gw.do(t, "POST", "/customers/"+ids[7]+"/purchases", sup, fmt.Sprintf(`{"orderId":"OLD-1","amount":"900000000","occurredAt":%q}`, oldAt.Format(time.RFC3339))); res.Status != http.StatusCreated {
		t.Fatalf("old purchase: %d %s", res.Status, res.Body)
	}
	sales = append(sales, sale{ids[7], oldAt, 900000000})
	// One in dollars, converted at the configured rate (12.50 USD = 312 500 đ).
	usdAt := now.AddDate(0, -1, 0)
	res := e.gw.do(t, "POST", "/customers/"+ids[3]+"/purchases", sup, fmt.Sprintf(`{"orderId":"WEB-USD-1","amount":"12.50","currency":"USD","occurredAt":%q}`, usdAt.Format(time.RFC3339)))
	if res.Status != http.StatusCreated {
		t.Fatalf("USD purchase: %d %s", res.Status, res.Body)
	}
	sales = append(sales, sale{ids[3], usdAt, 312500})
	// A replay of an order changes nothing.
	before := e.figures(t, sup, ids[3])
	res = e.gw.do(t, "POST", "/customers/"+ids[3]+"/purchases", sup, fmt.Sprintf(`{"orderId":"WEB-USD-1","amount":"12.50","currency":"USD","occurredAt":%q}`, usdAt.Format(time.RFC3339)))
	if res.Status != http.StatusOK || !strings.Contains(res.Body, `"duplicate":true`) {
		t.Fatalf("replayed purchase: %d %s", res.Status, res.Body)
	}
	if after := e.figures(t, sup, ids[3]); after != before {
		t.Fatalf("a replay changed the profile: %+v -> %+v", before, after)
	}
	// A partial refund through the API, exactly once.
	for range 2 {
		res = e.gw.do(t, "POST", "/customers/"+ids[3]+"/purchases/WEB-USD-1/refund", sup, `{"refundId":"r1","amount":"2.50","currency":"USD","reason":"size"}`)
		if res.Status != http.StatusCreated && res.Status != http.StatusOK {
			t.Fatalf("refund: %d %s", res.Status, res.Body)
		}
	}
	sales = append(sales, sale{ids[3], usdAt, -62500})

	// Bad input: each refused with its code, nothing written.
	for _, c := range []struct {
		name, path, body string
		status           int
	}{
		{"unknown currency", "/customers/" + ids[1] + "/purchases", `{"orderId":"X-1","amount":"10","currency":"JPY"}`, 400},
		{"negative amount", "/customers/" + ids[1] + "/purchases", `{"orderId":"X-2","amount":"-10","currency":"VND"}`, 400},
		{"refund of an unknown order", "/customers/" + ids[1] + "/purchases/NOPE/refund", `{}`, 404},
		{"refund above the order", "/customers/" + ids[3] + "/purchases/WEB-USD-1/refund", `{"refundId":"r2","amount":"11","currency":"USD"}`, 400},
		{"unknown customer", "/customers/cus_01KAAAAAAAAAAAAAAAAAAAAAAA/purchases", `{"orderId":"X-3","amount":"10"}`, 404},
	} {
		res := e.gw.do(t, "POST", c.path, sup, c.body)
		if res.Status != c.status || res.errorCode() == "" {
			t.Errorf("%s: %d %s, want %d with a code", c.name, res.Status, res.Body, c.status)
		}
	}
	if res := e.gw.do(t, "POST", "/customers/"+ids[1]+"/purchases", e.partner(t, "dist-1"), `{"orderId":"P-1","amount":"10"}`); res.Status != http.StatusForbidden {
		t.Errorf("a partner recorded a purchase: %d", res.Status)
	}
	if res := e.gw.do(t, "POST", "/tiers/recompute", service, ``); res.Status != http.StatusForbidden {
		t.Errorf("a service recomputed tiers: %d", res.Status)
	}

	// 15 more orders on the shop: the order webhook. Buyer 13 checks out
	// with customer 13's phone (the number she writes from on WhatsApp): the
	// same customer, as on every channel; buyer 14 is buyer 0 again (her
	// email in capitals, her phone).
	hookIDs := map[int]string{}
	for i := 0; i < 15; i++ {
		email := fmt.Sprintf("buyer%d@example.vn", i)
		if i == 14 {
			email = "BUYER0@example.vn" // the same person as buyer 0: one customer
		}
		at := now.AddDate(0, -(i % 11), -2*i)
		amount := int64((i*104729)%9000+500) * 1000
		body := fmt.Sprintf(`{"id":%d,"name":"#%d","email":%q,"phone":"09%08d","currency":"VND","total_price":"%d","financial_status":"paid",
			"source_name":"web","created_at":%q,"processed_at":%q,"customer":{"first_name":"Lan","last_name":"Nguyễn %d","email":%q},
			"line_items":[{"title":"Nón lá","sku":"NL-1","quantity":2,"price":"%d"}]}`,
			5500000000+i, 1000+i, email, 70000000+i, amount, at.Format(time.RFC3339), at.Format(time.RFC3339), i, email, amount/2)
		if i == 13 {
			body = strings.Replace(body, fmt.Sprintf(`"phone":"09%08d"`, 70000000+i), `"phone":"0912340013"`, 1)
		}
		if i == 14 {
			// Same email, the same phone as buyer 0: the same customer.
			body = strings.Replace(body, fmt.Sprintf(`"phone":"09%08d"`, 70000000+i), fmt.Sprintf(`"phone":"09%08d"`, 70000000), 1)
		}
		for attempt := 0; attempt < 2; attempt++ { // every delivery twice: Shopify retries
			status, out := e.order(t, loyalty.TopicOrderPaid, fmt.Sprintf("wh-%d", i), body)
			if status != http.StatusOK {
				t.Fatalf("order webhook %d: %d %s", i, status, out)
			}
			var r loyalty.OrderResult
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatal(err)
			}
			if attempt == 1 && !r.Duplicate {
				t.Fatalf("a redelivery was not recognised: %s", out)
			}
			hookIDs[i] = r.CustomerID
		}
		sales = append(sales, sale{hookIDs[i], at, amount})
	}
	if hookIDs[14] != hookIDs[0] {
		t.Fatalf("the same buyer's email and phone made two customers: %s %s", hookIDs[0], hookIDs[14])
	}
	if hookIDs[13] != ids[13] {
		t.Fatalf("buyer 13's phone is customer 13's: %s, want %s", hookIDs[13], ids[13])
	}
	hookIDs[13], hookIDs[14] = "", ""
	// A signature that does not match is refused before anything is read.
	if status, _ := e.order(t, loyalty.TopicOrderPaid, "wh-forged", `{"id":1,"email":"x@example.vn","total_price":"1"}`, "AAAA"); status != http.StatusForbidden {
		t.Fatalf("forged delivery: %d", status)
	}
	// A refund on the shop (refunds/create), twice.
	refund := fmt.Sprintf(`{"id":9100001,"order_id":%d,"created_at":%q,"note":"damaged","transactions":[{"kind":"refund","status":"success","amount":"100000","currency":"VND"}]}`,
		5500000000+2, now.Format(time.RFC3339))
	for range 2 {
		if status, out := e.order(t, loyalty.TopicRefund, "wh-refund-1", refund); status != http.StatusOK {
			t.Fatalf("refund webhook: %d %s", status, out)
		}
	}
	sales = append(sales, sale{hookIDs[2], now.AddDate(0, -(2 % 11), -4), -100000})
	if status, _ := e.order(t, loyalty.TopicRefund, "wh-refund-x", `{"id":1,"order_id":42,"transactions":[{"kind":"refund","status":"success","amount":"1","currency":"VND"}]}`); status != http.StatusNotFound {
		t.Errorf("refund of an unknown order: %d, want 404", status)
	}

	// The profile's figures follow the purchases: customer 5 bought 3 times.
	f := e.figures(t, sup, ids[5])
	var want5 int64
	var times5 []time.Time
	for _, s := range sales {
		if s.customer == ids[5] {
			want5 += s.value
			times5 = append(times5, s.at)
		}
	}
	sort.Slice(times5, func(i, j int) bool { return times5[i].Before(times5[j]) })
	if f.LifetimeValue != want5 || f.OrderCount != 3 || !f.FirstPurchaseAt.Equal(times5[0].Truncate(time.Second)) || !f.LastPurchaseAt.Equal(times5[2].Truncate(time.Second)) {
		t.Errorf("customer 5's figures %+v, want value %d, 3 orders, %v..%v", f, want5, times5[0], times5[2])
	}
	g1, g2 := times5[1].Sub(times5[0]).Hours()/24, times5[2].Sub(times5[1]).Hours()/24
	if wantGap := (g1 + g2) / 2; f.MedianPurchaseGapDays < wantGap-0.01 || f.MedianPurchaseGapDays > wantGap+0.01 {
		t.Errorf("median gap %.2f, want %.2f", f.MedianPurchaseGapDays, wantGap)
	}
	if f3 := e.figures(t, sup, ids[3]); f3.LifetimeValue != sum(sales, ids[3]) {
		t.Errorf("customer 3: %d, want %d (net of the USD refund)", f3.LifetimeValue, sum(sales, ids[3]))
	}

	// A supervisor pins the most valuable customer as "valued".
	expected := directVIP(sales, now)
	top := expected[0]
	pinned := e.figures(t, sup, top)
	if res := e.gw.do(t, "PATCH", "/customers/"+top, sup, `{"tier":"valued","tierPinned":true}`, "If-Match", fmt.Sprintf(`"%d"`, pinned.Version)); res.Status != http.StatusOK {
		t.Fatalf("pin: %d %s", res.Status, res.Body)
	}

	res = e.gw.do(t, "POST", "/tiers/recompute", sup, ``)
	if res.Status != http.StatusOK {
		t.Fatalf("recompute: %d %s", res.Status, res.Body)
	}
	var rep loyalty.Report
	res.decode(t, &rep)
	all := append(mapValues(ids), mapValues(hookIDs)...)
	var gotVIP []string
	for _, id := range all {
		if id == "" {
			continue
		}
		if e.figures(t, sup, id).Tier == domain.TierVIP {
			gotVIP = append(gotVIP, id)
		}
	}
	sort.Strings(gotVIP)
	wantVIP := append([]string(nil), expected[1:]...)
	sort.Strings(wantVIP)
	if strings.Join(gotVIP, ",") != strings.Join(wantVIP, ",") {
		t.Fatalf("vip = %v\nwant %v (the smallest set bringing 80%% of 12 months' value, but the pinned one)", gotVIP, wantVIP)
	}
	if p := e.figures(t, sup, top); p.Tier != domain.TierValued || !p.TierPinned {
		t.Errorf("the pinned customer is %s", p.Tier)
	}
	if rep.Buyers != 28 || rep.Pinned != 1 || rep.Changed != 27 {
		t.Errorf("report %+v: 28 buyers (30 minus two who bought twice), 1 pinned, 27 given a first tier", rep)
	}
	// The change is on the timeline with its figures.
	vip := wantVIP[0]
	tl := e.gw.do(t, "GET", "/customers/"+vip+"/timeline", sup, "")
	if !strings.Contains(tl.Body, `"kind":"tier_change"`) || !strings.Contains(tl.Body, `"to":"vip"`) || !strings.Contains(tl.Body, `"kind":"purchase"`) {
		t.Errorf("timeline of a new vip: %s", tl.Body)
	}
	// Nothing changed: a second run writes nothing.
	res = e.gw.do(t, "POST", "/tiers/recompute", sup, ``)
	res.decode(t, &rep)
	if rep.Changed != 0 {
		t.Errorf("a second recompute changed %d tiers", rep.Changed)
	}

	// Service by value: the vip team (one agent, one slot) answers vip
	// customers within 5 minutes; support is everyone else.
	e.mustDo(t, 201, "PUT", "/teams/vip", sup, vipTeam)
	vipAgent := e.agent(t, "agent-vy", "vip")
	e.agent(t, "agent-son", "support")
	for _, id := range []string{"agent-vy", "agent-son"} {
		if _, err := e.st.SetAgentStatus(ctx, id, domain.AgentAvailable); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.st.UpdateAgent(ctx, "agent-vy", 1, store.AgentPatch{MaxConcurrent: ptr(1)}); err != nil {
		t.Fatal(err)
	}
	_ = vipAgent
	var vipIdx []int
	for i := 0; i < 15; i++ {
		for _, v := range wantVIP {
			if v == ids[i] {
				vipIdx = append(vipIdx, i)
			}
		}
	}
	if len(vipIdx) < 2 {
		t.Fatalf("the test needs two vip customers who wrote on WhatsApp, has %v", vipIdx)
	}
	acks := len(e.wa.messages())
	first := e.routeInbound(t, fmt.Sprintf("+8491234%04d", vipIdx[0]), "wamid.vip-1", "GẤP!!! Đơn hàng của tôi bị trừ tiền 2 lần")
	conv, err := e.st.GetConversation(ctx, first.Job.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	if conv.Team != "vip" || conv.AssigneeID != "agent-vy" || conv.Priority != domain.PriorityUrgent {
		t.Fatalf("vip's urgent message: team %s, assignee %s, %s", conv.Team, conv.AssigneeID, conv.Priority)
	}
	if d := conv.SLA.DueAt.Sub(conv.SLA.StartedAt); d != 5*time.Minute {
		t.Errorf("vip first-response target %v, want the vip team's 5m", d)
	}
	if conv.Urgency == nil || !containsPrefix(conv.Urgency.Reasons, "tier: tier vip") || len(conv.Urgency.Reasons) < 2 {
		t.Errorf("urgency reasons %v: its own reasons and the tier", conv.Urgency)
	}
	msgs := e.wa.messages()
	if len(msgs) != acks+1 || !strings.Contains(msgs[len(msgs)-1].Body, "5 phút") {
		t.Errorf("acknowledgement %v: it promises the vip team's 5 minutes", msgs[acks:])
	}
	// The conversation view shows the sale stage and the tier.
	cv := e.gw.do(t, "GET", "/conversations/"+conv.ID, sup, "")
	if !strings.Contains(cv.Body, `"tier":"vip"`) || !strings.Contains(cv.Body, `"saleStage":"`) {
		t.Errorf("conversation view: %s", cv.Body)
	}
	// The vip team is full: the next vip overflows to everyone available.
	second := e.routeInbound(t, fmt.Sprintf("+8491234%04d", vipIdx[1]), "wamid.vip-2", "Cho mình hỏi đơn hàng")
	conv2, err := e.st.GetConversation(ctx, second.Job.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	if conv2.Team != "vip" || conv2.AssigneeID != "agent-son" {
		t.Errorf("overflow: team %s, assignee %s; want the vip team's clock with agent-son", conv2.Team, conv2.AssigneeID)
	}
}

// routeInbound delivers a WhatsApp message through ingest and the vip-aware router.
func (e *loyaltyEnv) routeInbound(t *testing.T, phone, msgID, text string) ingest.Outcome {
	t.Helper()
	out, err := e.ing.Ingest(context.Background(), domain.Inbound{
		Provider: "meta", Channel: domain.ChannelWhatsApp, Kind: domain.KindMessage, ProviderMessageID: msgID,
		Identities: []domain.RawIdentity{{Kind: domain.KindWhatsApp, Value: phone}}, Text: text, OccurredAt: e.clk.now(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.router.Route(context.Background(), out.Job); err != nil {
		t.Fatal(err)
	}
	return out
}

func (e *loyaltyEnv) figures(t *testing.T, token, id string) customerFigures {
	t.Helper()
	res := e.gw.do(t, "GET", "/customers/"+id, token, "")
	if res.Status != http.StatusOK {
		t.Fatalf("GET customer %s: %d %s", id, res.Status, res.Body)
	}
	var f customerFigures
	res.decode(t, &f)
	return f
}

// directVIP computes the vip set from the sales as sent, independently of
// the job: value over the last 365 days per customer, sorted, and the
// smallest prefix whose sum reaches 80% of the total.
func directVIP(sales []sale, now time.Time) []string {
	value := map[string]int64{}
	for _, s := range sales {
		if !s.at.Before(now.AddDate(0, 0, -365)) {
			value[s.customer] += s.value
		}
	}
	type cv struct {
		id string
		v  int64
	}
	var list []cv
	var total int64
	for id, v := range value {
		list = append(list, cv{id, v})
		total += v
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].v != list[j].v {
			return list[i].v > list[j].v
		}
		return list[i].id < list[j].id
	})
	var out []string
	var acc int64
	for _, c := range list {
		if float64(acc) >= 0.8*float64(total) {
			break
		}
		out = append(out, c.id)
		acc += c.v
	}
	return out
}

func sum(sales []sale, id string) int64 {
	var v int64
	for _, s := range sales {
		if s.customer == id {
			v += s.value
		}
	}
	return v
}

func mapValues(m map[int]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func containsPrefix(list []string, p string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func ptr[T any](v T) *T { return &v }
