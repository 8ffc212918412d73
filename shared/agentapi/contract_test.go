package agentapi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
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
	return &contract{doc: doc, router: router, server: strings.TrimRight(doc.Servers[0].URL, "/"), seen: map[string]int{}}, nil
})

var contractChecks atomic.Bool

// check validates one exchange. served says whether the gateway found a
// route of the agent API for it: the document must agree.
func (c *contract) check(method, target string, served bool, res response) error {
	req, err := http.NewRequest(method, c.server+target, nil)
	if err != nil {
		return err
	}
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		if served {
			return fmt.Errorf("the route is served but not documented: %v", err)
		}
		return nil // neither served nor documented: the gateway's own 404
	}
	if !served {
		return fmt.Errorf("documented as %s %s but not served", route.Method, route.Path)
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
		return err
	}
	// ValidateResponse accepts any body where the document gives no content.
	if doc := route.Operation.Responses.Status(res.Status); doc != nil && len(doc.Value.Content) == 0 && strings.TrimSpace(res.Body) != "" {
		return fmt.Errorf("status %d is documented without a body, and the response has one", res.Status)
	}
	c.mu.Lock()
	c.validated++
	c.seen[route.Method+" "+route.Path]++
	c.mu.Unlock()
	return nil
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
func validate(t testing.TB, method, target string, served bool, res response) {
	t.Helper()
	if _, bench := t.(*testing.B); bench {
		return
	}
	c, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	contractChecks.Store(true)
	if err := c.check(method, target, served, res); err != nil {
		t.Errorf("%s %s answered %d %s\nwhich docs/openapi.yaml does not describe: %v", method, target, res.Status, clipBody(res.Body), err)
	}
}

func clipBody(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}

func TestMain(m *testing.M) {
	code := m.Run()
	if c, err := loadContract(); err == nil && contractChecks.Load() {
		var ops, missing []string
		for path, item := range c.doc.Paths.Map() {
			for method := range item.Operations() {
				ops = append(ops, method+" "+path)
			}
		}
		slices.Sort(ops)
		for _, op := range ops {
			if c.seen[op] == 0 {
				missing = append(missing, op)
			}
		}
		fmt.Printf("contract: %d responses validated against docs/openapi.yaml, %d of %d operations exercised\n",
			c.validated, len(ops)-len(missing), len(ops))
		if len(missing) > 0 {
			fmt.Printf("contract: operations no test called: %s\n", strings.Join(missing, ", "))
		}
	}
	os.Exit(code)
}
