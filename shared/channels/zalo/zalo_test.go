package zalo

import (
	"reflect"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/channels/channelstest"
	"github.com/concierge-cx/concierge/shared/channels/testsecrets"
	"github.com/concierge-cx/concierge/shared/domain"
)

// The formula, from Zalo's OA webhook docs: X-ZEvent-Signature is
// "mac=" + sha256(appId + data + timeStamp + OAsecretKey), with data the raw
// body and timeStamp the event's own timestamp field.
func TestSignatureFormula(t *testing.T) {
	// echo -n '1{"timestamp":"2"}2secret' | sha256sum
	got := Signature("1", []byte(`{"timestamp":"2"}`), "2", "secret")
	const want = "mac=835e4bf875440455c0a9d91a222fbac9dd2c658e3bfddabadeb0fe4a643bf629"
	if got != want {
		t.Fatalf("Signature = %q, want %q", got, want)
	}
}

func TestVerify(t *testing.T) {
	for _, name := range channelstest.Names(t, "zalo-") {
		req := channelstest.Load(t, name)
		if err := Verify(req, testsecrets.ZaloAppID, testsecrets.ZaloOASecretKey); err != nil {
			t.Fatalf("%s: genuine event rejected: %v", name, err)
		}
		tampered := req
		tampered.Body = append([]byte(nil), req.Body...)
		tampered.Body[len(tampered.Body)-5] ^= 1
		noHeader := req
		noHeader.Headers = map[string]string{}
		stale := req
		stale.Now = req.Now.Add(MaxAge + time.Minute)
		early := req
		early.Now = req.Now.Add(-10 * time.Minute)
		bare := req
		bare.Headers = map[string]string{SignatureHeader: req.Headers[SignatureHeader][4:]}
		tests := []struct {
			what            string
			req             channels.Request
			appID, oaSecret string
		}{
			{"tampered body", tampered, testsecrets.ZaloAppID, testsecrets.ZaloOASecretKey},
			{"wrong OA secret key", req, testsecrets.ZaloAppID, "app-secret-instead"},
			{"other app", req, "1111111111111111111", testsecrets.ZaloOASecretKey},
			{"missing header", noHeader, testsecrets.ZaloAppID, testsecrets.ZaloOASecretKey},
			{"replayed a day later", stale, testsecrets.ZaloAppID, testsecrets.ZaloOASecretKey},
			{"signed in the future", early, testsecrets.ZaloAppID, testsecrets.ZaloOASecretKey},
		}
		for _, tt := range tests {
			if err := Verify(tt.req, tt.appID, tt.oaSecret); domain.ErrorCode(err) != domain.CodeForbidden {
				t.Errorf("%s: %s: Verify = %v, want forbidden", name, tt.what, err)
			}
		}
		if err := Verify(bare, testsecrets.ZaloAppID, testsecrets.ZaloOASecretKey); err != nil {
			t.Errorf("%s: digest without mac= prefix rejected: %v", name, err)
		}
	}
}

func TestParseSampleEvents(t *testing.T) {
	tests := []struct {
		file string
		want domain.Inbound
	}{
		{"zalo-user-send-text.json", domain.Inbound{
			Provider: "zalo", Channel: domain.ChannelZalo, Kind: domain.KindMessage,
			ProviderMessageID: "cb31dff1c39642cc1b83",
			Identities:        []domain.RawIdentity{{Kind: domain.KindZalo, Value: "6142494823918274635"}},
			Text:              "Mình đặt 2 áo size M, giao về Quận 3 được không shop?",
			OccurredAt:        time.Date(2026, 3, 14, 2, 19, 39, 0, time.UTC),
			Metadata:          map[string]string{"event": "user_send_text", "oaId": "3662729599332560487", "userIdByApp": "5523976109826651234"},
		}},
		{"zalo-follow.json", domain.Inbound{
			Provider: "zalo", Channel: domain.ChannelZalo, Kind: domain.KindStatus,
			ProviderMessageID: "follow:6142494823918274635:1773454799000",
			Identities:        []domain.RawIdentity{{Kind: domain.KindZalo, Value: "6142494823918274635"}},
			OccurredAt:        time.Date(2026, 3, 14, 2, 19, 59, 0, time.UTC),
			Metadata:          map[string]string{"event": "follow", "oaId": "3662729599332560487", "source": "oa_profile", "userIdByApp": "5523976109826651234"},
		}},
	}
	for _, tt := range tests {
		got, err := Parse(channelstest.Load(t, tt.file))
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Messages) != 1 || !reflect.DeepEqual(got.Messages[0], tt.want) {
			t.Errorf("%s:\n got  %+v\n want %+v", tt.file, got, tt.want)
		}
	}
}

