package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/testenv"
)

// Agents are listed per team (GSI2 AGENTS#<team>#<status>), agents of no
// team or several in the shared pool AGENTS#<status>, where every agent was
// before. Routing's list for a team has everyone it could choose; the
// roster has everyone; an agent written before the change (in the pool, not
// in the roster index) is in both until it next moves.
func TestAgentsAreListedPerTeamAndTheRosterHasEveryone(t *testing.T) {
	db, table := testenv.NewTable(t)
	st := store.New(db, table)
	ctx := context.Background()
	put := func(id string, teams ...string) {
		t.Helper()
		if _, err := st.PutAgent(ctx, domain.Agent{ID: id, Teams: teams, MaxConcurrent: 3, Status: domain.AgentAvailable}); err != nil {
			t.Fatal(err)
		}
	}
	put("an", "support")
	put("binh", "billing")
	put("chi", "support", "billing")
	put("dung")
	// An agent as a deployment before per-team keys wrote it.
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: "A#em"}, "SK": &types.AttributeValueMemberS{Value: "A"}, "type": &types.AttributeValueMemberS{Value: "agent"},
		"agentId": &types.AttributeValueMemberS{Value: "em"}, "teams": &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberS{Value: "billing"}}},
		"status": &types.AttributeValueMemberS{Value: "available"}, "maxConcurrent": &types.AttributeValueMemberN{Value: "3"}, "load": &types.AttributeValueMemberN{Value: "0"},
		"version": &types.AttributeValueMemberN{Value: "1"},
		"GSI2PK":  &types.AttributeValueMemberS{Value: "AGENTS#available"}, "GSI2SK": &types.AttributeValueMemberS{Value: "em"},
	}}); err != nil {
		t.Fatal(err)
	}
	ids := func(as []domain.Agent, err error) []string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range as {
			out = append(out, a.ID)
		}
		slices.Sort(out)
		return out
	}
	for team, want := range map[string][]string{
		"billing": {"binh", "chi", "dung", "em"},
		"support": {"an", "chi", "dung", "em"}, // em (pre-change, billing) is listed and left to the team filter
	} {
		if got := ids(st.AvailableAgents(ctx, team)); !slices.Equal(got, want) {
			t.Errorf("available for %s: %v, want %v", team, got, want)
		}
	}
	if got := ids(st.ListAgents(ctx)); !slices.Equal(got, []string{"an", "binh", "chi", "dung", "em"}) {
		t.Errorf("roster %v", got)
	}
	if _, err := st.SetAgentStatus(ctx, "binh", domain.AgentAway); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SetAgentStatus(ctx, "em", domain.AgentAway); err != nil { // em moves to her team's partition
		t.Fatal(err)
	}
	if got := ids(st.AvailableAgents(ctx, "billing")); !slices.Equal(got, []string{"chi", "dung"}) {
		t.Errorf("available for billing after binh and em went away: %v", got)
	}
	if got := ids(st.AgentsByStatus(ctx, domain.AgentAway)); !slices.Equal(got, []string{"binh", "em"}) {
		t.Errorf("away: %v", got)
	}
	// A supervisor moves an to billing: she is listed for billing, no longer for support.
	an, err := st.GetAgent(ctx, "an")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpdateAgent(ctx, "an", an.Version, store.AgentPatch{Teams: &[]string{"billing"}}); err != nil {
		t.Fatal(err)
	}
	if got := ids(st.AvailableAgents(ctx, "billing")); !slices.Equal(got, []string{"an", "chi", "dung"}) {
		t.Errorf("available for billing after an joined: %v", got)
	}
	if got := ids(st.AvailableAgents(ctx, "support")); !slices.Equal(got, []string{"chi", "dung"}) {
		t.Errorf("available for support after an left: %v", got)
	}
	// Deactivated and reactivated, she is offline in her team's partition and still in the roster.
	if _, _, err := st.DeactivateAgent(ctx, "an"); err != nil {
		t.Fatal(err)
	}
	if got := ids(st.AgentsByStatus(ctx, domain.AgentInactive)); !slices.Equal(got, []string{"an"}) {
		t.Errorf("inactive: %v", got)
	}
	an, _ = st.GetAgent(ctx, "an")
	if _, err := st.UpdateAgent(ctx, "an", an.Version, store.AgentPatch{Reactivate: true}); err != nil {
		t.Fatal(err)
	}
	if got := ids(st.AgentsByStatus(ctx, domain.AgentOffline)); !slices.Equal(got, []string{"an"}) {
		t.Errorf("offline after reactivation: %v", got)
	}
	if got := ids(st.ListAgents(ctx)); !slices.Equal(got, []string{"an", "binh", "chi", "dung", "em"}) {
		t.Errorf("roster at the end %v", got)
	}
}
