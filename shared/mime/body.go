package mime

import (
	"bytes"
	"mime"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/jhillyerd/enmime/v2"
)

// body is the message's parts sorted into readable text and files.
type body struct {
	texts []piece // the message first, then footers, in message order
	files []*file
	cids  map[string]bool // Content-IDs referenced from HTML
}

// piece is one text part of the body.
type piece struct {
	p    *enmime.Part
	html bool
}

// file is one part handed to the sink.
type file struct {
	partID, name, contentType, contentID string
	inline                               bool
	content                              []byte
	corrupt                              bool // transfer encoding unreadable: content to be taken raw
}

// collect walks the MIME tree by its structure. Inside multipart/mixed the
// first text leaf or alternative is the message and later inline text/plain
// leaves are footers (a list's or a virus scanner's), appended rather than
// chosen over it; an alternative contributes its text/plain version when it
// has content, else its HTML; a related part contributes its root. Every
// other leaf is a file, named from its type when it has no name.
func collect(m *Message, root *enmime.Part) *body {
	b := &body{cids: map[string]bool{}}
	b.walk(m, root)
	for _, p := range root.DepthMatchAll(func(p *enmime.Part) bool { return p.ContentType == "text/html" }) {
		for _, id := range cidRefs(p.Content) {
			b.cids[id] = true
		}
	}
	return b
}

func (b *body) walk(m *Message, p *enmime.Part) {
	if p.FirstChild == nil {
		b.leaf(m, p)
		return
	}
	switch p.ContentType {
	case "multipart/alternative":
		best := chooseAlternative(m, p)
		for c := p.FirstChild; c != nil; c = c.NextSibling {
			if c == best {
				b.walk(m, c)
			} else {
				b.filesOnly(m, c)
			}
		}
	case "multipart/related":
		start := relatedRoot(p)
		for c := p.FirstChild; c != nil; c = c.NextSibling {
			if c == start {
				b.walk(m, c)
			} else {
				b.filesOnly(m, c)
			}
		}
	default:
		for c := p.FirstChild; c != nil; c = c.NextSibling {
			b.walk(m, c)
		}
	}
}

// isBodyText reports a text/plain or text/html leaf that is not a file.
func isBodyText(m *Message, p *enmime.Part) (ok, html bool) {
	ct := p.ContentType
	if ct == "" {
		ct = "text/plain" // RFC 2045 5.2
	}
	if ct != "text/plain" && ct != "text/html" {
		return false, false
	}
	if strings.EqualFold(p.Disposition, "attachment") || rawFileName(p) != "" {
		return false, false
	}
	return true, ct == "text/html"
}

func (b *body) leaf(m *Message, p *enmime.Part) {
	if strings.HasPrefix(p.ContentType, "multipart/") {
		return // an empty multipart
	}
	if ok, html := isBodyText(m, p); ok {
		if !html {
			b.extractUU(m, p)
		}
		if len(bytes.TrimSpace(p.Content)) == 0 {
			return
		}
		// A later HTML leaf is not a footer but a document of its own.
		if !html || len(b.texts) == 0 {
			b.texts = append(b.texts, piece{p, html})
			return
		}
	}
	b.addFile(m, p)
}

// filesOnly keeps the files of a subtree whose text is not the message (the
// alternative not chosen; the non-root parts of a related).
func (b *body) filesOnly(m *Message, p *enmime.Part) {
	if p.FirstChild == nil {
		if ok, _ := isBodyText(m, p); !ok && !strings.HasPrefix(p.ContentType, "multipart/") {
			b.addFile(m, p)
		}
		return
	}
	for c := p.FirstChild; c != nil; c = c.NextSibling {
		b.filesOnly(m, c)
	}
}

