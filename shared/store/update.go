package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store/table"
)

// ErrNoChange, returned by a Change, ends an update without writing: the
// conversation needs nothing (already done, or nothing due).
var ErrNoChange = errors.New("store: no change to the conversation")

// Typed refusals of the named writes that commit with a conversation
// change: test them with errors.Is.
var (
	// ErrAgentUnavailable: the agent is not available or has no free slot
	// (TakeAgentSlot refused). Its domain code is CodeConflict.
	ErrAgentUnavailable = errors.New("store: agent not available or at capacity")
	// ErrAgentHoldsNothing: the agent's load is already zero (ReleaseAgent
	// refused), so there is no slot to free.
	ErrAgentHoldsNothing = errors.New("store: agent holds no conversation")
	// ErrNotOpenConversation: the customer's open conversation is no longer
	// this one (CloseOpenConversation refused).
	ErrNotOpenConversation = errors.New("store: not the customer's open conversation")
	// errStale: the conversation's version moved since it was read.
	errStale = errors.New("store: conversation changed")
	// errConcurrent: DynamoDB cancelled a transaction for a concurrent one,
	// no condition refused: trying again is all it takes.
	errConcurrent = errors.New("store: concurrent transaction")
)

// Write is one more item written atomically with a conversation change: a
// named intent (TakeAgentSlot, ReleaseAgentSlot, CloseOpenConversation,
// OweWrite) the store turns into its DynamoDB write when it saves, or a raw
// item (WriteOf). Opaque, so callers need no DynamoDB types; Intent tells an
// in-memory implementation of a consumer's interface what it means.
type Write struct {
	intent any
	item   types.TransactWriteItem
	// refused, when set, is the error the update returns if this write's
	// condition refuses; unset, a CodeConflict wrapping *Refused.
	refused error
}

// The named intents a Write may carry (Write.Intent).
type (
	// SlotTaken counts one more conversation on an available agent with a
	// free slot; refused with ErrAgentUnavailable.
	SlotTaken struct{ AgentID string }
	// SlotReleased frees one of the agent's slots; refused with
	// ErrAgentHoldsNothing when their load is zero.
	SlotReleased struct{ AgentID string }
	// OpenConversationClosed clears the customer's open conversation if it
	// is still ConversationID; refused with ErrNotOpenConversation.
	OpenConversationClosed struct{ CustomerID, ConversationID string }
	// EffectOwed records an owed side effect (see OweWrite).
	EffectOwed struct{ Effect OwedEffect }
)

// Intent is the named intent w carries (SlotTaken, SlotReleased,
// OpenConversationClosed, EffectOwed), or nil for a raw write.
func (w Write) Intent() any { return w.intent }

// WriteOf wraps a raw transaction item as a Write for UpdateConversation;
// its refusal is a CodeConflict wrapping *Refused. Prefer the named intents.
func WriteOf(item types.TransactWriteItem) Write { return Write{item: item} }

// TakeAgentSlot is the write that gives one of the agent's slots to the
// conversation being changed: the update fails with ErrAgentUnavailable
// (CodeConflict) when the agent is not available or at capacity.
func TakeAgentSlot(agentID string) Write {
	return Write{intent: SlotTaken{AgentID: agentID}, refused: agentUnavailable(agentID)}
}

// ReleaseAgentSlot frees one of the agent's slots with the change (on
// resolve or reassignment); ErrAgentHoldsNothing when their load is zero.
func ReleaseAgentSlot(agentID string) Write {
	return Write{intent: SlotReleased{AgentID: agentID}, refused: domain.Wrap(ErrAgentHoldsNothing, domain.CodeConflict, "agent "+agentID+" holds no conversation")}
}

// CloseOpenConversation clears the customer's open conversation with the
// change if it is still conversationID, so the customer's next message opens
// a new one; ErrNotOpenConversation when it no longer is.
func CloseOpenConversation(customerID, conversationID string) Write {
	return Write{intent: OpenConversationClosed{CustomerID: customerID, ConversationID: conversationID},
		refused: domain.Wrap(ErrNotOpenConversation, domain.CodeConflict, "conversation "+conversationID+" is no longer the customer's open one")}
}

