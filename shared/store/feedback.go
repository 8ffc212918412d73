package store

import (
	"context"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store/table"
)

// Feedback requests. A resolved conversation leaves one single-use token:
// F#<token>/F holds what the answer belongs to and expires by TTL; the
// customer's index item FC#<customer id>/F names their latest token, so a
// bare "5" on the channel finds it without a link.
const (
	pfxFeedback         = "F#"
	pfxFeedbackCustomer = "FC#"
	skFeedback          = "F"
	typeFeedbackRequest = "feedback_request"
	typeFeedbackIndex   = "feedback_index"
)

// FeedbackRequest is an outstanding request for a satisfaction score.
type FeedbackRequest struct {
	Token          string          `dynamodbav:"token"`
	CustomerID     string          `dynamodbav:"customerId"`
	ConversationID string          `dynamodbav:"conversationId"`
	Channel        domain.Channel  `dynamodbav:"channel"`
	Priority       domain.Priority `dynamodbav:"priority,omitempty"`
	CreatedAt      time.Time       `dynamodbav:"createdAt"`
	ExpiresAt      time.Time       `dynamodbav:"-"`
}

// FeedbackRequestWrites store a request and point the customer's index at it
// (replacing an older one): extra writes for the resolving UpdateConversation.
func (s *Store) FeedbackRequestWrites(r FeedbackRequest) ([]types.TransactWriteItem, error) {
	item, err := attributevalue.MarshalMap(r)
	if err != nil {
		return nil, err
	}
	ttl := &types.AttributeValueMemberN{Value: strconv.FormatInt(r.ExpiresAt.Unix(), 10)}
	addKeys(item, pfxFeedback+r.Token, skFeedback, typeFeedbackRequest)
	item[table.TTL] = ttl
	idx := key(pfxFeedbackCustomer+r.CustomerID, skFeedback)
	idx["type"] = &types.AttributeValueMemberS{Value: typeFeedbackIndex}
	idx["token"] = &types.AttributeValueMemberS{Value: r.Token}
	idx[table.TTL] = ttl
	return []types.TransactWriteItem{s.putNew(item), {Put: &types.Put{TableName: &s.table, Item: idx}}}, nil
}

// PendingFeedbackToken returns the customer's latest unexpired feedback
// token, if any (it may since have been used: RecordFeedback decides).
func (s *Store) PendingFeedbackToken(ctx context.Context, customerID string) (string, bool, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: key(pfxFeedbackCustomer+customerID, skFeedback), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return "", false, unavailable(err, "read feedback index")
	}
	if out.Item == nil || expired(out.Item, s.Now()) {
		return "", false, nil
	}
	return str(out.Item, "token"), true, nil
}

func expired(item map[string]types.AttributeValue, now time.Time) bool {
	n, ok := item[table.TTL].(*types.AttributeValueMemberN)
	if !ok {
		return false
	}
	sec, err := strconv.ParseInt(n.Value, 10, 64)
	return err == nil && sec <= now.Unix()
}

// FeedbackInput is a customer's answer to a feedback request.
type FeedbackInput struct {
	Token   string
	Score   int
	Comment string
	// Channel the answer came on; empty: the channel the request was sent on.
	Channel domain.Channel
	// Provider and ProviderMessageID name a bare reply on a channel: its
	// dedup key is written with the feedback, so a redelivered "5" is a
	// duplicate for ingest and never a second message.
	Provider          string
	ProviderMessageID string
	OccurredAt        time.Time
	// FollowUp, when set, is created in the same transaction (a low score).
	// Its CustomerID is filled in; it never becomes the customer's open
	// conversation: it is the business's task, not the customer's thread.
	FollowUp *domain.Conversation
}

// FeedbackResult is what RecordFeedback stored.
type FeedbackResult struct {
	Request    FeedbackRequest
	Touchpoint domain.Touchpoint
	FollowUp   *domain.Conversation
}

// RecordFeedback consumes a feedback token and, in one transaction, deletes
// it, stores a feedback touchpoint, adds the score to the profile's
// satisfaction sum and count, writes the score into the metrics day, and
// creates the follow-up conversation if one is given. An unknown, expired or
// already used token is CodeNotFound: a token is good for one answer.
func (s *Store) RecordFeedback(ctx context.Context, in FeedbackInput) (FeedbackResult, error) {
	if in.Score < 1 || in.Score > 5 {
		return FeedbackResult{}, domain.Errorf(domain.CodeInvalid, "score must be a whole number from 1 to 5")
	}
	gone := domain.Errorf(domain.CodeNotFound, "this feedback link is unknown, already used or expired")
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return FeedbackResult{}, unavailable(err, "record feedback")
			}
		}
		out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: key(pfxFeedback+in.Token, skFeedback), ConsistentRead: aws.Bool(true)})
		if err != nil {
			return FeedbackResult{}, unavailable(err, "read feedback request")
		}
		now := s.Now()
		if out.Item == nil || expired(out.Item, now) {
			return FeedbackResult{}, gone
		}
		var req FeedbackRequest
		if err := attributevalue.UnmarshalMap(out.Item, &req); err != nil {
			return FeedbackResult{}, unavailable(err, "decode feedback request")
		}
		cust, err := s.GetCustomer(ctx, req.CustomerID) // follows a merge made since
		if err != nil {
			return FeedbackResult{}, err
		}
		res, retry, err := s.recordFeedbackOnce(ctx, in, req, cust.ID, now)
		if err != nil || !retry {
			return res, err
		}
	}
	return FeedbackResult{}, errTooManyAttempts("recording feedback")
}

