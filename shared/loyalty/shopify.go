package loyalty

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"strings"
	"time"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store"
)

// The order webhook speaks Shopify's format, which Vietnamese platforms
// (Haravan) copy: a POST of the order (or refund) JSON, the topic in
// X-Shopify-Topic, a delivery id in X-Shopify-Webhook-Id, and
// X-Shopify-Hmac-Sha256 = base64(HMAC-SHA256(raw body, the app's secret)).
// See https://shopify.dev/docs/apps/build/webhooks/verify-deliveries (HMAC
// over the raw body, base64, and the delivery id for duplicates) and
// https://shopify.dev/apps/build/webhooks/ignore-duplicates.
const (
	HeaderHmac      = "x-shopify-hmac-sha256"
	HeaderTopic     = "x-shopify-topic"
	HeaderWebhookID = "x-shopify-webhook-id"
	TopicOrderPaid  = "orders/paid"
	TopicRefund     = "refunds/create"
)

// ShopifySignature is the header value a body signed with secret carries.
func ShopifySignature(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// VerifyShopify checks the signature over the raw body in constant time.
func VerifyShopify(req channels.Request, secret string) error {
	if secret == "" {
		return channels.Forbidden("no order webhook secret configured")
	}
	got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(req.Header(HeaderHmac)))
	if err != nil || len(got) == 0 {
		return channels.Forbidden("missing or malformed X-Shopify-Hmac-Sha256")
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(req.Body)
	if !hmac.Equal(got, m.Sum(nil)) {
		return channels.Forbidden("bad order webhook signature")
	}
	return nil
}

// shopifyOrder is the part of Shopify's order JSON the webhook reads.
type shopifyOrder struct {
	ID              json.Number `json:"id"`
	Name            string      `json:"name"`
	Email           string      `json:"email"`
	ContactEmail    string      `json:"contact_email"`
	Phone           string      `json:"phone"`
	Currency        string      `json:"currency"`
	TotalPrice      json.Number `json:"total_price"`
	FinancialStatus string      `json:"financial_status"`
	SourceName      string      `json:"source_name"`
	CreatedAt       time.Time   `json:"created_at"`
	ProcessedAt     time.Time   `json:"processed_at"`
	Customer        *struct {
		Email     string `json:"email"`
		Phone     string `json:"phone"`
		FirstName string `json:"first_name"`
		LastName  string `json:"last_name"`
	} `json:"customer"`
	LineItems []struct {
		Title    string      `json:"title"`
		Name     string      `json:"name"`
		SKU      string      `json:"sku"`
		Quantity int         `json:"quantity"`
		Price    json.Number `json:"price"`
	} `json:"line_items"`
}

// shopifyRefund is the part of a refunds/create body the webhook reads.
type shopifyRefund struct {
	ID           json.Number `json:"id"`
	OrderID      json.Number `json:"order_id"`
	CreatedAt    time.Time   `json:"created_at"`
	Note         string      `json:"note"`
	Transactions []struct {
		Kind     string      `json:"kind"`
		Status   string      `json:"status"`
		Amount   json.Number `json:"amount"`
		Currency string      `json:"currency"`
	} `json:"transactions"`
}

// Buyers finds or creates the customer a platform's buyer is.
type Buyers interface {
	ResolveCustomer(ctx context.Context, ids []domain.Identity, profileName string) (store.Resolution, error)
	OrderCustomer(ctx context.Context, orderID string) (string, error)
}

// OrderWebhook serves POST /webhooks/orders.
type OrderWebhook struct {
	Secret     string
	Purchases  *Purchases
	Buyers     Buyers
	Normalizer domain.Normalizer
	Log        *slog.Logger
}

// OrderResult is the webhook's answer.
type OrderResult struct {
	OK         bool   `json:"ok"`
	CustomerID string `json:"customerId,omitempty"`
	Duplicate  bool   `json:"duplicate,omitempty"`
	Ignored    string `json:"ignored,omitempty"`
}

// Handle verifies and applies one delivery. orders/paid records the order
// once per order id; refunds/create records the refund once per refund id
// (a redelivery with the same X-Shopify-Webhook-Id carries the same ids, so
// it changes nothing); other topics are acknowledged and ignored.
func (w *OrderWebhook) Handle(ctx context.Context, req channels.Request) (OrderResult, error) {
	if err := VerifyShopify(req, w.Secret); err != nil {
		return OrderResult{}, err
	}
	delivery := strings.TrimSpace(req.Header(HeaderWebhookID))
	if delivery == "" {
		return OrderResult{}, domain.Errorf(domain.CodeInvalid, "missing X-Shopify-Webhook-Id")
	}
	dec := json.NewDecoder(bytes.NewReader(req.Body))
	dec.UseNumber()
	switch topic := strings.TrimSpace(req.Header(HeaderTopic)); topic {
	case TopicOrderPaid:
		var o shopifyOrder
		if err := dec.Decode(&o); err != nil {
			return OrderResult{}, domain.Errorf(domain.CodeInvalid, "order JSON: %v", err)
		}
		return w.orderPaid(ctx, o, delivery)
	case TopicRefund:
		var r shopifyRefund
		if err := dec.Decode(&r); err != nil {
			return OrderResult{}, domain.Errorf(domain.CodeInvalid, "refund JSON: %v", err)
		}
		return w.refund(ctx, r, delivery)
	default:
		return OrderResult{OK: true, Ignored: "topic " + topic}, nil
	}
}

func (w *OrderWebhook) orderPaid(ctx context.Context, o shopifyOrder, delivery string) (OrderResult, error) {
	if o.ID == "" {
		return OrderResult{}, domain.Errorf(domain.CodeInvalid, "order without an id")
	}
	// The platform checked the buyer's contact details at checkout: verified,
	// as every channel's provider-vouched sender is (docs/identities.md).
	var ids []domain.Identity
	name := ""
	email, phone := first(o.Email, o.ContactEmail), o.Phone
	if o.Customer != nil {
		email, phone = first(email, o.Customer.Email), first(phone, o.Customer.Phone)
		name = strings.TrimSpace(o.Customer.FirstName + " " + o.Customer.LastName)
	}
	if phone != "" {
		if id, err := w.Normalizer.Normalize(domain.KindPhone, phone); err == nil {
			ids = append(ids, id)
		}
	}
	if email != "" {
		if id, err := w.Normalizer.Normalize(domain.KindEmail, email); err == nil {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return OrderResult{}, domain.Errorf(domain.CodeInvalid, "order %s has no usable buyer phone or email", o.ID)
	}
	res, err := w.Buyers.ResolveCustomer(ctx, ids, name)
	if err != nil {
		return OrderResult{}, err
	}
	at := o.ProcessedAt
	if at.IsZero() {
		at = o.CreatedAt
	}
	in := PurchaseInput{CustomerID: res.Customer.ID, OrderID: o.ID.String(), Amount: o.TotalPrice, Currency: o.Currency,
		Channel: salesChannelOf(o.SourceName), OccurredAt: at, Source: "shopify", RecordedBy: "webhook:" + delivery}
	for _, li := range o.LineItems {
		in.Items = append(in.Items, ItemInput{Name: first(li.Title, li.Name), SKU: li.SKU, Quantity: li.Quantity, Price: li.Price})
	}
	out, err := w.Purchases.Record(ctx, in)
	if err != nil {
		return OrderResult{}, err
	}
	w.logger().Info("order recorded", "order", o.ID.String(), "customer", out.Customer.ID, "duplicate", out.Duplicate, "delivery", delivery)
	return OrderResult{OK: true, CustomerID: out.Customer.ID, Duplicate: out.Duplicate}, nil
}

func (w *OrderWebhook) refund(ctx context.Context, r shopifyRefund, delivery string) (OrderResult, error) {
	if r.ID == "" || r.OrderID == "" {
		return OrderResult{}, domain.Errorf(domain.CodeInvalid, "refund without an id or order_id")
	}
	customerID, err := w.Buyers.OrderCustomer(ctx, r.OrderID.String())
	if err != nil {
		return OrderResult{}, err
	}
	// The money returned is the successful refund transactions' sum.
	var amount json.Number
	cur := ""
	total := int64(0)
	for _, t := range r.Transactions {
		if t.Kind != "refund" || (t.Status != "" && t.Status != "success") {
			continue
		}
		c := strings.ToUpper(t.Currency)
		if cur != "" && c != cur {
			return OrderResult{}, domain.Errorf(domain.CodeInvalid, "refund %s mixes currencies", r.ID)
		}
		cur = c
		minor, perr := parseMinor(t.Amount, c)
		if perr != nil {
			return OrderResult{}, perr
		}
		total += minor
	}
	if total == 0 {
		return OrderResult{OK: true, CustomerID: customerID, Ignored: "refund without money returned"}, nil
	}
	amount = json.Number(formatMajor(total, cur))
	out, err := w.Purchases.Refund(ctx, RefundInput{CustomerID: customerID, OrderID: r.OrderID.String(), RefundID: r.ID.String(),
		Amount: amount, Currency: cur, Reason: r.Note, OccurredAt: r.CreatedAt, Source: "shopify", RecordedBy: "webhook:" + delivery})
	if err != nil {
		return OrderResult{}, err
	}
	return OrderResult{OK: true, CustomerID: out.Customer.ID, Duplicate: out.Duplicate}, nil
}

// salesChannelOf maps Shopify's source_name: "pos" is a store sale, the
// rest (web, shopify_draft_order, apps) online.
func salesChannelOf(source string) string {
	if source == "pos" {
		return "store"
	}
	return "online"
}

func first(vals ...string) string {
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

func (w *OrderWebhook) logger() *slog.Logger {
	if w.Log != nil {
		return w.Log
	}
	return slog.Default()
}