// itemOf is the DynamoDB write of w.
func (s *Store) itemOf(w Write) types.TransactWriteItem {
	switch in := w.intent.(type) {
	case SlotTaken:
		return s.takeSlotWrite(in.AgentID, s.Now())
	case SlotReleased:
		return s.releaseAgentWrite(in.AgentID)
	case OpenConversationClosed:
		return s.closeOpenConversationWrite(in.CustomerID, in.ConversationID)
	case EffectOwed:
		return types.TransactWriteItem{Put: &types.Put{TableName: &s.table, Item: s.owedItem(in.Effect)}}
	}
	return w.item
}

// Refused says which write of a transaction refused its condition: the
// refusal of a raw WriteOf item (its position in the change's writes,
// counting from 1).
type Refused struct{ Index int }

func (r *Refused) Error() string { return fmt.Sprintf("write %d refused its condition", r.Index) }

// Change edits a conversation in place and returns writes that must commit
// with it (atomically). It may run several times, each time on the freshly
// read conversation, so it must derive everything from what it is given.
type Change func(c *domain.Conversation) ([]Write, error)

// UpdateConversation reads conversation id, applies change and saves what it
// changed under the conversation's version, retrying on a lost race with the
// store's jittered backoff. It returns the saved conversation (or the
// unchanged one after ErrNoChange). When the races never settle it returns a
// CodeUnavailable contention error, never silence: the caller's delivery is
// retried. A named write's refusal is its typed error.
func (s *Store) UpdateConversation(ctx context.Context, id string, change Change) (domain.Conversation, error) {
	c, err := s.GetConversation(ctx, id)
	if err != nil {
		return c, err
	}
	return s.UpdateLoadedConversation(ctx, c, change)
}

// UpdateLoadedConversation is UpdateConversation starting from a
// conversation the caller has just read, saving that read when nobody
// changed it meanwhile.
func (s *Store) UpdateLoadedConversation(ctx context.Context, c domain.Conversation, change Change) (domain.Conversation, error) {
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return c, unavailable(err, "update conversation")
			}
			fresh, err := s.GetConversation(ctx, c.ID)
			if err != nil {
				return c, err
			}
			c = fresh
		}
		next := c
		next.SLA.Breaches = append([]string(nil), c.SLA.Breaches...)
		if c.Urgency != nil {
			u := *c.Urgency
			next.Urgency = &u
		}
		extra, err := change(&next)
		if errors.Is(err, ErrNoChange) {
			return c, nil
		}
		if err != nil {
			return c, err
		}
		saved, err := s.saveConversation(ctx, c, next, extra)
		if err == nil {
			return saved, nil
		}
		if !lostRace(err) {
			return c, err
		}
	}
	return c, errTooManyAttempts("update conversation " + c.ID)
}

// lostRace says a save failed only because another writer got there first.
func lostRace(err error) bool {
	return errors.Is(err, errStale) || errors.Is(err, errConcurrent)
}

// saveConversation writes what turned prev (as read) into next, under prev's
// version, with extra in the same transaction; alone it is one UpdateItem
// (half a transaction's write units). It returns next as saved.
func (s *Store) saveConversation(ctx context.Context, prev, next domain.Conversation, extra []Write) (domain.Conversation, error) {
	upd, saved, err := s.conversationUpdate(prev, next)
	if err != nil {
		return prev, err
	}
	if len(extra) == 0 {
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: upd.TableName, Key: upd.Key, UpdateExpression: upd.UpdateExpression,
			ConditionExpression: upd.ConditionExpression, ExpressionAttributeNames: upd.ExpressionAttributeNames,
			ExpressionAttributeValues: upd.ExpressionAttributeValues,
		})
		if isConditionFailed(err) {
			return prev, staleConversation()
		}
		if err != nil {
			return prev, unavailable(err, "save conversation")
		}
		return saved, nil
	}
	writes := append([]Write{{item: types.TransactWriteItem{Update: upd}, refused: staleConversation()}}, extra...)
	if err := s.transactWrites(ctx, writes, "save conversation"); err != nil {
		return prev, err
	}
	return saved, nil
}

func staleConversation() error {
	return domain.Wrap(errStale, domain.CodeStale, "the conversation changed meanwhile")
}

