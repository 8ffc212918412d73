package twilio

import (
	"encoding/xml"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/concierge-cx/concierge/shared/channels"
)

// dialDoc is <Dial> as Twilio's reference documents it: its attributes and
// the <Number> and <Client> nouns with their url (the whisper).
type dialDoc struct {
	XMLName xml.Name `xml:"Response"`
	Say     []struct {
		Voice    string `xml:"voice,attr"`
		Language string `xml:"language,attr"`
		Text     string `xml:",chardata"`
	} `xml:"Say"`
	Dial struct {
		Action         string `xml:"action,attr"`
		Method         string `xml:"method,attr"`
		Timeout        string `xml:"timeout,attr"`
		CallerID       string `xml:"callerId,attr"`
		AnswerOnBridge string `xml:"answerOnBridge,attr"`
		Record         string `xml:"record,attr"`
		Numbers        []struct {
			URL    string `xml:"url,attr"`
			Method string `xml:"method,attr"`
			Value  string `xml:",chardata"`
		} `xml:"Number"`
		Clients []struct {
			URL      string `xml:"url,attr"`
			Identity string `xml:"Identity"`
		} `xml:"Client"`
	} `xml:"Dial"`
}

func TestDialTwiMLRingsEveryTargetWithItsWhisper(t *testing.T) {
	whisper := "https://hooks.example/webhooks/twilio/voice/whisper?agent=mai&call=CA1&conv=con_1"
	b := DialTwiML(Dial{
		Targets: []Target{{Phone: "+84901111111", WhisperURL: whisper}, {ClientIdentity: "hung_01", WhisperURL: whisper + "&x=<&>"}, {}},
		Action:  "https://hooks.example" + DialPath, Timeout: 20, CallerID: "+18335550143", Record: true,
		Say: "Xin chào chị Lan.", Language: "vi",
	})
	if !strings.HasPrefix(string(b), xml.Header) {
		t.Fatalf("no XML declaration: %s", b)
	}
	var d dialDoc
	if err := xml.Unmarshal(b, &d); err != nil {
		t.Fatalf("not well-formed: %v\n%s", err, b)
	}
	dl := d.Dial
	if dl.Action != "https://hooks.example/webhooks/twilio/voice/dial" || dl.Method != "POST" || dl.Timeout != "20" ||
		dl.CallerID != "+18335550143" || dl.AnswerOnBridge != "true" || dl.Record != "record-from-answer" {
		t.Fatalf("<Dial> attributes %+v", dl)
	}
	if len(dl.Numbers) != 1 || dl.Numbers[0].Value != "+84901111111" || dl.Numbers[0].URL != whisper || dl.Numbers[0].Method != "POST" {
		t.Fatalf("<Number> %+v", dl.Numbers)
	}
	if len(dl.Clients) != 1 || dl.Clients[0].Identity != "hung_01" || dl.Clients[0].URL != whisper+"&x=<&>" {
		t.Fatalf("<Client> %+v (the URL must survive escaping)", dl.Clients)
	}
	if len(d.Say) != 1 || d.Say[0].Language != "vi-VN" || d.Say[0].Voice != VoiceVietnamese {
		t.Fatalf("<Say> %+v", d.Say)
	}
}

func TestDialTwiMLRingsAtMostTen(t *testing.T) {
	var ts []Target
	for range 12 {
		ts = append(ts, Target{Phone: "+84901111111"})
	}
	var d dialDoc
	if err := xml.Unmarshal(DialTwiML(Dial{Targets: ts}), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Dial.Numbers) != MaxRing {
		t.Fatalf("%d <Number> nouns in one <Dial>; Twilio allows %d", len(d.Dial.Numbers), MaxRing)
	}
}

func TestBridgeTwiMLDialsTheCustomer(t *testing.T) {
	var d dialDoc
	if err := xml.Unmarshal(BridgeTwiML("+18335550143", "+84912345678", "", 40), &d); err != nil {
		t.Fatal(err)
	}
	if d.Dial.CallerID != "+18335550143" || len(d.Dial.Numbers) != 1 || d.Dial.Numbers[0].Value != "+84912345678" || d.Dial.Timeout != "40" {
		t.Fatalf("bridge %+v", d.Dial)
	}
}

func TestParseDialReadsTheDocumentedParameters(t *testing.T) {
	req := func(f url.Values) channels.Request { return channels.Request{Body: []byte(f.Encode())} }
	r, err := ParseDial(req(url.Values{"CallSid": {"CA1"}, "DialCallStatus": {"completed"}, "DialCallSid": {"CA2"},
		"DialCallDuration": {"95"}, "RecordingUrl": {"https://api.twilio.com/rec/RE1"}}))
	if err != nil || !r.Answered() || r.Duration != 95 || r.DialCallSid != "CA2" || r.RecordingURL == "" {
		t.Fatalf("%+v %v", r, err)
	}
	for _, st := range []string{"busy", "no-answer", "failed", "canceled"} {
		r, err := ParseDial(req(url.Values{"CallSid": {"CA1"}, "DialCallStatus": {st}}))
		if err != nil || r.Answered() {
			t.Errorf("%s: %+v %v", st, r, err)
		}
	}
	for name, f := range map[string]url.Values{
		"unknown status":    {"CallSid": {"CA1"}, "DialCallStatus": {"exploded"}},
		"no status":         {"CallSid": {"CA1"}},
		"no call":           {"DialCallStatus": {"completed"}},
		"negative duration": {"CallSid": {"CA1"}, "DialCallStatus": {"completed"}, "DialCallDuration": {"-1"}},
	} {
		if _, err := ParseDial(req(f)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}

func TestVoiceTwiMLOutsideHoursSaysSo(t *testing.T) {
	r := decodeTwiML(t, VoiceTwiML(Greeting{Language: "vi", Closed: true, PublicBaseURL: "https://hooks.example"}))
	if !strings.Contains(r.Says[0].Text, "ngoài giờ làm việc") || r.Record.Action == "" {
		t.Fatalf("closed greeting %+v", r)
	}
	r = decodeTwiML(t, VoiceTwiML(Greeting{Language: "en", Closed: true}))
	if !strings.Contains(r.Says[0].Text, "closed") {
		t.Fatalf("closed greeting %+v", r)
	}
}
