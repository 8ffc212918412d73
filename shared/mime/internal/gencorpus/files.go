package main

import (
	"fmt"
	"strings"
)

// files: attachment names and transfer encodings.
func files(l *[]message) {
	intro := plain("utf-8", "quoted-printable", "Em gửi tài liệu đính kèm.")
	const start = "Em gửi tài liệu đính kèm."
	msg := func(file, mailer, from, subject, id string, parts ...string) string {
		return head(mailer, from, support, bword("UTF-8", subject), "Fri, 22 Nov 2024 09:00:00 +0700", id, ctMultipart("mixed", "----=_files_"+id[:6])) + "\n" +
			multipart("----=_files_"+id[:6], append([]string{intro}, parts...)...)
	}

	// Outlook's folded disposition with size and dates after the name.
	add(l, Expect{File: "f01-outlook-folded-disposition.eml", Class: "file", From: "phuong.ly@example.vn", Subject: "Báo giá", BodyStart: start, Attachments: []string{"Bao gia Q4.pdf"}},
		msg("f01", "X-Mailer: Microsoft Outlook 16.0", "Phuong Ly <phuong.ly@example.vn>", "Báo giá", "f01aaa-outlook@example.vn",
			attachment("application/pdf; name=\"Bao gia Q4.pdf\"", "Content-Description: Bao gia Q4.pdf\nContent-Disposition: attachment; filename=\"Bao gia Q4.pdf\"; size=48213;\n\tcreation-date=\"Fri, 22 Nov 2024 01:58:10 GMT\";\n\tmodification-date=\"Fri, 22 Nov 2024 02:00:41 GMT\"\n", pdf("q4"))))

	// A fold that lost its semicolon after the quoted name.
	add(l, Expect{File: "f02-fold-without-semicolon.eml", Class: "file", From: "quan.mac@example.vn", Subject: "Ảnh sản phẩm", BodyStart: start, Attachments: []string{"san pham loi.jpg"}},
		msg("f02", "", "quan.mac@example.vn", "Ảnh sản phẩm", "f02bbb-nosemi@example.vn",
			attachment("image/jpeg", "Content-Disposition: attachment; filename=\"san pham loi.jpg\"\n\tsize=20480; creation-date=\"Fri, 22 Nov 2024 01:58:10 GMT\"\n", jpeg("f02"))))

	// An unclosed quote: the rest of the header must not join the name.
	add(l, Expect{File: "f03-unclosed-quote.eml", Class: "file", From: "son.kieu@example.vn", Subject: "Hợp đồng", BodyStart: start, Attachments: []string{"Hop dong 2024.pdf"}},
		msg("f03", "", "son.kieu@example.vn", "Hợp đồng", "f03ccc-unclosed@example.vn",
			attachment("application/pdf", "Content-Disposition: attachment; filename=\"Hop dong 2024.pdf; size=30511;\n\tcreation-date=\"Fri, 22 Nov 2024 01:58:10 GMT\"\n", pdf("hd"))))

	// Unquoted name with spaces followed by more parameters.
	add(l, Expect{File: "f04-unquoted-name-with-spaces.eml", Class: "file", From: "thao.ngo@example.vn", Subject: "Phiếu bảo hành", BodyStart: start, Attachments: []string{"Phieu bao hanh.pdf"}},
		msg("f04", "", "thao.ngo@example.vn", "Phiếu bảo hành", "f04ddd-unquoted@example.vn",
			attachment("application/pdf; name=Phieu bao hanh.pdf", "Content-Disposition: attachment; filename=Phieu bao hanh.pdf; size=1234\n", pdf("pbh"))))

	// Thunderbird: RFC 2231 continuations of a long Vietnamese UTF-8 name.
	add(l, Expect{File: "f05-rfc2231-continuations-utf8.eml", Class: "file", From: "uyen.chu@example.vn", Subject: "Biên bản", BodyStart: start, Attachments: []string{"Biên bản nghiệm thu lắp đặt điều hòa.pdf"}},
		msg("f05", "User-Agent: Mozilla Thunderbird", "uyen.chu@example.vn", "Biên bản", "f05eee-2231@example.vn",
			attachment("application/pdf; name*0*=UTF-8''Bi%C3%AAn%20b%E1%BA%A3n%20nghi%E1%BB%87m%20thu%20l;\n name*1*=%E1%BA%AFp%20%C4%91%E1%BA%B7t%20%C4%91i%E1%BB%81u%20h%C3%B2a.pdf",
				"Content-Disposition: attachment;\n filename*0*=UTF-8''Bi%C3%AAn%20b%E1%BA%A3n%20nghi%E1%BB%87m%20thu%20l;\n filename*1*=%E1%BA%AFp%20%C4%91%E1%BA%B7t%20%C4%91i%E1%BB%81u%20h%C3%B2a.pdf\n", pdf("bb"))))

	// RFC 2231 in ISO-8859-1.
	add(l, Expect{File: "f06-rfc2231-latin1.eml", Class: "file", From: "claire.dubois@example.fr", Subject: "Facture", BodyStart: start, Attachments: []string{"Facture réglée.pdf"}},
		msg("f06", "", "claire.dubois@example.fr", "Facture", "f06fff-2231l1@example.fr",
			attachment("application/pdf", "Content-Disposition: attachment; filename*=iso-8859-1'fr'Facture%20r%E9gl%E9e.pdf\n", pdf("fr"))))

	// Gmail: RFC 2047 name in quotes, split over two words.
	add(l, Expect{File: "f07-rfc2047-split-name.eml", Class: "file", From: "vinh.dinh@gmail.example", Subject: "Hóa đơn", BodyStart: start, Attachments: []string{"Hóa đơn tháng 11 năm 2024.pdf"}},
		msg("f07", "", "vinh.dinh@gmail.example", "Hóa đơn", "f07ggg-2047@gmail.example",
			attachment("application/pdf; \n\tname=\"=?UTF-8?B?SMOzYSDEkcahbiB0aMOhbmcgMTEg?= =?UTF-8?B?bsSDbSAyMDI0LnBkZg==?=\"",
				"Content-Disposition: attachment; \n\tfilename=\"=?UTF-8?B?SMOzYSDEkcahbiB0aMOhbmcgMTEg?= =?UTF-8?B?bsSDbSAyMDI0LnBkZg==?=\"\n", pdf("hd11"))))

	// A Windows path in the file name.
	add(l, Expect{File: "f08-windows-path-name.eml", Class: "file", From: "xuan.mai@example.vn", Subject: "Chứng từ", BodyStart: start, Attachments: []string{"chung tu.xlsx"}},
		msg("f08", "X-Mailer: Microsoft Outlook Express 6.00.2900.5512", "xuan.mai@example.vn", "Chứng từ", "f08hhh-path@example.vn",
			attachment("application/vnd.ms-excel; name=\"C:\\Users\\xuan\\Desktop\\chung tu.xlsx\"", "Content-Disposition: attachment; filename=\"C:\\Users\\xuan\\Desktop\\chung tu.xlsx\"\n", "PK\x03\x04xlsx")))

	// Raw UTF-8 name (RFC 6532 style), as some mobile clients write.
	add(l, Expect{File: "f09-raw-utf8-name.eml", Class: "file", From: "yen.hua@example.vn", Subject: "Ảnh", BodyStart: start, Attachments: []string{"Ảnh máy lỗi.jpg"}},
		msg("f09", "", "yen.hua@example.vn", "Ảnh", "f09iii-rawutf8@example.vn",
			attachment("image/jpeg; name=\"Ảnh máy lỗi.jpg\"", "Content-Disposition: attachment; filename=\"Ảnh máy lỗi.jpg\"\n", jpeg("f09"))))

	// An MMS gateway's unnamed image.
	add(l, Expect{File: "f10-unnamed-image.eml", Class: "file", From: "mms@mms.carrier.example", Subject: "MMS", BodyStart: start, Attachments: []string{"part-2.jpg"}},
		msg("f10", "", "mms@mms.carrier.example", "MMS", "f10jjj-mms@carrier.example",
			attachment("image/jpeg", "", jpeg("f10"))))

	// Base64 cut one character into a group (a gateway truncated the
	// message): undecodable, so kept as received, with a warning.
	add(l, Expect{File: "f11-malformed-base64-kept.eml", Class: "file", From: "an.dao@example.vn", Subject: "Scan", BodyStart: start, Attachments: []string{"scan.pdf", "part-3.bin"}, Warning: "base64 is corrupt"},
		msg("f11", "", "an.dao@example.vn", "Scan", "f11kkk-b64@example.vn",
			"Content-Type: application/pdf; name=\"scan.pdf\"\nContent-Disposition: attachment; filename=\"scan.pdf\"\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQKJVBERi0xLjQK\nJVBERi0xJ\n",
			"Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\nQUJDREVGR\n"))

	// Outlook Express: a uuencoded file inside the text.
	uu := uuencode("hoadon.txt", "Hoa don so 0001234\nTong tien: 1.250.000 VND\n")
	add(l, Expect{File: "f12-uuencode-in-text.eml", Class: "file", From: "bich.ton@example.vn", Subject: "Hóa đơn", BodyStart: "Gửi shop hóa đơn.", BodyNot: "begin 644", Attachments: []string{"hoadon.txt"}},
		head("X-Mailer: Microsoft Outlook Express 6.00.2900.5512", "bich.ton@example.vn", support, bword("UTF-8", "Hóa đơn"), "Fri, 22 Nov 2024 10:00:00 +0700", "uu-12@example.vn")+
			"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nGửi shop hóa đơn.\n\n"+uu+"\nCảm ơn.\n")

	// A part with Content-Transfer-Encoding: x-uuencode.
	add(l, Expect{File: "f13-x-uuencode-part.eml", Class: "file", From: "cuong.lam@example.vn", Subject: "Log", BodyStart: start, Attachments: []string{"error.log"}},
		msg("f13", "", "cuong.lam@example.vn", "Log", "f13lll-xuue@example.vn",
			"Content-Type: application/octet-stream; name=\"error.log\"\nContent-Disposition: attachment; filename=\"error.log\"\nContent-Transfer-Encoding: x-uuencode\n\n"+uuencode("error.log", "E21 at 09:00\nE21 at 09:05\n")))

	// Twenty small files from a phone's share sheet.
	var many []string
	var names []string
	for i := 1; i <= 20; i++ {
		n := fmt.Sprintf("IMG_%04d.HEIC", 3000+i)
		names = append(names, n)
		many = append(many, attachment("image/heic; name=\""+n+"\"", "Content-Disposition: attachment; filename=\""+n+"\"\n", "heic-"+n))
	}
	add(l, Expect{File: "f14-twenty-photos.eml", Class: "file", From: "dat.phi@icloud.example", Subject: "Ảnh", BodyStart: start, Attachments: names},
		msg("f14", "X-Mailer: iPhone Mail (21F90)", "dat.phi@icloud.example", "Ảnh", "f14mmm-many@icloud.example", many...))

	// A name parameter only on the Content-Type (old Outlook).
	add(l, Expect{File: "f15-name-only-on-content-type.eml", Class: "file", From: "em.kha@example.vn", Subject: "Danh sách", BodyStart: start, Attachments: []string{"danh sach.csv"}},
		msg("f15", "", "em.kha@example.vn", "Danh sách", "f15nnn-ctname@example.vn",
			"Content-Type: text/csv; name=\"danh sach.csv\"\nContent-Transfer-Encoding: 7bit\n\nma,ten\n1,Ao\n"))
}

// uuencode writes a "begin 644 name" … "end" block.
func uuencode(name, content string) string {
	var b strings.Builder
	b.WriteString("begin 644 " + name + "\n")
	enc := func(v byte) byte {
		if v == 0 {
			return '`'
		}
		return v + ' '
	}
	data := []byte(content)
	for len(data) > 0 {
		n := min(45, len(data))
		chunk := data[:n]
		data = data[n:]
		b.WriteByte(enc(byte(n)))
		for i := 0; i < n; i += 3 {
			var c [3]byte
			copy(c[:], chunk[i:min(i+3, n)])
			b.WriteByte(enc(c[0] >> 2))
			b.WriteByte(enc((c[0]<<4 | c[1]>>4) & 0x3f))
			b.WriteByte(enc((c[1]<<2 | c[2]>>6) & 0x3f))
			b.WriteByte(enc(c[2] & 0x3f))
		}
		b.WriteByte('\n')
	}
	b.WriteString("`\nend\n")
	return b.String()
}
