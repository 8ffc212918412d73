package mime

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/unicode/norm"

	"github.com/concierge-cx/concierge/shared/textfold"
)

// lookupCharset maps a MIME charset label to a decoder. WHATWG labels
// (htmlindex) are what mail clients actually emit, and they map iso-8859-1
// and us-ascii to windows-1252, a superset that never fails on 0x80-0x9F.
// It returns nil for UTF-8, ASCII and unknown labels: those are handled by
// validating UTF-8 and guessing a legacy charset when that fails.
func lookupCharset(label string) (enc encoding.Encoding, known bool) {
	l := cleanCharsetLabel(label)
	switch l {
	case "", "us-ascii", "ascii", "utf-8", "utf8", "utf8mb4", "unicode-1-1-utf-8":
		return nil, true
	case "cp1258", "x-cp1258", "windows-1258":
		return charmap.Windows1258, true
	}
	// Windows code page names that mailers emit and WHATWG does not list.
	switch l {
	case "cp932", "ms932", "x-ms-cp932":
		l = "shift_jis"
	case "cp936", "ms936", "euc-cn", "x-euc-cn":
		l = "gbk"
	case "cp949", "ms949", "uhc", "x-windows-949":
		l = "euc-kr"
	case "cp950", "ms950", "x-windows-950":
		l = "big5"
	}
	e, err := htmlindex.Get(l)
	if err != nil {
		return nil, false
	}
	if name, _ := htmlindex.Name(e); name == "utf-8" {
		return nil, true
	}
	return e, true
}

func cleanCharsetLabel(label string) string {
	l := strings.ToLower(strings.Trim(strings.TrimSpace(label), `"'`))
	// Salvage labels such as charset="charset=utf-8" seen from broken mailers.
	if i := strings.LastIndexByte(l, '='); i >= 0 {
		l = l[i+1:]
	}
	return l
}

// isLatin1Family reports labels whose text is often really windows-1258:
// Vietnamese users of old Outlook/Thunderbird setups send it declared as Latin-1.
func isLatin1Family(label string) bool {
	switch cleanCharsetLabel(label) {
	case "iso-8859-1", "iso8859-1", "latin1", "l1", "windows-1252", "cp1252", "x-cp1252", "iso-8859-15", "latin-9":
		return true
	}
	return false
}

// isMultiByteCJK reports the double-byte charsets of Chinese, Japanese and
// Korean mail, whose valid byte pairs overlap UTF-8's.
func isMultiByteCJK(label string) bool {
	switch label {
	case "gb2312", "gbk", "gb18030", "cp936", "big5", "big5-hkscs", "cp950", "shift_jis", "shift-jis", "sjis", "cp932",
		"windows-31j", "euc-jp", "euc-kr", "cp949", "ks_c_5601-1987", "euc-cn":
		return true
	}
	return false
}

// decodeText turns the bytes of a text part into valid NFC UTF-8. The second
// result is a warning for Message.Warnings, empty when the declared charset
// was plausible.
func (h *charsetHints) decodeText(b []byte, declared string) (string, string) {
	label := cleanCharsetLabel(declared)
	enc, known := lookupCharset(declared)
	if enc == nil {
		if isJIS(b) {
			return nfc(decodeWith(japanese.ISO2022JP, b)), fmt.Sprintf("text in ISO-2022-JP (declared charset %q)", label)
		}
		if utf8.Valid(b) {
			if !known {
				return nfc(string(b)), fmt.Sprintf("unknown charset %q; text read as UTF-8", declared)
			}
			return nfc(string(b)), ""
		}
		s, name := h.decodeUnlabeled(b)
		if name == "utf-8 (repaired)" {
			return nfc(s), fmt.Sprintf("text is UTF-8 with invalid bytes (declared charset %q); those bytes read as windows-1252", label)
		}
		return nfc(s), fmt.Sprintf("text is not valid UTF-8 (declared charset %q); decoded as %s", label, name)
	}
	// A multi-byte legacy charset (GBK, Big5, Shift_JIS, EUC-KR) that decodes
	// cleanly is believed: its short texts are often valid UTF-8 by accident
	// (GBK "谢谢" is the bytes of UTF-8 "лл").
	cjkClean := isMultiByteCJK(label) && decodesCleanly(enc, b)
	if !cjkClean && hasMultiByteUTF8(b) && (utf8.Valid(b) || mostlyUTF8(b)) {
		// Declared a legacy charset but written in UTF-8, as clients that
		// copy the charset of the message they reply to do.
		return nfc(repairUTF8(b)), fmt.Sprintf("text declared %q is UTF-8; read as UTF-8", label)
	}
	if isLatin1Family(declared) {
		if viet, western := vietnameseEvidence(b); viet >= 3 && western == 0 {
			return nfc(decodeWith(charmap.Windows1258, b)), fmt.Sprintf("text declared %q reads as Vietnamese; decoded as windows-1258", label)
		}
		if name, conf := h.detect(b); conf >= confident && !isLatinVerdict(name) {
			return nfc(decodeWith(encodingFor(name), b)), fmt.Sprintf("text declared %q reads as %s; decoded as %s", label, name, name)
		}
	} else if !decodesCleanly(enc, b) {
		if name, conf := h.detect(b); conf >= confident && encodingFor(name) != nil && decodesCleanly(encodingFor(name), b) {
			return nfc(decodeWith(encodingFor(name), b)), fmt.Sprintf("text is not valid %s; decoded as %s", label, name)
		}
	}
	return nfc(decodeWith(enc, b)), ""
}