// transactWrites runs writes as one transaction. A refused condition is the
// refusing write's typed error (the first one's, when several refuse); a
// raw write's is a CodeConflict wrapping *Refused with its position among
// the writes after the first.
func (s *Store) transactWrites(ctx context.Context, writes []Write, what string) error {
	items := make([]types.TransactWriteItem, len(writes))
	for i, w := range writes {
		items[i] = s.itemOf(w)
	}
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err == nil {
		return nil
	}
	o, ok := classifyTx(err)
	if !ok {
		return unavailable(err, what)
	}
	if len(o.failed) > 0 {
		i := o.failed[0]
		if writes[i].refused != nil {
			return writes[i].refused
		}
		return domain.Wrap(&Refused{Index: i}, domain.CodeConflict, what+": a condition no longer holds")
	}
	return domain.Wrap(errConcurrent, domain.CodeConflict, what+": a concurrent change got there first; try again")
}

// conversationUpdate is the UpdateItem that turns the stored prev into next:
// SET what changed or appeared, REMOVE what went, index keys only when they
// move (an unchanged entry of a keys-only index is not rewritten), on
// condition that the stored version is still prev's. It returns next as it
// will be stored (version bumped).
func (s *Store) conversationUpdate(prev, next domain.Conversation) (*types.Update, domain.Conversation, error) {
	next.Version = prev.Version + 1
	next.UpdatedAt = s.Now()
	before, err := marshalConversation(prev)
	if err != nil {
		return nil, next, err
	}
	after, err := s.marshalRoutedConversation(next)
	if err != nil {
		return nil, next, err
	}
	keys := indexKeysOf(after)
	for k := range keys {
		delete(after, k)
	}
	delete(after, table.PK)
	delete(after, table.SK)
	var set, remove []string
	names := map[string]string{}
	values := map[string]types.AttributeValue{":prev": &types.AttributeValueMemberN{Value: itoa(prev.Version)}}
	setAttr := func(name string, v types.AttributeValue) {
		ref := fmt.Sprintf("#a%d", len(names))
		names[ref] = name
		values[":"+ref[1:]] = v
		set = append(set, ref+" = :"+ref[1:])
	}
	removeAttr := func(name string) {
		ref := fmt.Sprintf("#a%d", len(names))
		names[ref] = name
		remove = append(remove, ref)
	}
	for _, name := range sortedKeys(after) {
		if old, ok := before[name]; !ok || !reflect.DeepEqual(old, after[name]) {
			setAttr(name, after[name])
		}
	}
	for _, name := range sortedKeys(before) {
		if _, ok := after[name]; !ok && name != table.PK && name != table.SK && !isIndexKey(name) {
			removeAttr(name)
		}
	}
	for _, ix := range table.Table().Indexes {
		for _, k := range []string{ix.PartitionKey, ix.SortKey} {
			v, has := keys[k]
			stored, known := prev.IndexKeys[k]
			switch {
			case has && (prev.IndexKeys == nil || !known || stored != v):
				setAttr(k, &types.AttributeValueMemberS{Value: v})
			case !has && (prev.IndexKeys == nil || known):
				removeAttr(k)
			}
		}
	}
	expr := "SET " + joinComma(set)
	if len(remove) > 0 {
		expr += " REMOVE " + joinComma(remove)
	}
	names["#version"] = "version"
	next.IndexKeys = keys
	return &types.Update{
		TableName:                 &s.table,
		Key:                       conversationKey(next.ID),
		UpdateExpression:          aws.String(expr),
		ConditionExpression:       aws.String("#version = :prev"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}, next, nil
}

// indexKeysOf picks the index key attributes out of an item.
func indexKeysOf(item map[string]types.AttributeValue) map[string]string {
	keys := map[string]string{}
	for _, ix := range table.Table().Indexes {
		for _, k := range []string{ix.PartitionKey, ix.SortKey} {
			if v := str(item, k); v != "" {
				keys[k] = v
			}
		}
	}
	return keys
}

func isIndexKey(name string) bool {
	for _, ix := range table.Table().Indexes {
		if name == ix.PartitionKey || name == ix.SortKey {
			return true
		}
	}
	return false
}

// transact runs raw items as one transaction: the first item's refusal is
// CodeStale, another's a CodeConflict wrapping *Refused with its index.
func (s *Store) transact(ctx context.Context, items []types.TransactWriteItem, what string) error {
	writes := make([]Write, len(items))
	for i, it := range items {
		writes[i] = Write{item: it}
	}
	if len(writes) > 0 {
		writes[0].refused = domain.Wrap(&Refused{Index: 0}, domain.CodeStale, "the conversation changed meanwhile")
	}
	return s.transactWrites(ctx, writes, what)
}
