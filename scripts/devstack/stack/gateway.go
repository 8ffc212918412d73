package stack

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/concierge-cx/concierge/scripts/devstack/devjwt"
	"github.com/concierge-cx/concierge/scripts/devstack/lambdahost"
	"github.com/concierge-cx/concierge/shared/httpapi"
)

// Invoker runs one synchronous invocation; *lambdahost.Host is one.
type Invoker interface {
	Invoke(ctx context.Context, payload []byte) (lambdahost.Result, error)
}

// maxRequestBody is API Gateway's 10 MB request limit.
const maxRequestBody = 10 << 20

// maxInvokePayload is Lambda's 6 MB limit on a synchronous invocation's event.
const maxInvokePayload = 6 << 20

// integrationTimeout is API Gateway's HTTP API integration timeout.
const integrationTimeout = 30 * time.Second

// Gateway builds API Gateway HTTP API (payload 2.0) events from local HTTP requests, authorizes the JWT
// routes, invokes the route's function and maps its response back, as the deployed HTTP API does.
type Gateway struct {
	Routes    *httpapi.RouteTable
	Functions map[string]Invoker // by function name; a route whose function is missing answers 503
	JWTSecret string
	APIID     string
	AccountID string
	Sandbox   http.Handler                     // serves /_sandbox/; nil: 404
	Health    func(context.Context) (int, any) // serves GET /healthz
	Now       func() time.Time                 // default time.Now
	Log       *slog.Logger                     // access log; nil discards
	// Timings receives the hops of each invocation: "gateway" (its own work), "<function>.wait" (until the
	// runtime takes the event) and "<function>.run"; nil records nothing.
	Timings *Timings
}

// SandboxPrefix is where the provider sandbox is mounted on the gateway.
const SandboxPrefix = "/_sandbox/"

func (g *Gateway) now() time.Time {
	if g.Now != nil {
		return g.Now()
	}
	return time.Now()
}

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := g.now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	invoked := g.serve(rec, r)
	if invoked > 0 {
		g.Timings.Observe("gateway", time.Since(start)-invoked)
	}
	if g.Log != nil && !strings.HasPrefix(r.URL.Path, SandboxPrefix+"outbox") {
		g.Log.Info("http", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"ms", g.now().Sub(start).Milliseconds())
	}
}

