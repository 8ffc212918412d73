package mime

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func TestParseParams(t *testing.T) {
	tests := []struct {
		name, in, param, want, charset string
	}{
		{"outlook folded", `attachment; filename="Q4.pdf"; size=48213; creation-date="Fri, 22 Nov 2024 01:58:10 GMT"`, "filename", "Q4.pdf", ""},
		{"fold lost its semicolon", `attachment; filename="a b.jpg" size=20480; creation-date="Fri, 22 Nov 2024"`, "filename", "a b.jpg", ""},
		{"unclosed quote", `attachment; filename="Hop dong.pdf; size=30511; creation-date="Fri, 22 Nov 2024 01:58:10 GMT"`, "filename", "Hop dong.pdf", ""},
		{"unclosed quote keeps later params", `attachment; filename="Hop dong.pdf; size=30511; creation-date="Fri, 22 Nov 2024 01:58:10 GMT"`, "size", "30511", ""},
		{"unquoted with spaces", `attachment; filename=Phieu bao hanh.pdf; size=1234`, "filename", "Phieu bao hanh.pdf", ""},
		{"unquoted then param without semicolon", `attachment; filename=a.pdf size=1`, "filename", "a.pdf", ""},
		{"junk after closing quote", `application/pdf; name="x.pdf" Content-Transfer-`, "name", "x.pdf", ""},
		{"rfc 2231 continuations", `attachment; filename*0*=UTF-8''B%C3%A1o%20; filename*1="c%C3%A1o.pdf"`, "filename", "Báo c%C3%A1o.pdf", "UTF-8"},
		{"rfc 2231 latin-1", `attachment; filename*=iso-8859-1'fr'r%E9gl%E9e.pdf`, "filename", "r\xe9gl\xe9e.pdf", "iso-8859-1"},
		{"rfc 2231 wins over plain", `attachment; filename="old.pdf"; filename*=utf-8''new.pdf`, "filename", "new.pdf", "utf-8"},
		{"windows path with bare backslashes", `attachment; filename="C:\Users\x\a.pdf"`, "filename", `C:\Users\x\a.pdf`, ""},
		{"quoted pair", `attachment; filename="say \"hi\".txt"`, "filename", `say "hi".txt`, ""},
		{"boundary", "multipart/mixed;\r\n\tboundary=\"----=_NextPart_000_0001\"", "boundary", "----=_NextPart_000_0001", ""},
		{"raw 8-bit kept", "attachment; filename=\"\xb7\xa2\xc6\xb1.pdf\"", "filename", "\xb7\xa2\xc6\xb1.pdf", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mp := parseParams(tt.in)
			if got := mp.params[tt.param]; got != tt.want {
				t.Errorf("%s = %q, want %q (all: %q)", tt.param, got, tt.want, mp.params)
			}
			if got := mp.charsets[tt.param]; got != tt.charset {
				t.Errorf("charset = %q, want %q", got, tt.charset)
			}
		})
	}
}

func TestPadBase64Words(t *testing.T) {
	tests := []struct {
		in, want string
		changed  bool
	}{
		{"=?utf-8?b?SOG7j2kgduG7gSBi4bqjbyBow6BuaCBtw6F5?=", "=?utf-8?b?SOG7j2kgduG7gSBi4bqjbyBow6BuaCBtw6F5?=", false},
		{"=?UTF-8?B?IGdp4bq3dA==?=", "=?UTF-8?B?IGdp4bq3dA==?=", false},
		{"=?UTF-8?B?IGdp4bq3dA?=", "=?UTF-8?B?IGdp4bq3dA==?=", true},
		{"=?UTF-8?B?SOG7p3kgxJHGoW4gaMOgbmc==?=", "=?UTF-8?B?SOG7p3kgxJHGoW4gaMOgbmc=?=", true},
		{"=?UTF-8?B?QUJD====?=", "=?UTF-8?B?QUJD?=", true},
		{"plain text", "plain text", false},
	}
	for _, tt := range tests {
		got, changed := padBase64Words(tt.in)
		if got != tt.want || changed != tt.changed {
			t.Errorf("padBase64Words(%q) = %q, %v; want %q, %v", tt.in, got, changed, tt.want, tt.changed)
		}
	}
}

func TestScanTreeCaps(t *testing.T) {
	nested := func(depth int) []byte {
		var b bytes.Buffer
		b.WriteString("From: a@example.com\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n")
		for i := 1; i < depth; i++ {
			fmt.Fprintf(&b, "--b%d\r\nContent-Type: multipart/mixed;\r\n boundary=\"b%d\"\r\n\r\n", i-1, i)
		}
		fmt.Fprintf(&b, "--b%d\r\nContent-Type: text/plain\r\n\r\nleaf\r\n", depth-1)
		for i := depth - 1; i >= 0; i-- {
			fmt.Fprintf(&b, "--b%d--\r\n", i)
		}
		return b.Bytes()
	}
	if _, _, why := scanTree(nested(maxDepth)); why != "" {
		t.Errorf("a tree %d deep was cut: %s", maxDepth, why)
	}
	raw := nested(maxDepth + 1)
	cut, closers, why := scanTree(raw)
	if !strings.Contains(why, "deeper than 32") {
		t.Fatalf("a tree %d deep was not cut", maxDepth+1)
	}
	if got := strings.Count(string(closers), "--\r\n"); got != maxDepth {
		t.Errorf("%d closing delimiters, want %d", got, maxDepth)
	}
	if cut >= len(raw) {
		t.Errorf("cut at %d of %d", cut, len(raw))
	}

	var b bytes.Buffer
	b.WriteString("Content-Type: multipart/mixed; boundary=m\r\n\r\n")
	for i := 0; i < maxParts+10; i++ {
		b.WriteString("--m\r\nContent-Type: text/plain\r\n\r\nx\r\n")
	}
	b.WriteString("--m--\r\n")
	if _, _, why := scanTree(b.Bytes()); !strings.Contains(why, "more than 500") {
		t.Errorf("%d parts not cut: %q", maxParts+10, why)
	}
}

