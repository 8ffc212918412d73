package agentapi

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/teams"
)

// lastSeenEvery bounds how often a caller's "last seen" is written: once a
// minute at most, not once a request.
const lastSeenEvery = time.Minute

// staffAgent is the agent record of a staff caller. A user in the agent or
// supervisor group who has none gets one from the token's claims and the
// stage's defaults, so a colleague who just signed in can go available at
// once. A deactivated agent is refused.
func (a *API) staffAgent(ctx context.Context, who principal) (domain.Agent, error) {
	ag, err := a.Store.GetAgent(ctx, who.Subject)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		if len(who.Subject) > maxAgentID {
			return ag, domain.Errorf(domain.CodeInvalid, "the token's subject is longer than %d bytes", maxAgentID)
		}
		langs, lerr := teams.ParseLanguages(strings.Join(a.Config.DefaultLanguages, ","))
		if lerr != nil {
			return ag, domain.Wrap(lerr, domain.CodeInternal, "DEFAULT_LANGUAGES")
		}
		var created bool
		ag, created, err = a.Store.EnsureAgent(ctx, domain.Agent{
			ID: who.Subject, Name: clip(who.Name, maxName), Email: who.Email, Teams: []string{a.Config.DefaultTeam},
			Languages: langs, MaxConcurrent: a.Config.DefaultAgentCapacity, Supervisor: who.supervisor(),
			LastSeenAt: a.Store.Now(),
		})
		if err == nil && created {
			a.Log.Info("agent provisioned", "agent", ag.ID, "team", a.Config.DefaultTeam)
		}
	}
	if err != nil {
		return ag, err
	}
	if ag.Status == domain.AgentInactive {
		return ag, domain.Errorf(domain.CodeForbidden, "agent %s is deactivated", ag.ID)
	}
	if now := a.Store.Now(); now.Sub(ag.LastSeenAt) >= lastSeenEvery {
		// Last seen is a convenience: a throttled write must not fail the agent's request.
		if err := a.Store.TouchAgent(ctx, ag.ID); err != nil {
			a.Log.Warn("agent last seen not recorded", "agent", ag.ID, "error", err.Error())
		} else {
			ag.LastSeenAt = now
		}
	}
	return ag, nil
}

// Limits of an agent's fields.
const (
	maxAgentID  = 128
	maxName     = 200
	maxListSize = 32
	maxCapacity = 100
)

// agentView is an agent as the roster shows it.
type agentView struct {
	ID             string    `json:"id"`
	Name           string    `json:"name"`
	Email          string    `json:"email,omitempty"`
	Status         string    `json:"status"`
	Teams          []string  `json:"teams"`
	Languages      []string  `json:"languages"`
	Skills         []string  `json:"skills"`
	Capacity       int       `json:"capacity"`
	Load           int       `json:"load"`
	Supervisor     bool      `json:"supervisor"`
	LastSeenAt     time.Time `json:"lastSeenAt,omitzero"`
	LastAssignedAt time.Time `json:"lastAssignedAt,omitzero"`
	DeactivatedAt  time.Time `json:"deactivatedAt,omitzero"`
	UpdatedAt      time.Time `json:"updatedAt"`
	Version        int64     `json:"version"`
	// Phone calls (issue 18).
	Phone          string `json:"phone,omitempty"`
	ClientIdentity string `json:"clientIdentity,omitempty"`
	Voice          bool   `json:"voice"`
	VoiceAvailable bool   `json:"voiceAvailable"`
	OnCall         bool   `json:"onCall"`
	ConnectUserID  string `json:"connectUserId,omitempty"`
}

func viewAgent(ag domain.Agent) agentView {
	return agentView{ID: ag.ID, Name: ag.Name, Email: ag.Email, Status: ag.Status, Teams: nonNil(ag.Teams),
		Languages: nonNil(ag.Languages), Skills: nonNil(ag.Skills), Capacity: ag.MaxConcurrent, Load: ag.Load,
		Supervisor: ag.Supervisor, LastSeenAt: ag.LastSeenAt, LastAssignedAt: ag.LastAssignedAt,
		DeactivatedAt: ag.DeactivatedAt, UpdatedAt: ag.UpdatedAt, Version: ag.Version,
		Phone: ag.Phone, ClientIdentity: ag.ClientIdentity, Voice: ag.Voice, VoiceAvailable: ag.VoiceAvailable,
		OnCall: ag.OnCall != "", ConnectUserID: ag.ConnectUserID}
}