// chooseAlternative picks the version of an alternative that becomes the
// text: text/plain with content, else HTML with content, else the first
// nested multipart (an HTML with its images), else the last version.
func chooseAlternative(m *Message, p *enmime.Part) *enmime.Part {
	var html, nested, last *enmime.Part
	for c := p.FirstChild; c != nil; c = c.NextSibling {
		last = c
		if c.FirstChild != nil {
			if nested == nil {
				nested = c
			}
			continue
		}
		ok, isHTML := isBodyText(m, c)
		if !ok || len(bytes.TrimSpace(c.Content)) == 0 {
			continue
		}
		if !isHTML {
			return c
		}
		if html == nil {
			html = c
		}
	}
	switch {
	case html != nil:
		return html
	case nested != nil:
		return nested
	}
	return last
}

// relatedRoot is the part named by the related's start parameter, else its
// first part (RFC 2387).
func relatedRoot(p *enmime.Part) *enmime.Part {
	start := strings.Trim(parseParams(p.Header.Get("Content-Type")).params["start"], "<> ")
	for c := p.FirstChild; start != "" && c != nil; c = c.NextSibling {
		if strings.EqualFold(c.ContentID, start) {
			return c
		}
	}
	return p.FirstChild
}

func (b *body) addFile(m *Message, p *enmime.Part) {
	corrupt := false
	for _, e := range p.Errors {
		if e.Name == enmime.ErrorMalformedBase64 && e.Severe {
			corrupt = true
		}
	}
	if len(p.Content) == 0 && !corrupt && rawFileName(p) == "" {
		return // nothing to keep
	}
	ct := strings.ToLower(p.ContentType)
	if ct == "" {
		ct = "application/octet-stream"
	}
	content := p.Content
	if isUUEncoding(p.Header.Get("Content-Transfer-Encoding")) {
		if files := uudecode(content); len(files) > 0 {
			content = files[0].content
		}
	}
	b.files = append(b.files, &file{
		partID:      p.PartID,
		name:        fileName(m, p),
		contentType: ct,
		contentID:   p.ContentID,
		inline:      strings.EqualFold(p.Disposition, "inline"),
		content:     content,
		corrupt:     corrupt,
	})
}

// recoverRaw fills the content of parts whose base64 could not be decoded
// with the encoded text as received, so nothing is lost; it parses the
// message once more without transfer decoding, which is rare.
func (b *body) recoverRaw(m *Message, raw []byte) {
	var corrupt []*file
	for _, f := range b.files {
		if f.corrupt {
			corrupt = append(corrupt, f)
		}
	}
	if len(corrupt) == 0 {
		return
	}
	root, err := newParser(m, true).ReadParts(bytes.NewReader(raw))
	if err != nil {
		return
	}
	byID := map[string]*enmime.Part{}
	for _, p := range root.DepthMatchAll(func(*enmime.Part) bool { return true }) {
		byID[p.PartID] = p
	}
	for _, f := range corrupt {
		if p := byID[f.partID]; p != nil {
			f.content = p.Content
			m.warnf("part %s: base64 is corrupt; stored as received", f.partID)
		}
	}
}

// extractUU moves uuencoded files out of a text part ("begin 644 name" …
// "end", as Outlook Express and old mailing-list software send them).
func (b *body) extractUU(m *Message, p *enmime.Part) {
	if !bytes.Contains(p.Content, []byte("begin ")) {
		return
	}
	files := uudecode(p.Content)
	if len(files) == 0 {
		return
	}
	rest := p.Content
	for i, f := range files {
		rest = append(append([]byte{}, rest[:f.start]...), rest[f.end:]...)
		for j := i + 1; j < len(files); j++ {
			files[j].start -= f.end - f.start
			files[j].end -= f.end - f.start
		}
		// The standard table, not a reverse walk of extByType: several types
		// share an extension there, and map order would pick one at random.
		ct := "application/octet-stream"
		if t := mime.TypeByExtension(strings.ToLower(path.Ext(f.name))); t != "" {
			ct, _, _ = strings.Cut(t, ";")
		}
		b.files = append(b.files, &file{
			partID:      p.PartID + ".uu" + strconv.Itoa(i+1),
			name:        cleanFileName(decodeWords(m, "file name", f.name), p.PartID, ct),
			contentType: ct,
			content:     f.content,
		})
	}
	p.Content = rest
}

