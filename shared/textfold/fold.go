// Package textfold folds text for matching: lower case, Vietnamese (and other
// Latin) diacritics removed, đ → d. "Nguyễn Thị Lan", "NGUYEN THI LAN" and
// "nguyen thi lan" fold to the same string, so a customer typed without
// diacritics is still found.
package textfold

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Fold returns s lower-cased with combining marks removed and đ mapped to d.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == 'đ' || r == 'Đ':
			b.WriteRune('d')
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// Name folds a person's name for comparison and lookup: Fold, with runs of
// white space (tabs, no-break spaces) collapsed to one space and the ends
// trimmed, so "  Nguyễn  Thị Lan" and "nguyen thi lan" are the same name.
func Name(s string) string {
	return strings.Join(strings.Fields(Fold(s)), " ")
}

// HasDiacritics reports whether s carries any combining mark or đ, i.e. was
// typed with Vietnamese diacritics.
func HasDiacritics(s string) bool {
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) || r == 'đ' || r == 'Đ' {
			return true
		}
	}
	return false
}
