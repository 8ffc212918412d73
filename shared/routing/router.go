package routing

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/sla"
	"github.com/concierge-cx/concierge/shared/stage"
	"github.com/concierge-cx/concierge/shared/store"
)

// Router handles routing jobs. All fields but Log are required.
type Router struct {
	Store    *store.Store
	Sender   Sender
	Notifier Notifier
	Config   Config
	// Teams gives each team's SLA policy (a teams.Resolver); nil means
	// Config.Policy for every team.
	Teams Policies
	Log   *slog.Logger
	// Metrics receives Embedded Metric Format lines (nil: stdout, as in Lambda).
	Metrics io.Writer
}

// Policies gives a team's SLA policy: teams.Resolver, the one reader the
// router, the sweeper and the agent API share so they compute the same due
// times.
type Policies interface {
	Policy(ctx context.Context, team string) (sla.Policy, error)
}

// PolicyOf is the SLA policy of a team through src, or fallback when src is nil.
func PolicyOf(ctx context.Context, src Policies, fallback sla.Policy, team string) (sla.Policy, error) {
	if src == nil {
		return fallback, nil
	}
	return src.Policy(ctx, team)
}

func (r *Router) policy(ctx context.Context, team string) (sla.Policy, error) {
	return PolicyOf(ctx, r.Teams, r.Config.Policy, team)
}

// Outcome says what routing one job did.
type Outcome struct {
	Conversation domain.Conversation
	AlreadyDone  bool // the job was a redelivery of one already routed
	Assigned     bool
	Acknowledged bool
}

// Route applies one inbound message to its conversation, assigns it and
// acknowledges the customer. It is idempotent: a redelivered job finds its
// touchpoint marked routed and does nothing. It returns an error only for a
// failure worth retrying (storage unavailable).
func (r *Router) Route(ctx context.Context, job ingest.Job) (Outcome, error) {
	if job.ConversationID == "" || job.Quarantined || job.Kind == domain.KindStatus {
		return Outcome{AlreadyDone: true}, nil
	}
	if job.Kind == KindEscalation {
		return r.reroute(ctx, job)
	}
	// opened: this message is the first the conversation routes (its clock has
	// not started). Decided from the stored state, not from the job, so that
	// whichever copy of a first message routes first acknowledges it: a
	// provider's duplicate delivery carries NewConversation=false.
	var opened bool
	conv, err := r.Store.UpdateConversation(ctx, job.ConversationID, func(c *domain.Conversation) ([]store.Write, error) {
		opened = c.SLA.StartedAt.IsZero() && !c.Closed()
		team := c.Team
		if team == "" {
			team = r.team(job)
		}
		pol, err := r.policy(ctx, team)
		if err != nil {
			return nil, err
		}
		*c = r.apply(*c, job, pol)
		return []store.Write{r.Store.MarkRouted(job.CustomerID, job.TouchpointID, r.Store.Now())}, nil
	})
	if errors.Is(err, store.ErrAlreadyRouted) {
		return Outcome{Conversation: conv, AlreadyDone: true}, nil
	}
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{Conversation: conv}
	if conv.AssigneeID == "" && !conv.Closed() {
		assigned, err := r.AssignBest(ctx, conv, job.Language)
		if err != nil {
			return out, err
		}
		if assigned.AssigneeID != "" {
			out.Conversation, out.Assigned = assigned, true
			r.notify(ctx, Event{
				Kind: "assigned", ConversationID: conv.ID, CustomerID: conv.CustomerID, CustomerName: job.CustomerName,
				Priority: assigned.Priority, Channel: job.Channel, AgentID: assigned.AssigneeID,
				Reasons: reasonTexts(job), DueAt: assigned.SLA.DueAt,
			})
		}
	}
	acked, conv2, err := r.acknowledge(ctx, out.Conversation, job, opened)
	if err != nil {
		return out, err
	}
	out.Acknowledged, out.Conversation = acked, conv2
	logger(r.Log).Info("routed", "conversation", conv.ID, "priority", out.Conversation.Priority,
		"assignee", out.Conversation.AssigneeID, "acknowledged", acked, "score", job.Score)
	return out, nil
}

