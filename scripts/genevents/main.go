// Command genevents regenerates the sample webhook events in events/webhooks:
// one API Gateway HTTP API (payload 2.0) event per provider route, signed
// with the documented secrets of shared/channels/testsecrets.
//
// Every event is stamped at a fixed time (SignedAt plus a few seconds), so the
// output is byte-for-byte reproducible. Vonage's iat and the webchat timestamp
// are checked against a 5-minute window: tests replay an event with Now = its
// requestContext.timeEpoch (channels.FromHTTPAPI does this when given a zero
// time), never the wall clock.
//
//	go run ./scripts/genevents            # rewrite events/webhooks
//	go run ./scripts/genevents -check     # fail if a file is out of date
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/aws/aws-lambda-go/events"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/channels/meta"
	"github.com/concierge-cx/concierge/shared/channels/testsecrets"
	"github.com/concierge-cx/concierge/shared/channels/twilio"
	"github.com/concierge-cx/concierge/shared/channels/vonage"
	"github.com/concierge-cx/concierge/shared/channels/zalo"
)

// SignedAt is the fixed time the samples are signed at: Saturday 14 March
// 2026, 09:15 in Hà Nội.
var SignedAt = time.Date(2026, 3, 14, 2, 15, 0, 0, time.UTC)

// The customer of every sample: one person on every channel.
const (
	customerName  = "Nguyễn Thị Lan"
	customerPhone = "+84912345678" // +84 91 234 5678
	customerWaID  = "84912345678"
	twilioNumber  = "+18335550143"
	accountSid    = "AC3f5b7d9e1a2c4e6f8a0b2c4d6e8f0a1b"
	host          = "concierge.example.com"
)

type sample struct {
	file      string
	method    string
	path      string
	rawQuery  string
	headers   map[string]string
	body      []byte
	base64    bool
	at        time.Time
	sourceIP  string
	userAgent string
}

func main() {
	out := flag.String("out", filepath.Join("events", "webhooks"), "directory to write the events to")
	check := flag.Bool("check", false, "compare with the files on disk instead of writing them")
	flag.Parse()
	stale := 0
	for _, s := range samples() {
		b, err := render(s)
		if err != nil {
			fmt.Fprintf(os.Stderr, "genevents: %s: %v\n", s.file, err)
			os.Exit(1)
		}
		path := filepath.Join(*out, s.file)
		if *check {
			old, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(old, b) {
				fmt.Fprintf(os.Stderr, "genevents: %s is out of date\n", path)
				stale++
			}
			continue
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			fmt.Fprintf(os.Stderr, "genevents: %v\n", err)
			os.Exit(1)
		}
	}
	if stale > 0 {
		os.Exit(1)
	}
}

