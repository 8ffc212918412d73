package mime_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/mime"
	"github.com/concierge-cx/concierge/shared/mime/mimetest"
)

const fixtureDir = "../../events/email"

func parseFixture(t *testing.T, name string, sink mime.AttachmentSink) *mime.Message {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatal(err)
	}
	m, err := mime.Parse(context.Background(), bytes.NewReader(raw), sink)
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return m
}

type wantFile struct {
	name, contentType string
	size              int64
	sha256            string
}

func TestParseFixtures(t *testing.T) {
	lan := mime.Address{Name: "Nguyễn Thị Lan", Email: "lan.nguyen@example.com"}
	tests := []struct {
		file          string
		subject       string
		from          mime.Address
		to            []mime.Address
		messageID     string
		inReplyTo     string
		references    []string
		date          string
		text          string
		htmlOnly      bool
		auto          string
		attachments   []wantFile
		inline        []wantFile
		warningsWith  []string // each must appear in some warning
		expectNoWarns bool
	}{
		{
			file:      "01-alternative-encoded-subject.eml",
			subject:   "Đơn hàng #1042 chưa được giao",
			from:      lan,
			to:        []mime.Address{{Name: "Concierge Support", Email: "support@concierge.example.com"}},
			messageID: "CAF3kZ1x+Qm9=Yp2bWc7vNnE4tR8sUu0aB5dG6hJ@mail.example.com",
			date:      "2024-11-04T09:15:02+07:00",
			text: "Chào anh/chị,\n\n" +
				"Em đặt đơn hàng #1042 từ ngày 28/10 nhưng đến nay vẫn chưa nhận được.\n" +
				"Trạng thái trên web vẫn là \"Đang xử lý\". Anh/chị kiểm tra giúp em nhé.\n\n" +
				"Cảm ơn anh/chị,\nLan",
			expectNoWarns: true,
		},
		{
			file:      "02-reply-vietnamese-quote.eml",
			subject:   "Re: [#C7K2M9] Đổi size áo",
			from:      lan,
			to:        []mime.Address{{Name: "Hỗ trợ Concierge", Email: "reply+c7k2m9@concierge.example.com"}},
			messageID: "CAF3kZ1yM8wLq4N0tA7e=Hs2Uv9XbC1dE3fG5hI7@mail.example.com",
			inReplyTo: "01000193a7f0e1d2-9c8b7a6f-aaaa-bbbb-cccc-ddddeeeeffff-000000@ap-southeast-1.amazonses.com",
			references: []string{
				"01000193a1b2c3d4-5e6f7a8b-1111-2222-3333-444455556666-000000@ap-southeast-1.amazonses.com",
				"CAF3kZ1xRe2pQ@mail.example.com",
				"01000193a7f0e1d2-9c8b7a6f-aaaa-bbbb-cccc-ddddeeeeffff-000000@ap-southeast-1.amazonses.com",
			},
			date:          "2024-11-12T10:41:27+07:00",
			text:          "Dạ em cảm ơn anh/chị. Em muốn đổi sang size M ạ.\nĐịa chỉ nhận hàng vẫn như cũ.",
			expectNoWarns: true,
		},
		{
			file:      "03-windows-1258.eml",
			subject:   "Hỏi về bảo hành máy lọc nước",
			from:      lan,
			to:        []mime.Address{{Name: "Concierge Support", Email: "support@concierge.example.com"}},
			messageID: "20241105083012.4F2A@mail.example.com",
			date:      "2024-11-05T08:30:12+07:00",
			text: "Chào anh/chị,\n\n" +
				"Máy lọc nước em mua tháng trước bị rò rỉ nước ở dưới đáy.\n" +
				"Em muốn được bảo hành, nhờ anh/chị hướng dẫn thủ tục giúp em ạ.\n\n" +
				"Cảm ơn anh/chị.",
			expectNoWarns: true,
		},
		{
			file:      "04-iso-8859-1-8bit.eml",
			subject:   "Problème de livraison, commande n°1187",
			from:      mime.Address{Name: "Hélène Dubois", Email: "helene.dubois@example.fr"},
			to:        []mime.Address{{Email: "support@concierge.example.com"}},
			messageID: "f3c1d2e8-77aa-4b1e-9d1c-2a1b3c4d5e6f@example.fr",
			date:      "2024-11-06T17:45:00+01:00",
			text: "Bonjour,\n\n" +
				"J'ai reçu ma commande hier mais la théière est arrivée cassée. " +
				"Pourriez-vous m'envoyer un remplacement ? Où dois-je renvoyer l'article abîmé ?\n\n" +
				"Merci d'avance,\nHélène",
			expectNoWarns: true,
		},
		{
			file:      "05-attachments.eml",
			subject:   "Hóa đơn và ảnh lỗi",
			from:      lan,
			to:        []mime.Address{{Email: "support@concierge.example.com"}},
			messageID: "A1B2C3D4-E5F6-4711-8899-AABBCCDDEEFF@example.com",
			date:      "2024-11-08T14:05:33+07:00",
			text:      "Em gửi hóa đơn tháng 11 và danh sách sản phẩm bị lỗi.\nẢnh chụp màn hình lỗi thanh toán bên dưới.",
			attachments: []wantFile{
				{"Hóa đơn tháng 11.pdf", "application/pdf", 218, "c012d7f843bf9bfbe128cb3862eaf8ca85bf2b3f5634c1c347aab42646a83e2c"},
				{"Danh sách sản phẩm.csv", "text/csv", 94, "5352ae6de60bfe78cfb39367265a79ed8d22170afdc06a802092f0273868c75f"},
			},
			inline: []wantFile{
				{"Ảnh chụp màn hình.png", "image/png", 73, "9935a6825696a2bb20b0f0c4a43ddd4dcd1960a898b60c7864915c1747a2bf8e"},
			},
			expectNoWarns: true,
		},
		{
			file:      "06-bounce.eml",
			subject:   "Undelivered Mail Returned to Sender",
			from:      mime.Address{Name: "Mail Delivery System", Email: "mailer-daemon@mx.example.net"},
			to:        []mime.Address{{Email: "support@concierge.example.com"}},
			messageID: "20241109031244.6D1E2F3A4B@mx.example.net",
			date:      "2024-11-09T10:12:44+07:00",
			text: "This is the mail system at host mx.example.net.\n\n" +
				"I'm sorry to have to inform you that your message could not\n" +
				"be delivered to one or more recipients.\n\n" +
				"<lan.nguyen@old-isp.example.vn>: host mail.old-isp.example.vn[192.0.2.10]\n" +
				"    said: 550 5.1.1 <lan.nguyen@old-isp.example.vn>: Recipient address\n" +
				"    rejected: User unknown in virtual mailbox table",
			auto: mime.AutoBounce,
			attachments: []wantFile{
				{"part-2.txt", "message/delivery-status", 437, "ea4f1e9e69cc27796b752cbc0a728e4c782c21acf77265ac10c88b232762a7bd"},
				{"part-3.txt", "text/rfc822-headers", 308, "b313ee51bf823de99e4d5c7bea80eafcc9eea0fccb4c1c15b996388f6dbb72b0"},
			},
			expectNoWarns: true,
		},
		{
			file:      "07-auto-reply.eml",
			subject:   "Trả lời tự động: Re: [#C7K2M9] Đổi size áo",
			from:      mime.Address{Name: "Trần Văn Minh", Email: "minh.tran@example.com"},
			to:        []mime.Address{{Name: "Hỗ trợ Concierge", Email: "reply+c7k2m9@concierge.example.com"}},
			messageID: "auto.20241112104502.5f1e@example.com",
			inReplyTo: "01000193a7f0e1d2-9c8b7a6f-aaaa-bbbb-cccc-ddddeeeeffff-000000@ap-southeast-1.amazonses.com",
			date:      "2024-11-12T10:45:02+07:00",
			text: "Tôi đang nghỉ phép đến hết ngày 20/11.\n" +
				"Vui lòng liên hệ chị Lan (lan.nguyen@example.com) nếu cần gấp.\n\nMinh",
			auto:          mime.AutoReplied,
			expectNoWarns: true,
		},
		{
			file:      "08-html-only.eml",
			subject:   "Re: [#C7K2M9] Đổi size áo",
			from:      lan,
			to:        []mime.Address{{Email: "reply+c7k2m9@concierge.example.com"}},
			messageID: "html-only-3b9c@mail.example.com",
			inReplyTo: "01000193c0ffee00-1234-5678-9abc-def012345678-000000@ap-southeast-1.amazonses.com",
			date:      "2024-11-13T20:03:11+07:00",
			text: "Chào anh/chị,\n\n" +
				"Em đã nhận được áo size M, cảm ơn anh/chị rất nhiều! Tuy nhiên hóa đơn ghi sai địa chỉ:\n\n" +
				"- Số nhà: 12 & 14\n" +
				"- Đường: Lê Lợi\n\n" +
				"Em đã làm theo hướng dẫn đổi trả (https://concierge.example.com/help/doi-tra).\n" +
				"Mã đơn: #1042 <ưu tiên>",
			htmlOnly:      true,
			expectNoWarns: true,
		},
		{
			file:      "09-outlook-reply.eml",
			subject:   "RE: [#K9P4Q2] Invoice INV-2024-1187 amount is wrong",
			from:      mime.Address{Name: "David Pham", Email: "david.pham@example.com"},
			to:        []mime.Address{{Name: "Concierge Support", Email: "support@concierge.example.com"}},
			messageID: "SG2PR06MB5310A1B2C3D4E5F6A7B8C9D0E1@SG2PR06MB5310.apcprd06.prod.outlook.com",
			inReplyTo: "01000193d1e2f3a4-0000-1111-2222-333344445555-000000@ap-southeast-1.amazonses.com",
			references: []string{
				"01000193d1e2f3a4-0000-1111-2222-333344445555-000000@ap-southeast-1.amazonses.com",
			},
			date: "2024-11-14T03:22:18Z",
			text: "Hi,\n\nThe invoice still shows 1,250,000 VND but we agreed on 1,050,000 VND for the annual plan. " +
				"Please send a corrected invoice before Friday.\n\nThanks,\nDavid",
			expectNoWarns: true,
		},
		{
			file:      "10-malformed.eml",
			subject:   "Không đăng nhập được",
			from:      mime.Address{Name: "Nguyen Thi Lan", Email: "lan.nguyen@example.com"},
			to:        []mime.Address{{Email: "support@concierge.example.com"}},
			messageID: "broken-1@example.com",
			date:      "2024-11-15T07:00:00+07:00",
			text:      "Em không đăng nhập được vào tài khoản.\nLàm sao để đặt lại mật khẩu?",
			attachments: []wantFile{
				{"bao-gia.pdf", "application/pdf", 27, "c4d9bf426f754b024e7d81d780ab9a927b729db9c9dca50f96a2c55403f6e7c5"},
			},
			warningsWith: []string{
				"Subject header has a base64 encoded word without padding",
				`Boundary "outer-boundary" was not closed correctly`,
				"part 1: Malformed Base64: unexpected '!' in base64 stream",
				"part 2: Malformed Base64: unexpected '#' in base64 stream",
			},
		},
		{
			file:      "11-undeclared-8bit-vi.eml",
			subject:   "Đơn hàng bị giao thiếu",
			from:      mime.Address{Email: "lan.nguyen@example.com"},
			to:        []mime.Address{{Email: "support@concierge.example.com"}},
			messageID: "old-webmail-5521@mail.example.vn",
			date:      "2024-11-07T10:02:44+07:00",
			text:      "Chào shop,\n\nEm đặt 3 hộp trà xanh nhưng chỉ nhận được 2 hộp.\nMong shop kiểm tra và gửi bù giúp em.",
			warningsWith: []string{
				"Subject header is raw 8-bit text, not UTF-8",
				`text is not valid UTF-8 (declared charset ""); decoded as windows-1258`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			sink := &mimetest.MemorySink{}
			m := parseFixture(t, tt.file, sink)
			if m.Subject != tt.subject {
				t.Errorf("Subject = %q, want %q", m.Subject, tt.subject)
			}
			if m.From != tt.from {
				t.Errorf("From = %+v, want %+v", m.From, tt.from)
			}
			if !slices.Equal(m.To, tt.to) {
				t.Errorf("To = %+v, want %+v", m.To, tt.to)
			}
			if m.MessageID != tt.messageID || m.InReplyTo != tt.inReplyTo || !slices.Equal(m.References, tt.references) {
				t.Errorf("ids = %q, %q, %q; want %q, %q, %q", m.MessageID, m.InReplyTo, m.References, tt.messageID, tt.inReplyTo, tt.references)
			}
			if got := m.Date.Format(time.RFC3339); got != tt.date {
				t.Errorf("Date = %s, want %s", got, tt.date)
			}
			if m.Text != tt.text {
				t.Errorf("Text =\n%s\nwant\n%s", m.Text, tt.text)
			}
			if m.HTMLOnly != tt.htmlOnly {
				t.Errorf("HTMLOnly = %v", m.HTMLOnly)
			}
			if m.AutoGenerated != tt.auto {
				t.Errorf("AutoGenerated = %q, want %q", m.AutoGenerated, tt.auto)
			}
			checkFiles(t, "Attachments", m.Attachments, tt.attachments, false, sink)
			checkFiles(t, "Inline", m.Inline, tt.inline, true, sink)
			if tt.expectNoWarns && len(m.Warnings) > 0 {
				t.Errorf("unexpected warnings: %q", m.Warnings)
			}
			for _, w := range tt.warningsWith {
				if !slices.ContainsFunc(m.Warnings, func(s string) bool { return strings.Contains(s, w) }) {
					t.Errorf("no warning %q in %q", w, m.Warnings)
				}
			}
		})
	}
}

