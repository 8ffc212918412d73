package mime_test

import (
	"testing"

	"github.com/concierge-cx/concierge/shared/mime"
)

func TestStripQuoted(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"english gmail",
			"Thanks, that works.\n\nOn Tue, Nov 12, 2024 at 9:30 AM Concierge Support <support@concierge.example.com> wrote:\n\n> Please try again.\n> Regards",
			"Thanks, that works."},
		{"english attribution wrapped over two lines",
			"Still broken.\n\nOn Tue, Nov 12, 2024 at 9:30 AM Concierge Support <\nsupport@concierge.example.com> wrote:\n> Please try again.",
			"Still broken."},
		{"apple mail",
			"OK, see you then.\n\n> On 12 Nov 2024, at 09:30, Concierge Support <support@concierge.example.com> wrote:\n> \n> Tomorrow at 10?",
			"OK, see you then."},
		{"vietnamese gmail wrapped",
			"Em cảm ơn ạ.\n\nVào Th 3, 12 thg 11, 2024 vào lúc 09:30 Hỗ trợ Concierge <\nsupport@concierge.example.com> đã viết:\n\n> Chào chị Lan,",
			"Em cảm ơn ạ."},
		{"vietnamese without diacritics",
			"Da em cam on.\n\nVao 09:30, ngay 12/11/2024, Ho tro Concierge da viet:\nChao chi Lan, don hang da gui.",
			"Da em cam on."},
		{"attribution without quote marks cuts the rest",
			"Được ạ.\n\nVào 12 thg 11, 2024, lúc 09:30, Hỗ trợ Concierge đã viết:\nChào chị, đơn hàng đã gửi.",
			"Được ạ."},
		{"bottom posting keeps the answer",
			"On Tue, Nov 12, 2024 at 9:30 AM Support <support@concierge.example.com> wrote:\n> Which size do you want?\n\nSize M please.",
			"Size M please."},
		{"interleaved answers keep unquoted lines",
			"> Which size?\nM\n> Which colour?\nBlue",
			"M\nBlue"},
		{"date-address attribution",
			"Đồng ý.\n\n2024-11-12 9:30 GMT+07:00 Hỗ trợ Concierge <support@concierge.example.com>:\n> Chị đồng ý không?",
			"Đồng ý."},
		{"outlook original message",
			"Please fix it.\n\n-----Original Message-----\nFrom: Support\nSent: Monday\nTo: David\nSubject: Invoice\n\nWe are on it.",
			"Please fix it."},
		{"outlook header block with rule",
			"Please fix it.\n\n________________________________\nFrom: Concierge Support <support@concierge.example.com>\nSent: Wednesday, November 13, 2024 4:10 PM\nTo: David Pham\nSubject: Invoice\n\nWe are on it.",
			"Please fix it."},
		{"vietnamese outlook header block",
			"Em gửi lại hóa đơn ạ.\n\nTừ: Hỗ trợ Concierge <support@concierge.example.com>\nĐã gửi: Thứ Tư, 13 tháng 11, 2024 16:10\nĐến: Nguyễn Thị Lan <lan.nguyen@example.com>\nChủ đề: Hóa đơn tháng 11\n\nChị gửi giúp em hóa đơn.",
			"Em gửi lại hóa đơn ạ."},
		{"vietnamese outlook header block without diacritics",
			"Em gui lai hoa don.\n\nTu: Ho tro Concierge\nDa gui: 13/11/2024 16:10\nDen: Lan\nChu de: Hoa don\n\nChi gui giup em.",
			"Em gui lai hoa don."},
		{"thunderbird original message",
			"Yes.\n\n-------- Original Message --------\nSubject: Question\nDate: Mon, 11 Nov 2024\nFrom: Support",
			"Yes."},
		{"signature delimiter",
			"Máy bị hỏng rồi ạ.\n-- \nNguyễn Thị Lan\n0912 345 678",
			"Máy bị hỏng rồi ạ."},
		{"iphone",
			"Ok\n\nSent from my iPhone\n\n> On 12 Nov 2024, at 09:30, Support wrote:",
			"Ok"},
		{"vietnamese iphone",
			"Dạ vâng ạ.\n\nGửi từ iPhone của tôi",
			"Dạ vâng ạ."},
		{"samsung vietnamese",
			"Dạ.\n\nĐược gửi từ điện thoại Samsung Galaxy của tôi.",
			"Dạ."},
		{"customer sentence starting with On is kept",
			"On my order the lid was cracked, as your colleague wrote:\nit should be replaced.",
			"On my order the lid was cracked, as your colleague wrote:\nit should be replaced."},
		{"customer text mentioning From: is kept",
			"From: your shop in Hà Nội I bought two kettles.\nBoth leak.",
			"From: your shop in Hà Nội I bought two kettles.\nBoth leak."},
		{"only quoted gives empty", "> quoted\n> more", ""},
		{"crlf and trailing spaces", "Hello   \r\n\r\n\r\n\r\nWorld\r\n", "Hello\n\nWorld"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mime.StripQuoted(tt.in); got != tt.want {
				t.Errorf("StripQuoted() =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestHTMLToText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"paragraphs and breaks", "<p>Chào chị,</p><p>Dòng 1<br>Dòng 2</p>", "Chào chị,\n\nDòng 1\nDòng 2"},
		{"scripts and styles dropped", "<style>p{color:red}</style><script>alert(1)</script><p>Nội dung</p>", "Nội dung"},
		{"entities", "<p>A &amp; B &lt;3&gt; &quot;x&quot; &#7879; &nbsp;end</p>", "A & B <3> \"x\" ệ end"},
		{"ordered and nested lists", "<ol><li>Một</li><li>Hai<ul><li>a</li></ul></li></ol><p>Hết</p>", "1. Một\n2. Hai\n  - a\n\nHết"},
		{"blockquote becomes quote", "<div>Trả lời</div><blockquote><p>Câu hỏi</p></blockquote>", "Trả lời\n\n> Câu hỏi"},
		{"link with text shows target", `<a href="https://shop.example/o/1042">đơn hàng</a>`, "đơn hàng (https://shop.example/o/1042)"},
		{"link showing its url is not repeated", `<a href="https://shop.example/">https://shop.example</a>`, "https://shop.example"},
		{"mailto not repeated", `<a href="mailto:lan@example.com">Lan</a>`, "Lan"},
		{"pre keeps spacing", "<pre>a  b\n  c</pre>", "a  b\n  c"},
		{"table cells", "<table><tr><td>Mã</td><td>SL</td></tr><tr><td>AT-001</td><td>2</td></tr></table>", "Mã SL\nAT-001 2"},
		{"whitespace collapsed", "<div>\n  Xin\n   chào  \n</div>", "Xin chào"},
		{"broken html", "<p>Không đóng thẻ <b>đậm", "Không đóng thẻ đậm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mime.HTMLToText(tt.in); got != tt.want {
				t.Errorf("HTMLToText() =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestSubjectTag(t *testing.T) {
	tests := []struct {
		subject, ref string
		ok           bool
	}{
		{"Re: [#C7K2M9] Đổi size áo", "C7K2M9", true},
		{"RE: FW: [#01JCXYZ-12_ab] Invoice", "01JCXYZ-12_ab", true},
		{"[#A1] first [#B2] second", "A1", true},
		{"Order #1042", "", false},
		{"[# spaced ]", "", false},
		{"[#]", "", false},
	}
	for _, tt := range tests {
		if ref, ok := mime.SubjectTag(tt.subject); ref != tt.ref || ok != tt.ok {
			t.Errorf("SubjectTag(%q) = %q, %v; want %q, %v", tt.subject, ref, ok, tt.ref, tt.ok)
		}
	}
}

func TestPlusAddressTag(t *testing.T) {
	tests := []struct {
		addr, id string
		ok       bool
	}{
		{"reply+01JCXK2M9Q@concierge.example.com", "01JCXK2M9Q", true},
		{"Reply+c7k2m9@Concierge.Example.com", "c7k2m9", true},
		{"Hỗ trợ <reply+C7K2M9@concierge.example.com>", "C7K2M9", true},
		{"mailto:reply+abc_1-2@concierge.example.com", "abc_1-2", true},
		{"reply+C7K2M9@evil.example.com", "", false},
		{"support@concierge.example.com", "", false},
		{"reply+@concierge.example.com", "", false},
		{"reply+a.b@concierge.example.com", "", false},
		{"noreply+x@concierge.example.com", "", false},
	}
	for _, tt := range tests {
		if id, ok := mime.PlusAddressTag(tt.addr, "concierge.example.com"); id != tt.id || ok != tt.ok {
			t.Errorf("PlusAddressTag(%q) = %q, %v; want %q, %v", tt.addr, id, ok, tt.id, tt.ok)
		}
	}
}
