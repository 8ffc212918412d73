package main

import (
	"bytes"
	"fmt"
	"strings"
)

// quotes: replies and forwards in English, Vietnamese, German, French and
// Spanish; what the sender wrote is kept, the history is not.
func quotes(l *[]message) {
	reply := func(file, class, mailer, from, subject, text string, want Expect) {
		want.File, want.Class = file, class
		want.From, want.Subject = addrOf(from), subject
		add(l, want, head(mailer, from, support, bword("UTF-8", subject), "Sat, 23 Nov 2024 09:00:00 +0100", file[:3]+"-quote@example.net")+
			plain("utf-8", "quoted-printable", text))
	}
	const history = "Ihre Bestellung 7781 wurde versandt."

	reply("q01-gmx-original-nachricht.eml", "separator", "", "Jonas Weber <jonas.weber@gmx.example>", "AW: Bestellung 7781",
		"Das Paket ist leider nicht angekommen.\n\n----- Original Nachricht ----\nVon:     Shop Support <support@shop.example.vn>\nAn:      jonas.weber@gmx.example\nDatum:   22.11.2024 10:00\nBetreff: Bestellung 7781\n\n"+history,
		Expect{BodyStart: "Das Paket ist leider nicht angekommen.", BodyNot: history})

	reply("q02-outlook-de-urspruengliche.eml", "separator", "X-Mailer: Microsoft Outlook 16.0", "Lea Braun <lea.braun@example.de>", "AW: Bestellung 7781",
		"Bitte stornieren Sie die Bestellung.\n\n-----Ursprüngliche Nachricht-----\nVon: Shop Support <support@shop.example.vn>\nGesendet: Freitag, 22. November 2024 10:00\nAn: Lea Braun <lea.braun@example.de>\nBetreff: Bestellung 7781\n\n"+history,
		Expect{BodyStart: "Bitte stornieren Sie die Bestellung.", BodyNot: history})

	reply("q03-thunderbird-de-weitergeleitet.eml", "separator", "User-Agent: Mozilla Thunderbird", "Tim Koch <tim.koch@example.de>", "WG: Bestellung 7781",
		"Zur Info, siehe unten.\n\n-------- Weitergeleitete Nachricht --------\nBetreff: \tBestellung 7781\nDatum: \tFri, 22 Nov 2024 10:00:00 +0100\nVon: \tShop Support <support@shop.example.vn>\n\n"+history,
		Expect{BodyStart: "Zur Info, siehe unten.", BodyNot: history})

	reply("q04-thunderbird-fr-message-original.eml", "separator", "User-Agent: Mozilla Thunderbird", "Julie Martin <julie.martin@example.fr>", "Re: Commande 5521",
		"Je n'ai toujours rien reçu.\n\n-------- Message original --------\nSujet : Commande 5521\nDate : Fri, 22 Nov 2024 10:00:00 +0100\nDe : Shop Support <support@shop.example.vn>\n\nVotre commande a été expédiée.",
		Expect{BodyStart: "Je n'ai toujours rien reçu.", BodyNot: "expédiée"})

	reply("q05-thunderbird-fr-transfere.eml", "separator", "User-Agent: Mozilla Thunderbird", "Paul Bernard <paul.bernard@example.fr>", "Tr: Commande 5521",
		"Voir ci-dessous.\n\n-------- Message transféré --------\nSujet : Commande 5521\nDe : Shop Support <support@shop.example.vn>\n\nVotre commande a été expédiée.",
		Expect{BodyStart: "Voir ci-dessous.", BodyNot: "expédiée"})

	reply("q06-outlook-fr-header-block.eml", "separator", "X-Mailer: Microsoft Outlook 16.0", "Marie Petit <marie.petit@example.fr>", "RE: Commande 5521",
		"Merci, c'est reçu.\n\nDe : Shop Support <support@shop.example.vn>\nEnvoyé : vendredi 22 novembre 2024 10:00\nÀ : Marie Petit <marie.petit@example.fr>\nObjet : Commande 5521\n\nVotre commande a été expédiée.",
		Expect{BodyStart: "Merci, c'est reçu.", BodyNot: "expédiée"})

	reply("q07-gmail-es-mensaje-reenviado.eml", "separator", "", "Lucia Garcia <lucia.garcia@gmail.example>", "Fwd: Pedido 3310",
		"Os reenvío la confirmación.\n\n---------- Mensaje reenviado ---------\nDe: Shop Support <support@shop.example.vn>\nDate: vie, 22 nov 2024 a las 10:00\nSubject: Pedido 3310\nTo: <lucia.garcia@gmail.example>\n\nSu pedido ha sido enviado.",
		Expect{BodyStart: "Os reenvío la confirmación.", BodyNot: "ha sido enviado"})

	reply("q08-outlook-es-mensaje-original.eml", "separator", "X-Mailer: Microsoft Outlook 16.0", "Carlos Ruiz <carlos.ruiz@example.es>", "RE: Pedido 3310",
		"No he recibido nada.\n\n-----Mensaje original-----\nDe: Shop Support <support@shop.example.vn>\nEnviado el: viernes, 22 de noviembre de 2024 10:00\nPara: Carlos Ruiz <carlos.ruiz@example.es>\nAsunto: Pedido 3310\n\nSu pedido ha sido enviado.",
		Expect{BodyStart: "No he recibido nada.", BodyNot: "ha sido enviado"})

	reply("q09-gmail-es-attribution.eml", "separator", "", "Ana Lopez <ana.lopez@gmail.example>", "Re: Pedido 3310",
		"Gracias, ya llegó.\n\nEl vie, 22 nov 2024 a las 10:00, Shop Support (<support@shop.example.vn>) escribió:\n> Su pedido ha sido enviado.",
		Expect{BodyStart: "Gracias, ya llegó.", BodyNot: "ha sido enviado"})

	reply("q10-gmail-vi-chuyen-tiep.eml", "separator", "", "Hien Mai <hien.mai@gmail.example>", "Fwd: Đơn hàng 1042",
		"Chuyển tiếp cho shop xem.\n\n---------- Thư được chuyển tiếp ---------\nTừ: Shop Support <support@shop.example.vn>\nDate: Th 6, 22 thg 11, 2024 lúc 10:00\nSubject: Đơn hàng 1042\nTo: <hien.mai@gmail.example>\n\nĐơn hàng của bạn đã được giao.",
		Expect{BodyStart: "Chuyển tiếp cho shop xem.", BodyNot: "đã được giao"})

	reply("q11-gmail-vi-attribution.eml", "separator", "", "Tam Ly <tam.ly@gmail.example>", "Re: Đơn hàng 1042",
		"Em chưa nhận được ạ.\n\nVào Th 6, 22 thg 11, 2024 vào lúc 10:00 Shop Support <support@shop.example.vn> đã viết:\n> Đơn hàng của bạn đã được giao.",
		Expect{BodyStart: "Em chưa nhận được ạ.", BodyNot: "đã được giao"})

	reply("q12-outlook-vi-header-block.eml", "separator", "X-Mailer: Microsoft Outlook 16.0", "Phat Tang <phat.tang@example.vn>", "RE: Đơn hàng 1042",
		"Shop kiểm tra lại giúp em.\n\nTừ: Shop Support <support@shop.example.vn>\nĐã gửi: Thứ Sáu, 22 tháng 11, 2024 10:00\nĐến: Phat Tang <phat.tang@example.vn>\nChủ đề: Đơn hàng 1042\n\nĐơn hàng của bạn đã được giao.",
		Expect{BodyStart: "Shop kiểm tra lại giúp em.", BodyNot: "đã được giao"})

	reply("q13-apple-begin-forwarded.eml", "separator", "X-Mailer: Apple Mail (2.3774.500.171.1.1)", "Sam Lee <sam.lee@icloud.example>", "Fwd: Order 1042",
		"See below, this never arrived.\n\nBegin forwarded message:\n\nFrom: Shop Support <support@shop.example.vn>\nSubject: Order 1042\nDate: 22 November 2024 at 10:00:00 GMT+7\n\nYour order has been delivered.",
		Expect{BodyStart: "See below, this never arrived.", BodyNot: "has been delivered"})

	reply("q14-gmail-en-forwarded.eml", "separator", "", "Kate Ng <kate.ng@gmail.example>", "Fwd: Order 1042",
		"Please check this order.\n\n---------- Forwarded message ---------\nFrom: Shop Support <support@shop.example.vn>\nDate: Fri, Nov 22, 2024 at 10:00 AM\nSubject: Order 1042\nTo: <kate.ng@gmail.example>\n\nYour order has been delivered.",
		Expect{BodyStart: "Please check this order.", BodyNot: "has been delivered"})

	reply("q15-outlook-en-original.eml", "separator", "X-Mailer: Microsoft Outlook 16.0", "Tom Hill <tom.hill@example.com>", "RE: Order 1042",
		"The parcel was empty.\n\n-----Original Message-----\nFrom: Shop Support <support@shop.example.vn>\nSent: Friday, November 22, 2024 10:00 AM\nTo: Tom Hill <tom.hill@example.com>\nSubject: Order 1042\n\nYour order has been delivered.",
		Expect{BodyStart: "The parcel was empty.", BodyNot: "has been delivered"})

	reply("q16-gmail-fr-attribution.eml", "separator", "", "Luc Roux <luc.roux@gmail.example>", "Re: Commande 5521",
		"Toujours rien.\n\nLe ven. 22 nov. 2024 à 10:00, Shop Support <support@shop.example.vn> a\nécrit :\n> Votre commande a été expédiée.",
		Expect{BodyStart: "Toujours rien.", BodyNot: "expédiée"})

	// A forwarded chain three deep: only the top note is the message.
	chain := "Anh xem giúp em chuỗi thư này.\n\n---------- Forwarded message ---------\nFrom: Lan <lan@example.vn>\nDate: Fri, Nov 22, 2024 at 9:00 AM\nSubject: Fwd: Bảo hành\nTo: <hoang@example.vn>\n\nGửi anh.\n\n---------- Forwarded message ---------\nFrom: Shop Support <support@shop.example.vn>\nDate: Thu, Nov 21, 2024 at 8:00 AM\nSubject: Bảo hành\n\nPhiếu bảo hành đã được duyệt."
	reply("q17-forwarded-chain.eml", "separator", "", "Hoang Vo <hoang.vo@gmail.example>", "Fwd: Fwd: Bảo hành",
		chain, Expect{BodyStart: "Anh xem giúp em chuỗi thư này.", BodyNot: "đã được duyệt"})
}

