package meta

import (
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/channels/channelstest"
	"github.com/concierge-cx/concierge/shared/channels/testsecrets"
	"github.com/concierge-cx/concierge/shared/domain"
)

func TestVerifyHandshake(t *testing.T) {
	// Meta's documented example request, from "Getting Started" of the Graph
	// API webhooks docs (developers.facebook.com/docs/graph-api/webhooks/getting-started):
	// GET ...?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock
	documented, _ := url.ParseQuery("hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock")
	sample := channelstest.Load(t, "meta-verify.json")
	tests := []struct {
		name  string
		query url.Values
		token string
		want  string
		code  domain.Code
	}{
		{"Meta's documented example", documented, "meatyhamhock", "1158201444", ""},
		{"sample event", sample.Query, testsecrets.MetaVerifyToken, "1158201444", ""},
		{"wrong verify token", documented, "someone-else", "", domain.CodeForbidden},
		{"no token configured", documented, "", "", domain.CodeForbidden},
		{"not subscribe", url.Values{"hub.mode": {"unsubscribe"}, "hub.verify_token": {"meatyhamhock"}, "hub.challenge": {"1"}}, "meatyhamhock", "", domain.CodeForbidden},
		{"no query at all", url.Values{}, "meatyhamhock", "", domain.CodeForbidden},
	}
	for _, tt := range tests {
		got, err := VerifyHandshake(tt.query, tt.token)
		if got != tt.want || (tt.code == "" && err != nil) || (tt.code != "" && domain.ErrorCode(err) != tt.code) {
			t.Errorf("%s: got %q, %v", tt.name, got, err)
		}
	}
}

func TestVerifySampleEvents(t *testing.T) {
	for _, name := range []string{"meta-whatsapp-text.json", "meta-whatsapp-status.json", "meta-messenger.json"} {
		req := channelstest.Load(t, name)
		if err := Verify(req, testsecrets.MetaAppSecret); err != nil {
			t.Fatalf("%s: genuine event rejected: %v", name, err)
		}
		tampered := req
		tampered.Body = append([]byte(nil), req.Body...)
		tampered.Body[len(tampered.Body)/2] ^= 1
		noHeader := req
		noHeader.Headers = map[string]string{"content-type": "application/json"}
		badPrefix := req
		badPrefix.Headers = map[string]string{SignatureHeader: "sha1=" + Signature(testsecrets.MetaAppSecret, req.Body)[7:]}
		for what, c := range map[string]struct {
			req    channels.Request
			secret string
		}{
			"tampered body": {tampered, testsecrets.MetaAppSecret},
			"wrong secret":  {req, "another-app-secret"},
			"no secret":     {req, ""},
			"no header":     {noHeader, testsecrets.MetaAppSecret},
			"sha1 prefix":   {badPrefix, testsecrets.MetaAppSecret},
		} {
			if err := Verify(c.req, c.secret); domain.ErrorCode(err) != domain.CodeForbidden {
				t.Errorf("%s: %s: Verify = %v, want forbidden", name, what, err)
			}
		}
	}
}

// The signature covers Meta's \u-escaped bytes; decoding must still give the
// exact Vietnamese text.
func TestEscapedVietnameseSignedAndDecoded(t *testing.T) {
	body := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"contacts":[{"profile":{"name":"Nguy\u1ec5n Th\u1ecb Lan"},"wa_id":"84912345678"}],"messages":[{"from":"84912345678","id":"wamid.A","timestamp":"1773454698","type":"text","text":{"body":"Ch\u00e0o shop \u0111\u1ed5i size"}}]}}]}]}`)
	req := channels.Request{Body: body, Headers: map[string]string{SignatureHeader: Signature("s3cret", body)}}
	if err := Verify(req, "s3cret"); err != nil {
		t.Fatal(err)
	}
	res, err := Parse(req)
	if err != nil || len(res.Messages) != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	if m := res.Messages[0]; m.Text != "Chào shop đổi size" || m.ProfileName != "Nguyễn Thị Lan" {
		t.Errorf("text %q name %q", m.Text, m.ProfileName)
	}
	// Text typed with combining marks (e + U+0302 + U+0303...) is stored in NFC.
	decomposed := []byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"messages":[{"from":"84912345678","id":"wamid.B","type":"text","text":{"body":"Nguye\u0302\u0303n Lan \u0111o\u0302\u0309i"}}]}}]}]}`)
	res, err = Parse(channels.Request{Body: decomposed})
	if err != nil || len(res.Messages) != 1 || res.Messages[0].Text != "Nguyễn Lan đổi" {
		t.Errorf("decomposed text: %+v %v", res, err)
	}
}

