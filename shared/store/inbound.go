package store

import (
	"context"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store/table"
)

// Inbound is a customer event to record: who sent it (normalized identities,
// the channel's own first) and the touchpoint itself.
type Inbound struct {
	// Identities are the sender's verified identities: they find or create
	// the customer and are linked to it. The touchpoint's From, when set,
	// is one of them (or, for an unverified sender, one of Claims).
	Identities []domain.Identity
	// Claims are identities the event names without proof: looked up, never
	// linked; an owner other than the customer gets a suggestion.
	Claims      []Claim
	ProfileName string // fills an empty profile name; never overwrites one
	Language    string // a guess for a new customer's language ("vi", "en")
	// ConversationID, when set, is the conversation a thread lookup chose
	// (an email reply); otherwise the customer's open conversation is used.
	ConversationID string
	// MessageIDs are email Message-IDs to index to the conversation in the
	// same transaction, so replies to this message find it.
	MessageIDs []string
	Touchpoint domain.Touchpoint
}

// InboundResult says what RecordInbound did.
type InboundResult struct {
	Customer        domain.Customer
	Touchpoint      domain.Touchpoint
	Duplicate       bool     // the provider message was already recorded; nothing was written
	NewCustomer     bool     // the customer was created by this message
	NewConversation bool     // a conversation was opened by this message
	Linked          []string // identity keys newly linked to an existing customer
	// PossibleDuplicates are other customers that one of the message's
	// identities already belongs to. They are never merged automatically.
	PossibleDuplicates []string
	// ProvenSame are other customers owning one of the event's verified
	// identities: the provider vouches they are this person (a Zalo id and
	// the phone it submitted). The caller merges them.
	ProvenSame []string
}

func (in *Inbound) validate() error {
	if len(in.Identities) == 0 && len(in.Claims) == 0 {
		return domain.Errorf(domain.CodeInvalid, "a touchpoint needs at least one identity")
	}
	all := slices.Clone(in.Identities)
	for _, c := range in.Claims {
		all = append(all, c.Identity)
	}
	if len(all) > 90 {
		return domain.Errorf(domain.CodeInvalid, "too many identities on one event")
	}
	for _, id := range all {
		if id.Kind == "" || id.Value == "" {
			return domain.Errorf(domain.CodeInvalid, "identity %q is not normalized", id.Key())
		}
	}
	tp := &in.Touchpoint
	if tp.Provider == "" || tp.ProviderMessageID == "" {
		return domain.Errorf(domain.CodeInvalid, "an inbound touchpoint needs a provider and a provider message id")
	}
	if tp.Channel == "" || tp.Kind == "" {
		return domain.Errorf(domain.CodeInvalid, "an inbound touchpoint needs a channel and a kind")
	}
	if !utf8.ValidString(tp.Text) || !utf8.ValidString(tp.Subject) || !utf8.ValidString(in.ProfileName) {
		return domain.Errorf(domain.CodeInvalid, "text is not valid UTF-8")
	}
	if len(tp.Text)+len(tp.Subject) > MaxTouchpointBytes {
		return domain.Errorf(domain.CodeTooLarge, "text of %d bytes is above the %d-byte touchpoint budget", len(tp.Text)+len(tp.Subject), MaxTouchpointBytes)
	}
	if in.ConversationID != "" && !domain.ValidID(domain.ConversationIDPrefix, in.ConversationID) {
		return domain.Errorf(domain.CodeInvalid, "malformed conversation id")
	}
	return nil
}

// RecordInbound resolves the sender and records the touchpoint exactly once
// per (provider, provider message id). For a known customer with an open
// conversation it costs two requests: one BatchGetItem (identities, the
// dedup key and, for a sender this store has met, her profile) and one
// TransactWriteItems (dedup key, touchpoint, profile counters); a sender it
// has not met costs a GetItem of the profile between them. A duplicate
// costs two reads and no writes.
func (s *Store) RecordInbound(ctx context.Context, in Inbound) (InboundResult, error) {
	if err := in.validate(); err != nil {
		return InboundResult{}, err
	}
	in.Identities = uniqueIdentities(in.Identities)
	in.Claims = uniqueClaims(in.Claims, in.Identities)
	tp := in.Touchpoint
	tp.Direction = domain.DirectionIn
	tp.ReceivedAt = s.Now()
	if tp.OccurredAt.IsZero() {
		tp.OccurredAt = tp.ReceivedAt
	}
	tp.OccurredAt = tp.OccurredAt.UTC().Truncate(1e6)
	if tp.Status == "" {
		tp.Status = domain.StatusReceived
	}
	tp.ID = s.newID(domain.TouchpointIDPrefix, tp.OccurredAt)
	in.Touchpoint = tp

	for attempt := 0; attempt < maxAttempts; attempt++ {
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return InboundResult{}, unavailable(err, "record inbound")
			}
		}
		res, retry, err := s.recordInboundOnce(ctx, in)
		if err != nil || !retry {
			return res, err
		}
	}
	return InboundResult{}, errTooManyAttempts("recording an inbound message")
}