func checkFiles(t *testing.T, field string, got []domain.Attachment, want []wantFile, inline bool, sink *mimetest.MemorySink) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s = %+v, want %d files", field, got, len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Name != w.name || g.ContentType != w.contentType || g.Size != w.size || g.SHA256 != w.sha256 || g.Inline != inline {
			t.Errorf("%s[%d] = %+v, want %+v inline=%v", field, i, g, w, inline)
		}
		stored, ok := sink.Files[g.URL]
		if !ok {
			t.Errorf("%s[%d]: sink has nothing at %q", field, i, g.URL)
			continue
		}
		sum := sha256.Sum256(stored)
		if int64(len(stored)) != w.size || hex.EncodeToString(sum[:]) != w.sha256 {
			t.Errorf("%s[%d]: sink stored %d bytes that do not match", field, i, len(stored))
		}
	}
}

func TestParseKeepsThreadTags(t *testing.T) {
	m := parseFixture(t, "02-reply-vietnamese-quote.eml", nil)
	if ref, ok := mime.SubjectTag(m.Subject); !ok || ref != "C7K2M9" {
		t.Errorf("SubjectTag(%q) = %q, %v", m.Subject, ref, ok)
	}
	if id, ok := mime.PlusAddressTag(m.To[0].Email, "concierge.example.com"); !ok || id != "c7k2m9" {
		t.Errorf("PlusAddressTag(%q) = %q, %v", m.To[0].Email, id, ok)
	}
	if want := []mime.Address{{Name: "Trần Văn Minh", Email: "minh.tran@example.com"}}; !slices.Equal(m.Cc, want) {
		t.Errorf("Cc = %+v", m.Cc)
	}
}

