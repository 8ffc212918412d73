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

// A cancelled transaction is billed its prepare phase (1 unit per small
// item, no index write), as AWS bills it, though the error carries no
// consumed capacity; the committed one costs 2 per item plus its indexes.
func TestACancelledTransactionIsBilledItsPreparePhase(t *testing.T) {
	base, table := testenv.NewTable(t)
	meter := &ddbmeter.Meter{BillTransactions: true}
	db := dynamodb.New(base.Options(), meter.Option)
	ctx := context.Background()
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	taken := map[string]types.AttributeValue{"PK": s("I#phone#84900000001"), "SK": s("I")}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: taken}); err != nil {
		t.Fatal(err)
	}
	put := func(item map[string]types.AttributeValue) types.TransactWriteItem {
		return types.TransactWriteItem{Put: &types.Put{TableName: &table, Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")}}
	}
	fresh := map[string]types.AttributeValue{"PK": s("C#cus_1"), "SK": s("P")}
	queued := map[string]types.AttributeValue{"PK": s("V#con_1"), "SK": s("V"), "GSI1PK": s("QUEUE#support"), "GSI1SK": s("1#x")}
	meter.Reset()
	_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{put(taken), put(fresh), put(queued)}})
	var cancelled *types.TransactionCanceledException
	if !errors.As(err, &cancelled) {
		t.Fatalf("the transaction should be cancelled (the identity exists), got %v", err)
	}
	if c := meter.Snapshot(); c.Requests != 1 || c.WriteUnits != 3 {
		t.Fatalf("a cancelled transaction of three small items metered as %d requests, %v write units; want 1 and 3", c.Requests, c.WriteUnits)
	}
	meter.Reset()
	if _, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{put(fresh), put(queued)}}); err != nil {
		t.Fatal(err)
	}
	if c := meter.Snapshot(); c.WriteUnits != 5 {
		t.Fatalf("the committed transaction metered %v write units; want 5 (2 per item, 1 for the queue index)", c.WriteUnits)
	}
}

// The meter bills each write to the partitions it lands on, as AWS does: the
// base item on its PK, each index entry on the index's partition key, a key
// that moves as a delete on the old partition and a put on the new one, and
// an update that names no key or projected attribute of an index leaves it
// alone.
func TestWriteUnitsArePerPartitionKey(t *testing.T) {
	base, table := testenv.NewTable(t)
	meter := &ddbmeter.Meter{PerKey: true}
	db := dynamodb.New(base.Options(), meter.Option)
	ctx := context.Background()
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	key := map[string]types.AttributeValue{"PK": s("A#mai"), "SK": s("A")}
	item := map[string]types.AttributeValue{"PK": s("A#mai"), "SK": s("A"), "GSI2PK": s("AGENTS#support#available"), "GSI2SK": s("mai"), "load": &types.AttributeValueMemberN{Value: "0"}}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: item}); err != nil {
		t.Fatal(err)
	}
	update := func(expr string, names map[string]string, values map[string]types.AttributeValue) {
		t.Helper()
		if _, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &table, Key: key, UpdateExpression: aws.String(expr),
			ExpressionAttributeNames: names, ExpressionAttributeValues: values}); err != nil {
			t.Fatal(err)
		}
	}
	one := map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}}
	update("SET #load = #load + :one", map[string]string{"#load": "load"}, one)                     // projected into GSI2: rewritten
	update("SET lastSeenAt = :one", nil, one)                                                       // not projected: the index is untouched
	update("SET GSI2PK = :g", nil, map[string]types.AttributeValue{":g": s("AGENTS#support#away")}) // moves
	if _, err := db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &table, Key: key}); err != nil {
		t.Fatal(err)
	}
	got := meter.Snapshot().ByKey
	want := ddbmeter.KeyUnits{"A#mai": 5, "GSI2 AGENTS#support#available": 3, "GSI2 AGENTS#support#away": 2}
	if len(got) != len(want) {
		t.Fatalf("units by key %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("units by key %v, want %v", got, want)
		}
	}
	if k, u, total := got.Hottest(); k != "A#mai" || u != 5 || total != 10 {
		t.Fatalf("hottest %s %v of %v", k, u, total)
	}
}

func TestKeyPatternNamesNoCustomer(t *testing.T) {
	for in, want := range map[string]string{
		"C#cus_01JDX4":                  "C#<id>",
		"I#phone#+84912345678":          "I#phone#<id>",
		"M#meta#wamid.scale.1.2":        "M#meta#<id>",
		"GSI2 SLA#7":                    "GSI2 SLA#<n>",
		"MET#2026-11-30#3":              "MET#<day>#<n>",
		"GSI1 QUEUE#support":            "GSI1 QUEUE#support",
		"GSI1 AGENT#mai":                "GSI1 AGENT#<id>",
		"GSI2 AGENTS#billing#available": "GSI2 AGENTS#billing#available",
		"OWED":                          "OWED",
	} {
		if got := ddbmeter.KeyPattern(in); got != want {
			t.Errorf("KeyPattern(%q) = %q, want %q", in, got, want)
		}
	}
}
