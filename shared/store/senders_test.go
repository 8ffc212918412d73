package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store"
)

// The store remembers whose an identity was and reads that profile in the
// lookup's BatchGetItem, one request fewer; the guess is checked against the
// identity key read beside it, so once her phone belongs to someone else
// (removed from the customer it was remembered for, then written from by a
// new customer, both through another container) her message goes to the
// customer the key names now, never to the one remembered.
func TestARememberedSenderIsCheckedAgainstHerIdentityKey(t *testing.T) {
	s, meter, another := newMeteredStore(t)
	ctx := context.Background()
	lan := phone(t, "0913003001")
	mail := domain.Identity{Kind: domain.KindEmail, Value: "lan.remembered@example.com"}
	record := func(s *store.Store, ids []domain.Identity, msgID string) (store.InboundResult, int) {
		t.Helper()
		meter.Reset()
		r, err := s.RecordInbound(ctx, msg(ids, "twilio", msgID, "Cho mình hỏi", time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		return r, meter.Snapshot().Requests
	}
	first, _ := record(s, []domain.Identity{lan, mail}, "m-1")
	if r, n := record(s, []domain.Identity{lan}, "m-2"); r.Customer.ID != first.Customer.ID || n != 2 {
		t.Fatalf("a remembered sender: customer %s in %d requests, want %s in 2", r.Customer.ID, n, first.Customer.ID)
	}
	// Another store (a cold container) has not met her: it reads her profile on its own.
	cold := another()
	if r, n := record(cold, []domain.Identity{lan}, "m-3"); r.Customer.ID != first.Customer.ID || n != 3 {
		t.Fatalf("an unmet sender: customer %s in %d requests, want %s in 3", r.Customer.ID, n, first.Customer.ID)
	}

	// Through the other container, the phone leaves her and a new customer writes from it.
	if _, _, err := cold.RemoveIdentity(ctx, first.Customer.ID, lan, "sup"); err != nil {
		t.Fatal(err)
	}
	newcomer, _ := record(cold, []domain.Identity{lan}, "m-4")
	if !newcomer.NewCustomer {
		t.Fatalf("the phone's next message after its removal made no new customer: %+v", newcomer)
	}
	r, _ := record(s, []domain.Identity{lan}, "m-5")
	if r.Customer.ID != newcomer.Customer.ID {
		t.Fatalf("the container that remembered the phone as %s recorded its message for %s, want its owner now %s", first.Customer.ID, r.Customer.ID, newcomer.Customer.ID)
	}
	for id, want := range map[string]string{first.Customer.ID: "", newcomer.Customer.ID: "m-5"} {
		tl, err := s.Timeline(ctx, id, 10, "")
		if err != nil {
			t.Fatal(err)
		}
		found := ""
		for _, tp := range tl.Items {
			if tp.ProviderMessageID == "m-5" {
				found = "m-5"
			}
		}
		if found != want {
			t.Fatalf("customer %s's timeline holds m-5: %q, want %q", id, found, want)
		}
	}
}
