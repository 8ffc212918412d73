// Package agentapi is the agent API function: the customer's context for
// the agent about to answer, work queues, claim and assign, replies on the
// customer's channel, notes, resolve with a satisfaction survey, and
// supervisor metrics. Agents, supervisors and partners are Cognito groups
// checked by API Gateway's JWT authorizer; this package reads the claims it
// passes on and decides what each role may see and do.
package agentapi

import (
	"context"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/httpapi"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/sla"
	"github.com/concierge-cx/concierge/shared/teams"
	"github.com/concierge-cx/concierge/shared/urgency"
)

// API serves the agent API. Store and Sender are required; Router (to pull
// waiting work when an agent frees a slot), Notifier (follow-ups) and Scorer
// (the urgency trend) are optional.
type API struct {
	Store    Storage
	Sender   routing.Sender
	Router   Router
	Notifier routing.Notifier
	Scorer   *urgency.Scorer
	// Teams reads teams and their SLA policies: the same resolver code the
	// router and the sweeper use.
	Teams      *teams.Resolver
	Normalizer domain.Normalizer
	// Attachments signs download links (optional: without it no file of
	// the attachments bucket can be downloaded).
	Attachments Presigner
	// Objects signs export links to, and deletes on erasure, the files of
	// the attachments and raw-mail buckets (optional).
	Objects Objects
	Config  Config
	// Loyalty records purchases and recomputes value tiers (issue 16).
	Loyalty Loyalty
	Log     *slog.Logger
	// VoiceStore and Caller serve phone calls (WithVoice); optional.
	VoiceStore VoiceStore
	Caller     Caller
	// Policy previews the send policy's answer per channel (optional).
	Policy ReplyPolicy

	table    *httpapi.RouteTable
	handlers map[string]endpoint
}

// Option adjusts an API.
type Option func(*API)

// WithRouter lets an agent who becomes available (or frees a slot) pull waiting work.
func WithRouter(r Router) Option { return func(a *API) { a.Router = r } }

// WithNotifier tells supervisors about follow-ups.
func WithNotifier(n routing.Notifier) Option { return func(a *API) { a.Notifier = n } }

// WithScorer enables the urgency trend of the customer view.
func WithScorer(s *urgency.Scorer) Option { return func(a *API) { a.Scorer = s } }

// WithTeams sets the team resolver (default: the store's teams, the
// default team derived from Config).
func WithTeams(r *teams.Resolver) Option { return func(a *API) { a.Teams = r } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(a *API) { a.Log = l } }

// New builds the API.
func New(cfg Config, st Storage, sender routing.Sender, opts ...Option) *API {
	a := &API{Store: st, Sender: sender, Config: cfg.withDefaults(), Log: slog.Default()}
	a.Normalizer = domain.Normalizer{DefaultRegion: a.Config.DefaultPhoneRegion}
	for _, o := range opts {
		o(a)
	}
	a.loyaltyFrom(st)
	if a.Teams == nil {
		def, err := a.Config.DefaultTeamFromEnv()
		if err != nil {
			// The function's main validates the environment at cold start;
			// this is a library caller's mistake, and the defaults are safe.
			def = teams.Team{ID: a.Config.DefaultTeam, Name: a.Config.DefaultTeam, SLA: sla.DefaultPolicy()}
		}
		var src teams.Source
		if st != nil {
			src = st
		}
		a.Teams = teams.NewResolver(src, def)
	}
	a.handlers = map[string]endpoint{}
	var rs []httpapi.Route
	for _, e := range a.endpoints() {
		a.handlers[e.key] = e
		m, p, _ := strings.Cut(e.key, " ")
		rs = append(rs, httpapi.Route{Method: m, Path: p})
	}
	a.table = httpapi.NewRouteTable(rs)
	return a
}

// access says who may call a route.
type access int

const (
	staffOnly      access = iota // agent or supervisor
	supervisorOnly               // supervisor
	staffOrService               // agent, supervisor or a service (an order system's token)
	anyRole                      // agent, supervisor or partner (partners get a reduced view)
	public                       // no token (the single-use feedback link)
)

type endpoint struct {
	key    string // "METHOD /path/{param}", API Gateway's route key
	access access
	handle func(ctx context.Context, c *call) (reply, error)
}

// reply is a handler's successful answer.
type reply struct {
	status  int
	body    any
	headers map[string]string
}

func ok(body any) reply      { return reply{status: http.StatusOK, body: body} }
func created(body any) reply { return reply{status: http.StatusCreated, body: body} }

// call is one request as the handlers see it.
type call struct {
	req    events.APIGatewayV2HTTPRequest
	who    principal
	params map[string]string
	agent  domain.Agent // the staff caller's agent record (provisioned on first use)
}

