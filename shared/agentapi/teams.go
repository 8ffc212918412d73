package agentapi

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/sla"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/teams"
)

func teamParam(c *call) (string, error) {
	id := c.params["id"]
	if !teams.ValidID(id) {
		return "", domain.Errorf(domain.CodeInvalid, "malformed team id: 1-64 lower-case letters, digits, - and _")
	}
	return id, nil
}

func teamReply(t teams.Team) reply {
	r := ok(t)
	if !t.Derived {
		r.headers = map[string]string{"etag": etag(t.Version)}
	}
	return r
}

func (a *API) listTeams(ctx context.Context, c *call) (reply, error) {
	if _, err := query(c); err != nil {
		return reply{}, err
	}
	ts, err := a.Teams.List(ctx)
	if err != nil {
		return reply{}, err
	}
	return ok(map[string]any{"items": ts, "defaultTeam": a.Teams.DefaultID()}), nil
}

func (a *API) getTeam(ctx context.Context, c *call) (reply, error) {
	id, err := teamParam(c)
	if err != nil {
		return reply{}, err
	}
	if _, err := query(c); err != nil {
		return reply{}, err
	}
	t, err := a.Teams.Team(ctx, id)
	if err != nil {
		return reply{}, err
	}
	return teamReply(t), nil
}

// putTeam creates a team (no If-Match; 409 if it exists) or replaces one
// (If-Match with its version). The SLA is the shape SLA_POLICY takes and
// is validated the same way; left out, the team starts from the default
// team's policy.
func (a *API) putTeam(ctx context.Context, c *call) (reply, error) {
	id, err := teamParam(c)
	if err != nil {
		return reply{}, err
	}
	var version int64
	if header(c, "If-Match") != "" {
		if version, err = ifMatch(c); err != nil {
			return reply{}, err
		}
	}
	var body struct {
		Name      string          `json:"name"`
		Languages []string        `json:"languages"`
		SLA       json.RawMessage `json:"sla"`
	}
	if err := decode(c, &body); err != nil {
		return reply{}, err
	}
	t := teams.Team{ID: id, Name: strings.TrimSpace(body.Name), Languages: dedupe(body.Languages)}
	if t.Name == "" {
		t.Name = id
	}
	if utf8.RuneCountInString(t.Name) > maxName {
		return reply{}, domain.Errorf(domain.CodeInvalid, "name is at most %d characters", maxName)
	}
	if err := teams.CheckLanguages("languages", t.Languages); err != nil {
		return reply{}, err
	}
	if len(bytes.TrimSpace(body.SLA)) == 0 || string(bytes.TrimSpace(body.SLA)) == "null" {
		if t.SLA, err = a.Teams.Policy(ctx, a.Teams.DefaultID()); err != nil {
			return reply{}, err
		}
	} else if t.SLA, err = sla.ParsePolicy(bytes.NewReader(body.SLA)); err != nil {
		return reply{}, domain.Errorf(domain.CodeInvalid, "%s", strings.TrimPrefix(err.Error(), "sla config: "))
	}
	saved, err := a.Store.PutTeam(ctx, t, version)
	a.Teams.Forget(id)
	if err != nil {
		return reply{}, err
	}
	if version == 0 {
		r := teamReply(saved)
		r.status = 201
		return r, nil
	}
	return teamReply(saved), nil
}

// transfer moves a conversation to another team's queue: it leaves its
// agent (whose slot is freed in the same transaction), its running SLA
// clock is retargeted under the new team's policy, and an available agent
// of the new team gets it at once if there is one.
func (a *API) transfer(ctx context.Context, c *call) (reply, error) {
	id, err := conversationParam(c)
	if err != nil {
		return reply{}, err
	}
	var body struct {
		Team string `json:"team"`
	}
	if err := decode(c, &body); err != nil {
		return reply{}, err
	}
	if !teams.ValidID(body.Team) {
		return reply{}, domain.Errorf(domain.CodeInvalid, "team is required: a team id")
	}
	if _, err := a.Teams.Team(ctx, body.Team); err != nil {
		return reply{}, err
	}
	pol, err := a.Teams.Policy(ctx, body.Team)
	if err != nil {
		return reply{}, err
	}
	var same bool    // already on that team: nothing to save or assign
	var freed string // the assignee whose slot the transfer frees
	saved, err := a.Store.EditConversation(ctx, id, func(c *domain.Conversation) error {
		if c.Closed() {
			return domain.Errorf(domain.CodeConflict, "conversation %s is resolved", id)
		}
		if same = c.Team == body.Team; same {
			return store.ErrNoChange
		}
		// Off the assignee (the store frees their slot) and back to the queue.
		freed = c.AssigneeID
		c.AssigneeID, c.AssignedAt = "", time.Time{}
		c.Team = body.Team
		if running := c.SLA.Metric != "" && !c.SLA.StartedAt.IsZero() && c.SLA.MetAt.IsZero(); running {
			clk := routing.ClockOf(pol, c.SLA)
			if err := pol.Retarget(&clk, c.Priority, sla.Metric(c.SLA.Metric)); err == nil {
				routing.StoreClock(&c.SLA, clk)
			}
		}
		return nil
	})
	if err != nil {
		return reply{}, err
	}
	if same {
		return ok(a.view(ctx, saved)), nil
	}
	if a.Router != nil {
		if got, err := a.Router.AssignBest(ctx, saved, saved.Language); err == nil {
			saved = got
		} else {
			a.Log.Warn("assign after transfer", "conversation", saved.ID, "error", err.Error())
		}
	}
	a.pullInto(ctx, freed, "transfer")
	return ok(a.view(ctx, saved)), nil
}
