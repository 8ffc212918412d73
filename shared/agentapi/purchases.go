package agentapi

import (
	"context"
	"encoding/json"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/loyalty"
	"github.com/concierge-cx/concierge/shared/store"
)

// Loyalty is what the purchase and tier routes need (issue 16): the
// purchase intake and the tier job. Both are built from the store and
// Config.Loyalty when the store implements them.
type Loyalty struct {
	Purchases *loyalty.Purchases
	Tiering   *loyalty.Tiering
}

// WithLoyalty sets the purchase intake and the tier job.
func WithLoyalty(l Loyalty) Option { return func(a *API) { a.Loyalty = l } }

// loyaltyFrom builds the intake and the job from a store that has them.
func (a *API) loyaltyFrom(st Storage) {
	rates, err := a.Config.Loyalty.Rates()
	if err != nil {
		return // the function's main validates the environment at cold start
	}
	if ps, ok := st.(loyalty.PurchaseStore); ok && a.Loyalty.Purchases == nil {
		a.Loyalty.Purchases = &loyalty.Purchases{Store: ps, Rates: rates}
	}
	th, terr := a.Config.Loyalty.Thresholds()
	if ts, ok := st.(loyalty.TierStore); ok && a.Loyalty.Tiering == nil && terr == nil {
		a.Loyalty.Tiering = &loyalty.Tiering{Store: ts, Thresholds: th, Currency: rates.Business, Log: a.Log}
	}
}

type purchaseBody struct {
	OrderID    string              `json:"orderId"`
	Amount     json.Number         `json:"amount"`
	Currency   string              `json:"currency"`
	Items      []loyalty.ItemInput `json:"items"`
	Channel    string              `json:"channel"`
	OccurredAt *time.Time          `json:"occurredAt"`
}

// purchaseView is a recorded purchase or refund with the profile's figures
// after it.
type purchaseView struct {
	Touchpoint domain.Touchpoint `json:"touchpoint"`
	Customer   domain.Customer   `json:"customer"`
	Duplicate  bool              `json:"duplicate"`
}

func (a *API) recordPurchase(ctx context.Context, c *call) (reply, error) {
	id, err := customerParam(c)
	if err != nil {
		return reply{}, err
	}
	if a.Loyalty.Purchases == nil {
		return reply{}, domain.Errorf(domain.CodeUnavailable, "purchases are not configured")
	}
	var b purchaseBody
	if err := decode(c, &b); err != nil {
		return reply{}, err
	}
	if b.Amount == "" {
		return reply{}, domain.Errorf(domain.CodeInvalid, "amount is required")
	}
	in := loyalty.PurchaseInput{CustomerID: id, OrderID: b.OrderID, Amount: b.Amount, Currency: b.Currency, Items: b.Items,
		Channel: b.Channel, Source: "api", RecordedBy: c.who.Subject}
	if b.OccurredAt != nil {
		in.OccurredAt = *b.OccurredAt
	}
	res, err := a.Loyalty.Purchases.Record(ctx, in)
	if err != nil {
		return reply{}, err
	}
	return purchaseReply(res), nil
}

type refundBody struct {
	RefundID   string      `json:"refundId"`
	Amount     json.Number `json:"amount"`
	Currency   string      `json:"currency"`
	Reason     string      `json:"reason"`
	OccurredAt *time.Time  `json:"occurredAt"`
}

func (a *API) refundPurchase(ctx context.Context, c *call) (reply, error) {
	id, err := customerParam(c)
	if err != nil {
		return reply{}, err
	}
	if a.Loyalty.Purchases == nil {
		return reply{}, domain.Errorf(domain.CodeUnavailable, "purchases are not configured")
	}
	var b refundBody
	if raw := c.req.Body; raw != "" {
		if err := decode(c, &b); err != nil {
			return reply{}, err
		}
	}
	in := loyalty.RefundInput{CustomerID: id, OrderID: c.params["orderId"], RefundID: b.RefundID, Amount: b.Amount,
		Currency: b.Currency, Reason: b.Reason, Source: "api", RecordedBy: c.who.Subject}
	if b.OccurredAt != nil {
		in.OccurredAt = *b.OccurredAt
	}
	res, err := a.Loyalty.Purchases.Refund(ctx, in)
	if err != nil {
		return reply{}, err
	}
	return purchaseReply(res), nil
}

func purchaseReply(res store.PurchaseResult) reply {
	v := purchaseView{Touchpoint: res.Touchpoint, Customer: res.Customer, Duplicate: res.Duplicate}
	if res.Duplicate {
		return ok(v)
	}
	return created(v)
}

func (a *API) recomputeTiers(ctx context.Context, c *call) (reply, error) {
	if err := emptyBody(c); err != nil {
		return reply{}, err
	}
	if a.Loyalty.Tiering == nil {
		return reply{}, domain.Errorf(domain.CodeUnavailable, "value tiers are not configured")
	}
	rep, err := a.Loyalty.Tiering.Recompute(ctx)
	if err != nil {
		return reply{}, err
	}
	return ok(rep), nil
}
