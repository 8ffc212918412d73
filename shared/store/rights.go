package store

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store/table"
)

// Data rights keys. A tombstone X#<identity hash>/X remembers that an
// identity belonged to an erased customer (no value, only the hash, the
// time and the reason); audit entries AUDIT#<yyyy-mm>/<time>#<id> record who
// exported or erased whom, when and why.
const (
	pfxTombstone  = "X#"
	skTombstone   = "X"
	typeTombstone = "tombstone"
	pfxAudit      = "AUDIT#"
	typeAudit     = "audit"
)

// CustomerRecord is everything the table holds about one customer: her
// profile, every touchpoint (oldest first), her conversations and the
// other items of her partition (duplicate notes, the win-back state).
type CustomerRecord struct {
	Customer      domain.Customer
	Touchpoints   []domain.Touchpoint
	Conversations []domain.Conversation
	// keys are every item of her partition, the profile last.
	keys []map[string]types.AttributeValue
	// pairs are the customers a possible-duplicate note pairs her with,
	// and the suggestion each names (both outside her partition).
	pairs []dupPair
}

type dupPair struct{ other, suggestion string }

// CustomerRecord reads a customer's whole partition and her conversations.
// A merged-away id is CodeConflict: the record is the target's.
func (s *Store) CustomerRecord(ctx context.Context, id string) (CustomerRecord, error) {
	if !domain.ValidID(domain.CustomerIDPrefix, id) {
		return CustomerRecord{}, domain.Errorf(domain.CodeInvalid, "malformed customer id")
	}
	items, err := s.queryPartition(ctx, customerPK(id))
	if err != nil {
		return CustomerRecord{}, err
	}
	var rec CustomerRecord
	var profile map[string]types.AttributeValue
	convs := map[string]bool{}
	for _, it := range items {
		sk := str(it, table.SK)
		switch {
		case sk == skProfile:
			profile = it
			continue
		case strings.HasPrefix(sk, pfxEvent):
			tp, err := unmarshalTouchpoint(it)
			if err != nil {
				return rec, unavailable(err, "decode touchpoint")
			}
			rec.Touchpoints = append(rec.Touchpoints, tp)
			if tp.ConversationID != "" {
				convs[tp.ConversationID] = true
			}
		case strings.HasPrefix(sk, pfxDuplicate):
			rec.pairs = append(rec.pairs, dupPair{other: str(it, "otherCustomerId"), suggestion: str(it, "suggestionId")})
		}
		rec.keys = append(rec.keys, key(customerPK(id), sk))
	}
	if profile == nil {
		return rec, domain.Errorf(domain.CodeNotFound, "customer %s not found", id)
	}
	if rec.Customer, _, err = unmarshalCustomer(profile); err != nil {
		return rec, unavailable(err, "decode customer")
	}
	if rec.Customer.MergedInto != "" {
		return rec, domain.Errorf(domain.CodeConflict, "customer %s was merged into %s", id, rec.Customer.MergedInto)
	}
	rec.keys = append(rec.keys, profileKey(id))
	if rec.Customer.OpenConversationID != "" {
		convs[rec.Customer.OpenConversationID] = true
	}
	var ckeys []map[string]types.AttributeValue
	for _, c := range sortedKeys(convs) {
		ckeys = append(ckeys, conversationKey(c))
	}
	for len(ckeys) > 0 {
		n := min(100, len(ckeys))
		got, err := s.batchGet(ctx, ckeys[:n])
		if err != nil {
			return rec, err
		}
		ckeys = ckeys[n:]
		for _, it := range got {
			c, err := unmarshalConversation(it)
			if err != nil {
				return rec, unavailable(err, "decode conversation")
			}
			rec.Conversations = append(rec.Conversations, c)
		}
	}
	return rec, nil
}

// Tombstone is what remains of an erased identity.
type Tombstone struct {
	Hash             string    `dynamodbav:"hash" json:"hash"`
	ErasedAt         time.Time `dynamodbav:"erasedAt" json:"erasedAt"`
	Reason           string    `dynamodbav:"reason" json:"reason"`
	FormerCustomerID string    `dynamodbav:"formerCustomerId" json:"formerCustomerId"`
}

// FindTombstone reads the tombstone of an identity hash.
func (s *Store) FindTombstone(ctx context.Context, hash string) (Tombstone, bool, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: key(pfxTombstone+hash, skTombstone)})
	if err != nil {
		return Tombstone{}, false, unavailable(err, "read tombstone")
	}
	if out.Item == nil {
		return Tombstone{}, false, nil
	}
	var t Tombstone
	if err := attributevalue.UnmarshalMap(out.Item, &t); err != nil {
		return t, false, unavailable(err, "decode tombstone")
	}
	return t, true, nil
}

