package urgency

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// token is one word of a message, kept in the three forms matching needs.
type token struct {
	start, end int    // byte offsets in the NFC text, to quote the user's own words
	key        string // lower case with diacritics, tone position ignored ("huỷ" == "hủy")
	fold       string // lower case without any diacritic, đ → d
	accented   bool   // the word was typed with diacritics (key differs from fold)
	clause     int    // words in different clauses never form a phrase or a context
	sentence   bool   // first word of a sentence (capitals there are not names)
	title      bool   // "Huy": capital then lower case, the shape of a name
}

// Vietnamese tone marks. They are kept apart from the vowel marks
// (circumflex, breve, horn) because old and new spelling put them on
// different letters: "huỷ"/"hủy", "hoà"/"hòa" are the same word.
func isTone(r rune) bool {
	switch r {
	case '\u0300', '\u0301', '\u0303', '\u0309', '\u0323':
		return true
	}
	return false
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// decomp is the split of one precomposed letter: its base with vowel marks
// (key), its tone mark, and its folded form.
type decomp struct {
	key  string
	tone rune
	fold string
}

// decomps caches the decomposition of the Latin letters Vietnamese uses, so
// scoring does not run a full Unicode normalization per word.
var decomps = func() map[rune]decomp {
	m := map[rune]decomp{}
	add := func(lo, hi rune) {
		for r := lo; r <= hi; r++ {
			if unicode.IsLetter(r) && unicode.IsLower(r) {
				m[r] = decompose(string(r))
			}
		}
	}
	add(0x00C0, 0x024F) // Latin-1 Supplement, Latin Extended-A and -B
	add(0x1E00, 0x1EFF) // Latin Extended Additional: ạ ả ấ ầ ẩ ẫ ậ ...
	return m
}()

// decompose splits lower-case text into key, tone and fold with a full NFD.
func decompose(s string) decomp {
	var d decomp
	var key, fold strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case isTone(r):
			d.tone = r
		case unicode.Is(unicode.Mn, r):
			key.WriteRune(r)
		case r == 'đ' || r == 'ð': // ð: legacy encodings put the Icelandic eth where đ belongs
			key.WriteRune('đ')
			fold.WriteByte('d')
		default:
			key.WriteRune(r)
			fold.WriteRune(r)
		}
	}
	d.key, d.fold = key.String(), fold.String()
	return d
}

// makeToken computes the forms of one word as typed.
func makeToken(word string) token {
	lower := strings.ToLower(word)
	t := token{key: lower, fold: lower, title: isTitle(word)}
	if isASCII(lower) {
		return t
	}
	var base, tones, fold strings.Builder
	base.Grow(len(lower) + 2)
	fold.Grow(len(lower))
	for _, r := range lower {
		d, ok := decomps[r]
		if !ok {
			if r < utf8.RuneSelf {
				base.WriteRune(r)
				fold.WriteRune(r)
				continue
			}
			d = decompose(string(r)) // rare: combining marks left by NFC, other scripts
		}
		base.WriteString(d.key)
		fold.WriteString(d.fold)
		if d.tone != 0 {
			tones.WriteRune(d.tone)
		}
	}
	t.fold = fold.String()
	if tones.Len() > 0 {
		t.key = base.String() + "\x00" + tones.String()
	} else {
		t.key = base.String()
	}
	t.accented = t.key != t.fold
	return t
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func isTitle(word string) bool {
	first, size := utf8.DecodeRuneInString(word)
	if !unicode.IsUpper(first) {
		return false
	}
	for _, r := range word[size:] {
		if unicode.IsLower(r) {
			return true
		}
	}
	return false
}

// tokenize splits NFC text into words. Sentence ends (. ! ? newline) and
// clause marks (, ; : brackets) separate phrases: "không. Gấp lắm" is not a
// negated "gấp".
func tokenize(s string) []token {
	toks := make([]token, 0, len(s)/5+1)
	clause, sentence := 0, true
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isWordRune(r) {
			switch r {
			case '.', '!', '?', '\n', '…', '。', '！', '？':
				clause++
				sentence = true
			case ',', ';', ':', '(', ')', '[', ']', '"', '“', '”', '，', '；', '：':
				clause++
			}
			i += size
			continue
		}
		j := i + size
		prev := r
		for j < len(s) {
			r2, sz2 := utf8.DecodeRuneInString(s[j:])
			if isWordRune(r2) {
				j += sz2
				prev = r2
				continue
			}
			next, _ := utf8.DecodeRuneInString(s[j+sz2:])
			// Keep "don't" and "2.000.000" as one word.
			if (r2 == '\'' || r2 == '’') && unicode.IsLetter(prev) && unicode.IsLetter(next) ||
				(r2 == '.' || r2 == ',') && unicode.IsDigit(prev) && unicode.IsDigit(next) {
				j += sz2
				continue
			}
			break
		}
		t := makeToken(s[i:j])
		t.start, t.end, t.clause, t.sentence = i, j, clause, sentence
		toks = append(toks, t)
		sentence = false
		i = j
	}
	return toks
}