// apply folds one inbound message into the conversation's state.
func (r *Router) apply(c domain.Conversation, job ingest.Job, pol sla.Policy) domain.Conversation {
	now := r.Store.Now()
	if domain.PriorityRank(job.Priority) < domain.PriorityRank(c.Priority) {
		c.Priority = job.Priority
		c.Urgency = &domain.Urgency{Score: job.Score, Reasons: reasonTexts(job)}
	} else if c.Urgency == nil || job.Score > c.Urgency.Score {
		c.Urgency = &domain.Urgency{Score: job.Score, Reasons: reasonTexts(job)}
	}
	if job.OccurredAt.After(c.LastMessageAt) {
		c.LastMessageAt, c.LastChannel = job.OccurredAt, job.Channel
	}
	if job.OccurredAt.After(c.LastInboundAt) {
		c.LastInboundAt = job.OccurredAt
	}
	if c.Team == "" {
		c.Team = r.team(job)
	}
	if job.Language != "" {
		c.Language = job.Language
	}
	clock := ClockOf(pol, c.SLA)
	switch {
	case c.Status == domain.ConversationPending:
		// The customer answered: the clock waiting on them runs again.
		c.Status = domain.ConversationOpen
		clock.Resume(now)
	case c.SLA.StartedAt.IsZero():
		if started, err := pol.Start(c.Priority, sla.FirstResponse, job.ReceivedAt); err == nil {
			clock = started
			c.SLA.Metric = string(sla.FirstResponse)
		}
	case clock.Met() && c.SLA.Metric != string(sla.Resolution):
		// The agent had answered; this follow-up starts the next-response clock.
		if started, err := pol.Start(c.Priority, sla.NextResponse, job.ReceivedAt); err == nil {
			clock = started
			c.SLA.Metric = string(sla.NextResponse)
		}
	default:
		// A more urgent message tightens the running target, never loosens it.
		if err := pol.Retarget(&clock, c.Priority, sla.Metric(c.SLA.Metric)); err != nil {
			logger(r.Log).Warn("sla retarget", "error", err.Error())
		}
	}
	StoreClock(&c.SLA, clock)
	return c
}

func (r *Router) team(job ingest.Job) string {
	for _, reason := range job.Reasons {
		if t, ok := r.Config.TeamByCategory[reason.Category]; ok && reason.Points > 0 {
			return t
		}
	}
	if r.Config.DefaultTeam != "" {
		return r.Config.DefaultTeam
	}
	return stage.DefaultTeam
}

func reasonTexts(job ingest.Job) []string {
	var out []string
	for _, r := range job.Reasons {
		if r.Points == 0 {
			continue
		}
		t := r.Code
		if r.Detail != "" {
			t += ": " + r.Detail
		}
		out = append(out, t)
	}
	return out
}

func (r *Router) notify(ctx context.Context, e Event) {
	if r.Notifier == nil {
		return
	}
	if err := r.Notifier.Notify(ctx, e); err != nil {
		// A notification that failed after its retries is logged, not fatal:
		// the conversation is already assigned and visible in the queue.
		logger(r.Log).Warn("agent notification failed", "event", e.Kind, "conversation", e.ConversationID, "error", err.Error())
	}
}

// AssignBest assigns conv to the best available agent: one who has the
// conversation's team as a skill and speaks the customer's language, lowest
// load first, then longest idle. With no such agent the conversation stays in
// its team queue. It returns the conversation as it now stands.
func (r *Router) AssignBest(ctx context.Context, conv domain.Conversation, language string) (domain.Conversation, error) {
	agents, err := r.Store.AgentsByStatus(ctx, domain.AgentAvailable)
	if err != nil {
		return conv, err
	}
	for _, a := range eligible(agents, conv.Team, language) {
		assigned, err := r.Store.UpdateLoadedConversation(ctx, conv, func(c *domain.Conversation) ([]store.Write, error) {
			if c.AssigneeID != "" || c.Closed() {
				return nil, store.ErrNoChange // taken or closed meanwhile
			}
			return []store.Write{r.Store.AssignChange(c, a.ID)}, nil
		})
		if domain.ErrorCode(err) == domain.CodeConflict {
			conv = assigned
			continue // that agent filled up or went away meanwhile: try the next
		}
		if err != nil {
			return conv, err
		}
		if assigned.AssigneeID != "" || assigned.Closed() {
			return assigned, nil
		}
		conv = assigned
	}
	return conv, nil
}

