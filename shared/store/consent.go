package store

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store/table"
)

// RecordConsent sets the customer's consent on a channel and stores tp (a
// consent touchpoint whose id the caller derives from what caused it) in
// one transaction. It changes nothing, and reports changed=false, when the
// channel already holds the same choice or tp is stored already: a
// redelivered opt-out writes once.
func (s *Store) RecordConsent(ctx context.Context, customerID string, ch domain.Channel, c domain.Consent, tp domain.Touchpoint) (changed bool, err error) {
	if !domain.ValidID(domain.CustomerIDPrefix, customerID) || tp.ID == "" {
		return false, domain.Errorf(domain.CodeInvalid, "a consent needs a customer and a touchpoint id")
	}
	c.At = c.At.UTC().Truncate(1e6)
	tp.CustomerID, tp.Kind, tp.Channel = customerID, domain.KindConsent, ch
	tp.ReceivedAt = s.Now()
	item, err := marshalTouchpoint(tp)
	if err != nil {
		return false, err
	}
	cv, err := attributevalue.Marshal(c)
	if err != nil {
		return false, err
	}
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return false, unavailable(err, "record consent")
			}
		}
		cu, err := s.getProfile(ctx, customerID)
		if err != nil {
			return false, err
		}
		if cur, ok := cu.Consent[ch]; ok && cur.OptedOut == c.OptedOut {
			return false, nil
		}
		up := &types.Update{
			TableName:                &s.table,
			Key:                      profileKey(customerID),
			ExpressionAttributeNames: map[string]string{"#ch": string(ch)},
		}
		if cu.Consent == nil {
			up.UpdateExpression = aws.String("SET consent = :m")
			up.ConditionExpression = aws.String("attribute_exists(" + table.PK + ") AND attribute_not_exists(mergedInto) AND attribute_not_exists(consent)")
			up.ExpressionAttributeNames = nil
			up.ExpressionAttributeValues = map[string]types.AttributeValue{":m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{string(ch): cv}}}
		} else {
			up.UpdateExpression = aws.String("SET consent.#ch = :c")
			up.ConditionExpression = aws.String("attribute_exists(" + table.PK + ") AND attribute_not_exists(mergedInto) AND attribute_exists(consent) AND " +
				"(attribute_not_exists(consent.#ch) OR consent.#ch.optedOut <> :opt)")
			up.ExpressionAttributeValues = map[string]types.AttributeValue{":c": cv, ":opt": &types.AttributeValueMemberBOOL{Value: c.OptedOut}}
		}
		_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			s.putNew(item), {Update: up},
		}})
		if err == nil {
			return true, nil
		}
		o, ok := classifyTx(err)
		if !ok {
			return false, unavailable(err, "record consent")
		}
		if len(o.failed) > 0 && o.failed[0] == 0 {
			return false, nil // this very consent is stored
		}
		// The profile moved (the map was created meanwhile, or the choice
		// was made): read it again.
	}
	return false, errTooManyAttempts("recording consent")
}