func TestParseEvents(t *testing.T) {
	ev := func(name, message string) []byte {
		return []byte(`{"app_id":"1","event_name":"` + name + `","timestamp":"1773454500000","sender":{"id":"6142494823918274635"},"recipient":{"id":"366"},"message":` + message + `}`)
	}
	tests := []struct {
		name     string
		body     []byte
		wantText string
		wantAtt  []domain.Attachment
		wantMeta map[string]string
	}{
		{"image", ev("user_send_image", `{"msg_id":"m1","text":"Ảnh áo","attachments":[{"type":"image","payload":{"thumbnail":"https://t","url":"https://photo.zdn.vn/a.jpg"}}]}`),
			"Ảnh áo", []domain.Attachment{{ContentType: "image/*", URL: "https://photo.zdn.vn/a.jpg"}}, nil},
		{"file", ev("user_send_file", `{"msg_id":"m1","attachments":[{"type":"file","payload":{"url":"https://f.zdn.vn/x","size":"20480","name":"don-hang.pdf","checksum":"c","type":"pdf"}}]}`),
			"", []domain.Attachment{{Name: "don-hang.pdf", ContentType: "application/pdf", Size: 20480, URL: "https://f.zdn.vn/x"}}, nil},
		{"sticker", ev("user_send_sticker", `{"msg_id":"m1","attachments":[{"type":"sticker","payload":{"id":"bfe8","url":"https://zalo-api.zadn.vn/s"}}]}`),
			"", []domain.Attachment{{ContentType: "image/*", URL: "https://zalo-api.zadn.vn/s"}}, nil},
		{"audio", ev("user_send_audio", `{"msg_id":"m1","attachments":[{"type":"audio","payload":{"url":"https://v.zdn.vn/a.amr"}}]}`),
			"", []domain.Attachment{{ContentType: "audio/*", URL: "https://v.zdn.vn/a.amr"}}, nil},
		{"location", ev("user_send_location", `{"msg_id":"m1","attachments":[{"type":"location","payload":{"coordinates":{"latitude":"10.7769","longitude":"106.7009"}}}]}`),
			"(10.7769, 106.7009)", nil, map[string]string{"latitude": "10.7769", "longitude": "106.7009"}},
	}
	for _, tt := range tests {
		res, err := Parse(channels.Request{Body: tt.body})
		if err != nil || len(res.Messages) != 1 {
			t.Fatalf("%s: %+v %v", tt.name, res, err)
		}
		m := res.Messages[0]
		if m.Text != tt.wantText || !reflect.DeepEqual(m.Attachments, tt.wantAtt) {
			t.Errorf("%s: text %q attachments %+v", tt.name, m.Text, m.Attachments)
		}
		for k, v := range tt.wantMeta {
			if m.Metadata[k] != v {
				t.Errorf("%s: metadata %s = %q, want %q", tt.name, k, m.Metadata[k], v)
			}
		}
	}
}

