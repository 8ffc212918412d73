package store

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store/table"
)

// MergeResult is the merged profile and what the merge freed.
type MergeResult struct {
	Customer domain.Customer
	// FreedAgent is the agent whose slot step 1 freed by closing the source's
	// open conversation into the target's, "" when none did (or when step 1
	// ran in an earlier, interrupted merge): waiting work may take the slot.
	FreedAgent string
}

// Merge moves everything of source under target: identities, touchpoints,
// conversations and profile counters. It runs in steps that are each
// idempotent, so a merge interrupted half-way is finished by running it
// again, and running a finished merge again changes nothing:
//
//  1. one transaction marks the source merged into the target and adds the
//     source's counters and identity set to the target (guarded by the
//     target's mergedFrom set, so counters are added once);
//  2. each identity key is repointed to the target;
//  3. the source's purchases summary joins the target's (mergePurchases);
//     touchpoints are copied under the target, their dedup keys and
//     conversations repointed, then deleted from the source;
//  4. the source is marked done.
//
// From step 1 on, the source id resolves to the target.
func (s *Store) Merge(ctx context.Context, targetID, sourceID string) (MergeResult, error) {
	if !domain.ValidID(domain.CustomerIDPrefix, targetID) || !domain.ValidID(domain.CustomerIDPrefix, sourceID) {
		return MergeResult{}, domain.Errorf(domain.CodeInvalid, "malformed customer id")
	}
	if targetID == sourceID {
		return MergeResult{}, domain.Errorf(domain.CodeInvalid, "a customer cannot be merged into itself")
	}
	var src domain.Customer
	var freed string
	// Step 1 reads the two profiles and the source's open conversation and
	// writes under their state; a message or the router changing one
	// meanwhile makes it start over.
	for attempt := 0; ; attempt++ {
		var err error
		if src, err = s.getProfile(ctx, sourceID); err != nil {
			return MergeResult{}, err
		}
		tgt, err := s.getProfile(ctx, targetID)
		if err != nil {
			return MergeResult{}, err
		}
		if tgt.MergedInto != "" {
			return MergeResult{}, domain.Errorf(domain.CodeConflict, "target %s was itself merged into %s", targetID, tgt.MergedInto)
		}
		if src.MergedInto == targetID {
			break // resume: step 1 is done
		}
		if src.MergedInto != "" {
			return MergeResult{}, domain.Errorf(domain.CodeConflict, "source %s was already merged into %s", sourceID, src.MergedInto)
		}
		freed, err = s.mergeProfiles(ctx, tgt, src)
		if err == nil {
			break
		}
		if domain.ErrorCode(err) != domain.CodeConflict || attempt+1 >= maxAttempts {
			return MergeResult{}, err
		}
		if err := backoff(ctx, attempt+1); err != nil {
			return MergeResult{}, unavailable(err, "merge")
		}
	}
	for _, id := range src.Identities {
		if err := s.repointIdentity(ctx, id, sourceID, targetID); err != nil {
			return MergeResult{}, err
		}
	}
	if err := s.mergePurchases(ctx, targetID, sourceID); err != nil {
		return MergeResult{}, err
	}
	if src.OpenConversationID != "" {
		if _, err := s.repointConversation(ctx, src.OpenConversationID, targetID); err != nil {
			return MergeResult{}, err
		}
	}
	if err := s.moveTouchpoints(ctx, sourceID, targetID); err != nil {
		return MergeResult{}, err
	}
	if err := s.moveDuplicateNotes(ctx, sourceID, targetID); err != nil {
		return MergeResult{}, err
	}
	if _, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       profileKey(sourceID),
		UpdateExpression:          aws.String("SET mergeState = :d"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":d": &types.AttributeValueMemberS{Value: "done"}},
	}); err != nil {
		return MergeResult{}, unavailable(err, "finish merge")
	}
	cust, err := s.GetCustomer(ctx, targetID)
	return MergeResult{Customer: cust, FreedAgent: freed}, err
}

