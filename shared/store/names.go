package store

import (
	"sort"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store/table"
	"github.com/concierge-cx/concierge/shared/textfold"
)

// namePrefixLen is how many folded characters partition the name index: a
// search needs at least this many, and no partition holds every customer.
const namePrefixLen = 2

// nameIndexKeys returns GSI3 keys for a display name: partition by the first
// folded characters, sort by the folded name so a begins_with query finds
// "Nguyễn Thị Lan" from "nguyen th".
func nameIndexKeys(name, customerID string) (types.AttributeValue, types.AttributeValue) {
	f := textfold.Name(name)
	return &types.AttributeValueMemberS{Value: "NAME#" + namePartition(f)},
		&types.AttributeValueMemberS{Value: f + "#" + customerID}
}

func namePartition(folded string) string {
	r := []rune(folded)
	if len(r) > namePrefixLen {
		r = r[:namePrefixLen]
	}
	return string(r)
}

// nameWrite puts (or, for an empty name, deletes) the customer's name-index
// item. The index keys live on this small item rather than on the profile, so
// the profile's per-message counter updates never write the index.
func (s *Store) nameWrite(customerID, name string) types.TransactWriteItem {
	k := key(customerPK(customerID), skName)
	if name == "" {
		return types.TransactWriteItem{Delete: &types.Delete{TableName: &s.table, Key: k}}
	}
	k["type"] = &types.AttributeValueMemberS{Value: typeName}
	k["customerId"] = &types.AttributeValueMemberS{Value: customerID}
	k["displayName"] = &types.AttributeValueMemberS{Value: name}
	k[table.GSI3PK], k[table.GSI3SK] = nameIndexKeys(name, customerID)
	return types.TransactWriteItem{Put: &types.Put{TableName: &s.table, Item: k}}
}

// sortIdentities orders identities by kind then value, so views are stable.
func sortIdentities(ids []domain.Identity) {
	sort.Slice(ids, func(i, j int) bool {
		if ids[i].Kind != ids[j].Kind {
			return ids[i].Kind < ids[j].Kind
		}
		return ids[i].Value < ids[j].Value
	})
}
