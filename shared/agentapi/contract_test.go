package agentapi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// The agent API's contract is docs/openapi.yaml: the gateway checks every
// response a test receives against it (status, headers and body), so a
// field, status or shape the document does not describe fails the test.

type contract struct {
	doc    *openapi3.T
	router routers.Router
	server string

	mu        sync.Mutex
	validated int
	seen      map[string]int // "METHOD /path" of the document: responses checked
	statuses  map[string]int // "METHOD /path STATUS": responses checked
}

var loadContract = sync.OnceValues(func() (*contract, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile("../../docs/openapi.yaml")
	if err != nil {
		return nil, fmt.Errorf("loading docs/openapi.yaml: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("docs/openapi.yaml is not a valid OpenAPI document: %w", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	if len(doc.Servers) == 0 {
		return nil, errors.New("docs/openapi.yaml names no server")
	}
	return &contract{doc: doc, router: router, server: strings.TrimRight(doc.Servers[0].URL, "/"), seen: map[string]int{}, statuses: map[string]int{}}, nil
})

var contractChecks atomic.Bool

// check validates one exchange. served is the route key the gateway
// matched ("" for none): the document must name the same route.
func (c *contract) check(method, target, served string, res response) (operation string, err error) {
	req, err := http.NewRequest(method, c.server+target, nil)
	if err != nil {
		return "", err
	}
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		if served != "" {
			return "", fmt.Errorf("%s is served but not documented: %v", served, err)
		}
		return "", nil // neither served nor documented: the gateway's own 404
	}
	operation = route.Method + " " + route.Path
	if operation != served {
		return "", fmt.Errorf("documented as %s but served as %q", operation, served)
	}
	h := http.Header{}
	for k, v := range res.Headers {
		h.Set(k, v)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 res.Status,
		Header:                 h,
		Body:                   io.NopCloser(strings.NewReader(res.Body)),
		Options:                c.options(),
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return "", err
	}
	// ValidateResponse accepts any body where the document gives no content.
	if doc := route.Operation.Responses.Status(res.Status); doc != nil && len(doc.Value.Content) == 0 && strings.TrimSpace(res.Body) != "" {
		return "", fmt.Errorf("status %d is documented without a body, and the response has one", res.Status)
	}
	return operation, nil
}

// options: an undocumented status fails; each mismatch is named by its
// place in the body, without the schema dump.
func (c *contract) options() *openapi3filter.Options {
	o := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}
	o.WithCustomSchemaErrorFunc(func(err *openapi3.SchemaError) string {
		return "at /" + strings.Join(err.JSONPointer(), "/") + ": " + err.Reason
	})
	return o
}

