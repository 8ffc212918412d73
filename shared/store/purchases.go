package store

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/money"
	"github.com/concierge-cx/concierge/shared/store/table"
)

// Purchases (issue 16): each purchase is a touchpoint, a dedup key on its
// order id, and one entry of the customer's purchases summary (`C#<id>`/`B`),
// written with the profile's purchase figures in one transaction. The summary
// keeps one small entry per order (time and net value), which is all the
// figures (median gap) and the value-tier job need: nothing ever reads every
// purchase touchpoint. The summary is the only item with GSI4 keys, so the
// index of buyers is sparse.
const (
	skPurchases   = "B" // sorts before "D#" and "E#": outside the profile+timeline query
	typePurchases = "purchases"
	pfxBuyers     = "BUYERS#"
	// BuyerShards spreads the buyers' index over partitions (a flash sale
	// writes many summaries at once); the tier job reads each shard.
	BuyerShards = 8
	// dedup namespaces of purchases and refunds (M#<ns>#<id>)
	dedupOrder  = "order"
	dedupRefund = "refund"
)

// MaxBuys bounds the orders a summary lists (about 60 bytes each, far under
// the item limit); older ones fall off the list, their value stays in the
// lifetime value and they are past any tier window by then.
const MaxBuys = 2000

// Buy is one order in a customer's purchases summary: when, the order id,
// and its value net of refunds in minor units of the business currency.
type Buy struct {
	OrderID string `dynamodbav:"o" json:"orderId"`
	At      int64  `dynamodbav:"t" json:"at"` // unix seconds
	Value   int64  `dynamodbav:"v" json:"value"`
	Gross   int64  `dynamodbav:"g" json:"gross"` // the value before refunds
}

// purchasesItem is the per-customer purchases summary.
type purchasesItem struct {
	CustomerID string `dynamodbav:"customerId"`
	Buys       []Buy  `dynamodbav:"buys"`
	Lifetime   int64  `dynamodbav:"lifetime"` // net value of every order, the dropped ones too
	Orders     int    `dynamodbav:"orders"`
	First      int64  `dynamodbav:"first,omitempty"` // the first purchase ever (unix seconds), kept when buys drop it
	// Mirrors of the profile's tier and pin, so the tier job decides from
	// the index alone.
	Tier       string `dynamodbav:"tier,omitempty"`
	TierPinned bool   `dynamodbav:"tierPinned,omitempty"`
	Version    int64  `dynamodbav:"version"`
}

func purchasesKey(customerID string) map[string]types.AttributeValue {
	return key(customerPK(customerID), skPurchases)
}

// buyerShard is the GSI4 partition of a customer.
func buyerShard(customerID string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(customerID))
	return pfxBuyers + strconv.Itoa(int(h.Sum32()%BuyerShards))
}

// PurchaseItem is one line of an order.
type PurchaseItem struct {
	Name     string `json:"name"`
	SKU      string `json:"sku,omitempty"`
	Quantity int    `json:"quantity"`
	Price    int64  `json:"price"` // minor units of the order's currency
}

// Purchase is an order to record. Amount is in minor units of Currency as
// given; Value is the same amount in minor units of the business currency
// (the caller converts).
type Purchase struct {
	CustomerID   string
	OrderID      string
	Amount       int64
	Currency     string
	Value        int64
	Items        []PurchaseItem
	SalesChannel string // online, store, distributor
	OccurredAt   time.Time
	Source       string // api, shopify
	RecordedBy   string // the agent or service that recorded it
}

// Refund is a refund of (part of) an order to record.
type Refund struct {
	CustomerID string
	OrderID    string
	RefundID   string // exactly once per refund id
	Amount     int64  // minor units of Currency; 0 with Value 0: the rest of the order
	Currency   string
	Value      int64 // minor units of the business currency
	Reason     string
	OccurredAt time.Time
	Source     string
	RecordedBy string
}

// PurchaseResult is what recording a purchase or refund did.
type PurchaseResult struct {
	Customer   domain.Customer
	Touchpoint domain.Touchpoint
	Duplicate  bool // already recorded: nothing changed
}

func validOrderID(id string) error {
	if id == "" || len(id) > 128 {
		return domain.Errorf(domain.CodeInvalid, "orderId: 1-128 characters")
	}
	return domain.CheckKeyValue("orderId", id)
}