var cidRe = regexp.MustCompile(`(?i)["'(=]\s*cid:([^"')\s>]+)`)

func cidRefs(html []byte) []string {
	var ids []string
	for _, m := range cidRe.FindAllSubmatch(html, -1) {
		ids = append(ids, strings.ToLower(string(m[1])))
	}
	return ids
}

// fullText decodes the body pieces in order: the message, then any
// footers. HTMLOnly is set when the message itself was HTML.
func (b *body) fullText(m *Message) string {
	var out []string
	for i, pc := range b.texts {
		t := partText(m, pc.p, pc.html)
		if pc.html {
			t = HTMLToText(t)
			if i == 0 {
				m.HTMLOnly = true
			}
		}
		if strings.TrimSpace(t) != "" {
			out = append(out, t)
		}
	}
	return normalizeText(strings.Join(out, "\n\n"))
}

func partText(m *Message, p *enmime.Part, isHTML bool) string {
	params := parseParams(p.Header.Get("Content-Type")).params
	charset := params["charset"]
	if charset == "" && isHTML {
		charset = htmlCharset(p.Content)
	}
	s, warning := m.hints.decodeText(p.Content, charset)
	if warning != "" {
		m.warnf("part %s: %s", p.PartID, warning)
	}
	if !isHTML && strings.EqualFold(params["format"], "flowed") {
		s = unflow(s, strings.EqualFold(params["delsp"], "yes"))
	}
	return s
}

var extByType = map[string]string{
	"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif",
	"image/webp": ".webp", "image/heic": ".heic", "text/plain": ".txt", "text/html": ".html",
	"text/csv": ".csv", "text/calendar": ".ics", "message/rfc822": ".eml",
	"message/delivery-status": ".txt", "text/rfc822-headers": ".txt", "message/disposition-notification": ".txt",
	"application/zip": ".zip", "image/bmp": ".bmp", "text/x-vcard": ".vcf", "text/vcard": ".vcf",
	"application/pgp-signature": ".asc", "application/pkcs7-signature": ".p7s", "application/x-pkcs7-signature": ".p7s",
	"application/msword": ".doc", "application/vnd.ms-excel": ".xls",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":       ".xlsx",
}

// rawFileName is the part's file name parameter as written (undecoded).
func rawFileName(p *enmime.Part) string {
	if n := parseParams(p.Header.Get("Content-Disposition")).params["filename"]; strings.TrimSpace(n) != "" {
		return n
	}
	return parseParams(p.Header.Get("Content-Type")).params["name"]
}

// fileName returns the part's decoded file name without any directory
// (Windows clients send "C:\Users\…\file.pdf"), or a name made from the part
// id and content type. RFC 2231 values are decoded with their charset, RFC
// 2047 words with theirs, raw 8-bit names with the detected one.
func fileName(m *Message, p *enmime.Part) string {
	var name, charset string
	for _, h := range []struct{ header, param string }{{"Content-Disposition", "filename"}, {"Content-Type", "name"}} {
		mp := parseParams(p.Header.Get(h.header))
		if n := mp.params[h.param]; strings.TrimSpace(n) != "" {
			name, charset = n, mp.charsets[h.param]
			break
		}
	}
	if charset != "" {
		s, _ := m.hints.decodeText([]byte(name), charset)
		name = s
	}
	return cleanFileName(decodeWords(m, "file name", name), p.PartID, strings.ToLower(p.ContentType))
}

func cleanFileName(name, partID, contentType string) string {
	name = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, name)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSpace(name)
	if name == "" || name == "." || name == ".." {
		ext, ok := extByType[contentType]
		if !ok {
			ext = ".bin"
		}
		name = "part-" + strings.ReplaceAll(partID, ".", "-") + ext
	}
	return path.Clean(name)
}
