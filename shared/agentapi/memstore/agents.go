package memstore

import (
	"context"
	"slices"
	"strings"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/teams"
)

// GetAgent returns agent id.
func (s *Store) GetAgent(_ context.Context, id string) (domain.Agent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.agents[id]
	if !ok {
		return a, notFound("agent", id)
	}
	return a, nil
}

// CreateAgent stores a new agent, offline with no load; an existing id is CodeConflict.
func (s *Store) CreateAgent(_ context.Context, a domain.Agent) (domain.Agent, error) {
	if a.ID == "" || a.MaxConcurrent <= 0 {
		return a, domain.Errorf(domain.CodeInvalid, "an agent needs an id and a capacity above zero")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.agents[a.ID]; ok {
		return a, domain.Errorf(domain.CodeConflict, "agent %s exists", a.ID)
	}
	a.Status, a.Load, a.Version, a.UpdatedAt = domain.AgentOffline, 0, 1, s.Now()
	s.agents[a.ID] = a
	return a, nil
}

// EnsureAgent returns agent a.ID, creating it from a when there is none.
func (s *Store) EnsureAgent(ctx context.Context, a domain.Agent) (domain.Agent, bool, error) {
	created, err := s.CreateAgent(ctx, a)
	if err == nil {
		return created, true, nil
	}
	if domain.ErrorCode(err) != domain.CodeConflict {
		return a, false, err
	}
	got, err := s.GetAgent(ctx, a.ID)
	return got, false, err
}

// ListAgents returns every agent by id.
func (s *Store) ListAgents(_ context.Context) ([]domain.Agent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []domain.Agent
	for _, a := range s.agents {
		out = append(out, a)
	}
	slices.SortFunc(out, func(x, y domain.Agent) int { return strings.Compare(x.ID, y.ID) })
	return out, nil
}

// SetAgentStatus sets an active agent's status.
func (s *Store) SetAgentStatus(_ context.Context, id, status string) (domain.Agent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.agents[id]
	if !ok {
		return a, notFound("agent", id)
	}
	if a.Status == domain.AgentInactive {
		return a, domain.Errorf(domain.CodeForbidden, "agent %s is deactivated", id)
	}
	a.Status, a.UpdatedAt = status, s.Now()
	s.agents[id] = a
	return a, nil
}

// TouchAgent records that the agent was seen now.
func (s *Store) TouchAgent(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.agents[id]
	if !ok {
		return notFound("agent", id)
	}
	a.LastSeenAt = s.Now()
	s.agents[id] = a
	return nil
}

// UpdateAgent applies p if the agent is still at version.
func (s *Store) UpdateAgent(_ context.Context, id string, version int64, p store.AgentPatch) (domain.Agent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.agents[id]
	if !ok {
		return a, notFound("agent", id)
	}
	if a.Version != version {
		return a, domain.Errorf(domain.CodeStale, "agent %s is at version %d, not %d", id, a.Version, version)
	}
	if p.MaxConcurrent != nil && *p.MaxConcurrent < a.Load {
		return a, domain.Errorf(domain.CodeConflict, "agent %s holds %d conversations", id, a.Load)
	}
	if p.Name != nil {
		a.Name = *p.Name
	}
	if p.Email != nil {
		a.Email = *p.Email
	}
	for dst, v := range map[*[]string]*[]string{&a.Teams: p.Teams, &a.Languages: p.Languages, &a.Skills: p.Skills} {
		if v != nil {
			*dst = *v
		}
	}
	if p.MaxConcurrent != nil {
		a.MaxConcurrent = *p.MaxConcurrent
	}
	if p.Supervisor != nil {
		a.Supervisor = *p.Supervisor
	}
	if p.Reactivate && a.Status == domain.AgentInactive {
		a.Status = domain.AgentOffline
	}
	a.Version++
	a.UpdatedAt = s.Now()
	s.agents[id] = a
	return a, nil
}

// DeactivateAgent makes the agent inactive and puts their open
// conversations back in their teams' queues.
func (s *Store) DeactivateAgent(_ context.Context, id string) (domain.Agent, []domain.Conversation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.agents[id]
	if !ok {
		return a, nil, notFound("agent", id)
	}
	now := s.Now()
	var requeued []domain.Conversation
	for cid, c := range s.convs {
		if c.AssigneeID == id && !c.Closed() {
			c.AssigneeID, c.Version, c.UpdatedAt = "", c.Version+1, now
			s.convs[cid] = c
			requeued = append(requeued, c)
		}
	}
	a.Status, a.Load, a.DeactivatedAt, a.Version, a.UpdatedAt = domain.AgentInactive, 0, now, a.Version+1, now
	s.agents[id] = a
	return a, requeued, nil
}

// --- teams ---

// GetTeam returns a stored team.
func (s *Store) GetTeam(_ context.Context, id string) (teams.Team, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.teams[id]
	if !ok {
		return t, notFound("team", id)
	}
	return t, nil
}

// ListTeams lists the stored teams by id.
func (s *Store) ListTeams(_ context.Context) ([]teams.Team, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []teams.Team
	for _, t := range s.teams {
		out = append(out, t)
	}
	slices.SortFunc(out, func(x, y teams.Team) int { return strings.Compare(x.ID, y.ID) })
	return out, nil
}

// CreateTeam stores a new team.
func (s *Store) CreateTeam(ctx context.Context, t teams.Team) (teams.Team, error) {
	return s.PutTeam(ctx, t, 0)
}

// PutTeam replaces a team still at version (0: creates it).
func (s *Store) PutTeam(_ context.Context, t teams.Team, version int64) (teams.Team, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, exists := s.teams[t.ID]
	switch {
	case version == 0 && exists:
		return t, domain.Errorf(domain.CodeConflict, "team %s exists; send If-Match with its version to replace it", t.ID)
	case version != 0 && !exists:
		return t, notFound("team", t.ID)
	case version != 0 && old.Version != version:
		return t, domain.Errorf(domain.CodeStale, "team %s is at version %d, not %d", t.ID, old.Version, version)
	}
	t.Version, t.UpdatedAt, t.Derived = version+1, s.Now(), false
	s.teams[t.ID] = t
	return t, nil
}
