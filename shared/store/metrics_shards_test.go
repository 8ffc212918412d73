package store_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/testenv"
)

// The metrics days are sharded (MET#<day>#<n>) so no partition takes every
// resolve. A report is the same whatever the shard count, and the same as
// over the unsharded days a deployment wrote before (MET#<day>, still read),
// alone or mixed with sharded ones.
func TestMetricsAreTheSameBeforeAndAfterSharding(t *testing.T) {
	ctx := context.Background()
	day := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	var data []store.ConversationMetric
	for i := 0; i < 60; i++ {
		opened := day.Add(time.Duration(i) * 71 * time.Minute) // three days
		m := store.ConversationMetric{ConversationID: fmt.Sprintf("con_%03d", i), Priority: []domain.Priority{domain.PriorityNormal, domain.PriorityUrgent, domain.PriorityHigh}[i%3],
			Channel: domain.ChannelWhatsApp, Team: "support", OpenedAt: opened, ResolvedAt: opened.Add(time.Duration(i+1) * time.Minute), Breached: i%7 == 0}
		if i%2 == 0 {
			m.FirstResponseAt = opened.Add(30 * time.Second)
		}
		data = append(data, m)
	}
	from, to := day.Add(2*time.Hour), day.Add(50*time.Hour) // cuts into the first and last day

	// legacy writes m as the code before sharding did: into MET#<day>.
	legacy := func(t *testing.T, db *dynamodb.Client, table string, m store.ConversationMetric) {
		item, err := attributevalue.MarshalMap(m)
		if err != nil {
			t.Fatal(err)
		}
		item["PK"] = &types.AttributeValueMemberS{Value: "MET#" + m.ResolvedAt.Format("2006-01-02")}
		item["SK"] = &types.AttributeValueMemberS{Value: "V#" + m.ConversationID}
		item["type"] = &types.AttributeValueMemberS{Value: "metric_conversation"}
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: item}); err != nil {
			t.Fatal(err)
		}
	}
	report := func(t *testing.T, shards int, legacyShare int) ([]store.ConversationMetric, map[string]bool) {
		db, table := testenv.NewTable(t)
		st := store.New(db, table, store.WithKeyShards(shards))
		for i, m := range data {
			if i < legacyShare {
				legacy(t, db, table, m)
				continue
			}
			w, err := st.ConversationMetricWrite(m)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{w}}); err != nil {
				t.Fatal(err)
			}
		}
		got, _, err := st.MetricsRange(ctx, from, to)
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(got, func(x, y store.ConversationMetric) int { return strings.Compare(x.ConversationID, y.ConversationID) })
		// The partitions the records landed in.
		parts := map[string]bool{}
		out, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: &table})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range out.Items {
			parts[it["PK"].(*types.AttributeValueMemberS).Value] = true
		}
		return got, parts
	}
	before, beforeParts := report(t, 16, len(data)) // every record as the code before sharding wrote it
	if len(before) == 0 || len(before) == len(data) {
		t.Fatalf("the range holds %d of %d records: it should cut some off", len(before), len(data))
	}
	if len(beforeParts) != 3 {
		t.Fatalf("unsharded records in %d partitions, want one per day: %v", len(beforeParts), beforeParts)
	}
	for _, c := range []struct {
		shards, legacy int
	}{{1, 0}, {16, 0}, {16, len(data) / 2}, {5, len(data) / 3}} {
		got, parts := report(t, c.shards, c.legacy)
		if !reflect.DeepEqual(got, before) {
			t.Fatalf("%d shards, %d records unsharded: the report differs from before sharding:\n%v\nwant\n%v", c.shards, c.legacy, got, before)
		}
		if c.shards == 16 && c.legacy == 0 && len(parts) < 3*12 {
			t.Fatalf("16 shards: the records landed in only %d partitions", len(parts))
		}
	}
}
