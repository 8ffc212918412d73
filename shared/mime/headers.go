package mime

import (
	"io"
	"mime"
	"net/mail"
	"net/textproto"
	"regexp"
	"strings"
)

// wordDecoder decodes RFC 2047 words with the message's charset handling:
// a word's declared charset is applied like a text part's (a UTF-8 word
// labelled iso-8859-1 is read as UTF-8), and a word in an unknown charset
// is detected rather than left encoded.
func (m *Message) wordDecoder() *mime.WordDecoder {
	return &mime.WordDecoder{CharsetReader: func(charset string, input io.Reader) (io.Reader, error) {
		b, err := io.ReadAll(input)
		if err != nil {
			return nil, err
		}
		s, _ := m.hints.decodeText(b, charset)
		return strings.NewReader(s), nil
	}}
}

// headerText decodes an unstructured header (RFC 2047 words, or raw 8-bit).
func headerText(m *Message, h textproto.MIMEHeader, name string) string {
	return decodeWords(m, name, h.Get(name))
}

func decodeWords(m *Message, name, v string) string {
	v, fixed := m.hints.decodeHeaderBytes(v)
	if fixed {
		m.warnf("%s header is raw 8-bit text, not UTF-8", name)
	}
	if strings.Contains(v, "=?") {
		if padded, changed := padBase64Words(v); changed {
			// Go's decoder leaves such words undecoded.
			m.warnf("%s header has a base64 encoded word without padding", name)
			v = padded
		}
		if d, err := m.wordDecoder().DecodeHeader(v); err == nil {
			v = d
		} else {
			m.warnf("%s header has an undecodable encoded word", name)
		}
	}
	v = strings.ToValidUTF8(v, "\uFFFD")
	return nfc(strings.Join(strings.Fields(v), " "))
}

var bWordRe = regexp.MustCompile(`=\?([^?\s]+)\?([bB])\?([A-Za-z0-9+/]*)(=*)\?=`)

// padBase64Words repairs B encoded words whose padding is missing or
// excessive, which Go's decoder rejects and some mailers produce. Words that
// are correct are left as written, whatever the case of their "b".
func padBase64Words(v string) (string, bool) {
	changed := false
	out := bWordRe.ReplaceAllStringFunc(v, func(w string) string {
		sm := bWordRe.FindStringSubmatch(w)
		payload, pad := sm[3], sm[4]
		if len(payload)%4 == 1 {
			payload = payload[:len(payload)-1] // a lone sextet carries no byte
		}
		want := (4 - len(payload)%4) % 4
		if len(pad) == want && payload == sm[3] {
			return w
		}
		changed = true
		return "=?" + sm[1] + "?" + sm[2] + "?" + payload + strings.Repeat("=", want) + "?="
	})
	return out, changed
}

// Sender headers in the order they name the person who wrote.
var senderHeaders = []string{"From", "Reply-To", "Sender", "Return-Path"}

func readHeaders(m *Message, h textproto.MIMEHeader) {
	m.Subject = headerText(m, h, "Subject")
	fromName := ""
	for _, name := range senderHeaders {
		list, broken := addresses(m, h, name)
		if name == "From" {
			if broken {
				m.FromUnparsed = truncate(strings.ToValidUTF8(strings.Join(h.Values("From"), ", "), "\uFFFD"), 200)
			}
			if len(list) > 0 && list[0].Email == "" {
				fromName = list[0].Name
			}
		}
		if len(list) > 0 && list[0].Email != "" {
			m.From, m.FromHeader = list[0], name
			if m.From.Name == "" && name != "From" {
				m.From.Name = fromName
			}
			if name != "From" {
				m.warnf("no usable From address; sender taken from %s", name)
			}
			break
		}
	}
	if m.From.Email == "" {
		m.From.Name = fromName
		m.warnf("no sender address")
	}
	m.ReplyTo, _ = addresses(m, h, "Reply-To")
	m.To, _ = addresses(m, h, "To")
	m.Cc, _ = addresses(m, h, "Cc")

	if ids := messageIDs(h.Get("Message-Id")); len(ids) > 0 {
		m.MessageID = ids[0]
	}
	if ids := messageIDs(h.Get("In-Reply-To")); len(ids) > 0 {
		m.InReplyTo = ids[0]
	}
	m.References = messageIDs(strings.Join(h.Values("References"), " "))

	if d := h.Get("Date"); d != "" {
		t, err := mail.ParseDate(d)
		if err != nil {
			m.warnf("unreadable Date %q", truncate(d, 60))
		} else {
			m.Date = t
		}
	}
}

