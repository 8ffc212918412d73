package stack

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/concierge-cx/concierge/scripts/devstack/devjwt"
	"github.com/concierge-cx/concierge/scripts/devstack/lambdahost"
	"github.com/concierge-cx/concierge/shared/httpapi"
)

const testSecret = "gateway-test-secret"

// recorder is a function that keeps the event it got and answers what the test set.
type recorder struct {
	got    events.APIGatewayV2HTTPRequest
	calls  int
	answer lambdahost.Result
}

func (r *recorder) Invoke(_ context.Context, payload []byte) (lambdahost.Result, error) {
	r.calls++
	r.got = events.APIGatewayV2HTTPRequest{}
	if err := json.Unmarshal(payload, &r.got); err != nil {
		return lambdahost.Result{}, err
	}
	return r.answer, nil
}

func okJSON(body string) lambdahost.Result {
	b, _ := json.Marshal(events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{"content-type": "application/json"}, Body: body})
	return lambdahost.Result{Payload: b}
}

func newGateway(fns map[string]Invoker) *httptest.Server {
	gw := &Gateway{Routes: httpapi.NewRouteTable(httpapi.Routes()), Functions: fns, JWTSecret: testSecret, APIID: "local", AccountID: "000000000000",
		Sandbox: &Sandbox{}, Health: func(context.Context) (int, any) { return 200, map[string]string{"status": "up"} }}
	return httptest.NewServer(gw)
}

