package store

import (
	"context"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store/table"
)

// The reply-count item: one per customer and channel, in its own partition
// (a customer's partition is read newest-first and must end with events), at
// R#<customer id>#<channel>. window is the customer's last inbound message on
// the channel (Unix nanoseconds): a send naming a later one starts a new
// count, which is how her next message resets it without ingest writing
// anything. sends holds the send ids counted in the window, so a retry of the
// same send is counted once; n is their number, at most the quota's limit.
const (
	pfxReplyCount  = "R#"
	skReplyCount   = "R"
	typeReplyCount = "reply_count"
	// replyCountTTL keeps the item past any window it counts (Zalo's longest is 48 hours).
	replyCountTTL = 7 * 24 * time.Hour
)

func replyCountKey(customerID string, ch domain.Channel) map[string]types.AttributeValue {
	return key(pfxReplyCount+customerID+"#"+string(ch), skReplyCount)
}

// CountReply counts sendID against the window opened by inboundAt, at most
// limit sends: one conditional update in the usual case, a conditional put
// when the window is new. ok is false when the limit is reached; a sendID
// already counted is ok and counts nothing.
func (s *Store) CountReply(ctx context.Context, customerID string, ch domain.Channel, inboundAt time.Time, sendID string, limit int) (int, bool, error) {
	w := nanos(inboundAt)
	ttl := strconv.FormatInt(inboundAt.Add(replyCountTTL).Unix(), 10)
	for range 3 {
		out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                &s.table,
			Key:                      replyCountKey(customerID, ch),
			UpdateExpression:         aws.String("ADD n :one, sends :ids"),
			ConditionExpression:      aws.String("#w = :w AND n < :limit AND NOT contains(sends, :id)"),
			ExpressionAttributeNames: map[string]string{"#w": "window"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":one": &types.AttributeValueMemberN{Value: "1"}, ":ids": &types.AttributeValueMemberSS{Value: []string{sendID}},
				":w": &types.AttributeValueMemberN{Value: w}, ":limit": &types.AttributeValueMemberN{Value: strconv.Itoa(limit)},
				":id": &types.AttributeValueMemberS{Value: sendID},
			},
			ReturnValues:                        types.ReturnValueUpdatedNew,
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		})
		if err == nil {
			return intAttr(out.Attributes, "n"), true, nil
		}
		var ccf *types.ConditionalCheckFailedException
		if !errorsAs(err, &ccf) {
			return 0, false, unavailable(err, "count a reply")
		}
		old := ccf.Item
		if oldW, _ := strconv.ParseInt(numAttr(old, "window"), 10, 64); len(old) > 0 && oldW >= inboundAt.UnixNano() {
			// This window (or, for a send that read her last message before a
			// newer one arrived, the newer window) holds the count.
			n := intAttr(old, "n")
			for _, id := range ssAttr(old, "sends") {
				if id == sendID {
					return n, true, nil
				}
			}
			if oldW > inboundAt.UnixNano() {
				w = numAttr(old, "window") // count in her newest window
				continue
			}
			return n, false, nil
		}
		// No count yet, or one for an older message of hers: a new window.
		item := replyCountKey(customerID, ch)
		item["type"] = &types.AttributeValueMemberS{Value: typeReplyCount}
		item["window"] = &types.AttributeValueMemberN{Value: w}
		item["n"] = &types.AttributeValueMemberN{Value: "1"}
		item["sends"] = &types.AttributeValueMemberSS{Value: []string{sendID}}
		item[table.TTL] = &types.AttributeValueMemberN{Value: ttl}
		_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: &s.table, Item: item,
			ConditionExpression:      aws.String("attribute_not_exists(PK) OR #w < :w"),
			ExpressionAttributeNames: map[string]string{"#w": "window"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":w": &types.AttributeValueMemberN{Value: w},
			},
		})
		if err == nil {
			return 1, true, nil
		}
		if !isConditionFailed(err) {
			return 0, false, unavailable(err, "count a reply")
		}
		// Another send opened the window first: count in it.
	}
	return 0, false, domain.Errorf(domain.CodeUnavailable, "the reply count kept changing; try again")
}

// UncountReply gives back sendID's place in the window opened by inboundAt,
// if it holds one.
func (s *Store) UncountReply(ctx context.Context, customerID string, ch domain.Channel, inboundAt time.Time, sendID string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                &s.table,
		Key:                      replyCountKey(customerID, ch),
		UpdateExpression:         aws.String("ADD n :minus DELETE sends :ids"),
		ConditionExpression:      aws.String("#w = :w AND contains(sends, :id)"),
		ExpressionAttributeNames: map[string]string{"#w": "window"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":minus": &types.AttributeValueMemberN{Value: "-1"}, ":ids": &types.AttributeValueMemberSS{Value: []string{sendID}},
			":w": &types.AttributeValueMemberN{Value: nanos(inboundAt)}, ":id": &types.AttributeValueMemberS{Value: sendID},
		},
	})
	if isConditionFailed(err) {
		return nil
	}
	return unavailable(err, "give back a reply")
}

// RepliesCounted is the number of sends counted in the window opened by
// inboundAt (0 when the count is of another window or there is none).
func (s *Store) RepliesCounted(ctx context.Context, customerID string, ch domain.Channel, inboundAt time.Time) (int, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: replyCountKey(customerID, ch), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return 0, unavailable(err, "read the reply count")
	}
	if numAttr(out.Item, "window") != nanos(inboundAt) {
		return 0, nil
	}
	return intAttr(out.Item, "n"), nil
}

func nanos(t time.Time) string { return strconv.FormatInt(t.UnixNano(), 10) }

func numAttr(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberN); ok {
		return v.Value
	}
	return ""
}

func intAttr(item map[string]types.AttributeValue, name string) int {
	n, _ := strconv.Atoi(numAttr(item, name))
	return n
}

func ssAttr(item map[string]types.AttributeValue, name string) []string {
	if v, ok := item[name].(*types.AttributeValueMemberSS); ok {
		return v.Value
	}
	return nil
}