func agentReply(ag domain.Agent) reply {
	r := ok(viewAgent(ag))
	r.headers = map[string]string{"etag": etag(ag.Version)}
	return r
}

func (a *API) setStatus(ctx context.Context, c *call) (reply, error) {
	var body struct {
		Status string `json:"status"`
		// Voice says whether the agent takes phone calls now (issue 18).
		Voice *bool `json:"voice"`
	}
	if err := decode(c, &body); err != nil {
		return reply{}, err
	}
	if body.Status == "" && body.Voice == nil {
		return reply{}, domain.Errorf(domain.CodeInvalid, "status or voice is required")
	}
	ag := c.agent
	var err error
	if body.Voice != nil {
		if ag, err = a.setVoice(ctx, c.who.Subject, *body.Voice); err != nil {
			return reply{}, err
		}
	}
	if body.Status != "" {
		if ag, err = a.Store.SetAgentStatus(ctx, c.who.Subject, body.Status); err != nil {
			return reply{}, err
		}
	}
	// Becoming available pulls waiting work into the agent's free slots.
	var pulled []string
	if ag.Status == domain.AgentAvailable && a.Router != nil {
		got, err := a.Router.Pull(ctx, ag.ID)
		if err != nil {
			return reply{}, err
		}
		for _, g := range got {
			pulled = append(pulled, g.ID)
		}
		if len(got) > 0 {
			if ag, err = a.Store.GetAgent(ctx, ag.ID); err != nil {
				return reply{}, err
			}
		}
	}
	return ok(map[string]any{"agent": viewAgent(ag), "pulled": nonNil(pulled)}), nil
}

func (a *API) listAgents(ctx context.Context, c *call) (reply, error) {
	q, err := query(c, "status", "team")
	if err != nil {
		return reply{}, err
	}
	switch q["status"] {
	case "", domain.AgentAvailable, domain.AgentAway, domain.AgentOffline, domain.AgentInactive:
	default:
		return reply{}, domain.Errorf(domain.CodeInvalid, "status must be available, away, offline or inactive")
	}
	all, err := a.Store.ListAgents(ctx)
	if err != nil {
		return reply{}, err
	}
	items := []agentView{}
	for _, ag := range all {
		if (q["status"] == "" || ag.Status == q["status"]) && (q["team"] == "" || slices.Contains(ag.Teams, q["team"])) {
			items = append(items, viewAgent(ag))
		}
	}
	return ok(map[string]any{"items": items}), nil
}

func (a *API) getMe(_ context.Context, c *call) (reply, error) {
	if _, err := query(c); err != nil {
		return reply{}, err
	}
	return agentReply(c.agent), nil
}

func agentParam(c *call) (string, error) {
	id := c.params["id"]
	if id == "" || len(id) > maxAgentID || !utf8.ValidString(id) || strings.ContainsAny(id, "# \t\n") {
		return "", domain.Errorf(domain.CodeInvalid, "malformed agent id")
	}
	return id, nil
}

func (a *API) getAgent(ctx context.Context, c *call) (reply, error) {
	id, err := agentParam(c)
	if err != nil {
		return reply{}, err
	}
	if _, err := query(c); err != nil {
		return reply{}, err
	}
	ag, err := a.Store.GetAgent(ctx, id)
	if err != nil {
		return reply{}, err
	}
	return agentReply(ag), nil
}

