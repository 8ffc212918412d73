package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store/table"
)

// Win-back keys. The daily job writes one partition per day (WB#<day>): an
// entry per lapsing customer and a run marker, so GET /winback reads one
// partition, never the customers. A customer's own decision about the list
// (dismissed, outreach sent) lives in her partition (C#<id>/W), so it
// survives the next day's run and goes with her on erasure. Entries hold ids
// and figures only, no name or address.
const (
	pfxWinback     = "WB#"
	skWinbackRun   = "RUN"
	pfxWinbackItem = "C#"
	skWinbackState = "W"
	typeWinback    = "winback"
	typeWinState   = "winback_state"
	winbackDay     = "2006-01-02"
	// winbackKeep is how long a day's list stays (TTL): long enough to
	// look back a few weeks, short enough that the table stays small.
	winbackKeep = 35 * 24 * time.Hour
)

// WinbackEntry is one lapsing customer on a day's list.
type WinbackEntry struct {
	CustomerID string `json:"customerId" dynamodbav:"customerId"`
	// Reason is "lapsed" (value tier, past twice her usual gap) or
	// "unhappy" (a score of 1 or 2 since her last purchase).
	Reason                string    `json:"reason" dynamodbav:"reason"`
	Tier                  string    `json:"tier,omitempty" dynamodbav:"tier,omitempty"`
	ValueAtRisk           int64     `json:"valueAtRisk" dynamodbav:"valueAtRisk"`
	LastPurchaseAt        time.Time `json:"lastPurchaseAt,omitzero" dynamodbav:"lastPurchaseAt,omitempty"`
	LastSatisfactionScore int       `json:"lastSatisfactionScore,omitempty" dynamodbav:"lastSatisfactionScore,omitempty"`
	LastSatisfactionAt    time.Time `json:"lastSatisfactionAt,omitzero" dynamodbav:"lastSatisfactionAt,omitempty"`
	LastConversationID    string    `json:"lastConversationId,omitempty" dynamodbav:"lastConversationId,omitempty"`
	LastConversationAt    time.Time `json:"lastConversationAt,omitzero" dynamodbav:"lastConversationAt,omitempty"`
	ListedAt              time.Time `json:"listedAt" dynamodbav:"listedAt"`
}

// WinbackState is what staff did about a customer on the list. Basis is her
// last purchase when they did it: a new purchase starts a new cycle.
type WinbackState struct {
	CustomerID     string    `dynamodbav:"customerId"`
	Basis          time.Time `dynamodbav:"basis,omitempty"`
	DismissedAt    time.Time `dynamodbav:"dismissedAt,omitempty"`
	DismissedBy    string    `dynamodbav:"dismissedBy,omitempty"`
	DismissReason  string    `dynamodbav:"dismissReason,omitempty"`
	OutreachAt     time.Time `dynamodbav:"outreachAt,omitempty"`
	OutreachBy     string    `dynamodbav:"outreachBy,omitempty"`
	OutreachConvID string    `dynamodbav:"outreachConversationId,omitempty"`
	// An outreach being sent: claimed before the send and cleared when it
	// is recorded (or given back when the send is known to have failed).
	OutreachClaimAt time.Time `dynamodbav:"outreachClaimAt,omitempty"`
	OutreachClaimBy string    `dynamodbav:"outreachClaimBy,omitempty"`
}

// Dismissed says the state takes the customer off the list for the cycle
// that began with her purchase at basis.
func (w WinbackState) Dismissed(basis time.Time) bool {
	return !w.DismissedAt.IsZero() && w.Basis.Equal(basis)
}

func winbackPK(day time.Time) string { return pfxWinback + day.UTC().Format(winbackDay) }

// WinbackCandidates calls visit with every profile that could be on the
// list: a buyer who is vip or valued, or whose last score was 1 or 2 (a
// customer who never bought is not one to win back). It reads the sparse
// buyers' index (GSI4, one Query per shard) and then those buyers'
// profiles by key, a hundred at a time: never the timelines a Scan would.
func (s *Store) WinbackCandidates(ctx context.Context, visit func([]domain.Customer) error) error {
	buyers, err := s.Buyers(ctx)
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(buyers))
	for _, b := range buyers {
		ids = append(ids, b.CustomerID)
	}
	slices.Sort(ids)
	for len(ids) > 0 {
		n := min(100, len(ids))
		profiles, err := s.CustomersByID(ctx, ids[:n])
		if err != nil {
			return err
		}
		ids = ids[n:]
		var page []domain.Customer
		for _, c := range profiles {
			valuable := c.Tier == domain.TierVIP || c.Tier == domain.TierValued
			unhappy := c.LastSatisfactionScore >= 1 && c.LastSatisfactionScore <= 2
			if c.MergedInto == "" && (valuable || unhappy) {
				page = append(page, c)
			}
		}
		slices.SortFunc(page, func(x, y domain.Customer) int { return strings.Compare(x.ID, y.ID) })
		if len(page) == 0 {
			continue
		}
		if err := visit(page); err != nil {
			return err
		}
	}
	return nil
}

