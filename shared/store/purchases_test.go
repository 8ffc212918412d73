package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/testenv"
)

// The same order arriving five times at once (the API retried, the webhook
// redelivered) is one purchase: one touchpoint, one order on the profile.
func TestConcurrentCopiesOfAnOrderAreOnePurchase(t *testing.T) {
	db, name := testenv.NewTable(t)
	s := store.New(db, name)
	ctx := context.Background()
	r, err := s.ResolveCustomer(ctx, []domain.Identity{{Kind: domain.KindPhone, Value: "+84912000111"}}, "Lan")
	if err != nil {
		t.Fatal(err)
	}
	id := r.Customer.ID
	at := time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	dups := make(chan bool, 5)
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := s.RecordPurchase(ctx, store.Purchase{CustomerID: id, OrderID: "A-1", Amount: 450000, Currency: "VND", Value: 450000, OccurredAt: at, Source: "api"})
			if err != nil {
				t.Error(err)
				return
			}
			dups <- res.Duplicate
		}()
	}
	wg.Wait()
	close(dups)
	fresh := 0
	for d := range dups {
		if !d {
			fresh++
		}
	}
	if fresh != 1 {
		t.Fatalf("%d copies recorded as new, want 1", fresh)
	}
	// A second order 10 days later, then a refund of half the first, twice.
	if _, err := s.RecordPurchase(ctx, store.Purchase{CustomerID: id, OrderID: "A-2", Amount: 100000, Currency: "VND", Value: 100000, OccurredAt: at.AddDate(0, 0, 10)}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := s.RecordRefund(ctx, store.Refund{CustomerID: id, OrderID: "A-1", RefundID: "r1", Amount: 225000, Currency: "VND", Value: 225000}); err != nil {
			t.Fatal(err)
		}
	}
	c, err := s.GetCustomer(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if c.LifetimeValue != 325000 || c.OrderCount != 2 || !c.FirstPurchaseAt.Equal(at) || !c.LastPurchaseAt.Equal(at.AddDate(0, 0, 10)) || c.MedianPurchaseGapDays != 10 {
		t.Errorf("figures: value %d, %d orders, %v..%v, gap %v", c.LifetimeValue, c.OrderCount, c.FirstPurchaseAt, c.LastPurchaseAt, c.MedianPurchaseGapDays)
	}
	page, err := s.Timeline(ctx, id, 50, "")
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[domain.TouchpointKind]int{}
	for _, tp := range page.Items {
		kinds[tp.Kind]++
	}
	if kinds[domain.KindPurchase] != 2 || kinds[domain.KindRefund] != 1 {
		t.Errorf("timeline kinds %v: two purchases and one refund", kinds)
	}
	// Refunds beyond the order and of unknown orders are refused; the buyer's index lists her once.
	if _, err := s.RecordRefund(ctx, store.Refund{CustomerID: id, OrderID: "A-1", RefundID: "r2", Amount: 300000, Value: 300000}); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("over-refund: %v", err)
	}
	if _, err := s.RecordRefund(ctx, store.Refund{CustomerID: id, OrderID: "NOPE", RefundID: "full"}); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Errorf("unknown order: %v", err)
	}
	buyers, err := s.Buyers(ctx)
	if err != nil || len(buyers) != 1 || buyers[0].CustomerID != id || len(buyers[0].Buys) != 2 {
		t.Errorf("buyers %+v %v", buyers, err)
	}
}

// Merging two buyers joins their orders: the target's order count, first
// and last purchase and median gap cover both (the lifetime value once), the
// buyers' index lists one buyer with every order, and a merge run again
// changes nothing.
func TestAMergeJoinsTheTwoCustomersOrders(t *testing.T) {
	db, name := testenv.NewTable(t)
	s := store.New(db, name)
	ctx := context.Background()
	resolve := func(phone, who string) string {
		t.Helper()
		r, err := s.ResolveCustomer(ctx, []domain.Identity{{Kind: domain.KindPhone, Value: phone}}, who)
		if err != nil {
			t.Fatal(err)
		}
		return r.Customer.ID
	}
	target, source := resolve("+84912000211", "Lan"), resolve("+84912000212", "Lan Nguyen")
	at := time.Date(2026, 9, 1, 3, 0, 0, 0, time.UTC)
	buy := func(customer, order string, day int, value int64) {
		t.Helper()
		if _, err := s.RecordPurchase(ctx, store.Purchase{CustomerID: customer, OrderID: order, Amount: value, Currency: "VND", Value: value,
			OccurredAt: at.AddDate(0, 0, day)}); err != nil {
			t.Fatal(err)
		}
	}
	buy(target, "M-1", 0, 100000)
	buy(source, "M-2", 10, 200000)
	buy(target, "M-3", 30, 300000)
	buy(source, "M-4", 40, 400000)

	for run := 0; run < 2; run++ {
		if _, err := s.Merge(ctx, target, source); err != nil {
			t.Fatal(err)
		}
		c, err := s.GetCustomer(ctx, target)
		if err != nil {
			t.Fatal(err)
		}
		// Gaps 10, 20, 10 days: the median is 10.
		if c.OrderCount != 4 || c.LifetimeValue != 1_000_000 || !c.FirstPurchaseAt.Equal(at) || !c.LastPurchaseAt.Equal(at.AddDate(0, 0, 40)) || c.MedianPurchaseGapDays != 10 {
			t.Fatalf("run %d: the target after the merge: %d orders, value %d, first %v, last %v, median gap %v; want 4, 1000000, %v, %v, 10",
				run, c.OrderCount, c.LifetimeValue, c.FirstPurchaseAt, c.LastPurchaseAt, c.MedianPurchaseGapDays, at, at.AddDate(0, 0, 40))
		}
		buyers, err := s.Buyers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(buyers) != 1 || buyers[0].CustomerID != target || len(buyers[0].Buys) != 4 {
			t.Fatalf("run %d: buyers after the merge %+v, want the target alone with 4 orders", run, buyers)
		}
	}
}