func TestSkipJunk(t *testing.T) {
	m := &Message{}
	got := skipJunk(m, []byte("From a@b  Mon Jan  1 00:00:00 2024\r\n\r\nFrom: a@b.example\r\n\r\nbody"))
	if !bytes.HasPrefix(got, []byte("From: a@b.example")) || len(m.Warnings) != 1 {
		t.Errorf("skipJunk = %q, warnings %q", got, m.Warnings)
	}
	body := []byte("just some text\r\nwith no header at all\r\n")
	if got := skipJunk(&Message{}, body); !bytes.Equal(got, body) {
		t.Errorf("a message without headers was changed: %q", got)
	}
}

func TestUUDecode(t *testing.T) {
	// "Cat" uuencoded, as uuencode(1) writes it.
	files := uudecode([]byte("text\nbegin 644 cat.txt\n#0V%T\n`\nend\nmore"))
	if len(files) != 1 || files[0].name != "cat.txt" || string(files[0].content) != "Cat" {
		t.Fatalf("uudecode = %+v", files)
	}
	if got := uudecode([]byte("begin 644 x\nnot uu at all ~~~\nend\n")); len(got) != 0 {
		t.Errorf("a broken block decoded: %+v", got)
	}
	if got := uudecode([]byte("begin 644 x\n#0V%T\n")); len(got) != 0 {
		t.Errorf("a block without end decoded: %+v", got)
	}
}

func TestDecodeUnlabeledRepairsOneByte(t *testing.T) {
	s, name := (&charsetHints{}).decodeUnlabeled([]byte("Nhờ shop đổi địa chỉ \x96 số 12 Lê Lợi"))
	if s != "Nhờ shop đổi địa chỉ – số 12 Lê Lợi" || name != "utf-8 (repaired)" {
		t.Errorf("got %q as %s", s, name)
	}
}

func TestAddressesNeverInvent(t *testing.T) {
	tests := []struct {
		header, wantName, wantEmail string
	}{
		{"Nguyen, Hai T. <hai.nguyen@example.vn>", "Nguyen, Hai T.", "hai.nguyen@example.vn"},
		{"Lan <lan@example.com", "Lan", "lan@example.com"},
		{"Giang Ho <giang ho@example.vn>", "Giang Ho", ""},
		{"support@shop.example.vn on behalf of Khach <khach at example dot vn>", "support@shop.example.vn on behalf of Khach", ""},
		{`"Chi Tran" <>`, "Chi Tran", ""},
		{"lan nguyen@example.com", "", ""},
	}
	for _, tt := range tests {
		m := &Message{hints: &charsetHints{}}
		list, broken := addresses(m, map[string][]string{"From": {tt.header}}, "From")
		var got Address
		if len(list) > 0 {
			got = list[0]
		}
		if got.Name != tt.wantName || got.Email != tt.wantEmail || !broken {
			t.Errorf("%q: got %+v (broken %v), want %q <%s>", tt.header, got, broken, tt.wantName, tt.wantEmail)
		}
	}
}

// TestDeepTreesEnmimeSeesAreCut: enmime nests any non-text part that has a
// boundary, and finds delimiters anywhere in a line; the scanner must see
// the same depth or it would let a quadratic tree through.
func TestDeepTreesEnmimeSeesAreCut(t *testing.T) {
	for name, format := range map[string]string{
		"application type":    "--b%d\r\nContent-Type: application/x-whatever; boundary=\"b%d\"\r\n\r\n",
		"delimiter mid-line":  "junk --b%d \r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n",
		"folded content-type": "--b%d\r\nContent-Type: multipart/mixed;\r\n\tboundary=b%d\r\n\r\n",
	} {
		var b bytes.Buffer
		b.WriteString("From: a@example.com\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n")
		for i := 1; i <= 2000; i++ {
			fmt.Fprintf(&b, format, i-1, i)
		}
		if _, _, why := scanTree(b.Bytes()); !strings.Contains(why, "deeper than") {
			t.Errorf("%s: 2,000 levels not cut", name)
		}
	}
}

// TestDeepContentIsBounded: below 8 levels a message may hold only 128 KB,
// since enmime's time grows with depth times bytes.
func TestDeepContentIsBounded(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("From: a@example.com\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n")
	for i := 1; i <= 20; i++ {
		fmt.Fprintf(&b, "--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n", i-1, i)
	}
	b.WriteString("--b20\r\nContent-Type: text/plain\r\n\r\n")
	for b.Len() < 600<<10 {
		b.WriteString("filler text that is nested far too deep for any real mailer\r\n")
	}
	if _, _, why := scanTree(b.Bytes()); !strings.Contains(why, "nested deeper than 8") {
		t.Errorf("600 KB at depth 20 not cut: %q", why)
	}
	var shallow bytes.Buffer
	shallow.WriteString("Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\nContent-Type: text/plain\r\n\r\n")
	for shallow.Len() < 600<<10 {
		shallow.WriteString("an ordinary long message body line of text\r\n")
	}
	shallow.WriteString("--m--\r\n")
	if _, _, why := scanTree(shallow.Bytes()); why != "" {
		t.Errorf("a shallow 600 KB message was cut: %s", why)
	}
}