// lookup is what one BatchGetItem learned about a message's sender.
type lookup struct {
	owners map[string]string // identity key -> customer id
	dedup  *dedupItem
	// profile is the profile read with the keys (the one senderCache
	// guessed for the sender), nil when none was read.
	profile *domain.Customer
}

// profileOf is the profile of customer id as read by the lookup, if it was.
func (lk lookup) profileOf(id string) (domain.Customer, bool) {
	if lk.profile == nil || lk.profile.ID != id {
		return domain.Customer{}, false
	}
	return *lk.profile, true
}

func (s *Store) lookupSender(ctx context.Context, ids []domain.Identity, provider, msgID string) (lookup, error) {
	keys := make([]map[string]types.AttributeValue, 0, len(ids)+1)
	for _, id := range ids {
		keys = append(keys, identityKey(id))
	}
	if msgID != "" {
		keys = append(keys, messageKey(provider, msgID))
	}
	guess := ""
	if len(ids) > 0 {
		if guess = s.senders.get(ids[0]); guess != "" {
			keys = append(keys, profileKey(guess))
		}
	}
	lk := lookup{owners: map[string]string{}}
	items, err := s.batchGet(ctx, keys)
	if err != nil {
		return lk, err
	}
	for _, item := range items {
		pk := pkOf(item)
		switch {
		case guess != "" && pk == pfxCustomer+guess:
			c, _, err := unmarshalCustomer(item)
			if err != nil {
				return lk, unavailable(err, "decode customer")
			}
			lk.profile = &c
		case pk == messagePK(provider, msgID):
			var d dedupItem
			if err := attributevalue.UnmarshalMap(item, &d); err != nil {
				return lk, unavailable(err, "decode dedup key")
			}
			lk.dedup = &d
		default:
			for _, id := range ids {
				if identityPK(id) == pk {
					lk.owners[id.Key()] = str(item, "customerId")
				}
			}
		}
	}
	s.senders.put(lk.owners)
	return lk, nil
}

// batchGet reads up to 100 keys with strong consistency, following
// UnprocessedKeys until every key is answered.
func (s *Store) batchGet(ctx context.Context, keys []map[string]types.AttributeValue) ([]map[string]types.AttributeValue, error) {
	var out []map[string]types.AttributeValue
	req := map[string]types.KeysAndAttributes{s.table: {Keys: keys, ConsistentRead: aws.Bool(true)}}
	for attempt := 0; len(req) > 0; attempt++ {
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return nil, unavailable(err, "batch get")
			}
		}
		res, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
		if err != nil {
			return nil, unavailable(err, "batch get")
		}
		out = append(out, res.Responses[s.table]...)
		req = res.UnprocessedKeys
		if attempt > maxAttempts {
			return nil, errTooManyAttempts("batch get")
		}
	}
	return out, nil
}

func (s *Store) recordInboundOnce(ctx context.Context, in Inbound) (res InboundResult, retry bool, err error) {
	tp := in.Touchpoint
	look := slices.Clone(in.Identities)
	for _, c := range in.Claims {
		look = append(look, c.Identity)
	}
	lk, err := s.lookupSender(ctx, look, tp.Provider, tp.ProviderMessageID)
	if err != nil {
		return res, false, err
	}
	if lk.dedup != nil {
		return s.duplicateResult(ctx, *lk.dedup)
	}
	if primary, _ := lk.primary(in.Identities); primary == "" {
		return s.createWithInbound(ctx, in, lk)
	}
	return s.appendInbound(ctx, in, lk)
}