func (a *API) endpoints() []endpoint {
	return []endpoint{
		{"GET /customers", staffOnly, a.findCustomers},
		{"GET /customers/{id}", anyRole, a.getCustomer},
		{"PATCH /customers/{id}", staffOnly, a.patchCustomer},
		{"GET /customers/{id}/timeline", staffOnly, a.timeline},
		{"GET /customers/{id}/touchpoints/{touchpointId}/attachments/{index}", staffOnly, a.attachment},
		{"POST /customers/{id}/merge", supervisorOnly, a.merge},
		{"GET /conversations", staffOnly, a.listConversations},
		{"GET /conversations/{id}", staffOnly, a.getConversation},
		{"POST /conversations/{id}/claim", staffOnly, a.claim},
		{"POST /conversations/{id}/assign", supervisorOnly, a.assign},
		{"POST /conversations/{id}/messages", staffOnly, a.reply},
		{"POST /conversations/{id}/notes", staffOnly, a.note},
		{"POST /conversations/{id}/resolve", staffOnly, a.resolve},
		{"POST /conversations/{id}/call", staffOnly, a.callBack},
		{"POST /feedback/{token}", public, a.feedback},
		{"PUT /agents/me/status", staffOnly, a.setStatus},
		{"GET /agents", staffOnly, a.listAgents},
		{"POST /agents", supervisorOnly, a.createAgent},
		{"GET /agents/me", staffOnly, a.getMe},
		{"GET /agents/{id}", staffOnly, a.getAgent},
		{"PATCH /agents/{id}", supervisorOnly, a.patchAgent},
		{"DELETE /agents/{id}", supervisorOnly, a.deactivateAgent},
		{"GET /teams", staffOnly, a.listTeams},
		{"GET /teams/{id}", staffOnly, a.getTeam},
		{"PUT /teams/{id}", supervisorOnly, a.putTeam},
		{"POST /conversations/{id}/transfer", supervisorOnly, a.transfer},
		{"GET /metrics", supervisorOnly, a.metrics},
		{"POST /customers/{id}/identities", staffOnly, a.addIdentity},
		{"DELETE /customers/{id}/identities/{kind}/{value}", supervisorOnly, a.removeIdentity},
		{"GET /duplicates", supervisorOnly, a.duplicates},
		{"POST /duplicates/{id}/dismiss", supervisorOnly, a.dismissDuplicate},
		{"POST /customers/{id}/purchases", staffOrService, a.recordPurchase},
		{"POST /customers/{id}/purchases/{orderId}/refund", staffOrService, a.refundPurchase},
		{"POST /tiers/recompute", supervisorOnly, a.recomputeTiers},
		{"GET /winback", supervisorOnly, a.winbackList},
		{"POST /winback/run", supervisorOnly, a.winbackRun},
		{"POST /winback/{id}/outreach", supervisorOnly, a.winbackOutreach},
		{"POST /winback/{id}/dismiss", supervisorOnly, a.winbackDismiss},
		{"GET /customers/{id}/export", supervisorOnly, a.exportCustomer},
		{"POST /customers/{id}/erase", supervisorOnly, a.eraseCustomer},
	}
}

// Routes lists the route keys the API serves, sorted.
func (a *API) Routes() []string {
	out := make([]string, 0, len(a.handlers))
	for k := range a.handlers {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// PublicRoutes lists the route keys served without a token.
func (a *API) PublicRoutes() []string {
	var out []string
	for k, e := range a.handlers {
		if e.access == public {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Handle is the Lambda handler for API Gateway HTTP API (payload 2.0) events.
func (a *API) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	start := time.Now()
	resp, who, route := a.serve(ctx, req)
	a.Log.Info("agentapi", "route", route, "status", resp.StatusCode, "caller", who.Subject,
		"ms", time.Since(start).Milliseconds())
	return resp, nil
}

func (a *API) serve(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, principal, string) {
	e, params, found := a.match(req)
	if !found {
		return httpapi.Error(domain.Errorf(domain.CodeNotFound, "no such route")), principal{}, ""
	}
	c := &call{req: req, params: params}
	if e.access != public {
		who, err := principalOf(req)
		if err != nil {
			return httpapi.Error(err), who, e.key
		}
		c.who = who
		if err := allowed(e.access, who); err != nil {
			return httpapi.Error(err), who, e.key
		}
		if who.staff() {
			ag, err := a.staffAgent(ctx, who)
			if err != nil {
				return httpapi.Error(err), who, e.key
			}
			c.agent = ag
		}
	}
	r, err := e.handle(ctx, c)
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeInternal || domain.ErrorCode(err) == domain.CodeUnavailable {
			a.Log.Error("agentapi failure", "route", e.key, "error", err.Error())
		}
		return httpapi.Error(err), c.who, e.key
	}
	resp := httpapi.JSON(r.status, r.body)
	for k, v := range r.headers {
		resp.Headers[k] = v
	}
	return resp, c.who, e.key
}

// match dispatches on API Gateway's route key, or on method and path when
// the event comes from the $default route.
func (a *API) match(req events.APIGatewayV2HTTPRequest) (endpoint, map[string]string, bool) {
	if e, ok := a.handlers[req.RouteKey]; ok {
		return e, req.PathParameters, true
	}
	method, path := req.RequestContext.HTTP.Method, req.RequestContext.HTTP.Path
	if path == "" {
		path = req.RawPath
	}
	r, params, ok := a.table.Match(method, path)
	if !ok {
		return endpoint{}, nil, false
	}
	return a.handlers[r.Key()], params, true
}

func allowed(ac access, who principal) error {
	switch ac {
	case anyRole:
		if who.staff() || who.partner() {
			return nil
		}
	case staffOnly:
		if who.staff() {
			return nil
		}
	case supervisorOnly:
		if who.supervisor() {
			return nil
		}
	case staffOrService:
		if who.staff() || who.service() {
			return nil
		}
	}
	return domain.Errorf(domain.CodeForbidden, "your role may not do this")
}
