package store

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// edit builds the UpdateExpression of a versioned edit (a customer's
// profile, an agent): it bumps the version, stamps updatedAt, sets the
// fields given and removes the ones emptied. ":v" holds the version the
// caller read, for the condition.
type edit struct {
	set, remove []string
	names       map[string]string
	vals        map[string]types.AttributeValue
}

func newEdit(version int64, now time.Time) *edit {
	nowAV, _ := attributevalue.Marshal(now)
	return &edit{
		set:   []string{"version = version + :one", "updatedAt = :now"},
		names: map[string]string{},
		vals: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"},
			":v": &types.AttributeValueMemberN{Value: itoa(version)}, ":now": nowAV},
	}
}

// field sets attr to v, or removes it when empty.
func (e *edit) field(attr string, v any, empty bool) {
	e.names["#"+attr] = attr
	if empty {
		e.remove = append(e.remove, "#"+attr)
		return
	}
	av, _ := attributevalue.Marshal(v)
	e.vals[":"+attr] = av
	e.set = append(e.set, "#"+attr+" = :"+attr)
}

func (e *edit) expression() string {
	expr := "SET " + joinComma(e.set)
	if len(e.remove) > 0 {
		expr += " REMOVE " + joinComma(e.remove)
	}
	return expr
}

// namesOrNil: DynamoDB refuses an empty ExpressionAttributeNames map.
func (e *edit) namesOrNil() map[string]string {
	if len(e.names) == 0 {
		return nil
	}
	return e.names
}
