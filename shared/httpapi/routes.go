// The one route table of the HTTP API: every route's method, path, target function and authorization. The
// local gateway (scripts/devstack) serves exactly these and the CDK stack declares exactly these, so a route
// cannot exist in one and not the other.

package httpapi

import (
	"sort"
	"strings"
)

// Route is one HTTP API route.
type Route struct {
	Method string // GET, POST, ...
	// Path uses API Gateway's {param} placeholders, e.g. /customers/{id}/timeline.
	Path string
	// Function is the Lambda function the route integrates with; empty for a route the local gateway answers
	// itself (never deployed).
	Function string
	// JWT says the route sits behind the JWT authorizer (Cognito in AWS, HS256 with LOCAL_JWT_SECRET locally).
	JWT bool
}

// Key is API Gateway's route key, "METHOD /path/{param}".
func (r Route) Key() string { return r.Method + " " + r.Path }

// LocalOnly says the route exists in the local gateway only.
func (r Route) LocalOnly() bool { return r.Function == "" }

// Function names.
const (
	Webhooks = "webhooks"
	AgentAPI = "agentapi"
)

// HealthPath is the local gateway's own health route.
const HealthPath = "/healthz"

// webhookRoutes mirror shared/webhook.Routes(); a test holds them equal. They are listed here rather than
// read from that package so the CDK app can read this table without compiling the webhook handler.
var webhookRoutes = []string{
	"GET /webhooks/meta",
	"POST /webhooks/meta",
	"POST /webhooks/twilio/messages",
	"POST /webhooks/twilio/voice",
	"POST /webhooks/twilio/voice/status",
	"POST /webhooks/twilio/voice/recording",
	"POST /webhooks/twilio/voice/transcription",
	// Calls that reach a person (issue 18).
	"POST /webhooks/twilio/voice/dial",
	"POST /webhooks/twilio/voice/whisper",
	"POST /webhooks/twilio/voice/bridge",
	"POST /webhooks/twilio/voice/bridged",
	"POST /webhooks/telegram",
	"POST /webhooks/zalo",
	"POST /webhooks/vonage/messages",
	"POST /webhooks/vonage/status",
	"POST /webhooks/webchat",
	"POST /webhooks/orders",
}

// agentRoutes are the agent API of issue 7; every one needs a token but the single-use feedback link.
var agentRoutes = []Route{
	{Method: "GET", Path: "/customers"},
	{Method: "GET", Path: "/customers/{id}"},
	{Method: "PATCH", Path: "/customers/{id}"},
	{Method: "GET", Path: "/customers/{id}/timeline"},
	{Method: "POST", Path: "/customers/{id}/merge"},
	{Method: "GET", Path: "/conversations"},
	{Method: "GET", Path: "/conversations/{id}"},
	{Method: "POST", Path: "/conversations/{id}/claim"},
	{Method: "POST", Path: "/conversations/{id}/assign"},
	{Method: "POST", Path: "/conversations/{id}/messages"},
	{Method: "POST", Path: "/conversations/{id}/notes"},
	{Method: "POST", Path: "/conversations/{id}/resolve"},
	{Method: "POST", Path: "/conversations/{id}/call"}, // click-to-call back (issue 18)
	{Method: "POST", Path: "/feedback/{token}"},
	{Method: "PUT", Path: "/agents/me/status"},
	// Agents and teams (issue 11).
	{Method: "GET", Path: "/agents"},
	{Method: "POST", Path: "/agents"},
	{Method: "GET", Path: "/agents/me"},
	{Method: "GET", Path: "/agents/{id}"},
	{Method: "PATCH", Path: "/agents/{id}"},
	{Method: "DELETE", Path: "/agents/{id}"},
	{Method: "GET", Path: "/teams"},
	{Method: "GET", Path: "/teams/{id}"},
	{Method: "PUT", Path: "/teams/{id}"},
	{Method: "POST", Path: "/conversations/{id}/transfer"},
	{Method: "GET", Path: "/metrics"},
	{Method: "POST", Path: "/customers/{id}/identities"},
	{Method: "DELETE", Path: "/customers/{id}/identities/{kind}/{value}"},
	{Method: "GET", Path: "/duplicates"},
	{Method: "POST", Path: "/duplicates/{id}/dismiss"},
	// Attachment downloads (issue 15).
	{Method: "GET", Path: "/customers/{id}/touchpoints/{touchpointId}/attachments/{index}"},
	// Purchases and value tiers (issue 16).
	{Method: "POST", Path: "/customers/{id}/purchases"},
	{Method: "POST", Path: "/customers/{id}/purchases/{orderId}/refund"},
	{Method: "POST", Path: "/tiers/recompute"},
	// Win-back and data rights (issue 16, items 4 and 7).
	{Method: "GET", Path: "/winback"},
	{Method: "POST", Path: "/winback/run"},
	{Method: "POST", Path: "/winback/{id}/outreach"},
	{Method: "POST", Path: "/winback/{id}/dismiss"},
	{Method: "GET", Path: "/customers/{id}/export"},
	{Method: "POST", Path: "/customers/{id}/erase"},
}