// Erase removes a customer: tombstones for her identities first, then her
// identity keys, dedup keys and email thread entries, the text her
// conversations carry (urgency reasons may quote her), the side effects
// still owed for them (a survey waiting for a retry would otherwise still
// reach her), the suggestions that pair her with someone and that
// customer's note of it, her feedback and quiet-window items, every item of
// her partition, and the profile last, so
// an erasure cut off anywhere is finished by running it again (the record
// is read again from the profile that is still there). Her conversations
// and the daily metrics keep only ids, times and figures.
func (s *Store) Erase(ctx context.Context, rec CustomerRecord, tombstones []Tombstone) error {
	id := rec.Customer.ID
	for _, t := range tombstones {
		item, err := attributevalue.MarshalMap(t)
		if err != nil {
			return err
		}
		addKeys(item, pfxTombstone+t.Hash, skTombstone, typeTombstone)
		if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: item}); err != nil {
			return unavailable(err, "write tombstone")
		}
	}
	owned := func(k map[string]types.AttributeValue) error {
		_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName: &s.table, Key: k,
			ConditionExpression:       aws.String("attribute_not_exists(" + table.PK + ") OR customerId = :id"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":id": &types.AttributeValueMemberS{Value: id}},
		})
		if err != nil && !isConditionFailed(err) { // another customer's now: not hers to delete
			return unavailable(err, "erase")
		}
		return nil
	}
	for _, ident := range rec.Customer.Identities {
		if err := owned(identityKey(ident)); err != nil {
			return err
		}
	}
	for _, tp := range rec.Touchpoints {
		if tp.Provider != "" && tp.ProviderMessageID != "" {
			if err := owned(messageKey(tp.Provider, tp.ProviderMessageID)); err != nil {
				return err
			}
		}
		if m := NormalizeMessageID(tp.Metadata["messageId"]); m != "" {
			if err := owned(key(pfxThread+m, skThread)); err != nil {
				return err
			}
		}
	}
	for _, c := range rec.Conversations {
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: &s.table, Key: conversationKey(c.ID),
			UpdateExpression:          aws.String("REMOVE urgency"),
			ConditionExpression:       aws.String("customerId = :id"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":id": &types.AttributeValueMemberS{Value: id}},
		})
		if err != nil && !isConditionFailed(err) {
			return unavailable(err, "erase conversation text")
		}
	}
	var reqs []types.WriteRequest
	owed, err := s.owedKeysOf(ctx, rec.Conversations)
	if err != nil {
		return err
	}
	for _, k := range owed {
		reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: k}})
	}
	for _, p := range rec.pairs {
		if p.suggestion != "" {
			reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: suggestionKey(p.suggestion)}})
		}
		if p.other != "" {
			reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: key(customerPK(p.other), pfxDuplicate+id)}})
		}
	}
	for _, k := range []map[string]types.AttributeValue{key(pfxFeedbackCustomer+id, skFeedback), key(pfxQuiet+id, "Q")} {
		reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: k}})
	}
	for _, k := range rec.keys[:len(rec.keys)-1] {
		reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: k}})
	}
	if err := s.batchWrite(ctx, reqs); err != nil {
		return err
	}
	if _, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.table, Key: profileKey(id)}); err != nil {
		return unavailable(err, "erase profile")
	}
	return nil
}

// AuditEntry is one export or erasure: who, when, why, whom.
type AuditEntry struct {
	ID         string            `dynamodbav:"auditId" json:"id"`
	Action     string            `dynamodbav:"action" json:"action"` // export, erase
	CustomerID string            `dynamodbav:"customerId" json:"customerId"`
	By         string            `dynamodbav:"by" json:"by"`
	Reason     string            `dynamodbav:"reason,omitempty" json:"reason,omitempty"`
	At         time.Time         `dynamodbav:"at" json:"at"`
	Detail     map[string]string `dynamodbav:"detail,omitempty" json:"detail,omitempty"`
}

const auditMonth = "2006-01"

// Audit records an entry in its month's partition.
func (s *Store) Audit(ctx context.Context, e AuditEntry) (AuditEntry, error) {
	if e.At.IsZero() {
		e.At = s.Now()
	}
	if e.ID == "" {
		e.ID = s.newID("aud_", e.At)
	}
	item, err := attributevalue.MarshalMap(e)
	if err != nil {
		return e, err
	}
	addKeys(item, pfxAudit+e.At.UTC().Format(auditMonth), e.At.UTC().Format(sortTime)+"#"+e.ID, typeAudit)
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: item}); err != nil {
		return e, unavailable(err, "write audit entry")
	}
	return e, nil
}

// AuditMonth reads a month's audit entries, oldest first.
func (s *Store) AuditMonth(ctx context.Context, month time.Time) ([]AuditEntry, error) {
	items, err := s.queryPartition(ctx, pfxAudit+month.UTC().Format(auditMonth))
	if err != nil {
		return nil, err
	}
	var out []AuditEntry
	if err := attributevalue.UnmarshalListOfMaps(items, &out); err != nil {
		return nil, unavailable(err, "decode audit entries")
	}
	return out, nil
}

// owedKeysOf lists the owed side effects of the conversations: each
// conversation's shard read whole (and the unsharded OWED of before
// sharding), kept by conversation id. Erasure is rare and the partitions small.
func (s *Store) owedKeysOf(ctx context.Context, convs []domain.Conversation) ([]map[string]types.AttributeValue, error) {
	if len(convs) == 0 {
		return nil, nil
	}
	mine := map[string]bool{}
	pks := map[string]bool{pkOwed: true}
	for _, c := range convs {
		mine[c.ID] = true
		pks[s.sharded(pkOwed, c.ID)] = true
	}
	var out []map[string]types.AttributeValue
	for _, pk := range sortedKeys(pks) {
		items, err := s.queryPartition(ctx, pk)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			if mine[str(it, "conversationId")] {
				out = append(out, key(pk, str(it, table.SK)))
			}
		}
	}
	return out, nil
}
