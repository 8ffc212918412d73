package store

import (
	"context"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/domain"
)

// FollowUp is what a customer's message would change on their open
// conversation if it changes nothing but its timestamps.
type FollowUp struct {
	ConversationID string
	OccurredAt     time.Time
	Channel        domain.Channel
	Priority       domain.Priority // the message's, as scored
	Score          int
	Language       string // the customer's; "" for unknown
}

// TouchFollowUp applies a follow-up in place, in one conditional UpdateItem,
// when it can change nothing but the conversation's last message and inbound
// times and channel: the conversation is open and routed (its team set,
// whether an agent holds it or it waits in the team's queue), owes no
// effect, its clock runs (not met, not paused), it is at least as urgent as
// the message and already speaks its language, and the message is newer than
// its last message (times compare as the fixed-width strings they are stored
// as). Neither index entry moves: the queue orders by priority and due time,
// which such a message does not change. A waiting conversation is not
// offered to the agents again on every follow-up: an agent who becomes
// available or frees a slot pulls the queue (routing.Router.Pull), and the
// SLA sweep escalates one that waits too long.
// Otherwise it writes nothing and returns false: the message needs the
// router (its routing job). A conversation stored before times were fixed
// width may take the router's path when this one would do; never the other
// way round.
func (s *Store) TouchFollowUp(ctx context.Context, f FollowUp) (bool, error) {
	if !domain.ValidID(domain.ConversationIDPrefix, f.ConversationID) || f.OccurredAt.IsZero() {
		return false, nil
	}
	values := map[string]types.AttributeValue{
		":t":    &types.AttributeValueMemberS{Value: f.OccurredAt.UTC().Format(conversationTime)},
		":ch":   &types.AttributeValueMemberS{Value: string(f.Channel)},
		":now":  &types.AttributeValueMemberS{Value: s.Now().Format(conversationTime)},
		":one":  &types.AttributeValueMemberN{Value: "1"},
		":open": &types.AttributeValueMemberS{Value: string(domain.ConversationOpen)},
		":sc":   &types.AttributeValueMemberN{Value: strconv.Itoa(f.Score)},
		":null": &types.AttributeValueMemberS{Value: "NULL"}, // the type name attribute_type takes
	}
	names := map[string]string{"#st": "status", "#pr": "priority", "#u": "urgency", "#sla": "sla", "#lang": "language"}
	// At least as urgent as the message: one of the priorities ranked at or above it.
	in := ""
	for i, p := range []domain.Priority{domain.PriorityUrgent, domain.PriorityHigh, domain.PriorityNormal, domain.PriorityLow} {
		if domain.PriorityRank(p) > domain.PriorityRank(f.Priority) {
			break
		}
		ref := ":p" + strconv.Itoa(i)
		values[ref] = &types.AttributeValueMemberS{Value: string(p)}
		if in != "" {
			in += ", "
		}
		in += ref
	}
	if in == "" {
		return false, nil // a priority this store does not know
	}
	cond := "attribute_exists(team) AND #st = :open AND attribute_not_exists(mergedInto)" +
		// A conversation saved before emptied sets were left out holds a NULL owed: nothing owed either.
		" AND (attribute_not_exists(owed) OR attribute_type(owed, :null))" +
		" AND #pr IN (" + in + ") AND #u.score >= :sc" +
		" AND attribute_exists(#sla.startedAt) AND attribute_not_exists(#sla.metAt) AND attribute_not_exists(#sla.pausedSince)" +
		" AND lastInboundAt < :t AND (attribute_not_exists(lastMessageAt) OR lastMessageAt < :t)"
	if f.Language != "" {
		values[":lang"] = &types.AttributeValueMemberS{Value: f.Language}
		cond += " AND #lang = :lang"
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       conversationKey(f.ConversationID),
		UpdateExpression:          aws.String("SET lastMessageAt = :t, lastInboundAt = :t, lastChannel = :ch, updatedAt = :now, version = version + :one"),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	})
	if isConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, unavailable(err, "apply a follow-up")
	}
	return true, nil
}
