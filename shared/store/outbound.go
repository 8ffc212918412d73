package store

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/concierge-cx/concierge/shared/domain"
)

// RecordOutbound stores a touchpoint Concierge sent or wrote (a reply, an
// acknowledgement, an agent note) on a customer's timeline. With a provider
// message id it also writes the dedup key, so delivery statuses find it and a
// retried record of the same send is a no-op reported as a duplicate.
func (s *Store) RecordOutbound(ctx context.Context, tp domain.Touchpoint) (domain.Touchpoint, bool, error) {
	if !domain.ValidID(domain.CustomerIDPrefix, tp.CustomerID) {
		return tp, false, domain.Errorf(domain.CodeInvalid, "malformed customer id")
	}
	if tp.ConversationID != "" && !domain.ValidID(domain.ConversationIDPrefix, tp.ConversationID) {
		return tp, false, domain.Errorf(domain.CodeInvalid, "malformed conversation id")
	}
	if tp.Channel == "" || tp.Kind == "" {
		return tp, false, domain.Errorf(domain.CodeInvalid, "a touchpoint needs a channel and a kind")
	}
	if tp.Direction == "" {
		tp.Direction = domain.DirectionOut
	}
	tp.ReceivedAt = s.Now()
	if tp.OccurredAt.IsZero() {
		tp.OccurredAt = tp.ReceivedAt
	}
	tp.OccurredAt = tp.OccurredAt.UTC().Truncate(1e6)
	if tp.ID == "" {
		tp.ID = s.newID(domain.TouchpointIDPrefix, tp.OccurredAt)
	}
	if tp.ProviderMessageID == "" {
		item, err := marshalTouchpoint(tp)
		if err != nil {
			return tp, false, err
		}
		if itemSize(item) > MaxTouchpointBytes {
			return tp, false, domain.Errorf(domain.CodeTooLarge, "touchpoint above the %d-byte item budget", MaxTouchpointBytes)
		}
		put := s.putNew(item).Put
		if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: put.TableName, Item: put.Item, ConditionExpression: put.ConditionExpression}); err != nil {
			if isConditionFailed(err) {
				return tp, true, nil
			}
			return tp, false, unavailable(err, "record touchpoint")
		}
		return tp, false, nil
	}
	writes, err := s.touchpointWrites(tp)
	if err != nil {
		return tp, false, err
	}
	if _, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: writes}); err != nil {
		if o, ok := classifyTx(err); ok && len(o.failed) > 0 && o.failed[0] == 0 {
			stored, ferr := s.FindByProviderMessage(ctx, tp.Provider, tp.ProviderMessageID)
			return stored, true, ferr
		}
		return tp, false, unavailable(err, "record touchpoint")
	}
	return tp, false, nil
}
