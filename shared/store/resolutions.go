package store

import (
	"context"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
)

// ResolveInput is what resolving a conversation writes with it, atomically:
// the assignee's slot freed, the customer's open conversation closed, the
// day's metric record, the single-use feedback request and the effects
// that must follow (the survey), owed in the same transaction so that no
// crash or failed send after it loses them.
type ResolveInput struct {
	// Check refuses the resolve (with a domain error) on the conversation
	// as freshly read; nil accepts any open conversation.
	Check func(domain.Conversation) error
	// FeedbackToken, when set, leaves a feedback request that expires
	// FeedbackTTL after the resolve.
	FeedbackToken string
	FeedbackTTL   time.Duration
	// Owed are the effects that must follow the resolve.
	Owed []OwedEffect
}

// Resolved is what ResolveConversation saved.
type Resolved struct {
	Conversation domain.Conversation
	// Owed are the resolution's effects with their keys, for the caller to
	// perform and settle (what it does not, the SLA sweep does).
	Owed []OwedEffect
}

// ResolveConversation resolves conversation id with everything r asks for
// in one transaction. A resolved conversation is CodeConflict (a resolve
// happens once); a slot or an open conversation that changed meanwhile is
// CodeConflict too, for the agent to try again.
func (s *Store) ResolveConversation(ctx context.Context, id string, r ResolveInput) (Resolved, error) {
	var res Resolved
	raced := domain.Errorf(domain.CodeConflict, "conversation %s changed while resolving; try again", id)
	saved, err := s.UpdateConversation(ctx, id, func(c *domain.Conversation) ([]Write, error) {
		if c.Closed() {
			return nil, domain.Errorf(domain.CodeConflict, "conversation %s is resolved", id)
		}
		if r.Check != nil {
			if err := r.Check(*c); err != nil {
				return nil, err
			}
		}
		cu, err := s.GetCustomer(ctx, c.CustomerID) // follows a merge made since
		if err != nil {
			return nil, err
		}
		before := *c
		c.Status, c.ResolvedAt = domain.ConversationResolved, s.Now()
		var writes []Write
		if before.AssigneeID != "" {
			w := ReleaseAgentSlot(before.AssigneeID)
			w.refused = raced
			writes = append(writes, w)
		}
		if cu.OpenConversationID == c.ID {
			w := CloseOpenConversation(cu.ID, c.ID)
			w.refused = raced
			writes = append(writes, w)
		}
		m, err := s.ConversationMetricWrite(ConversationMetric{
			ConversationID: c.ID, Priority: c.Priority, Channel: c.LastChannel, Team: c.Team, OpenedAt: c.OpenedAt,
			FirstResponseAt: c.FirstResponseAt, ResolvedAt: c.ResolvedAt, Breached: len(c.SLA.Breaches) > 0 || !c.SLA.BreachedAt.IsZero(),
		})
		if err != nil {
			return nil, domain.Wrap(err, domain.CodeInternal, "encode the resolve's metric record")
		}
		writes = append(writes, WriteOf(m))
		if r.FeedbackToken != "" {
			fw, err := s.FeedbackRequestWrites(FeedbackRequest{Token: r.FeedbackToken, CustomerID: cu.ID, ConversationID: c.ID,
				Channel: c.LastChannel, Priority: c.Priority, CreatedAt: c.ResolvedAt, ExpiresAt: c.ResolvedAt.Add(r.FeedbackTTL)})
			if err != nil {
				return nil, domain.Wrap(err, domain.CodeInternal, "encode the feedback request")
			}
			for _, w := range fw {
				writes = append(writes, WriteOf(w))
			}
		}
		res.Owed = res.Owed[:0]
		for _, e := range r.Owed {
			e, w := s.OweWrite(e)
			res.Owed, writes = append(res.Owed, e), append(writes, w)
		}
		return writes, nil
	})
	if err != nil {
		return Resolved{}, err
	}
	res.Conversation = saved
	return res, nil
}
