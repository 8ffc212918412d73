package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store"
)

// Erasing a customer also removes what lies outside her partition and
// names her: the side effects still owed for her conversations (a survey
// waiting for a retry would otherwise still reach her) and the suggestions
// pairing her with someone, with that customer's note of it. Another
// conversation's owed effect and the other customer stay.
func TestErasureRemovesHerOwedEffectsAndSuggestions(t *testing.T) {
	s, db, table := newStore(t)
	ctx := context.Background()
	other, err := s.RecordInbound(ctx, msg([]domain.Identity{phone(t, "0913005001")}, "twilio", "m-other", "Chào shop", time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	in := msg([]domain.Identity{phone(t, "0913005002")}, "twilio", "m-her", "Số của chị tôi là 0913 005 001", time.Now())
	in.Claims = []store.Claim{{Identity: phone(t, "0913005001"), Source: domain.ClaimTyped}}
	her, err := s.RecordInbound(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(her.PossibleDuplicates) != 1 {
		t.Fatalf("setup: the claim made suggestions %v, want one with %s", her.PossibleDuplicates, other.Customer.ID)
	}
	for _, e := range []store.OwedEffect{
		{Kind: "survey", ConversationID: her.Touchpoint.ConversationID, Event: "resolve-1", Payload: []byte(`{"to":"+84913005002"}`)},
		{Kind: "survey", ConversationID: other.Touchpoint.ConversationID, Event: "resolve-2", Payload: []byte(`{"to":"+84913005001"}`)},
	} {
		if err := s.Owe(ctx, e); err != nil {
			t.Fatal(err)
		}
	}

	rec, err := s.CustomerRecord(ctx, her.Customer.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Erase(ctx, rec, nil); err != nil {
		t.Fatal(err)
	}

	owed, err := s.OwedEffects(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(owed) != 1 || owed[0].ConversationID != other.Touchpoint.ConversationID {
		t.Fatalf("owed after erasure %+v, want only the other conversation's", owed)
	}
	get := func(pk, sk string) map[string]types.AttributeValue {
		t.Helper()
		out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, ConsistentRead: new(true), Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: sk}}})
		if err != nil {
			t.Fatal(err)
		}
		return out.Item
	}
	if it := get("S#"+store.SuggestionID(her.Customer.ID, other.Customer.ID), "S"); it != nil {
		t.Fatalf("the suggestion pairing her is still there: %v", it)
	}
	if it := get("C#"+other.Customer.ID, "D#"+her.Customer.ID); it != nil {
		t.Fatalf("the other customer's note of her is still there: %v", it)
	}
	if it := get("C#"+other.Customer.ID, "P"); it == nil {
		t.Fatal("the other customer's profile went with her")
	}
}
