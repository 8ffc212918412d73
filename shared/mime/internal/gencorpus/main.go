// Command gencorpus writes the mail parser's test corpus: messages in the
// byte-level shapes real mailers produce (Outlook, Gmail, Apple Mail,
// Thunderbird, mobile clients, Vietnamese, Chinese, Japanese and Korean
// mailers, list footers, forwarded chains), one per failure class seen on
// real helpdesk mail, and a manifest of what each must parse to:
//
//	go run ./shared/mime/internal/gencorpus -dir shared/mime/testdata/corpus
//
// The messages are written here rather than typed because many are not
// UTF-8. The files are committed; main_test.go checks they match.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"mime"
	"mime/quotedprintable"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/unicode/norm"
)

// Expect is one manifest entry: what Parse must return for the message.
type Expect struct {
	File            string   `json:"file"`
	Class           string   `json:"class"`
	From            string   `json:"from"`                      // sender address, "" when none may be given
	Subject         string   `json:"subject"`                   // decoded subject
	BodyStart       string   `json:"bodyStart"`                 // Message.Text starts with this
	BodyNot         string   `json:"bodyNot,omitempty"`         // and does not contain this (quoted history, encoded data)
	Attachments     []string `json:"attachments"`               // names of all stored parts, in order
	AttachmentCount int      `json:"attachmentCount,omitempty"` // instead of names, for huge messages
	Warning         string   `json:"warning,omitempty"`         // some warning contains this
	NoWarnings      bool     `json:"noWarnings,omitempty"`
}

type message struct {
	raw  []byte
	want Expect
}

func main() {
	dir := flag.String("dir", "shared/mime/testdata/corpus", "corpus directory")
	flag.Parse()
	files, manifest := build()
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		log.Fatal(err)
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(*dir, name), b, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(*dir, "manifest.json"), manifest, 0o644); err != nil {
		log.Fatal(err)
	}
}

// build returns the .eml files by name and the manifest.
func build() (map[string][]byte, []byte) {
	files := map[string][]byte{}
	var list []Expect
	for _, m := range corpus() {
		if _, dup := files[m.want.File]; dup {
			panic("duplicate corpus file " + m.want.File)
		}
		files[m.want.File] = m.raw
		if m.want.Attachments == nil {
			m.want.Attachments = []string{}
		}
		list = append(list, m.want)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].File < list[j].File })
	manifest, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		panic(err)
	}
	return files, append(manifest, '\n')
}

// --- encoding helpers -------------------------------------------------

func enc(e encoding.Encoding, s string) string {
	b, err := e.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(fmt.Sprintf("encode %q: %v", s, err))
	}
	return string(b)
}

// encode1258 writes Vietnamese as Windows code page 1258 does: precomposed
// letters where the code page has them, else base letter and tone mark.
func encode1258(s string) string {
	var out []byte
	runes := []rune(norm.NFD.String(s))
	for i := 0; i < len(runes); {
		base := runes[i]
		i++
		var pending []rune
		for i < len(runes) && runes[i] >= 0x300 && runes[i] <= 0x36f {
			composed := []rune(norm.NFC.String(string([]rune{base, runes[i]})))
			if len(composed) == 1 {
				if _, ok := charmap.Windows1258.EncodeRune(composed[0]); ok {
					base = composed[0]
					i++
					continue
				}
			}
			pending = append(pending, runes[i])
			i++
		}
		for _, r := range append([]rune{base}, pending...) {
			b, ok := charmap.Windows1258.EncodeRune(r)
			if !ok {
				panic(fmt.Sprintf("windows-1258 cannot encode %q", r))
			}
			out = append(out, b)
		}
	}
	return string(out)
}

func b64(s string) string {
	e := base64.StdEncoding.EncodeToString([]byte(s))
	var b strings.Builder
	for len(e) > 76 {
		b.WriteString(e[:76] + "\n")
		e = e[76:]
	}
	b.WriteString(e + "\n")
	return b.String()
}