func TestParseSampleEvents(t *testing.T) {
	tests := []struct {
		file string
		want channels.Result
	}{
		{"meta-whatsapp-text.json", channels.Result{Messages: []domain.Inbound{{
			Provider: "meta", Channel: domain.ChannelWhatsApp, Kind: domain.KindMessage,
			ProviderMessageID: "wamid.HBgLODQ5MTIzNDU2NzgVAgASGBQzQUIyQzREOEU2RjFBMEIzQzVEN0UA",
			Identities:        []domain.RawIdentity{{Kind: domain.KindWhatsApp, Value: "84912345678"}},
			ProfileName:       "Nguyễn Thị Lan",
			Text:              "Chào shop, mình muốn đổi size áo sang L được không ạ?",
			OccurredAt:        time.Date(2026, 3, 14, 2, 18, 18, 0, time.UTC),
			Metadata:          map[string]string{"type": "text", "phoneNumberId": "106540352242922", "displayPhoneNumber": "18335550143", "wabaId": "102290129340398"},
		}}}},
		{"meta-whatsapp-status.json", channels.Result{Statuses: []domain.StatusUpdate{
			{Provider: "meta", ProviderMessageID: "wamid.HBgLODQ5MTIzNDU2NzgVAgARGBJGMjVCQTNDNkQ4RTBGMUEyQgA=", Status: domain.StatusRead, At: time.Date(2026, 3, 14, 2, 18, 35, 0, time.UTC)},
			{Provider: "meta", ProviderMessageID: "wamid.HBgLODQ5ODc2NTQzMjEVAgARGBI5QTBCMUMyRDNFNEY1QTZCN0MA", Status: domain.StatusFailed, At: time.Date(2026, 3, 14, 2, 18, 36, 0, time.UTC),
				Error: "131047 Re-engagement message: Message failed to send because more than 24 hours have passed since the customer last replied to this number."},
		}}},
		{"meta-messenger.json", channels.Result{
			Messages: []domain.Inbound{{
				Provider: "meta", Channel: domain.ChannelMessenger, Kind: domain.KindMessage,
				ProviderMessageID: "m_Xk3p9VbQ2nR8sT1uW4yZ6aC8eG0iK2mO4qS6uW8yA0cE2gI4kM6oQ8sU0wY2",
				Identities:        []domain.RawIdentity{{Kind: domain.KindMessenger, Value: "7712345678901234"}},
				Text:              "Shop ơi, áo thun trắng còn size M không?",
				OccurredAt:        time.Date(2026, 3, 14, 2, 18, 58, 0, time.UTC),
				Metadata:          map[string]string{"pageId": "104527893461223"},
			}},
			Statuses: []domain.StatusUpdate{{Provider: "meta", ProviderMessageID: "m_Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx2Yz3Ab4Cd5Ef6Gh7Ij8Kl9Mn0", Status: domain.StatusDelivered, At: time.Date(2026, 3, 14, 2, 18, 56, 0, time.UTC)}},
		}},
	}
	for _, tt := range tests {
		got, err := Parse(channelstest.Load(t, tt.file))
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s:\n got  %+v\n want %+v", tt.file, got, tt.want)
		}
	}
}

