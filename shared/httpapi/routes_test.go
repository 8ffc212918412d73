package httpapi_test

import (
	"slices"
	"testing"

	"github.com/concierge-cx/concierge/shared/httpapi"
	"github.com/concierge-cx/concierge/shared/webhook"
)

func TestWebhookRoutesAreExactlyTheHandlersRoutes(t *testing.T) {
	var fromTable []string
	for _, r := range httpapi.Routes() {
		if r.Function == httpapi.Webhooks {
			fromTable = append(fromTable, r.Key())
			if r.JWT {
				t.Errorf("%s: a provider cannot send a JWT", r.Key())
			}
		}
	}
	served := webhook.Routes()
	slices.Sort(fromTable)
	slices.Sort(served)
	if !slices.Equal(fromTable, served) {
		t.Errorf("route table has webhook routes\n%v\nthe handler serves\n%v", fromTable, served)
	}
}

func TestOnlyFeedbackAndWebhooksAreReachableWithoutAToken(t *testing.T) {
	for _, r := range httpapi.DeployedRoutes() {
		public := r.Function == httpapi.Webhooks || r.Key() == "POST /feedback/{token}"
		if r.JWT == public {
			t.Errorf("%s: JWT=%v", r.Key(), r.JWT)
		}
	}
	for _, r := range httpapi.DeployedRoutes() {
		if r.Path == httpapi.HealthPath {
			t.Error("the local health route must not be deployed")
		}
	}
	if !slices.Equal(httpapi.RouteFunctions(), []string{"agentapi", "webhooks"}) {
		t.Errorf("functions behind routes: %v", httpapi.RouteFunctions())
	}
}

func TestMatchPrefersLiteralSegmentsAndExtractsParams(t *testing.T) {
	tbl := httpapi.NewRouteTable(append(httpapi.Routes(), httpapi.Route{Method: "PUT", Path: "/agents/{id}/status", Function: "x"}))
	cases := []struct {
		method, path, key string
		params            map[string]string
	}{
		{"GET", "/customers/cus_01J/timeline", "GET /customers/{id}/timeline", map[string]string{"id": "cus_01J"}},
		{"PUT", "/agents/me/status", "PUT /agents/me/status", nil},
		{"PUT", "/agents/ag_7/status", "PUT /agents/{id}/status", map[string]string{"id": "ag_7"}},
		{"POST", "/feedback/tok-1", "POST /feedback/{token}", map[string]string{"token": "tok-1"}},
		{"GET", "/webhooks/meta", "GET /webhooks/meta", nil},
		{"GET", "/customers", "GET /customers", nil},
	}
	for _, c := range cases {
		r, params, ok := tbl.Match(c.method, c.path)
		if !ok || r.Key() != c.key {
			t.Errorf("%s %s matched %q (%v), want %s", c.method, c.path, r.Key(), ok, c.key)
			continue
		}
		if len(params) != len(c.params) {
			t.Errorf("%s %s params %v, want %v", c.method, c.path, params, c.params)
		}
		for k, v := range c.params {
			if params[k] != v {
				t.Errorf("%s %s param %s = %q, want %q", c.method, c.path, k, params[k], v)
			}
		}
	}
	for _, miss := range [][2]string{{"DELETE", "/customers/x"}, {"GET", "/customers/"}, {"GET", "/nope"}, {"POST", "/webhooks/meta/extra"}} {
		if r, _, ok := tbl.Match(miss[0], miss[1]); ok {
			t.Errorf("%s %s matched %s, want no route", miss[0], miss[1], r.Key())
		}
	}
}
