package stack

import "github.com/concierge-cx/concierge/shared/routes"

// Routes is the HTTP route table the API declares: shared/routes (which the
// local gateway serves too) without its local-only routes, and without the
// routes of a function that has no entry in Functions yet — a route whose
// function does not exist would only answer 500.
func Routes() []routes.Route {
	deployed := map[string]bool{}
	for _, f := range Functions() {
		deployed[f.Name] = true
	}
	var out []routes.Route
	for _, r := range routes.Deployed() {
		if deployed[r.Function] {
			out = append(out, r)
		}
	}
	return out
}

// PendingRoutes lists the routes of shared/routes whose function is not
// deployed yet.
func PendingRoutes() []routes.Route {
	deployed := map[string]bool{}
	for _, r := range Routes() {
		deployed[r.Key()] = true
	}
	var out []routes.Route
	for _, r := range routes.Deployed() {
		if !deployed[r.Key()] {
			out = append(out, r)
		}
	}
	return out
}