// validate is the gateway's hook: every response of every test is checked.
// Benchmarks skip it so their latencies are the API's own.
func validate(t testing.TB, method, target, served string, res response) {
	t.Helper()
	if _, bench := t.(*testing.B); bench {
		return
	}
	c, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	contractChecks.Store(true)
	op, err := c.check(method, target, served, res)
	if err != nil {
		t.Errorf("%s %s answered %d %s\nwhich docs/openapi.yaml does not describe: %v", method, target, res.Status, clipBody(res.Body), err)
		return
	}
	if op == "" {
		return // the gateway's own 404 for a route nobody serves
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.validated++
	c.seen[op]++
	c.statuses[fmt.Sprintf("%s %d", op, res.Status)]++
}

func clipBody(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}

// TestTheContractRefusesDrift shows the check is not vacuous: each kind of
// drift the document must catch is caught, and the true shapes pass.
func TestTheContractRefusesDrift(t *testing.T) {
	c, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	const id = "cus_01KAAAAAAAAAAAAAAAAAAAAAAA"
	jsonHeaders := map[string]string{"content-type": "application/json; charset=utf-8"}
	staff := `{"id":"` + id + `","createdAt":"2026-11-20T02:00:00Z","updatedAt":"2026-11-20T02:00:00Z","version":1,` +
		`"mergedFrom":["cus_01KBBBBBBBBBBBBBBBBBBBBBBB"],"recentTouchpoints":[],"possibleDuplicates":[]}`
	partner := `{"id":"` + id + `","displayName":"Lan","identities":[{"kind":"phone","value":"+84******678"}]}`
	for _, tc := range []struct {
		name, method, target, served string
		status                       int
		body                         string
		ok                           bool
	}{
		{"the staff view", "GET", "/customers/" + id, "GET /customers/{id}", 200, staff, true},
		{"the partner view", "GET", "/customers/" + id, "GET /customers/{id}", 200, partner, true},
		{"an undocumented field", "GET", "/customers/" + id, "GET /customers/{id}", 200, strings.Replace(staff, `"version":1`, `"version":1,"satisfactionSum":9`, 1), false},
		{"a partner view with a version (matches neither branch)", "GET", "/customers/" + id, "GET /customers/{id}", 200, strings.Replace(partner, `{`, `{"version":2,`, 1), false},
		{"a required field missing", "GET", "/customers/" + id, "GET /customers/{id}", 200, strings.Replace(staff, `"possibleDuplicates":[]`, `"x":1`, 1), false},
		{"null for a list", "GET", "/customers/" + id, "GET /customers/{id}", 200, strings.Replace(staff, `"recentTouchpoints":[]`, `"recentTouchpoints":null`, 1), false},
		{"an undocumented status", "GET", "/customers/" + id, "GET /customers/{id}", 418, `{"error":{"code":"invalid","message":"teapot"}}`, false},
		{"an error code not in the table", "GET", "/customers/" + id, "GET /customers/{id}", 404, `{"error":{"code":"missing","message":"no"}}`, false},
		{"the gateway's 401", "GET", "/customers/" + id, "GET /customers/{id}", 401, `{"message":"Unauthorized"}`, true},
		{"an error with both shapes", "GET", "/customers/" + id, "GET /customers/{id}", 401, `{"message":"x","error":{"code":"unauthorized","message":"x"}}`, false},
		{"a served route the document lacks", "GET", "/customers/" + id + "/export", "GET /customers/{id}/export", 200, `{}`, false},
		{"a documented route served under another key", "GET", "/agents/me", "GET /agents/{id}", 200, `{}`, false},
		{"a route nobody serves", "GET", "/nowhere", "", 404, `{"message":"Not Found"}`, true},
	} {
		_, err := c.check(tc.method, tc.target, tc.served, response{Status: tc.status, Headers: jsonHeaders, Body: tc.body})
		if (err == nil) != tc.ok {
			t.Errorf("%s: passes %v, want %v (%v)", tc.name, err == nil, tc.ok, err)
		}
	}
}

// TestEveryOperationHasAnOperationID: the console's generated client names
// its functions after them, so each is present, unique and camelCase.
func TestEveryOperationHasAnOperationID(t *testing.T) {
	c, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	camel := regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)
	seen := map[string]string{}
	for path, item := range c.doc.Paths.Map() {
		for method, op := range item.Operations() {
			key := method + " " + path
			switch {
			case !camel.MatchString(op.OperationID):
				t.Errorf("%s: operationId %q is not camelCase", key, op.OperationID)
			case seen[op.OperationID] != "":
				t.Errorf("%s and %s share operationId %q", key, seen[op.OperationID], op.OperationID)
			}
			seen[op.OperationID] = key
		}
	}
	if len(seen) != 40 {
		t.Errorf("%d operationIds for 40 routes", len(seen))
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if c, err := loadContract(); err == nil && contractChecks.Load() {
		var ops, missing []string
		documented := 0
		for path, item := range c.doc.Paths.Map() {
			for method, op := range item.Operations() {
				ops = append(ops, method+" "+path)
				documented += op.Responses.Len()
			}
		}
		slices.Sort(ops)
		for _, op := range ops {
			if c.seen[op] == 0 {
				missing = append(missing, op)
			}
		}
		fmt.Printf("contract: %d responses validated against docs/openapi.yaml; %d of %d operations and %d of %d documented responses exercised\n",
			c.validated, len(ops)-len(missing), len(ops), len(c.statuses), documented)
		if len(missing) > 0 {
			fmt.Printf("contract: operations no test called: %s\n", strings.Join(missing, ", "))
		}
	}
	os.Exit(code)
}
