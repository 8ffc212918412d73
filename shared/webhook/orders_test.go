package webhook_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/loyalty"
	"github.com/concierge-cx/concierge/shared/webhook"
)

type ordersSeen struct{ got []channels.Request }

func (o *ordersSeen) Handle(_ context.Context, req channels.Request) (loyalty.OrderResult, error) {
	o.got = append(o.got, req)
	return loyalty.OrderResult{OK: true}, nil
}

// The order route is off (404) until the function is given an order
// handler (ORDER_WEBHOOK_SECRET set), and then gets the raw body and
// headers as the platform sent them, for its signature check.
func TestOrderRouteIsOffWithoutAHandlerAndPassesTheRawBody(t *testing.T) {
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RawPath: "/webhooks/orders", Body: `{"id":1}`,
		Headers:        map[string]string{"x-shopify-hmac-sha256": "sig", "x-shopify-topic": "orders/paid"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", Path: "/webhooks/orders"}},
	}
	off := webhook.New(webhook.Config{PublicBaseURL: "https://concierge.example.com"}, nil, nil)
	if res, _ := off.Handle(context.Background(), ev); res.StatusCode != http.StatusNotFound {
		t.Fatalf("without a handler: %d", res.StatusCode)
	}
	seen := &ordersSeen{}
	on := webhook.New(webhook.Config{PublicBaseURL: "https://concierge.example.com"}, nil, nil, webhook.WithOrders(seen))
	if res, _ := on.Handle(context.Background(), ev); res.StatusCode != http.StatusOK {
		t.Fatalf("with a handler: %d %s", res.StatusCode, res.Body)
	}
	if len(seen.got) != 1 || string(seen.got[0].Body) != `{"id":1}` || seen.got[0].Header("X-Shopify-Hmac-Sha256") != "sig" {
		t.Fatalf("handler got %+v", seen.got)
	}
}