func TestParseFullTextKeepsHistory(t *testing.T) {
	m := parseFixture(t, "09-outlook-reply.eml", nil)
	for _, s := range []string{"-----Original Message-----", "We have checked invoice INV-2024-1187"} {
		if !strings.Contains(m.FullText, s) {
			t.Errorf("FullText lacks %q:\n%s", s, m.FullText)
		}
	}
}

func TestParseOnlyQuotedKeepsFullText(t *testing.T) {
	raw := "From: lan.nguyen@example.com\r\nSubject: Fwd\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"> Đơn hàng #1042 đã được giao.\r\n> Cảm ơn chị.\r\n"
	m, err := mime.Parse(context.Background(), strings.NewReader(raw), nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := "> Đơn hàng #1042 đã được giao.\n> Cảm ơn chị."; m.Text != want {
		t.Errorf("Text = %q, want %q", m.Text, want)
	}
	if !slices.Contains(m.Warnings, "body holds only quoted text; kept in full") {
		t.Errorf("warnings = %q", m.Warnings)
	}
}

func TestParseAutoGenerated(t *testing.T) {
	tests := []struct {
		name, headers, want string
		list                bool
	}{
		{"person", "From: lan.nguyen@example.com\r\n", "", false},
		{"auto-submitted no", "From: lan.nguyen@example.com\r\nAuto-Submitted: no\r\n", "", false},
		{"auto-generated", "From: noreply@shop.example\r\nAuto-Submitted: auto-generated\r\n", mime.AutoSubmitted, false},
		{"auto-replied with params", "From: a@example.com\r\nAuto-Submitted: Auto-Replied; owner-email=\"a@example.com\"\r\n", mime.AutoReplied, false},
		{"x-autoreply", "From: a@example.com\r\nX-Autoreply: yes\r\n", mime.AutoReplied, false},
		{"x-autorespond", "From: a@example.com\r\nX-Autorespond: Out of office\r\n", mime.AutoReplied, false},
		{"precedence bulk", "From: news@shop.example\r\nPrecedence: bulk\r\nList-Unsubscribe: <mailto:u@shop.example>\r\n", mime.AutoPrecedenceBulk, true},
		{"precedence list", "From: a@example.com\r\nPrecedence: list\r\nList-Id: <staff.example.com>\r\n", mime.AutoPrecedenceList, true},
		{"precedence junk", "From: a@example.com\r\nPrecedence: junk\r\n", mime.AutoPrecedenceJunk, false},
		{"exchange", "From: a@example.com\r\nX-Auto-Response-Suppress: All\r\n", mime.AutoResponseSuppress, false},
		{"x-loop", "From: helpdesk@vendor.example\r\nX-Loop: helpdesk@vendor.example\r\n", mime.AutoLoop, false},
		{"postmaster", "From: Postmaster <POSTMASTER@mail.example.vn>\r\n", mime.AutoBounce, false},
		{"read receipt", "From: a@example.com\r\nContent-Type: multipart/report; report-type=disposition-notification; boundary=b\r\n", mime.AutoReadReceipt, false},
		{"newsletter only", "From: news@shop.example\r\nList-Unsubscribe: <https://shop.example/u>\r\n", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := tt.headers + "Subject: x\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n"
			if !strings.Contains(tt.headers, "multipart") {
				raw = tt.headers + "Subject: x\r\n\r\nhello\r\n"
			}
			m, err := mime.Parse(context.Background(), strings.NewReader(raw), nil)
			if err != nil {
				t.Fatal(err)
			}
			if m.AutoGenerated != tt.want || m.ListMail != tt.list {
				t.Errorf("AutoGenerated, ListMail = %q, %v; want %q, %v", m.AutoGenerated, m.ListMail, tt.want, tt.list)
			}
		})
	}
}