func (s *Store) duplicateResult(ctx context.Context, d dedupItem) (InboundResult, bool, error) {
	got, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.table, Key: eventKey(d.CustomerID, d.TouchpointID), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return InboundResult{}, false, unavailable(err, "read duplicate touchpoint")
	}
	if got.Item == nil {
		// A merge is moving this touchpoint; the dedup key will point at its
		// new home in a moment.
		return InboundResult{}, true, nil
	}
	t, err := unmarshalTouchpoint(got.Item)
	if err != nil {
		return InboundResult{}, false, unavailable(err, "decode touchpoint")
	}
	return InboundResult{Touchpoint: t, Duplicate: true, Customer: domain.Customer{ID: t.CustomerID}}, false, nil
}

// createWithInbound creates the customer, all its identity keys, its first
// conversation and the touchpoint in one transaction. A concurrent first
// contact from the same identity makes one of the two transactions fail on
// the identity condition; that one retries and finds the customer.
func (s *Store) createWithInbound(ctx context.Context, in Inbound, lk lookup) (InboundResult, bool, error) {
	now := s.Now()
	tp := in.Touchpoint
	cust := domain.Customer{
		LastFrom:       lastFrom(tp, in.Identities),
		ID:             s.newID(domain.CustomerIDPrefix, now),
		Language:       in.Language,
		Identities:     in.Identities,
		FirstContactAt: tp.OccurredAt,
		LastContactAt:  tp.OccurredAt,
		LastChannel:    tp.Channel,
		ChannelCounts:  map[domain.Channel]int{tp.Channel: 1},
		CreatedAt:      now,
		UpdatedAt:      now,
		Version:        1,
	}
	if in.ProfileName != "" {
		cust.DisplayName, cust.NameSource = in.ProfileName, "provider"
	}
	conv := domain.Conversation{ID: in.ConversationID}
	// A status event (a follow of the business's account) is on the timeline
	// but is no request: it opens no conversation.
	newConv := conv.ID == "" && tp.Kind != domain.KindStatus
	if newConv {
		conv = s.newConversation(cust.ID, tp.Channel, tp.ReceivedAt)
		conv.AwaitingRoute = routed(tp)
		cust.OpenConversationID = conv.ID
	}
	tp.CustomerID, tp.ConversationID = cust.ID, conv.ID
	sugg := lk.claimReasons(in.Claims, cust.ID)
	cust.SuggestedWith = sortedKeys(sugg)

	writes, err := s.newCustomerWrites(cust, now)
	if err != nil {
		return InboundResult{}, false, err
	}
	if newConv {
		ci, err := marshalConversation(conv)
		if err != nil {
			return InboundResult{}, false, err
		}
		writes = append(writes, s.putNew(ci))
	}
	tw, err := s.touchpointWrites(tp)
	if err != nil {
		return InboundResult{}, false, err
	}
	writes = append(writes, tw...)
	writes = append(writes, s.threadWrites(in.MessageIDs, tp)...)
	var others []string
	for o, reasons := range sugg {
		writes = append(writes, s.suggestionWrites(cust.ID, o, reasons, now)...)
		others = append(others, o)
	}
	slices.Sort(others)

	if _, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: writes}); err != nil {
		if o, ok := classifyTx(err); ok {
			// An identity or the dedup key appeared meanwhile: start over.
			return InboundResult{}, o.cancelled, nil
		}
		return InboundResult{}, false, unavailable(err, "create customer")
	}
	cust.Derive()
	owners := make(map[string]string, len(in.Identities))
	for _, id := range in.Identities {
		owners[id.Key()] = cust.ID
	}
	s.senders.put(owners)
	return InboundResult{Customer: cust, Touchpoint: tp, NewCustomer: true, NewConversation: newConv, PossibleDuplicates: others}, false, nil
}

// touchpointWrites are the dedup key (which must not exist) and the touchpoint.
func (s *Store) touchpointWrites(tp domain.Touchpoint) ([]types.TransactWriteItem, error) {
	item, err := marshalTouchpoint(tp)
	if err != nil {
		return nil, err
	}
	if itemSize(item) > MaxTouchpointBytes {
		return nil, domain.Errorf(domain.CodeTooLarge, "touchpoint of about %d bytes is above the %d-byte item budget", itemSize(item), MaxTouchpointBytes)
	}
	dd, err := marshalDedup(tp.Provider, tp.ProviderMessageID, dedupItem{CustomerID: tp.CustomerID, TouchpointID: tp.ID, CreatedAt: tp.ReceivedAt})
	if err != nil {
		return nil, err
	}
	return []types.TransactWriteItem{s.putNew(dd), s.putNew(item)}, nil
}