// serve answers r and returns how long it spent in the function's Invoke (0 when it invoked nothing).
func (g *Gateway) serve(w http.ResponseWriter, r *http.Request) time.Duration {
	if strings.HasPrefix(r.URL.Path, SandboxPrefix) && g.Sandbox != nil {
		g.Sandbox.ServeHTTP(w, r)
		return 0
	}
	rt, params, ok := g.Routes.Match(r.Method, r.URL.Path)
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return 0
	}
	if rt.LocalOnly() {
		if rt.Path == httpapi.HealthPath && g.Health != nil {
			status, body := g.Health(r.Context())
			writeJSON(w, status, body)
			return 0
		}
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return 0
	}
	var auth *events.APIGatewayV2HTTPRequestContextAuthorizerDescription
	if rt.JWT {
		v, ok := g.authorize(r)
		if !ok {
			// API Gateway's own answer; the function never runs.
			w.Header().Set("www-authenticate", `Bearer error="invalid_token"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Unauthorized"})
			return 0
		}
		auth = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: v.Claims, Scopes: v.Scopes},
		}
	}
	fn := g.Functions[rt.Function]
	if fn == nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{
			"message": fmt.Sprintf("function %s is not built yet: there is no functions/%s in this checkout", rt.Function, rt.Function),
			"route":   rt.Key(),
		})
		return 0
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBody))
	if err != nil {
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"message": "Request Entity Too Large"})
		return 0
	}
	ev := BuildEvent(r, body, EventContext{
		Route: rt, Params: params, Now: g.now(), APIID: g.APIID, AccountID: g.AccountID, Authorizer: auth,
	})
	payload, err := json.Marshal(ev)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"message": "Internal Server Error"})
		return 0
	}
	if len(payload) > maxInvokePayload {
		// A body under API Gateway's limit can still make an event above Lambda's (a form is base64-encoded
		// on the way in): API Gateway answers 413 then, and the function is never invoked.
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"message": "Request Entity Too Large"})
		return 0
	}
	ctx, cancel := context.WithTimeout(r.Context(), integrationTimeout)
	defer cancel()
	called := time.Now()
	res, err := fn.Invoke(ctx, payload)
	invoked := time.Since(called)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"message": "Service Unavailable"})
			return invoked
		}
		writeJSON(w, http.StatusInternalServerError, map[string]string{"message": "Internal Server Error"})
		return invoked
	}
	g.Timings.Observe(rt.Function+".wait", res.Waited)
	g.Timings.Observe(rt.Function+".run", res.Duration)
	if res.FunctionError != "" {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"message": "Internal Server Error"})
		return invoked
	}
	WriteResponse(w, res.Payload)
	return invoked
}

func (g *Gateway) authorize(r *http.Request) (devjwt.Verified, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return devjwt.Verified{}, false
	}
	v, err := devjwt.Verify(g.JWTSecret, strings.TrimSpace(tok), g.now())
	return v, err == nil
}

// EventContext is what the gateway knows beyond the HTTP request itself.
type EventContext struct {
	Route      httpapi.Route
	Params     map[string]string
	Now        time.Time
	APIID      string
	AccountID  string
	Authorizer *events.APIGatewayV2HTTPRequestContextAuthorizerDescription
}

// BuildEvent builds the payload 2.0 event API Gateway sends for r.
func BuildEvent(r *http.Request, body []byte, ec EventContext) events.APIGatewayV2HTTPRequest {
	sourceIP, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		sourceIP = r.RemoteAddr
	}
	headers := map[string]string{}
	var cookies []string
	for k, vs := range r.Header {
		lk := strings.ToLower(k)
		if lk == "cookie" {
			// Payload 2.0 moves cookies out of the headers into their own list.
			for _, v := range vs {
				for _, c := range strings.Split(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						cookies = append(cookies, c)
					}
				}
			}
			continue
		}
		headers[lk] = strings.Join(vs, ",")
	}
	headers["host"] = r.Host
	if len(body) > 0 {
		headers["content-length"] = strconv.Itoa(len(body))
	}
	if prior := headers["x-forwarded-for"]; prior != "" {
		headers["x-forwarded-for"] = prior + ", " + sourceIP
	} else {
		headers["x-forwarded-for"] = sourceIP
	}
	if _, port, err := net.SplitHostPort(r.Host); err == nil {
		headers["x-forwarded-port"] = port
	} else {
		headers["x-forwarded-port"] = "80"
	}
	headers["x-forwarded-proto"] = "http"
	headers["x-amzn-trace-id"] = fmt.Sprintf("Root=1-%08x-%s", ec.Now.Unix(), randHex(12))
	if fwd := strings.TrimSpace(strings.Split(headers["x-forwarded-for"], ",")[0]); fwd != "" {
		// API Gateway's sourceIp is the first address of X-Forwarded-For as it reaches API Gateway.
		sourceIP = fwd
	}

	var qsp map[string]string
	if r.URL.RawQuery != "" {
		q, _ := url.ParseQuery(r.URL.RawQuery)
		if len(q) > 0 {
			qsp = make(map[string]string, len(q))
			for k, vs := range q {
				qsp[k] = strings.Join(vs, ",")
			}
		}
	}
	var params map[string]string
	if len(ec.Params) > 0 {
		params = ec.Params
	}
	ev := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              ec.Route.Key(),
		RawPath:               r.URL.EscapedPath(),
		RawQueryString:        r.URL.RawQuery,
		Cookies:               cookies,
		Headers:               headers,
		QueryStringParameters: qsp,
		PathParameters:        params,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     ec.Route.Key(),
			AccountID:    ec.AccountID,
			Stage:        "$default",
			RequestID:    requestID(),
			APIID:        ec.APIID,
			DomainName:   hostOnly(r.Host),
			DomainPrefix: strings.Split(hostOnly(r.Host), ".")[0],
			Time:         ec.Now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:    ec.Now.UnixMilli(),
			Authorizer:   ec.Authorizer,
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      r.URL.Path,
				Protocol:  r.Proto,
				SourceIP:  sourceIP,
				UserAgent: r.UserAgent(),
			},
		},
	}
	if len(body) > 0 {
		if IsTextContent(headers["content-type"]) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	return ev
}

// IsTextContent says whether API Gateway passes a body of this content type as text. Measured against AWS
// (see the README): text/*, application/json, application/xml and application/javascript only. Everything
// else is base64-encoded, including a missing content type and application/x-www-form-urlencoded, which is
// why Twilio's form posts reach the function base64-encoded.
func IsTextContent(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch {
	case strings.HasPrefix(mt, "text/"):
		return true
	case mt == "application/json", mt == "application/xml", mt == "application/javascript":
		return true
	}
	return false
}

// WriteResponse maps a function's payload 2.0 response to HTTP. A payload that is not a response object
// (no statusCode) is sent as a 200 JSON body, as API Gateway infers the response format.
func WriteResponse(w http.ResponseWriter, payload []byte) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(payload, &probe); err != nil || probe["statusCode"] == nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(payload)
		return
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(payload, &resp); err != nil || resp.StatusCode < 100 || resp.StatusCode > 599 {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"message": "Internal Server Error"})
		return
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"message": "Internal Server Error"})
			return
		}
		body = b
	}
	h := w.Header()
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for k, v := range resp.Headers {
		h.Set(k, v)
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	if h.Get("Content-Type") == "" && len(body) > 0 {
		h.Set("Content-Type", "application/json")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.MarshalIndent(v, "", "  ")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}

// requestID has the shape of API Gateway's request ids: 16 characters of base64 ending in "=".
func requestID() string {
	var b [11]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])[:15] + "="
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// sortedKeys is used by reports that must print in a stable order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
