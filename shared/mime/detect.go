package mime

import (
	"bytes"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gogs/chardet"
	"github.com/jhillyerd/enmime/v2"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/japanese"
)

// Charset detection for 8-bit text that declares no charset or a wrong one.
// ICU's detector (gogs/chardet, the one enmime uses) is reliable on a
// paragraph but not on a subject or a file name of a few characters, where
// every CJK double-byte charset fits equally. So a short piece is decoded
// with what the rest of the message says: a charset declared by one of its
// text parts (a Chinese mailer that writes a raw GBK subject declares
// charset=gb2312 on the body), or the detector's verdict on all the
// undeclared 8-bit text of the message taken together.

// maxDetect is how much of a text the detector reads.
const maxDetect = 64 << 10

// confident is the detector confidence (1-100) taken as a verdict on its own.
const confident = 50

// charsetHints is what a message says about its own charset.
type charsetHints struct {
	declared []string // non-UTF-8 charsets declared by its text parts, in order
	material []byte   // its undeclared 8-bit text: raw headers, file names, bodies
	wide     string   // detector verdict on material, once computed
	wideDone bool
	budget   int // bytes the detector has read for this message
}

// maxDetectPerMessage bounds the detector's work on one message, which can
// have 500 parts with a file name and text each.
const maxDetectPerMessage = 1 << 20

// detect runs the detector within the message's budget; past it, pieces
// are decoded from the message's verdict or the Western/Vietnamese guess.
func (h *charsetHints) detect(b []byte) (string, int) {
	if h == nil {
		return detect(b)
	}
	if h.budget >= maxDetectPerMessage {
		return "", 0
	}
	h.budget += min(len(b), maxDetect)
	return detect(b)
}

func (h *charsetHints) add(b []byte) {
	if h == nil || utf8.Valid(b) || len(h.material) > 64<<10 {
		return
	}
	h.material = append(append(h.material, b...), '\n')
}

// messageCharset is the verdict on all undeclared 8-bit text of the
// message: the detector's when it is sure of a non-Latin charset, else
// windows-1258 when the text reads as Vietnamese, else the detector's
// weaker non-Latin verdict, else "".
func (h *charsetHints) messageCharset() string {
	if h == nil {
		return ""
	}
	if !h.wideDone {
		h.wideDone = true
		name, conf := h.detect(h.material)
		viet, western := vietnameseEvidence(h.material)
		switch {
		case conf >= confident && !isLatinVerdict(name):
			h.wide = name
		case viet >= 1 && viet > western:
			h.wide = "windows-1258"
		case conf >= confident/2 && !isLatinVerdict(name):
			h.wide = name
		}
	}
	return h.wide
}

// decodeUnlabeled decodes 8-bit bytes whose charset is unknown and returns
// the text and the charset used. In order: UTF-8 (repaired locally when
// only a few bytes are wrong), ISO-2022-JP escapes, a sure detector verdict
// on the piece, a non-Latin charset the message declares elsewhere, the
// verdict on the whole message, Vietnamese evidence in the piece, then the
// detector's Latin verdict or the windows-1252/1258 guess.
func (h *charsetHints) decodeUnlabeled(b []byte) (string, string) {
	if utf8.Valid(b) {
		return string(b), "utf-8"
	}
	if mostlyUTF8(b) {
		// A stray byte in UTF-8 text: repair it where it is, rather than
		// reading the whole text in another charset.
		return repairUTF8(b), "utf-8 (repaired)"
	}
	if isJIS(b) {
		return decodeWith(japanese.ISO2022JP, b), "iso-2022-jp"
	}
	name, conf := h.detect(b)
	if conf >= confident && !isLatinVerdict(name) {
		return decodeWith(encodingFor(name), b), canonicalName(name)
	}
	if h != nil {
		for _, cs := range h.declared {
			if enc, _ := lookupCharset(cs); enc != nil && !isLatin1Family(cs) && decodesCleanly(enc, b) {
				return decodeWith(enc, b), cleanCharsetLabel(cs)
			}
		}
		if wide := h.messageCharset(); wide != "" && decodesCleanly(encodingFor(wide), b) {
			return decodeWith(encodingFor(wide), b), canonicalName(wide)
		}
	}
	if viet, western := vietnameseEvidence(b); viet >= 1 && viet > western {
		return decodeWith(charmap.Windows1258, b), "windows-1258"
	}
	if conf >= confident {
		return decodeWith(encodingFor(name), b), canonicalName(name)
	}
	n, e := guessLegacy(b)
	return decodeWith(e, b), n
}

