package agentapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/concierge-cx/concierge/shared/domain"
)

// A partner sees, for a customer it shares, her tier, the purchases made
// through it (not another partner's, not the shop's own) and how her open
// request stands: masked identities, no notes, no text.
func TestAPartnerSeesItsOwnSalesAndTheOpenRequestsStatus(t *testing.T) {
	e := newEnv(t)
	f := &fixture{e: e}
	c, conv := f.customer(t, "partner:p1", "partner:p2")
	e.setFigures(t, c, figures{Tier: domain.TierVIP, LifetimeValue: 4_500_000, OrderCount: 3, LastPurchaseAt: e.clk.now(), MedianGapDays: 20})
	for _, p := range []struct{ order, channel, partner string }{
		{"P1-001", "distributor", "p1"}, {"P2-001", "distributor", "p2"}, {"WEB-001", "online", ""},
	} {
		meta := map[string]string{"orderId": p.order, "amount": "1500000", "currency": "VND", "channel": p.channel, "recordedBy": "agent-an"}
		if p.partner != "" {
			meta["partnerId"] = p.partner
		}
		if _, _, err := e.st.RecordOutbound(context.Background(), domain.Touchpoint{CustomerID: c, Channel: domain.ChannelAgent,
			Direction: domain.DirectionIn, Kind: domain.KindPurchase, Text: "Áo dài lụa", Metadata: meta}); err != nil {
			t.Fatal(err)
		}
	}
	var v struct {
		Tier      string `json:"tier"`
		Purchases []struct {
			Kind  string            `json:"kind"`
			Order map[string]string `json:"order"`
		} `json:"purchases"`
		Active []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"activeConversations"`
	}
	res := e.mustDo(t, http.StatusOK, "GET", "/customers/"+c, e.partner(t, "p1"), "")
	res.decode(t, &v)
	if v.Tier != domain.TierVIP || len(v.Purchases) != 1 || v.Purchases[0].Order["orderId"] != "P1-001" || v.Purchases[0].Kind != "purchase" {
		t.Fatalf("p1 sees %s", res.Body)
	}
	if len(v.Active) != 1 || v.Active[0].ID != conv || v.Active[0].Status != "open" {
		t.Fatalf("p1 sees the open request as %+v, want %s open", v.Active, conv)
	}
	for _, leak := range []string{"P2-001", "WEB-001", "Áo dài lụa", "recordedBy", "agent-an", "Cho mình hỏi", "Khách khó tính", "0913000001"} {
		if strings.Contains(res.Body, leak) {
			t.Errorf("p1's view leaks %q: %s", leak, res.Body)
		}
	}
	e.mustDo(t, http.StatusOK, "GET", "/customers/"+c, e.partner(t, "p2"), "").decode(t, &v)
	if len(v.Purchases) != 1 || v.Purchases[0].Order["orderId"] != "P2-001" {
		t.Fatalf("p2 sees purchases %+v", v.Purchases)
	}
	e.mustDo(t, http.StatusNotFound, "GET", "/customers/"+c, e.partner(t, "p3"), "")
}
