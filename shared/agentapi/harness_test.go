package agentapi_test

import (
	"context"
	"encoding/json"
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
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/concierge-cx/concierge/scripts/devstack/devjwt"
	"github.com/concierge-cx/concierge/shared/agentapi"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/httpapi"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/outbound"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/stage"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/testenv"
	"github.com/concierge-cx/concierge/shared/urgency"
)

const jwtSecret = "agentapi-test-secret"

type clock struct{ t atomic.Int64 }

func (c *clock) now() time.Time          { return time.Unix(0, c.t.Load()).UTC() }
func (c *clock) advance(d time.Duration) { c.t.Add(int64(d)) }

func quiet() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

// whatsApp is a test server speaking the WhatsApp Cloud API's send endpoint,
// POST /v21.0/{phone-number-id}/messages, as Meta documents it.
type whatsApp struct {
	srv  *httptest.Server
	mu   sync.Mutex
	sent []waMessage
	fail int // the next sends Meta refuses (an undeliverable message)
}

// refuseNext makes Meta refuse the next n sends.
func (w *whatsApp) refuseNext(n int) { w.mu.Lock(); w.fail = n; w.mu.Unlock() }

type waMessage struct {
	To       string
	Type     string
	Body     string
	Template string // the template's name, for a "template" message
}

