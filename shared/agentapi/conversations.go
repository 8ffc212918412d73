package agentapi

import (
	"context"
	"slices"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/sla"
	"github.com/concierge-cx/concierge/shared/store"
)

// conversationView is a conversation with its SLA state read at now.
type conversationView struct {
	domain.Conversation
	SLAState *slaState `json:"slaState,omitempty"`
	// SaleStage (before, during, after a purchase) and Tier are the
	// customer's, on the single conversation's view.
	SaleStage   string              `json:"saleStage,omitempty"`
	Tier        string              `json:"tier,omitempty"`
	Touchpoints []domain.Touchpoint `json:"touchpoints,omitempty"`
	// ReplyOptions: only on GET /conversations/{id}.
	ReplyOptions []replyOption `json:"replyOptions,omitempty"`
}

type slaState struct {
	Metric           string `json:"metric"`
	RemainingSeconds int64  `json:"remainingSeconds"` // negative: how late
	Breached         bool   `json:"breached"`
	Met              bool   `json:"met"`
	Paused           bool   `json:"paused"`
}

func (a *API) view(ctx context.Context, conv domain.Conversation) conversationView {
	v := conversationView{Conversation: conv}
	if !conv.SLA.StartedAt.IsZero() {
		clk, err := a.clockOf(ctx, conv)
		if err != nil {
			// The view is still worth showing; its SLA state is left out.
			a.Log.Warn("team policy unavailable", "conversation", conv.ID, "error", err.Error())
			return v
		}
		st := clk.State(a.Store.Now())
		v.SLAState = &slaState{Metric: conv.SLA.Metric, RemainingSeconds: int64(st.Remaining / time.Second),
			Breached: st.Breached, Met: st.Met, Paused: st.Paused}
	}
	return v
}

// clockOf is the conversation's SLA clock under its team's policy.
func (a *API) clockOf(ctx context.Context, conv domain.Conversation) (sla.Clock, error) {
	pol, err := a.Teams.Policy(ctx, conv.Team)
	if err != nil {
		return sla.Clock{}, err
	}
	return routing.ClockOf(pol, conv.SLA), nil
}

var priorities = []domain.Priority{domain.PriorityUrgent, domain.PriorityHigh, domain.PriorityNormal, domain.PriorityLow}

func (a *API) listConversations(ctx context.Context, c *call) (reply, error) {
	q, err := query(c, "view", "priority", "team", "limit", "cursor")
	if err != nil {
		return reply{}, err
	}
	limit, err := limitParam(q, 25, 100)
	if err != nil {
		return reply{}, err
	}
	prio := domain.Priority(q["priority"])
	if prio != "" && !slices.Contains(priorities, prio) {
		return reply{}, domain.Errorf(domain.CodeInvalid, "priority must be urgent, high, normal or low")
	}
	var page store.ConversationPage
	switch view := q["view"]; view {
	case "mine":
		if q["team"] != "" {
			return reply{}, domain.Errorf(domain.CodeInvalid, "team applies to view=unassigned and view=team")
		}
		page, err = a.Store.AssignedTo(ctx, c.who.Subject, limit, q["cursor"])
	case "", "unassigned":
		team, terr := a.teamOf(ctx, c, q["team"])
		if terr != nil {
			return reply{}, terr
		}
		page, err = a.Store.Queue(ctx, team, limit, q["cursor"])
	case "team":
		if q["cursor"] != "" {
			return reply{}, domain.Errorf(domain.CodeInvalid, "view=team is a single page; cursor is not accepted")
		}
		team, terr := a.teamOf(ctx, c, q["team"])
		if terr != nil {
			return reply{}, terr
		}
		page, err = a.teamView(ctx, team, limit)
	default:
		return reply{}, domain.Errorf(domain.CodeInvalid, "view must be mine, unassigned or team")
	}
	if err != nil {
		return reply{}, err
	}
	items := []conversationView{}
	for _, conv := range page.Items {
		if prio == "" || conv.Priority == prio {
			items = append(items, a.view(ctx, conv))
		}
	}
	return ok(map[string]any{"items": items, "next": page.Next}), nil
}

// teamOf is the team named, else the caller's first team, else the default.
func (a *API) teamOf(_ context.Context, c *call, named string) (string, error) {
	if named != "" {
		if len(named) > 64 {
			return "", domain.Errorf(domain.CodeInvalid, "team is at most 64 bytes")
		}
		return named, nil
	}
	// The caller's agent record was read (or provisioned) with the request.
	if len(c.agent.Teams) > 0 {
		return c.agent.Teams[0], nil
	}
	return a.Config.DefaultTeam, nil
}

