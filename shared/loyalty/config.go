// Package loyalty serves customers by value (issue 16, items 1-3): it turns
// purchases (the API, the order webhook) into touchpoints and profile
// figures in the business's currency, ranks buyers into value tiers by the
// 80/20 rule, and says which sale stage a customer is in. Storage is the
// small interfaces it declares; shared/store implements them.
package loyalty

import (
	"fmt"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/money"
)

// Config is the loyalty settings every function that records purchases or
// ranks tiers reads (the agent API, the webhooks, the sla schedule).
type Config struct {
	// BusinessCurrency is the currency of lifetime values and tiers.
	BusinessCurrency string `env:"BUSINESS_CURRENCY" default:"VND"`
	// CurrencyRates converts other currencies: "USD=25400,EUR=27500" (major
	// units of the business currency per major unit). A purchase in a
	// currency without a rate is refused (400).
	CurrencyRates string `env:"CURRENCY_RATES"`
	// SaleStageDays: a purchase within this many days makes the sale stage
	// "during" (an order open); after it, "after".
	SaleStageDays int `env:"SALE_STAGE_DAYS" default:"14"`
	// TierWindowDays is the window the value tiers rank over.
	TierWindowDays int `env:"TIER_WINDOW_DAYS" default:"365"`
	// TierVIPPercent of the value is brought by the vip set; the next
	// TierValuedPercent by the valued set; the rest are standard.
	TierVIPPercent    int `env:"TIER_VIP_PERCENT" default:"80"`
	TierValuedPercent int `env:"TIER_VALUED_PERCENT" default:"15"`
}

// Rates is the configured rate table.
func (c Config) Rates() (money.Rates, error) {
	cur := c.BusinessCurrency
	if cur == "" {
		cur = "VND"
	}
	return money.ParseRates(cur, c.CurrencyRates)
}

// Thresholds are the tiering settings.
func (c Config) Thresholds() (Thresholds, error) {
	t := Thresholds{VIPShare: c.TierVIPPercent, ValuedShare: c.TierValuedPercent, Window: time.Duration(c.TierWindowDays) * 24 * time.Hour}
	if t.VIPShare == 0 && t.ValuedShare == 0 {
		t.VIPShare, t.ValuedShare = 80, 15
	}
	if t.Window <= 0 {
		t.Window = 365 * 24 * time.Hour
	}
	if t.VIPShare < 1 || t.ValuedShare < 0 || t.VIPShare+t.ValuedShare > 100 {
		return t, fmt.Errorf("TIER_VIP_PERCENT and TIER_VALUED_PERCENT: %d and %d must be positive and add up to at most 100", t.VIPShare, t.ValuedShare)
	}
	return t, nil
}

// Validate checks the settings at cold start.
func (c Config) Validate() error {
	if _, err := c.Rates(); err != nil {
		return err
	}
	_, err := c.Thresholds()
	return err
}

// ValidTier says whether t is one of the tiers.
func ValidTier(t string) bool {
	return t == domain.TierVIP || t == domain.TierValued || t == domain.TierStandard
}

// Sale stages of a conversation's customer.
const (
	StageBefore = "before" // no purchase yet
	StageDuring = "during" // an order within the last SaleStageDays
	StageAfter  = "after"
)

// SaleStage says where the customer is in the sale at now.
func (c Config) SaleStage(cu domain.Customer, now time.Time) string {
	days := c.SaleStageDays
	if days <= 0 {
		days = 14
	}
	switch {
	case cu.OrderCount == 0 || cu.LastPurchaseAt.IsZero():
		return StageBefore
	case now.Sub(cu.LastPurchaseAt) <= time.Duration(days)*24*time.Hour:
		return StageDuring
	}
	return StageAfter
}
