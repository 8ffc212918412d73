package ddbmeter

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func TestTransactionWriteUnitsFollowAWSBilling(t *testing.T) {
	small := map[string]types.AttributeValue{"PK": s("C#1"), "SK": s("E#1"), "text": s("xin chào")}
	big := map[string]types.AttributeValue{"PK": s("C#1"), "SK": s("E#2"), "text": s(strings.Repeat("a", 2500))}
	indexed := map[string]types.AttributeValue{"PK": s("V#1"), "SK": s("V"), "GSI1PK": s("QUEUE#support"), "GSI1SK": s("1#x")}
	cases := []struct {
		name  string
		items []types.TransactWriteItem
		want  float64
	}{
		{"one small put", []types.TransactWriteItem{{Put: &types.Put{Item: small}}}, 2},
		{"three small items", []types.TransactWriteItem{{Put: &types.Put{Item: small}}, {Put: &types.Put{Item: small}},
			{Update: &types.Update{Key: small, UpdateExpression: aws.String("ADD n :one"), ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}}}}}, 6},
		{"a 2.5 KB put is 3 KB", []types.TransactWriteItem{{Put: &types.Put{Item: big}}}, 6},
		{"a put with an index key also writes the index", []types.TransactWriteItem{{Put: &types.Put{Item: indexed}}}, 3},
		{"a condition check", []types.TransactWriteItem{{ConditionCheck: &types.ConditionCheck{Key: small}}}, 2},
		{"an update of an attribute an index projects also writes the index", []types.TransactWriteItem{{Update: &types.Update{Key: small,
			UpdateExpression: aws.String("SET #load = #load + :one"), ExpressionAttributeNames: map[string]string{"#load": "load"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}}}}}, 3},
		{"an update of an attribute no index projects writes none", []types.TransactWriteItem{{Update: &types.Update{Key: small,
			UpdateExpression: aws.String("SET #a0 = :a0"), ExpressionAttributeNames: map[string]string{"#a0": "lastMessageAt"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":a0": s("2026-01-01T00:00:00.000Z")}}}}, 2},
	}
	for _, c := range cases {
		if got := TransactionWriteUnits(&dynamodb.TransactWriteItemsInput{TransactItems: c.items}); got != c.want {
			t.Errorf("%s: %v WRU, want %v", c.name, got, c.want)
		}
	}
}