// teamView is every open conversation of a team: its queue and what its
// members hold, urgent first then by due time.
func (a *API) teamView(ctx context.Context, team string, limit int) (store.ConversationPage, error) {
	first, err := a.Store.Queue(ctx, team, limit, "")
	if err != nil {
		return first, err
	}
	all := first.Items
	// One read of the roster (not one per status): every active member's work.
	agents, err := a.Store.ListAgents(ctx)
	if err != nil {
		return first, err
	}
	for _, ag := range agents {
		if ag.Status == domain.AgentInactive || !slices.Contains(ag.Teams, team) {
			continue
		}
		p, err := a.Store.AssignedTo(ctx, ag.ID, limit, "")
		if err != nil {
			return first, err
		}
		all = append(all, p.Items...)
	}
	slices.SortStableFunc(all, func(x, y domain.Conversation) int {
		if rx, ry := domain.PriorityRank(x.Priority), domain.PriorityRank(y.Priority); rx != ry {
			return rx - ry
		}
		return dueOf(x).Compare(dueOf(y))
	})
	if len(all) > limit {
		all = all[:limit]
	}
	return store.ConversationPage{Items: all}, nil
}

func dueOf(c domain.Conversation) time.Time {
	if !c.SLA.DueAt.IsZero() {
		return c.SLA.DueAt
	}
	return c.OpenedAt
}

func (a *API) getConversation(ctx context.Context, c *call) (reply, error) {
	id, err := conversationParam(c)
	if err != nil {
		return reply{}, err
	}
	if _, err := query(c); err != nil {
		return reply{}, err
	}
	conv, err := a.Store.GetConversation(ctx, id)
	if err != nil {
		return reply{}, err
	}
	tps, err := a.conversationTouchpoints(ctx, conv, 300)
	if err != nil {
		return reply{}, err
	}
	v := a.view(ctx, conv)
	if cu, err := a.Store.GetCustomer(ctx, conv.CustomerID); err == nil {
		v.SaleStage, v.Tier = a.Config.Loyalty.SaleStage(cu, a.Store.Now()), cu.Tier
	} else if domain.ErrorCode(err) != domain.CodeNotFound {
		return reply{}, err
	}
	v.Touchpoints = tps
	if v.Touchpoints == nil {
		v.Touchpoints = []domain.Touchpoint{}
	}
	if a.Policy != nil {
		cu, err := a.Store.GetCustomer(ctx, conv.CustomerID)
		if err != nil {
			return reply{}, err
		}
		v.ReplyOptions = a.replyOptions(ctx, conv, cu, tps)
	}
	return ok(v), nil
}

// conversationTouchpoints reads the customer's timeline back to the
// conversation's opening (at most max touchpoints) and keeps the
// conversation's own, newest first.
func (a *API) conversationTouchpoints(ctx context.Context, conv domain.Conversation, max int) ([]domain.Touchpoint, error) {
	var out []domain.Touchpoint
	cursor, read := "", 0
	for read < max {
		page, err := a.Store.Timeline(ctx, conv.CustomerID, 100, cursor)
		if err != nil {
			return nil, err
		}
		for _, tp := range page.Items {
			read++
			if tp.ConversationID == conv.ID {
				out = append(out, tp)
			}
			if tp.OccurredAt.Before(conv.OpenedAt.Add(-time.Minute)) && tp.ConversationID != conv.ID {
				return out, nil // older than the conversation: nothing of it further back
			}
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	return out, nil
}

func (a *API) claim(ctx context.Context, c *call) (reply, error) {
	id, err := conversationParam(c)
	if err != nil {
		return reply{}, err
	}
	if err := emptyBody(c); err != nil {
		return reply{}, err
	}
	conv, err := a.assignTo(ctx, id, c.who.Subject, false)
	if err != nil {
		return reply{}, err
	}
	return ok(a.view(ctx, conv)), nil
}

func (a *API) assign(ctx context.Context, c *call) (reply, error) {
	id, err := conversationParam(c)
	if err != nil {
		return reply{}, err
	}
	var body struct {
		AgentID string `json:"agentId"`
	}
	if err := decode(c, &body); err != nil {
		return reply{}, err
	}
	if body.AgentID == "" || len(body.AgentID) > 128 {
		return reply{}, domain.Errorf(domain.CodeInvalid, "agentId is required")
	}
	conv, err := a.assignTo(ctx, id, body.AgentID, true)
	if err != nil {
		return reply{}, err
	}
	return ok(a.view(ctx, conv)), nil
}

// assignTo gives the conversation to an agent, atomically and within the
// agent's capacity. A claim takes only unassigned work; a supervisor's
// assignment may move it from another agent, whose slot the store frees in
// the same transaction.
func (a *API) assignTo(ctx context.Context, id, agentID string, reassign bool) (domain.Conversation, error) {
	return a.Store.EditConversation(ctx, id, func(c *domain.Conversation) error {
		if c.Closed() {
			return domain.Errorf(domain.CodeConflict, "conversation %s is resolved", id)
		}
		if c.AssigneeID == agentID {
			return store.ErrNoChange
		}
		if c.AssigneeID != "" && !reassign {
			return domain.Errorf(domain.CodeConflict, "conversation %s is already assigned to %s", id, c.AssigneeID)
		}
		c.AssigneeID = agentID
		return nil
	})
}

// emptyBody refuses a body on routes that take none, so a client sending
// fields it believes matter learns they do not.
func emptyBody(c *call) error {
	if c.req.Body == "" {
		return nil
	}
	var none struct{}
	return decode(c, &none)
}