func samples() []sample {
	var ss []sample
	at := func(sec int) time.Time { return SignedAt.Add(time.Duration(sec) * time.Second) }

	// Twilio: form bodies in the order Twilio sends them.
	twilioPost := func(file, path, query string, sec int, b64 bool, fields [][2]string) sample {
		body := formEncode(fields)
		params, _ := url.ParseQuery(body)
		signedURL := testsecrets.PublicBaseURL + path
		if query != "" {
			signedURL += "?" + query
		}
		return sample{
			file: file, method: "POST", path: path, rawQuery: query, body: []byte(body), base64: b64, at: at(sec),
			sourceIP: "54.172.60.1", userAgent: "TwilioProxy/1.1",
			headers: map[string]string{
				"content-type":               "application/x-www-form-urlencoded",
				"x-twilio-signature":         twilio.Signature(testsecrets.TwilioAuthToken, signedURL, params),
				"i-twilio-idempotency-token": fmt.Sprintf("5b8e9c1a-7d3f-4e2a-9b6c-%012d", sec),
			},
		}
	}
	ss = append(ss,
		twilioPost("twilio-messages-sms.json", "/webhooks/twilio/messages", "", 0, false, [][2]string{
			{"ToCountry", "US"}, {"ToState", "CA"}, {"SmsMessageSid", "SM6a0f3c2e9b1d4e7f8a2b5c6d7e8f9a01"},
			{"NumMedia", "0"}, {"ToCity", ""}, {"FromZip", ""}, {"SmsSid", "SM6a0f3c2e9b1d4e7f8a2b5c6d7e8f9a01"},
			{"FromState", ""}, {"SmsStatus", "received"}, {"FromCity", ""},
			{"Body", "Chào shop, đơn hàng #DH1024 của em giao chưa ạ?"}, {"FromCountry", "VN"},
			{"To", twilioNumber}, {"ToZip", ""}, {"NumSegments", "1"},
			{"MessageSid", "SM6a0f3c2e9b1d4e7f8a2b5c6d7e8f9a01"}, {"AccountSid", accountSid},
			{"From", customerPhone}, {"ApiVersion", "2010-04-01"},
		}),
		twilioPost("twilio-messages-whatsapp.json", "/webhooks/twilio/messages", "", 20, true, [][2]string{
			{"MediaContentType0", "image/jpeg"}, {"SmsMessageSid", "MM0c4f7a2d9e3b4c5d6e7f8a9b0c1d2e3f"},
			{"NumMedia", "1"}, {"ProfileName", customerName}, {"MessageType", "image"},
			{"SmsSid", "MM0c4f7a2d9e3b4c5d6e7f8a9b0c1d2e3f"}, {"WaId", customerWaID}, {"SmsStatus", "received"},
			{"Body", "Em gửi ảnh áo bị lỗi đường may ạ"}, {"To", "whatsapp:" + twilioNumber}, {"NumSegments", "1"},
			{"ReferralNumMedia", "0"}, {"MessageSid", "MM0c4f7a2d9e3b4c5d6e7f8a9b0c1d2e3f"}, {"AccountSid", accountSid},
			{"From", "whatsapp:" + customerPhone},
			{"MediaUrl0", "https://api.twilio.com/2010-04-01/Accounts/" + accountSid + "/Messages/MM0c4f7a2d9e3b4c5d6e7f8a9b0c1d2e3f/Media/ME5d2e8f1a3b4c6d7e9f0a1b2c3d4e5f6a"},
			{"ApiVersion", "2010-04-01"},
		}),
		twilioPost("twilio-messages-status.json", "/webhooks/twilio/messages", "", 40, false, [][2]string{
			{"ErrorCode", ""}, {"SmsSid", "SM9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b"}, {"SmsStatus", "delivered"},
			{"MessageStatus", "delivered"}, {"To", customerPhone}, {"MessageSid", "SM9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b"},
			{"AccountSid", accountSid}, {"From", twilioNumber}, {"ApiVersion", "2010-04-01"},
		}),
	)
	callSid := "CA7e1b9d3f5a2c4e6b8d0f1a3c5e7b9d2f"
	callFields := func(status string) [][2]string {
		return [][2]string{
			{"Called", twilioNumber}, {"ToState", "CA"}, {"CallerCountry", "VN"}, {"Direction", "inbound"},
			{"CallerState", ""}, {"ToZip", ""}, {"CallSid", callSid}, {"To", twilioNumber}, {"CallerZip", ""},
			{"ToCountry", "US"}, {"CallToken", ""}, {"CalledZip", ""}, {"ApiVersion", "2010-04-01"},
			{"CalledCity", ""}, {"CallStatus", status}, {"From", customerPhone}, {"AccountSid", accountSid},
			{"CalledCountry", "US"}, {"CallerCity", ""}, {"ToCity", ""}, {"FromCountry", "VN"}, {"Caller", customerPhone},
			{"FromCity", ""}, {"CalledState", "CA"}, {"FromZip", ""}, {"FromState", ""},
		}
	}
	recSid := "RE2b4d6f8a0c1e3a5c7e9b1d3f5a7c9e0b"
	recURL := "https://api.twilio.com/2010-04-01/Accounts/" + accountSid + "/Recordings/" + recSid
	callerQuery := url.Values{twilio.CallerParam: {customerPhone}}.Encode()
	ss = append(ss,
		twilioPost("twilio-voice.json", "/webhooks/twilio/voice", "", 60, false, callFields("ringing")),
		twilioPost("twilio-voice-status-noanswer.json", "/webhooks/twilio/voice/status", "", 90, true,
			append(callFields("no-answer"), [2]string{"Timestamp", at(88).Format(time.RFC1123Z)},
				[2]string{"CallbackSource", "call-progress-events"}, [2]string{"SequenceNumber", "0"},
				[2]string{"CallDuration", "0"}, [2]string{"Duration", "0"})),
		twilioPost("twilio-voice-recording.json", "/webhooks/twilio/voice/recording", callerQuery, 120, false, [][2]string{
			{"RecordingSource", "RecordVerb"}, {"RecordingSid", recSid}, {"RecordingUrl", recURL},
			{"RecordingStatus", "completed"}, {"RecordingChannels", "1"}, {"ErrorCode", "0"}, {"CallSid", callSid},
			{"RecordingStartTime", at(95).Format(time.RFC1123Z)}, {"AccountSid", accountSid}, {"RecordingDuration", "23"},
		}),
		twilioPost("twilio-voice-transcription.json", "/webhooks/twilio/voice/transcription", callerQuery, 150, false,
			append(callFields("completed"),
				[2]string{"TranscriptionType", "fast"},
				[2]string{"TranscriptionUrl", "https://api.twilio.com/2010-04-01/Accounts/" + accountSid + "/Transcriptions/TR8c0e2a4b6d8f1a3c5e7b9d1f3a5c7e9b"},
				[2]string{"TranscriptionSid", "TR8c0e2a4b6d8f1a3c5e7b9d1f3a5c7e9b"},
				[2]string{"TranscriptionStatus", "completed"},
				[2]string{"TranscriptionText", "Hi, this is Lan calling about order DH1024. The shirt has a torn seam, please call me back. Thank you."},
				[2]string{"RecordingSid", recSid}, [2]string{"RecordingUrl", recURL})),
	)

	// Meta: bodies escape non-ASCII as \uXXXX and "/" as "\/", as Meta does.
	metaPost := func(file string, sec int, body string) sample {
		b := []byte(metaEscape(body))
		return sample{
			file: file, method: "POST", path: "/webhooks/meta", body: b, at: at(sec),
			sourceIP: "173.252.95.7", userAgent: "facebookexternalua",
			headers: map[string]string{
				"content-type":        "application/json",
				"x-hub-signature-256": meta.Signature(testsecrets.MetaAppSecret, b),
			},
		}
	}
	ts := func(sec int) string { return strconv.FormatInt(at(sec).Unix(), 10) }
	ms := func(sec int) string { return strconv.FormatInt(at(sec).UnixMilli(), 10) }
	ss = append(ss,
		sample{
			file: "meta-verify.json", method: "GET", path: "/webhooks/meta", at: at(180),
			rawQuery: "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=" + url.QueryEscape(testsecrets.MetaVerifyToken),
			sourceIP: "173.252.95.7", userAgent: "facebookplatform/1.0 (+http://developers.facebook.com)",
			headers: map[string]string{},
		},
		metaPost("meta-whatsapp-text.json", 200, `{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"18335550143","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"`+customerName+`"},"wa_id":"`+customerWaID+`"}],"messages":[{"from":"`+customerWaID+`","id":"wamid.HBgLODQ5MTIzNDU2NzgVAgASGBQzQUIyQzREOEU2RjFBMEIzQzVEN0UA","timestamp":"`+ts(198)+`","text":{"body":"Chào shop, mình muốn đổi size áo sang L được không ạ?"},"type":"text"}]},"field":"messages"}]}]}`),
		metaPost("meta-whatsapp-status.json", 220, `{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"18335550143","phone_number_id":"106540352242922"},"statuses":[{"id":"wamid.HBgLODQ5MTIzNDU2NzgVAgARGBJGMjVCQTNDNkQ4RTBGMUEyQgA=","status":"read","timestamp":"`+ts(215)+`","recipient_id":"`+customerWaID+`"}]},"field":"messages"}]},{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"18335550143","phone_number_id":"106540352242922"},"statuses":[{"id":"wamid.HBgLODQ5ODc2NTQzMjEVAgARGBI5QTBCMUMyRDNFNEY1QTZCN0MA","status":"failed","timestamp":"`+ts(216)+`","recipient_id":"84987654321","errors":[{"code":131047,"title":"Re-engagement message","message":"Re-engagement message","error_data":{"details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."}}]}]},"field":"messages"}]}]}`),
		metaPost("meta-messenger.json", 240, `{"object":"page","entry":[{"id":"104527893461223","time":`+ms(239)+`,"messaging":[{"sender":{"id":"7712345678901234"},"recipient":{"id":"104527893461223"},"timestamp":`+ms(238)+`,"message":{"mid":"m_Xk3p9VbQ2nR8sT1uW4yZ6aC8eG0iK2mO4qS6uW8yA0cE2gI4kM6oQ8sU0wY2","text":"Shop ơi, áo thun trắng còn size M không?"}}]},{"id":"104527893461223","time":`+ms(239)+`,"messaging":[{"sender":{"id":"7712345678901234"},"recipient":{"id":"104527893461223"},"timestamp":`+ms(237)+`,"delivery":{"mids":["m_Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx2Yz3Ab4Cd5Ef6Gh7Ij8Kl9Mn0"],"watermark":`+ms(236)+`}}]}]}`),
	)

	// Telegram.
	tg := `{"update_id":918273645,"message":{"message_id":512,"from":{"id":5123456789,"is_bot":false,"first_name":"Lan","last_name":"Nguyễn Thị","username":"lan_nguyen","language_code":"vi"},"chat":{"id":5123456789,"first_name":"Lan","last_name":"Nguyễn Thị","username":"lan_nguyen","type":"private"},"date":` + ts(258) + `,"text":"Cho mình hỏi cửa hàng mở cửa đến mấy giờ ạ?"}}`
	ss = append(ss, sample{
		file: "telegram-message.json", method: "POST", path: "/webhooks/telegram", body: []byte(tg), at: at(260),
		sourceIP: "149.154.167.220", userAgent: "",
		headers: map[string]string{
			"content-type":                    "application/json",
			"x-telegram-bot-api-secret-token": testsecrets.TelegramSecret,
		},
	})

	// Zalo: the signed timestamp is the body's own "timestamp" field.
	zaloPost := func(file string, sec int, body string, ts string) sample {
		return sample{
			file: file, method: "POST", path: "/webhooks/zalo", body: []byte(body), at: at(sec),
			sourceIP: "49.213.118.10", userAgent: "ZaloWebhook",
			headers: map[string]string{
				"content-type":       "application/json",
				"x-zevent-signature": zalo.Signature(testsecrets.ZaloAppID, []byte(body), ts, testsecrets.ZaloOASecretKey),
			},
		}
	}
	ss = append(ss,
		zaloPost("zalo-user-send-text.json", 280, `{"app_id":"`+testsecrets.ZaloAppID+`","user_id_by_app":"5523976109826651234","event_name":"user_send_text","timestamp":"`+ms(279)+`","sender":{"id":"6142494823918274635"},"recipient":{"id":"3662729599332560487"},"message":{"text":"Mình đặt 2 áo size M, giao về Quận 3 được không shop?","msg_id":"cb31dff1c39642cc1b83"}}`, ms(279)),
		zaloPost("zalo-follow.json", 300, `{"oa_id":"3662729599332560487","follower":{"id":"6142494823918274635"},"user_id_by_app":"5523976109826651234","event_name":"follow","source":"oa_profile","app_id":"`+testsecrets.ZaloAppID+`","timestamp":"`+ms(299)+`"}`, ms(299)),
	)

	// Vonage: a JWT whose payload_hash binds it to the body.
	vonagePost := func(file, path string, sec int, body string) sample {
		tok, err := vonage.SignToken(testsecrets.VonageSignatureSecret, []byte(body), at(sec), fmt.Sprintf("0f1e2d3c-4b5a-4968-8776-%012d", sec))
		if err != nil {
			panic(err)
		}
		return sample{
			file: file, method: "POST", path: path, body: []byte(body), at: at(sec),
			sourceIP: "216.147.0.20", userAgent: "Vonage-Messages/1.0",
			headers: map[string]string{"content-type": "application/json", "authorization": "Bearer " + tok},
		}
	}
	ss = append(ss,
		vonagePost("vonage-inbound-whatsapp.json", "/webhooks/vonage/messages", 320, `{"channel":"whatsapp","message_uuid":"aaaaaaaa-bbbb-4ccc-8ddd-0123456789ab","to":"18335550143","from":"`+customerWaID+`","timestamp":"`+at(319).Format(time.RFC3339)+`","context_status":"none","profile":{"name":"`+customerName+`"},"message_type":"text","text":"Shop ơi, mã giảm giá GIAM20 còn dùng được không?"}`),
		vonagePost("vonage-status.json", "/webhooks/vonage/status", 340, `{"message_uuid":"bbbbbbbb-cccc-4ddd-8eee-0123456789ab","to":"`+customerWaID+`","from":"18335550143","timestamp":"`+at(339).Format(time.RFC3339)+`","status":"read","channel":"whatsapp"}`),
	)

	// Webchat: signed by the site's backend.
	wc := `{"visitorId":"v_01JPA7K3M9Q2R5T8W1Y4Z6B0C3","name":"` + customerName + `","email":"lan.nguyen@example.com","phone":"+84 91 234 5678","text":"Tôi cần hỗ trợ đổi trả đơn hàng DH1024","sentAt":"` + at(359).Format(time.RFC3339) + `"}`
	wcTS := strconv.FormatInt(at(360).Unix(), 10)
	ss = append(ss, sample{
		file: "webchat-message.json", method: "POST", path: "/webhooks/webchat", body: []byte(wc), at: at(360),
		sourceIP: "203.0.113.24", userAgent: "concierge-site-relay/1.0",
		headers: map[string]string{
			"content-type":          "application/json",
			"x-concierge-timestamp": wcTS,
			"x-concierge-signature": channels.Signature(testsecrets.WebchatSecret, wcTS, []byte(wc)),
		},
	})
	return ss
}