// mergeProfiles is step 1: one transaction, so the counters are added exactly
// when the source is marked. It returns the agent whose slot it freed.
func (s *Store) mergeProfiles(ctx context.Context, tgt, src domain.Customer) (freed string, err error) {
	now := s.Now()
	names := map[string]string{}
	vals := map[string]types.AttributeValue{
		":src":   &types.AttributeValueMemberSS{Value: []string{src.ID}},
		":srcid": &types.AttributeValueMemberS{Value: src.ID},
	}
	set := []string{"updatedAt = :now"}
	add := []string{"mergedFrom :src"}
	nowAV, _ := attributevalue.Marshal(now)
	vals[":now"] = nowAV
	// The source's per-channel counts add to the target's; a target that
	// has none yet (made by the API, never written from) takes them whole,
	// since ADD cannot reach into a map that does not exist.
	counts := map[string]types.AttributeValue{}
	for ch, n := range src.ChannelCounts {
		if n != 0 {
			counts[string(ch)] = &types.AttributeValueMemberN{Value: itoa(int64(n))}
		}
	}
	countsCond := ""
	switch {
	case len(counts) == 0:
	case tgt.ChannelCounts == nil:
		names["#cc"], vals[":cc"] = "channelCounts", &types.AttributeValueMemberM{Value: counts}
		set = append(set, "#cc = :cc")
		countsCond = " AND attribute_not_exists(#cc)"
	default:
		names["#cc"] = "channelCounts"
		i := 0
		for _, ch := range sortedKeys(counts) {
			nk, vk := "#c"+itoa(int64(i)), ":c"+itoa(int64(i))
			names[nk], vals[vk] = ch, counts[ch]
			add = append(add, "#cc."+nk+" "+vk)
			i++
		}
		countsCond = " AND attribute_exists(#cc)"
	}
	addNum := func(attr string, n int64) {
		if n != 0 {
			vals[":"+attr] = &types.AttributeValueMemberN{Value: itoa(n)}
			add = append(add, attr+" :"+attr)
		}
	}
	addNum("lifetimeValue", src.LifetimeValue)
	addNum("satisfactionSum", int64(src.SatisfactionSum))
	addNum("satisfactionCount", int64(src.SatisfactionCount))
	if len(src.Identities) > 0 {
		var keys []string
		for _, id := range src.Identities {
			keys = append(keys, id.Key())
		}
		vals[":ik"] = &types.AttributeValueMemberSS{Value: keys}
		add = append(add, "identityKeys :ik")
	}
	setAttr := func(attr string, v any) {
		av, _ := attributevalue.Marshal(v)
		vals[":"+attr] = av
		set = append(set, attr+" = :"+attr)
	}
	if !src.FirstContactAt.IsZero() && (tgt.FirstContactAt.IsZero() || src.FirstContactAt.Before(tgt.FirstContactAt)) {
		setAttr("firstContactAt", src.FirstContactAt)
	}
	if src.LastContactAt.After(tgt.LastContactAt) {
		setAttr("lastContactAt", src.LastContactAt)
		setAttr("lastChannel", src.LastChannel)
	}
	if tgt.DisplayName == "" && src.DisplayName != "" {
		setAttr("displayName", src.DisplayName)
		setAttr("nameSource", src.NameSource)
	}
	if tgt.Language == "" && src.Language != "" {
		setAttr("language", src.Language)
	}
	if tgt.Tier == "" && src.Tier != "" {
		setAttr("tier", src.Tier)
	}
	if tags := unionTags(tgt.Tags, src.Tags); len(tags) > len(tgt.Tags) {
		setAttr("tags", tags)
	}
	if tgt.Notes == "" && src.Notes != "" {
		setAttr("notes", src.Notes)
	}
	writes := []types.TransactWriteItem{s.nameWrite(src.ID, "")}
	if tgt.DisplayName == "" && src.DisplayName != "" {
		writes = append(writes, s.nameWrite(tgt.ID, src.DisplayName))
	}
	cond := "attribute_exists(PK) AND attribute_not_exists(mergedInto) AND NOT contains(mergedFrom, :srcid)" + countsCond
	switch {
	case tgt.OpenConversationID == "" && src.OpenConversationID != "":
		// The target adopts the source's open conversation.
		setAttr("openConversationId", src.OpenConversationID)
		cond += " AND attribute_not_exists(openConversationId)"
	case tgt.OpenConversationID != "" && src.OpenConversationID != "":
		// One open conversation per customer: the source's is closed into
		// the target's. It leaves its queue and the SLA index, and its
		// assignee's slot is freed, in this same transaction, so a merge
		// run again (guarded by mergedFrom) never frees it twice.
		conv, err := s.GetConversation(ctx, src.OpenConversationID)
		if err != nil && domain.ErrorCode(err) != domain.CodeNotFound {
			return "", err
		}
		if err == nil && conv.Status != domain.ConversationResolved {
			writes = append(writes, types.TransactWriteItem{Update: &types.Update{
				TableName: &s.table,
				Key:       conversationKey(conv.ID),
				UpdateExpression: aws.String("SET #st = :resolved, resolvedAt = :now, updatedAt = :now, mergedInto = :into, version = version + :one " +
					"REMOVE " + table.GSI1PK + ", " + table.GSI1SK + ", " + table.GSI2PK + ", " + table.GSI2SK),
				ConditionExpression:      aws.String("version = :v"),
				ExpressionAttributeNames: map[string]string{"#st": "status"},
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":resolved": &types.AttributeValueMemberS{Value: string(domain.ConversationResolved)},
					":now":      nowAV,
					":into":     &types.AttributeValueMemberS{Value: tgt.OpenConversationID},
					":one":      &types.AttributeValueMemberN{Value: "1"},
					":v":        &types.AttributeValueMemberN{Value: itoa(conv.Version)},
				},
			}})
			if conv.AssigneeID != "" {
				writes = append(writes, s.releaseAgentWrite(conv.AssigneeID))
				freed = conv.AssigneeID
			}
		}
	}
	tgtExpr := "SET " + joinComma(set) + " ADD " + joinComma(add)
	writes = append(writes,
		types.TransactWriteItem{Update: &types.Update{
			TableName:                 &s.table,
			Key:                       profileKey(tgt.ID),
			UpdateExpression:          &tgtExpr,
			ConditionExpression:       &cond,
			ExpressionAttributeNames:  namesOrNil(names),
			ExpressionAttributeValues: vals,
		}},
		types.TransactWriteItem{Update: &types.Update{
			TableName:           &s.table,
			Key:                 profileKey(src.ID),
			UpdateExpression:    aws.String("SET mergedInto = :t, mergeState = :m, updatedAt = :now REMOVE openConversationId"),
			ConditionExpression: aws.String("attribute_exists(PK) AND attribute_not_exists(mergedInto)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":t":   &types.AttributeValueMemberS{Value: tgt.ID},
				":m":   &types.AttributeValueMemberS{Value: "moving"},
				":now": nowAV,
			},
		}},
	)
	if _, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: writes}); err != nil {
		if _, ok := classifyTx(err); ok {
			return "", domain.Errorf(domain.CodeConflict, "customers %s and %s changed during the merge; try again", tgt.ID, src.ID)
		}
		return "", unavailable(err, "merge profiles")
	}
	return freed, nil
}