// WinbackStates reads the staff decisions of the named customers.
func (s *Store) WinbackStates(ctx context.Context, ids []string) (map[string]WinbackState, error) {
	out := map[string]WinbackState{}
	for len(ids) > 0 {
		n := min(100, len(ids))
		var keys []map[string]types.AttributeValue
		for _, id := range ids[:n] {
			keys = append(keys, key(customerPK(id), skWinbackState))
		}
		ids = ids[n:]
		items, err := s.batchGet(ctx, keys)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			var w WinbackState
			if err := attributevalue.UnmarshalMap(it, &w); err != nil {
				return nil, unavailable(err, "decode win-back state")
			}
			out[w.CustomerID] = w
		}
	}
	return out, nil
}

// LastConversation is the conversation of the customer's newest touchpoint
// that has one, and when that touchpoint happened (one small Query).
func (s *Store) LastConversation(ctx context.Context, customerID string) (string, time.Time, error) {
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:              &s.table,
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :e)"),
		FilterExpression:       aws.String("attribute_exists(conversationId)"),
		ProjectionExpression:   aws.String("conversationId, occurredAt"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: customerPK(customerID)},
			":e":  &types.AttributeValueMemberS{Value: pfxEvent},
		},
		ScanIndexForward: aws.Bool(false),
		Limit:            aws.Int32(20),
	})
	if err != nil {
		return "", time.Time{}, unavailable(err, "read last conversation")
	}
	for _, it := range out.Items {
		var t struct {
			ConversationID string    `dynamodbav:"conversationId"`
			OccurredAt     time.Time `dynamodbav:"occurredAt"`
		}
		if attributevalue.UnmarshalMap(it, &t) == nil && t.ConversationID != "" {
			return t.ConversationID, t.OccurredAt, nil
		}
	}
	return "", time.Time{}, nil
}

// SaveWinbackList writes a day's entries and then its run marker: a reader
// sees a day only once it is whole. Writing the same day again overwrites
// its entries (the job is idempotent).
func (s *Store) SaveWinbackList(ctx context.Context, day time.Time, entries []WinbackEntry) error {
	pk := winbackPK(day)
	ttl := &types.AttributeValueMemberN{Value: itoa(day.Add(winbackKeep).Unix())}
	var reqs []types.WriteRequest
	for _, e := range entries {
		item, err := attributevalue.MarshalMap(e)
		if err != nil {
			return err
		}
		addKeys(item, pk, pfxWinbackItem+e.CustomerID, typeWinback)
		item[table.TTL] = ttl
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
	}
	if err := s.batchWrite(ctx, reqs); err != nil {
		return err
	}
	run := map[string]types.AttributeValue{
		"count": &types.AttributeValueMemberN{Value: strconv.Itoa(len(entries))},
		"ranAt": &types.AttributeValueMemberS{Value: s.Now().Format(sortTime)},
	}
	addKeys(run, pk, skWinbackRun, typeWinback)
	run[table.TTL] = ttl
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: run})
	return unavailable(err, "save win-back run")
}

// WinbackList reads the newest whole list (today's, else the latest of the
// last few days) and its day; found is false when no run is recent.
func (s *Store) WinbackList(ctx context.Context, now time.Time) (entries []WinbackEntry, day time.Time, found bool, err error) {
	for back := 0; back < 3; back++ {
		d := now.UTC().AddDate(0, 0, -back)
		items, err := s.queryPartition(ctx, winbackPK(d))
		if err != nil {
			return nil, d, false, err
		}
		ran := false
		var list []WinbackEntry
		for _, it := range items {
			if str(it, table.SK) == skWinbackRun {
				ran = true
				continue
			}
			var e WinbackEntry
			if err := attributevalue.UnmarshalMap(it, &e); err != nil {
				return nil, d, false, unavailable(err, "decode win-back entry")
			}
			list = append(list, e)
		}
		if ran {
			return list, d, true, nil
		}
	}
	return nil, time.Time{}, false, nil
}

