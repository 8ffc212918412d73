package store

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store/table"
)

// GetConversation returns a conversation by id.
func (s *Store) GetConversation(ctx context.Context, id string) (domain.Conversation, error) {
	if !domain.ValidID(domain.ConversationIDPrefix, id) {
		return domain.Conversation{}, domain.Errorf(domain.CodeInvalid, "malformed conversation id")
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: conversationKey(id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return domain.Conversation{}, unavailable(err, "read conversation")
	}
	if out.Item == nil {
		return domain.Conversation{}, domain.Errorf(domain.CodeNotFound, "conversation %s not found", id)
	}
	c, err := unmarshalConversation(out.Item)
	if err != nil {
		return domain.Conversation{}, unavailable(err, "decode conversation")
	}
	return c, nil
}

// OpenConversation returns the customer's open conversation, opening one on
// channel if there is none. There is at most one open conversation per
// customer across channels: the profile holds its id, and opening one is
// conditional on the profile holding none.
func (s *Store) OpenConversation(ctx context.Context, customerID string, ch domain.Channel) (conv domain.Conversation, opened bool, err error) {
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return conv, false, unavailable(err, "open conversation")
			}
		}
		cust, err := s.GetCustomer(ctx, customerID)
		if err != nil {
			return conv, false, err
		}
		if cust.OpenConversationID != "" {
			c, err := s.GetConversation(ctx, cust.OpenConversationID)
			return c, false, err
		}
		now := s.Now()
		c := s.newConversation(cust.ID, ch, now)
		// No routing job follows it: her reply must take the router's path.
		c.AwaitingRoute = false
		item, err := marshalConversation(c)
		if err != nil {
			return conv, false, err
		}
		_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			s.putNew(item),
			{Update: &types.Update{
				TableName:           &s.table,
				Key:                 profileKey(cust.ID),
				UpdateExpression:    aws.String("SET openConversationId = :c"),
				ConditionExpression: aws.String("attribute_exists(" + table.PK + ") AND attribute_not_exists(openConversationId) AND attribute_not_exists(mergedInto)"),
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":c": &types.AttributeValueMemberS{Value: c.ID},
				},
			}},
		}})
		if err == nil {
			return c, true, nil
		}
		if _, ok := classifyTx(err); !ok {
			return conv, false, unavailable(err, "open conversation")
		}
	}
	return conv, false, errTooManyAttempts("opening a conversation")
}
