package store

import (
	"context"

	"github.com/concierge-cx/concierge/shared/domain"
)

// EditConversation applies edit to conversation id with UpdateConversation's
// retries; edit may return ErrNoChange. Agents' slots follow the assignee:
// when edit changes it, the former assignee's slot is freed and the new
// one's taken in the same transaction (CodeConflict when that agent is not
// available or at capacity), so a claim, an assignment or a transfer never
// leaves a slot counted twice or lost.
func (s *Store) EditConversation(ctx context.Context, id string, edit func(*domain.Conversation) error) (domain.Conversation, error) {
	return s.UpdateConversation(ctx, id, func(c *domain.Conversation) ([]Write, error) {
		before := c.AssigneeID
		if err := edit(c); err != nil {
			return nil, err
		}
		if c.AssigneeID == before {
			return nil, nil
		}
		var writes []Write
		if before != "" {
			writes = append(writes, ReleaseAgentSlot(before))
		}
		if c.AssigneeID != "" {
			writes = append(writes, s.AssignChange(c, c.AssigneeID))
		}
		return writes, nil
	})
}
