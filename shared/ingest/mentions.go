package ingest

import (
	"regexp"
	"slices"

	"github.com/concierge-cx/concierge/shared/domain"
)

// maxMentions bounds the identities read from one text: each is a key in
// the sender lookup.
const maxMentions = 8

var (
	mentionEmail = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)
	// A phone as people write it: an optional +, then 9 to 15 digits with
	// spaces, dots, dashes or parentheses between groups.
	mentionPhone = regexp.MustCompile(`\+?\(?\d[\d .\-()]{7,20}\d`)
)

// Mentions returns the phone numbers and email addresses a text mentions,
// normalized, in order of appearance: claimed identities, never proof.
func Mentions(n domain.Normalizer, text string) []domain.Identity {
	var out []domain.Identity
	add := func(id domain.Identity) {
		if len(out) < maxMentions && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	for _, m := range mentionEmail.FindAllString(text, -1) {
		if e, err := domain.NormalizeEmail(m); err == nil {
			add(domain.Identity{Kind: domain.KindEmail, Value: e})
		}
	}
	for _, m := range mentionPhone.FindAllString(text, -1) {
		digits := 0
		for _, r := range m {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		if digits < 9 || digits > 15 {
			continue
		}
		if p, err := n.Phone(m); err == nil {
			add(domain.Identity{Kind: domain.KindPhone, Value: p})
		}
	}
	return out
}