func (s *Store) recordFeedbackOnce(ctx context.Context, in FeedbackInput, req FeedbackRequest, customerID string, now time.Time) (FeedbackResult, bool, error) {
	ch := in.Channel
	if ch == "" {
		ch = req.Channel
	}
	at := in.OccurredAt
	if at.IsZero() {
		at = now
	}
	at = at.UTC().Truncate(time.Millisecond)
	tp := domain.Touchpoint{
		ID: s.newID(domain.TouchpointIDPrefix, at), CustomerID: customerID, ConversationID: req.ConversationID,
		Channel: ch, Direction: domain.DirectionIn, Kind: domain.KindFeedback, Text: in.Comment,
		Provider: in.Provider, ProviderMessageID: in.ProviderMessageID,
		OccurredAt: at, ReceivedAt: now, Status: domain.StatusReceived,
		Metadata: map[string]string{"score": strconv.Itoa(in.Score)},
	}
	var writes []types.TransactWriteItem
	writes = append(writes, types.TransactWriteItem{Delete: &types.Delete{
		TableName: &s.table, Key: key(pfxFeedback+req.Token, skFeedback),
		ConditionExpression: aws.String("attribute_exists(" + table.PK + ")"),
	}})
	if in.ProviderMessageID != "" {
		tw, err := s.touchpointWrites(tp)
		if err != nil {
			return FeedbackResult{}, false, err
		}
		writes = append(writes, tw...)
	} else {
		item, err := marshalTouchpoint(tp)
		if err != nil {
			return FeedbackResult{}, false, err
		}
		if itemSize(item) > MaxTouchpointBytes {
			return FeedbackResult{}, false, domain.Errorf(domain.CodeTooLarge, "feedback comment too large")
		}
		writes = append(writes, s.putNew(item))
	}
	atAV, err := attributevalue.Marshal(at)
	if err != nil {
		return FeedbackResult{}, false, err
	}
	profileAt := len(writes)
	writes = append(writes, types.TransactWriteItem{Update: &types.Update{
		TableName: &s.table, Key: profileKey(customerID),
		// The latest score and its time feed the win-back list (a 1 or 2
		// since her last purchase lists her).
		UpdateExpression:    aws.String("ADD satisfactionSum :s, satisfactionCount :one SET lastSatisfactionScore = :s, lastSatisfactionAt = :at"),
		ConditionExpression: aws.String("attribute_exists(" + table.PK + ") AND attribute_not_exists(mergedInto)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":s": &types.AttributeValueMemberN{Value: strconv.Itoa(in.Score)}, ":one": &types.AttributeValueMemberN{Value: "1"},
			":at": atAV,
		},
	}})
	fm, err := s.feedbackMetricWrite(FeedbackMetric{TouchpointID: tp.ID, ConversationID: req.ConversationID, Score: in.Score, Channel: ch, Priority: req.Priority, At: at})
	if err != nil {
		return FeedbackResult{}, false, err
	}
	writes = append(writes, fm)
	var follow *domain.Conversation
	if in.FollowUp != nil {
		c := *in.FollowUp
		c.CustomerID = customerID
		if c.ID == "" {
			c.ID = s.newID(domain.ConversationIDPrefix, now)
		}
		c.Version, c.UpdatedAt = 1, now
		item, err := s.marshalRoutedConversation(c)
		if err != nil {
			return FeedbackResult{}, false, err
		}
		writes = append(writes, s.putNew(item))
		follow = &c
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: writes})
	if err == nil {
		return FeedbackResult{Request: req, Touchpoint: tp, FollowUp: follow}, false, nil
	}
	o, ok := classifyTx(err)
	if !ok {
		return FeedbackResult{}, false, unavailable(err, "record feedback")
	}
	if len(o.failed) > 0 {
		switch {
		case o.failed[0] == 0:
			return FeedbackResult{}, false, domain.Errorf(domain.CodeNotFound, "this feedback link is unknown, already used or expired")
		case in.ProviderMessageID != "" && o.failed[0] == 1:
			return FeedbackResult{}, false, domain.Errorf(domain.CodeConflict, "this reply was already recorded")
		case o.failed[0] == profileAt:
			return FeedbackResult{}, true, nil // merged meanwhile: read again and follow it
		}
	}
	return FeedbackResult{}, o.cancelled, nil
}