// RecordPurchase stores a purchase exactly once per order id: the touchpoint,
// the dedup key, the summary entry and the profile's figures (lifetime value,
// order count, first and last purchase, median gap) in one transaction. A
// second call with the same order id changes nothing and returns the
// purchase as first recorded.
func (s *Store) RecordPurchase(ctx context.Context, p Purchase) (PurchaseResult, error) {
	if !domain.ValidID(domain.CustomerIDPrefix, p.CustomerID) {
		return PurchaseResult{}, domain.Errorf(domain.CodeInvalid, "malformed customer id")
	}
	if err := validOrderID(p.OrderID); err != nil {
		return PurchaseResult{}, err
	}
	if p.Amount < 0 || p.Value < 0 {
		return PurchaseResult{}, domain.Errorf(domain.CodeInvalid, "amount must not be negative")
	}
	if p.OccurredAt.IsZero() {
		p.OccurredAt = s.Now()
	}
	p.OccurredAt = p.OccurredAt.UTC().Truncate(time.Millisecond)
	return s.retryPurchase(ctx, "recording a purchase", func() (PurchaseResult, bool, error) { return s.recordPurchaseOnce(ctx, p) })
}

// retryPurchase runs once until it settles: a lost race (the summary moved,
// a concurrent copy) is read again after a backoff.
func (s *Store) retryPurchase(ctx context.Context, what string, once func() (PurchaseResult, bool, error)) (PurchaseResult, error) {
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return PurchaseResult{}, unavailable(err, what)
			}
		}
		res, retry, err := once()
		if err != nil || !retry {
			return res, err
		}
	}
	return PurchaseResult{}, errTooManyAttempts(what)
}

// purchaseState reads, in one BatchGetItem, the dedup key of an order or
// refund and the customer's purchases summary. A replay (the dedup key
// exists) is answered at once: dup is set. found says the summary exists.
func (s *Store) purchaseState(ctx context.Context, ns, id, customerID string) (sum purchasesItem, found bool, dup *PurchaseResult, err error) {
	items, err := s.batchGet(ctx, []map[string]types.AttributeValue{messageKey(ns, id), purchasesKey(customerID)})
	if err != nil {
		return sum, false, nil, err
	}
	for _, it := range items {
		switch str(it, table.SK) {
		case skMessage:
			res, _, err := s.purchaseDuplicate(ctx, it, customerID)
			return sum, false, &res, err
		case skPurchases:
			if err := attributevalue.UnmarshalMap(it, &sum); err != nil {
				return sum, false, nil, unavailable(err, "decode purchases")
			}
			found = true
		}
	}
	return sum, found, nil, nil
}

func (s *Store) recordPurchaseOnce(ctx context.Context, p Purchase) (PurchaseResult, bool, error) {
	// The dedup key and the summary in one read: a replay costs this read only.
	sum, found, dup, err := s.purchaseState(ctx, dedupOrder, p.OrderID, p.CustomerID)
	if err != nil || dup != nil {
		return resultOf(dup), false, err
	}
	now := s.Now()
	tp := domain.Touchpoint{
		ID: s.newID(domain.TouchpointIDPrefix, p.OccurredAt), CustomerID: p.CustomerID, Channel: domain.ChannelAgent,
		Direction: domain.DirectionIn, Kind: domain.KindPurchase, Provider: p.Source, ProviderMessageID: p.OrderID,
		Text:       fmt.Sprintf("Order %s: %s %s", p.OrderID, money.Format(p.Amount, p.Currency), p.Currency),
		OccurredAt: p.OccurredAt, ReceivedAt: now,
		Metadata: map[string]string{"orderId": p.OrderID, "amount": strconv.FormatInt(p.Amount, 10), "currency": p.Currency,
			"value": strconv.FormatInt(p.Value, 10), "salesChannel": p.SalesChannel, "source": p.Source},
	}
	if p.RecordedBy != "" {
		tp.Metadata["recordedBy"] = p.RecordedBy
	}
	if len(p.Items) > 0 {
		b, _ := json.Marshal(p.Items)
		tp.Metadata["items"] = string(b)
	}
	next := sum
	next.CustomerID = p.CustomerID
	next.Buys = append(slices.Clone(sum.Buys), Buy{OrderID: p.OrderID, At: p.OccurredAt.Unix(), Value: p.Value, Gross: p.Value})
	next.Lifetime += p.Value
	next.Orders++
	writes, err := s.purchaseWrites(tp, dedupOrder, p.OrderID, sum, next, found)
	if err != nil {
		return PurchaseResult{}, false, err
	}
	return s.commitPurchase(ctx, writes, tp, p.CustomerID, dedupOrder, p.OrderID)
}

