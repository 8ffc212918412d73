package main

import "strings"

// charsets: undeclared or wrongly declared 8-bit text, per header, part
// and file name.
func charsets(l *[]message) {
	// Foxmail: raw GBK subject and sender name, body declared gb2312.
	zhBody := "您好，我上周在贵店购买的空调一直没有发货，订单号是20241105。请问什么时候可以发货？谢谢。"
	add(l, Expect{File: "c01-foxmail-raw-gbk-subject.eml", Class: "charset",
		From: "wang.fang@qq.example", Subject: "关于订单20241105的问题",
		BodyStart: "您好，我上周在贵店购买的空调一直没有发货"},
		head("X-Mailer: Foxmail 7.2.25.228[cn]", enc(gbk, "王芳")+" <wang.fang@qq.example>", support,
			enc(gbk, "关于订单20241105的问题"), "Wed, 13 Nov 2024 10:20:30 +0800", "202411131020301234567@qq.example")+
			plain("\"gb2312\"", "base64", enc(gbk, zhBody)))

	// An old Chinese webmail: GBK body with no charset at all.
	add(l, Expect{File: "c02-undeclared-gbk-body.eml", Class: "charset",
		From: "li.ming@163.example", Subject: "退货申请",
		BodyStart: "你好，我收到的衣服尺码不对，想申请退货。"},
		head("", "li.ming@163.example", support,
			enc(gbk, "退货申请"), "Wed, 13 Nov 2024 11:00:00 +0800", "5f3a2b1c.8d7e.1930b2c3d4e@163.example",
			"Content-Type: text/plain", "Content-Transfer-Encoding: 8bit")+"\n"+
			enc(gbk, "你好，我收到的衣服尺码不对，想申请退货。请告诉我退货地址和流程。谢谢！\n李明")+"\n")

	// GBK file name written raw in the Content-Disposition.
	add(l, Expect{File: "c03-raw-gbk-filename.eml", Class: "charset",
		From: "zhao.lei@sina.example", Subject: "发票",
		BodyStart: "请查收发票。", Attachments: []string{"发票2024.pdf"}},
		head("X-Mailer: Foxmail 7.2.25.228[cn]", "zhao.lei@sina.example", support,
			"=?gb2312?B?"+b64raw(enc(gbk, "发票"))+"?=", "Wed, 13 Nov 2024 12:00:00 +0800", "202411131200001111@sina.example",
			ctMultipart("mixed", "----=_NextPart_6734A1B2_0C3D4E5F_1A2B3C4D"))+"\n"+
			multipart("----=_NextPart_6734A1B2_0C3D4E5F_1A2B3C4D",
				plain("\"gb2312\"", "base64", enc(gbk, "请查收发票。\n赵磊")),
				attachment("application/octet-stream; name=\""+enc(gbk, "发票2024.pdf")+"\"", "Content-Disposition: attachment; filename=\""+enc(gbk, "发票2024.pdf")+"\"\n", pdf("fp")),
			))

	// Taiwanese mailer: raw Big5 subject, body declared big5.
	add(l, Expect{File: "c04-big5-raw-subject.eml", Class: "charset",
		From: "chen.mei@hinet.example", Subject: "請問訂單出貨時間",
		BodyStart: "您好，請問我上週訂購的商品什麼時候會出貨？"},
		head("X-Mailer: Microsoft Outlook Express 6.00.2900.5931", "\""+enc(big5, "陳美")+"\" <chen.mei@hinet.example>", support,
			enc(big5, "請問訂單出貨時間"), "Thu, 14 Nov 2024 09:30:00 +0800", "000801c0a1b2$c3d4e5f0$0100a8c0@hinet.example")+
			plain("\"big5\"", "8bit", enc(big5, "您好，請問我上週訂購的商品什麼時候會出貨？謝謝。")))

	// Big5 body without a charset.
	add(l, Expect{File: "c05-undeclared-big5-body.eml", Class: "charset",
		From: "lin.hao@seed.example", Subject: "Re: order 5512",
		BodyStart: "您好，我已經匯款了，請幫我確認訂單，並告訴我預計到貨的日期。"},
		head("", "lin.hao@seed.example", support,
			"Re: order 5512", "Thu, 14 Nov 2024 10:00:00 +0800", "big5-undeclared-5512@seed.example",
			"Content-Type: text/plain", "Content-Transfer-Encoding: 8bit")+"\n"+
			enc(big5, "您好，我已經匯款了，請幫我確認訂單，並告訴我預計到貨的日期。非常感謝您的幫忙。")+"\n")

	// Japanese mobile: raw Shift_JIS subject, body declared Shift_JIS.
	add(l, Expect{File: "c06-sjis-raw-subject.eml", Class: "charset",
		From: "tanaka@docomo.example", Subject: "注文の件について",
		BodyStart: "お世話になっております。先日注文した商品がまだ届いていません。"},
		head("X-Mailer: Docomo Mail", "tanaka@docomo.example", support,
			enc(sjis, "注文の件について"), "Fri, 15 Nov 2024 08:00:00 +0900", "sjis-raw-subject-1@docomo.example")+
			plain("Shift_JIS", "8bit", enc(sjis, "お世話になっております。先日注文した商品がまだ届いていません。確認をお願いします。")))

	// Shift_JIS body, undeclared.
	add(l, Expect{File: "c07-undeclared-sjis-body.eml", Class: "charset",
		From: "suzuki@ezweb.example", Subject: "Order problem",
		BodyStart: "こんにちは。届いた商品が壊れていました。交換をお願いできますか。"},
		head("", "suzuki@ezweb.example", support,
			"Order problem", "Fri, 15 Nov 2024 09:00:00 +0900", "sjis-undeclared-2@ezweb.example",
			"Content-Type: text/plain", "Content-Transfer-Encoding: 8bit")+"\n"+
			enc(sjis, "こんにちは。届いた商品が壊れていました。交換をお願いできますか。よろしくお願いいたします。")+"\n")

	// Standard Japanese mail: ISO-2022-JP encoded words and body.
	add(l, Expect{File: "c08-iso-2022-jp-standard.eml", Class: "charset",
		From: "sato@example.jp", Subject: "返品について",
		BodyStart: "佐藤です。返品の手続きを教えてください。", NoWarnings: true},
		head("X-Mailer: Becky! ver. 2.81.04", "=?ISO-2022-JP?B?"+b64raw(enc(jis, "佐藤"))+"?= <sato@example.jp>", support,
			"=?ISO-2022-JP?B?"+b64raw(enc(jis, "返品について"))+"?=", "Fri, 15 Nov 2024 10:00:00 +0900", "20241115100000.1A2B@example.jp")+
			plain("ISO-2022-JP", "7bit", enc(jis, "佐藤です。返品の手続きを教えてください。")))

	// Old Japanese mailer: raw ISO-2022-JP in the Subject, no charset.
	add(l, Expect{File: "c09-raw-jis-subject.eml", Class: "charset",
		From: "yamada@example.ne.jp", Subject: "至急ご確認ください",
		BodyStart: "山田です。請求書の金額が違います。"},
		head("", "yamada@example.ne.jp", support,
			enc(jis, "至急ご確認ください"), "Fri, 15 Nov 2024 11:00:00 +0900", "raw-jis-3@example.ne.jp",
			"Content-Type: text/plain", "Content-Transfer-Encoding: 7bit")+"\n"+
			enc(jis, "山田です。請求書の金額が違います。")+"\n")

	// Korean Outlook: ks_c_5601-1987 label, raw subject in EUC-KR.
	add(l, Expect{File: "c10-korean-ks-c-5601-raw-subject.eml", Class: "charset",
		From: "kim.minsu@naver.example", Subject: "주문 관련 문의",
		BodyStart: "안녕하세요. 지난주에 주문한 상품이 아직 도착하지 않았습니다."},
		head("X-Mailer: Microsoft Outlook 16.0", "=?ks_c_5601-1987?B?"+b64raw(enc(euck, "김민수"))+"?= <kim.minsu@naver.example>", support,
			enc(euck, "주문 관련 문의"), "Sat, 16 Nov 2024 09:00:00 +0900", "001a01db37c1$aa11bb22$cc33dd44$@naver.example")+
			plain("\"ks_c_5601-1987\"", "base64", enc(euck, "안녕하세요. 지난주에 주문한 상품이 아직 도착하지 않았습니다. 확인 부탁드립니다.")))

	// EUC-KR body with no charset, and a Korean file name in an encoded word.
	add(l, Expect{File: "c11-undeclared-euc-kr-body.eml", Class: "charset",
		From: "park.jiyeon@daum.example", Subject: "견적서 요청",
		BodyStart: "안녕하세요. 견적서를 첨부합니다. 검토 후 연락 부탁드립니다.", Attachments: []string{"견적서.pdf"}},
		head("", "park.jiyeon@daum.example", support,
			"=?EUC-KR?B?"+b64raw(enc(euck, "견적서 요청"))+"?=", "Sat, 16 Nov 2024 10:00:00 +0900", "euckr-undeclared-4@daum.example",
			ctMultipart("mixed", "=_korean_mixed_01"))+"\n"+
			multipart("=_korean_mixed_01",
				"Content-Type: text/plain\nContent-Transfer-Encoding: 8bit\n\n"+enc(euck, "안녕하세요. 견적서를 첨부합니다. 검토 후 연락 부탁드립니다. 감사합니다.")+"\n",
				attachment("application/pdf; name=\"=?EUC-KR?B?"+b64raw(enc(euck, "견적서.pdf"))+"?=\"", "Content-Disposition: attachment; filename=\"=?EUC-KR?B?"+b64raw(enc(euck, "견적서.pdf"))+"?=\"\n", pdf("kr")),
			))

	// Russian: raw windows-1251 subject, body declared windows-1251.
	add(l, Expect{File: "c12-cyrillic-raw-1251-subject.eml", Class: "charset",
		From: "ivanov@mail.example.ru", Subject: "Вопрос по заказу 7712",
		BodyStart: "Здравствуйте, мой заказ до сих пор не доставлен."},
		head("X-Mailer: The Bat! (v9.4.5) Professional", "ivanov@mail.example.ru", support,
			enc(w251, "Вопрос по заказу 7712"), "Sun, 17 Nov 2024 12:00:00 +0300", "1986543210.20241117120000@mail.example.ru")+
			plain("windows-1251", "8bit", enc(w251, "Здравствуйте, мой заказ до сих пор не доставлен. Помогите, пожалуйста.")))

	// KOI8-R body declared, subject in a KOI8-R encoded word.
	add(l, Expect{File: "c13-koi8-r.eml", Class: "charset",
		From: "petrov@example.ru", Subject: "Возврат товара",
		BodyStart: "Добрый день! Хочу вернуть товар, он пришёл с дефектом.", NoWarnings: true},
		head("", "petrov@example.ru", support,
			qword("koi8-r", "Возврат товара"), "Sun, 17 Nov 2024 13:00:00 +0300", "koi8-5@example.ru")+
			plain("koi8-r", "8bit", enc(koi8, "Добрый день! Хочу вернуть товар, он пришёл с дефектом.")))

	// Cyrillic windows-1251 body with no charset.
	add(l, Expect{File: "c14-undeclared-1251-body.eml", Class: "charset",
		From: "sidorova@example.ru", Subject: "Re: 7712",
		BodyStart: "Здравствуйте, мой заказ до сих пор не доставлен. Помогите, пожалуйста, разобраться."},
		head("", "sidorova@example.ru", support,
			"Re: 7712", "Sun, 17 Nov 2024 14:00:00 +0300", "w1251-undeclared-6@example.ru",
			"Content-Type: text/plain", "Content-Transfer-Encoding: 8bit")+"\n"+
			enc(w251, "Здравствуйте, мой заказ до сих пор не доставлен. Помогите, пожалуйста, разобраться.")+"\n")

	// Latin-1 raw file name in a German message.
	add(l, Expect{File: "c15-raw-latin1-filename.eml", Class: "charset",
		From: "mueller@example.de", Subject: "Rechnung März",
		BodyStart: "Anbei die Rechnung für März.", Attachments: []string{"Rechnung März.pdf"}},
		head("X-Mailer: Microsoft Outlook 14.0", "Hans Müller <mueller@example.de>", support,
			"=?iso-8859-1?Q?Rechnung_M=E4rz?=", "Mon, 18 Nov 2024 09:00:00 +0100", "000a01db39a0$11223344$55667788$@example.de",
			ctMultipart("mixed", "----=_NextPart_000_000B_01DB39A0.11223344"))+"\n"+
			multipart("----=_NextPart_000_000B_01DB39A0.11223344",
				plain("\"iso-8859-1\"", "quoted-printable", enc(l1, "Anbei die Rechnung für März.\n\nGrüße\nHans")),
				attachment("application/pdf;\n\tname=\""+enc(l1, "Rechnung März.pdf")+"\"", "Content-Disposition: attachment;\n\tfilename=\""+enc(l1, "Rechnung März.pdf")+"\"\n", pdf("rm")),
			))

	// Vietnamese windows-1258, raw subject, undeclared body.
	add(l, Expect{File: "c16-vietnamese-1258-undeclared.eml", Class: "charset",
		From: "hung.pham@example.vn", Subject: "Khiếu nại giao hàng chậm",
		BodyStart: "Tôi đặt hàng từ ngày 1/11 mà đến nay vẫn chưa nhận được."},
		head("X-Mailer: Microsoft Outlook Express 6.00.2900.2180", "hung.pham@example.vn", support,
			encode1258("Khiếu nại giao hàng chậm"), "Mon, 18 Nov 2024 10:00:00 +0700", "000601c0b2c3$d4e5f6a7$0200a8c0@example.vn",
			"Content-Type: text/plain", "Content-Transfer-Encoding: 8bit")+"\n"+
			encode1258("Tôi đặt hàng từ ngày 1/11 mà đến nay vẫn chưa nhận được. Đề nghị shop kiểm tra.")+"\n")

	// UTF-8 body with one stray windows-1252 byte (a pasted "–").
	add(l, Expect{File: "c17-utf8-one-invalid-byte.eml", Class: "charset",
		From: "trang.nguyen@example.vn", Subject: "Đổi địa chỉ giao hàng",
		BodyStart: "Nhờ shop đổi địa chỉ giao hàng – số 12 Lê Lợi, Quận 1."},
		head("", "Trang Nguyen <trang.nguyen@example.vn>", support,
			bword("UTF-8", "Đổi địa chỉ giao hàng"), "Tue, 19 Nov 2024 08:00:00 +0700", "utf8-stray-byte-7@example.vn")+
			"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"+
			strings.Replace("Nhờ shop đổi địa chỉ giao hàng – số 12 Lê Lợi, Quận 1.\nCảm ơn shop nhiều.", "–", "\x96", 1)+"\n")

	// Declared iso-8859-1 but written in UTF-8.
	add(l, Expect{File: "c18-utf8-declared-latin1.eml", Class: "charset",
		From: "khoa.le@example.vn", Subject: "Hỏi giá sỉ",
		BodyStart: "Cho mình hỏi giá sỉ cho đơn 100 cái."},
		head("X-Mailer: SquirrelMail/1.4.22", "khoa.le@example.vn", support,
			bword("UTF-8", "Hỏi giá sỉ"), "Tue, 19 Nov 2024 09:00:00 +0700", "squirrel-8@example.vn")+
			plain("iso-8859-1", "8bit", "Cho mình hỏi giá sỉ cho đơn 100 cái.\nCảm ơn."))

	// SMTPUTF8: raw UTF-8 subject and name (RFC 6532), as Gmail sends.
	add(l, Expect{File: "c19-raw-utf8-headers.eml", Class: "charset",
		From: "linh.dang@gmail.example", Subject: "Giao nhầm màu áo",
		BodyStart: "Em đặt áo màu xanh nhưng nhận được màu đỏ.", NoWarnings: true},
		head("", "Đặng Linh <linh.dang@gmail.example>", support,
			"Giao nhầm màu áo", "Tue, 19 Nov 2024 10:00:00 +0700", "CAKd8s9Rq2-utf8@mail.gmail.example")+
			plain("UTF-8", "8bit", "Em đặt áo màu xanh nhưng nhận được màu đỏ."))

	// GB18030 declared, quoted-printable.
	add(l, Expect{File: "c20-gb18030-qp.eml", Class: "charset",
		From: "zhou.jie@example.cn", Subject: "物流查询",
		BodyStart: "请帮我查一下物流信息，订单号8821。", NoWarnings: true},
		head("", "zhou.jie@example.cn", support,
			"=?GB18030?B?"+b64raw(enc(simplifiedGB18030, "物流查询"))+"?=", "Wed, 20 Nov 2024 09:00:00 +0800", "gb18030-9@example.cn")+
			plain("GB18030", "quoted-printable", enc(simplifiedGB18030, "请帮我查一下物流信息，订单号8821。")))

	// Encoded word in an unknown charset label.
	add(l, Expect{File: "c21-unknown-8bit-word.eml", Class: "charset",
		From: "tuan.vo@example.vn", Subject: "Cảm ơn shop",
		BodyStart: "Đã nhận hàng, cảm ơn shop."},
		head("", "tuan.vo@example.vn", support,
			"=?unknown-8bit?Q?C=E1=BA=A3m_=C6=A1n_shop?=", "Wed, 20 Nov 2024 10:00:00 +0700", "unknown8bit-10@example.vn")+
			plain("utf-8", "8bit", "Đã nhận hàng, cảm ơn shop."))

	// Vietnamese Outlook Express: raw windows-1258 file name and body.
	add(l, Expect{File: "c22-raw-1258-filename.eml", Class: "charset",
		From: "nhung.cao@example.vn", Subject: "Hóa đơn tháng 11",
		BodyStart: "Em gửi hóa đơn tháng 11, nhờ anh chị kiểm tra.", Attachments: []string{"Hóa đơn tháng 11.pdf"}},
		head("X-Mailer: Microsoft Outlook Express 6.00.2900.2180", "nhung.cao@example.vn", support,
			"=?windows-1258?Q?H=F3a_=F0=F5n_th=E1ng_11?=", "Wed, 20 Nov 2024 11:00:00 +0700", "000701c0c3d4$e5f6a7b8$0300a8c0@example.vn",
			ctMultipart("mixed", "----=_NextPart_000_0007_01C0C3D4.E5F6A7B8"))+"\n"+
			multipart("----=_NextPart_000_0007_01C0C3D4.E5F6A7B8",
				"Content-Type: text/plain\nContent-Transfer-Encoding: 8bit\n\n"+encode1258("Em gửi hóa đơn tháng 11, nhờ anh chị kiểm tra.\nCảm ơn.")+"\n",
				attachment("application/pdf; name=\""+encode1258("Hóa đơn tháng 11.pdf")+"\"", "Content-Disposition: attachment; filename=\""+encode1258("Hóa đơn tháng 11.pdf")+"\"\n", pdf("vn11")),
			))

	// Korean Outlook: a raw EUC-KR file name beside a declared body.
	add(l, Expect{File: "c23-raw-euc-kr-filename.eml", Class: "charset",
		From: "lee.sora@naver.example", Subject: "영수증",
		BodyStart: "영수증 보내드립니다.", Attachments: []string{"영수증.jpg"}},
		head("X-Mailer: Microsoft Outlook 16.0", "lee.sora@naver.example", support,
			"=?ks_c_5601-1987?B?"+b64raw(enc(euck, "영수증"))+"?=", "Wed, 20 Nov 2024 12:00:00 +0900", "002b01db3b11$aa22bb33$cc44dd55$@naver.example",
			ctMultipart("mixed", "----=_NextPart_000_002B_01DB3B11.AA22BB33"))+"\n"+
			multipart("----=_NextPart_000_002B_01DB3B11.AA22BB33",
				plain("\"ks_c_5601-1987\"", "base64", enc(euck, "영수증 보내드립니다.")),
				attachment("image/jpeg; name=\""+enc(euck, "영수증.jpg")+"\"", "Content-Disposition: attachment; filename=\""+enc(euck, "영수증.jpg")+"\"\n", jpeg("kr")),
			))
}

func b64raw(s string) string { return strings.TrimSpace(strings.ReplaceAll(b64(s), "\n", "")) }
