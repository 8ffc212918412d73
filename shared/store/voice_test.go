package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/concierge-cx/concierge/shared/domain"
)

// A call to a team reads that team's available agents and the shared pool,
// not the roster: with 120 agents in another team it is two Queries and one
// BatchGetItem, as with none (reading the roster whole it would be four), and
// it lists only the agents whose phone can ring now.
func TestVoiceAgentsReadTheCallsTeamOnly(t *testing.T) {
	s, meter, _ := newMeteredStore(t)
	ctx := context.Background()
	put := func(a domain.Agent) {
		t.Helper()
		a.MaxConcurrent = 4
		if _, err := s.PutAgent(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	callable := func(id string, teams ...string) domain.Agent {
		return domain.Agent{ID: id, Teams: teams, Status: domain.AgentAvailable, Voice: true, VoiceAvailable: true, Phone: "+8490100" + fmt.Sprintf("%04d", len(id))}
	}
	put(callable("an", "support"))
	put(callable("chi", "support", "billing")) // the shared pool: serves more than one team
	notNow := callable("dung", "support")
	notNow.VoiceAvailable = false
	put(notNow)
	away := callable("em", "support")
	away.Status = domain.AgentAway
	put(away)
	for i := range 120 {
		put(callable(fmt.Sprintf("billing-%03d", i), "billing"))
	}

	meter.Reset()
	got, err := s.VoiceAgents(ctx, "support")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range got {
		ids = append(ids, a.ID)
		if a.Phone == "" {
			t.Errorf("agent %s listed without her phone", a.ID)
		}
	}
	if !slices.Equal(ids, []string{"an", "chi"}) {
		t.Errorf("voice agents of support: %v, want [an chi]", ids)
	}
	if c := meter.Snapshot(); c.Requests != 3 || c.ByOp["Query"] != 2 || c.ByOp["BatchGetItem"] != 1 {
		t.Errorf("a support call read %d requests %v, want 2 Queries and 1 BatchGetItem", c.Requests, c.ByOp)
	}

	// A call for no team in particular may ring anyone.
	all, err := s.VoiceAgents(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 122 {
		t.Errorf("voice agents of any team: %d, want 122", len(all))
	}
}