// RecordRefund stores a refund of an order recorded before, exactly once per
// refund id: the order's net value falls by the refund (never below zero),
// and the profile's lifetime value with it. An unknown order is 404.
func (s *Store) RecordRefund(ctx context.Context, r Refund) (PurchaseResult, error) {
	if !domain.ValidID(domain.CustomerIDPrefix, r.CustomerID) {
		return PurchaseResult{}, domain.Errorf(domain.CodeInvalid, "malformed customer id")
	}
	if err := validOrderID(r.OrderID); err != nil {
		return PurchaseResult{}, err
	}
	if r.RefundID == "" || len(r.RefundID) > 128 {
		return PurchaseResult{}, domain.Errorf(domain.CodeInvalid, "refundId: 1-128 characters")
	}
	if err := domain.CheckKeyValue("refundId", r.RefundID); err != nil {
		return PurchaseResult{}, err
	}
	if strings.Contains(r.RefundID, "#") {
		// The dedup key is <order id>#<refund id>: a "#" here could alias another pair.
		return PurchaseResult{}, domain.Errorf(domain.CodeInvalid, "refundId must not contain #")
	}
	if r.Amount < 0 || r.Value < 0 {
		return PurchaseResult{}, domain.Errorf(domain.CodeInvalid, "amount must not be negative")
	}
	if r.OccurredAt.IsZero() {
		r.OccurredAt = s.Now()
	}
	r.OccurredAt = r.OccurredAt.UTC().Truncate(time.Millisecond)
	return s.retryPurchase(ctx, "recording a refund", func() (PurchaseResult, bool, error) { return s.recordRefundOnce(ctx, r) })
}

func (s *Store) recordRefundOnce(ctx context.Context, r Refund) (PurchaseResult, bool, error) {
	dedupID := r.OrderID + "#" + r.RefundID
	sum, found, dup, err := s.purchaseState(ctx, dedupRefund, dedupID, r.CustomerID)
	if err != nil || dup != nil {
		return resultOf(dup), false, err
	}
	i := slices.IndexFunc(sum.Buys, func(b Buy) bool { return b.OrderID == r.OrderID })
	if !found || i < 0 {
		return PurchaseResult{}, false, domain.Errorf(domain.CodeNotFound, "order %s of customer %s not found", r.OrderID, r.CustomerID)
	}
	next := sum
	next.Buys = slices.Clone(sum.Buys)
	b := &next.Buys[i]
	value := r.Value
	if value == 0 && r.Amount == 0 {
		value = b.Value // the rest of the order
	}
	if value > b.Value {
		return PurchaseResult{}, false, domain.Errorf(domain.CodeInvalid, "refund of %d is more than the %d left of order %s", value, b.Value, r.OrderID)
	}
	b.Value -= value
	next.Lifetime -= value
	now := s.Now()
	tp := domain.Touchpoint{
		ID: s.newID(domain.TouchpointIDPrefix, r.OccurredAt), CustomerID: r.CustomerID, Channel: domain.ChannelAgent,
		Direction: domain.DirectionIn, Kind: domain.KindRefund, Provider: r.Source, ProviderMessageID: dedupID,
		Text:       fmt.Sprintf("Refund of order %s: %d (business currency minor units)", r.OrderID, value),
		OccurredAt: r.OccurredAt, ReceivedAt: now,
		Metadata: map[string]string{"orderId": r.OrderID, "refundId": r.RefundID, "value": strconv.FormatInt(value, 10),
			"source": r.Source},
	}
	if r.Currency != "" {
		tp.Metadata["amount"], tp.Metadata["currency"] = strconv.FormatInt(r.Amount, 10), r.Currency
		tp.Text = fmt.Sprintf("Refund of order %s: %s %s", r.OrderID, money.Format(r.Amount, r.Currency), r.Currency)
	}
	if r.Reason != "" {
		tp.Metadata["reason"] = r.Reason
	}
	if r.RecordedBy != "" {
		tp.Metadata["recordedBy"] = r.RecordedBy
	}
	writes, err := s.purchaseWrites(tp, dedupRefund, dedupID, sum, next, true)
	if err != nil {
		return PurchaseResult{}, false, err
	}
	return s.commitPurchase(ctx, writes, tp, r.CustomerID, dedupRefund, dedupID)
}

