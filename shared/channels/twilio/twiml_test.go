package twilio

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/concierge-cx/concierge/shared/channels/testsecrets"
)

// twiml is the part of a TwiML document the caller hears and Twilio acts on.
type twiml struct {
	Says []struct {
		Voice    string `xml:"voice,attr"`
		Language string `xml:"language,attr"`
		Text     string `xml:",chardata"`
	} `xml:"Say"`
	Record struct {
		Action             string `xml:"action,attr"`
		Transcribe         string `xml:"transcribe,attr"`
		TranscribeCallback string `xml:"transcribeCallback,attr"`
		StatusCallback     string `xml:"recordingStatusCallback,attr"`
		MaxLength          string `xml:"maxLength,attr"`
	} `xml:"Record"`
}

func decodeTwiML(t *testing.T, b []byte) twiml {
	t.Helper()
	var r twiml
	if err := xml.Unmarshal(b, &r); err != nil {
		t.Fatalf("not well-formed XML: %v\n%s", err, b)
	}
	if len(r.Says) == 0 {
		t.Fatalf("no <Say> in %s", b)
	}
	return r
}

func TestVoiceTwiMLGreeting(t *testing.T) {
	tests := []struct {
		name       string
		g          Greeting
		wantLang   string
		wantVoice  string
		wantPrefix string
	}{
		{"Vietnamese customer known by name", Greeting{Language: "vi", Name: "Nguyễn Thị Lan", Honorific: "chị"}, "vi-VN", VoiceVietnamese, "Xin chào chị Lan. Cảm ơn chị đã gọi"},
		{"Vietnamese without honorific", Greeting{Language: "vi-VN", Name: "Trần Minh Tuấn"}, "vi-VN", VoiceVietnamese, "Xin chào Tuấn. Cảm ơn quý khách đã gọi"},
		{"unknown Vietnamese caller", Greeting{Language: "vi"}, "vi-VN", VoiceVietnamese, "Xin chào quý khách. Cảm ơn quý khách đã gọi"},
		{"English greeting of a Vietnamese name", Greeting{Language: "en", Name: "Nguyễn Thị Lan"}, "en-US", VoiceEnglish, "Hello Lan. Thank you for calling"},
		{"English name", Greeting{Language: "en-GB", Name: "Emma Watson"}, "en-US", VoiceEnglish, "Hello Emma. Thank you for calling"},
		{"nothing known", Greeting{}, "en-US", VoiceEnglish, "Hello. Thank you for calling."},
		{"business named", Greeting{Language: "vi", Business: "Shop Áo Đẹp"}, "vi-VN", VoiceVietnamese, "Xin chào quý khách. Cảm ơn quý khách đã gọi đến Shop Áo Đẹp."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.g.PublicBaseURL = testsecrets.PublicBaseURL
			r := decodeTwiML(t, VoiceTwiML(tt.g))
			s := r.Says[0]
			if s.Language != tt.wantLang || s.Voice != tt.wantVoice {
				t.Errorf("voice %s/%s, want %s/%s", s.Voice, s.Language, tt.wantVoice, tt.wantLang)
			}
			if !strings.HasPrefix(s.Text, tt.wantPrefix) {
				t.Errorf("caller hears %q, want it to start %q", s.Text, tt.wantPrefix)
			}
		})
	}
}

func TestVoiceTwiMLVoicemail(t *testing.T) {
	b := VoiceTwiML(Greeting{Language: "vi", Name: "Lan", Caller: lanPhone, PublicBaseURL: testsecrets.PublicBaseURL + "/"})
	if !bytes.HasPrefix(b, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		t.Errorf("missing XML declaration: %s", b)
	}
	r := decodeTwiML(t, b)
	rec := r.Record
	wantRec := "https://concierge.example.com/webhooks/twilio/voice/recording?caller=%2B84912345678"
	wantTr := "https://concierge.example.com/webhooks/twilio/voice/transcription?caller=%2B84912345678"
	// Twilio transcribes English only: a Vietnamese caller's voicemail is kept as the recording.
	if rec.Transcribe != "" || rec.TranscribeCallback != "" || rec.StatusCallback != wantRec || rec.Action != wantRec || rec.MaxLength != "120" {
		t.Errorf("record = %+v", rec)
	}
	en := decodeTwiML(t, VoiceTwiML(Greeting{Language: "en", Name: "Sam", Caller: lanPhone, PublicBaseURL: testsecrets.PublicBaseURL})).Record
	if en.Transcribe != "true" || en.TranscribeCallback != wantTr || en.StatusCallback != wantRec {
		t.Errorf("English caller's record = %+v", en)
	}
}

func TestVoiceTwiMLEscapes(t *testing.T) {
	b := VoiceTwiML(Greeting{Language: "en", Name: `Tom&Jerry <script>"x"`, Business: `A & B "Shop"`, Caller: "+84912345678&x=<1>", PublicBaseURL: testsecrets.PublicBaseURL})
	if bytes.Contains(b, []byte("<script>")) {
		t.Fatalf("name injected markup: %s", b)
	}
	r := decodeTwiML(t, b)
	if !strings.HasPrefix(r.Says[0].Text, `Hello Tom&Jerry. Thank you for calling A & B "Shop".`) {
		t.Errorf("caller hears %q", r.Says[0].Text)
	}
	if !strings.HasSuffix(r.Record.StatusCallback, "?caller=%2B84912345678%26x%3D%3C1%3E") {
		t.Errorf("callback %q", r.Record.StatusCallback)
	}
}

func TestEmptyTwiML(t *testing.T) {
	var r struct {
		XMLName xml.Name
		Inner   string `xml:",innerxml"`
	}
	if err := xml.Unmarshal(EmptyTwiML(), &r); err != nil || r.XMLName.Local != "Response" || r.Inner != "" {
		t.Errorf("EmptyTwiML = %s (%v)", EmptyTwiML(), err)
	}
}
