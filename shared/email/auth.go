package email

import (
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// authenticated says whether the From address is proven by SES's verdicts:
// DMARC PASS, or (DMARC not FAIL and) SPF PASS for an envelope sender whose
// domain is aligned with the From domain, or DKIM PASS when every signature's
// d= domain is aligned with it. Alignment is relaxed (RFC 7489 §3.1):
// the same domain, or one a subdomain of the other.
func authenticated(d delivery, fromAddr string) bool {
	switch d.DMARC {
	case "PASS":
		return true
	case "FAIL":
		return false
	}
	from := domainOf(fromAddr)
	if from == "" {
		return false
	}
	if d.SPF == "PASS" && aligned(domainOf(d.Source), from) {
		return true
	}
	if d.DKIM == "PASS" {
		// SES gives one DKIM verdict for the message, PASS when any signature
		// verified, without saying which: anyone can sign with their own domain
		// and add a second, unverifiable signature naming the From's. So DKIM
		// proves the From only when every signature is aligned with it.
		ds := dkimDomains(d.Headers)
		for _, dd := range ds {
			if !aligned(dd, from) {
				return false
			}
		}
		return len(ds) > 0
	}
	return false
}

func domainOf(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return ""
	}
	return strings.ToLower(strings.Trim(strings.TrimSpace(addr[at+1:]), ">."))
}

func aligned(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	return a == b || strings.HasSuffix(a, "."+b) || strings.HasSuffix(b, "."+a)
}

// dkimDomains are the d= tags of the message's DKIM-Signature headers.
func dkimDomains(hs []events.SimpleEmailHeader) []string {
	var out []string
	for _, h := range hs {
		if !strings.EqualFold(h.Name, "DKIM-Signature") {
			continue
		}
		for _, tag := range strings.Split(h.Value, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(tag), "=")
			if ok && strings.TrimSpace(k) == "d" {
				out = append(out, strings.ToLower(strings.TrimSpace(v)))
			}
		}
	}
	return out
}
