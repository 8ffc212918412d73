package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/testenv"
)

// Owed effects are spread over the shards (OWED#<n>) and listed oldest
// first across them, at most the limit; one written before sharding (in
// OWED) is listed, claimed and settled where it lies.
func TestOwedEffectsAcrossShardsAndTheOldPartition(t *testing.T) {
	db, table := testenv.NewTable(t)
	at := time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)
	s := store.New(db, table, store.WithKeyShards(4), store.WithClock(func() time.Time { return at }))
	ctx := context.Background()
	// The old one, owed first.
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: "OWED"}, "SK": &types.AttributeValueMemberS{Value: "2026-11-29T02:59:00.000Z#con_old#survey#resolved:0"},
		"type": &types.AttributeValueMemberS{Value: "owedEffect"}, "kind": &types.AttributeValueMemberS{Value: "survey"},
		"conversationId": &types.AttributeValueMemberS{Value: "con_old"}, "event": &types.AttributeValueMemberS{Value: "resolved:0"},
		"payload": &types.AttributeValueMemberB{Value: []byte(`{}`)},
	}}); err != nil {
		t.Fatal(err)
	}
	const n = 12
	for i := 0; i < n; i++ {
		at = at.Add(time.Second)
		if err := s.Owe(ctx, store.OwedEffect{Kind: "survey", ConversationID: fmt.Sprintf("con_%02d", i), Event: "resolved:1", Payload: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	parts := map[string]int{}
	out, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: &table})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range out.Items {
		parts[it["PK"].(*types.AttributeValueMemberS).Value]++
	}
	if len(parts) < 4 {
		t.Fatalf("owed items in %v: want them over the shards", parts)
	}
	owed, err := s.OwedEffects(ctx, 5)
	if err != nil || len(owed) != 5 {
		t.Fatalf("owed %+v, %v", owed, err)
	}
	if owed[0].ConversationID != "con_old" {
		t.Fatalf("the oldest is %s, want con_old", owed[0].ConversationID)
	}
	for i := 1; i < len(owed); i++ {
		if want := fmt.Sprintf("con_%02d", i-1); owed[i].ConversationID != want {
			t.Fatalf("owed[%d] is %s, want %s (oldest first across shards)", i, owed[i].ConversationID, want)
		}
	}
	for _, e := range owed {
		if ok, err := s.ClaimOwed(ctx, e.Key, time.Minute); !ok || err != nil {
			t.Fatalf("claim %s: %v %v", e.Key, ok, err)
		}
		if ok, err := s.SettleOwed(ctx, e.Key); !ok || err != nil {
			t.Fatalf("settle %s: %v %v", e.Key, ok, err)
		}
	}
	left, err := s.OwedEffects(ctx, 100)
	if err != nil || len(left) != n+1-5 {
		t.Fatalf("%d left after settling 5 of %d, %v", len(left), n+1, err)
	}
}