// purchaseWrites are the transaction of a purchase or refund: the dedup key
// (must not exist), the touchpoint, the summary (at the version read) and
// the profile's figures (it must exist and not be merged away).
func (s *Store) purchaseWrites(tp domain.Touchpoint, ns, id string, old, next purchasesItem, exists bool) ([]types.TransactWriteItem, error) {
	tpItem, err := marshalTouchpoint(tp)
	if err != nil {
		return nil, err
	}
	dd, err := marshalDedup(ns, id, dedupItem{CustomerID: tp.CustomerID, TouchpointID: tp.ID, CreatedAt: tp.ReceivedAt})
	if err != nil {
		return nil, err
	}
	put, err := s.summaryPut(tp.CustomerID, old, &next, exists)
	if err != nil {
		return nil, err
	}
	profile := s.purchaseFigures(tp.CustomerID, next, true)
	return []types.TransactWriteItem{s.putNew(dd), s.putNew(tpItem), {Put: put}, {Update: profile}}, nil
}

// summaryPut is the write of the customer's purchases summary next (its
// orders sorted, its first purchase and version set, at most MaxBuys kept),
// conditioned on the summary read, old (exists says one was).
func (s *Store) summaryPut(customerID string, old purchasesItem, next *purchasesItem, exists bool) (*types.Put, error) {
	sort.SliceStable(next.Buys, func(i, j int) bool { return next.Buys[i].At < next.Buys[j].At })
	if len(next.Buys) > 0 && (next.First == 0 || next.Buys[0].At < next.First) {
		next.First = next.Buys[0].At
	}
	if len(next.Buys) > MaxBuys {
		next.Buys = next.Buys[len(next.Buys)-MaxBuys:]
	}
	next.Version = old.Version + 1
	sumItem, err := attributevalue.MarshalMap(*next)
	if err != nil {
		return nil, err
	}
	addKeys(sumItem, customerPK(customerID), skPurchases, typePurchases)
	sumItem[table.GSI4PK] = &types.AttributeValueMemberS{Value: buyerShard(customerID)}
	sumItem[table.GSI4SK] = &types.AttributeValueMemberS{Value: customerID}
	put := &types.Put{TableName: &s.table, Item: sumItem}
	switch {
	case exists && old.Version == 0:
		// Only a supervisor's tier mirror so far (tierMirror): no version yet.
		put.ConditionExpression = aws.String("attribute_not_exists(version)")
		next.Tier, next.TierPinned = old.Tier, old.TierPinned
	case exists:
		put.ConditionExpression = aws.String("version = :v")
		put.ExpressionAttributeValues = map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: itoa(old.Version)}}
	default:
		put.ConditionExpression = aws.String("attribute_not_exists(" + table.PK + ")")
	}
	return put, nil
}

// purchaseFigures is the update of the profile's purchase figures from the
// summary next: the lifetime value (when lifetime; a merge adds it in its
// first step instead), the order count, the first and last purchase and the
// median gap, on a profile that exists and was not merged away.
func (s *Store) purchaseFigures(customerID string, next purchasesItem, lifetime bool) *types.Update {
	f := FiguresOf(next.Buys)
	vals := map[string]types.AttributeValue{":n": &types.AttributeValueMemberN{Value: strconv.Itoa(next.Orders)}}
	set := []string{"orderCount = :n"}
	if lifetime {
		vals[":ltv"] = &types.AttributeValueMemberN{Value: itoa(next.Lifetime)}
		set = append(set, "lifetimeValue = :ltv")
	}
	var remove []string
	if len(next.Buys) > 0 {
		first, _ := attributevalue.Marshal(time.Unix(next.First, 0).UTC())
		last, _ := attributevalue.Marshal(f.Last)
		vals[":first"], vals[":last"] = first, last
		set = append(set, "firstPurchaseAt = :first", "lastPurchaseAt = :last")
	}
	if f.MedianGapDays > 0 {
		vals[":gap"] = &types.AttributeValueMemberN{Value: strconv.FormatFloat(f.MedianGapDays, 'f', -1, 64)}
		set = append(set, "medianPurchaseGapDays = :gap")
	} else {
		remove = append(remove, "medianPurchaseGapDays")
	}
	expr := "SET " + joinComma(set)
	if len(remove) > 0 {
		expr += " REMOVE " + joinComma(remove)
	}
	return &types.Update{
		TableName: &s.table, Key: profileKey(customerID), UpdateExpression: &expr,
		ConditionExpression:       aws.String("attribute_exists(" + table.PK + ") AND attribute_not_exists(mergedInto)"),
		ExpressionAttributeValues: vals,
	}
}

