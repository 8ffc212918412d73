package loyalty_test

import (
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/loyalty"
	"github.com/concierge-cx/concierge/shared/store"
)

// Shopify publishes no signed example, so the vectors are computed with openssl:
//
//	printf '%s' 'hello' | openssl dgst -sha256 -hmac 'hush' -binary | openssl base64
//	zvT9tMFR8adPsBeM6dkn8QqflvWemcuCShl3MgGBDKI=
//	printf '%s' "$BODY" | openssl dgst -sha256 -hmac 'concierge-dev-order-webhook-secret' -binary | openssl base64
//	YLbGLKj7Gp6loqAjSrm8Voe1oc+bWWyBET3U+m+vUMY=
const vectorBody = `{"id":820982911946154508,"email":"lan@example.vn","phone":"+84912345678","currency":"VND","total_price":"450000","processed_at":"2026-11-20T09:00:00+07:00"}`

func TestShopifySignatureVectors(t *testing.T) {
	if got := loyalty.ShopifySignature("hush", []byte("hello")); got != "zvT9tMFR8adPsBeM6dkn8QqflvWemcuCShl3MgGBDKI=" {
		t.Errorf("hello/hush = %s", got)
	}
	const secret = "concierge-dev-order-webhook-secret"
	sig := "YLbGLKj7Gp6loqAjSrm8Voe1oc+bWWyBET3U+m+vUMY="
	if got := loyalty.ShopifySignature(secret, []byte(vectorBody)); got != sig {
		t.Errorf("order vector = %s", got)
	}
	req := channels.Request{Headers: map[string]string{loyalty.HeaderHmac: sig}, Body: []byte(vectorBody)}
	if err := loyalty.VerifyShopify(req, secret); err != nil {
		t.Errorf("the vector is refused: %v", err)
	}
	for name, r := range map[string]channels.Request{
		"one byte changed": {Headers: map[string]string{loyalty.HeaderHmac: sig}, Body: []byte(vectorBody[:len(vectorBody)-2] + " }")},
		"no header":        {Headers: map[string]string{}, Body: []byte(vectorBody)},
		"hex, not base64":  {Headers: map[string]string{loyalty.HeaderHmac: "60b6c62ca8fb1a9ea5a2a0234ab9bc56"}, Body: []byte(vectorBody)},
	} {
		if err := loyalty.VerifyShopify(r, secret); domain.ErrorCode(err) != domain.CodeForbidden {
			t.Errorf("%s: %v, want forbidden", name, err)
		}
	}
	if err := loyalty.VerifyShopify(req, ""); domain.ErrorCode(err) != domain.CodeForbidden {
		t.Errorf("no secret configured: %v", err)
	}
}

func TestRankMarksTheSmallestSetBringingEightyPercent(t *testing.T) {
	th := loyalty.Thresholds{VIPShare: 80, ValuedShare: 15, Window: 365 * 24 * time.Hour}
	// Total 1000: a(500)+b(300) = 80% exactly -> vip is {a, b}; c(100) brings
	// the total to 90%, d(60) to 96%: both start under 95% -> valued.
	got := loyalty.Rank(map[string]int64{"a": 500, "b": 300, "c": 100, "d": 60, "e": 40, "z": 0}, th)
	want := map[string]string{"a": "vip", "b": "vip", "c": "valued", "d": "valued", "e": "standard", "z": "standard"}
	for _, r := range got {
		if want[r.CustomerID] != r.Tier {
			t.Errorf("%s (%d, rank %d): %s, want %s", r.CustomerID, r.Value, r.Rank, r.Tier, want[r.CustomerID])
		}
	}
	// 79.9% after two: a third is needed.
	got = loyalty.Rank(map[string]int64{"a": 500, "b": 299, "c": 201}, th)
	if got[2].CustomerID != "c" || got[2].Tier != domain.TierVIP {
		t.Errorf("c must be vip to reach 80%%: %+v", got)
	}
	if len(loyalty.Rank(nil, th)) != 0 {
		t.Error("no buyers, no ranks")
	}
}

func TestWindowValueCountsOnlyTheWindow(t *testing.T) {
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	buys := []store.Buy{{At: now.AddDate(-2, 0, 0).Unix(), Value: 1000}, {At: now.AddDate(0, -3, 0).Unix(), Value: 70}, {At: now.Unix(), Value: 5}}
	if v := loyalty.WindowValue(buys, now, 365*24*time.Hour); v != 75 {
		t.Errorf("window value %d, want 75", v)
	}
}

func TestSaleStage(t *testing.T) {
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	cfg := loyalty.Config{SaleStageDays: 14}
	for _, c := range []struct {
		cu   domain.Customer
		want string
	}{
		{domain.Customer{}, loyalty.StageBefore},
		{domain.Customer{OrderCount: 1, LastPurchaseAt: now.AddDate(0, 0, -3)}, loyalty.StageDuring},
		{domain.Customer{OrderCount: 2, LastPurchaseAt: now.AddDate(0, 0, -30)}, loyalty.StageAfter},
	} {
		if got := cfg.SaleStage(c.cu, now); got != c.want {
			t.Errorf("%+v: %s, want %s", c.cu.LastPurchaseAt, got, c.want)
		}
	}
}

func TestMedianGap(t *testing.T) {
	day := int64(86400)
	f := store.FiguresOf([]store.Buy{{At: 0}, {At: 10 * day}, {At: 40 * day}, {At: 46 * day}})
	// gaps 10, 30, 6 -> median 10
	if f.MedianGapDays != 10 || !f.Last.Equal(time.Unix(46*day, 0)) {
		t.Errorf("figures %+v", f)
	}
	if store.FiguresOf([]store.Buy{{At: 0}}).MedianGapDays != 0 {
		t.Error("one purchase has no gap")
	}
}
