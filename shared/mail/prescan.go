package mail

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/jhillyerd/enmime/v2/mediatype"
)

// Limits on the MIME tree, checked before enmime sees the message: its
// parser spends time quadratic in the nesting depth (a 4,000-deep tree of
// 274 KB took 29 s), and every part becomes a stored object.
const (
	maxDepth = 32
	maxParts = 500
)

// maxJunkLines is how many lines before the header block are skipped
// (mbox "From " lines, a stray blank line or banner some gateways add).
const maxJunkLines = 10

// prepare returns the bytes enmime parses: leading junk before the header
// block removed, and the MIME tree cut where it exceeds maxDepth or maxParts,
// with the open multiparts closed so what was read still parses.
func prepare(m *Message, raw []byte) []byte {
	raw = skipJunk(m, raw)
	if cut, closers, why := scanTree(raw); why != "" {
		m.warnf("%s; the rest is kept only in the raw mail", why)
		out := make([]byte, 0, cut+len(closers))
		return append(append(out, raw[:cut]...), closers...)
	}
	return raw
}

// skipJunk drops lines before the first line that reads as a header field.
func skipJunk(m *Message, raw []byte) []byte {
	off := 0
	for i := 0; i < maxJunkLines && off < len(raw); i++ {
		line, _ := nextLine(raw, off)
		if isHeaderField(line) {
			if off > 0 {
				m.warnf("%d line(s) before the header block skipped", i)
			}
			return raw[off:]
		}
		_, off = nextLine(raw, off)
	}
	return raw
}

// nextLine returns the line starting at off without its line end, and the
// offset of the line after it.
func nextLine(raw []byte, off int) ([]byte, int) {
	i := bytes.IndexByte(raw[off:], '\n')
	if i < 0 {
		return bytes.TrimSuffix(raw[off:], []byte("\r")), len(raw)
	}
	return bytes.TrimSuffix(raw[off:off+i], []byte("\r")), off + i + 1
}

// isHeaderField reports "Name: value" with an RFC 5322 field name.
func isHeaderField(line []byte) bool {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return false
	}
	for _, c := range line[:i] {
		if c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}

// scanTree walks the boundary structure line by line, without decoding
// anything. It returns where to cut the message, the delimiters that close
// the multiparts open there, and why ("" when the tree is within limits).
func scanTree(raw []byte) (cut int, closers []byte, why string) {
	var open []string // boundaries of the enclosing multiparts, outermost first
	parts := 1
	inHeader := true
	var header []byte
	for off := 0; off < len(raw); {
		lineStart := off
		var line []byte
		line, off = nextLine(raw, off)
		if inHeader {
			if len(line) > 0 {
				header = append(header, line...)
				header = append(header, '\n')
				continue
			}
			inHeader = false
			if b := multipartBoundary(header); b != "" {
				if len(open) >= maxDepth {
					return lineStart, closeAll(open), fmt.Sprintf("MIME tree deeper than %d levels", maxDepth)
				}
				open = append(open, b)
			}
			header = header[:0]
			continue
		}
		if len(line) < 3 || line[0] != '-' || line[1] != '-' || len(open) == 0 {
			continue
		}
		rest := string(bytes.TrimRight(line[2:], " \t"))
		for k := len(open) - 1; k >= 0; k-- {
			b := open[k]
			if !strings.HasPrefix(rest, b) {
				continue
			}
			switch tail := rest[len(b):]; tail {
			case "--":
				open = open[:k]
			case "":
				if parts >= maxParts {
					return lineStart, closeAll(open), fmt.Sprintf("more than %d MIME parts", maxParts)
				}
				parts++
				open = open[:k+1]
				inHeader = true
			default:
				continue
			}
			break
		}
	}
	return len(raw), nil, ""
}

// multipartBoundary returns the boundary of a multipart Content-Type in an
// unfolded-or-not header block, or "".
func multipartBoundary(header []byte) string {
	h := string(header)
	idx := indexFold(h, "content-type:")
	for idx > 0 && h[idx-1] != '\n' {
		next := indexFold(h[idx+1:], "content-type:")
		if next < 0 {
			return ""
		}
		idx += 1 + next
	}
	if idx < 0 {
		return ""
	}
	v := h[idx+len("content-type:"):]
	// Unfold: the value continues on lines starting with white space.
	var b strings.Builder
	for i, l := range strings.Split(v, "\n") {
		if i > 0 && (l == "" || (l[0] != ' ' && l[0] != '\t')) {
			break
		}
		b.WriteString(l)
		b.WriteByte(' ')
	}
	mtype, params, _, err := mediatype.Parse(strings.TrimSpace(b.String()))
	if err != nil || !strings.HasPrefix(mtype, "multipart/") {
		return ""
	}
	return params["boundary"]
}

// indexFold finds an ASCII lower-case needle ignoring ASCII case; unlike
// strings.ToLower it keeps byte offsets of invalid UTF-8 intact.
func indexFold(s, lowerSub string) int {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return bytes.Index(b, []byte(lowerSub))
}

func closeAll(open []string) []byte {
	var b bytes.Buffer
	for k := len(open) - 1; k >= 0; k-- {
		b.WriteString("\r\n--" + open[k] + "--\r\n")
	}
	return b.Bytes()
}