func (s *Store) commitPurchase(ctx context.Context, writes []types.TransactWriteItem, tp domain.Touchpoint, customerID, ns, id string) (PurchaseResult, bool, error) {
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: writes})
	if err != nil {
		o, ok := classifyTx(err)
		if !ok {
			return PurchaseResult{}, false, unavailable(err, "record purchase")
		}
		switch {
		case o.conflict:
			return PurchaseResult{}, true, nil
		case slices.Contains(o.failed, 3):
			c, gerr := s.GetCustomer(ctx, customerID)
			if gerr != nil {
				return PurchaseResult{}, false, gerr
			}
			return PurchaseResult{}, false, domain.Errorf(domain.CodeConflict, "customer %s was merged into %s: record the purchase there", customerID, c.ID)
		default:
			// The dedup key appeared (a concurrent copy) or the summary moved: read again.
			return PurchaseResult{}, true, nil
		}
	}
	c, err := s.GetCustomer(ctx, customerID)
	if err != nil {
		return PurchaseResult{}, false, err
	}
	return PurchaseResult{Customer: c, Touchpoint: tp}, false, nil
}

// purchaseDuplicate answers a replay: the purchase or refund as first stored.
func (s *Store) purchaseDuplicate(ctx context.Context, dedup map[string]types.AttributeValue, customerID string) (PurchaseResult, bool, error) {
	var d dedupItem
	if err := attributevalue.UnmarshalMap(dedup, &d); err != nil {
		return PurchaseResult{}, false, unavailable(err, "decode dedup key")
	}
	c, err := s.GetCustomer(ctx, d.CustomerID)
	if err != nil {
		return PurchaseResult{}, false, err
	}
	if cur, cerr := s.GetCustomer(ctx, customerID); cerr == nil && cur.ID != c.ID {
		return PurchaseResult{}, false, domain.Errorf(domain.CodeConflict, "this order is recorded for another customer")
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: eventKey(d.CustomerID, d.TouchpointID)})
	if err != nil {
		return PurchaseResult{}, false, unavailable(err, "read purchase")
	}
	var tp domain.Touchpoint
	if out.Item != nil {
		if tp, err = unmarshalTouchpoint(out.Item); err != nil {
			return PurchaseResult{}, false, unavailable(err, "decode purchase")
		}
	}
	return PurchaseResult{Customer: c, Touchpoint: tp, Duplicate: true}, false, nil
}

// PurchaseFigures are what a list of orders says about a customer.
type PurchaseFigures struct {
	Last          time.Time
	MedianGapDays float64
}

// FiguresOf computes the last purchase and the median gap in days between
// consecutive purchases (buys sorted by time; no gap with fewer than two).
func FiguresOf(buys []Buy) PurchaseFigures {
	var f PurchaseFigures
	if len(buys) == 0 {
		return f
	}
	f.Last = time.Unix(buys[len(buys)-1].At, 0).UTC()
	if len(buys) < 2 {
		return f
	}
	gaps := make([]float64, 0, len(buys)-1)
	for i := 1; i < len(buys); i++ {
		gaps = append(gaps, float64(buys[i].At-buys[i-1].At)/86400)
	}
	sort.Float64s(gaps)
	m := len(gaps) / 2
	med := gaps[m]
	if len(gaps)%2 == 0 {
		med = (gaps[m-1] + gaps[m]) / 2
	}
	// Days to the hundredth: a figure for people, not a clock.
	f.MedianGapDays = float64(int64(med*100+0.5)) / 100
	return f
}

// OrderCustomer is the customer an order was recorded for (a refund webhook
// names the order only); an order never recorded is 404.
func (s *Store) OrderCustomer(ctx context.Context, orderID string) (string, error) {
	if err := validOrderID(orderID); err != nil {
		return "", err
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: messageKey(dedupOrder, orderID), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return "", unavailable(err, "read order")
	}
	if out.Item == nil {
		return "", domain.Errorf(domain.CodeNotFound, "order %s not found", orderID)
	}
	var d dedupItem
	if err := attributevalue.UnmarshalMap(out.Item, &d); err != nil {
		return "", unavailable(err, "decode order")
	}
	c, err := s.GetCustomer(ctx, d.CustomerID) // follows a merge
	if err != nil {
		return "", err
	}
	return c.ID, nil
}

func resultOf(r *PurchaseResult) PurchaseResult {
	if r == nil {
		return PurchaseResult{}
	}
	return *r
}