// hasMultiByteUTF8 reports a valid multi-byte UTF-8 sequence in b.
func hasMultiByteUTF8(b []byte) bool {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if n > 1 && r != utf8.RuneError {
			return true
		}
		b = b[n:]
	}
	return false
}

// decodeHeaderBytes repairs a header value that arrived as raw 8-bit bytes
// that are not UTF-8 (RFC 6532 allows only UTF-8 there).
func (h *charsetHints) decodeHeaderBytes(s string) (string, bool) {
	if isJIS([]byte(s)) {
		// Old Japanese mailers write ISO-2022-JP raw: 7-bit, so valid
		// UTF-8, but with escape sequences.
		return decodeWith(japanese.ISO2022JP, []byte(s)), true
	}
	if utf8.ValidString(s) {
		return s, false
	}
	d, _ := h.decodeUnlabeled([]byte(s))
	return d, true
}

func decodeWith(e encoding.Encoding, b []byte) string {
	if e == nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	out, err := e.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return strings.ToValidUTF8(string(out), "\uFFFD")
}

// guessLegacy picks the single-byte charset for 8-bit text with no usable
// declaration. The choice is between windows-1258 (legacy Vietnamese) and
// windows-1252 (Western Europe): they agree on most bytes, and differ where
// 1258 has its tone marks. Those tone-mark bytes follow a vowel in Vietnamese
// and almost never do in Western text ("aì", "oÒ"), so counting them decides.
func guessLegacy(b []byte) (string, encoding.Encoding) {
	if viet, western := vietnameseEvidence(b); viet > western {
		return "windows-1258", charmap.Windows1258
	}
	return "windows-1252", charmap.Windows1252
}

// vietnameseEvidence counts windows-1258 tone-mark bytes after a vowel and
// đ before one (Vietnamese), and tone-mark bytes elsewhere (more likely
// Western letters such as ì, Ò).
func vietnameseEvidence(b []byte) (viet, western int) {
	for i, c := range b {
		switch c {
		case 0xF0, 0xD0: // đ, Đ in 1258 (ð, Ð in 1252: Icelandic only) before a vowel: "đơn", "Đà"
			if i+1 < len(b) && (isVowel1258(b[i+1]) || b[i+1] >= 0xE0 && b[i+1] != 0xF0) {
				viet++
			}
		case 0xCC, 0xEC, 0xD2, 0xDE, 0xF2: // U+0300, U+0301, U+0309, U+0303, U+0323 in 1258
			if i > 0 && isVowel1258(b[i-1]) {
				viet++
			} else {
				western++
			}
		}
	}
	return viet, western
}

func isVowel1258(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u', 'y', 'A', 'E', 'I', 'O', 'U', 'Y',
		0xC2, 0xCA, 0xD4, 0xC3, 0xD5, 0xDD, // Â Ê Ô Ă Ơ Ư
		0xE2, 0xEA, 0xF4, 0xE3, 0xF5, 0xFD: // â ê ô ă ơ ư
		return true
	}
	return false
}

func nfc(s string) string { return norm.NFC.String(s) }

var metaCharsetRe = regexp.MustCompile(`(?i)<meta[^>]+charset\s*=\s*["']?\s*([a-z0-9_.:-]+)`)

// htmlCharset finds a <meta> charset for HTML parts whose Content-Type has none.
func htmlCharset(b []byte) string {
	if len(b) > 8192 {
		b = b[:8192]
	}
	if m := metaCharsetRe.FindSubmatch(b); m != nil {
		return string(m[1])
	}
	return ""
}

// fold lower-cases and removes diacritics so "Đã gửi:" and "Da gui:" compare
// equal (Vietnamese senders often type without diacritics); a no-break space
// counts as a space, as mailers put one in quote headers.
func fold(s string) string {
	return textfold.Fold(strings.ReplaceAll(s, "\u00a0", " "))
}

// normalizeText gives text one shape for storage and comparison: LF line
// ends, no trailing spaces, no control characters, at most one blank line in
// a row, no leading or trailing blank lines, NFC.
func normalizeText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	lines := strings.Split(s, "\n")
	var b strings.Builder
	b.Grow(len(s))
	blank := 0
	for _, line := range lines {
		line = strings.Map(func(r rune) rune {
			if r == '\t' || r >= ' ' && r != 0x7f && r != '\uFEFF' {
				return r
			}
			return -1
		}, line)
		line = strings.TrimRight(line, " \t\u00a0")
		if line == "" {
			blank++
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
			if blank > 0 {
				b.WriteByte('\n')
			}
		}
		blank = 0
		b.WriteString(line)
	}
	return nfc(b.String())
}

// unflow undoes RFC 3676 format=flowed: a line ending in a space continues
// on the next line with the same quote depth.
func unflow(s string, delsp bool) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var out bytes.Buffer
	var para strings.Builder
	depth, open := 0, false
	flush := func() {
		if !open {
			return
		}
		if depth > 0 {
			out.WriteString(strings.Repeat(">", depth))
			out.WriteByte(' ')
		}
		out.WriteString(para.String())
		out.WriteByte('\n')
		para.Reset()
		open = false
	}
	for _, line := range strings.Split(s, "\n") {
		d := 0
		for d < len(line) && line[d] == '>' {
			d++
		}
		content := strings.TrimPrefix(line[d:], " ") // space-stuffing
		if open && d != depth {
			flush()
		}
		depth, open = d, true
		flowed := strings.HasSuffix(content, " ") && content != "-- "
		if flowed && delsp {
			content = content[:len(content)-1]
		}
		para.WriteString(content)
		if !flowed {
			flush()
		}
	}
	flush()
	return strings.TrimSuffix(out.String(), "\n")
}