func (s *Store) putNew(item map[string]types.AttributeValue) types.TransactWriteItem {
	return types.TransactWriteItem{Put: &types.Put{
		TableName:           &s.table,
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(" + table.PK + ")"),
	}}
}

// appendInbound records a message from a known customer.
func (s *Store) appendInbound(ctx context.Context, in Inbound, lk lookup) (InboundResult, bool, error) {
	primary, others := lk.primary(in.Identities)
	var err error
	cust, read := lk.profileOf(primary)
	if !read {
		if cust, err = s.getProfile(ctx, primary); err != nil {
			return InboundResult{}, false, err
		}
	}
	if cust.MergedInto != "" {
		// Mid-merge: the identity still names the source; write to the target.
		if cust, err = s.getProfile(ctx, cust.MergedInto); err != nil {
			return InboundResult{}, false, err
		}
		others = slices.DeleteFunc(others, func(o string) bool { return o == cust.ID })
	}
	now := s.Now()
	tp := in.Touchpoint
	tp.CustomerID = cust.ID

	var writes []types.TransactWriteItem
	convID := in.ConversationID
	newConv := false
	if convID == "" {
		convID = cust.OpenConversationID
	}
	if convID == "" && tp.Kind != domain.KindStatus {
		conv := s.newConversation(cust.ID, tp.Channel, tp.ReceivedAt)
		conv.AwaitingRoute = routed(tp)
		ci, err := marshalConversation(conv)
		if err != nil {
			return InboundResult{}, false, err
		}
		writes = append(writes, s.putNew(ci))
		convID, newConv = conv.ID, true
	}
	tp.ConversationID = convID
	tw, err := s.touchpointWrites(tp)
	if err != nil {
		return InboundResult{}, false, err
	}
	writes = append(writes, tw...)
	writes = append(writes, s.threadWrites(in.MessageIDs, tp)...)

	var linked []string
	for _, id := range in.Identities {
		if _, known := lk.owners[id.Key()]; known {
			continue
		}
		item, err := marshalIdentity(id, cust.ID, now)
		if err != nil {
			return InboundResult{}, false, err
		}
		writes = append(writes, s.putNew(item))
		linked = append(linked, id.Key())
	}
	proven := slices.Clone(others)
	sugg := lk.claimReasons(in.Claims, cust.ID)
	for _, o := range others {
		sugg[o] = append(sugg[o], lk.sharedReasons(in.Identities, o)...)
	}
	others = others[:0]
	for o, reasons := range sugg {
		if slices.Contains(cust.SuggestedWith, o) {
			continue // recorded by an earlier message: repeating it would cost three writes a message
		}
		writes = append(writes, s.suggestionWrites(cust.ID, o, reasons, now)...)
		others = append(others, o)
	}
	slices.Sort(others)

	upd, err := s.inboundProfileUpdate(cust, tp, in.ProfileName, newConv, linked, others)
	if err != nil {
		return InboundResult{}, false, err
	}
	writes = append(writes, upd)
	if cust.DisplayName == "" && in.ProfileName != "" {
		writes = append(writes, s.nameWrite(cust.ID, in.ProfileName))
	}

	if _, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: writes}); err != nil {
		if o, ok := classifyTx(err); ok {
			return InboundResult{}, o.cancelled, nil
		}
		return InboundResult{}, false, unavailable(err, "record touchpoint")
	}

	// Reflect the write in the returned profile without another read.
	if cust.ChannelCounts == nil {
		cust.ChannelCounts = map[domain.Channel]int{}
	}
	cust.ChannelCounts[tp.Channel]++
	if tp.OccurredAt.After(cust.LastContactAt) {
		cust.LastContactAt, cust.LastChannel = tp.OccurredAt, tp.Channel
	}
	if newConv {
		cust.OpenConversationID = convID
	}
	if cust.DisplayName == "" && in.ProfileName != "" {
		cust.DisplayName, cust.NameSource = in.ProfileName, "provider"
	}
	for _, k := range linked {
		if id, ok := identityFromKey(k); ok {
			cust.Identities = append(cust.Identities, id)
			if cust.IdentityProof == nil {
				cust.IdentityProof = map[string]domain.Proof{}
			}
			cust.IdentityProof[k] = domain.ProofVerified
		}
	}
	if from := lastFrom(tp, cust.Identities); len(from) > 0 {
		if cust.LastFrom == nil {
			cust.LastFrom = map[domain.Channel]string{}
		}
		cust.LastFrom[tp.Channel] = from[tp.Channel]
	}
	cust.Derive()
	return InboundResult{
		Customer: cust, Touchpoint: tp, NewConversation: newConv,
		Linked: linked, PossibleDuplicates: others, ProvenSame: proven,
	}, false, nil
}