// namesOrNil is nil for no names: DynamoDB refuses an empty
// ExpressionAttributeNames.
func namesOrNil(names map[string]string) map[string]string {
	if len(names) == 0 {
		return nil
	}
	return names
}

func unionTags(a, b []string) []string {
	out := slices.Clone(a)
	for _, t := range b {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

func (s *Store) repointIdentity(ctx context.Context, id domain.Identity, from, to string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           &s.table,
		Key:                 identityKey(id),
		UpdateExpression:    aws.String("SET customerId = :to"),
		ConditionExpression: aws.String("attribute_exists(PK) AND customerId IN (:from, :to)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":from": &types.AttributeValueMemberS{Value: from},
			":to":   &types.AttributeValueMemberS{Value: to},
		},
	})
	if err != nil && !isConditionFailed(err) {
		return unavailable(err, "repoint identity")
	}
	return nil
}

// repointConversation moves a conversation to customer to and returns the
// conversation it was closed into by the merge, if any.
func (s *Store) repointConversation(ctx context.Context, convID, to string) (string, error) {
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       conversationKey(convID),
		UpdateExpression:          aws.String("SET customerId = :to"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":to": &types.AttributeValueMemberS{Value: to}},
		ReturnValues:              types.ReturnValueAllNew,
	})
	if err != nil && !isConditionFailed(err) {
		return "", unavailable(err, "repoint conversation")
	}
	if out == nil {
		return "", nil
	}
	return str(out.Attributes, "mergedInto"), nil
}

func (s *Store) repointDedup(ctx context.Context, provider, msgID, to string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       messageKey(provider, msgID),
		UpdateExpression:          aws.String("SET customerId = :to"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":to": &types.AttributeValueMemberS{Value: to}},
	})
	if err != nil && !isConditionFailed(err) {
		return unavailable(err, "repoint dedup key")
	}
	return nil
}

