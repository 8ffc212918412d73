package winback_test

import (
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/winback"
)

var now = time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)

func daysAgo(n float64) time.Time { return now.Add(-time.Duration(n * float64(24*time.Hour))) }

func TestWhoIsOnTheList(t *testing.T) {
	cfg := winback.Config{SingleOrderDays: 90}
	for _, tc := range []struct {
		name   string
		c      domain.Customer
		reason string
	}{
		{"vip past twice her gap", domain.Customer{Tier: domain.TierVIP, OrderCount: 4, MedianPurchaseGapDays: 30, LastPurchaseAt: daysAgo(61)}, winback.ReasonLapsed},
		{"vip just inside twice her gap", domain.Customer{Tier: domain.TierVIP, OrderCount: 4, MedianPurchaseGapDays: 30, LastPurchaseAt: daysAgo(59)}, ""},
		{"valued past twice her gap", domain.Customer{Tier: domain.TierValued, OrderCount: 2, MedianPurchaseGapDays: 10, LastPurchaseAt: daysAgo(21)}, winback.ReasonLapsed},
		{"standard past her gap is not valuable", domain.Customer{Tier: domain.TierStandard, OrderCount: 4, MedianPurchaseGapDays: 10, LastPurchaseAt: daysAgo(200)}, ""},
		{"vip who bought once, past the configured days", domain.Customer{Tier: domain.TierVIP, OrderCount: 1, LastPurchaseAt: daysAgo(91)}, winback.ReasonLapsed},
		{"vip who bought once, within the configured days", domain.Customer{Tier: domain.TierVIP, OrderCount: 1, LastPurchaseAt: daysAgo(89)}, ""},
		{"any tier unhappy since her last purchase", domain.Customer{Tier: domain.TierStandard, OrderCount: 1, LastPurchaseAt: daysAgo(5),
			LastSatisfactionScore: 2, LastSatisfactionAt: daysAgo(2)}, winback.ReasonUnhappy},
		{"unhappy before she bought again", domain.Customer{Tier: domain.TierStandard, OrderCount: 2, LastPurchaseAt: daysAgo(1),
			LastSatisfactionScore: 1, LastSatisfactionAt: daysAgo(2)}, ""},
		{"happy is not listed", domain.Customer{LastSatisfactionScore: 3, LastSatisfactionAt: daysAgo(2)}, ""},
		{"merged away", domain.Customer{Tier: domain.TierVIP, OrderCount: 1, LastPurchaseAt: daysAgo(400), MergedInto: "cus_x"}, ""},
	} {
		reason, listed := winback.Assess(tc.c, now, cfg)
		if reason != tc.reason || listed != (tc.reason != "") {
			t.Errorf("%s: %q %v, want %q", tc.name, reason, listed, tc.reason)
		}
	}
}

func TestValueAtRiskIsAYearAtHerUsualPace(t *testing.T) {
	for _, tc := range []struct {
		c    domain.Customer
		want int64
	}{
		// 4 orders worth 12,000,000 VND, one every 30 days: 3,000,000 × 365/30.
		{domain.Customer{LifetimeValue: 12_000_000, OrderCount: 4, MedianPurchaseGapDays: 30}, 36_500_000},
		{domain.Customer{LifetimeValue: 5_000_000, OrderCount: 1}, 5_000_000},
		{domain.Customer{LifetimeValue: -100, OrderCount: 1}, 0},
		{domain.Customer{}, 0},
	} {
		if got := winback.ValueAtRisk(tc.c); got != tc.want {
			t.Errorf("%+v: %d, want %d", tc.c, got, tc.want)
		}
	}
}

func TestAnEntryStandsUntilSheBuysWritesOrIsDismissed(t *testing.T) {
	listed := daysAgo(1)
	bought := daysAgo(100)
	e := store.WinbackEntry{CustomerID: "cus_1", LastPurchaseAt: bought, ListedAt: listed}
	base := domain.Customer{ID: "cus_1", LastPurchaseAt: bought, LastContactAt: daysAgo(50)}
	with := func(f func(*domain.Customer)) domain.Customer { c := base; f(&c); return c }
	for _, tc := range []struct {
		name string
		c    domain.Customer
		st   store.WinbackState
		on   bool
	}{
		{"quiet", base, store.WinbackState{}, true},
		{"outreach sent, no answer", base, store.WinbackState{Basis: bought, OutreachAt: daysAgo(0.5)}, true},
		{"she answered the outreach", with(func(c *domain.Customer) { c.LastContactAt = daysAgo(0.2) }), store.WinbackState{Basis: bought, OutreachAt: daysAgo(0.5)}, false},
		{"she wrote after being listed", with(func(c *domain.Customer) { c.LastContactAt = daysAgo(0.9) }), store.WinbackState{}, false},
		{"she bought", with(func(c *domain.Customer) { c.LastPurchaseAt = daysAgo(0.1) }), store.WinbackState{}, false},
		{"dismissed this cycle", base, store.WinbackState{Basis: bought, DismissedAt: daysAgo(0.3)}, false},
		{"dismissed in an earlier cycle", base, store.WinbackState{Basis: daysAgo(300), DismissedAt: daysAgo(250)}, true},
		{"erased", domain.Customer{}, store.WinbackState{}, false},
	} {
		if got := winback.StillOn(e, tc.c, tc.st); got != tc.on {
			t.Errorf("%s: on the list %v, want %v", tc.name, got, tc.on)
		}
	}
}