func TestParseCharsetFallbacks(t *testing.T) {
	tests := []struct {
		name    string
		ctype   string
		body    []byte
		want    string
		warning string
	}{
		{"latin-1 declared utf-8", "text/plain; charset=utf-8", []byte("\xbfD\xf3nde est\xe1 mi pedido? Gracias, Pe\xf1a"),
			"¿Dónde está mi pedido? Gracias, Peña", `text is not valid UTF-8 (declared charset "utf-8"); decoded as windows-1252`},
		{"windows-1258 declared iso-8859-1", "text/plain; charset=iso-8859-1", []byte("Em \xf0a\xde nh\xe2\xf2n \xf0\xfd\xf5\xf2c ha\xccng"),
			"Em đã nhận được hàng", `text declared "iso-8859-1" reads as Vietnamese; decoded as windows-1258`},
		{"iso-8859-1 stays latin", "text/plain; charset=iso-8859-1", []byte("Caf\xe9 cr\xe8me, merci"), "Café crème, merci", ""},
		{"unknown charset utf-8 bytes", "text/plain; charset=x-mac-vietnamese-ish", []byte("Xin chào"),
			"Xin chào", `unknown charset "x-mac-vietnamese-ish"; text read as UTF-8`},
		{"utf-8 nfd becomes nfc", "text/plain; charset=utf-8", []byte("Ho\u0301a \u0111o\u031bn"), "Hóa đơn", ""},
		{"html meta charset", "text/html", []byte("<html><head><meta charset=\"windows-1258\"></head><body><p>Xin ch\xe0o, ti\xea\xecng Vi\xea\xf2t</p></body></html>"),
			"Xin chào, tiếng Việt", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := append([]byte("From: a@example.com\r\nContent-Type: "+tt.ctype+"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"), tt.body...)
			m, err := mime.Parse(context.Background(), bytes.NewReader(raw), nil)
			if err != nil {
				t.Fatal(err)
			}
			if m.Text != tt.want {
				t.Errorf("Text = %q, want %q", m.Text, tt.want)
			}
			if tt.warning == "" && len(m.Warnings) > 0 || tt.warning != "" && !slices.ContainsFunc(m.Warnings, func(s string) bool { return strings.HasSuffix(s, tt.warning) }) {
				t.Errorf("warnings = %q, want %q", m.Warnings, tt.warning)
			}
		})
	}
}