// Routes returns every route, sorted by path then method.
func Routes() []Route {
	out := make([]Route, 0, len(webhookRoutes)+len(agentRoutes)+1)
	for _, k := range webhookRoutes {
		m, p, _ := strings.Cut(k, " ")
		out = append(out, Route{Method: m, Path: p, Function: Webhooks})
	}
	for _, r := range agentRoutes {
		r.Function = AgentAPI
		r.JWT = r.Path != "/feedback/{token}"
		out = append(out, r)
	}
	out = append(out, Route{Method: "GET", Path: HealthPath})
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}

// DeployedRoutes returns the routes the HTTP API declares (Routes without the local-only ones).
func DeployedRoutes() []Route {
	var out []Route
	for _, r := range Routes() {
		if !r.LocalOnly() {
			out = append(out, r)
		}
	}
	return out
}

// RouteFunctions returns the names of the functions behind the routes, sorted.
func RouteFunctions() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range Routes() {
		if r.Function != "" && !seen[r.Function] {
			seen[r.Function] = true
			out = append(out, r.Function)
		}
	}
	sort.Strings(out)
	return out
}

// RouteTable matches requests to routes the way API Gateway does: a literal segment wins over a {param}, and a
// path matches only a route with as many segments.
type RouteTable struct{ routes []Route }

// NewRouteTable builds a matcher over rs.
func NewRouteTable(rs []Route) *RouteTable { return &RouteTable{routes: rs} }

// Match finds the route for method and path and the values of its path parameters. ok is false when no
// route has that path and method.
func (t *RouteTable) Match(method, path string) (r Route, params map[string]string, ok bool) {
	segs := split(path)
	best, bestLiterals := -1, -1
	var bestParams map[string]string
	for i, cand := range t.routes {
		if cand.Method != method {
			continue
		}
		p, literals, hit := matchPath(split(cand.Path), segs)
		if hit && literals > bestLiterals {
			best, bestLiterals, bestParams = i, literals, p
		}
	}
	if best < 0 {
		return Route{}, nil, false
	}
	return t.routes[best], bestParams, true
}

func split(p string) []string {
	return strings.Split(strings.TrimPrefix(p, "/"), "/")
}

func matchPath(pattern, segs []string) (map[string]string, int, bool) {
	if len(pattern) != len(segs) {
		return nil, 0, false
	}
	var params map[string]string
	literals := 0
	for i, p := range pattern {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			if segs[i] == "" {
				return nil, 0, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[p[1:len(p)-1]] = segs[i]
			continue
		}
		if p != segs[i] {
			return nil, 0, false
		}
		literals++
	}
	return params, literals, true
}
