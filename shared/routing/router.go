package routing

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/jobs"
	"github.com/concierge-cx/concierge/shared/sla"
	"github.com/concierge-cx/concierge/shared/stage"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/urgency"
)

// Store is what routing needs of storage (*store.Store in production; an
// in-memory implementation in the fast tests). Changes to a conversation go
// through UpdateLoadedConversation, with the named writes of package store
// (store.TakeAgentSlot) committing with them.
type Store interface {
	Now() time.Time
	GetConversation(ctx context.Context, id string) (domain.Conversation, error)
	UpdateLoadedConversation(ctx context.Context, c domain.Conversation, change store.Change) (domain.Conversation, error)
	GetCustomer(ctx context.Context, id string) (domain.Customer, error)
	GetAgent(ctx context.Context, id string) (domain.Agent, error)
	// AvailableAgents lists the available agents who may serve team (those
	// of that team and those of no team or several), with what routing
	// chooses by.
	AvailableAgents(ctx context.Context, team string) ([]domain.Agent, error)
	Queue(ctx context.Context, team string, limit int, cursor string) (store.ConversationPage, error)
	Acknowledgements
}

// Acknowledgements is what sending an acknowledgement records.
type Acknowledgements interface {
	ClaimAck(ctx context.Context, customerID, conversationID string, window time.Duration) (store.AckClaim, error)
	ReleaseAck(ctx context.Context, customerID, conversationID string) error
	RecordOutbound(ctx context.Context, tp domain.Touchpoint) (domain.Touchpoint, bool, error)
	IndexMessageIDs(ctx context.Context, conversationID, customerID string, ids ...string) error
}

// Router handles routing jobs. All fields but Log are required.
type Router struct {
	Store    Store
	Sender   Sender
	Notifier Notifier
	Config   Config
	// Teams gives each team's SLA policy (a teams.Resolver); nil means
	// Config.Policy for every team.
	Teams Policies
	Log   *slog.Logger
	// Metrics receives Embedded Metric Format lines (nil: stdout, as in Lambda).
	Metrics io.Writer
	// Parking and MaxReceives (the lane's redrive threshold) keep a job
	// whose effects are still owed after its last delivery out of the DLQ
	// (see park); nil or 0: it goes to the DLQ.
	Parking     Parking
	MaxReceives int
	// Media downloads the files of stored messages (jobs.Media, a
	// media.Downloader); nil drops those jobs with a warning.
	Media MediaHandler
}

// MediaHandler does a media download job.
type MediaHandler interface {
	Handle(ctx context.Context, job jobs.Media) error
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
	AlreadyDone  bool // the job's message was already applied: nothing changed
	Assigned     bool
	Acknowledged bool
}

// Route applies one inbound message to its conversation, assigns it and
// acknowledges the customer. The message's state change and the assignment
// are one write, together with the effects they owe (the acknowledgement,
// the agent's notification) as markers on the conversation; the effects are
// then done and their markers cleared. A job that dies or fails between the
// two is redelivered and finds the markers (see effects.go). Applying a
// message is idempotent, so a redelivered job changes nothing else. It
// returns an error only for a failure worth retrying.
func (r *Router) Route(ctx context.Context, job jobs.Routing) (Outcome, error) {
	if job.ConversationID == "" || job.Quarantined || job.Kind == domain.KindStatus {
		return Outcome{AlreadyDone: true}, nil
	}
	var conv domain.Conversation
	if job.NewConversation && !job.Redelivery && job.CustomerID != "" && !job.ReceivedAt.IsZero() {
		// Its first message: the conversation is as ingest opened it (or,
		// if a later message got here first, its version tells, and the
		// store reads it and applies the change again).
		conv = store.OpenedConversation(job.ConversationID, job.CustomerID, job.Channel, job.ReceivedAt)
	} else {
		var err error
		if conv, err = r.Store.GetConversation(ctx, job.ConversationID); err != nil {
			return Outcome{}, err
		}
	}
	var (
		agents  []domain.Agent
		listed  bool
		forTeam string // the team agents were listed for
		refused = map[string]bool{}
		changed bool
		chosen  string
	)
	for {
		saved, err := r.Store.UpdateLoadedConversation(ctx, conv, func(c *domain.Conversation) ([]store.Write, error) {
			before := *c
			// opened: this message is the first the conversation routes (its
			// clock has not started): decided from the stored state, so that
			// whichever copy of a first message routes first acknowledges it.
			opened := c.SLA.StartedAt.IsZero() && !c.Closed()
			team := c.Team
			if team == "" {
				team = r.team(job)
			}
			pol, err := r.policy(ctx, team)
			if err != nil {
				return nil, err
			}
			*c = r.apply(*c, job, pol)
			if changed, chosen = !reflect.DeepEqual(before, *c), ""; !changed {
				return nil, store.ErrNoChange
			}
			if opened && r.ackWanted(job) {
				c.Owed = addOwed(c.Owed, effectAck)
			}
			if c.AssigneeID != "" || c.Closed() {
				return nil, nil
			}
			if !listed || forTeam != c.Team {
				if agents, err = r.Store.AvailableAgents(ctx, c.Team); err != nil {
					return nil, err
				}
				listed, forTeam = true, c.Team
			}
			cands := r.candidates(agents, c.Team, job.Language)
			if len(cands) == 0 && r.tierTeam(c.Team) {
				// The tier's team is full: overflow to anyone available, whose
				// agents sit in other teams' partitions.
				if agents, err = r.Store.AvailableAgents(ctx, store.AnyTeam); err != nil {
					return nil, err
				}
				forTeam = store.AnyTeam
				cands = r.candidates(agents, c.Team, job.Language)
			}
			for _, a := range cands {
				if !refused[a.ID] {
					chosen = a.ID
					return []store.Write{r.assign(c, a.ID)}, nil
				}
			}
			return nil, nil // no one free: it waits in its team queue
		})
		if errors.Is(err, store.ErrAgentUnavailable) {
			refused[chosen], conv = true, saved // that agent filled up or went away meanwhile: the next
			continue
		}
		if err != nil {
			return Outcome{}, err
		}
		out := Outcome{Conversation: saved, AlreadyDone: !changed, Assigned: chosen != "" && saved.AssigneeID == chosen}
		if out.Conversation, out.Acknowledged, err = r.settle(ctx, saved, &job); err != nil {
			return out, err
		}
		logger(r.Log).Info("routed", "conversation", saved.ID, "priority", saved.Priority, "assignee", saved.AssigneeID,
			"acknowledged", out.Acknowledged, "score", job.Score, "alreadyDone", out.AlreadyDone)
		return out, nil
	}
}

