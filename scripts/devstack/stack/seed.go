package stack

import (
	"context"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/teams"
)

// The agent whose token `make dev` prints: Vietnamese and English, a supervisor too.
const (
	BannerAgentID   = "agent-minh-anh"
	BannerAgentName = "Trần Minh Anh"
)

// SeededAgent is one day-one agent and what this run did about it.
type SeededAgent struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Languages []string `json:"languages"`
	Seeded    bool     `json:"seeded"` // false: the record was there already and is left as it is
}

// DayOneAgents are the team `make dev` starts with: the banner's agent and a colleague who speaks English
// only, so routing by language shows from the first conversation. Both start offline; going available is
// the agent's own step (PUT /agents/me/status).
func DayOneAgents(team string) []domain.Agent {
	return []domain.Agent{
		{ID: BannerAgentID, Name: BannerAgentName, Languages: []string{"vi", "en"}, Teams: []string{team}, MaxConcurrent: 5, Supervisor: true},
		{ID: "agent-sam", Name: "Sam Carter", Languages: []string{"en"}, Teams: []string{team}, MaxConcurrent: 5},
	}
}

// seed creates the default team's day-one agents unless they exist. An existing record is never
// overwritten: the developer's edits (status, languages, capacity) survive a restart.
func (s *Stack) seed(ctx context.Context) error {
	st := s.store()
	team := s.getenv("DEFAULT_TEAM", "support")

	// The default team as SLA_POLICY and DEFAULT_LANGUAGES describe it, unless it exists: a supervisor's
	// edits (PUT /teams/support) survive a restart.
	langs, err := teams.ParseLanguages(s.getenv("DEFAULT_LANGUAGES", "vi,en"))
	if err != nil {
		return err
	}
	def, err := teams.FromEnv(team, s.getenv("SLA_POLICY", ""), langs)
	if err != nil {
		return err
	}
	if _, err := teams.NewResolver(st, def).SeedDefault(ctx); err != nil {
		return err
	}

	s.Agents = nil
	for _, a := range DayOneAgents(team) {
		seeded := false
		if _, err := st.GetAgent(ctx, a.ID); domain.ErrorCode(err) == domain.CodeNotFound {
			if _, err := st.PutAgent(ctx, a); err != nil {
				return err
			}
			seeded = true
		} else if err != nil {
			return err
		}
		s.Agents = append(s.Agents, SeededAgent{ID: a.ID, Name: a.Name, Languages: a.Languages, Seeded: seeded})
	}
	return nil
}

func (s *Stack) store() *store.Store { return store.New(s.ddb, s.Table) }
