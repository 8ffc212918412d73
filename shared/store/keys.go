package store

import (
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store/table"
)

// Key prefixes of the single table. docs/table-design.md explains each.
const (
	pfxCustomer     = "C#" // PK of a customer's partition: profile, timeline, duplicate notes
	skProfile       = "P"  // the profile; sorts after every "E#" so one descending query reads profile + newest events
	pfxEvent        = "E#" // SK of a touchpoint: E#<touchpoint id>, ids are ULIDs of the occurred-at time
	pfxDuplicate    = "D#" // SK of a possible-duplicate note: D#<other customer id>
	skName          = "N"  // the name-index item; kept off the profile so counter updates write no index
	pfxIdentity     = "I#" // PK of an identity key: I#<kind>#<value>
	skIdentity      = "I"
	pfxMessage      = "M#" // PK of a dedup key: M#<provider>#<provider message id>
	skMessage       = "M"
	pfxConversation = "V#" // PK of a conversation: V#<conversation id>
	skConversation  = "V"
)

func customerPK(id string) string        { return pfxCustomer + id }
func eventSK(touchpointID string) string { return pfxEvent + touchpointID }
func identityPK(i domain.Identity) string {
	return pfxIdentity + string(i.Kind) + "#" + i.Value
}
func messagePK(provider, providerMessageID string) string {
	return pfxMessage + provider + "#" + providerMessageID
}
func conversationPK(id string) string { return pfxConversation + id }

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		table.PK: &types.AttributeValueMemberS{Value: pk},
		table.SK: &types.AttributeValueMemberS{Value: sk},
	}
}

func profileKey(customerID string) map[string]types.AttributeValue {
	return key(customerPK(customerID), skProfile)
}
func identityKey(i domain.Identity) map[string]types.AttributeValue {
	return key(identityPK(i), skIdentity)
}
func messageKey(provider, id string) map[string]types.AttributeValue {
	return key(messagePK(provider, id), skMessage)
}
func eventKey(customerID, touchpointID string) map[string]types.AttributeValue {
	return key(customerPK(customerID), eventSK(touchpointID))
}
func conversationKey(id string) map[string]types.AttributeValue {
	return key(conversationPK(id), skConversation)
}

// identityFromKey parses "kind#value" as stored in a profile's identity set.
func identityFromKey(k string) (domain.Identity, bool) { return domain.ParseKey(k) }

func pkOf(item map[string]types.AttributeValue) string {
	if v, ok := item[table.PK].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func str(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}
