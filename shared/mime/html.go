package mime

import (
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/net/html"
)

// HTMLToText renders an HTML mail body as the text a person would read:
// paragraphs and line breaks kept, list items marked, blockquotes prefixed
// with "> " (so StripQuoted treats them as quoted history), scripts and
// styles dropped, entities decoded, link targets shown after the link text.
func HTMLToText(src string) string {
	z := html.NewTokenizer(strings.NewReader(src))
	w := &textWriter{}
	var lists []listState
	type link struct {
		href  string
		start int
	}
	var links []link
	skip := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return normalizeText(w.b.String())
		case html.TextToken:
			if skip == 0 {
				w.text(string(z.Text()))
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			attrs := map[string]string{}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				attrs[string(k)] = string(v)
			}
			selfClosing := tt == html.SelfClosingTagToken
			switch tag {
			case "script", "style", "title", "noscript", "template", "head":
				if !selfClosing && tag != "head" {
					skip++
				}
			case "br":
				w.lineBreak()
			case "p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "hr", "dl", "figure":
				w.block(2)
			case "pre":
				w.block(2)
				w.pre++
			case "ul", "ol":
				w.block(1)
				if len(lists) == 0 {
					w.block(2)
				}
				lists = append(lists, listState{ordered: tag == "ol"})
			case "li":
				w.block(1)
				indent := ""
				marker := "- "
				if n := len(lists); n > 0 {
					indent = strings.Repeat("  ", n-1)
					if lists[n-1].ordered {
						lists[n-1].n++
						marker = strconv.Itoa(lists[n-1].n) + ". "
					}
				}
				w.raw(indent + marker)
			case "blockquote":
				w.block(2)
				w.quote++
			case "td", "th":
				w.space = true
			case "div", "tr", "dt", "dd", "section", "article", "header", "footer", "address",
				"center", "form", "fieldset", "main", "nav", "aside", "caption":
				w.block(1)
			case "a":
				if !selfClosing {
					links = append(links, link{href: strings.TrimSpace(attrs["href"]), start: w.b.Len()})
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch tag := string(name); tag {
			case "script", "style", "title", "noscript", "template":
				if skip > 0 {
					skip--
				}
			case "p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "dl", "figure":
				w.block(2)
			case "pre":
				if w.pre > 0 {
					w.pre--
				}
				w.block(2)
			case "ul", "ol":
				if len(lists) > 0 {
					lists = lists[:len(lists)-1]
				}
				w.block(1)
				if len(lists) == 0 {
					w.block(2)
				}
			case "blockquote":
				if w.quote > 0 {
					w.quote--
				}
				w.block(2)
			case "div", "tr", "li", "dt", "dd", "section", "article", "header", "footer", "address",
				"center", "form", "fieldset", "main", "nav", "aside", "caption":
				w.block(1)
			case "a":
				if n := len(links); n > 0 {
					l := links[n-1]
					links = links[:n-1]
					w.linkTarget(l.href, l.start)
				}
			}
		}
	}
}

type listState struct {
	ordered bool
	n       int
}

// textWriter collapses HTML whitespace and turns block structure into line
// breaks. Breaks are held back until the next visible text so that empty
// elements do not pile up blank lines.
type textWriter struct {
	b         strings.Builder
	pendingNL int
	space     bool
	lineStart bool
	quote     int
	pre       int
}

func (w *textWriter) block(n int) {
	if w.pendingNL < n {
		w.pendingNL = n
	}
	w.space = false
}

func (w *textWriter) lineBreak() {
	w.pendingNL++
	w.space = false
}

// flush writes held-back line breaks and the quote prefix of a new line.
func (w *textWriter) flush() {
	if w.b.Len() == 0 {
		w.pendingNL = 0
		w.lineStart = true
	}
	for i := 0; i < w.pendingNL; i++ {
		w.b.WriteByte('\n')
		w.lineStart = true
	}
	w.pendingNL = 0
	if w.lineStart {
		if w.quote > 0 {
			w.b.WriteString(strings.Repeat("> ", w.quote))
		}
		w.lineStart = false
		w.space = false
	}
}

// raw writes s as is (list markers).
func (w *textWriter) raw(s string) {
	w.flush()
	w.b.WriteString(s)
}

func (w *textWriter) text(s string) {
	if w.pre > 0 {
		for i, line := range strings.Split(s, "\n") {
			if i > 0 {
				w.pendingNL++
			}
			if line != "" {
				w.flush()
				w.b.WriteString(strings.ReplaceAll(line, "\u00a0", " "))
			}
		}
		return
	}
	for _, r := range s {
		if unicode.IsSpace(r) || r == '\u00a0' {
			w.space = true
			continue
		}
		if w.pendingNL > 0 || w.lineStart || w.b.Len() == 0 {
			w.flush()
		} else if w.space {
			w.b.WriteByte(' ')
		}
		w.space = false
		w.b.WriteRune(r)
	}
}

// linkTarget appends " (url)" after a link whose text does not already show
// where it goes, so an agent can see the address the customer linked.
func (w *textWriter) linkTarget(href string, start int) {
	lower := strings.ToLower(href)
	if !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") {
		return
	}
	shown := ""
	if start <= w.b.Len() {
		shown = w.b.String()[start:]
	}
	bare := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(href, "https://"), "http://"), "/")
	if strings.TrimSpace(shown) == "" || strings.Contains(shown, bare) {
		return
	}
	w.text(" (" + href + ")")
}
