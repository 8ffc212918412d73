package routing_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/store"
)

// The SLA index is sharded (GSI2 SLA#<n>): the sweeper reads every shard,
// more than a page of them, plus an entry left under the pre-sharding key
// SLA by a deployment that ran before, and warns and escalates each
// conversation exactly once.
func TestTheSweeperFindsEveryDueConversationOnceAcrossShards(t *testing.T) {
	const shards, n = 4, 120 // more than the sweep's page of 100
	cfg := routing.DefaultConfig()
	e := newEnv(t, cfg, store.WithKeyShards(shards))
	ctx := context.Background()
	ids := make([]string, 0, n)
	for i := 0; i < n; i++ {
		out := e.inbound(t, fmt.Sprintf("8493%07d", i), fmt.Sprint("wamid.shard.", i), "Chào shop, mình muốn đổi size áo")
		if _, err := e.router.Route(ctx, out.Job); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, out.Job.ConversationID)
	}
	// One entry as a deployment before sharding wrote it.
	legacy := ids[0]
	if _, err := e.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &e.table,
		Key:              map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "V#" + legacy}, "SK": &types.AttributeValueMemberS{Value: "V"}},
		UpdateExpression: aws.String("SET GSI2PK = :p"), ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: "SLA"}},
	}); err != nil {
		t.Fatal(err)
	}
	perShard := map[string]int{}
	for _, id := range ids {
		out, err := e.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &e.table,
			Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "V#" + id}, "SK": &types.AttributeValueMemberS{Value: "V"}}})
		if err != nil {
			t.Fatal(err)
		}
		pk, _ := out.Item["GSI2PK"].(*types.AttributeValueMemberS)
		if pk == nil {
			t.Fatalf("conversation %s is not in the SLA index", id)
		}
		perShard[pk.Value]++
	}
	for s := 0; s < shards; s++ {
		if perShard[fmt.Sprint("SLA#", s)] == 0 {
			t.Fatalf("no conversation in shard %d: %v", s, perShard)
		}
	}
	if len(perShard) != shards+1 || perShard["SLA"] != 1 {
		t.Fatalf("SLA index partitions %v, want %d shards and the old key", perShard, shards)
	}

	sw := &routing.Sweeper{Store: e.st, Notifier: e.notes, Config: cfg, Log: quiet(), Metrics: &syncBuffer{}}
	start := e.clk.now()
	for _, s := range []struct {
		at                 time.Duration
		warnings, breaches int
	}{
		{3 * time.Hour, 0, 0},
		{3*time.Hour + 13*time.Minute, n, 0},
		{3*time.Hour + 30*time.Minute, 0, 0},
		{4*time.Hour + time.Minute, 0, n},
		{5 * time.Hour, 0, 0},
	} {
		res, err := sw.Sweep(ctx, start.Add(s.at))
		if err != nil {
			t.Fatal(err)
		}
		if res.Warnings != s.warnings || res.Breaches != s.breaches {
			t.Fatalf("at +%v: %+v, want %d warnings %d breaches", s.at, res, s.warnings, s.breaches)
		}
	}
	if k := e.notes.kinds(); k["sla_warning"] != n || k["escalated"] != n {
		t.Fatalf("notifications %v, want %d of each", k, n)
	}
	perConv := map[string]int{}
	for _, ev := range e.notes.list {
		perConv[ev.ConversationID+" "+ev.Kind]++
	}
	for _, id := range ids {
		if perConv[id+" sla_warning"] != 1 || perConv[id+" escalated"] != 1 {
			t.Fatalf("conversation %s: %d warnings, %d escalations", id, perConv[id+" sla_warning"], perConv[id+" escalated"])
		}
	}
}