// mostlyAccented reports whether the message was typed with diacritics: at
// least a quarter of its words carry them. A lone accented name in an
// otherwise unaccented message ("Đức day, huy don giup em") does not switch
// the message to exact matching.
func mostlyAccented(toks []token) bool {
	n := 0
	for _, t := range toks {
		if t.accented {
			n++
		}
	}
	return n > 0 && n*4 >= len(toks)
}

// word is one compiled word of a lexicon phrase or context list.
type word struct {
	key, fold string
	accented  bool
	prefix    bool // "refund*" matches "refunds", "refunded"
	count     bool // "#": a count of two or more ("5", "năm", "nhiều", "several")
	clock     bool // "%": a time of day ("5h", "9h30", "3pm")
}

// Placeholders of the lexicon: "gọi # lần" is "gọi 5 lần", "gọi mấy lần";
// "trước %" is "trước 5h".
const (
	countWord = "#"
	clockWord = "%"
)

// countWords are the spelled-out counts of two or more, folded.
var countWords = map[string]bool{
	"hai": true, "ba": true, "bon": true, "nam": true, "sau": true, "bay": true, "tam": true, "chin": true,
	"muoi": true, "may": true, "nhieu": true, "vai": true, "chuc": true,
	"two": true, "three": true, "four": true, "five": true, "six": true, "seven": true, "eight": true,
	"nine": true, "ten": true, "several": true, "many": true, "multiple": true, "dozen": true,
	"second": true, "third": true, "fourth": true, "fifth": true, "sixth": true, "seventh": true, "eighth": true,
	"ninth": true, "tenth": true,
}

func isCount(t token) bool {
	if countWords[t.fold] {
		return true
	}
	f := t.fold
	// Ordinals count too: "my 6th email", "the 3rd call".
	for _, suffix := range []string{"st", "nd", "rd", "th"} {
		if len(f) > len(suffix) && strings.HasSuffix(f, suffix) {
			f = strings.TrimSuffix(f, suffix)
			break
		}
	}
	n := 0
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c < '0' || c > '9' || i >= 4 {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n >= 2
}

// isClock recognizes "5h", "9h30", "17g", "3pm", "10am".
func isClock(t token) bool {
	f := t.fold
	i := 0
	for i < len(f) && i < 2 && f[i] >= '0' && f[i] <= '9' {
		i++
	}
	if i == 0 {
		return false
	}
	switch rest := f[i:]; {
	case rest == "am" || rest == "pm" || rest == "g":
		return true
	case strings.HasPrefix(rest, "h"):
		m := rest[1:]
		return m == "" || len(m) == 2 && m[0] >= '0' && m[0] <= '5' && m[1] >= '0' && m[1] <= '9'
	}
	return false
}

func compileWord(w string) word {
	switch w {
	case countWord:
		return word{key: w, fold: w, count: true}
	case clockWord:
		return word{key: w, fold: w, clock: true}
	}
	prefix := strings.HasSuffix(w, "*")
	t := makeToken(norm.NFC.String(strings.TrimSuffix(w, "*")))
	return word{key: t.key, fold: t.fold, accented: t.accented, prefix: prefix}
}

// match compares one typed word with one lexicon word. In a message typed
// with diacritics (exact) every word must carry the lexicon's diacritics, so
// "gặp" (meet) never matches "gấp" (urgent). In a message typed without them,
// words compare folded, and the lexicon entry's context rules resolve the
// words that fold alike. It reports whether the match relied on folding.
func (w word) match(t token, exact bool) (ok, folded bool) {
	switch {
	case w.count:
		return isCount(t), false
	case w.clock:
		return isClock(t), false
	case w.prefix:
		return !t.accented && strings.HasPrefix(t.fold, w.fold), false
	}
	if exact || t.accented {
		return t.key == w.key, false
	}
	if t.fold == w.fold {
		return true, w.accented
	}
	return false, false
}

// phrase is a compiled multi-word phrase.
type phrase []word

// matchAt reports whether p matches the words starting at toks[i], all in
// one clause.
func (p phrase) matchAt(toks []token, i int, exact bool) (ok, folded bool) {
	if i+len(p) > len(toks) {
		return false, false
	}
	for k, w := range p {
		t := toks[i+k]
		if t.clause != toks[i].clause {
			return false, false
		}
		m, f := w.match(t, exact)
		if !m {
			return false, false
		}
		folded = folded || f
	}
	return true, folded
}

// wordSet is a list of single words (context cues), matched like phrases.
type wordSet []word

func compileSet(ws []string) wordSet {
	out := make(wordSet, 0, len(ws))
	for _, w := range ws {
		out = append(out, compileWord(w))
	}
	return out
}

func (s wordSet) has(t token, exact bool) bool {
	for _, w := range s {
		if ok, _ := w.match(t, exact); ok {
			return true
		}
	}
	return false
}
