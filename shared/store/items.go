package store

import (
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/ddbmeter"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store/table"
)

// Item types, stored in the "type" attribute so a partition read can tell them apart.
const (
	typeCustomer     = "customer"
	typeIdentity     = "identity"
	typeTouchpoint   = "touchpoint"
	typeDedup        = "dedup"
	typeConversation = "conversation"
	typeDuplicate    = "possible_duplicate"
	typeName         = "name"
)

// customerItem is the stored profile: the domain fields plus the key and the
// set of identity keys (needed to repoint them on a merge).
type customerItem struct {
	domain.Customer
	IdentityKeys []string `dynamodbav:"identityKeys,omitempty,stringset"`
	MergeState   string   `dynamodbav:"mergeState,omitempty"`
}

func marshalCustomer(c domain.Customer) (map[string]types.AttributeValue, error) {
	ci := customerItem{Customer: c}
	for _, id := range c.Identities {
		ci.IdentityKeys = append(ci.IdentityKeys, id.Key())
	}
	ci.Identities = nil
	if ci.ChannelCounts == nil {
		// The map must exist: inbound writes ADD into channelCounts.<channel>.
		ci.ChannelCounts = map[domain.Channel]int{}
	}
	// Likewise: links SET identityProof.<key>, messages SET lastFrom.<channel>.
	ci.IdentityProof = map[string]domain.Proof{}
	for k, v := range c.IdentityProof {
		ci.IdentityProof[k] = v
	}
	for _, id := range c.Identities {
		if _, ok := ci.IdentityProof[id.Key()]; !ok {
			ci.IdentityProof[id.Key()] = domain.ProofVerified
		}
	}
	if ci.LastFrom == nil {
		ci.LastFrom = map[domain.Channel]string{}
	}
	item, err := attributevalue.MarshalMap(ci)
	if err != nil {
		return nil, err
	}
	addKeys(item, customerPK(c.ID), skProfile, typeCustomer)
	return item, nil
}

func unmarshalCustomer(item map[string]types.AttributeValue) (domain.Customer, string, error) {
	var ci customerItem
	if err := attributevalue.UnmarshalMap(item, &ci); err != nil {
		return domain.Customer{}, "", err
	}
	c := ci.Customer
	for _, k := range ci.IdentityKeys {
		if id, ok := identityFromKey(k); ok {
			c.Identities = append(c.Identities, id)
		}
	}
	sortIdentities(c.Identities)
	for _, id := range c.Identities {
		if c.IdentityProof == nil {
			c.IdentityProof = map[string]domain.Proof{}
		}
		if _, ok := c.IdentityProof[id.Key()]; !ok {
			c.IdentityProof[id.Key()] = domain.ProofVerified // linked before proofs were recorded
		}
	}
	for k := range c.IdentityProof {
		if !slices.ContainsFunc(c.Identities, func(i domain.Identity) bool { return i.Key() == k }) {
			delete(c.IdentityProof, k)
		}
	}
	c.Derive()
	return c, ci.MergeState, nil
}

func marshalTouchpoint(t domain.Touchpoint) (map[string]types.AttributeValue, error) {
	item, err := attributevalue.MarshalMap(t)
	if err != nil {
		return nil, err
	}
	addKeys(item, customerPK(t.CustomerID), eventSK(t.ID), typeTouchpoint)
	return item, nil
}

func unmarshalTouchpoint(item map[string]types.AttributeValue) (domain.Touchpoint, error) {
	var t domain.Touchpoint
	err := attributevalue.UnmarshalMap(item, &t)
	return t, err
}

// dedupItem maps (provider, provider message id) to the touchpoint's key.
type dedupItem struct {
	CustomerID   string    `dynamodbav:"customerId"`
	TouchpointID string    `dynamodbav:"touchpointId"`
	CreatedAt    time.Time `dynamodbav:"createdAt"`
}

func marshalDedup(provider, msgID string, d dedupItem) (map[string]types.AttributeValue, error) {
	item, err := attributevalue.MarshalMap(d)
	if err != nil {
		return nil, err
	}
	addKeys(item, messagePK(provider, msgID), skMessage, typeDedup)
	return item, nil
}

type identityItem struct {
	CustomerID string    `dynamodbav:"customerId"`
	Proof      string    `dynamodbav:"proof,omitempty"`
	Kind       string    `dynamodbav:"kind"`
	Value      string    `dynamodbav:"value"`
	CreatedAt  time.Time `dynamodbav:"createdAt"`
}

func marshalIdentity(id domain.Identity, customerID string, at time.Time, proof ...domain.Proof) (map[string]types.AttributeValue, error) {
	p := domain.ProofVerified
	if len(proof) > 0 {
		p = proof[0]
	}
	item, err := attributevalue.MarshalMap(identityItem{CustomerID: customerID, Proof: string(p), Kind: string(id.Kind), Value: id.Value, CreatedAt: at})
	if err != nil {
		return nil, err
	}
	addKeys(item, identityPK(id), skIdentity, typeIdentity)
	return item, nil
}

// conversationTime is how a conversation stores its times: UTC to the
// millisecond, fixed width, so that they compare as strings do in a
// condition (TouchFollowUp), and still RFC 3339 for the decoder.
const conversationTime = "2006-01-02T15:04:05.000Z"

func encodeConversationTime(t time.Time) (types.AttributeValue, error) {
	return &types.AttributeValueMemberS{Value: t.UTC().Format(conversationTime)}, nil
}

// marshalConversation leaves zero times out (every write of a conversation
// is billed by its size, and the unset times alone were a fifth of it) and
// writes the others in conversationTime.
func marshalConversation(c domain.Conversation) (map[string]types.AttributeValue, error) {
	item, err := attributevalue.MarshalMapWithOptions(c, func(o *attributevalue.EncoderOptions) {
		o.OmitEmptyTime, o.EncodeTime = true, encodeConversationTime
	})
	if err != nil {
		return nil, err
	}
	// An emptied set (owed, once its effects are done) encodes as NULL:
	// stored, it would read as present to a condition (the in-place
	// follow-up's attribute_not_exists(owed)), so it is left out and the
	// update removes it.
	for name, v := range item {
		if _, null := v.(*types.AttributeValueMemberNULL); null {
			delete(item, name)
		}
	}
	addKeys(item, conversationPK(c.ID), skConversation, typeConversation)
	return item, nil
}

func unmarshalConversation(item map[string]types.AttributeValue) (domain.Conversation, error) {
	var c domain.Conversation
	err := attributevalue.UnmarshalMap(item, &c)
	c.IndexKeys = indexKeysOf(item)
	return c, err
}

func addKeys(item map[string]types.AttributeValue, pk, sk, typ string) {
	item[table.PK] = &types.AttributeValueMemberS{Value: pk}
	item[table.SK] = &types.AttributeValueMemberS{Value: sk}
	item["type"] = &types.AttributeValueMemberS{Value: typ}
}

// itemSize is an item's stored size by DynamoDB's rule (names plus values).
func itemSize(item map[string]types.AttributeValue) int { return ddbmeter.ItemSize(item) }

// MaxTouchpointBytes is the item-size budget of one touchpoint. DynamoDB's hard
// limit is 400 KB; the margin keeps room for status updates and metadata added later.
const MaxTouchpointBytes = 350 * 1024