// eligible filters and orders agents for a conversation.
func eligible(agents []domain.Agent, team, language string) []domain.Agent {
	var out []domain.Agent
	for _, a := range agents {
		if a.Status != domain.AgentAvailable || a.Load >= a.MaxConcurrent {
			continue
		}
		if len(a.Teams) > 0 && !slices.Contains(a.Teams, team) {
			continue
		}
		if language != "" && len(a.Languages) > 0 && !slices.Contains(a.Languages, language) {
			continue
		}
		out = append(out, a)
	}
	slices.SortStableFunc(out, func(x, y domain.Agent) int {
		if x.Load != y.Load {
			return x.Load - y.Load
		}
		return x.LastAssignedAt.Compare(y.LastAssignedAt)
	})
	return out
}

// Pull fills an agent's free slots from the queues of their teams, urgent
// first then by due time: called when an agent becomes available or frees a
// slot. It returns the conversations assigned.
func (r *Router) Pull(ctx context.Context, agentID string) ([]domain.Conversation, error) {
	agent, err := r.Store.GetAgent(ctx, agentID)
	if err != nil {
		return nil, err
	}
	if agent.Status != domain.AgentAvailable {
		return nil, nil
	}
	teams := agent.Teams
	if len(teams) == 0 {
		teams = []string{r.team(ingest.Job{})}
	}
	var waiting []domain.Conversation
	for _, t := range teams {
		page, err := r.Store.Queue(ctx, t, 50, "")
		if err != nil {
			return nil, err
		}
		waiting = append(waiting, page.Items...)
	}
	slices.SortStableFunc(waiting, func(a, b domain.Conversation) int {
		if ra, rb := domain.PriorityRank(a.Priority), domain.PriorityRank(b.Priority); ra != rb {
			return ra - rb
		}
		return dueOf(a).Compare(dueOf(b))
	})
	var got []domain.Conversation
	free := agent.MaxConcurrent - agent.Load
	for _, c := range waiting {
		if free <= 0 {
			break
		}
		lang, err := r.languageOf(ctx, c)
		if err != nil {
			return got, err
		}
		if lang != "" && len(agent.Languages) > 0 && !slices.Contains(agent.Languages, lang) {
			continue
		}
		assigned, err := r.Store.Assign(ctx, c, agent.ID)
		if err != nil {
			switch domain.ErrorCode(err) {
			case domain.CodeStale:
				continue // taken or changed meanwhile
			case domain.CodeConflict:
				return got, nil // the agent filled up or went away meanwhile
			}
			return got, err
		}
		got = append(got, assigned)
		free--
		r.notify(ctx, Event{Kind: "assigned", ConversationID: c.ID, CustomerID: c.CustomerID, Priority: c.Priority,
			Channel: c.LastChannel, AgentID: agent.ID, DueAt: c.SLA.DueAt})
	}
	return got, nil
}

// languageOf is the language the conversation's customer is answered in:
// kept on the conversation by routing, read from the profile only for a
// conversation routing has not seen (a supervisor follow-up).
func (r *Router) languageOf(ctx context.Context, conv domain.Conversation) (string, error) {
	if conv.Language != "" {
		return conv.Language, nil
	}
	c, err := r.Store.GetCustomer(ctx, conv.CustomerID)
	if err != nil {
		return "", err
	}
	return c.Language, nil
}

func dueOf(c domain.Conversation) time.Time {
	if !c.SLA.DueAt.IsZero() {
		return c.SLA.DueAt
	}
	return c.OpenedAt
}

// reroute tries at once to assign a conversation the SLA sweeper escalated.
// Assignment is conditional, so a redelivered escalation changes nothing.
func (r *Router) reroute(ctx context.Context, job ingest.Job) (Outcome, error) {
	c, err := r.Store.GetConversation(ctx, job.ConversationID)
	if err != nil {
		return Outcome{}, err
	}
	if c.AssigneeID != "" || c.Closed() {
		return Outcome{Conversation: c, AlreadyDone: true}, nil
	}
	lang, err := r.languageOf(ctx, c)
	if err != nil {
		return Outcome{}, err
	}
	assigned, err := r.AssignBest(ctx, c, lang)
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{Conversation: assigned, Assigned: assigned.AssigneeID != ""}
	if out.Assigned {
		r.notify(ctx, Event{Kind: "assigned", ConversationID: c.ID, CustomerID: c.CustomerID, Priority: assigned.Priority,
			Channel: c.LastChannel, AgentID: assigned.AssigneeID, DueAt: assigned.SLA.DueAt, Text: "escalated after an SLA breach"})
	}
	return out, nil
}
