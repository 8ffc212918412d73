// Package money holds amounts as integers of a currency's minor unit (đồng,
// cents), reads the decimal strings platforms send ("199000", "12.50"), and
// converts into the business's currency with a configured rate table. No
// float ever holds an amount.
package money

import (
	"fmt"
	"math/big"
	"sort"
	"strings"

	"github.com/concierge-cx/concierge/shared/domain"
)

// decimals are ISO 4217 minor-unit exponents of the currencies that differ
// from 2 (the default for any other known code).
var decimals = map[string]int{
	"VND": 0, "JPY": 0, "KRW": 0, "CLP": 0, "ISK": 0, "PYG": 0, "UGX": 0, "XAF": 0, "XOF": 0, "IDR": 2,
	"BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3,
}

// Decimals is the number of minor-unit digits of a currency (2 unless ISO
// 4217 says otherwise).
func Decimals(currency string) int {
	if d, ok := decimals[strings.ToUpper(currency)]; ok {
		return d
	}
	return 2
}

// ValidCode says whether s looks like an ISO 4217 code (three letters).
func ValidCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// ParseDecimal reads a decimal amount ("12.50", "199000") as minor units of
// currency. More decimals than the currency has, a sign or anything else is
// refused.
func ParseDecimal(s, currency string) (int64, error) {
	s = strings.TrimSpace(s)
	r, ok := new(big.Rat).SetString(s)
	if !ok || s == "" || strings.ContainsAny(s, "eE/+-") {
		return 0, domain.Errorf(domain.CodeInvalid, "amount %q is not a non-negative decimal number", s)
	}
	r.Mul(r, new(big.Rat).SetInt(pow10(Decimals(currency))))
	if !r.IsInt() || !r.Num().IsInt64() {
		return 0, domain.Errorf(domain.CodeInvalid, "amount %q has more decimals than %s has", s, currency)
	}
	return r.Num().Int64(), nil
}

// Format renders minor units with the currency's decimals ("12.50").
func Format(amount int64, currency string) string {
	d := Decimals(currency)
	r := new(big.Rat).SetFrac(big.NewInt(amount), pow10(d))
	return r.FloatString(d)
}

func pow10(n int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }

// Rates converts amounts into the business currency. Rate[c] is how many
// major units of the business currency one major unit of c is worth.
type Rates struct {
	Business string
	Rate     map[string]*big.Rat
}

// ParseRates reads the configuration "USD=25400,EUR=27500.5" for a business
// in currency business.
func ParseRates(business, spec string) (Rates, error) {
	business = strings.ToUpper(strings.TrimSpace(business))
	if !ValidCode(business) {
		return Rates{}, fmt.Errorf("BUSINESS_CURRENCY: %q is not an ISO 4217 code", business)
	}
	out := Rates{Business: business, Rate: map[string]*big.Rat{}}
	for _, part := range strings.Split(spec, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		code, val, ok := strings.Cut(part, "=")
		code = strings.ToUpper(strings.TrimSpace(code))
		r, good := new(big.Rat).SetString(strings.TrimSpace(val))
		if !ok || !ValidCode(code) || !good || r.Sign() <= 0 {
			return Rates{}, fmt.Errorf("CURRENCY_RATES: %q is not CODE=positive rate", part)
		}
		out.Rate[code] = r
	}
	return out, nil
}

// Known lists the currencies that convert, the business's first.
func (r Rates) Known() []string {
	out := make([]string, 0, len(r.Rate))
	for c := range r.Rate {
		out = append(out, c)
	}
	sort.Strings(out)
	return append([]string{r.Business}, out...)
}

// Convert turns minor units of currency into minor units of the business
// currency, rounded half away from zero. A currency without a rate is a 400.
func (r Rates) Convert(amount int64, currency string) (int64, error) {
	currency = strings.ToUpper(currency)
	if currency == r.Business {
		return amount, nil
	}
	rate, ok := r.Rate[currency]
	if !ok {
		return 0, domain.Errorf(domain.CodeInvalid, "unknown currency %q: no rate to %s is configured (known: %s)",
			currency, r.Business, strings.Join(r.Known(), ", "))
	}
	v := new(big.Rat).SetInt64(amount)
	v.Mul(v, rate)
	v.Mul(v, new(big.Rat).SetFrac(pow10(Decimals(r.Business)), pow10(Decimals(currency))))
	// Round half away from zero.
	num, den := new(big.Int).Set(v.Num()), v.Denom()
	neg := num.Sign() < 0
	num.Abs(num)
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	if new(big.Int).Mul(m, big.NewInt(2)).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if neg {
		q.Neg(q)
	}
	if !q.IsInt64() {
		return 0, domain.Errorf(domain.CodeInvalid, "amount too large")
	}
	return q.Int64(), nil
}
