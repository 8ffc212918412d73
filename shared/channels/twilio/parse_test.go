package twilio

import (
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/channels/channelstest"
	"github.com/concierge-cx/concierge/shared/domain"
)

const (
	lanPhone   = "+84912345678"
	callSid    = "CA7e1b9d3f5a2c4e6b8d0f1a3c5e7b9d2f"
	recSid     = "RE2b4d6f8a0c1e3a5c7e9b1d3f5a7c9e0b"
	accountSid = "AC3f5b7d9e1a2c4e6f8a0b2c4d6e8f0a1b"
)

func TestParseSampleEvents(t *testing.T) {
	tests := []struct {
		file  string
		parse func(channels.Request) (channels.Result, error)
		want  channels.Result
	}{
		{"twilio-messages-sms.json", ParseMessage, channels.Result{Messages: []domain.Inbound{{
			Provider: "twilio", Channel: domain.ChannelSMS, Kind: domain.KindMessage,
			ProviderMessageID: "SM6a0f3c2e9b1d4e7f8a2b5c6d7e8f9a01",
			Identities:        []domain.RawIdentity{{Kind: domain.KindPhone, Value: lanPhone}},
			Text:              "Chào shop, đơn hàng #DH1024 của em giao chưa ạ?",
			Metadata:          map[string]string{"to": "+18335550143", "accountSid": accountSid},
		}}}},
		{"twilio-messages-whatsapp.json", ParseMessage, channels.Result{Messages: []domain.Inbound{{
			Provider: "twilio", Channel: domain.ChannelWhatsApp, Kind: domain.KindMessage,
			ProviderMessageID: "MM0c4f7a2d9e3b4c5d6e7f8a9b0c1d2e3f",
			Identities:        []domain.RawIdentity{{Kind: domain.KindWhatsApp, Value: "whatsapp:" + lanPhone}},
			ProfileName:       "Nguyễn Thị Lan",
			Text:              "Em gửi ảnh áo bị lỗi đường may ạ",
			Attachments: []domain.Attachment{{ContentType: "image/jpeg",
				URL: "https://api.twilio.com/2010-04-01/Accounts/" + accountSid + "/Messages/MM0c4f7a2d9e3b4c5d6e7f8a9b0c1d2e3f/Media/ME5d2e8f1a3b4c6d7e9f0a1b2c3d4e5f6a"}},
			Metadata: map[string]string{"to": "whatsapp:+18335550143", "accountSid": accountSid, "waId": "84912345678"},
		}}}},
		{"twilio-messages-status.json", ParseMessage, channels.Result{Statuses: []domain.StatusUpdate{{
			Provider: "twilio", ProviderMessageID: "SM9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b", Status: domain.StatusDelivered,
		}}}},
		{"twilio-voice.json", ParseVoice, channels.Result{Messages: []domain.Inbound{{
			Provider: "twilio", Channel: domain.ChannelVoice, Kind: domain.KindCall, ProviderMessageID: callSid,
			Identities: []domain.RawIdentity{{Kind: domain.KindPhone, Value: lanPhone}},
			Metadata:   map[string]string{"to": "+18335550143", "callStatus": "ringing", "accountSid": accountSid},
		}}}},
		{"twilio-voice-status-noanswer.json", ParseVoiceStatus, channels.Result{Messages: []domain.Inbound{{
			Provider: "twilio", Channel: domain.ChannelVoice, Kind: domain.KindMissedCall, ProviderMessageID: callSid + ":missed",
			Identities: []domain.RawIdentity{{Kind: domain.KindPhone, Value: lanPhone}},
			OccurredAt: time.Date(2026, 3, 14, 2, 16, 28, 0, time.UTC),
			Metadata:   map[string]string{"to": "+18335550143", "callStatus": "no-answer", "accountSid": accountSid, "callSid": callSid},
		}}}},
		{"twilio-voice-recording.json", ParseRecording, channels.Result{Messages: []domain.Inbound{{
			Provider: "twilio", Channel: domain.ChannelVoice, Kind: domain.KindVoicemail, ProviderMessageID: recSid,
			Identities:  []domain.RawIdentity{{Kind: domain.KindPhone, Value: lanPhone}},
			OccurredAt:  time.Date(2026, 3, 14, 2, 16, 35, 0, time.UTC),
			Attachments: []domain.Attachment{{Name: recSid, ContentType: "audio/wav", URL: "https://api.twilio.com/2010-04-01/Accounts/" + accountSid + "/Recordings/" + recSid}},
			Metadata:    map[string]string{"accountSid": accountSid, "callSid": callSid, "durationSeconds": "23"},
		}}}},
		{"twilio-voice-transcription.json", ParseTranscription, channels.Result{Messages: []domain.Inbound{{
			Provider: "twilio", Channel: domain.ChannelVoice, Kind: domain.KindTranscript, ProviderMessageID: "TR8c0e2a4b6d8f1a3c5e7b9d1f3a5c7e9b",
			Identities:  []domain.RawIdentity{{Kind: domain.KindPhone, Value: lanPhone}},
			Text:        "Hi, this is Lan calling about order DH1024. The shirt has a torn seam, please call me back. Thank you.",
			Attachments: []domain.Attachment{{Name: recSid, ContentType: "audio/wav", URL: "https://api.twilio.com/2010-04-01/Accounts/" + accountSid + "/Recordings/" + recSid}},
			Metadata:    map[string]string{"to": "+18335550143", "callStatus": "completed", "accountSid": accountSid, "callSid": callSid, "recordingSid": recSid},
		}}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := tt.parse(channelstest.Load(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func formReq(kv ...string) channels.Request {
	f := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Add(kv[i], kv[i+1])
	}
	return channels.Request{Method: "POST", Body: []byte(f.Encode()), Query: url.Values{}}
}

func TestParseMessageStatuses(t *testing.T) {
	tests := []struct {
		name string
		req  channels.Request
		want []domain.StatusUpdate
	}{
		{"sent", formReq("MessageSid", "SM1", "MessageStatus", "sent"), []domain.StatusUpdate{{Provider: "twilio", ProviderMessageID: "SM1", Status: domain.StatusSent}}},
		{"whatsapp read", formReq("MessageSid", "SM1", "MessageStatus", "read", "SmsStatus", "read"), []domain.StatusUpdate{{Provider: "twilio", ProviderMessageID: "SM1", Status: domain.StatusRead}}},
		{"undelivered carries the error", formReq("MessageSid", "SM1", "MessageStatus", "undelivered", "ErrorCode", "30003", "ErrorMessage", "Unreachable destination handset"),
			[]domain.StatusUpdate{{Provider: "twilio", ProviderMessageID: "SM1", Status: domain.StatusFailed, Error: "30003 Unreachable destination handset"}}},
		{"untracked status is dropped", formReq("MessageSid", "SM1", "MessageStatus", "partially_delivered"), nil},
	}
	for _, tt := range tests {
		got, err := ParseMessage(tt.req)
		if err != nil || !reflect.DeepEqual(got.Statuses, tt.want) || len(got.Messages) != 0 {
			t.Errorf("%s: got %+v, %v; want %+v", tt.name, got, err, tt.want)
		}
	}
}

func TestParseMessageInbound(t *testing.T) {
	tests := []struct {
		name     string
		req      channels.Request
		channel  domain.Channel
		identity domain.RawIdentity
		media    int
	}{
		{"messenger via Twilio", formReq("MessageSid", "SM1", "SmsStatus", "received", "From", "messenger:7712345678901234", "Body", "hi"), domain.ChannelMessenger, domain.RawIdentity{Kind: domain.KindMessenger, Value: "7712345678901234"}, 0},
		{"NumMedia beyond Twilio's 10 is capped", formReq("MessageSid", "SM1", "From", lanPhone, "NumMedia", "999999999", "MediaUrl0", "https://x/0", "MediaUrl9", "https://x/9", "MediaUrl10", "https://x/10"), domain.ChannelSMS, domain.RawIdentity{Kind: domain.KindPhone, Value: lanPhone}, 2},
	}
	for _, tt := range tests {
		got, err := ParseMessage(tt.req)
		if err != nil || len(got.Messages) != 1 {
			t.Fatalf("%s: %+v, %v", tt.name, got, err)
		}
		m := got.Messages[0]
		if m.Channel != tt.channel || m.Identities[0] != tt.identity || len(m.Attachments) != tt.media {
			t.Errorf("%s: got channel %s identity %+v media %d", tt.name, m.Channel, m.Identities[0], len(m.Attachments))
		}
	}
}

func TestParseRejectsMalformed(t *testing.T) {
	tests := []struct {
		name  string
		parse func(channels.Request) (channels.Result, error)
		req   channels.Request
	}{
		{"message without sid", ParseMessage, formReq("From", lanPhone, "Body", "x")},
		{"inbound message without From", ParseMessage, formReq("MessageSid", "SM1", "SmsStatus", "received")},
		{"not a form", ParseMessage, channels.Request{Body: []byte("%zz")}},
		{"call without CallSid", ParseVoice, formReq("From", lanPhone)},
		{"status without CallSid", ParseVoiceStatus, formReq("CallStatus", "busy")},
		{"recording without RecordingSid", ParseRecording, formReq("CallSid", callSid)},
		{"transcription without sid", ParseTranscription, formReq("TranscriptionText", "x")},
	}
	for _, tt := range tests {
		if _, err := tt.parse(tt.req); domain.ErrorCode(err) != domain.CodeInvalid {
			t.Errorf("%s: err = %v, want invalid", tt.name, err)
		}
	}
}

func TestVoiceStatusOutcomes(t *testing.T) {
	tests := []struct {
		name       string
		req        channels.Request
		wantMissed bool
		wantStatus domain.DeliveryStatus
	}{
		{"inbound busy is a missed call", formReq("CallSid", "CA1", "CallStatus", "busy", "Direction", "inbound", "From", lanPhone), true, ""},
		{"inbound canceled is a missed call", formReq("CallSid", "CA1", "CallStatus", "canceled", "From", lanPhone), true, ""},
		{"inbound completed adds nothing", formReq("CallSid", "CA1", "CallStatus", "completed", "Direction", "inbound", "From", lanPhone), false, ""},
		{"withheld number is nobody to call back", formReq("CallSid", "CA1", "CallStatus", "no-answer", "Direction", "inbound", "From", "+266696687"), false, ""},
		{"our outbound call completed", formReq("CallSid", "CA1", "CallStatus", "completed", "Direction", "outbound-api", "To", lanPhone), false, domain.StatusDelivered},
		{"our outbound call not answered", formReq("CallSid", "CA1", "CallStatus", "no-answer", "Direction", "outbound-dial", "To", lanPhone), false, domain.StatusFailed},
	}
	for _, tt := range tests {
		got, err := ParseVoiceStatus(tt.req)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		missed := len(got.Messages) == 1 && got.Messages[0].Kind == domain.KindMissedCall && got.Messages[0].ProviderMessageID == "CA1:missed"
		if missed != tt.wantMissed || (len(got.Messages) > 0 && !tt.wantMissed) {
			t.Errorf("%s: messages %+v", tt.name, got.Messages)
		}
		var st domain.DeliveryStatus
		if len(got.Statuses) == 1 {
			st = got.Statuses[0].Status
		}
		if st != tt.wantStatus {
			t.Errorf("%s: status %q, want %q", tt.name, st, tt.wantStatus)
		}
	}
}

func TestRecordingAndTranscriptionEdgeCases(t *testing.T) {
	withCaller := func(r channels.Request) channels.Request {
		r.Query = url.Values{CallerParam: {lanPhone}}
		return r
	}
	tests := []struct {
		name  string
		parse func(channels.Request) (channels.Result, error)
		req   channels.Request
		want  int
	}{
		{"recording still in progress", ParseRecording, withCaller(formReq("RecordingSid", "RE1", "RecordingStatus", "in-progress", "RecordingUrl", "https://x")), 0},
		{"recording without any caller", ParseRecording, formReq("RecordingSid", "RE1", "RecordingStatus", "completed", "RecordingUrl", "https://x"), 0},
		{"Record action request names the caller in From", ParseRecording, formReq("RecordingSid", "RE1", "RecordingUrl", "https://x", "From", lanPhone, "Digits", "#"), 1},
		{"failed transcription", ParseTranscription, withCaller(formReq("TranscriptionSid", "TR1", "TranscriptionStatus", "failed")), 0},
	}
	for _, tt := range tests {
		got, err := tt.parse(tt.req)
		if err != nil || len(got.Messages) != tt.want {
			t.Errorf("%s: got %+v, %v; want %d messages", tt.name, got, err, tt.want)
		}
	}
}