func do(t *testing.T, method, url, contentType, body string, headers map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range headers {
		req.Header.Add(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestWebhookEventIsBuiltLikeAPIGateway(t *testing.T) {
	fn := &recorder{answer: okJSON(`{"ok":true}`)}
	srv := newGateway(map[string]Invoker{"webhooks": fn})
	defer srv.Close()

	body := `{"text":"Chào shop, đơn DH1024 giao chưa ạ?"}`
	resp, got := do(t, "POST", srv.URL+"/webhooks/webchat?a=1&a=2&b=x%20y", "application/json", body, map[string]string{
		"X-Concierge-Signature": "sig", "Cookie": "sid=abc; theme=dark", "X-Multi": "one", "User-Agent": "widget/1.0",
	})
	if resp.StatusCode != 200 || got != `{"ok":true}` || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("response %d %q %v", resp.StatusCode, got, resp.Header)
	}
	ev := fn.got
	rc := ev.RequestContext
	checks := map[string][2]string{
		"version":         {ev.Version, "2.0"},
		"routeKey":        {ev.RouteKey, "POST /webhooks/webchat"},
		"rc.routeKey":     {rc.RouteKey, "POST /webhooks/webchat"},
		"rawPath":         {ev.RawPath, "/webhooks/webchat"},
		"rawQueryString":  {ev.RawQueryString, "a=1&a=2&b=x%20y"},
		"query a":         {ev.QueryStringParameters["a"], "1,2"},
		"query b":         {ev.QueryStringParameters["b"], "x y"},
		"body":            {ev.Body, body},
		"signature":       {ev.Headers["x-concierge-signature"], "sig"},
		"content-type":    {ev.Headers["content-type"], "application/json"},
		"content-length":  {ev.Headers["content-length"], strconv.Itoa(len(body))},
		"x-forwarded-for": {ev.Headers["x-forwarded-for"], "127.0.0.1"},
		"stage":           {rc.Stage, "$default"},
		"method":          {rc.HTTP.Method, "POST"},
		"path":            {rc.HTTP.Path, "/webhooks/webchat"},
		"protocol":        {rc.HTTP.Protocol, "HTTP/1.1"},
		"sourceIp":        {rc.HTTP.SourceIP, "127.0.0.1"},
		"userAgent":       {rc.HTTP.UserAgent, "widget/1.0"},
		"domainName":      {rc.DomainName, "127.0.0.1"},
		"accountId":       {rc.AccountID, "000000000000"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", name, c[0], c[1])
		}
	}
	if ev.IsBase64Encoded {
		t.Error("a JSON body was base64-encoded")
	}
	if strings.Join(ev.Cookies, "|") != "sid=abc|theme=dark" || ev.Headers["cookie"] != "" {
		t.Errorf("cookies %v, cookie header %q: payload 2.0 moves cookies to their own list", ev.Cookies, ev.Headers["cookie"])
	}
	for k := range ev.Headers {
		if k != strings.ToLower(k) {
			t.Errorf("header %q is not lower-cased", k)
		}
	}
	if len(rc.RequestID) != 16 || !strings.HasSuffix(rc.RequestID, "=") || time.Since(time.UnixMilli(rc.TimeEpoch)) > time.Minute {
		t.Errorf("requestId %q, timeEpoch %d", rc.RequestID, rc.TimeEpoch)
	}
	if _, err := time.Parse("02/Jan/2006:15:04:05 -0700", rc.Time); err != nil {
		t.Errorf("time %q: %v", rc.Time, err)
	}
	if ev.PathParameters != nil || rc.Authorizer != nil {
		t.Errorf("a webhook route got path parameters %v or an authorizer %v", ev.PathParameters, rc.Authorizer)
	}
}

func TestRepeatedHeadersAreJoinedWithCommas(t *testing.T) {
	fn := &recorder{answer: okJSON(`{}`)}
	srv := newGateway(map[string]Invoker{"webhooks": fn})
	defer srv.Close()
	req, _ := http.NewRequest("POST", srv.URL+"/webhooks/telegram", strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Add("X-Multi", "one")
	req.Header.Add("X-Multi", "two")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if fn.got.Headers["x-multi"] != "one,two" {
		t.Errorf("x-multi = %q, want one,two", fn.got.Headers["x-multi"])
	}
}

func TestNonTextBodiesArriveBase64Encoded(t *testing.T) {
	cases := []struct {
		contentType string
		base64      bool
	}{
		{"application/json; charset=utf-8", false},
		{"text/plain", false},
		{"text/xml", false},
		{"application/xml", false},
		{"application/javascript", false},
		// Measured on AWS: form posts (Twilio's webhooks) and bodies without a type are base64-encoded.
		{"application/x-www-form-urlencoded", true},
		{"", true},
		{"application/octet-stream", true},
		{"image/jpeg", true},
	}
	for _, c := range cases {
		fn := &recorder{answer: okJSON(`{}`)}
		srv := newGateway(map[string]Invoker{"webhooks": fn})
		body := "Body=Chào&From=%2B84912345678"
		if c.base64 {
			body += "\x00\xff" // bytes that are not UTF-8 survive only because they are encoded
		}
		do(t, "POST", srv.URL+"/webhooks/twilio/messages", c.contentType, body, nil)
		srv.Close()
		if fn.got.IsBase64Encoded != c.base64 {
			t.Errorf("%q: isBase64Encoded = %v, want %v", c.contentType, fn.got.IsBase64Encoded, c.base64)
			continue
		}
		decoded := fn.got.Body
		if c.base64 {
			b, err := base64.StdEncoding.DecodeString(fn.got.Body)
			if err != nil {
				t.Fatal(err)
			}
			decoded = string(b)
		}
		if decoded != body {
			t.Errorf("%q: body %q, want the bytes sent", c.contentType, decoded)
		}
	}
}

func TestAgentRoutesNeedAValidToken(t *testing.T) {
	fn := &recorder{answer: okJSON(`{"customers":[]}`)}
	srv := newGateway(map[string]Invoker{"agentapi": fn})
	defer srv.Close()
	now := time.Now()
	good, _ := devjwt.Mint(testSecret, "agent-minh-anh", []string{"agent", "supervisor"}, nil, now, time.Hour)
	expired, _ := devjwt.Mint(testSecret, "agent-minh-anh", []string{"agent"}, nil, now.Add(-2*time.Hour), time.Hour)
	forged, _ := devjwt.Mint("another-secret", "agent-minh-anh", []string{"supervisor"}, nil, now, time.Hour)
	for name, auth := range map[string]string{
		"missing": "", "not bearer": "Basic " + good, "garbage": "Bearer not.a.jwt", "expired": "Bearer " + expired,
		"bad signature": "Bearer " + forged, "empty bearer": "Bearer ",
	} {
		h := map[string]string{}
		if auth != "" {
			h["Authorization"] = auth
		}
		resp, body := do(t, "GET", srv.URL+"/customers?phone=%2B84912345678", "", "", h)
		if resp.StatusCode != 401 || strings.TrimSpace(body) != "{\n  \"message\": \"Unauthorized\"\n}" {
			t.Errorf("%s token: %d %s, want 401 Unauthorized", name, resp.StatusCode, body)
		}
	}
	if fn.calls != 0 {
		t.Fatalf("the function ran %d times for unauthorized requests", fn.calls)
	}

	resp, body := do(t, "GET", srv.URL+"/customers/cus_01J/timeline?limit=5", "", "", map[string]string{"Authorization": "Bearer " + good})
	if resp.StatusCode != 200 || body != `{"customers":[]}` {
		t.Fatalf("valid token: %d %s", resp.StatusCode, body)
	}
	rc := fn.got.RequestContext
	if rc.Authorizer == nil || rc.Authorizer.JWT == nil {
		t.Fatal("no JWT authorizer context")
	}
	claims := rc.Authorizer.JWT.Claims
	if claims["sub"] != "agent-minh-anh" || claims["cognito:groups"] != "[agent supervisor]" || claims["iss"] != devjwt.Issuer {
		t.Errorf("claims %v: want sub, iss and groups rendered as API Gateway renders a list", claims)
	}
	if claims["exp"] == "" || strings.ContainsAny(claims["exp"], "e.") {
		t.Errorf("exp claim %q, want plain epoch seconds", claims["exp"])
	}
	if fn.got.RouteKey != "GET /customers/{id}/timeline" || fn.got.PathParameters["id"] != "cus_01J" || fn.got.QueryStringParameters["limit"] != "5" {
		t.Errorf("routeKey %q, path parameters %v, query %v", fn.got.RouteKey, fn.got.PathParameters, fn.got.QueryStringParameters)
	}

	// The feedback link is public.
	resp, _ = do(t, "POST", srv.URL+"/feedback/tok123", "application/json", `{"score":5}`, nil)
	if resp.StatusCode != 200 || fn.got.PathParameters["token"] != "tok123" || fn.got.RequestContext.Authorizer != nil {
		t.Errorf("feedback: %d, params %v", resp.StatusCode, fn.got.PathParameters)
	}
}

func TestRoutesOfMissingFunctionsAnswer503AndUnknownRoutes404(t *testing.T) {
	srv := newGateway(map[string]Invoker{})
	defer srv.Close()
	tok, _ := devjwt.Mint(testSecret, "a", []string{"agent"}, nil, time.Now(), time.Hour)
	resp, body := do(t, "GET", srv.URL+"/conversations", "", "", map[string]string{"Authorization": "Bearer " + tok})
	if resp.StatusCode != 503 || !strings.Contains(body, "agentapi is not built yet") {
		t.Errorf("route of a missing function: %d %s", resp.StatusCode, body)
	}
	resp, body = do(t, "GET", srv.URL+"/nope", "", "", nil)
	if resp.StatusCode != 404 || !strings.Contains(body, "Not Found") {
		t.Errorf("unknown route: %d %s", resp.StatusCode, body)
	}
	resp, _ = do(t, "DELETE", srv.URL+"/webhooks/meta", "", "", nil)
	if resp.StatusCode != 404 {
		t.Errorf("wrong method: %d", resp.StatusCode)
	}
	resp, body = do(t, "GET", srv.URL+"/healthz", "", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `"up"`) {
		t.Errorf("healthz: %d %s", resp.StatusCode, body)
	}
}

func TestFunctionResponsesMapBackToHTTP(t *testing.T) {
	fn := &recorder{}
	srv := newGateway(map[string]Invoker{"webhooks": fn})
	defer srv.Close()

	payload, _ := json.Marshal(events.APIGatewayV2HTTPResponse{
		StatusCode: 201, Headers: map[string]string{"Content-Type": "image/png", "X-One": "1"},
		MultiValueHeaders: map[string][]string{"X-Many": {"a", "b"}}, Cookies: []string{"a=1; Path=/", "b=2"},
		Body: base64.StdEncoding.EncodeToString([]byte{0x89, 'P', 'N', 'G'}), IsBase64Encoded: true,
	})
	fn.answer = lambdahost.Result{Payload: payload}
	resp, body := do(t, "POST", srv.URL+"/webhooks/zalo", "application/json", "{}", nil)
	if resp.StatusCode != 201 || body != "\x89PNG" || resp.Header.Get("X-One") != "1" ||
		strings.Join(resp.Header.Values("X-Many"), ",") != "a,b" || len(resp.Header.Values("Set-Cookie")) != 2 {
		t.Errorf("mapped response: %d %q %v", resp.StatusCode, body, resp.Header)
	}

	// A bare value (no statusCode) is a 200 JSON body, as API Gateway infers.
	fn.answer = lambdahost.Result{Payload: []byte(`{"hello":"Lan"}`)}
	resp, body = do(t, "POST", srv.URL+"/webhooks/zalo", "application/json", "{}", nil)
	if resp.StatusCode != 200 || body != `{"hello":"Lan"}` || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("inferred response: %d %q", resp.StatusCode, body)
	}

	// A function error is API Gateway's own 500.
	fn.answer = lambdahost.Result{FunctionError: "Unhandled", Payload: []byte(`{"errorMessage":"boom","errorType":"Runtime.ExitError"}`)}
	resp, body = do(t, "POST", srv.URL+"/webhooks/zalo", "application/json", "{}", nil)
	if resp.StatusCode != 500 || !strings.Contains(body, "Internal Server Error") || strings.Contains(body, "boom") {
		t.Errorf("function error: %d %q", resp.StatusCode, body)
	}
}

func TestSandboxRecordsWhatWouldHaveBeenSent(t *testing.T) {
	srv := newGateway(nil)
	defer srv.Close()
	bases := SandboxBases(srv.URL)
	post := func(url, ct, body string) (int, map[string]any) {
		resp, b := do(t, "POST", url, ct, body, nil)
		var out map[string]any
		_ = json.Unmarshal([]byte(b), &out)
		return resp.StatusCode, out
	}
	if st, out := post(bases["TWILIO_API_BASE"]+"/2010-04-01/Accounts/AC1/Messages.json", "application/x-www-form-urlencoded",
		"To=%2B84912345678&From=%2B18335550143&Body=Ch%C3%A0o+ch%E1%BB%8B+Lan"); st != 201 || !strings.HasPrefix(out["sid"].(string), "SM") || out["status"] != "queued" {
		t.Errorf("twilio: %d %v", st, out)
	}
	if st, out := post(bases["META_GRAPH_BASE"]+"/v21.0/106540352242922/messages", "application/json",
		`{"messaging_product":"whatsapp","to":"84912345678","type":"text","text":{"body":"Dạ em chào chị Lan"}}`); st != 200 || out["messages"] == nil {
		t.Errorf("meta: %d %v", st, out)
	}
	if st, out := post(bases["TELEGRAM_API_BASE"]+"/bot123:abc/sendMessage", "application/json", `{"chat_id":5123456789,"text":"Xin chào"}`); st != 200 || out["ok"] != true {
		t.Errorf("telegram: %d %v", st, out)
	}
	if st, out := post(bases["ZALO_API_BASE"]+"/v3.0/oa/message/cs", "application/json", `{"recipient":{"user_id":"6142494823918274635"},"message":{"text":"Dạ shop nhận được rồi ạ"}}`); st != 200 || out["error"] != float64(0) {
		t.Errorf("zalo: %d %v", st, out)
	}
	if st, out := post(bases["VONAGE_API_BASE"]+"/v1/messages", "application/json", `{"channel":"whatsapp","to":"84912345678","from":"18335550143","message_type":"text","text":"Hi"}`); st != 202 || out["message_uuid"] == nil {
		t.Errorf("vonage: %d %v", st, out)
	}
	if st, out := post(bases["SES_ENDPOINT"]+"/v2/email/outbound-emails", "application/json",
		`{"FromEmailAddress":"support@concierge.local","Destination":{"ToAddresses":["lan.nguyen@example.com"]},"Content":{"Simple":{"Subject":{"Data":"Re: DH1024"},"Body":{"Text":{"Data":"Đơn của chị đang giao"}}}}}`); st != 200 || out["MessageId"] == nil {
		t.Errorf("ses: %d %v", st, out)
	}
	_, body := do(t, "GET", srv.URL+"/_sandbox/outbox", "", "", nil)
	var outbox struct{ Messages []Sent }
	if err := json.Unmarshal([]byte(body), &outbox); err != nil {
		t.Fatal(err)
	}
	want := []string{"twilio/sms/+84912345678/Chào chị Lan", "meta/whatsapp/84912345678/Dạ em chào chị Lan", "telegram/telegram/5123456789/Xin chào",
		"zalo/zalo/6142494823918274635/Dạ shop nhận được rồi ạ", "vonage/whatsapp/84912345678/Hi", "ses/email/lan.nguyen@example.com/Đơn của chị đang giao"}
	if len(outbox.Messages) != len(want) {
		t.Fatalf("outbox has %d messages, want %d: %s", len(outbox.Messages), len(want), body)
	}
	for i, m := range outbox.Messages {
		if got := m.Provider + "/" + m.Channel + "/" + m.To + "/" + m.Text; got != want[i] {
			t.Errorf("outbox[%d] = %s, want %s", i, got, want[i])
		}
	}
}

// A 5 MB Twilio form is under API Gateway's 10 MB request limit but, base64-encoded into the event, over
// Lambda's 6 MB invocation limit: 413, and the function is never invoked.
func TestBodyOverLambdasLimitIs413(t *testing.T) {
	fn := &recorder{answer: okJSON(`{}`)}
	srv := newGateway(map[string]Invoker{"webhooks": fn})
	defer srv.Close()
	form := "Body=" + strings.Repeat("a", 5<<20)
	resp, body := do(t, "POST", srv.URL+"/webhooks/twilio/messages", "application/x-www-form-urlencoded", form, nil)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || fn.calls != 0 {
		t.Errorf("5 MB form: %d %q, function called %d times", resp.StatusCode, body, fn.calls)
	}
	resp, _ = do(t, "POST", srv.URL+"/webhooks/twilio/messages", "application/x-www-form-urlencoded", "Body=hi", nil)
	if resp.StatusCode != 200 || fn.calls != 1 {
		t.Errorf("small form: %d, function called %d times", resp.StatusCode, fn.calls)
	}
}

// The gateway notes each invocation's hops: its own work, the function's wait for a runtime and its run.
func TestGatewayRecordsTheHopsOfAnInvocation(t *testing.T) {
	fn := &recorder{answer: okJSON(`{"ok":true}`)}
	fn.answer.Waited, fn.answer.Duration = 7*time.Millisecond, 42*time.Millisecond
	timings := &Timings{}
	gw := &Gateway{Routes: httpapi.NewRouteTable(httpapi.Routes()), Functions: map[string]Invoker{"webhooks": fn}, Timings: timings}
	srv := httptest.NewServer(gw)
	defer srv.Close()
	if resp, body := do(t, http.MethodPost, srv.URL+"/webhooks/webchat", "application/json", `{}`, nil); resp.StatusCode != 200 {
		t.Fatalf("HTTP %d %s", resp.StatusCode, body)
	}
	hops := timings.Snapshot()
	if h := hops["webhooks.wait"]; h.Count != 1 || h.P50 != 7*time.Millisecond {
		t.Errorf("webhooks.wait = %+v", h)
	}
	if h := hops["webhooks.run"]; h.Count != 1 || h.P50 != 42*time.Millisecond {
		t.Errorf("webhooks.run = %+v", h)
	}
	if h := hops["gateway"]; h.Count != 1 || h.P50 <= 0 || h.P50 > time.Second {
		t.Errorf("gateway = %+v", h)
	}
	// A request that invokes nothing (the health route) is not a hop.
	do(t, http.MethodGet, srv.URL+"/healthz", "", "", nil)
	if n := timings.Snapshot()["gateway"].Count; n != 1 {
		t.Errorf("gateway hop counted %d times after a request that invoked nothing", n)
	}
}
