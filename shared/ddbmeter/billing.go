package ddbmeter

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/store/table"
)

const kb = 1024

// TransactionWriteUnits bills a TransactWriteItems request the way AWS does:
// every action (put, update, delete, condition check) costs 2 write units per
// started KB of its item, and a put or update that sets an index's keys costs
// one more write per index. For an update or delete the stored item's size is
// not in the request; the size of the key and the written values stands in
// for it, exact for the small profile and index items Concierge updates.
func TransactionWriteUnits(in *dynamodb.TransactWriteItemsInput) float64 {
	total := 0.0
	for _, a := range in.TransactItems {
		switch {
		case a.Put != nil:
			size := itemSize(a.Put.Item)
			total += 2*units(size) + float64(indexesIn(a.Put.Item))*units(size)
		case a.Update != nil:
			size := itemSize(a.Update.Key) + itemSize(a.Update.ExpressionAttributeValues)
			total += 2*units(size) + float64(indexesUpdated(a.Update))
		case a.Delete != nil:
			total += 2 * units(itemSize(a.Delete.Key))
		case a.ConditionCheck != nil:
			total += 2 * units(itemSize(a.ConditionCheck.Key))
		}
	}
	return total
}

// CancelledTransactionWriteUnits bills a TransactWriteItems request that
// DynamoDB cancelled (a condition refused, a conflicting transaction). A
// transaction writes every item twice, once to prepare it and once to commit
// it; a cancelled one ran the prepare phase, which AWS bills, and never the
// commit nor any index write. So each action costs 1 unit per started KB of
// its item, half of what the committed transaction would have cost without
// its index writes. The error carries no consumed capacity, so without this
// rule a path that loses a race would look free.
func CancelledTransactionWriteUnits(in *dynamodb.TransactWriteItemsInput) float64 {
	total := 0.0
	for _, a := range in.TransactItems {
		switch {
		case a.Put != nil:
			total += units(itemSize(a.Put.Item))
		case a.Update != nil:
			total += units(itemSize(a.Update.Key) + itemSize(a.Update.ExpressionAttributeValues))
		case a.Delete != nil:
			total += units(itemSize(a.Delete.Key))
		case a.ConditionCheck != nil:
			total += units(itemSize(a.ConditionCheck.Key))
		}
	}
	return total
}

func units(size int) float64 {
	if size <= 0 {
		return 1
	}
	return float64((size + kb - 1) / kb)
}

func indexesIn(item map[string]types.AttributeValue) int {
	n := 0
	for _, ix := range table.Table().Indexes {
		if _, ok := item[ix.PartitionKey]; ok {
			n++
		}
	}
	return n
}

// indexesUpdated counts the indexes an update writes: those whose keys or
// projected attributes (table.Index.Include) it names. An update that
// touches neither leaves a keys-only or INCLUDE index alone.
func indexesUpdated(u *types.Update) int {
	named := map[string]bool{}
	for _, name := range u.ExpressionAttributeNames {
		named[name] = true
	}
	for _, tok := range strings.FieldsFunc(aws.ToString(u.UpdateExpression), func(r rune) bool {
		return !(r == '_' || r == '#' || r == ':' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) {
		named[tok] = true
	}
	n := 0
	for _, ix := range table.Table().Indexes {
		hit := named[ix.PartitionKey] || named[ix.SortKey]
		for _, a := range ix.Include {
			hit = hit || named[a]
		}
		if hit {
			n++
		}
	}
	return n
}

// itemSize follows DynamoDB's item-size rule: attribute name lengths plus value sizes.
func itemSize(item map[string]types.AttributeValue) int {
	n := 0
	for k, v := range item {
		n += len(k) + ValueSize(v)
	}
	return n
}

// ValueSize is the stored size of one attribute value.
func ValueSize(v types.AttributeValue) int {
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		return len(x.Value)
	case *types.AttributeValueMemberN:
		return len(x.Value)/2 + 1
	case *types.AttributeValueMemberB:
		return len(x.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberSS:
		n := 0
		for _, s := range x.Value {
			n += len(s)
		}
		return n
	case *types.AttributeValueMemberNS:
		n := 0
		for _, s := range x.Value {
			n += len(s)/2 + 1
		}
		return n
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range x.Value {
			n += 1 + ValueSize(e)
		}
		return n
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range x.Value {
			n += 1 + len(k) + ValueSize(e)
		}
		return n
	}
	return 0
}

// ItemSize is the stored size of an item.
func ItemSize(item map[string]types.AttributeValue) int { return itemSize(item) }