// moveTouchpoints is step 3, a page of 25 at a time: copy under the target,
// repoint what names the touchpoint, then delete the source copy. A crash
// between copy and delete leaves a copy that the next run copies again
// (the same item) and deletes.
func (s *Store) moveTouchpoints(ctx context.Context, from, to string) error {
	into := map[string]string{} // conversation -> the one it was closed into ("" if none)
	for {
		out, err := s.db.Query(ctx, &dynamodb.QueryInput{
			TableName:              &s.table,
			KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :e)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk": &types.AttributeValueMemberS{Value: customerPK(from)},
				":e":  &types.AttributeValueMemberS{Value: pfxEvent},
			},
			ConsistentRead: aws.Bool(true),
			Limit:          aws.Int32(25),
		})
		if err != nil {
			return unavailable(err, "list touchpoints to move")
		}
		if len(out.Items) == 0 {
			return nil
		}
		var puts, dels []types.WriteRequest
		for _, item := range out.Items {
			t, err := unmarshalTouchpoint(item)
			if err != nil {
				return unavailable(err, "decode touchpoint")
			}
			moved := make(map[string]types.AttributeValue, len(item))
			for k, v := range item {
				moved[k] = v
			}
			moved[table.PK] = &types.AttributeValueMemberS{Value: customerPK(to)}
			moved["customerId"] = &types.AttributeValueMemberS{Value: to}
			puts = append(puts, types.WriteRequest{PutRequest: &types.PutRequest{Item: moved}})
			dels = append(dels, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: eventKey(from, t.ID)}})
			if t.ProviderMessageID != "" {
				if err := s.repointDedup(ctx, t.Provider, t.ProviderMessageID, to); err != nil {
					return err
				}
			}
			if t.ConversationID != "" {
				if _, seen := into[t.ConversationID]; !seen {
					m, err := s.repointConversation(ctx, t.ConversationID, to)
					if err != nil {
						return err
					}
					into[t.ConversationID] = m
				}
				// A conversation closed into the target's shows its
				// messages there.
				if m := into[t.ConversationID]; m != "" {
					moved["conversationId"] = &types.AttributeValueMemberS{Value: m}
					moved["mergedFromConversation"] = &types.AttributeValueMemberS{Value: t.ConversationID}
				}
			}
		}
		if err := s.batchWrite(ctx, puts); err != nil {
			return err
		}
		if err := s.batchWrite(ctx, dels); err != nil {
			return err
		}
	}
}

// moveDuplicateNotes drops the notes between the two merged customers,
// closes their suggestion as merged, and carries the source's other open
// suggestions over to the target (with their reasons). Each step is a plain
// update or delete, so running it again changes nothing.
func (s *Store) moveDuplicateNotes(ctx context.Context, from, to string) error {
	notes, err := s.allDuplicateNotes(ctx, from)
	if err != nil {
		return err
	}
	now := s.Now()
	for _, n := range notes {
		if n.OtherCustomerID != to && (n.Status == "" || n.Status == SuggestionOpen) {
			if err := s.Suggest(ctx, to, n.OtherCustomerID, append(n.Reasons, "merged from "+from)); err != nil {
				return err
			}
		}
		if err := s.closeSuggestionItem(ctx, SuggestionID(from, n.OtherCustomerID), SuggestionMerged, now); err != nil {
			return err
		}
		if err := s.batchWrite(ctx, []types.WriteRequest{
			{DeleteRequest: &types.DeleteRequest{Key: key(customerPK(from), pfxDuplicate+n.OtherCustomerID)}},
			{DeleteRequest: &types.DeleteRequest{Key: key(customerPK(n.OtherCustomerID), pfxDuplicate+from)}},
		}); err != nil {
			return err
		}
	}
	return s.closeSuggestionItem(ctx, SuggestionID(from, to), SuggestionMerged, now)
}

// closeSuggestionItem takes an open suggestion out of the queue; an absent
// or closed one is left as it is.
func (s *Store) closeSuggestionItem(ctx context.Context, id, status string, now time.Time) error {
	nowAV, _ := attributevalue.Marshal(now)
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: suggestionKey(id),
		UpdateExpression:         aws.String("SET #st = :st, closedAt = :now, " + table.GSI2PK + " = :off"),
		ConditionExpression:      aws.String("attribute_exists(PK) AND #st = :open"),
		ExpressionAttributeNames: map[string]string{"#st": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":st": &types.AttributeValueMemberS{Value: status}, ":now": nowAV,
			":off": &types.AttributeValueMemberS{Value: gsiSuggestionsOff}, ":open": &types.AttributeValueMemberS{Value: SuggestionOpen},
		},
	})
	if err != nil && !isConditionFailed(err) {
		// An absent or closed suggestion is the expected case.
		return unavailable(err, "close suggestion")
	}
	return nil
}

