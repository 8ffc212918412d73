package store

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/domain"
)

// FindByProviderMessage returns the touchpoint recorded for a provider message id.
func (s *Store) FindByProviderMessage(ctx context.Context, provider, msgID string) (domain.Touchpoint, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: messageKey(provider, msgID), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return domain.Touchpoint{}, unavailable(err, "read dedup key")
	}
	if out.Item == nil {
		return domain.Touchpoint{}, domain.Errorf(domain.CodeNotFound, "no touchpoint for %s message %s", provider, msgID)
	}
	var d dedupItem
	if err := attributevalue.UnmarshalMap(out.Item, &d); err != nil {
		return domain.Touchpoint{}, unavailable(err, "decode dedup key")
	}
	return s.GetTouchpoint(ctx, d.CustomerID, d.TouchpointID)
}

// UpdateDeliveryStatus moves a touchpoint's delivery status forward (sent →
// delivered → read; failed from any). Providers deliver callbacks out of
// order, so a status that is not ahead of the stored one changes nothing and
// reports applied=false. A message the store never recorded is CodeNotFound.
func (s *Store) UpdateDeliveryStatus(ctx context.Context, u domain.StatusUpdate) (tp domain.Touchpoint, applied bool, err error) {
	rank := domain.StatusRank(u.Status)
	if rank == 0 {
		return tp, false, domain.Errorf(domain.CodeInvalid, "unknown delivery status %q", u.Status)
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: messageKey(u.Provider, u.ProviderMessageID), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return tp, false, unavailable(err, "read dedup key")
	}
	if out.Item == nil {
		return tp, false, domain.Errorf(domain.CodeNotFound, "no touchpoint for %s message %s", u.Provider, u.ProviderMessageID)
	}
	var d dedupItem
	if err := attributevalue.UnmarshalMap(out.Item, &d); err != nil {
		return tp, false, unavailable(err, "decode dedup key")
	}
	at := u.At
	if at.IsZero() {
		at = s.Now()
	}
	atAV, _ := attributevalue.Marshal(at.UTC())
	expr := "SET deliveryStatus = :s, statusRank = :r, statusAt = :at"
	vals := map[string]types.AttributeValue{
		":s":  &types.AttributeValueMemberS{Value: string(u.Status)},
		":r":  &types.AttributeValueMemberN{Value: itoa(int64(rank))},
		":at": atAV,
	}
	if u.Error != "" {
		expr += ", deliveryError = :e"
		vals[":e"] = &types.AttributeValueMemberS{Value: u.Error}
	}
	res, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       eventKey(d.CustomerID, d.TouchpointID),
		UpdateExpression:          &expr,
		ConditionExpression:       aws.String("attribute_exists(PK) AND (attribute_not_exists(statusRank) OR statusRank < :r)"),
		ExpressionAttributeValues: vals,
		ReturnValues:              types.ReturnValueAllNew,
	})
	if err != nil {
		var cf *types.ConditionalCheckFailedException
		if errors.As(err, &cf) {
			cur, gerr := s.GetTouchpoint(ctx, d.CustomerID, d.TouchpointID)
			return cur, false, gerr
		}
		return tp, false, unavailable(err, "update delivery status")
	}
	tp, err = unmarshalTouchpoint(res.Attributes)
	if err != nil {
		return tp, false, unavailable(err, "decode touchpoint")
	}
	return tp, true, nil
}

// Annotate adds metadata to the touchpoint recorded for a provider message id
// (a call gets the link to its voicemail recording). Existing keys are kept
// unless meta names them.
func (s *Store) Annotate(ctx context.Context, provider, msgID string, meta map[string]string) (domain.Touchpoint, error) {
	tp, err := s.FindByProviderMessage(ctx, provider, msgID)
	if err != nil {
		return tp, err
	}
	merged := make(map[string]string, len(tp.Metadata)+len(meta))
	for k, v := range tp.Metadata {
		merged[k] = v
	}
	for k, v := range meta {
		merged[k] = v
	}
	av, err := attributevalue.Marshal(merged)
	if err != nil {
		return tp, domain.Wrap(err, domain.CodeInternal, "encode metadata")
	}
	if _, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       eventKey(tp.CustomerID, tp.ID),
		UpdateExpression:          aws.String("SET metadata = :m"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":m": av},
	}); err != nil {
		return tp, unavailable(err, "annotate touchpoint")
	}
	tp.Metadata = merged
	return tp, nil
}
