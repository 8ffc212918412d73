package ddbmeter_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/ddbmeter"
	"github.com/concierge-cx/concierge/shared/testenv"
)

// A write whose condition fails is billed (one unit for a small item), though
// the error carries no consumed capacity: the meter must count it, or a path
// that tries a conditional shortcut first looks free when it is not.
func TestAFailedConditionalWriteCostsAUnit(t *testing.T) {
	base, table := testenv.NewTable(t)
	meter := &ddbmeter.Meter{BillTransactions: true}
	db := dynamodb.New(base.Options(), meter.Option)
	ctx := context.Background()
	item := map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "X"}, "SK": &types.AttributeValueMemberS{Value: "X"}}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: item}); err != nil {
		t.Fatal(err)
	}
	meter.Reset()
	_, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &table, Key: item, UpdateExpression: aws.String("SET n = :one"),
		ConditionExpression:       aws.String("attribute_not_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}},
	})
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		t.Fatalf("the update's condition should fail, got %v", err)
	}
	if c := meter.Snapshot(); c.Requests != 1 || c.WriteUnits != 1 {
		t.Fatalf("a failed conditional update metered as %d requests, %v write units; want 1 and 1", c.Requests, c.WriteUnits)
	}
}
