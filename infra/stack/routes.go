package stack

import "github.com/concierge-cx/concierge/shared/httpapi"

// Routes is the HTTP route table the API declares: shared/httpapi.DeployedRoutes (which the
// local gateway serves too) without its local-only routes, and without the
// routes of a function that has no entry in Functions yet — a route whose
// function does not exist would only answer 500.
func Routes() []httpapi.Route {
	deployed := map[string]bool{}
	for _, f := range Functions() {
		deployed[f.Name] = true
	}
	var out []httpapi.Route
	for _, r := range httpapi.DeployedRoutes() {
		if deployed[r.Function] {
			out = append(out, r)
		}
	}
	return out
}

// PendingRoutes lists the routes of shared/httpapi whose function is not
// deployed yet.
func PendingRoutes() []httpapi.Route {
	deployed := map[string]bool{}
	for _, r := range Routes() {
		deployed[r.Key()] = true
	}
	var out []httpapi.Route
	for _, r := range httpapi.DeployedRoutes() {
		if !deployed[r.Key()] {
			out = append(out, r)
		}
	}
	return out
}
