// Command genfixtures writes the .eml fixtures whose bytes are not UTF-8
// (windows-1258, ISO-8859-1), which cannot be typed by hand:
//
//	go run ./shared/mime/internal/genfixtures -dir events/email
//
// The files are committed; main_test.go checks they match this program.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"mime"
	"mime/quotedprintable"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

func main() {
	dir := flag.String("dir", "events/email", "fixture directory")
	flag.Parse()
	for name, content := range fixtures() {
		if err := os.WriteFile(filepath.Join(*dir, name), content, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

func fixtures() map[string][]byte {
	return map[string][]byte{
		"03-windows-1258.eml":       windows1258QP(),
		"04-iso-8859-1-8bit.eml":    latin1EightBit(),
		"11-undeclared-8bit-vi.eml": undeclared8bit(),
	}
}

// encode1258 encodes Vietnamese text the way Windows does for code page
// 1258: precomposed letters where the code page has them (â, ơ, đ, é …),
// otherwise the base letter followed by a combining tone mark. ệ is ê +
// U+0323, ễ is ê + U+0303.
func encode1258(s string) []byte {
	var out []byte
	runes := []rune(norm.NFD.String(s))
	for i := 0; i < len(runes); {
		base := runes[i]
		i++
		var pending []rune
		for i < len(runes) && isMark(runes[i]) {
			mark := runes[i]
			i++
			composed := []rune(norm.NFC.String(string([]rune{base, mark})))
			if len(composed) == 1 {
				if _, ok := charmap.Windows1258.EncodeRune(composed[0]); ok {
					base = composed[0]
					continue
				}
			}
			pending = append(pending, mark)
		}
		for _, r := range append([]rune{base}, pending...) {
			b, ok := charmap.Windows1258.EncodeRune(r)
			if !ok {
				panic(fmt.Sprintf("windows-1258 cannot encode %q", r))
			}
			out = append(out, b)
		}
	}
	return out
}

func isMark(r rune) bool { return r >= 0x300 && r <= 0x36f }

func encodeLatin1(s string) []byte {
	b, err := charmap.ISO8859_1.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(err)
	}
	return b
}

func qp(b []byte) string {
	var buf bytes.Buffer
	w := quotedprintable.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		panic(err)
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	return buf.String()
}

// crlf turns the LF-typed templates below into wire format.
func crlf(s string) []byte {
	return []byte(strings.ReplaceAll(s, "\n", "\r\n"))
}

func windows1258QP() []byte {
	subject := mime.QEncoding.Encode("windows-1258", string(encode1258("Hỏi về bảo hành máy lọc nước")))
	name := mime.QEncoding.Encode("windows-1258", string(encode1258("Nguyễn Thị Lan")))
	body := "Chào anh/chị,\n\n" +
		"Máy lọc nước em mua tháng trước bị rò rỉ nước ở dưới đáy.\n" +
		"Em muốn được bảo hành, nhờ anh/chị hướng dẫn thủ tục giúp em ạ.\n\n" +
		"Cảm ơn anh/chị.\n" +
		"-- \n" +
		"Nguyễn Thị Lan\n" +
		"Quận 3, TP. Hồ Chí Minh\n"
	head := "Return-Path: <lan.nguyen@example.com>\n" +
		"Message-ID: <20241105083012.4F2A@mail.example.com>\n" +
		"Date: Tue, 05 Nov 2024 08:30:12 +0700\n" +
		"From: " + name + " <lan.nguyen@example.com>\n" +
		"To: Concierge Support <support@concierge.example.com>\n" +
		"Subject: " + subject + "\n" +
		"MIME-Version: 1.0\n" +
		"Content-Type: text/plain; charset=\"windows-1258\"\n" +
		"Content-Transfer-Encoding: quoted-printable\n" +
		"X-Mailer: Microsoft Outlook 14.0\n\n"
	// quotedprintable.Writer already emits CRLF line ends.
	return append(crlf(head), []byte(qp(encode1258(body)))...)
}

func latin1EightBit() []byte {
	head := crlf("Message-ID: <f3c1d2e8-77aa-4b1e-9d1c-2a1b3c4d5e6f@example.fr>\n" +
		"Date: Wed, 06 Nov 2024 17:45:00 +0100\n" +
		"From: " + mime.QEncoding.Encode("ISO-8859-1", string(encodeLatin1("Hélène Dubois"))) + " <Helene.Dubois@Example.fr>\n" +
		"To: support@concierge.example.com\n" +
		"Subject: " + mime.QEncoding.Encode("ISO-8859-1", string(encodeLatin1("Problème de livraison, commande n°1187"))) + "\n" +
		"MIME-Version: 1.0\n" +
		"Content-Type: text/plain; charset=ISO-8859-1; format=flowed\n" +
		"Content-Transfer-Encoding: 8bit\n\n")
	body := "Bonjour,\n\n" +
		"J'ai reçu ma commande hier mais la théière est arrivée cassée. \n" +
		"Pourriez-vous m'envoyer un remplacement ? Où dois-je renvoyer \n" +
		"l'article abîmé ?\n\n" +
		"Merci d'avance,\n" +
		"Hélène\n\n" +
		"Envoyé de mon iPhone\n"
	return append(head, crlf(string(encodeLatin1(body)))...)
}

func undeclared8bit() []byte {
	head := crlf("Message-ID: <old-webmail-5521@mail.example.vn>\n" +
		"Date: Thu, 07 Nov 2024 10:02:44 +0700\n" +
		"From: lan.nguyen@example.com\n" +
		"To: support@concierge.example.com\n" +
		"Subject: " + string(encode1258("Đơn hàng bị giao thiếu")) + "\n" +
		"MIME-Version: 1.0\n" +
		"Content-Type: text/plain\n" +
		"Content-Transfer-Encoding: 8bit\n\n")
	body := "Chào shop,\n\n" +
		"Em đặt 3 hộp trà xanh nhưng chỉ nhận được 2 hộp.\n" +
		"Mong shop kiểm tra và gửi bù giúp em.\n"
	b := encode1258(body)
	if utf8.Valid(b) {
		panic("fixture must not be valid UTF-8")
	}
	return append(head, crlf(string(b))...)
}