// inboundProfileUpdate bumps the profile's counters. Its condition makes the
// transaction fail (and the caller retry) if the open conversation changed or
// a merge began since the profile was read.
func (s *Store) inboundProfileUpdate(cust domain.Customer, tp domain.Touchpoint, profileName string, newConv bool, linked, suggested []string) (types.TransactWriteItem, error) {
	names := map[string]string{}
	vals := map[string]types.AttributeValue{}
	set := []string{}
	var add []string
	// A missed call follows the call it ends (Twilio's status callback,
	// Connect's contact event), which was counted already: counting it
	// again would make voice look twice as used as it is.
	if tp.Kind != domain.KindMissedCall {
		names["#cc"], names["#ch"] = "channelCounts", string(tp.Channel)
		vals[":one"] = &types.AttributeValueMemberN{Value: "1"}
		add = append(add, "#cc.#ch :one")
	}
	if len(suggested) > 0 {
		names["#sw"] = "suggestedWith"
		vals[":sw"] = &types.AttributeValueMemberSS{Value: suggested}
		add = append(add, "#sw :sw")
	}
	cond := "attribute_exists(" + table.PK + ") AND attribute_not_exists(mergedInto)"

	setVal := func(attr string, v any) error {
		av, err := attributevalue.Marshal(v)
		if err != nil {
			return err
		}
		names["#"+attr] = attr
		vals[":"+attr] = av
		set = append(set, "#"+attr+" = :"+attr)
		return nil
	}
	if tp.OccurredAt.After(cust.LastContactAt) {
		if err := setVal("lastContactAt", tp.OccurredAt); err != nil {
			return types.TransactWriteItem{}, err
		}
		if err := setVal("lastChannel", tp.Channel); err != nil {
			return types.TransactWriteItem{}, err
		}
		// Only if no newer message moved it since the read: concurrent
		// deliveries must not set the last contact back in time.
		prev, err := attributevalue.Marshal(cust.LastContactAt)
		if err != nil {
			return types.TransactWriteItem{}, err
		}
		vals[":prevLast"] = prev
		// A customer created without a message (ResolveCustomer) may hold
		// no last contact, or a zero one.
		cond += " AND (attribute_not_exists(lastContactAt) OR #lastContactAt = :prevLast)"
	}
	if err := setVal("updatedAt", tp.ReceivedAt); err != nil {
		return types.TransactWriteItem{}, err
	}
	if newConv {
		if err := setVal("openConversationId", tp.ConversationID); err != nil {
			return types.TransactWriteItem{}, err
		}
		cond += " AND attribute_not_exists(openConversationId)"
	} else if cust.OpenConversationID != "" {
		names["#oc"] = "openConversationId"
		vals[":oc"] = &types.AttributeValueMemberS{Value: cust.OpenConversationID}
		cond += " AND #oc = :oc"
	}
	if cust.DisplayName == "" && profileName != "" {
		if err := setVal("displayName", profileName); err != nil {
			return types.TransactWriteItem{}, err
		}
		if err := setVal("nameSource", "provider"); err != nil {
			return types.TransactWriteItem{}, err
		}
		// An agent may have named the customer since the read: keep theirs.
		cond += " AND attribute_not_exists(displayName)"
	}
	if from := lastFrom(tp, cust.Identities, idsOf(linked)...); len(from) > 0 {
		names["#lf"] = "lastFrom"
		if cust.LastFrom != nil {
			names["#lfc"] = string(tp.Channel)
			vals[":lf"] = &types.AttributeValueMemberS{Value: from[tp.Channel]}
			set = append(set, "#lf.#lfc = :lf")
		} else {
			vals[":lf"] = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{string(tp.Channel): &types.AttributeValueMemberS{Value: from[tp.Channel]}}}
			set = append(set, "#lf = :lf")
		}
	}
	if len(linked) > 0 {
		names["#ik"] = "identityKeys"
		vals[":ik"] = &types.AttributeValueMemberSS{Value: linked}
		add = append(add, "#ik :ik")
	}
	expr := "SET " + joinComma(set)
	if len(add) > 0 {
		expr += " ADD " + joinComma(add)
	}
	if len(linked) > 0 {
		proofSet(&expr, names, vals, cust.IdentityProof != nil, linked, domain.ProofVerified)
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                 &s.table,
		Key:                       profileKey(cust.ID),
		UpdateExpression:          &expr,
		ConditionExpression:       &cond,
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: vals,
	}}, nil
}

