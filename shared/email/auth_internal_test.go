package email

import (
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestAuthenticatedFrom(t *testing.T) {
	dkim := func(d string) []events.SimpleEmailHeader {
		return []events.SimpleEmailHeader{{Name: "DKIM-Signature", Value: "v=1; a=rsa-sha256; d=" + d + "; s=sel; h=from:to; bh=x; b=y"}}
	}
	cases := []struct {
		name string
		d    delivery
		from string
		want bool
	}{
		{"DMARC PASS", delivery{DMARC: "PASS", SPF: "FAIL", DKIM: "FAIL"}, "zoe@victim.example", true},
		{"DMARC FAIL wins over SPF PASS", delivery{DMARC: "FAIL", SPF: "PASS", Source: "zoe@victim.example"}, "zoe@victim.example", false},
		{"SPF PASS aligned", delivery{DMARC: "GRAY", SPF: "PASS", Source: "bounce@mail.victim.example"}, "zoe@victim.example", true},
		{"SPF PASS unaligned", delivery{DMARC: "GRAY", SPF: "PASS", Source: "x@attacker.example"}, "zoe@victim.example", false},
		{"DKIM PASS aligned", delivery{DKIM: "PASS", Headers: dkim("victim.example")}, "zoe@victim.example", true},
		{"DKIM PASS unaligned", delivery{DKIM: "PASS", Headers: dkim("attacker.example")}, "zoe@victim.example", false},
		// The attacker's own signature verifies; the one naming the victim's domain is forged. SES says PASS for both.
		{"DKIM PASS beside a second signature that is not aligned", delivery{DKIM: "PASS", Headers: append(dkim("attacker.example"), dkim("victim.example")...)}, "zoe@victim.example", false},
		{"no verdicts", delivery{}, "zoe@victim.example", false},
		{"all FAIL", delivery{SPF: "FAIL", DKIM: "FAIL", DMARC: "FAIL"}, "zoe@victim.example", false},
		{"look-alike domain", delivery{SPF: "PASS", Source: "a@evilvictim.example"}, "zoe@victim.example", false},
	}
	for _, c := range cases {
		if got := authenticated(c.d, c.from); got != c.want {
			t.Errorf("%s: authenticated = %v, want %v", c.name, got, c.want)
		}
	}
}
