package loyalty

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/money"
	"github.com/concierge-cx/concierge/shared/store"
)

// PurchaseStore records purchases and refunds (shared/store).
type PurchaseStore interface {
	RecordPurchase(ctx context.Context, p store.Purchase) (store.PurchaseResult, error)
	RecordRefund(ctx context.Context, r store.Refund) (store.PurchaseResult, error)
}

// Purchases checks and converts purchases and refunds from any source (the
// API, the order webhook) before the store records them.
type Purchases struct {
	Store PurchaseStore
	Rates money.Rates
}

// Sales channels of a purchase.
var salesChannels = map[string]bool{"online": true, "store": true, "distributor": true}

// PurchaseInput is a purchase as a caller describes it; amounts are decimal
// strings in major units of Currency ("450000", "12.50").
type PurchaseInput struct {
	CustomerID string
	OrderID    string
	Amount     json.Number
	Currency   string
	Items      []ItemInput
	Channel    string
	OccurredAt time.Time
	Source     string
	RecordedBy string
}

// ItemInput is one line of an order.
type ItemInput struct {
	Name     string      `json:"name"`
	SKU      string      `json:"sku,omitempty"`
	Quantity int         `json:"quantity"`
	Price    json.Number `json:"price"`
}

// Record checks, converts and records a purchase.
func (p *Purchases) Record(ctx context.Context, in PurchaseInput) (store.PurchaseResult, error) {
	cur, amount, value, err := p.amount(in.Amount, in.Currency)
	if err != nil {
		return store.PurchaseResult{}, err
	}
	ch := in.Channel
	if ch == "" {
		ch = "online"
	}
	if !salesChannels[ch] {
		return store.PurchaseResult{}, domain.Errorf(domain.CodeInvalid, "channel must be online, store or distributor")
	}
	if len(in.Items) > 100 {
		return store.PurchaseResult{}, domain.Errorf(domain.CodeInvalid, "at most 100 items")
	}
	var items []store.PurchaseItem
	for _, it := range in.Items {
		name := strings.TrimSpace(it.Name)
		if name == "" || len(name) > 200 || len(it.SKU) > 64 || it.Quantity < 1 || it.Quantity > 1_000_000 {
			return store.PurchaseResult{}, domain.Errorf(domain.CodeInvalid, "an item needs a name (at most 200 bytes), a sku of at most 64 and a quantity of at least 1")
		}
		price := int64(0)
		if it.Price != "" {
			if price, err = money.ParseDecimal(it.Price.String(), cur); err != nil {
				return store.PurchaseResult{}, err
			}
		}
		items = append(items, store.PurchaseItem{Name: name, SKU: it.SKU, Quantity: it.Quantity, Price: price})
	}
	if in.OccurredAt.After(time.Now().Add(24 * time.Hour)) {
		return store.PurchaseResult{}, domain.Errorf(domain.CodeInvalid, "occurredAt is in the future")
	}
	return p.Store.RecordPurchase(ctx, store.Purchase{
		CustomerID: in.CustomerID, OrderID: strings.TrimSpace(in.OrderID), Amount: amount, Currency: cur, Value: value,
		Items: items, SalesChannel: ch, OccurredAt: in.OccurredAt, Source: in.Source, RecordedBy: in.RecordedBy,
	})
}

// amount reads a decimal amount in a currency (the business's when empty)
// and converts it: the currency, minor units as given, minor units of the
// business currency.
func (p *Purchases) amount(n json.Number, currency string) (cur string, amount, value int64, err error) {
	cur = strings.ToUpper(strings.TrimSpace(currency))
	if cur == "" {
		cur = p.Rates.Business
	}
	if !money.ValidCode(cur) {
		return "", 0, 0, domain.Errorf(domain.CodeInvalid, "currency %q is not an ISO 4217 code", currency)
	}
	if amount, err = money.ParseDecimal(n.String(), cur); err != nil {
		return "", 0, 0, err
	}
	value, err = p.Rates.Convert(amount, cur)
	return cur, amount, value, err
}

// RefundInput is a refund as a caller describes it. An empty Amount refunds
// what is left of the order; an empty RefundID names that full refund.
type RefundInput struct {
	CustomerID string
	OrderID    string
	RefundID   string
	Amount     json.Number
	Currency   string
	Reason     string
	OccurredAt time.Time
	Source     string
	RecordedBy string
}

// Refund checks, converts and records a refund.
func (p *Purchases) Refund(ctx context.Context, in RefundInput) (store.PurchaseResult, error) {
	r := store.Refund{CustomerID: in.CustomerID, OrderID: in.OrderID, RefundID: strings.TrimSpace(in.RefundID),
		Reason: in.Reason, OccurredAt: in.OccurredAt, Source: in.Source, RecordedBy: in.RecordedBy}
	if len(r.Reason) > 1000 {
		return store.PurchaseResult{}, domain.Errorf(domain.CodeInvalid, "reason: at most 1000 bytes")
	}
	if in.Amount != "" {
		cur, amount, value, err := p.amount(in.Amount, in.Currency)
		if err != nil {
			return store.PurchaseResult{}, err
		}
		if amount == 0 {
			return store.PurchaseResult{}, domain.Errorf(domain.CodeInvalid, "a refund amount must be positive (leave it out to refund the rest)")
		}
		r.Amount, r.Currency, r.Value = amount, cur, value
		if r.RefundID == "" {
			return store.PurchaseResult{}, domain.Errorf(domain.CodeInvalid, "a partial refund needs a refundId (it is recorded once per id)")
		}
	} else if r.RefundID == "" {
		r.RefundID = "full"
	}
	return p.Store.RecordRefund(ctx, r)
}

func parseMinor(n json.Number, currency string) (int64, error) {
	if !money.ValidCode(currency) {
		return 0, domain.Errorf(domain.CodeInvalid, "currency %q is not an ISO 4217 code", currency)
	}
	return money.ParseDecimal(n.String(), currency)
}

func formatMajor(minor int64, currency string) string { return money.Format(minor, currency) }
