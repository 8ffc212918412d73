package domain

import "testing"

func TestNormalizeIdentities(t *testing.T) {
	n := Normalizer{DefaultRegion: "VN"}
	cases := []struct {
		kind    IdentityKind
		raw     string
		want    Identity
		invalid bool
	}{
		{KindPhone, "+84 912 345 678", Identity{KindPhone, "+84912345678"}, false},
		{KindPhone, "0912345678", Identity{KindPhone, "+84912345678"}, false},
		{KindPhone, "091.234.5678", Identity{KindPhone, "+84912345678"}, false},
		{KindWhatsApp, "84912345678", Identity{KindPhone, "+84912345678"}, false},
		{KindPhone, "whatsapp:+84912345678", Identity{KindPhone, "+84912345678"}, false},
		{KindPhone, "WhatsApp:+84912345678", Identity{KindPhone, "+84912345678"}, false},
		{KindPhone, "tel:+84-28-3822-1234", Identity{KindPhone, "+842838221234"}, false}, // Ho Chi Minh City landline
		{KindPhone, "+1 415 555 2671", Identity{KindPhone, "+14155552671"}, false},
		{KindWhatsApp, "14155552671", Identity{KindPhone, "+14155552671"}, false},
		{KindPhone, "12ab", Identity{}, true},
		{KindPhone, "0912", Identity{}, true},
		{KindPhone, "", Identity{}, true},
		{KindEmail, "  Lan.Nguyen@Example.COM ", Identity{KindEmail, "lan.nguyen@example.com"}, false},
		{KindEmail, "mailto:Lan@Example.vn", Identity{KindEmail, "lan@example.vn"}, false},
		{KindEmail, "lan@localhost", Identity{}, true},
		{KindEmail, "Lan <lan@example.com>", Identity{}, true},
		{KindZalo, "8435412389201837465", Identity{KindZalo, "8435412389201837465"}, false}, // above 2^53, kept exact
		{KindTelegram, " 123456789 ", Identity{KindTelegram, "123456789"}, false},
		{KindMessenger, "a b", Identity{}, true},
		{"fax", "123", Identity{}, true},
	}
	for _, c := range cases {
		got, err := n.Normalize(c.kind, c.raw)
		if c.invalid {
			if ErrorCode(err) != CodeInvalid {
				t.Errorf("%s %q: got %v, %v; want an invalid error", c.kind, c.raw, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s %q = %v, %v; want %v", c.kind, c.raw, got, err, c.want)
		}
	}
}

func TestDefaultRegionIsConfigurable(t *testing.T) {
	got, err := Normalizer{DefaultRegion: "TH"}.Normalize(KindPhone, "081 234 5678")
	if err != nil || got.Value != "+66812345678" {
		t.Fatalf("Thai national number: %v, %v", got, err)
	}
}

func TestMaskHidesPersonalValues(t *testing.T) {
	for in, want := range map[string]string{
		"+84912345678":           "+849*****678",
		"lan.nguyen@example.com": "l***@example.com",
		"12345":                  "***",
	} {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}