// allDuplicateNotes lists a customer's notes, open or closed.
func (s *Store) allDuplicateNotes(ctx context.Context, id string) ([]DuplicateNote, error) {
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:              &s.table,
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :d)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: customerPK(id)},
			":d":  &types.AttributeValueMemberS{Value: pfxDuplicate},
		},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, unavailable(err, "list possible duplicates")
	}
	var notes []DuplicateNote
	for _, it := range out.Items {
		var n DuplicateNote
		if err := attributevalue.UnmarshalMap(it, &n); err != nil {
			return nil, unavailable(err, "decode possible duplicate")
		}
		notes = append(notes, n)
	}
	return notes, nil
}

// batchWrite writes requests 25 at a time, retrying unprocessed items.
func (s *Store) batchWrite(ctx context.Context, reqs []types.WriteRequest) error {
	for len(reqs) > 0 {
		n := min(25, len(reqs))
		pending := map[string][]types.WriteRequest{s.table: reqs[:n]}
		reqs = reqs[n:]
		for attempt := 0; len(pending) > 0; attempt++ {
			if attempt > 0 {
				if attempt > maxAttempts {
					return errTooManyAttempts("batch write")
				}
				if err := backoff(ctx, attempt); err != nil {
					return unavailable(err, "batch write")
				}
			}
			out, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
			if err != nil {
				return unavailable(err, "batch write")
			}
			pending = out.UnprocessedItems
		}
	}
	return nil
}

func isConditionFailed(err error) bool {
	var cf *types.ConditionalCheckFailedException
	return errors.As(err, &cf)
}

// mergePurchases moves the source's purchases summary into the target's:
// the orders of both in one list (so the order count, the first and last
// purchase and the median gap cover every order, and the value-tier job,
// which reads the summaries alone, sees one buyer), in one transaction with
// the source's summary deleted and the target profile's figures set from
// the merged list. The lifetime value was added to the profile by step 1.
// Once it commits the source has no summary, so running it again changes
// nothing; a purchase recorded for either meanwhile fails a condition and
// it starts over.
func (s *Store) mergePurchases(ctx context.Context, targetID, sourceID string) error {
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return unavailable(err, "merge purchases")
			}
		}
		items, err := s.batchGet(ctx, []map[string]types.AttributeValue{purchasesKey(sourceID), purchasesKey(targetID), profileKey(targetID)})
		if err != nil {
			return err
		}
		var src, tgt purchasesItem
		var srcFound, tgtFound bool
		var tier string
		var pinned bool
		for _, it := range items {
			switch {
			case pkOf(it) == customerPK(sourceID):
				if err := attributevalue.UnmarshalMap(it, &src); err != nil {
					return unavailable(err, "decode purchases")
				}
				srcFound = true
			case str(it, table.SK) == skPurchases:
				if err := attributevalue.UnmarshalMap(it, &tgt); err != nil {
					return unavailable(err, "decode purchases")
				}
				tgtFound = true
			default:
				c, _, err := unmarshalCustomer(it)
				if err != nil {
					return unavailable(err, "decode customer")
				}
				tier, pinned = c.Tier, c.TierPinned
			}
		}
		if !srcFound {
			return nil // nothing bought, or moved already
		}
		next := tgt
		if !tgtFound {
			next = purchasesItem{CustomerID: targetID, Tier: tier, TierPinned: pinned}
		}
		next.Buys = slices.Clone(tgt.Buys)
		have := map[string]bool{}
		for _, b := range next.Buys {
			have[b.OrderID] = true
		}
		for _, b := range src.Buys {
			if !have[b.OrderID] {
				next.Buys = append(next.Buys, b)
			}
		}
		next.Lifetime, next.Orders = tgt.Lifetime+src.Lifetime, tgt.Orders+src.Orders
		if src.First != 0 && (next.First == 0 || src.First < next.First) {
			next.First = src.First
		}
		put, err := s.summaryPut(targetID, tgt, &next, tgtFound)
		if err != nil {
			return err
		}
		// Step 1 added the source's lifetime value to the profile; the other
		// figures are set from the merged list.
		writes := []types.TransactWriteItem{{Put: put}, {Update: s.purchaseFigures(targetID, next, false)}}
		writes = append(writes, types.TransactWriteItem{Delete: &types.Delete{
			TableName: &s.table, Key: purchasesKey(sourceID),
			ConditionExpression:       aws.String("version = :sv"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":sv": &types.AttributeValueMemberN{Value: itoa(src.Version)}},
		}})
		_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: writes})
		if err == nil {
			return nil
		}
		if _, ok := classifyTx(err); !ok {
			return unavailable(err, "merge purchases")
		}
	}
	return errTooManyAttempts("merge purchases")
}