// WinbackEntry reads one customer's entry on the day's list.
func (s *Store) WinbackEntry(ctx context.Context, day time.Time, customerID string) (WinbackEntry, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: key(winbackPK(day), pfxWinbackItem+customerID)})
	if err != nil {
		return WinbackEntry{}, unavailable(err, "read win-back entry")
	}
	if out.Item == nil {
		return WinbackEntry{}, domain.Errorf(domain.CodeNotFound, "customer %s is not on the win-back list", customerID)
	}
	var e WinbackEntry
	if err := attributevalue.UnmarshalMap(out.Item, &e); err != nil {
		return e, unavailable(err, "decode win-back entry")
	}
	return e, nil
}

// queryPartition reads a whole partition of the table, in order.
func (s *Store) queryPartition(ctx context.Context, pk string) ([]map[string]types.AttributeValue, error) {
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: pk}},
		ConsistentRead:            aws.Bool(true),
	})
	var out []map[string]types.AttributeValue
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, unavailable(err, "read partition")
		}
		out = append(out, page.Items...)
	}
	return out, nil
}

// DismissWinback takes the customer off the list until she buys again.
func (s *Store) DismissWinback(ctx context.Context, customerID string, basis time.Time, by, reason string) error {
	return s.setWinbackState(ctx, customerID, basis, "dismissedAt = :at, dismissedBy = :by, dismissReason = :r", by, reason, "")
}

// RecordWinbackOutreach notes the outreach sent in conversationID.
func (s *Store) RecordWinbackOutreach(ctx context.Context, customerID string, basis time.Time, by, conversationID string) error {
	return s.setWinbackState(ctx, customerID, basis, "outreachAt = :at, outreachBy = :by, outreachConversationId = :r", by, conversationID,
		"REMOVE dismissedAt, dismissedBy, dismissReason, outreachClaimAt, outreachClaimBy")
}

// ErrOutreachClaimed: an outreach to the customer was sent this purchase
// cycle, or an attempt began and did not finish (it may have gone out).
// Its domain code is CodeConflict; the error's message says which.
var ErrOutreachClaimed = errors.New("store: win-back outreach already sent or begun")

// ClaimWinbackOutreach marks an outreach to the customer as begun, before
// it is sent, so the customer gets one per purchase cycle (basis): a second
// call, or the retry of a call whose send went out and whose record did not,
// is refused with ErrOutreachClaimed instead of sending again. An attempt
// begun before staleAfter may be claimed again only with force (a person
// has checked her timeline and found nothing sent).
func (s *Store) ClaimWinbackOutreach(ctx context.Context, customerID string, basis time.Time, by string, staleAfter time.Time, force bool) error {
	avs, err := marshalTimes(s.Now(), basis, staleAfter)
	if err != nil {
		return err
	}
	now, b, stale := avs[0], avs[1], avs[2]
	values := map[string]types.AttributeValue{
		":id": &types.AttributeValueMemberS{Value: customerID}, ":t": &types.AttributeValueMemberS{Value: typeWinState},
		":b": b, ":at": now, ":by": &types.AttributeValueMemberS{Value: by},
	}
	cond := "attribute_not_exists(PK) OR basis <> :b OR (attribute_not_exists(outreachAt) AND attribute_not_exists(outreachClaimAt))"
	if force {
		cond += " OR (attribute_not_exists(outreachAt) AND outreachClaimAt < :stale)"
		values[":stale"] = stale
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table,
		Key:       key(customerPK(customerID), skWinbackState),
		UpdateExpression: aws.String("SET customerId = :id, #type = :t, basis = :b, outreachClaimAt = :at, outreachClaimBy = :by " +
			"REMOVE outreachAt, outreachBy, outreachConversationId"),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  map[string]string{"#type": "type"},
		ExpressionAttributeValues: values,
	})
	if !isConditionFailed(err) {
		return unavailable(err, "claim win-back outreach")
	}
	states, err := s.WinbackStates(ctx, []string{customerID})
	if err != nil {
		return err
	}
	st := states[customerID]
	if !st.OutreachAt.IsZero() {
		return domain.Wrap(ErrOutreachClaimed, domain.CodeConflict, fmt.Sprintf("an outreach was sent to her on %s by %s (conversation %s); she is off the list until she buys again",
			st.OutreachAt.Format(time.RFC3339), st.OutreachBy, st.OutreachConvID))
	}
	if !st.OutreachClaimAt.Before(staleAfter) {
		return domain.Wrap(ErrOutreachClaimed, domain.CodeConflict, fmt.Sprintf("an outreach to her is being sent (begun %s by %s)",
			st.OutreachClaimAt.Format(time.RFC3339), st.OutreachClaimBy))
	}
	return domain.Wrap(ErrOutreachClaimed, domain.CodeConflict, fmt.Sprintf("an outreach to her begun %s by %s did not finish and may have gone out: check her timeline, then send again with \"confirmResend\": true",
		st.OutreachClaimAt.Format(time.RFC3339), st.OutreachClaimBy))
}

