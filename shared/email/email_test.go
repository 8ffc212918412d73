package email_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/concierge-cx/concierge/shared/domain"
)

type wantFile struct {
	name, contentType string
	size              int64
}

// Every .eml fixture goes from its events/email SES event through the raw
// mail bucket in fauxqs into DynamoDB Local and the routing lanes.
func TestFixturesEndToEnd(t *testing.T) {
	cases := []struct {
		eml         string
		from, name  string
		subject     string
		text        string
		attachments []wantFile
		inline      []wantFile
		auto        string
		quarantined string
		warnings    []string // each must be among the stored parse warnings
	}{
		{
			eml: "01-alternative-encoded-subject.eml", from: "lan.nguyen@example.com", name: "Nguyễn Thị Lan",
			subject: "Đơn hàng #1042 chưa được giao",
			text: "Chào anh/chị,\n\n" +
				"Em đặt đơn hàng #1042 từ ngày 28/10 nhưng đến nay vẫn chưa nhận được.\n" +
				"Trạng thái trên web vẫn là \"Đang xử lý\". Anh/chị kiểm tra giúp em nhé.\n\n" +
				"Cảm ơn anh/chị,\nLan",
		},
		{
			eml: "02-reply-vietnamese-quote.eml", from: "lan.nguyen@example.com", name: "Nguyễn Thị Lan",
			subject: "Re: [#C7K2M9] Đổi size áo",
			text:    "Dạ em cảm ơn anh/chị. Em muốn đổi sang size M ạ.\nĐịa chỉ nhận hàng vẫn như cũ.",
		},
		{
			eml: "03-windows-1258.eml", from: "lan.nguyen@example.com", name: "Nguyễn Thị Lan",
			subject: "Hỏi về bảo hành máy lọc nước",
			text: "Chào anh/chị,\n\n" +
				"Máy lọc nước em mua tháng trước bị rò rỉ nước ở dưới đáy.\n" +
				"Em muốn được bảo hành, nhờ anh/chị hướng dẫn thủ tục giúp em ạ.\n\n" +
				"Cảm ơn anh/chị.",
		},
		{
			eml: "04-iso-8859-1-8bit.eml", from: "helene.dubois@example.fr", name: "Hélène Dubois",
			subject: "Problème de livraison, commande n°1187",
			text: "Bonjour,\n\n" +
				"J'ai reçu ma commande hier mais la théière est arrivée cassée. " +
				"Pourriez-vous m'envoyer un remplacement ? Où dois-je renvoyer l'article abîmé ?\n\n" +
				"Merci d'avance,\nHélène",
		},
		{
			eml: "05-attachments.eml", from: "lan.nguyen@example.com", name: "Nguyễn Thị Lan",
			subject: "Hóa đơn và ảnh lỗi",
			text:    "Em gửi hóa đơn tháng 11 và danh sách sản phẩm bị lỗi.\nẢnh chụp màn hình lỗi thanh toán bên dưới.",
			attachments: []wantFile{
				{"Hóa đơn tháng 11.pdf", "application/pdf", 218},
				{"Danh sách sản phẩm.csv", "text/csv", 94},
			},
			inline: []wantFile{{"Ảnh chụp màn hình.png", "image/png", 73}},
		},
		{
			eml: "06-bounce.eml", from: "mailer-daemon@mx.example.net", name: "Mail Delivery System",
			subject: "Undelivered Mail Returned to Sender",
			text: "This is the mail system at host mx.example.net.\n\n" +
				"I'm sorry to have to inform you that your message could not\n" +
				"be delivered to one or more recipients.\n\n" +
				"<lan.nguyen@old-isp.example.vn>: host mail.old-isp.example.vn[192.0.2.10]\n" +
				"    said: 550 5.1.1 <lan.nguyen@old-isp.example.vn>: Recipient address\n" +
				"    rejected: User unknown in virtual mailbox table",
			attachments: []wantFile{
				{"part-2.txt", "message/delivery-status", 437},
				{"part-3.txt", "text/rfc822-headers", 308},
			},
			auto: "bounce",
		},
		{
			eml: "07-auto-reply.eml", from: "minh.tran@example.com", name: "Trần Văn Minh",
			subject: "Trả lời tự động: Re: [#C7K2M9] Đổi size áo",
			text: "Tôi đang nghỉ phép đến hết ngày 20/11.\n" +
				"Vui lòng liên hệ chị Lan (lan.nguyen@example.com) nếu cần gấp.\n\nMinh",
			auto: "auto-replied",
		},
		{
			eml: "08-html-only.eml", from: "lan.nguyen@example.com", name: "Nguyễn Thị Lan",
			subject: "Re: [#C7K2M9] Đổi size áo",
			text: "Chào anh/chị,\n\n" +
				"Em đã nhận được áo size M, cảm ơn anh/chị rất nhiều! Tuy nhiên hóa đơn ghi sai địa chỉ:\n\n" +
				"- Số nhà: 12 & 14\n" +
				"- Đường: Lê Lợi\n\n" +
				"Em đã làm theo hướng dẫn đổi trả (https://concierge.example.com/help/doi-tra).\n" +
				"Mã đơn: #1042 <ưu tiên>",
		},
		{
			eml: "09-outlook-reply.eml", from: "david.pham@example.com", name: "David Pham",
			subject: "RE: [#K9P4Q2] Invoice INV-2024-1187 amount is wrong",
			text: "Hi,\n\nThe invoice still shows 1,250,000 VND but we agreed on 1,050,000 VND for the annual plan. " +
				"Please send a corrected invoice before Friday.\n\nThanks,\nDavid",
		},
		{
			// SES's spam filter failed it: kept for a person to look at, never routed.
			eml: "10-malformed.eml", from: "lan.nguyen@example.com",
			subject:     "Không đăng nhập được",
			text:        "Em không đăng nhập được vào tài khoản.\nLàm sao để đặt lại mật khẩu?",
			attachments: []wantFile{{"bao-gia.pdf", "application/pdf", 27}},
			quarantined: "spam",
			warnings:    []string{"Subject header has a base64 encoded word without padding"},
		},
		{
			eml: "11-undeclared-8bit-vi.eml", from: "lan.nguyen@example.com",
			subject:  "Đơn hàng bị giao thiếu",
			text:     "Chào shop,\n\nEm đặt 3 hộp trà xanh nhưng chỉ nhận được 2 hộp.\nMong shop kiểm tra và gửi bù giúp em.",
			warnings: []string{"Subject header is raw 8-bit text, not UTF-8"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.eml, func(t *testing.T) {
			t.Parallel()
			s := newStack(t)
			event := "ses-" + strings.TrimSuffix(tc.eml, ".eml") + ".json"
			raw := readEML(t, tc.eml)
			id := s.deliver(t, event, raw)

			cust := s.customer(t, tc.from)
			if cust.DisplayName != tc.name {
				t.Errorf("customer name = %q, want %q", cust.DisplayName, tc.name)
			}
			page, err := s.st.Timeline(context.Background(), cust.ID, 10, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Items) != 1 {
				t.Fatalf("timeline has %d touchpoints, want the one email", len(page.Items))
			}
			tp := page.Items[0]
			if tp.Channel != domain.ChannelEmail || tp.Kind != domain.KindEmailMsg || tp.ProviderMessageID != id {
				t.Errorf("touchpoint is %s/%s %s, want email/email %s", tp.Channel, tp.Kind, tp.ProviderMessageID, id)
			}
			if tp.Subject != tc.subject {
				t.Errorf("subject = %q, want %q", tp.Subject, tc.subject)
			}
			if tp.Text != tc.text {
				t.Errorf("text =\n%s\nwant\n%s", tp.Text, tc.text)
			}
			if got := tp.Metadata["rawMail"]; got != "s3://"+s.cfg.RawMailBucket+"/inbound/"+id {
				t.Errorf("rawMail = %q", got)
			}
			if tp.Metadata["autoGenerated"] != tc.auto || tp.Metadata["quarantined"] != tc.quarantined {
				t.Errorf("autoGenerated, quarantined = %q, %q; want %q, %q", tp.Metadata["autoGenerated"], tp.Metadata["quarantined"], tc.auto, tc.quarantined)
			}
			for _, w := range tc.warnings {
				if !strings.Contains(tp.Metadata["parseWarning"], w) {
					t.Errorf("parse warnings %q lack %q", tp.Metadata["parseWarning"], w)
				}
			}
			if len(tc.warnings) == 0 && tp.Metadata["parseWarnings"] != "" {
				t.Errorf("unexpected parse warnings: %s", tp.Metadata["parseWarning"])
			}
			checkFiles(t, s, tp.Attachments, tc.attachments, tc.inline, tc.quarantined != "")

			jobs := s.jobs(t)
			switch {
			case tc.quarantined != "" && len(jobs) != 0:
				t.Errorf("quarantined mail was routed: %+v", jobs)
			case tc.quarantined == "" && (len(jobs) != 1 || jobs[0].TouchpointID != tp.ID):
				t.Errorf("routing jobs = %+v, want one for %s", jobs, tp.ID)
			case tc.quarantined == "" && jobs[0].AutoGenerated != (tc.auto != ""):
				t.Errorf("job AutoGenerated = %v for reason %q", jobs[0].AutoGenerated, tc.auto)
			}

			// SES invokes again (a retry): nothing is stored twice.
			ev, _ := readEvent(t, event)
			if err := s.h.Handle(context.Background(), ev); err != nil {
				t.Fatalf("replay: %v", err)
			}
			page, err = s.st.Timeline(context.Background(), cust.ID, 10, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Items) != 1 {
				t.Errorf("after a replay the timeline has %d touchpoints, want 1", len(page.Items))
			}
		})
	}
}

// checkFiles compares the touchpoint's files with the fixture's and reads
// each stored one back from the attachments bucket. Quarantined mail lists
// its files without copying them.
func checkFiles(t *testing.T, s *stack, got []domain.Attachment, attachments, inline []wantFile, quarantined bool) {
	t.Helper()
	want := append(append([]wantFile{}, attachments...), inline...)
	if len(got) != len(want) {
		t.Fatalf("files = %+v, want %d", got, len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Name != w.name || g.ContentType != w.contentType || g.Size != w.size || g.Inline != (i >= len(attachments)) {
			t.Errorf("file %d = %s (%s, %d bytes, inline %v), want %s (%s, %d bytes)", i, g.Name, g.ContentType, g.Size, g.Inline, w.name, w.contentType, w.size)
		}
		if quarantined {
			if g.URL != "" {
				t.Errorf("quarantined file %s was copied to %s", g.Name, g.URL)
			}
			continue
		}
		if !strings.HasPrefix(g.URL, "s3://"+s.cfg.AttachmentsBucket+"/") {
			t.Errorf("file %s is at %q, not in the attachments bucket", g.Name, g.URL)
			continue
		}
		obj, body := s.object(t, g.URL)
		sum := sha256.Sum256(body)
		if int64(len(body)) != w.size || hex.EncodeToString(sum[:]) != g.SHA256 {
			t.Errorf("stored %s: %d bytes, digest %x; want %d bytes, %s", g.Name, len(body), sum, w.size, g.SHA256)
		}
		if ct := aws.ToString(obj.ContentType); ct != w.contentType {
			t.Errorf("stored %s has Content-Type %q", g.Name, ct)
		}
	}
}

func TestSNSActionWithInlineContent(t *testing.T) {
	s := newStack(t)
	ev, id := readEvent(t, "ses-sns-01-alternative-encoded-subject.json")
	if err := s.h.Handle(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	tp := s.touchpoint(t, id)
	if !strings.HasPrefix(tp.Text, "Chào anh/chị,\n\nEm đặt đơn hàng #1042") || tp.Subject != "Đơn hàng #1042 chưa được giao" {
		t.Errorf("stored %q / %q", tp.Subject, tp.Text)
	}
	// The inline copy is kept in the raw mail bucket like an S3 action's.
	_, raw := s.object(t, tp.Metadata["rawMail"])
	if string(raw) != string(readEML(t, "01-alternative-encoded-subject.eml")) {
		t.Errorf("raw mail in S3 (%d bytes) is not the message SNS carried", len(raw))
	}
	if jobs := s.jobs(t); len(jobs) != 1 {
		t.Errorf("routing jobs = %d, want 1", len(jobs))
	}
}