// addresses parses an address header. When it does not follow RFC 5322,
// only addresses written whole are taken: each "<addr>" that is itself a
// valid address, or a field that is nothing but one. An address is never
// pieced together from fragments, which would invent a plausible wrong
// sender. broken reports a header that did not parse. An entry may have a
// Name and no Email ("Name" <>).
func addresses(m *Message, h textproto.MIMEHeader, name string) (out []Address, broken bool) {
	raw := strings.Join(h.Values(name), ", ")
	if strings.TrimSpace(raw) == "" {
		return nil, false
	}
	raw, fixed := m.hints.decodeHeaderBytes(raw)
	if fixed {
		m.warnf("%s header is raw 8-bit text, not UTF-8", name)
	}
	parser := mail.AddressParser{WordDecoder: m.wordDecoder()}
	if padded, changed := padBase64Words(raw); changed {
		raw = padded
	}
	list, err := parser.ParseList(raw)
	if err == nil {
		for _, a := range list {
			out = append(out, Address{Name: m.displayName(name, a.Name), Email: strings.ToLower(strings.TrimSpace(a.Address))})
		}
		return out, false
	}
	if strings.TrimSpace(raw) == "<>" {
		return nil, false // the null reverse path of a bounce
	}
	pending := "" // "Nguyen, Hai <…>": a comma inside an unquoted name
	for _, field := range splitAddressList(raw) {
		a := wholeAddress(field)
		if a.Email == "" && !strings.Contains(field, "<") {
			pending += strings.TrimSpace(field) + ", "
			continue
		}
		if a.Email != "" && pending != "" {
			a.Name = pending + a.Name
		}
		pending = ""
		if a.Email == "" && a.Name == "" {
			continue
		}
		a.Name = m.displayName(name, a.Name)
		out = append(out, a)
	}
	m.warnf("%s header is malformed: %v", name, err)
	return out, true
}

func (m *Message) displayName(header, n string) string {
	if strings.Contains(n, "=?") {
		// An encoded word inside quotes is not decoded by net/mail
		// (RFC 2047 5), but many clients write names that way.
		n = decodeWords(m, header, n)
	}
	return cleanName(n)
}

// splitAddressList splits at commas outside quotes and angle brackets.
func splitAddressList(s string) []string {
	var out []string
	quoted, angle, start := false, 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case '<':
			if !quoted {
				angle++
			}
		case '>':
			if !quoted && angle > 0 {
				angle--
			}
		case ',', ';':
			if !quoted && angle == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// wholeAddress reads one malformed mailbox: the address in its last angle
// brackets when that is a valid address, else the field when it is a bare
// valid address. The display name is what precedes the brackets.
func wholeAddress(field string) Address {
	field = strings.TrimSpace(field)
	if i := strings.LastIndexByte(field, '<'); i >= 0 {
		inner, _, closed := strings.Cut(field[i+1:], ">")
		a := Address{Name: strings.TrimSpace(field[:i])}
		if closed || !strings.ContainsAny(inner, " \t") {
			if p, err := mail.ParseAddress("<" + strings.TrimSpace(inner) + ">"); err == nil {
				a.Email = strings.ToLower(p.Address)
			}
		}
		return a
	}
	if p, err := mail.ParseAddress(field); err == nil && !strings.ContainsAny(field, " \t") {
		return Address{Email: strings.ToLower(p.Address)}
	}
	return Address{}
}

func cleanName(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return nfc(strings.Join(strings.Fields(strings.Trim(s, `"' `)), " "))
}

// messageIDs extracts Message-IDs from Message-ID, In-Reply-To or References,
// dropping angle brackets and duplicates. Ids without brackets are accepted
// when they contain "@", as some clients write them that way.
func messageIDs(v string) []string {
	var ids []string
	seen := map[string]bool{}
	add := func(id string) {
		id = strings.ToValidUTF8(strings.TrimSpace(id), "\uFFFD")
		if id != "" && !seen[id] && len(id) <= 998 {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	rest := v
	found := false
	for {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '>')
		if j < 0 {
			break
		}
		add(rest[i+1 : i+j])
		found = true
		rest = rest[i+j+1:]
	}
	if !found {
		for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' }) {
			if strings.Contains(f, "@") {
				add(f)
			}
		}
	}
	return ids
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