// ReleaseWinbackOutreach gives back a claim whose send is known to have
// failed (nothing went out), so the outreach can be tried again.
func (s *Store) ReleaseWinbackOutreach(ctx context.Context, customerID string, basis time.Time) error {
	b, err := attributevalue.Marshal(basis)
	if err != nil {
		return err
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       key(customerPK(customerID), skWinbackState),
		UpdateExpression:          aws.String("REMOVE outreachClaimAt, outreachClaimBy"),
		ConditionExpression:       aws.String("basis = :b AND attribute_not_exists(outreachAt)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":b": b},
	})
	if isConditionFailed(err) {
		return nil // recorded or a new cycle meanwhile: nothing to give back
	}
	return unavailable(err, "release win-back outreach")
}

func (s *Store) setWinbackState(ctx context.Context, customerID string, basis time.Time, set, by, r, extra string) error {
	avs, err := marshalTimes(s.Now(), basis)
	if err != nil {
		return err
	}
	at, b := avs[0], avs[1]
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                &s.table,
		Key:                      key(customerPK(customerID), skWinbackState),
		UpdateExpression:         aws.String("SET customerId = :id, #type = :t, basis = :b, " + set + " " + extra),
		ExpressionAttributeNames: map[string]string{"#type": "type"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":id": &types.AttributeValueMemberS{Value: customerID}, ":t": &types.AttributeValueMemberS{Value: typeWinState},
			":b": b, ":at": at, ":by": &types.AttributeValueMemberS{Value: by}, ":r": &types.AttributeValueMemberS{Value: r},
		},
	})
	return unavailable(err, "save win-back state")
}

// CustomersByID reads the named profiles as stored (a merged-away one
// carries mergedInto; a missing one is absent from the map).
func (s *Store) CustomersByID(ctx context.Context, ids []string) (map[string]domain.Customer, error) {
	out := map[string]domain.Customer{}
	for len(ids) > 0 {
		n := min(100, len(ids))
		var keys []map[string]types.AttributeValue
		seen := map[string]bool{}
		for _, id := range ids[:n] {
			if !seen[id] {
				seen[id] = true
				keys = append(keys, profileKey(id))
			}
		}
		ids = ids[n:]
		items, err := s.batchGet(ctx, keys)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			c, _, err := unmarshalCustomer(it)
			if err != nil {
				return nil, unavailable(err, "decode customer")
			}
			out[c.ID] = c
		}
	}
	return out, nil
}

// TouchpointsOfKind reads a customer's touchpoints of the given kinds,
// newest first (one Query of her timeline, filtered: the partner view's
// purchases).
func (s *Store) TouchpointsOfKind(ctx context.Context, customerID string, kinds ...domain.TouchpointKind) ([]domain.Touchpoint, error) {
	if !domain.ValidID(domain.CustomerIDPrefix, customerID) {
		return nil, domain.Errorf(domain.CodeInvalid, "malformed customer id")
	}
	vals := map[string]types.AttributeValue{
		":pk": &types.AttributeValueMemberS{Value: customerPK(customerID)},
		":e":  &types.AttributeValueMemberS{Value: pfxEvent},
	}
	in := ""
	for i, k := range kinds {
		n := ":k" + strconv.Itoa(i)
		vals[n] = &types.AttributeValueMemberS{Value: string(k)}
		if i > 0 {
			in += ","
		}
		in += n
	}
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :e)"),
		FilterExpression:          aws.String("kind IN (" + in + ")"),
		ExpressionAttributeValues: vals,
		ScanIndexForward:          aws.Bool(false),
	})
	var out []domain.Touchpoint
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, unavailable(err, "read touchpoints")
		}
		for _, it := range page.Items {
			tp, err := unmarshalTouchpoint(it)
			if err != nil {
				return nil, unavailable(err, "decode touchpoint")
			}
			out = append(out, tp)
		}
	}
	return out, nil
}

// marshalTimes marshals times as the store keeps them.
func marshalTimes(ts ...time.Time) ([]types.AttributeValue, error) {
	out := make([]types.AttributeValue, len(ts))
	for i, t := range ts {
		av, err := attributevalue.Marshal(t)
		if err != nil {
			return nil, err
		}
		out[i] = av
	}
	return out, nil
}
