package mime

import (
	"bytes"
	"fmt"
	"strings"
)

// Limits on the MIME tree, checked before enmime sees the message: its
// parser spends time quadratic in the nesting depth (a 4,000-deep tree of
// 274 KB took 29 s), and every part becomes a stored object.
const (
	maxDepth = 32
	maxParts = 500
)

// enmime reads each nesting level through its own buffered reader, so its
// time grows with depth times the bytes below: 470 KB under 25 levels took
// 0.4 s of CPU. Real mail rarely nests beyond a few levels (a forward of a
// forward with an HTML body and its images), so content below deepLevel is
// limited to maxDeepBytes.
const (
	deepLevel    = 8
	maxDeepBytes = 128 << 10
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
// It errs on the side of seeing structure where enmime does: a part is
// multipart when it has a boundary parameter and is not text/plain or
// text/html, and a delimiter is "--boundary" anywhere in a line followed by
// white space or the line's end, the outermost boundary first.
func scanTree(raw []byte) (cut int, closers []byte, why string) {
	var open [][]byte // "--boundary" of the enclosing multiparts, outermost first
	parts, deep := 1, 0
	inHeader, root := true, true
	var header []byte
	for off := 0; off < len(raw); {
		lineStart := off
		var line []byte
		line, off = nextLine(raw, off)
		// A delimiter ends a part even inside its header block.
		if k, final := matchDelimiter(open, line); k >= 0 {
			inHeader, root = false, false
			header = header[:0]
			if final {
				open = open[:k]
				continue
			}
			if parts >= maxParts {
				return lineStart, closeAll(open), fmt.Sprintf("more than %d MIME parts", maxParts)
			}
			parts++
			open = open[:k+1]
			inHeader = true
			continue
		}
		if len(open) > deepLevel {
			if deep += len(line) + 1; deep > maxDeepBytes {
				return lineStart, closeAll(open), fmt.Sprintf("more than %d KB nested deeper than %d levels", maxDeepBytes>>10, deepLevel)
			}
		}
		if !inHeader {
			continue
		}
		if len(line) > 0 {
			header = append(header, line...)
			header = append(header, '\n')
			continue
		}
		inHeader = false
		if b := partBoundary(header, root); b != "" {
			if len(open) >= maxDepth {
				return lineStart, closeAll(open), fmt.Sprintf("MIME tree deeper than %d levels", maxDepth)
			}
			open = append(open, []byte("--"+b))
		}
		root = false
		header = header[:0]
	}
	return len(raw), nil, ""
}

// matchDelimiter finds the outermost open boundary whose delimiter is in
// line, and whether it is the closing one; k is -1 when none is.
func matchDelimiter(open [][]byte, line []byte) (k int, final bool) {
	if len(open) == 0 || bytes.IndexByte(line, '-') < 0 {
		return -1, false
	}
	for k, b := range open {
		i := bytes.Index(line, b)
		if i < 0 {
			continue
		}
		tail := line[i+len(b):]
		if bytes.HasPrefix(tail, []byte("--")) {
			return k, true
		}
		if len(tail) == 0 || tail[0] == ' ' || tail[0] == '\t' {
			return k, false
		}
	}
	return -1, false
}

// partBoundary returns the boundary that makes a part multipart for
// enmime, from its header block (folded or not), or "". The root must be
// multipart/*; a nested part only needs a boundary and a non-text type.
func partBoundary(header []byte, root bool) string {
	v := headerValue(header, "content-type:")
	if v == "" {
		return ""
	}
	mp := parseParams(v)
	b := mp.params["boundary"]
	switch {
	case b == "":
		return ""
	case root && !strings.HasPrefix(mp.mtype, "multipart/"):
		return ""
	case !root && (mp.mtype == "text/plain" || mp.mtype == "text/html"):
		return ""
	}
	return b
}

// headerValue returns a field's unfolded value from a header block; name
// is lower case with its colon.
func headerValue(header []byte, name string) string {
	h := string(header)
	idx := indexFold(h, name)
	for idx > 0 && h[idx-1] != '\n' {
		next := indexFold(h[idx+1:], name)
		if next < 0 {
			return ""
		}
		idx += 1 + next
	}
	if idx < 0 {
		return ""
	}
	var b strings.Builder
	for i, l := range strings.Split(h[idx+len(name):], "\n") {
		if i > 0 && (l == "" || (l[0] != ' ' && l[0] != '\t')) {
			break
		}
		b.WriteString(l)
		b.WriteByte(' ')
	}
	return strings.TrimSpace(b.String())
}

func indexFold(s, lowerSub string) int {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return bytes.Index(b, []byte(lowerSub))
}

func closeAll(open [][]byte) []byte {
	var b bytes.Buffer
	for k := len(open) - 1; k >= 0; k-- {
		b.WriteString("\r\n")
		b.Write(open[k])
		b.WriteString("--\r\n")
	}
	return b.Bytes()
}