// agentFields are the editable fields of an agent, as POST and PATCH take them.
type agentFields struct {
	Name       *string   `json:"name"`
	Email      *string   `json:"email"`
	Teams      *[]string `json:"teams"`
	Languages  *[]string `json:"languages"`
	Skills     *[]string `json:"skills"`
	Capacity   *int      `json:"capacity"`
	Supervisor *bool     `json:"supervisor"`
	// Phone calls (issue 18): where the agent's calls ring, whether they
	// take calls, and their Amazon Connect user.
	Phone          *string `json:"phone"`
	ClientIdentity *string `json:"clientIdentity"`
	Voice          *bool   `json:"voice"`
	ConnectUserID  *string `json:"connectUserId"`
}

// check validates the fields that are set; every team named must exist.
func (a *API) check(ctx context.Context, f *agentFields) error {
	if f.Name != nil {
		n := strings.TrimSpace(*f.Name)
		if n == "" || utf8.RuneCountInString(n) > maxName || !utf8.ValidString(n) {
			return domain.Errorf(domain.CodeInvalid, "name is 1 to %d characters", maxName)
		}
		f.Name = &n
	}
	if f.Email != nil {
		e := strings.ToLower(strings.TrimSpace(*f.Email))
		if e != "" && (len(e) > 254 || strings.Count(e, "@") != 1 || strings.HasPrefix(e, "@") || strings.HasSuffix(e, "@") || strings.ContainsAny(e, " \t\r\n<>")) {
			return domain.Errorf(domain.CodeInvalid, "email is not an email address")
		}
		f.Email = &e
	}
	if err := a.checkVoice(f); err != nil {
		return err
	}
	if f.Capacity != nil && (*f.Capacity < 1 || *f.Capacity > maxCapacity) {
		return domain.Errorf(domain.CodeInvalid, "capacity must be a whole number from 1 to %d", maxCapacity)
	}
	if f.Languages != nil {
		if err := teams.CheckLanguages("languages", *f.Languages); err != nil {
			return err
		}
		*f.Languages = dedupe(*f.Languages)
	}
	if f.Skills != nil {
		if len(*f.Skills) > maxListSize {
			return domain.Errorf(domain.CodeInvalid, "at most %d skills", maxListSize)
		}
		for _, s := range *f.Skills {
			if s == "" || len(s) > 64 || !utf8.ValidString(s) {
				return domain.Errorf(domain.CodeInvalid, "skills are 1 to 64 bytes each")
			}
		}
		*f.Skills = dedupe(*f.Skills)
	}
	if f.Teams != nil {
		if len(*f.Teams) > maxListSize {
			return domain.Errorf(domain.CodeInvalid, "at most %d teams", maxListSize)
		}
		for _, t := range *f.Teams {
			if !teams.ValidID(t) {
				return domain.Errorf(domain.CodeInvalid, "team %q is not a team id", t)
			}
			if _, err := a.Teams.Team(ctx, t); err != nil {
				return err // CodeNotFound names the unknown team
			}
		}
		*f.Teams = dedupe(*f.Teams)
	}
	return nil
}

func (a *API) createAgent(ctx context.Context, c *call) (reply, error) {
	var body struct {
		ID string `json:"id"`
		agentFields
	}
	if err := decode(c, &body); err != nil {
		return reply{}, err
	}
	c.params = map[string]string{"id": body.ID}
	id, err := agentParam(c)
	if err != nil {
		return reply{}, domain.Errorf(domain.CodeInvalid, "id (the user's sub) is required, at most %d bytes", maxAgentID)
	}
	f := body.agentFields
	if f.Name == nil {
		return reply{}, domain.Errorf(domain.CodeInvalid, "name is required")
	}
	if err := a.check(ctx, &f); err != nil {
		return reply{}, err
	}
	ag := domain.Agent{ID: id, Name: *f.Name, MaxConcurrent: a.Config.DefaultAgentCapacity, Teams: []string{a.Config.DefaultTeam}}
	if f.Email != nil {
		ag.Email = *f.Email
	}
	if f.Teams != nil {
		ag.Teams = *f.Teams
	}
	if f.Languages != nil {
		ag.Languages = *f.Languages
	} else if ag.Languages, err = teams.ParseLanguages(strings.Join(a.Config.DefaultLanguages, ",")); err != nil {
		return reply{}, domain.Wrap(err, domain.CodeInternal, "DEFAULT_LANGUAGES")
	}
	if f.Skills != nil {
		ag.Skills = *f.Skills
	}
	if f.Capacity != nil {
		ag.MaxConcurrent = *f.Capacity
	}
	if f.Supervisor != nil {
		ag.Supervisor = *f.Supervisor
	}
	setVoiceFields(&ag, f)
	ag, err = a.Store.CreateAgent(ctx, ag)
	if err != nil {
		return reply{}, err
	}
	r := agentReply(ag)
	r.status = 201
	return r, nil
}

