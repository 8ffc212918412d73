package main

// senders: header blocks and sender fallbacks, encoded words.
func senders(l *[]message) {
	body := plain("utf-8", "8bit", "Cho em hỏi đơn hàng 2231 đã giao chưa ạ?")
	const bodyStart = "Cho em hỏi đơn hàng 2231 đã giao chưa ạ?"

	// An mbox "From " line left in front of the headers by a forwarder.
	add(l, Expect{File: "h01-mbox-from-line.eml", Class: "header", From: "an.nguyen@example.vn", Subject: "Đơn 2231", BodyStart: bodyStart},
		"From an.nguyen@example.vn  Thu Nov 21 08:00:00 2024\n"+
			head("", "An Nguyen <an.nguyen@example.vn>", support, bword("UTF-8", "Đơn 2231"), "Thu, 21 Nov 2024 08:00:00 +0700", "mbox-line-1@example.vn")+body)

	// A blank line and a gateway banner before the headers.
	add(l, Expect{File: "h02-junk-lines-before-headers.eml", Class: "header", From: "binh.le@example.vn", Subject: "Đơn 2231", BodyStart: bodyStart},
		"\n>>> forwarded by gateway 10.0.0.5 <<<\n"+
			head("", "Binh Le <binh.le@example.vn>", support, bword("UTF-8", "Đơn 2231"), "Thu, 21 Nov 2024 08:10:00 +0700", "junk-lines-2@example.vn")+body)

	// From with a name and an empty address; Reply-To names the customer.
	add(l, Expect{File: "h03-from-empty-address-reply-to.eml", Class: "header", From: "chi.tran@example.vn", Subject: "Đơn 2231", BodyStart: bodyStart},
		"Return-Path: <bounce-8812@mailer.example.net>\nMIME-Version: 1.0\nFrom: \"Chi Tran\" <>\nReply-To: Chi Tran <chi.tran@example.vn>\nTo: "+support+"\nSubject: "+bword("UTF-8", "Đơn 2231")+"\nDate: Thu, 21 Nov 2024 08:20:00 +0700\nMessage-ID: <from-empty-3@mailer.example.net>\n"+body)

	// From with an empty address and a Sender header only.
	add(l, Expect{File: "h04-from-empty-sender.eml", Class: "header", From: "dung.pham@example.vn", Subject: "Đơn 2231", BodyStart: bodyStart},
		"MIME-Version: 1.0\nFrom: Dung Pham <>\nSender: Dung Pham <dung.pham@example.vn>\nTo: "+support+"\nSubject: "+bword("UTF-8", "Đơn 2231")+"\nDate: Thu, 21 Nov 2024 08:30:00 +0700\nMessage-ID: <from-sender-4@example.vn>\n"+body)

	// A broken From (space inside the address); only Return-Path is usable.
	add(l, Expect{File: "h05-broken-from-return-path.eml", Class: "header", From: "giang.ho@example.vn", Subject: "Đơn 2231", BodyStart: bodyStart, Warning: "From header is malformed"},
		"Return-Path: <giang.ho@example.vn>\nMIME-Version: 1.0\nFrom: Giang Ho <giang ho@example.vn>\nTo: "+support+"\nSubject: "+bword("UTF-8", "Đơn 2231")+"\nDate: Thu, 21 Nov 2024 08:40:00 +0700\nMessage-ID: <broken-from-5@example.vn>\n"+body)

	// A broken From and nothing else: no address may be invented from it
	// (a loose match would pick the shop's own address).
	add(l, Expect{File: "h06-broken-from-no-fallback.eml", Class: "header", From: "", Subject: "Đơn 2231", BodyStart: bodyStart, Warning: "no sender address"},
		"MIME-Version: 1.0\nFrom: support@shop.example.vn on behalf of Khach <khach at example dot vn>\nTo: "+support+"\nSubject: "+bword("UTF-8", "Đơn 2231")+"\nDate: Thu, 21 Nov 2024 08:50:00 +0700\nMessage-ID: <broken-from-6@example.vn>\n"+body)

	// Unquoted dots and commas in the display name (Outlook address book).
	add(l, Expect{File: "h07-outlook-unquoted-name.eml", Class: "header", From: "hai.nguyen@example.vn", Subject: "Đơn 2231", BodyStart: bodyStart},
		"MIME-Version: 1.0\nFrom: Nguyen, Hai T. <hai.nguyen@example.vn>\nTo: "+support+"\nSubject: "+bword("UTF-8", "Đơn 2231")+"\nDate: Thu, 21 Nov 2024 09:00:00 +0700\nMessage-ID: <unquoted-7@example.vn>\n"+body)

	// Raw GBK display name with a declared gb2312 body.
	add(l, Expect{File: "h08-raw-gbk-display-name.eml", Class: "header", From: "liu.yang@example.cn", Subject: "询价", BodyStart: "请问这款产品的批发价格是多少？"},
		head("X-Mailer: Foxmail 7.2.25.228[cn]", enc(gbk, "刘洋")+" <liu.yang@example.cn>", support, "=?gb2312?B?"+b64raw(enc(gbk, "询价"))+"?=", "Thu, 21 Nov 2024 10:00:00 +0800", "gbk-name-8@example.cn")+
			plain("gb2312", "base64", enc(gbk, "请问这款产品的批发价格是多少？")))

	// Over-padded base64 encoded word.
	add(l, Expect{File: "h09-overpadded-b-word.eml", Class: "encoded-word", From: "kim.ly@example.vn", Subject: "Hủy đơn hàng", BodyStart: bodyStart},
		head("", "kim.ly@example.vn", support, "=?UTF-8?B?SOG7p3kgxJHGoW4gaMOgbmc==?=", "Thu, 21 Nov 2024 11:00:00 +0700", "overpad-9@example.vn")+body)

	// Unpadded base64 encoded word.
	add(l, Expect{File: "h10-unpadded-b-word.eml", Class: "encoded-word", From: "long.ta@example.vn", Subject: "Không đăng nhập được", BodyStart: bodyStart},
		head("", "long.ta@example.vn", support, "=?UTF-8?B?S2jDtG5nIMSRxINuZyBuaOG6rXAgxJHGsOG7o2M?=", "Thu, 21 Nov 2024 11:10:00 +0700", "unpad-10@example.vn")+body)

	// A correct lowercase ?b? word must parse without any warning.
	add(l, Expect{File: "h11-lowercase-b-word-no-warning.eml", Class: "encoded-word", From: "mai.do@example.vn", Subject: "Hỏi về bảo hành máy giặt", BodyStart: bodyStart, NoWarnings: true},
		head("", "=?utf-8?b?xJDhu5cgTWFp?= <mai.do@example.vn>", support, "=?utf-8?b?SOG7j2kgduG7gSBi4bqjbyBow6BuaCBtw6F5?=\n =?utf-8?b?IGdp4bq3dA==?=", "Thu, 21 Nov 2024 11:20:00 +0700", "lower-b-11@example.vn")+body)

	// Outlook: a long subject as several Q words folded over lines, and
	// the sender's name as an encoded word inside quotes.
	add(l, Expect{File: "h12-outlook-folded-q-words.eml", Class: "encoded-word", From: "nam.bui@example.vn", Subject: "Yêu cầu xuất hóa đơn VAT cho đơn hàng 2231 và 2232", BodyStart: bodyStart},
		head("X-Mailer: Microsoft Outlook 16.0", "\"=?utf-8?B?QsO5aSBOYW0=?=\" <nam.bui@example.vn>", support,
			"=?utf-8?Q?Y=C3=AAu_c=E1=BA=A7u_xu=E1=BA=A5t_h=C3=B3a_=C4=91=C6=A1n_VAT_?=\n =?utf-8?Q?cho_=C4=91=C6=A1n_h=C3=A0ng_2231_v=C3=A0_2232?=", "Thu, 21 Nov 2024 11:30:00 +0700", "folded-q-12@example.vn")+body)

	// A Date header in a local format and a bare-LF message.
	addRaw(l, Expect{File: "h13-bare-lf-odd-date.eml", Class: "header", From: "oanh.vu@example.vn", Subject: "Đơn 2231", BodyStart: bodyStart, Warning: "unreadable Date"},
		[]byte("From: Oanh Vu <oanh.vu@example.vn>\nTo: support@shop.example.vn\nSubject: =?UTF-8?B?xJDGoW4gMjIzMQ==?=\nDate: 21/11/2024 12:00\nMessage-ID: <bare-lf-13@example.vn>\nContent-Type: text/plain; charset=utf-8\n\n"+bodyStart+"\n"))

	// Japanese mobile with a raw Shift_JIS display name only.
	add(l, Expect{File: "h14-sjis-raw-name.eml", Class: "header", From: "ito@softbank.example", Subject: "配送について", BodyStart: "配送日時を変更したいです。"},
		head("", enc(sjis, "伊藤")+" <ito@softbank.example>", support, "=?Shift_JIS?B?"+b64raw(enc(sjis, "配送について"))+"?=", "Thu, 21 Nov 2024 13:00:00 +0900", "sjis-name-14@softbank.example")+
			plain("Shift_JIS", "8bit", enc(sjis, "配送日時を変更したいです。")))

	// The old "address (comment)" form, as Unix mailers write it.
	add(l, Expect{File: "h15-address-comment-form.eml", Class: "header", From: "vinh.pham@example.vn", Subject: "Đơn 2231", BodyStart: bodyStart},
		"MIME-Version: 1.0\nFrom: vinh.pham@example.vn (Vinh Pham)\nTo: support@shop.example.vn\nSubject: "+bword("UTF-8", "Đơn 2231")+"\nDate: Thu, 21 Nov 2024 14:00:00 +0700\nMessage-ID: <comment-15@example.vn>\n"+body)

	// A bounce (multipart/report): the human-readable part is the text.
	add(l, Expect{File: "h16-bounce-report.eml", Class: "header", From: "mailer-daemon@mail.example.net", Subject: "Undelivered Mail Returned to Sender",
		BodyStart: "This is the mail system at host mail.example.net.", Attachments: []string{"part-2.txt", "part-3.txt"}},
		"Return-Path: <>\nMIME-Version: 1.0\nFrom: MAILER-DAEMON@mail.example.net (Mail Delivery System)\nTo: support@shop.example.vn\nSubject: Undelivered Mail Returned to Sender\nDate: Thu, 21 Nov 2024 15:00:00 +0700\nMessage-ID: <bounce-16@mail.example.net>\n"+
			"Content-Type: multipart/report; report-type=delivery-status;\n\tboundary=\"7A1B2C3D4E.1732176000/mail.example.net\"\n\n"+
			multipart("7A1B2C3D4E.1732176000/mail.example.net",
				"Content-Description: Notification\nContent-Type: text/plain; charset=us-ascii\n\nThis is the mail system at host mail.example.net.\n\nI'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients.\n",
				"Content-Description: Delivery report\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mail.example.net\n\nFinal-Recipient: rfc822; nobody@example.vn\nAction: failed\nStatus: 5.1.1\n",
				"Content-Description: Undelivered Message Headers\nContent-Type: text/rfc822-headers\n\nFrom: support@shop.example.vn\nTo: nobody@example.vn\nSubject: Re: Order\n",
			))
}