func TestParseMessageTypes(t *testing.T) {
	wa := func(msg string) []byte {
		return []byte(`{"object":"whatsapp_business_account","entry":[{"id":"9","changes":[{"field":"messages","value":{"messages":[` + msg + `]}}]}]}`)
	}
	tests := []struct {
		name     string
		body     []byte
		wantText string
		wantAtt  *domain.Attachment
		wantMeta map[string]string
	}{
		{"image with caption", wa(`{"from":"84912345678","id":"w1","type":"image","image":{"id":"1481","mime_type":"image/jpeg","sha256":"x","caption":"Áo bị rách"}}`),
			"Áo bị rách", &domain.Attachment{ContentType: "image/jpeg", URL: "whatsapp:media/1481"}, nil},
		{"document", wa(`{"from":"84912345678","id":"w1","type":"document","document":{"id":"77","filename":"hoá đơn.pdf","mime_type":"application/pdf"}}`),
			"", &domain.Attachment{Name: "hoá đơn.pdf", ContentType: "application/pdf", URL: "whatsapp:media/77"}, nil},
		{"voice note", wa(`{"from":"84912345678","id":"w1","type":"audio","audio":{"id":"55","mime_type":"audio/ogg; codecs=opus","voice":true}}`),
			"", &domain.Attachment{ContentType: "audio/ogg; codecs=opus", URL: "whatsapp:media/55"}, nil},
		{"location", wa(`{"from":"84912345678","id":"w1","type":"location","location":{"latitude":10.7769,"longitude":106.7009,"name":"Chợ Bến Thành"}}`),
			"Chợ Bến Thành (10.7769, 106.7009)", nil, map[string]string{"latitude": "10.7769", "longitude": "106.7009"}},
		{"button reply", wa(`{"from":"84912345678","id":"w1","type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"yes","title":"Đồng ý"}}}`),
			"Đồng ý", nil, map[string]string{"replyId": "yes"}},
		{"list reply", wa(`{"from":"84912345678","id":"w1","type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":"sz-l","title":"Size L"}}}`),
			"Size L", nil, map[string]string{"replyId": "sz-l"}},
		{"template button", wa(`{"from":"84912345678","id":"w1","type":"button","button":{"text":"Xác nhận","payload":"CONFIRM"}}`),
			"Xác nhận", nil, map[string]string{"payload": "CONFIRM"}},
		{"reply in context", wa(`{"from":"84912345678","id":"w1","type":"text","context":{"from":"1","id":"wamid.prev"},"text":{"body":"ok"}}`),
			"ok", nil, map[string]string{"replyTo": "wamid.prev"}},
	}
	for _, tt := range tests {
		res, err := Parse(channels.Request{Body: tt.body})
		if err != nil || len(res.Messages) != 1 {
			t.Fatalf("%s: %+v %v", tt.name, res, err)
		}
		m := res.Messages[0]
		if m.Text != tt.wantText {
			t.Errorf("%s: text %q, want %q", tt.name, m.Text, tt.wantText)
		}
		if tt.wantAtt != nil && (len(m.Attachments) != 1 || m.Attachments[0] != *tt.wantAtt) {
			t.Errorf("%s: attachments %+v", tt.name, m.Attachments)
		}
		for k, v := range tt.wantMeta {
			if m.Metadata[k] != v {
				t.Errorf("%s: metadata %s = %q, want %q", tt.name, k, m.Metadata[k], v)
			}
		}
	}
}

func TestParseIgnoresWhatIsNotACustomerMessage(t *testing.T) {
	tests := []struct{ name, body string }{
		{"instagram object", `{"object":"instagram","entry":[{"messaging":[{"sender":{"id":"1"},"message":{"mid":"m","text":"x"}}]}]}`},
		{"messenger echo of our own message", `{"object":"page","entry":[{"messaging":[{"sender":{"id":"PAGE"},"recipient":{"id":"7712"},"timestamp":1,"message":{"mid":"m1","is_echo":true,"text":"x"}}]}]}`},
		{"messenger read receipt", `{"object":"page","entry":[{"messaging":[{"sender":{"id":"7712"},"recipient":{"id":"P"},"read":{"watermark":1}}]}]}`},
		{"whatsapp message without id", `{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"messages":[{"from":"84912345678","type":"text","text":{"body":"x"}}]}}]}]}`},
		{"other field", `{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"account_update","value":{}}]}]}`},
	}
	for _, tt := range tests {
		res, err := Parse(channels.Request{Body: []byte(tt.body)})
		if err != nil || len(res.Messages)+len(res.Statuses) != 0 {
			t.Errorf("%s: %+v %v", tt.name, res, err)
		}
	}
	if _, err := Parse(channels.Request{Body: []byte(`{"object":`)}); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("truncated JSON: %v, want invalid", err)
	}
}

func TestParseMessengerPostbackAndAttachment(t *testing.T) {
	body := `{"object":"page","entry":[{"id":"P","messaging":[
		{"sender":{"id":"7712"},"recipient":{"id":"P"},"timestamp":1773454698000,"postback":{"title":"Tư vấn size","payload":"SIZE_HELP"}},
		{"sender":{"id":"7712"},"recipient":{"id":"P"},"timestamp":1773454699000,"message":{"mid":"m2","attachments":[{"type":"image","payload":{"url":"https://scontent.xx.fbcdn.net/a.jpg"}}]}}]}]}`
	res, err := Parse(channels.Request{Body: []byte(body)})
	if err != nil || len(res.Messages) != 2 {
		t.Fatalf("%+v %v", res, err)
	}
	pb, att := res.Messages[0], res.Messages[1]
	if pb.Text != "Tư vấn size" || pb.ProviderMessageID != "postback:7712:1773454698000" || pb.Metadata["payload"] != "SIZE_HELP" {
		t.Errorf("postback %+v", pb)
	}
	if len(att.Attachments) != 1 || att.Attachments[0].URL != "https://scontent.xx.fbcdn.net/a.jpg" || att.Attachments[0].ContentType != "image/*" {
		t.Errorf("attachment %+v", att)
	}
}

func FuzzParse(f *testing.F) { channelstest.Fuzz(f, "meta-", Parse) }