// limits: hostile trees that must parse in bounded time with a warning.
func limits(l *[]message) {
	// A MIME tree nested 4,000 deep (about 274 KB).
	var b bytes.Buffer
	b.WriteString(head("", "attacker@example.net", support, "deep", "Sun, 24 Nov 2024 00:00:00 +0000", "deep-tree-4000@example.net",
		"Content-Type: multipart/mixed; boundary=\"b0000\""))
	b.WriteString("\nIntro text before the tree.\n")
	for i := 1; i <= 4000; i++ {
		fmt.Fprintf(&b, "--b%04d\nContent-Type: multipart/mixed; boundary=\"b%04d\"\n\n", i-1, i)
	}
	fmt.Fprintf(&b, "--b4000\nContent-Type: text/plain\n\nhidden at the bottom\n")
	for i := 4000; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%04d--\n", i)
	}
	add(l, Expect{File: "x01-mime-4000-deep.eml", Class: "limit", From: "attacker@example.net", Subject: "deep", BodyStart: "", Warning: "MIME tree deeper than 32 levels"}, b.String())

	// Thousands of tiny parts.
	var parts []string
	parts = append(parts, plain("utf-8", "7bit", "Many files follow."))
	for i := 1; i <= 3000; i++ {
		parts = append(parts, fmt.Sprintf("Content-Type: text/plain; name=\"f%04d.txt\"\nContent-Disposition: attachment; filename=\"f%04d.txt\"\n\n%d\n", i, i, i))
	}
	add(l, Expect{File: "x02-3000-tiny-parts.eml", Class: "limit", From: "attacker@example.net", Subject: "many", BodyStart: "Many files follow.", AttachmentCount: 498, Warning: "more than 500 MIME parts"},
		head("", "attacker@example.net", support, "many", "Sun, 24 Nov 2024 00:10:00 +0000", "many-parts-3000@example.net", ctMultipart("mixed", "m"))+"\n"+multipart("m", parts...))

	// An unterminated boundary, and a part header cut off.
	add(l, Expect{File: "x03-unterminated.eml", Class: "limit", From: "cut.off@example.vn", Subject: "Cut", BodyStart: "Thư bị cắt giữa chừng.", Attachments: []string{"x.pdf"}},
		head("", "cut.off@example.vn", support, "Cut", "Sun, 24 Nov 2024 00:20:00 +0000", "cut-3@example.vn", ctMultipart("mixed", "cut"))+"\n--cut\n"+plain("utf-8", "8bit", "Thư bị cắt giữa chừng.")+"\n--cut\nContent-Type: application/pdf; name=\"x.pdf\"\nContent-Transfer-")
	_ = strings.Repeat
}
