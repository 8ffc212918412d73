package store

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store/table"
)

// Buyer is what the value-tier job knows of a customer with purchases, read
// from the buyers' index (GSI4) alone.
type Buyer struct {
	CustomerID string
	Buys       []Buy
	Tier       string
	TierPinned bool
}

// Buyers lists every customer with a purchase: one Query per shard of the
// sparse buyers' index (in parallel), pages followed. No profile is read.
func (s *Store) Buyers(ctx context.Context) ([]Buyer, error) {
	var (
		mu      sync.Mutex
		out     []Buyer
		firstEr error
		wg      sync.WaitGroup
	)
	for shard := 0; shard < BuyerShards; shard++ {
		wg.Add(1)
		go func(pk string) {
			defer wg.Done()
			got, err := s.buyersOf(ctx, pk)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstEr == nil {
				firstEr = err
			}
			out = append(out, got...)
		}(pfxBuyers + strconv.Itoa(shard))
	}
	wg.Wait()
	return out, firstEr
}

func (s *Store) buyersOf(ctx context.Context, pk string) ([]Buyer, error) {
	items, err := s.queryAll(ctx, table.GSI4, table.GSI4PK, pk, "read buyers")
	if err != nil {
		return nil, err
	}
	out := make([]Buyer, 0, len(items))
	for _, it := range items {
		var p purchasesItem
		if err := attributevalue.UnmarshalMap(it, &p); err != nil {
			return out, unavailable(err, "decode buyer")
		}
		out = append(out, Buyer{CustomerID: p.CustomerID, Buys: p.Buys, Tier: p.Tier, TierPinned: p.TierPinned})
	}
	return out, nil
}

// ErrTierMoved says a tier change was not applied: the customer's tier is no
// longer the one the job read, or a supervisor pinned it meanwhile.
var ErrTierMoved = errors.New("tier moved since it was read")

// ApplyTier changes a customer's tier from one value to another in one
// transaction: the profile (not pinned, not merged away), the purchases
// summary's mirror (still at from, not pinned) and the tier_change
// touchpoint tp. Run twice, the second finds the tier moved and writes
// nothing (ErrTierMoved).
func (s *Store) ApplyTier(ctx context.Context, customerID, from, to string, tp domain.Touchpoint) (domain.Touchpoint, error) {
	now := s.Now()
	tp.CustomerID, tp.Kind, tp.ReceivedAt = customerID, domain.KindTierChange, now
	if tp.OccurredAt.IsZero() {
		tp.OccurredAt = now
	}
	if tp.Channel == "" {
		tp.Channel = domain.ChannelAgent
	}
	if tp.Direction == "" {
		tp.Direction = domain.DirectionIn
	}
	tp.ID = s.newID(domain.TouchpointIDPrefix, tp.OccurredAt)
	tpItem, err := marshalTouchpoint(tp)
	if err != nil {
		return tp, err
	}
	nowAV, _ := attributevalue.Marshal(now)
	toAV := &types.AttributeValueMemberS{Value: to}
	sumCond := "attribute_exists(" + table.PK + ") AND (attribute_not_exists(tierPinned) OR tierPinned = :f) AND "
	vals := map[string]types.AttributeValue{":to": toAV, ":f": &types.AttributeValueMemberBOOL{Value: false}}
	if from == "" {
		sumCond += "attribute_not_exists(tier)"
	} else {
		sumCond += "tier = :from"
		vals[":from"] = &types.AttributeValueMemberS{Value: from}
	}
	profVals := map[string]types.AttributeValue{":to": toAV, ":now": nowAV, ":f": &types.AttributeValueMemberBOOL{Value: false}}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{TableName: &s.table, Key: purchasesKey(customerID), UpdateExpression: aws.String("SET tier = :to"),
			ConditionExpression: &sumCond, ExpressionAttributeValues: vals}},
		{Update: &types.Update{TableName: &s.table, Key: profileKey(customerID),
			UpdateExpression: aws.String("SET tier = :to, tierSetAt = :now"),
			ConditionExpression: aws.String("attribute_exists(" + table.PK + ") AND attribute_not_exists(mergedInto) AND " +
				"(attribute_not_exists(tierPinned) OR tierPinned = :f)"),
			ExpressionAttributeValues: profVals}},
		s.putNew(tpItem),
	}})
	if err != nil {
		if o, ok := classifyTx(err); ok && !o.conflict && len(o.failed) > 0 {
			return tp, ErrTierMoved
		}
		return tp, unavailable(err, "apply tier")
	}
	return tp, nil
}

// tierMirror is the write that keeps the purchases summary's copy of the
// tier and pin in step with a supervisor's edit of the profile. It creates
// no buyer: without purchases the item has no index keys.
func (s *Store) tierMirror(customerID string, tier *string, pinned *bool, at time.Time) types.TransactWriteItem {
	var set, remove []string
	vals := map[string]types.AttributeValue{}
	if tier != nil {
		if *tier == "" {
			remove = append(remove, "tier")
		} else {
			set = append(set, "tier = :t")
			vals[":t"] = &types.AttributeValueMemberS{Value: *tier}
		}
	}
	if pinned != nil {
		set = append(set, "tierPinned = :p")
		vals[":p"] = &types.AttributeValueMemberBOOL{Value: *pinned}
	}
	set = append(set, "customerId = :c", "#type = :ty", "mirroredAt = :at")
	vals[":c"] = &types.AttributeValueMemberS{Value: customerID}
	vals[":ty"] = &types.AttributeValueMemberS{Value: typePurchases}
	vals[":at"], _ = attributevalue.Marshal(at)
	expr := "SET " + joinComma(set)
	if len(remove) > 0 {
		expr += " REMOVE " + joinComma(remove)
	}
	return types.TransactWriteItem{Update: &types.Update{TableName: &s.table, Key: purchasesKey(customerID),
		UpdateExpression: &expr, ExpressionAttributeValues: vals, ExpressionAttributeNames: map[string]string{"#type": "type"}}}
}
