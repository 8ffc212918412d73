package agentapi_test

import (
	"bufio"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/concierge-cx/concierge/shared/agentapi"
	"github.com/concierge-cx/concierge/shared/httpapi"
	"github.com/concierge-cx/concierge/shared/stage"
)

// openAPIRoutes reads "METHOD /path" from docs/openapi.yaml's paths, and
// which of them declare no security (public).
func openAPIRoutes(t *testing.T) (all, public []string) {
	f, err := os.Open("../../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var inPaths bool
	var path, op string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "paths:":
			inPaths = true
		case inPaths && len(line) > 0 && line[0] != ' ':
			inPaths = false
		case inPaths && strings.HasPrefix(line, "  /") && strings.HasSuffix(line, ":"):
			path = strings.TrimSuffix(strings.TrimSpace(line), ":")
		case inPaths && strings.HasPrefix(line, "    ") && !strings.HasPrefix(line, "     ") && strings.HasSuffix(line, ":"):
			op = strings.ToUpper(strings.TrimSuffix(strings.TrimSpace(line), ":")) + " " + path
			all = append(all, op)
		case inPaths && strings.TrimSpace(line) == "security: []":
			public = append(public, op)
		}
	}
	slices.Sort(all)
	slices.Sort(public)
	return all, public
}

func TestEveryDocumentedRouteIsServedAndEveryServedRouteIsDocumented(t *testing.T) {
	api := agentapi.New(agentapi.Config{Settings: stage.Settings{TableName: "unused"}}, nil, nil)
	served := api.Routes()
	documented, documentedPublic := openAPIRoutes(t)
	var deployed, deployedPublic []string
	for _, r := range httpapi.DeployedRoutes() {
		if r.Function == httpapi.AgentAPI {
			deployed = append(deployed, r.Key())
			if !r.JWT {
				deployedPublic = append(deployedPublic, r.Key())
			}
		}
	}
	slices.Sort(deployed)
	slices.Sort(deployedPublic)
	if len(served) != 40 || !slices.Equal(served, documented) || !slices.Equal(served, deployed) {
		t.Fatalf("routes differ:\nserved     %v\ndocumented %v\ndeployed   %v", served, documented, deployed)
	}
	want := []string{"POST /feedback/{token}"}
	if !slices.Equal(api.PublicRoutes(), want) || !slices.Equal(documentedPublic, want) || !slices.Equal(deployedPublic, want) {
		t.Fatalf("public routes differ: served %v documented %v deployed %v", api.PublicRoutes(), documentedPublic, deployedPublic)
	}
}