func qp(s string) string {
	var buf bytes.Buffer
	w := quotedprintable.NewWriter(&buf)
	if _, err := w.Write([]byte(s)); err != nil {
		panic(err)
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	return strings.ReplaceAll(buf.String(), "\r\n", "\n") + "\n"
}

func bword(charset, s string) string { return mime.BEncoding.Encode(charset, s) }
func qword(charset, s string) string { return mime.QEncoding.Encode(charset, s) }

// crlf turns the LF-typed templates into wire format.
func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

// head writes the common top of a message.
func head(mailer, from, to, subject, date, id string, extra ...string) string {
	var b strings.Builder
	b.WriteString("Return-Path: <" + addrOf(from) + ">\n")
	b.WriteString("Received: from mail.example.net (mail.example.net [203.0.113.7])\n\tby inbound-smtp.ap-southeast-1.amazonaws.com with SMTP id " + strings.ReplaceAll(id, "@", "x")[:12] + "\n\tfor support@shop.example.vn; " + date + "\n")
	b.WriteString("MIME-Version: 1.0\n")
	if mailer != "" {
		b.WriteString(mailer + "\n")
	}
	b.WriteString("From: " + from + "\nTo: " + to + "\nSubject: " + subject + "\nDate: " + date + "\nMessage-ID: <" + id + ">\n")
	for _, e := range extra {
		b.WriteString(e + "\n")
	}
	return b.String()
}

func addrOf(from string) string {
	if i := strings.LastIndexByte(from, '<'); i >= 0 {
		if j := strings.IndexByte(from[i:], '>'); j > 0 {
			return from[i+1 : i+j]
		}
	}
	return strings.TrimSpace(from)
}

const support = "Shop Support <support@shop.example.vn>"

func plain(charset, cte, body string) string {
	return "Content-Type: text/plain; charset=" + charset + "\nContent-Transfer-Encoding: " + cte + "\n\n" + encodeBody(cte, body)
}

func html(charset, cte, body string) string {
	return "Content-Type: text/html; charset=" + charset + "\nContent-Transfer-Encoding: " + cte + "\n\n" + encodeBody(cte, body)
}

func encodeBody(cte, body string) string {
	switch cte {
	case "base64":
		return b64(body)
	case "quoted-printable":
		return qp(body)
	}
	return body + "\n"
}

// multipart joins parts with a boundary; each part is its headers, a blank
// line and its body.
func multipart(boundary string, parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString("--" + boundary + "\n" + p)
		if !strings.HasSuffix(p, "\n") {
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	b.WriteString("--" + boundary + "--\n")
	return b.String()
}

func ctMultipart(kind, boundary string) string {
	return "Content-Type: multipart/" + kind + ";\n\tboundary=\"" + boundary + "\"\n"
}

// attachment is a base64 file part with the given header lines.
func attachment(ctype string, headers string, content string) string {
	return "Content-Type: " + ctype + "\n" + headers + "Content-Transfer-Encoding: base64\n\n" + b64(content)
}

// pdf is a small deterministic PDF-looking payload.
func pdf(title string) string {
	return "%PDF-1.4\n1 0 obj << /Title (" + title + ") >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
}

// png is a deterministic PNG-looking payload.
func png(seed string) string {
	return "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00" + seed
}

func jpeg(seed string) string { return "\xff\xd8\xff\xe0\x00\x10JFIF\x00" + seed + "\xff\xd9" }

func add(list *[]message, want Expect, raw string) {
	*list = append(*list, message{raw: crlf(raw), want: want})
}

// addRaw keeps bytes exactly (for shapes with bare LF or unusual line ends).
func addRaw(list *[]message, want Expect, raw []byte) {
	*list = append(*list, message{raw: raw, want: want})
}

var (
	gbk  = simplifiedchinese.GBK
	big5 = traditionalchinese.Big5
	sjis = japanese.ShiftJIS
	jis  = japanese.ISO2022JP
	euck = korean.EUCKR
	w251 = charmap.Windows1251
	koi8 = charmap.KOI8R
	l1   = charmap.ISO8859_1

	simplifiedGB18030 = simplifiedchinese.GB18030
)
