package mime

import (
	"bytes"
	"regexp"
	"strings"
)

// uuFile is one uuencoded file found in a text, with the byte range of its
// "begin" … "end" block.
type uuFile struct {
	name       string
	content    []byte
	start, end int
}

var uuBeginRe = regexp.MustCompile(`(?m)^begin [0-7]{3,4} ([^\r\n]+?)\r?$`)

func isUUEncoding(cte string) bool {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "x-uuencode", "uuencode", "x-uue":
		return true
	}
	return false
}

// uudecode finds and decodes uuencoded blocks. A block without its "end"
// line, or with a line that is not uuencoding, is left as text.
func uudecode(text []byte) []uuFile {
	var out []uuFile
	for _, loc := range uuBeginRe.FindAllSubmatchIndex(text, 20) {
		if len(out) > 0 && loc[0] < out[len(out)-1].end {
			continue
		}
		f := uuFile{name: string(text[loc[2]:loc[3]]), start: loc[0]}
		off := loc[1]
		ok := false
		for off < len(text) {
			line, next := nextLine(text, off)
			off = next
			if string(bytes.TrimRight(line, " \t")) == "end" {
				ok = true
				break
			}
			b, good := uuLine(line)
			if !good {
				break
			}
			f.content = append(f.content, b...)
		}
		if ok {
			f.end = off
			out = append(out, f)
		}
	}
	return out
}

// uuLine decodes one line: a length character, then groups of four
// characters carrying three bytes each (' ' and '`' both mean zero).
func uuLine(line []byte) ([]byte, bool) {
	line = bytes.TrimRight(line, "\r")
	if len(line) == 0 {
		return nil, true
	}
	n := int((line[0] - ' ') & 0x3f)
	if n == 0 {
		return nil, true
	}
	var out []byte
	val := func(c byte) (byte, bool) {
		if c < ' ' || c > '`' {
			return 0, false
		}
		return (c - ' ') & 0x3f, true
	}
	for i := 1; len(out) < n; i += 4 {
		var q [4]byte
		for k := 0; k < 4; k++ {
			c := byte('`')
			if i+k < len(line) {
				c = line[i+k]
			}
			v, ok := val(c)
			if !ok {
				return nil, false
			}
			q[k] = v
		}
		out = append(out, q[0]<<2|q[1]>>4, q[1]<<4|q[2]>>2, q[2]<<6|q[3])
		if i > len(line)+4 {
			return nil, false
		}
	}
	return out[:n], true
}
