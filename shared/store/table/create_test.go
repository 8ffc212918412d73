package table_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/store/table"
	"github.com/concierge-cx/concierge/shared/testenv"
)

func TestCreateTableInputFollowsTheDefinition(t *testing.T) {
	in := table.CreateTableInput("concierge-test")
	def := table.Table()

	if aws.ToString(in.TableName) != "concierge-test" {
		t.Errorf("TableName = %q", aws.ToString(in.TableName))
	}
	if in.BillingMode != types.BillingModePayPerRequest {
		t.Errorf("BillingMode = %s, want PAY_PER_REQUEST", in.BillingMode)
	}
	if got := keys(in.KeySchema); got != [2]string{def.PartitionKey, def.SortKey} {
		t.Errorf("table key = %v, want %s/%s", got, def.PartitionKey, def.SortKey)
	}

	// DynamoDB rejects an attribute defined twice or defined but unused in any key.
	defined := map[string]types.ScalarAttributeType{}
	for _, a := range in.AttributeDefinitions {
		name := aws.ToString(a.AttributeName)
		if _, dup := defined[name]; dup {
			t.Errorf("attribute %s defined twice", name)
		}
		defined[name] = a.AttributeType
	}
	for _, attr := range def.KeyAttributes() {
		if defined[attr] != types.ScalarAttributeTypeS {
			t.Errorf("key attribute %s: type %q, want S", attr, defined[attr])
		}
	}
	if len(defined) != len(def.KeyAttributes()) {
		t.Errorf("%d attribute definitions, want one per key attribute (%d)", len(defined), len(def.KeyAttributes()))
	}

	if len(in.GlobalSecondaryIndexes) != len(def.Indexes) {
		t.Fatalf("%d GSIs, want %d", len(in.GlobalSecondaryIndexes), len(def.Indexes))
	}
	for i, want := range def.Indexes {
		got := in.GlobalSecondaryIndexes[i]
		if aws.ToString(got.IndexName) != want.Name {
			t.Errorf("GSI %d name = %q, want %q", i, aws.ToString(got.IndexName), want.Name)
		}
		if k := keys(got.KeySchema); k != [2]string{want.PartitionKey, want.SortKey} {
			t.Errorf("GSI %s key = %v, want %s/%s", want.Name, k, want.PartitionKey, want.SortKey)
		}
		wantType := types.ProjectionTypeKeysOnly
		if len(want.Include) > 0 {
			wantType = types.ProjectionTypeInclude
		}
		if got.Projection == nil || got.Projection.ProjectionType != wantType || !slices.Equal(got.Projection.NonKeyAttributes, want.Include) {
			t.Errorf("GSI %s projection = %+v, want %s of %v", want.Name, got.Projection, wantType, want.Include)
		}
		if got.ProvisionedThroughput != nil {
			t.Errorf("GSI %s has provisioned throughput on an on-demand table", want.Name)
		}
	}
}

func keys(ks []types.KeySchemaElement) [2]string {
	var out [2]string
	for _, k := range ks {
		switch k.KeyType {
		case types.KeyTypeHash:
			out[0] = aws.ToString(k.AttributeName)
		case types.KeyTypeRange:
			out[1] = aws.ToString(k.AttributeName)
		}
	}
	return out
}

func TestEnsureTableIsIdempotentAndEnablesTTL(t *testing.T) {
	client, name := testenv.NewTable(t) // the first EnsureTable, through testenv
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	marker := map[string]types.AttributeValue{
		table.PK: &types.AttributeValueMemberS{Value: "MARKER"},
		table.SK: &types.AttributeValueMemberS{Value: "MARKER"},
	}
	if _, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: marker}); err != nil {
		t.Fatal(err)
	}
	// What the local stack does on every start: the table exists and TTL is already on.
	for range 2 {
		if err := table.EnsureTable(ctx, client, name); err != nil {
			t.Fatalf("EnsureTable on an existing table: %v", err)
		}
	}
	got, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(name), Key: marker, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Item == nil {
		t.Error("EnsureTable on an existing table lost its data")
	}
	ttl, err := client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if d := ttl.TimeToLiveDescription; d == nil || d.TimeToLiveStatus != types.TimeToLiveStatusEnabled || aws.ToString(d.AttributeName) != table.TTL {
		t.Errorf("TTL = %+v, want ENABLED on %s", d, table.TTL)
	}
}