// assign gives c to agentID in the change being made, with the agent's slot
// and the notification the assignment owes.
func (r *Router) assign(c *domain.Conversation, agentID string) store.Write {
	c.AssigneeID, c.AssignedAt = agentID, r.Store.Now()
	if r.Notifier != nil {
		c.Owed = addOwed(c.Owed, effectNotifyAssigned+agentID)
	}
	return store.TakeAgentSlot(agentID)
}

// apply folds one inbound message into the conversation's state. It is
// idempotent and tolerates order: priority and urgency only rise, times only
// move forward, and a message received before the agent answered (or before
// the conversation went pending) does not restart the clock, so a
// redelivered or late job changes nothing it should not.
func (r *Router) apply(c domain.Conversation, job jobs.Routing, pol sla.Policy) domain.Conversation {
	now := r.Store.Now()
	c.AwaitingRoute = false // routed now: a later follow-up is in place only as a routed one
	if domain.PriorityRank(job.Priority) < domain.PriorityRank(c.Priority) {
		c.Priority = job.Priority
		c.Urgency = &domain.Urgency{Score: job.Score, Reasons: reasonTexts(job)}
	} else if c.Urgency == nil || job.Score > c.Urgency.Score {
		c.Urgency = &domain.Urgency{Score: job.Score, Reasons: reasonTexts(job)}
	}
	at := job.OccurredAt.UTC().Truncate(time.Millisecond) // as stored
	// The language is the customer's as of her latest message: a first job
	// routed after a follow-up stored in place (store.TouchFollowUp) keeps it.
	if job.Language != "" && (c.Language == "" || !at.Before(c.LastMessageAt)) {
		c.Language = job.Language
	}
	if at.After(c.LastMessageAt) {
		c.LastMessageAt, c.LastChannel = at, job.Channel
	}
	if at.After(c.LastInboundAt) {
		c.LastInboundAt = at
	}
	if c.Team == "" {
		c.Team = r.team(job)
	}
	applyMissedCall(&c, job, pol)
	clock := ClockOf(pol, c.SLA)
	switch {
	case c.Status == domain.ConversationPending && job.ReceivedAt.After(c.SLA.PausedSince):
		// The customer answered: the clock waiting on them runs again.
		c.Status = domain.ConversationOpen
		clock.Resume(now)
	case c.Status == domain.ConversationPending:
		// Sent before the agent asked: the answer is still awaited.
	case c.SLA.StartedAt.IsZero():
		if started, err := pol.Start(c.Priority, sla.FirstResponse, job.ReceivedAt); err == nil {
			clock = started
			c.SLA.Metric = string(sla.FirstResponse)
		}
	case clock.Met() && c.SLA.Metric != string(sla.Resolution):
		// The agent had answered; a follow-up sent after that starts the
		// next-response clock (one sent before was part of what they answered).
		if !job.ReceivedAt.After(c.SLA.MetAt) {
			break
		}
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

func (r *Router) team(job jobs.Routing) string {
	for _, reason := range job.Reasons {
		if t, ok := r.Config.TeamByCategory[reason.Category]; ok && reason.Points > 0 {
			return t
		}
	}
	if t, ok := r.Config.TeamByTier[job.Tier]; ok && job.Tier != "" {
		return t
	}
	if r.Config.DefaultTeam != "" {
		return r.Config.DefaultTeam
	}
	return stage.DefaultTeam
}

// candidates are the agents a new message may go to: the team's, and for a
// tier's team, when none of them is free, everyone else available (overflow:
// the tier's customer is served first by her team, never left waiting for it).
func (r *Router) candidates(agents []domain.Agent, team, language string) []domain.Agent {
	out := eligible(agents, team, language)
	if len(out) > 0 || !r.tierTeam(team) {
		return out
	}
	var anyone []domain.Agent
	for _, a := range agents {
		a.Teams = nil // any team
		anyone = append(anyone, a)
	}
	return eligible(anyone, team, language)
}

func (r *Router) tierTeam(team string) bool {
	for _, t := range r.Config.TeamByTier {
		if t == team {
			return true
		}
	}
	return false
}

func reasonTexts(job jobs.Routing) []string {
	var out []string
	for _, r := range job.Reasons {
		if r.Points == 0 && r.Code != urgency.ReasonTierFloor {
			continue // the tier is kept even when it adds nothing
		}
		t := r.Code
		if r.Detail != "" {
			t += ": " + r.Detail
		}
		out = append(out, t)
	}
	return out
}

// AssignBest assigns conv to the best available agent: one who has the
// conversation's team as a skill and speaks the customer's language, lowest
// load first, then longest idle; the agent's notification is owed in the
// same write and then sent. With no such agent the conversation stays in its
// team queue. It returns the conversation as it now stands.
func (r *Router) AssignBest(ctx context.Context, conv domain.Conversation, language string) (domain.Conversation, error) {
	agents, err := r.Store.AvailableAgents(ctx, conv.Team)
	if err != nil {
		return conv, err
	}
	for _, a := range eligible(agents, conv.Team, language) {
		assigned, err := r.Store.UpdateLoadedConversation(ctx, conv, func(c *domain.Conversation) ([]store.Write, error) {
			if c.AssigneeID != "" || c.Closed() {
				return nil, store.ErrNoChange // taken or closed meanwhile
			}
			return []store.Write{r.assign(c, a.ID)}, nil
		})
		if errors.Is(err, store.ErrAgentUnavailable) {
			conv = assigned
			continue // that agent filled up or went away meanwhile: try the next
		}
		if err != nil {
			return conv, err
		}
		if assigned.AssigneeID != "" || assigned.Closed() {
			done, _, err := r.settle(ctx, assigned, nil)
			return done, err
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
		teams = []string{r.team(jobs.Routing{})}
	}
	var waiting []domain.Conversation
	for _, t := range teams {
		page, err := r.Store.Queue(ctx, t, 50, "")
		if err != nil {
			return nil, err
		}
		waiting = append(waiting, page.Items...)
	}
	slices.SortStableFunc(waiting, domain.QueueOrder)
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
		taken := false
		assigned, err := r.Store.UpdateLoadedConversation(ctx, c, func(c *domain.Conversation) ([]store.Write, error) {
			if taken = c.AssigneeID == "" && !c.Closed(); !taken {
				return nil, store.ErrNoChange // taken or closed meanwhile
			}
			return []store.Write{r.assign(c, agent.ID)}, nil
		})
		if errors.Is(err, store.ErrAgentUnavailable) {
			return got, nil // the agent filled up or went away meanwhile
		}
		if err != nil {
			return got, err
		}
		if !taken {
			continue
		}
		if assigned, _, err = r.settle(ctx, assigned, nil); err != nil {
			return got, err
		}
		got = append(got, assigned)
		free--
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

// reroute assigns at once a conversation the SLA sweeper escalated, or one
// sent back to be assigned again. Assignment is conditional, so a
// redelivered job changes nothing.
func (r *Router) reroute(ctx context.Context, conversationID string) (Outcome, error) {
	c, err := r.Store.GetConversation(ctx, conversationID)
	if err != nil {
		return Outcome{}, err
	}
	if c.AssigneeID != "" || c.Closed() {
		done, _, err := r.settle(ctx, c, nil) // what an earlier try still owes
		return Outcome{Conversation: done, AlreadyDone: true}, err
	}
	lang, err := r.languageOf(ctx, c)
	if err != nil {
		return Outcome{}, err
	}
	assigned, err := r.AssignBest(ctx, c, lang)
	if err != nil {
		return Outcome{}, err
	}
	return Outcome{Conversation: assigned, Assigned: assigned.AssigneeID != ""}, nil
}

// Handle routes any job a lane carries.
func (r *Router) Handle(ctx context.Context, j jobs.Job) (Outcome, error) {
	switch j := j.(type) {
	case jobs.Routing:
		return r.Route(ctx, j)
	case jobs.Escalation:
		return r.reroute(ctx, j.ConversationID)
	case jobs.Reroute:
		return r.reroute(ctx, j.ConversationID)
	case jobs.Media:
		// Downloads ride the normal lane but are no routing: shared/media.
		if r.Media == nil {
			logger(r.Log).Warn("media job dropped: no downloader configured (ATTACHMENTS_BUCKET)", "touchpoint", j.TouchpointID)
			return Outcome{}, nil
		}
		return Outcome{}, r.Media.Handle(ctx, j)
	}
	return Outcome{}, fmt.Errorf("routing: unknown job %T", j)
}
