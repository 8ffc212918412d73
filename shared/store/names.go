package store

import (
	"context"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
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

// MinNameQuery is the shortest folded name prefix SearchByName accepts: the
// name index is partitioned by that many characters.
const MinNameQuery = namePrefixLen

// MaxNameQuery is the longest name search accepted: longer than any name, far
// below the index key's limit.
const MaxNameQuery = 200

// SearchByName lists customers whose folded display name starts with the
// folded query ("nguyen th" finds "Nguyễn Thị Lan"), in name order, at most
// limit of them. One index query and one batch read of the profiles.
func (s *Store) SearchByName(ctx context.Context, query string, limit int) ([]domain.Customer, error) {
	if utf8.RuneCountInString(query) > MaxNameQuery {
		return nil, domain.Errorf(domain.CodeInvalid, "a name search is at most %d characters", MaxNameQuery)
	}
	if err := domain.CheckKeyValue("q", query); err != nil {
		return nil, err
	}
	q := textfold.Name(query)
	if len([]rune(q)) < namePrefixLen {
		return nil, domain.Errorf(domain.CodeInvalid, "a name search needs at least %d letters", namePrefixLen)
	}
	if limit <= 0 || limit > maxPageSize {
		limit = defaultPageSize
	}
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName: &s.table, IndexName: aws.String(table.GSI3),
		KeyConditionExpression: aws.String(table.GSI3PK + " = :p AND begins_with(" + table.GSI3SK + ", :q)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":p": &types.AttributeValueMemberS{Value: "NAME#" + namePartition(q)},
			":q": &types.AttributeValueMemberS{Value: q},
		},
		Limit: aws.Int32(int32(limit)),
	})
	if err != nil {
		return nil, unavailable(err, "search names")
	}
	var keys []map[string]types.AttributeValue
	order := map[string]int{}
	for _, it := range out.Items {
		id := str(it, "customerId")
		if _, seen := order[id]; id == "" || seen {
			continue
		}
		order[id] = len(keys)
		keys = append(keys, profileKey(id))
	}
	if len(keys) == 0 {
		return []domain.Customer{}, nil
	}
	items, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, err
	}
	found := make([]*domain.Customer, len(keys))
	for _, it := range items {
		c, _, err := unmarshalCustomer(it)
		if err != nil {
			return nil, unavailable(err, "decode customer")
		}
		// A merged-away profile's name entry may linger until the merge
		// finishes; the target has its own entry.
		if c.MergedInto != "" {
			continue
		}
		found[order[strings.TrimPrefix(pkOf(it), pfxCustomer)]] = &c
	}
	res := make([]domain.Customer, 0, len(found))
	for _, c := range found {
		if c != nil {
			res = append(res, *c)
		}
	}
	return res, nil
}