func newWhatsApp(t testing.TB) *whatsApp {
	w := &whatsApp{}
	w.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v21.0/1100220033/messages" || r.Header.Get("Authorization") != "Bearer wa-token" {
			rw.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(rw, `{"error":{"message":"Invalid OAuth access token","type":"OAuthException","code":190}}`)
			return
		}
		var body struct {
			MessagingProduct string `json:"messaging_product"`
			To               string `json:"to"`
			Type             string `json:"type"`
			Text             struct {
				Body string `json:"body"`
			} `json:"text"`
			Template struct {
				Name string `json:"name"`
			} `json:"template"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.MessagingProduct != "whatsapp" {
			rw.WriteHeader(http.StatusBadRequest)
			return
		}
		w.mu.Lock()
		if w.fail > 0 {
			w.fail--
			w.mu.Unlock()
			rw.Header().Set("Content-Type", "application/json")
			rw.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(rw, `{"error":{"message":"(#131026) Message undeliverable","type":"OAuthException","code":131026}}`)
			return
		}
		w.sent = append(w.sent, waMessage{To: body.To, Type: body.Type, Body: body.Text.Body, Template: body.Template.Name})
		n := len(w.sent)
		w.mu.Unlock()
		rw.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(rw).Encode(map[string]any{
			"messaging_product": "whatsapp",
			"contacts":          []map[string]string{{"input": body.To, "wa_id": body.To}},
			"messages":          []map[string]string{{"id": "wamid.out" + strings.Repeat("x", n)}},
		})
	}))
	t.Cleanup(w.srv.Close)
	return w
}

func (w *whatsApp) messages() []waMessage {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]waMessage(nil), w.sent...)
}

// sender adapts shared/outbound to routing.Sender, as functions/agentapi does.
type sender struct{ r *outbound.Dispatcher }

func (s sender) Send(ctx context.Context, m routing.Outbound) (routing.Sent, error) {
	return routing.ChannelSender{Router: s.r}.Send(ctx, m)
}

type notes struct {
	mu   sync.Mutex
	list []routing.Event
}

func (n *notes) Notify(_ context.Context, e routing.Event) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.list = append(n.list, e)
	return nil
}

func (n *notes) events() []routing.Event {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]routing.Event(nil), n.list...)
}

type jobs struct {
	mu   sync.Mutex
	list []ingest.Job
}

func (j *jobs) Publish(_ context.Context, job ingest.Job) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.list = append(j.list, job)
	return nil
}

type env struct {
	db     *dynamodb.Client
	table  string
	st     *store.Store
	clk    *clock
	api    *agentapi.API
	wa     *whatsApp
	ses    *sesCapture
	notes  *notes
	ing    *ingest.Service
	jobs   *jobs
	router *routing.Router
	gw     *gateway
}

func newEnv(t testing.TB) *env {
	t.Helper()
	db, table := testenv.NewTable(t)
	clk := &clock{}
	clk.t.Store(time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC).UnixNano()) // Friday 09:00 in Hà Nội
	st := store.New(db, table, store.WithClock(clk.now))
	wa := newWhatsApp(t)
	ses := newSES(t)
	out := sender{r: outbound.New(outbound.Config{MetaGraphBase: wa.srv.URL, MetaGraphVersion: "v21.0", MetaAccessToken: "wa-token", MetaPhoneNumberID: "1100220033",
		SESFromAddress: "Shop <support@shop.example>", ReplyDomain: "reply.shop.example"},
		wa.srv.Client(), ses.client(), outbound.WithClock(clk.now), outbound.WithLogger(quiet()))}
	scorer, err := urgency.NewScorer(urgency.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	n := &notes{}
	j := &jobs{}
	router := &routing.Router{Store: st, Sender: out, Notifier: n, Config: routing.DefaultConfig(), Log: quiet()}
	api := agentapi.New(agentapi.Config{Settings: stage.Settings{TableName: table}, FeedbackLinkBase: "https://shop.example/feedback"}, st, out,
		agentapi.WithRouter(router), agentapi.WithNotifier(n), agentapi.WithScorer(scorer), agentapi.WithLogger(quiet()), agentapi.WithReplyPolicy(out.r))
	ing := &ingest.Service{Store: st, Jobs: j, Normalizer: domain.Normalizer{DefaultRegion: "VN"}, Scorer: scorer, Log: quiet()}
	return &env{db: db, table: table, st: st, clk: clk, api: api, wa: wa, ses: ses, notes: n, ing: ing, jobs: j, router: router, gw: &gateway{api: api, now: clk.now}}
}

// inbound delivers a WhatsApp message through ingest and routing, as the
// webhooks and router functions do.
func (e *env) inbound(t testing.TB, phone, msgID, text string) ingest.Outcome {
	t.Helper()
	out, err := e.ing.Ingest(context.Background(), domain.Inbound{
		Provider: "meta", Channel: domain.ChannelWhatsApp, Kind: domain.KindMessage, ProviderMessageID: msgID,
		Identities: []domain.RawIdentity{{Kind: domain.KindWhatsApp, Value: phone}}, Text: text, OccurredAt: e.clk.now(), ProfileName: "Nguyễn Thị Lan",
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.router.Route(context.Background(), out.Job); err != nil {
		t.Fatal(err)
	}
	return out
}

// gateway stands in for API Gateway: it matches the deployed route table
// (shared/httpapi/routes.go), refuses a missing, forged or expired token with 401
// before the function runs, as the JWT authorizer does (devjwt checks the
// token the same way), and passes the claims on in the payload 2.0 event.
type gateway struct {
	api *agentapi.API
	now func() time.Time
}

type response struct {
	Status  int
	Headers map[string]string
	Body    string
}

func (r response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("decoding %q: %v", r.Body, err)
	}
}

func (r response) errorCode() string {
	var b struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	_ = json.Unmarshal([]byte(r.Body), &b)
	return b.Error.Code
}

// do sends one request and checks the response against docs/openapi.yaml.
func (g *gateway) do(t testing.TB, method, target, token, body string, headers ...string) response {
	t.Helper()
	res, route := g.send(t, method, target, token, body, headers...)
	validate(t, method, target, route, res)
	return res
}

// send is the gateway itself; route is the agent API's route key it
// matched ("" when none: the gateway's own 404).
func (g *gateway) send(t testing.TB, method, target, token, body string, headers ...string) (res response, route string) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rt, params, found := httpapi.NewRouteTable(httpapi.DeployedRoutes()).Match(method, u.Path)
	if !found || rt.Function != httpapi.AgentAPI {
		return response{Status: http.StatusNotFound, Headers: map[string]string{"content-type": "application/json"}, Body: `{"message":"Not Found"}`}, ""
	}
	req := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: rt.Key(), RawPath: u.EscapedPath(), RawQueryString: u.RawQuery,
		Headers: map[string]string{"content-type": "application/json"}, PathParameters: params, Body: body,
		RequestContext: events.APIGatewayV2HTTPRequestContext{RouteKey: rt.Key(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: u.Path}},
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Headers[strings.ToLower(headers[i])] = headers[i+1]
	}
	if q := u.Query(); len(q) > 0 {
		req.QueryStringParameters = map[string]string{}
		for k, v := range q {
			req.QueryStringParameters[k] = strings.Join(v, ",")
		}
	}
	if rt.JWT {
		v, err := devjwt.Verify(jwtSecret, token, g.now())
		if token == "" || err != nil {
			return response{Status: http.StatusUnauthorized, Headers: map[string]string{"content-type": "application/json"}, Body: `{"message":"Unauthorized"}`}, rt.Key()
		}
		req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: v.Claims, Scopes: v.Scopes}}
	}
	out, err := g.api.Handle(context.Background(), req)
	if err != nil {
		t.Fatalf("%s %s: handler error %v", method, target, err)
	}
	return response{Status: out.StatusCode, Headers: out.Headers, Body: out.Body}, rt.Key()
}

// token mints a token as Cognito would issue it.
func (e *env) token(t testing.TB, sub string, groups []string, extra map[string]any) string {
	t.Helper()
	tok, err := devjwt.Mint(jwtSecret, sub, groups, extra, e.clk.now(), 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (e *env) agent(t testing.TB, id string, teams ...string) string {
	t.Helper()
	if len(teams) == 0 {
		teams = []string{"support"}
	}
	if _, err := e.st.PutAgent(context.Background(), domain.Agent{ID: id, Name: id, Languages: []string{"vi", "en"}, Teams: teams,
		MaxConcurrent: 3, Status: domain.AgentOffline}); err != nil {
		t.Fatal(err)
	}
	return e.token(t, id, []string{agentapi.RoleAgent}, nil)
}

func (e *env) supervisor(t testing.TB, id string) string {
	t.Helper()
	if _, err := e.st.PutAgent(context.Background(), domain.Agent{ID: id, Name: id, Teams: []string{"support", "supervisors"},
		MaxConcurrent: 5, Status: domain.AgentOffline, Supervisor: true}); err != nil {
		t.Fatal(err)
	}
	return e.token(t, id, []string{agentapi.RoleAgent, agentapi.RoleSupervisor}, nil)
}

func (e *env) partner(t testing.TB, id string) string {
	return e.token(t, "partner-user-"+id, []string{agentapi.RolePartner}, map[string]any{agentapi.ClaimPartnerID: id})
}
