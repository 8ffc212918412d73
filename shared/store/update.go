package store

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/domain"
)

// ErrNoChange, returned by a Change, ends an update without writing: the
// conversation needs nothing (already done, or nothing due).
var ErrNoChange = errors.New("store: no change to the conversation")

// ErrAlreadyRouted says a routing job's touchpoint was already marked routed
// (the MarkRouted write refused): the job is a redelivery, nothing was saved.
var ErrAlreadyRouted = errors.New("store: touchpoint already routed")

// Write is one more item written atomically with a conversation change
// (OweWrite makes one); opaque so callers need no DynamoDB types.
type Write struct {
	item types.TransactWriteItem
	// refused, when set, is the error the update returns if this write's
	// condition refuses (instead of a conflict naming its position).
	refused error
}

// WriteOf wraps a raw transaction item (ReleaseAgentWrite and the like) as a
// Write for UpdateConversation.
func WriteOf(item types.TransactWriteItem) Write { return Write{item: item} }

// MarkRouted is MarkRoutedWrite as a Write: when the touchpoint was already
// routed the update returns ErrAlreadyRouted.
func (s *Store) MarkRouted(customerID, touchpointID string, at time.Time) Write {
	return Write{item: s.MarkRoutedWrite(customerID, touchpointID, at), refused: ErrAlreadyRouted}
}

// Change edits a conversation in place and returns writes that must commit
// with it (atomically). It may run several times, each time on the freshly
// read conversation, so it must derive everything from what it is given.
type Change func(c *domain.Conversation) ([]Write, error)

// UpdateConversation reads conversation id, applies change and saves it under
// its version, retrying on a lost race with the store's jittered backoff.
// It returns the saved conversation (or the unchanged one after ErrNoChange).
// When the races never settle it returns a CodeUnavailable contention error,
// never silence: the caller's delivery is retried.
func (s *Store) UpdateConversation(ctx context.Context, id string, change Change) (domain.Conversation, error) {
	c, err := s.GetConversation(ctx, id)
	if err != nil {
		return c, err
	}
	return s.UpdateLoadedConversation(ctx, c, change)
}

// UpdateLoadedConversation is UpdateConversation starting from a
// conversation the caller has just read, saving that read when nobody
// changed it meanwhile.
func (s *Store) UpdateLoadedConversation(ctx context.Context, c domain.Conversation, change Change) (domain.Conversation, error) {
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return c, unavailable(err, "update conversation")
			}
			fresh, err := s.GetConversation(ctx, c.ID)
			if err != nil {
				return c, err
			}
			c = fresh
		}
		next := c
		extra, err := change(&next)
		if errors.Is(err, ErrNoChange) {
			return c, nil
		}
		if err != nil {
			return c, err
		}
		writes := make([]types.TransactWriteItem, len(extra))
		for i, w := range extra {
			writes[i] = w.item
		}
		saved, err := s.SaveConversation(ctx, next, writes...)
		if err == nil {
			return saved, nil
		}
		if i := RefusedIndex(err) - 1; i >= 0 && i < len(extra) && extra[i].refused != nil {
			return c, extra[i].refused
		}
		if !lostRace(err) {
			return c, err
		}
	}
	return c, errTooManyAttempts("update conversation " + c.ID)
}

// lostRace says a save failed only because another writer got there first:
// the conversation's version moved, or DynamoDB cancelled the transaction
// for a concurrent one (no condition refused).
func lostRace(err error) bool {
	switch domain.ErrorCode(err) {
	case domain.CodeStale:
		return true
	case domain.CodeConflict:
		return RefusedIndex(err) < 0
	}
	return false
}