func TestParseGarbageStillReturnsMessage(t *testing.T) {
	for _, raw := range []string{"", "not an email at all", "\x00\xff\xfe", "Content-Type: multipart/mixed\r\n\r\nno boundary"} {
		m, err := mime.Parse(context.Background(), strings.NewReader(raw), nil)
		if err != nil || m == nil {
			t.Errorf("Parse(%q) = %v, %v; want a message with warnings", raw, m, err)
			continue
		}
		if len(m.Warnings) == 0 {
			t.Errorf("Parse(%q): no warnings", raw)
		}
	}
}

type failingSink struct{ err error }

func (s failingSink) Store(ctx context.Context, part mime.PartInfo, r io.Reader) (domain.Attachment, error) {
	return domain.Attachment{}, s.err
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("connection reset by peer") }

func TestParseErrorsAreRetryable(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(fixtureDir, "05-attachments.eml"))
	if err != nil {
		t.Fatal(err)
	}
	cause := errors.New("s3: SlowDown")
	_, err = mime.Parse(context.Background(), bytes.NewReader(raw), failingSink{cause})
	if domain.ErrorCode(err) != domain.CodeUnavailable || !errors.Is(err, cause) {
		t.Errorf("sink failure: err = %v, want unavailable wrapping the cause", err)
	}
	forbidden := domain.Errorf(domain.CodeTooLarge, "attachment over 25 MB")
	if _, err = mime.Parse(context.Background(), bytes.NewReader(raw), failingSink{forbidden}); domain.ErrorCode(err) != domain.CodeTooLarge {
		t.Errorf("typed sink failure: code = %s, want %s kept", domain.ErrorCode(err), domain.CodeTooLarge)
	}
	if _, err = mime.Parse(context.Background(), failingReader{}, nil); domain.ErrorCode(err) != domain.CodeUnavailable {
		t.Errorf("reader failure: err = %v, want unavailable", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err = mime.Parse(ctx, bytes.NewReader(raw), &mimetest.MemorySink{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

func TestParseLargeMessage(t *testing.T) {
	raw := mimetest.Large(1 << 20)
	if len(raw) < 1<<20-200 || len(raw) > 1<<20+200 {
		t.Errorf("Large(1 MiB) is %d bytes", len(raw))
	}
	sink := &mimetest.MemorySink{}
	m, err := mime.Parse(context.Background(), bytes.NewReader(raw), sink)
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Báo cáo doanh thu Q3" || len(m.Attachments) != 1 || m.Attachments[0].Name != mimetest.LargeAttachmentName || len(m.Warnings) > 0 {
		t.Fatalf("got subject %q, attachments %+v, warnings %q", m.Subject, m.Attachments, m.Warnings)
	}
	if stored := sink.Files[m.Attachments[0].URL]; int64(len(stored)) != m.Attachments[0].Size || !bytes.HasPrefix(stored, []byte("%PDF-1.7")) {
		t.Errorf("stored %d bytes, attachment says %d", len(stored), m.Attachments[0].Size)
	}
}
