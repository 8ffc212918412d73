package store

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/store/table"
)

// Owed side effects: a publish or a notification that must follow a change
// of a conversation. The change writes the owed item in its own transaction
// (OweWrite), so a crash or a failed publish right after it loses nothing;
// the owner performs the effect, then settles the item, and retries what is
// still owed on its next run. Every resolve that owes a survey and every SLA
// event writes one, so the items are spread over KeyShards partitions,
// OWED#<n> by a hash of the conversation id (see shards.go), and listed by
// one Query per shard in parallel. Items written before sharding stay in
// OWED, which is listed too; their Key says so (owedLegacy).
const (
	pkOwed   = "OWED"
	typeOwed = "owedEffect"
	// owedLayout is fixed-width, so sort keys order as times do.
	owedLayout  = "2006-01-02T15:04:05.000Z"
	owedKeepFor = 14 * 24 * time.Hour
)

// OwedEffect is one side effect still to be done.
type OwedEffect struct {
	Key            string    // names the item, for ClaimOwed and SettleOwed; set by the store
	Kind           string    // what to do (the owner's vocabulary)
	ConversationID string    // whose change it follows
	Event          string    // which change: keeps two effects of one kind apart
	OwedAt         time.Time // set by the store
	Payload        []byte    // what to publish or send
}

// OweWrite is a write for a Change recording e as owed in the same
// transaction as the change it follows. It returns e with its Key and
// OwedAt set.
func (s *Store) OweWrite(e OwedEffect) (OwedEffect, Write) {
	e.OwedAt = s.Now()
	e.Key = e.OwedAt.Format(owedLayout) + "#" + e.ConversationID + "#" + e.Kind + "#" + e.Event
	return e, Write{intent: EffectOwed{Effect: e}}
}

// owedLegacy prefixes the Key of an item listed from the unsharded OWED
// partition (written before sharding), so it is claimed and settled there.
const owedLegacy = pkOwed + "/"

// owedKey is the item key of the owed effect named k: its sort key is
// <owed at>#<conversation id>#..., and its shard that of the conversation.
func (s *Store) owedKey(k string) map[string]types.AttributeValue {
	if sk, ok := strings.CutPrefix(k, owedLegacy); ok {
		return key(pkOwed, sk)
	}
	conv := ""
	if parts := strings.SplitN(k, "#", 3); len(parts) >= 2 {
		conv = parts[1]
	}
	return key(s.sharded(pkOwed, conv), k)
}

func (s *Store) owedItem(e OwedEffect) map[string]types.AttributeValue {
	item := s.owedKey(e.Key)
	item["type"] = &types.AttributeValueMemberS{Value: typeOwed}
	item["kind"] = &types.AttributeValueMemberS{Value: e.Kind}
	item["conversationId"] = &types.AttributeValueMemberS{Value: e.ConversationID}
	item["event"] = &types.AttributeValueMemberS{Value: e.Event}
	item["payload"] = &types.AttributeValueMemberB{Value: e.Payload}
	// An effect still failing after two weeks is beyond saving; TTL keeps the partition small.
	item[table.TTL] = &types.AttributeValueMemberN{Value: itoa(e.OwedAt.Add(owedKeepFor).Unix())}
	return item
}

// Owe records e as owed on its own, for an effect that follows a write
// already made (a routing job whose publish failed after its message was
// stored).
func (s *Store) Owe(ctx context.Context, e OwedEffect) error {
	e, _ = s.OweWrite(e)
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: s.owedItem(e)})
	return unavailable(err, "record an owed side effect")
}

// OwedEffects lists owed effects, oldest first, at most limit: one Query of
// at most limit items per shard (and the unsharded OWED), in parallel.
func (s *Store) OwedEffects(ctx context.Context, limit int) ([]OwedEffect, error) {
	pages, err := eachPartition(ctx, s.partitionsOf(pkOwed), func(ctx context.Context, pk string) ([]map[string]types.AttributeValue, error) {
		out, err := s.db.Query(ctx, &dynamodb.QueryInput{
			TableName:                 &s.table,
			KeyConditionExpression:    aws.String(table.PK + " = :p"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: pk}},
			Limit:                     aws.Int32(int32(limit)),
		})
		if err != nil {
			return nil, unavailable(err, "list owed side effects")
		}
		return out.Items, nil
	})
	if err != nil {
		return nil, err
	}
	var owed []OwedEffect
	for _, items := range pages {
		for _, it := range items {
			e := OwedEffect{Key: str(it, table.SK), Kind: str(it, "kind"), ConversationID: str(it, "conversationId"), Event: str(it, "event")}
			if ts, _, ok := strings.Cut(e.Key, "#"); ok {
				e.OwedAt, _ = time.Parse(owedLayout, ts)
			}
			if pkOf(it) == pkOwed {
				e.Key = owedLegacy + e.Key
			}
			if b, ok := it["payload"].(*types.AttributeValueMemberB); ok {
				e.Payload = b.Value
			}
			owed = append(owed, e)
		}
	}
	// Sort keys begin with the fixed-width time they were owed at.
	slices.SortFunc(owed, func(x, y OwedEffect) int {
		return strings.Compare(strings.TrimPrefix(x.Key, owedLegacy), strings.TrimPrefix(y.Key, owedLegacy))
	})
	if len(owed) > limit {
		owed = owed[:limit]
	}
	return owed, nil
}

// SettleOwed removes an owed effect once done. It reports whether this call
// removed it: false means it was settled already, so whoever calls it knows
// the item is gone either way and nothing is left to retry.
func (s *Store) SettleOwed(ctx context.Context, sk string) (bool, error) {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:           &s.table,
		Key:                 s.owedKey(sk),
		ConditionExpression: aws.String("attribute_exists(" + table.PK + ")"),
	})
	if isConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, unavailable(err, "settle an owed side effect")
	}
	return true, nil
}
