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
// times and channel. Two states allow it:
//   - routed: the conversation is open with its team set (an agent holds it
//     or it waits in the team's queue), owes no effect, its clock runs (not
//     met, not paused), it is at least as urgent as the message and already
//     speaks its language. Neither index entry moves: the queue orders by
//     priority and due time, which such a message does not change. A
//     waiting conversation is not offered to the agents again on every
//     follow-up: an agent who becomes available or frees a slot pulls the
//     queue (routing.Router.Pull), and the SLA sweep escalates one that
//     waits too long.
//   - opened by a customer's message whose routing job is still on its way
//     (awaitingRoute, no team, no clock: only that job routes it, and ingest
//     never loses it: a failed publish is parked; a conversation staff
//     opened, or quarantined mail, has no job coming and is never marked):
//     the follow-up records its times and language, and
//     the first job starts the clock at the first message and routes. Only
//     a message of no urgency (score 0, no more urgent than normal) may, since
//     the stored conversation holds no score yet to compare with. Without this,
//     every follow-up during a burst of first messages would be a routing job
//     of its own, and the lane's backlog would feed itself.
//
// The message must be newer than the conversation's last one (times compare
// as the fixed-width strings they are stored as); the version moves, so a
// router holding the conversation as it read it writes again on what it holds.
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
	names := map[string]string{"#st": "status", "#pr": "priority", "#u": "urgency", "#sla": "sla"}
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
	routed := "attribute_exists(team) AND #u.score >= :sc AND lastInboundAt < :t" +
		" AND attribute_exists(#sla.startedAt) AND attribute_not_exists(#sla.metAt) AND attribute_not_exists(#sla.pausedSince)"
	set := "SET lastMessageAt = :t, lastInboundAt = :t, lastChannel = :ch, updatedAt = :now, version = version + :one"
	if f.Language != "" {
		values[":lang"], names["#lang"] = &types.AttributeValueMemberS{Value: f.Language}, "language"
		routed += " AND #lang = :lang"
	}
	cond := "#st = :open AND attribute_not_exists(mergedInto)" +
		// A conversation saved before emptied sets were left out holds a NULL owed: nothing owed either.
		" AND (attribute_not_exists(owed) OR attribute_type(owed, :null))" +
		" AND #pr IN (" + in + ")" +
		" AND (attribute_not_exists(lastMessageAt) OR lastMessageAt < :t)"
	if f.Score == 0 && domain.PriorityRank(f.Priority) >= domain.PriorityRank(domain.PriorityNormal) {
		values[":true"] = &types.AttributeValueMemberBOOL{Value: true}
		// Opened by a customer's message (not by staff: no job would follow) and not routed yet.
		opened := "awaitingRoute = :true AND attribute_not_exists(team) AND attribute_not_exists(#sla.startedAt) AND attribute_not_exists(#u)" +
			" AND (attribute_not_exists(lastInboundAt) OR lastInboundAt < :t)"
		if f.Language != "" {
			// The first job sets the language only when its message is the latest.
			set += ", #lang = :lang"
			opened += " AND (attribute_not_exists(#lang) OR #lang = :lang)"
		}
		cond += " AND ((" + routed + ") OR (" + opened + "))"
	} else {
		cond += " AND " + routed
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       conversationKey(f.ConversationID),
		UpdateExpression:          aws.String(set),
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
