package mime

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// mediaParams holds a Content-Type or Content-Disposition value as mailers
// write it. Values of RFC 2231 parameters (name*=charset”%xx, name*0*=…)
// are joined and percent-decoded; their bytes are still in the charset
// named in charsets (decoded by the caller, which also detects undeclared
// 8-bit text).
type mediaParams struct {
	mtype    string
	params   map[string]string // lower-case names
	charsets map[string]string // RFC 2231 charset per parameter, when given
}

// parseParams reads "type; a=b; c="d e"" exactly, where Go's and enmime's
// parsers either fail or glue the rest of the header into a value:
//   - a parameter ends at ';', and also where white space is followed by
//     another "name=" (a fold that lost its ';': `filename="a.pdf"
//     size=123`);
//   - a quoted value that is never closed ends where the next "; name="
//     starts, so `filename="a.pdf; size=1; creation-date="…"` yields a.pdf;
//   - raw 8-bit bytes are kept as they are.
func parseParams(v string) mediaParams {
	// Headers arrive unfolded by textproto, but a bare CR or LF may remain.
	if strings.ContainsAny(v, "\r\n") {
		v = lineEnds.Replace(v)
	}
	mt, rest, _ := strings.Cut(v, ";")
	out := mediaParams{mtype: strings.ToLower(strings.TrimSpace(mt)), params: map[string]string{}, charsets: map[string]string{}}
	type seg struct {
		n   int
		enc bool
		val string
	}
	ext := map[string][]seg{}
	for rest != "" {
		rest = strings.TrimLeft(rest, " \t;")
		eq := strings.IndexByte(rest, '=')
		if eq < 0 {
			break
		}
		name := strings.ToLower(strings.TrimSpace(rest[:eq]))
		rest = strings.TrimLeft(rest[eq+1:], " \t")
		var val string
		if strings.HasPrefix(rest, `"`) {
			val, rest = quotedValue(rest[1:])
		} else {
			end := tokenEnd(rest)
			val, rest = strings.TrimSpace(rest[:end]), rest[end:]
		}
		if name == "" || strings.ContainsAny(name, " \t\"") {
			continue
		}
		base, star := name, false
		if strings.HasSuffix(base, "*") {
			base, star = strings.TrimSuffix(base, "*"), true
		}
		if i := strings.LastIndexByte(base, '*'); i > 0 {
			if n, err := strconv.Atoi(base[i+1:]); err == nil && n >= 0 && n < 1000 {
				ext[base[:i]] = append(ext[base[:i]], seg{n, star, val})
				continue
			}
		}
		if star {
			ext[base] = append(ext[base], seg{0, true, val})
			continue
		}
		if _, dup := out.params[name]; !dup {
			out.params[name] = val
		}
	}
	for name, segs := range ext {
		sort.SliceStable(segs, func(i, j int) bool { return segs[i].n < segs[j].n })
		var b strings.Builder
		charset := ""
		for i, s := range segs {
			val := s.val
			if s.enc {
				if i == 0 {
					// charset'language'value
					if parts := strings.SplitN(val, "'", 3); len(parts) == 3 {
						charset, val = parts[0], parts[2]
					}
				}
				if u, err := url.PathUnescape(strings.ReplaceAll(val, "+", "%2B")); err == nil {
					val = u
				}
			}
			b.WriteString(val)
		}
		// The extended form wins over a plain one given alongside it.
		out.params[name] = b.String()
		if charset != "" {
			out.charsets[name] = charset
		}
	}
	return out
}

var lineEnds = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ")

// quotedValue reads a quoted-string after its opening quote and returns the
// value and what follows the closing quote.
func quotedValue(s string) (string, string) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			// A quoted-pair; but Windows clients write paths with bare
			// backslashes, kept as they are.
			if i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
				i++
				b.WriteByte(s[i])
			} else {
				b.WriteByte(c)
			}
		case '"':
			after := strings.TrimLeft(s[i+1:], " \t")
			if after == "" || after[0] == ';' || looksLikeParam(after) {
				return b.String(), s[i+1:]
			}
			// A quote that does not end the value: the value's own quote
			// was never closed and this one opens the next parameter's.
			if end := nextParamStart(s[:i]); end >= 0 {
				return strings.TrimSpace(s[:end]), s[end:]
			}
			// Otherwise junk after a closed value, which is dropped.
			return b.String(), s[i+1:]
		default:
			b.WriteByte(c)
		}
	}
	// Never closed: the value ends before the next "; name=".
	if end := nextParamStart(s); end >= 0 {
		return strings.TrimSpace(strings.TrimRight(s[:end], `"`)), s[end:]
	}
	return b.String(), ""
}

// tokenEnd is where an unquoted value ends: at ';' or where white space is
// followed by "name=".
func tokenEnd(s string) int {
	if i := strings.IndexByte(s, ';'); i >= 0 {
		s = s[:i]
	}
	for i := 0; i < len(s); i++ {
		if (s[i] == ' ' || s[i] == '\t') && looksLikeParam(strings.TrimLeft(s[i:], " \t")) {
			return i
		}
	}
	return len(s)
}

// nextParamStart finds "; name=" or " name=" in s.
func nextParamStart(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == ';' || s[i] == ' ' || s[i] == '\t' {
			if looksLikeParam(strings.TrimLeft(s[i+1:], " \t")) {
				return i
			}
		}
	}
	return -1
}

// looksLikeParam reports "token=" at the start of s, such as "size=" or
// "creation-date=" or "filename*0*=".
func looksLikeParam(s string) bool {
	i := 0
	for i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || s[i] >= '0' && s[i] <= '9' || s[i] == '-' || s[i] == '_' || s[i] == '*' || s[i] == '.') {
		i++
	}
	return i > 0 && i < len(s) && s[i] == '='
}
