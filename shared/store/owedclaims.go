package store

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/store/table"
)

// ErrOwedBusy says another attempt holds an owed effect (ClaimOwed): the
// request that made it is performing it right now, or died doing so and
// its claim has not run out yet.
var ErrOwedBusy = errors.New("store: owed effect held by another attempt")

// ClaimOwed holds the owed effect sk for d, so that two performers (the
// request that owed it and the sweep) never perform it at once. It returns
// false when the effect is settled already, ErrOwedBusy while another claim
// runs. A claim is never released: it runs out, and the next sweep after
// that retries what is still owed.
func (s *Store) ClaimOwed(ctx context.Context, sk string, d time.Duration) (bool, error) {
	now := s.Now()
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           &s.table,
		Key:                 s.owedKey(sk),
		UpdateExpression:    aws.String("SET claimedUntil = :until"),
		ConditionExpression: aws.String("attribute_exists(" + table.PK + ") AND (attribute_not_exists(claimedUntil) OR claimedUntil <= :now)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":until": &types.AttributeValueMemberN{Value: itoa(now.Add(d).UnixMilli())},
			":now":   &types.AttributeValueMemberN{Value: itoa(now.UnixMilli())},
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var cf *types.ConditionalCheckFailedException
	if errorsAs(err, &cf) {
		if cf.Item == nil {
			return false, nil
		}
		return false, ErrOwedBusy
	}
	if err != nil {
		return false, unavailable(err, "claim an owed side effect")
	}
	return true, nil
}