func (a *API) patchAgent(ctx context.Context, c *call) (reply, error) {
	id, err := agentParam(c)
	if err != nil {
		return reply{}, err
	}
	version, err := ifMatch(c)
	if err != nil {
		return reply{}, err
	}
	var body struct {
		agentFields
		Active *bool `json:"active"`
	}
	if err := decode(c, &body); err != nil {
		return reply{}, err
	}
	f := body.agentFields
	if err := a.check(ctx, &f); err != nil {
		return reply{}, err
	}
	if body.Active != nil && !*body.Active {
		return reply{}, domain.Errorf(domain.CodeInvalid, "deactivate an agent with DELETE /agents/{id}")
	}
	ag, err := a.Store.UpdateAgent(ctx, id, version, store.AgentPatch{
		Name: f.Name, Email: f.Email, Teams: f.Teams, Languages: f.Languages, Skills: f.Skills,
		MaxConcurrent: f.Capacity, Supervisor: f.Supervisor, Reactivate: body.Active != nil && *body.Active,
		Phone: f.Phone, ClientIdentity: f.ClientIdentity, Voice: f.Voice, ConnectUserID: f.ConnectUserID,
	})
	if err != nil {
		return reply{}, err
	}
	if ag.Status == domain.AgentAvailable && (f.Capacity != nil || f.Teams != nil) {
		// More room or other queues: waiting work may fit now (a follow-up
		// does not offer a waiting conversation again).
		a.pullInto(ctx, ag.ID, "agent edit")
	}
	return agentReply(ag), nil
}

// pullInto fills the free slots of agentID from its teams' queues after a
// change that freed or added room. Best effort: the next status change,
// resolve or SLA escalation pulls again.
func (a *API) pullInto(ctx context.Context, agentID, after string) {
	if a.Router == nil || agentID == "" {
		return
	}
	if _, err := a.Router.Pull(ctx, agentID); err != nil {
		a.Log.Warn("pull after "+after, "agent", agentID, "error", err.Error())
	}
}

// deactivateAgent takes an agent out of routing: their open conversations
// go back to their teams' queues (urgent first) with their slots released,
// and each is offered to another available agent at once. Running it again
// finishes a deactivation that was cut off.
func (a *API) deactivateAgent(ctx context.Context, c *call) (reply, error) {
	id, err := agentParam(c)
	if err != nil {
		return reply{}, err
	}
	if err := emptyBody(c); err != nil {
		return reply{}, err
	}
	ag, requeued, err := a.Store.DeactivateAgent(ctx, id)
	if err != nil {
		return reply{}, err
	}
	type moved struct {
		ID         string          `json:"id"`
		Priority   domain.Priority `json:"priority"`
		Team       string          `json:"team"`
		AssigneeID string          `json:"assigneeId,omitempty"`
	}
	out := []moved{}
	for _, conv := range requeued {
		if a.Router != nil {
			lang := conv.Language
			if got, err := a.Router.AssignBest(ctx, conv, lang); err == nil {
				conv = got
			} else {
				// It waits in its queue, where the next available agent pulls it.
				a.Log.Warn("reassign after deactivation", "conversation", conv.ID, "error", err.Error())
			}
		}
		out = append(out, moved{ID: conv.ID, Priority: conv.Priority, Team: conv.Team, AssigneeID: conv.AssigneeID})
	}
	return ok(map[string]any{"agent": viewAgent(ag), "requeued": out}), nil
}

// dedupe drops repeats, keeping the first of each (the first team is the
// agent's default queue).
func dedupe(list []string) []string {
	out := make([]string, 0, len(list))
	for _, s := range list {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
