package main

func corpus() []message {
	var l []message
	structure(&l)
	charsets(&l)
	senders(&l)
	files(&l)
	quotes(&l)
	limits(&l)
	return l
}

// structure: which part is the message.
func structure(l *[]message) {
	// Outlook with an HTML-only body and a virus scanner's plain footer
	// appended as a second part of multipart/mixed.
	add(l, Expect{File: "s01-outlook-html-then-plain-footer.eml", Class: "structure",
		From: "minh.tran@congty.example.vn", Subject: "Máy giặt báo lỗi E21",
		BodyStart: "Chào bộ phận hỗ trợ,\n\nMáy giặt em mua tháng 9 báo lỗi E21", BodyNot: "scanned by"},
		head("X-Mailer: Microsoft Outlook 16.0", "\"Trần Văn Minh\" <minh.tran@congty.example.vn>", support,
			bword("utf-8", "Máy giặt báo lỗi E21"), "Mon, 04 Nov 2024 09:12:33 +0700", "000001db2e7a$4f1c2b30$ed5e8190$@congty.example.vn",
			ctMultipart("mixed", "----=_NextPart_000_0001_01DB2E7A.4F1C2B30"))+"\nThis is a multi-part message in MIME format.\n\n"+
			multipart("----=_NextPart_000_0001_01DB2E7A.4F1C2B30",
				html("utf-8", "quoted-printable", "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body lang=\"VI\"><div class=\"WordSection1\"><p class=\"MsoNormal\">Chào bộ phận hỗ trợ,<o:p></o:p></p><p class=\"MsoNormal\">Máy giặt em mua tháng 9 báo lỗi E21 và không vắt được.<o:p></o:p></p><p class=\"MsoNormal\">Minh<o:p></o:p></p></div></body></html>"),
				plain("us-ascii", "7bit", "\n--\nThis email has been scanned by Example AntiVirus.\nhttps://antivirus.example.com\n"),
			))

	// Mailman appends its footer as a text/plain part after the
	// multipart/alternative the sender wrote.
	add(l, Expect{File: "s02-gmail-alternative-mailman-footer.eml", Class: "structure",
		From: "hoa.le@gmail.example", Subject: "[support-vn] Hỏi về phí vận chuyển",
		BodyStart: "Shop ơi cho mình hỏi phí vận chuyển ra Đà Nẵng là bao nhiêu?"},
		head("", "Hoa Le <hoa.le@gmail.example>", "support-vn@lists.example.vn",
			bword("UTF-8", "[support-vn] Hỏi về phí vận chuyển"), "Tue, 05 Nov 2024 10:01:02 +0700", "CAJx8Z1-2Yq@mail.gmail.example",
			"List-Id: Support VN <support-vn.lists.example.vn>", "List-Unsubscribe: <mailto:support-vn-leave@lists.example.vn>",
			ctMultipart("mixed", "===============4410385362405262178=="))+"\n"+
			multipart("===============4410385362405262178==",
				ctMultipart("alternative", "000000000000a1b2c3062609d4e1")+"\n"+multipart("000000000000a1b2c3062609d4e1",
					plain("\"UTF-8\"", "quoted-printable", "Shop ơi cho mình hỏi phí vận chuyển ra Đà Nẵng là bao nhiêu?\nCảm ơn shop."),
					html("\"UTF-8\"", "quoted-printable", "<div dir=\"ltr\">Shop ơi cho mình hỏi phí vận chuyển ra Đà Nẵng là bao nhiêu?<div>Cảm ơn shop.</div></div>"),
				),
				"Content-Type: text/plain; charset=\"us-ascii\"\nMIME-Version: 1.0\nContent-Transfer-Encoding: 7bit\nContent-Disposition: inline\n\n_______________________________________________\nsupport-vn mailing list\nsupport-vn@lists.example.vn\n",
			))

	// Apple Mail puts an inline photo between two text parts.
	add(l, Expect{File: "s03-apple-mail-text-photo-text.eml", Class: "structure",
		From: "thu.pham@icloud.example", Subject: "Hàng bị móp",
		BodyStart: "Hộp bị móp như hình dưới đây.", Attachments: []string{"IMG_0412.jpeg"}},
		head("X-Mailer: iPhone Mail (21F90)", "Thu Pham <thu.pham@icloud.example>", support,
			"=?utf-8?Q?H=C3=A0ng_b=E1=BB=8B_m=C3=B3p?=", "Wed, 06 Nov 2024 20:15:00 +0700", "5E3B1C2A-7D4F-4C1A-9B2E-1F2A3B4C5D6E@icloud.example",
			"Content-Type: multipart/mixed; boundary=Apple-Mail-4A6D2B1C-0E3F-4B5A-8C9D-0A1B2C3D4E5F")+"\n"+
			multipart("Apple-Mail-4A6D2B1C-0E3F-4B5A-8C9D-0A1B2C3D4E5F",
				"Content-Type: text/plain;\n\tcharset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"+qp("Hộp bị móp như hình dưới đây."),
				"Content-Type: image/jpeg;\n\tname=IMG_0412.jpeg;\n\tx-apple-part-url=9E1A2B3C-4D5E-6F70-8192-A3B4C5D6E7F8\nContent-Disposition: inline;\n\tfilename=IMG_0412.jpeg\nContent-Transfer-Encoding: base64\n\n"+b64(jpeg("photo-0412")),
				"Content-Type: text/plain;\n\tcharset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"+qp("\nMình muốn đổi hộp khác.\n\nGửi từ iPhone của tôi"),
			))

	// An HTML-only message with a PDF, as web forms send it.
	add(l, Expect{File: "s04-html-only-with-pdf.eml", Class: "structure",
		From: "no-reply-form@webform.example", Subject: "Yêu cầu bảo hành #5521",
		BodyStart: "Khách hàng: Nguyễn Văn An", Attachments: []string{"hoa-don-5521.pdf"}},
		head("X-Mailer: PHPMailer 6.8.0", "Web Form <no-reply-form@webform.example>", support,
			bword("UTF-8", "Yêu cầu bảo hành #5521"), "Thu, 07 Nov 2024 08:00:00 +0700", "form-5521@webform.example",
			ctMultipart("mixed", "b1_5a7d2c9e"))+"\n"+
			multipart("b1_5a7d2c9e",
				html("us-ascii", "8bit", "<p>Kh&aacute;ch h&agrave;ng: Nguy&#7877;n V&#259;n An</p><p>S&#7843;n ph&#7849;m: N&#7891;i chi&#234;n kh&#244;ng d&#7847;u</p>"),
				attachment("application/pdf; name=\"hoa-don-5521.pdf\"", "Content-Disposition: attachment; filename=hoa-don-5521.pdf\n", pdf("5521")),
			))

	// Some webmails send an empty text/plain alternative.
	add(l, Expect{File: "s05-alternative-empty-plain.eml", Class: "structure",
		From: "khach@yahoo.example", Subject: "Đổi trả",
		BodyStart: "Tôi muốn đổi trả đôi giày size 40"},
		head("X-Mailer: WebService/1.1.22806 YMailNorrin", "khach@yahoo.example", support,
			bword("UTF-8", "Đổi trả"), "Thu, 07 Nov 2024 11:00:00 +0000", "1234567890.98765.1730977200000@mail.yahoo.example",
			ctMultipart("alternative", "----=_Part_98765_1234567.1730977200000"))+"\n"+
			multipart("----=_Part_98765_1234567.1730977200000",
				plain("UTF-8", "7bit", ""),
				html("UTF-8", "quoted-printable", "<html><body><div style=\"font-family:Arial\"><div>Tôi muốn đổi trả đôi giày size 40 sang size 41.</div></div></body></html>"),
			))

	// Outlook: alternative whose HTML has an inline image (related).
	add(l, Expect{File: "s06-outlook-related-inline-image.eml", Class: "structure",
		From: "ngoc.vu@company.example", Subject: "Lỗi đăng nhập ứng dụng",
		BodyStart: "Em gửi ảnh chụp màn hình lỗi.", Attachments: []string{"image001.png"}},
		head("X-Mailer: Microsoft Outlook 16.0", "Vu Ngoc <ngoc.vu@company.example>", support,
			bword("utf-8", "Lỗi đăng nhập ứng dụng"), "Fri, 08 Nov 2024 14:30:00 +0700", "SG2PR01MB1234ABCD@SG2PR01MB1234.apcprd01.prod.outlook.example",
			"Content-Type: multipart/related;\n\tboundary=\"_004_SG2PR01MB1234_\";\n\ttype=\"multipart/alternative\"")+"\n"+
			multipart("_004_SG2PR01MB1234_",
				ctMultipart("alternative", "_000_SG2PR01MB1234_")+"\n"+multipart("_000_SG2PR01MB1234_",
					plain("\"utf-8\"", "base64", "Em gửi ảnh chụp màn hình lỗi.\n\n[cid:image001.png@01DB31A2.5E8C7F10]\n\nNgọc"),
					html("\"utf-8\"", "base64", "<html><body><p>Em gửi ảnh chụp màn hình lỗi.</p><p><img src=\"cid:image001.png@01DB31A2.5E8C7F10\"></p><p>Ngọc</p></body></html>"),
				),
				attachment("image/png; name=\"image001.png\"", "Content-Description: image001.png\nContent-Disposition: inline; filename=\"image001.png\"; size=1234;\n\tcreation-date=\"Fri, 08 Nov 2024 07:30:00 GMT\";\n\tmodification-date=\"Fri, 08 Nov 2024 07:30:00 GMT\"\nContent-ID: <image001.png@01DB31A2.5E8C7F10>\n", png("shot")),
			))

	// A plain message with an unnamed HTML part after it (a forwarded
	// receipt pasted by a webmail): the HTML is kept as a file.
	add(l, Expect{File: "s07-unnamed-html-part-kept.eml", Class: "structure",
		From: "duc.ho@example.vn", Subject: "Hóa đơn điện tử",
		BodyStart: "Gửi shop hóa đơn bên dưới.", Attachments: []string{"part-2.html"}},
		head("X-Mailer: Zimbra 8.8.15_GA_4581 (ZimbraWebClient - GC130 (Win)/8.8.15_GA_4581)", "Ho Duc <duc.ho@example.vn>", support,
			bword("utf-8", "Hóa đơn điện tử"), "Sat, 09 Nov 2024 09:00:00 +0700", "1522003411.44.1731117600000.JavaMail.zimbra@example.vn",
			ctMultipart("mixed", "=_7d1b2f3a-0c55-4b6f-a1c3-8e9f00112233"))+"\n"+
			multipart("=_7d1b2f3a-0c55-4b6f-a1c3-8e9f00112233",
				plain("utf-8", "7bit", "Gửi shop hóa đơn bên dưới."),
				html("utf-8", "7bit", "<html><body><table><tr><td>Hóa đơn số</td><td>0001234</td></tr></table></body></html>"),
			))

	// Thunderbird with PGP/MIME signature.
	add(l, Expect{File: "s08-thunderbird-pgp-signed.eml", Class: "structure",
		From: "anna.schmidt@example.de", Subject: "Rückfrage zur Bestellung 7781",
		BodyStart: "Guten Tag,\n\nwann wird meine Bestellung 7781 versandt?", Attachments: []string{"OpenPGP_signature.asc"}},
		head("User-Agent: Mozilla Thunderbird", "Anna Schmidt <anna.schmidt@example.de>", support,
			"=?UTF-8?Q?R=C3=BCckfrage_zur_Bestellung_7781?=", "Sun, 10 Nov 2024 18:00:00 +0100", "3f2a1b4c-5d6e-7f80-9a1b-2c3d4e5f6a7b@example.de",
			"Content-Type: multipart/signed; micalg=pgp-sha256;\n protocol=\"application/pgp-signature\";\n boundary=\"------------3Xk2mZ9qLr0wT5yV8bN1cD4e\"")+"\nThis is an OpenPGP/MIME signed message (RFC 4880 and 3156)\n"+
			multipart("------------3Xk2mZ9qLr0wT5yV8bN1cD4e",
				"Content-Type: multipart/mixed; boundary=\"------------Z1y2X3w4V5u6T7s8R9q0P1o2\"\n\n"+multipart("------------Z1y2X3w4V5u6T7s8R9q0P1o2",
					"Content-Type: text/plain; charset=UTF-8; format=flowed\nContent-Transfer-Encoding: quoted-printable\n\n"+qp("Guten Tag,\n\nwann wird meine Bestellung 7781 versandt?\n\nMit freundlichen Grüßen\nAnna Schmidt"),
				),
				"Content-Type: application/pgp-signature; name=\"OpenPGP_signature.asc\"\nContent-Description: OpenPGP digital signature\nContent-Disposition: attachment; filename=\"OpenPGP_signature.asc\"\n\n-----BEGIN PGP SIGNATURE-----\n\nwnsEABYIACMWIQTexample0000000000000000000000000000AAAAAAAAAA\n=abcd\n-----END PGP SIGNATURE-----\n",
			))

	// Thunderbird "forward as attachment".
	add(l, Expect{File: "s09-forward-as-attachment.eml", Class: "structure",
		From: "lan.nguyen@example.com", Subject: "Fwd: Xác nhận đơn hàng 1042",
		BodyStart: "Em chuyển tiếp thư xác nhận, nhờ shop kiểm tra.", Attachments: []string{"Xác nhận đơn hàng 1042.eml"}},
		head("User-Agent: Mozilla Thunderbird", "Nguyen Thi Lan <lan.nguyen@example.com>", support,
			bword("UTF-8", "Fwd: Xác nhận đơn hàng 1042"), "Mon, 11 Nov 2024 08:00:00 +0700", "a1b2c3d4-fwd@example.com",
			ctMultipart("mixed", "------------fwd0123456789"))+"\n"+
			multipart("------------fwd0123456789",
				plain("UTF-8", "8bit", "Em chuyển tiếp thư xác nhận, nhờ shop kiểm tra."),
				"Content-Type: message/rfc822; charset=UTF-8;\n name=\"=?UTF-8?B?WMOhYyBuaOG6rW4gxJHGoW4gaMOgbmcgMTA0Mi5lbWw=?=\"\nContent-Disposition: attachment;\n filename*0*=UTF-8''X%C3%A1c%20nh%E1%BA%ADn%20%C4%91%C6%A1n%20h%C3%A0ng%20;\n filename*1=1042.eml\n\nFrom: Shop <orders@shop.example.vn>\nTo: lan.nguyen@example.com\nSubject: Order 1042\n\nThank you for your order.\n",
			))

	// Yahoo Mail app: alternative plus two attachments.
	add(l, Expect{File: "s10-yahoo-mobile-two-files.eml", Class: "structure",
		From: "quang.do@yahoo.example", Subject: "Giấy tờ bảo hành",
		BodyStart: "Gửi shop giấy tờ bảo hành và hóa đơn.", Attachments: []string{"bao_hanh.pdf", "hoa_don.docx"}},
		head("X-Mailer: WebService/1.1.22806 YahooMailAndroidMobile", "Quang Do <quang.do@yahoo.example>", support,
			bword("UTF-8", "Giấy tờ bảo hành"), "Tue, 12 Nov 2024 07:07:07 +0000", "1122334455.667788.1731395227000@mail.yahoo.example",
			ctMultipart("mixed", "----=_Part_667788_112233.1731395227000"))+"\n"+
			multipart("----=_Part_667788_112233.1731395227000",
				ctMultipart("alternative", "----=_Part_667789_445566.1731395227000")+"\n"+multipart("----=_Part_667789_445566.1731395227000",
					plain("UTF-8", "quoted-printable", "Gửi shop giấy tờ bảo hành và hóa đơn.\n\nSent from Yahoo Mail on Android"),
					html("UTF-8", "quoted-printable", "<div>Gửi shop giấy tờ bảo hành và hóa đơn.</div><div id=\"ymail_android_signature\">Sent from Yahoo Mail on Android</div>"),
				),
				attachment("application/pdf", "Content-Disposition: attachment; filename=\"bao_hanh.pdf\"\n", pdf("bh")),
				attachment("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Content-Disposition: attachment; filename=\"hoa_don.docx\"\n", "PK\x03\x04docx-content"),
			))

	// Google Groups: the footer is inside each alternative.
	add(l, Expect{File: "s11-google-groups-footer.eml", Class: "structure",
		From: "bao.tran@example.com", Subject: "Tài khoản bị khóa",
		BodyStart: "Tài khoản của tôi bị khóa sau khi đổi mật khẩu."},
		head("", "Bao Tran <bao.tran@example.com>", "cskh@googlegroups.example",
			bword("UTF-8", "Tài khoản bị khóa"), "Tue, 12 Nov 2024 09:00:00 -0800", "b6f1c2e3-aaaa-bbbb-cccc-1234567890ab@googlegroups.example",
			"List-Id: <cskh.googlegroups.example>", ctMultipart("alternative", "----=_Part_1_1.1731430800000"))+"\n"+
			multipart("----=_Part_1_1.1731430800000",
				plain("UTF-8", "quoted-printable", "Tài khoản của tôi bị khóa sau khi đổi mật khẩu.\n\n-- \nYou received this message because you are subscribed to the Google Groups \"cskh\" group."),
				html("UTF-8", "quoted-printable", "<div>Tài khoản của tôi bị khóa sau khi đổi mật khẩu.</div><br>-- <br>You received this message because you are subscribed to the Google Groups &quot;cskh&quot; group."),
			))

	// A message with no Content-Type at all (RFC 822 text).
	add(l, Expect{File: "s12-no-content-type.eml", Class: "structure",
		From: "old.client@example.org", Subject: "Order status",
		BodyStart: "Hello, where is my order 3310?", NoWarnings: true},
		"From: old.client@example.org\nTo: support@shop.example.vn\nSubject: Order status\nDate: Tue, 12 Nov 2024 10:00:00 +0000\nMessage-ID: <plain-822@example.org>\n\nHello, where is my order 3310?\n")
}