// detect runs the detector and returns its best verdict that x/text can
// decode, with its confidence.
func detect(b []byte) (string, int) {
	if len(b) == 0 {
		return "", 0
	}
	if len(b) > maxDetect {
		b = b[:maxDetect] // enough for a verdict; bounds the time on huge parts
	}
	results, err := chardet.NewTextDetector().DetectAll(b)
	if err != nil {
		return "", 0
	}
	for _, r := range results {
		if encodingFor(r.Charset) != nil {
			return r.Charset, r.Confidence
		}
	}
	return "", 0
}

// encodingFor maps a detector verdict to a decoder; nil for verdicts this
// package does not decode (UTF-16/32, EBCDIC, ISO-2022-KR/CN).
func encodingFor(name string) encoding.Encoding {
	switch strings.ToLower(name) {
	case "", "utf-8", "utf-16be", "utf-16le", "utf-32be", "utf-32le", "iso-2022-kr", "iso-2022-cn":
		return nil
	case "iso-8859-1":
		return charmap.Windows1252
	case "windows-1258":
		return charmap.Windows1258
	}
	e, err := htmlindex.Get(name)
	if err != nil {
		return nil
	}
	if n, _ := htmlindex.Name(e); n == "replacement" || n == "utf-8" {
		return nil
	}
	return e
}

// canonicalName is the WHATWG name of a detector verdict ("windows-1252"
// for ISO-8859-1, which is decoded as its superset).
func canonicalName(name string) string {
	if n, err := htmlindex.Name(encodingFor(name)); err == nil {
		return n
	}
	return strings.ToLower(name)
}

// isLatinVerdict reports the detector's Western and Central European
// answers, which windows-1258 Vietnamese text also gets.
func isLatinVerdict(name string) bool {
	switch strings.ToLower(name) {
	case "iso-8859-1", "iso-8859-2", "iso-8859-9", "windows-1252":
		return true
	}
	return false
}

// decodesCleanly reports that b is valid in enc: no byte sequence that the
// charset leaves undefined.
func decodesCleanly(enc encoding.Encoding, b []byte) bool {
	if enc == nil {
		return false
	}
	out, err := enc.NewDecoder().Bytes(b)
	return err == nil && !bytes.ContainsRune(out, utf8.RuneError)
}

// mostlyUTF8 reports text with at least twice as many valid multi-byte
// UTF-8 sequences as invalid bytes. Legacy double-byte text rarely forms a
// valid sequence (about one pair in seven for GBK), and Latin-1 almost never.
func mostlyUTF8(b []byte) bool {
	multi, invalid := 0, 0
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && n <= 1:
			invalid++
		case n > 1:
			multi++
		}
		b = b[n:]
	}
	return multi > 0 && multi >= 2*invalid
}

// repairUTF8 keeps valid UTF-8 and reads each invalid byte as windows-1252.
func repairUTF8(b []byte) string {
	var s strings.Builder
	s.Grow(len(b))
	dec := charmap.Windows1252.DecodeByte
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 {
			s.WriteRune(dec(b[0]))
		} else {
			s.Write(b[:n])
		}
		b = b[n:]
	}
	return s.String()
}

// gather collects what the message says about its charset: the charsets its
// text parts declare, and its undeclared 8-bit text.
func (h *charsetHints) gather(root *enmime.Part) {
	for _, p := range root.DepthMatchAll(func(*enmime.Part) bool { return true }) {
		mp := parseParams(p.Header.Get("Content-Type"))
		if cs := mp.params["charset"]; cs != "" && strings.HasPrefix(mp.mtype, "text/") {
			if enc, known := lookupCharset(cs); enc != nil && known && !slices.Contains(h.declared, cs) {
				h.declared = append(h.declared, cs)
			}
		} else if strings.HasPrefix(mp.mtype, "text/") || mp.mtype == "" {
			h.add(p.Content)
		}
		for _, k := range []string{"Subject", "From", "Content-Type", "Content-Disposition"} {
			h.add([]byte(p.Header.Get(k)))
		}
	}
}

// isJIS reports ISO-2022-JP escape sequences (JIS X 0208 in, ASCII out).
func isJIS(b []byte) bool {
	return (bytes.Contains(b, []byte("\x1b$B")) || bytes.Contains(b, []byte("\x1b$@"))) && bytes.Contains(b, []byte("\x1b("))
}