// lastFrom is the channel's reply address after this touchpoint: its From,
// when that is one of the customer's trusted identities.
func lastFrom(tp domain.Touchpoint, ids []domain.Identity, more ...domain.Identity) map[domain.Channel]string {
	if tp.From == nil || tp.Channel == "" || tp.Channel == domain.ChannelAgent {
		return nil
	}
	if !slices.Contains(ids, *tp.From) && !slices.Contains(more, *tp.From) {
		return nil
	}
	return map[domain.Channel]string{tp.Channel: tp.From.Key()}
}

func idsOf(keys []string) []domain.Identity {
	var out []domain.Identity
	for _, k := range keys {
		if id, ok := identityFromKey(k); ok {
			out = append(out, id)
		}
	}
	return out
}

// uniqueClaims drops repeated claims and claims of an identity the event
// also proves.
func uniqueClaims(cs []Claim, proven []domain.Identity) []Claim {
	var out []Claim
	for _, c := range cs {
		if slices.Contains(proven, c.Identity) || slices.ContainsFunc(out, func(o Claim) bool { return o.Identity == c.Identity }) {
			continue
		}
		out = append(out, c)
	}
	return out
}

func uniqueIdentities(ids []domain.Identity) []domain.Identity {
	out := make([]domain.Identity, 0, len(ids))
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// routed says ingest sends the touchpoint's message to the router: all but
// status events and quarantined mail (ingest.Service.Ingest).
func routed(tp domain.Touchpoint) bool {
	return tp.Kind != domain.KindStatus && tp.Metadata["quarantined"] == ""
}

func (s *Store) newConversation(customerID string, ch domain.Channel, t time.Time) domain.Conversation {
	return OpenedConversation(s.newID(domain.ConversationIDPrefix, t), customerID, ch, t)
}

// OpenedConversation is a conversation as RecordInbound opens it for a
// message received at receivedAt (its routing job carries all of these):
// version 1, as stored. The router starts from it instead of reading the
// conversation back, one request fewer per new conversation; its write is
// conditional on version 1, so a conversation changed meanwhile (a later
// message routed first) is read and the change made again on what it holds.
func OpenedConversation(id, customerID string, ch domain.Channel, receivedAt time.Time) domain.Conversation {
	return domain.Conversation{
		ID:          id,
		CustomerID:  customerID,
		Status:      domain.ConversationOpen,
		Priority:    domain.PriorityNormal,
		LastChannel: ch,
		OpenedAt:    receivedAt,
		UpdatedAt:   receivedAt,
		Version:     1,
		IndexKeys:   map[string]string{}, // in no index yet
		// Its message's routing job is on its way (ingest publishes or parks it).
		AwaitingRoute: true,
	}
}

func (s *Store) threadWrites(ids []string, tp domain.Touchpoint) []types.TransactWriteItem {
	if tp.ConversationID == "" {
		return nil
	}
	var out []types.TransactWriteItem
	for _, id := range ids {
		if id = NormalizeMessageID(id); id != "" && len(id) <= 900 {
			out = append(out, threadWrite(s.table, id, tp.ConversationID, tp.CustomerID))
		}
	}
	return out
}

// sortedKeys lists a map's keys in order; nil for none (an empty slice
// would be stored as NULL, which a later ADD refuses).
func sortedKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
