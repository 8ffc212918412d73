// Package language tells which of the languages a business serves a customer
// writes in, so acknowledgements and notices answer in that language.
//
// Detection is whatlanggo's trigram model restricted to the served
// languages (a restriction that matters: unaccented Vietnamese, "shop oi con
// hang khong", reads as one of a dozen other languages when all are allowed).
// Two facts of the script come first: letters only Vietnamese uses (ă â đ ê ô
// ơ ư) settle it, and a message the model is unsure of that carries
// diacritics at all is Vietnamese rather than English ("Chào shop").
package language

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/abadojack/whatlanggo"
	"golang.org/x/text/unicode/norm"
)

// Detector detects among a fixed set of languages. It is safe for concurrent use.
type Detector struct {
	opts  whatlanggo.Options
	codes map[whatlanggo.Lang]string
	vi    bool
}

// New returns a detector restricted to the given ISO 639-1 codes ("vi", "en").
func New(codes ...string) (*Detector, error) {
	d := &Detector{opts: whatlanggo.Options{Whitelist: map[whatlanggo.Lang]bool{}}, codes: map[whatlanggo.Lang]string{}}
	for _, c := range codes {
		c = strings.ToLower(strings.TrimSpace(c))
		l, ok := byISO6391[c]
		if !ok {
			return nil, fmt.Errorf("language: unknown ISO 639-1 code %q", c)
		}
		d.opts.Whitelist[l] = true
		d.codes[l] = c
		d.vi = d.vi || c == "vi"
	}
	if len(d.codes) == 0 {
		return nil, fmt.Errorf("language: no languages to detect")
	}
	return d, nil
}

// byISO6391 indexes whatlanggo's languages by their two-letter code.
var byISO6391 = func() map[string]whatlanggo.Lang {
	m := map[string]whatlanggo.Lang{}
	for l := range whatlanggo.Langs {
		if c := l.Iso6391(); c != "" {
			m[c] = l
		}
	}
	return m
}()

// Served maps a language tag a platform reports (Telegram's user
// language_code: "en", "en-US", "vi") to the code it serves, if it does.
func (d *Detector) Served(tag string) (string, bool) {
	primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
	primary, _, _ = strings.Cut(primary, "_")
	for _, c := range d.codes {
		if c == primary {
			return c, true
		}
	}
	return "", false
}

// Default serves Vietnamese and English.
var Default = func() *Detector {
	d, err := New("vi", "en")
	if err != nil {
		panic(err)
	}
	return d
}()

// Detect returns the language of text and whether the guess is reliable. An
// unreliable guess is "" when nothing points anywhere.
func (d *Detector) Detect(text string) (code string, reliable bool) {
	text = norm.NFC.String(text)
	if d.vi && hasVietnameseLetter(text) {
		return "vi", true
	}
	info := whatlanggo.DetectWithOptions(text, d.opts)
	code = d.codes[info.Lang]
	if code != "" && info.IsReliable() {
		return code, true
	}
	if d.vi && hasDiacritic(text) {
		return "vi", false
	}
	return code, false
}

// hasVietnameseLetter finds a letter that, among Latin scripts, only
// Vietnamese uses, whatever tone mark it carries ("ở", "đ", "ấ").
func hasVietnameseLetter(s string) bool {
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch r {
		case 'đ', '\u0306', '\u031b': // đ, breve (ă), horn (ơ ư)
			return true
		case '\u0302': // circumflex: â ê ô (also French, which is not served alongside)
			return true
		}
	}
	return false
}

// hasDiacritic reports a Latin letter carrying a combining mark.
func hasDiacritic(s string) bool {
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			return true
		}
	}
	return false
}
