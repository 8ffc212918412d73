package money_test

import (
	"testing"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/money"
)

func TestParseDecimalByCurrency(t *testing.T) {
	for _, c := range []struct {
		in, cur string
		want    int64
		bad     bool
	}{
		{"450000", "VND", 450000, false},
		{"12.50", "USD", 1250, false},
		{"12.5", "USD", 1250, false},
		{"0.001", "USD", 0, true}, // more decimals than cents
		{"450000.5", "VND", 0, true},
		{"-5", "USD", 0, true},
		{"1e3", "USD", 0, true},
		{"abc", "USD", 0, true},
		{"1.234", "KWD", 1234, false},
	} {
		got, err := money.ParseDecimal(c.in, c.cur)
		if c.bad {
			if domain.ErrorCode(err) != domain.CodeInvalid {
				t.Errorf("%s %s: err %v, want invalid", c.in, c.cur, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s %s = %d, %v; want %d", c.in, c.cur, got, err, c.want)
		}
	}
}

func TestConvertWithTheRateTable(t *testing.T) {
	r, err := money.ParseRates("vnd", "USD=25400, EUR=27500.5")
	if err != nil {
		t.Fatal(err)
	}
	// 12.50 USD = 1250 cents -> 12.5 * 25400 = 317500 đồng.
	if v, err := r.Convert(1250, "USD"); err != nil || v != 317500 {
		t.Errorf("USD: %d %v", v, err)
	}
	// 0.01 EUR -> 275.005 đồng, rounded half away from zero: 275.
	if v, err := r.Convert(1, "EUR"); err != nil || v != 275 {
		t.Errorf("EUR: %d %v", v, err)
	}
	if v, err := r.Convert(450000, "VND"); err != nil || v != 450000 {
		t.Errorf("VND: %d %v", v, err)
	}
	if _, err := r.Convert(100, "JPY"); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("JPY without a rate: %v, want invalid", err)
	}
	for _, bad := range []string{"USD", "USD=0", "US=1", "USD=-3"} {
		if _, err := money.ParseRates("VND", bad); err == nil {
			t.Errorf("rates %q accepted", bad)
		}
	}
	if money.Format(1250, "USD") != "12.50" || money.Format(450000, "VND") != "450000" {
		t.Errorf("format: %s %s", money.Format(1250, "USD"), money.Format(450000, "VND"))
	}
}