// Zalo ids exceed 2^53; one sent as a bare JSON number must keep every digit.
func TestLargeNumericIDsKeepTheirDigits(t *testing.T) {
	body := `{"app_id":1,"event_name":"user_send_text","timestamp":1773454500000,"sender":{"id":6142494823918274635},"recipient":{"id":3662729599332560487},"message":{"text":"hi","msg_id":"m1"}}`
	res, err := Parse(channels.Request{Body: []byte(body)})
	if err != nil || len(res.Messages) != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	m := res.Messages[0]
	if m.Identities[0].Value != "6142494823918274635" || m.Metadata["oaId"] != "3662729599332560487" {
		t.Errorf("ids changed: %+v %v", m.Identities, m.Metadata)
	}
	if !m.OccurredAt.Equal(time.UnixMilli(1773454500000)) {
		t.Errorf("occurredAt %v", m.OccurredAt)
	}
}

func TestParseStatusesAndOthers(t *testing.T) {
	seen := `{"app_id":"1","event_name":"user_seen_message","timestamp":"1773454500000","sender":{"id":"366"},"recipient":{"id":"614"},"message":{"msg_ids":["a1","a2"]}}`
	res, err := Parse(channels.Request{Body: []byte(seen)})
	if err != nil || len(res.Statuses) != 2 || res.Statuses[1].ProviderMessageID != "a2" || res.Statuses[1].Status != domain.StatusRead {
		t.Errorf("seen: %+v %v", res, err)
	}
	unfollow := `{"oa_id":"366","follower":{"id":"614"},"event_name":"unfollow","app_id":"1","timestamp":"1773454500000"}`
	res, err = Parse(channels.Request{Body: []byte(unfollow)})
	if err != nil || len(res.Messages) != 1 || res.Messages[0].Kind != domain.KindStatus || res.Messages[0].Metadata["event"] != "unfollow" {
		t.Errorf("unfollow: %+v %v", res, err)
	}
	echo := `{"app_id":"1","event_name":"oa_send_text","timestamp":"1","sender":{"id":"366"},"recipient":{"id":"614"},"message":{"text":"x","msg_id":"o1"}}`
	if res, err := Parse(channels.Request{Body: []byte(echo)}); err != nil || len(res.Messages)+len(res.Statuses) != 0 {
		t.Errorf("our own send came back as a customer event: %+v %v", res, err)
	}
	noSender := `{"app_id":"1","event_name":"user_send_text","timestamp":"1","message":{"text":"x","msg_id":"o1"}}`
	if _, err := Parse(channels.Request{Body: []byte(noSender)}); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("message without sender: %v", err)
	}
	if _, err := Parse(channels.Request{Body: []byte(`{"sender":{"id":1.5e300}}`)}); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("float id: %v", err)
	}
}

func FuzzParse(f *testing.F) { channelstest.Fuzz(f, "zalo-", Parse) }

// user_submit_info as Zalo documents it: the follower's phone, which Zalo
// holds for the account, is a verified identity beside the follower id.
func TestParseUserSubmitInfo(t *testing.T) {
	body := `{"sender":{"id":"2468458835296197922"},"recipient":{"id":"388613280879880645"},"event_name":"user_submit_info",` +
		`"app_id":"3608465248940903967","timestamp":"1540368141908","info":{"name":"Nguyễn Thị Lan","phone":"84912345678",` +
		`"user_dob":"30/10/1999","gender":"Nữ","full_address":{"user_city":"Hà Nội"}}}`
	res, err := Parse(channels.Request{Body: []byte(body)})
	if err != nil || len(res.Messages) != 1 {
		t.Fatalf("Parse: %v %+v", err, res)
	}
	in := res.Messages[0]
	want := []domain.RawIdentity{{Kind: domain.KindZalo, Value: "2468458835296197922"}, {Kind: domain.KindPhone, Value: "84912345678", Proof: domain.ProofVerified}}
	if !reflect.DeepEqual(in.Identities, want) || in.Kind != domain.KindStatus || in.ProfileName != "Nguyễn Thị Lan" ||
		in.ProviderMessageID != "user_submit_info:2468458835296197922:1540368141908" {
		t.Fatalf("user_submit_info = %+v", in)
	}
	if _, err := Parse(channels.Request{Body: []byte(`{"event_name":"user_submit_info","timestamp":"1"}`)}); err == nil {
		t.Fatal("user_submit_info without a sender was accepted")
	}
}
