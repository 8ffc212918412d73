package ingest_test

import (
	"slices"
	"testing"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/ingest"
)

func TestMentionsFindsPhonesAndAddressesInASignature(t *testing.T) {
	n := domain.Normalizer{DefaultRegion: "VN"}
	cases := []struct {
		text string
		want []domain.Identity
	}{
		{"Cảm ơn,\nNguyễn Thị Lan\nĐT: 0912 345 678\nlan.home@Example.org", []domain.Identity{
			{Kind: domain.KindEmail, Value: "lan.home@example.org"}, {Kind: domain.KindPhone, Value: "+84912345678"}}},
		{"Call +84 (91) 234-5678 please", []domain.Identity{{Kind: domain.KindPhone, Value: "+84912345678"}}},
		{"Đơn hàng #1042 ngày 28/10/2026, mã 123", nil},
		{"no contact here", nil},
	}
	for _, c := range cases {
		if got := ingest.Mentions(n, c.text); !slices.Equal(got, c.want) {
			t.Errorf("Mentions(%q) = %v, want %v", c.text, got, c.want)
		}
	}
}