func render(s sample) ([]byte, error) {
	h := map[string]string{
		"host":              host,
		"x-forwarded-for":   s.sourceIP,
		"x-forwarded-port":  "443",
		"x-forwarded-proto": "https",
		"x-amzn-trace-id":   fmt.Sprintf("Root=1-%08x-%024x", s.at.Unix(), s.at.UnixNano()),
	}
	if s.userAgent != "" {
		h["user-agent"] = s.userAgent
	}
	if len(s.body) > 0 {
		h["content-length"] = strconv.Itoa(len(s.body))
	}
	for k, v := range s.headers {
		h[strings.ToLower(k)] = v
	}
	body := string(s.body)
	if s.base64 {
		body = base64.StdEncoding.EncodeToString(s.body)
	}
	route := s.method + " " + s.path
	ev := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              route,
		RawPath:               s.path,
		RawQueryString:        s.rawQuery,
		Headers:               h,
		QueryStringParameters: queryParams(s.rawQuery),
		Body:                  body,
		IsBase64Encoded:       s.base64,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     route,
			AccountID:    "123456789012",
			Stage:        "$default",
			RequestID:    fmt.Sprintf("Qx%010dEMA=", s.at.Unix()%10000000000),
			APIID:        "k3v9x2m7q1",
			DomainName:   host,
			DomainPrefix: "concierge",
			Time:         s.at.Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:    s.at.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    s.method,
				Path:      s.path,
				Protocol:  "HTTP/1.1",
				SourceIP:  s.sourceIP,
				UserAgent: s.userAgent,
			},
		},
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(ev); err != nil {
		return nil, err
	}
	// aws-lambda-go always serializes the mTLS block; API Gateway sends it
	// only with mutual TLS, which these routes do not use.
	return noAuthentication.ReplaceAll(buf.Bytes(), nil), nil
}

var noAuthentication = regexp.MustCompile(`(?s),\n    "authentication": \{.*?\n    \}`)

// queryParams mirrors API Gateway: repeated names are joined with commas.
func queryParams(raw string) map[string]string {
	if raw == "" {
		return nil
	}
	q, _ := url.ParseQuery(raw)
	out := make(map[string]string, len(q))
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out[k] = strings.Join(q[k], ",")
	}
	return out
}

// formEncode encodes fields in the given order, as application/x-www-form-urlencoded.
func formEncode(fields [][2]string) string {
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = url.QueryEscape(f[0]) + "=" + url.QueryEscape(f[1])
	}
	return strings.Join(parts, "&")
}

// metaEscape rewrites a JSON text the way Meta serializes it: every non-ASCII
// character as \uXXXX (UTF-16, surrogate pairs above the BMP) and "/" as "\/".
func metaEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '/':
			b.WriteString(`\/`)
		case r < 0x80:
			b.WriteRune(r)
		case r > 0xFFFF:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}
