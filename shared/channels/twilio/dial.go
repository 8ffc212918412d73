package twilio

import (
	"encoding/xml"
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/concierge-cx/concierge/shared/channels"
)

// Routes of the call-routing callbacks, relative to PUBLIC_BASE_URL.
const (
	// DialPath receives <Dial action>: how the dial ended (DialCallStatus).
	DialPath = "/webhooks/twilio/voice/dial"
	// WhisperPath is <Number url>/<Client url>: requested when an agent
	// picks up, before the caller is bridged; it answers the whisper.
	WhisperPath = "/webhooks/twilio/voice/whisper"
	// BridgePath is the TwiML of an agent's click-to-call once the agent
	// answers: it dials the customer.
	BridgePath = "/webhooks/twilio/voice/bridge"
	// BridgedPath takes the bridge's <Dial> action: whether the customer
	// picked up the agent's call back.
	BridgedPath = "/webhooks/twilio/voice/bridged"
	// StatusPath receives call status callbacks.
	StatusPath = "/webhooks/twilio/voice/status"
)

// The TwiML documents below are built with encoding/xml from these types.
// Verbs, nouns and attributes are Twilio's, as documented:
//
//   - <Dial>: https://www.twilio.com/docs/voice/twiml/dial (action, method,
//     timeout 5-600 s, callerId, answerOnBridge, record,
//     recordingStatusCallback; the action request carries DialCallStatus,
//     DialCallSid, DialCallDuration and, when recorded, RecordingUrl).
//   - <Number>: https://www.twilio.com/docs/voice/twiml/number (up to ten
//     inside one <Dial> ring at once, the first to pick up is connected;
//     url is "a URL for TwiML that will run on the called party's end,
//     after they answer, but before the parties are connected": the whisper).
//   - <Client>: https://www.twilio.com/docs/voice/twiml/client (<Identity>
//     child, url attribute as for <Number>).
//   - <Say>, <Record>, <Hangup>: https://www.twilio.com/docs/voice/twiml.
type response struct {
	XMLName xml.Name `xml:"Response"`
	Verbs   []any
}

type say struct {
	XMLName  xml.Name `xml:"Say"`
	Voice    string   `xml:"voice,attr,omitempty"`
	Language string   `xml:"language,attr,omitempty"`
	Text     string   `xml:",chardata"`
}

type record struct {
	XMLName                       xml.Name `xml:"Record"`
	Action                        string   `xml:"action,attr,omitempty"`
	Method                        string   `xml:"method,attr,omitempty"`
	MaxLength                     int      `xml:"maxLength,attr,omitempty"`
	PlayBeep                      string   `xml:"playBeep,attr,omitempty"`
	FinishOnKey                   string   `xml:"finishOnKey,attr,omitempty"`
	Transcribe                    string   `xml:"transcribe,attr,omitempty"`
	TranscribeCallback            string   `xml:"transcribeCallback,attr,omitempty"`
	RecordingStatusCallback       string   `xml:"recordingStatusCallback,attr,omitempty"`
	RecordingStatusCallbackMethod string   `xml:"recordingStatusCallbackMethod,attr,omitempty"`
	RecordingStatusCallbackEvent  string   `xml:"recordingStatusCallbackEvent,attr,omitempty"`
}

type hangup struct {
	XMLName xml.Name `xml:"Hangup"`
}

type dial struct {
	XMLName        xml.Name `xml:"Dial"`
	Action         string   `xml:"action,attr,omitempty"`
	Method         string   `xml:"method,attr,omitempty"`
	Timeout        int      `xml:"timeout,attr,omitempty"`
	CallerID       string   `xml:"callerId,attr,omitempty"`
	AnswerOnBridge string   `xml:"answerOnBridge,attr,omitempty"`
	Record         string   `xml:"record,attr,omitempty"`
	RecordingCB    string   `xml:"recordingStatusCallback,attr,omitempty"`
	Targets        []any
}

type number struct {
	XMLName xml.Name `xml:"Number"`
	URL     string   `xml:"url,attr,omitempty"`
	Method  string   `xml:"method,attr,omitempty"`
	Value   string   `xml:",chardata"`
}

type client struct {
	XMLName  xml.Name `xml:"Client"`
	URL      string   `xml:"url,attr,omitempty"`
	Method   string   `xml:"method,attr,omitempty"`
	Identity string   `xml:"Identity"`
}

func render(verbs ...any) []byte {
	b, err := xml.Marshal(response{Verbs: verbs})
	if err != nil {
		// Only the plain structs above are marshalled: a failure is a bug.
		panic(err)
	}
	return append([]byte(xml.Header), b...)
}

// MaxRing is how many parties one <Dial> rings at once (Twilio's limit of
// <Number> nouns in a <Dial>).
const MaxRing = 10

// Target is one party a <Dial> rings: a phone number or a Twilio Client
// identity, and the whisper URL requested when they answer.
type Target struct {
	Phone          string
	ClientIdentity string
	WhisperURL     string
}

// Dial describes a <Dial> that rings agents for a caller.
type Dial struct {
	// Targets ring at once; the first to answer is bridged (at most MaxRing).
	Targets []Target
	// Action is where Twilio posts how the dial ended (DialPath).
	Action string
	// Timeout is how long the agents' phones ring, in seconds (5-600).
	Timeout int
	// CallerID is the business number the agents see.
	CallerID string
	// Record records the bridged call (from answer) when call recording is
	// configured; the recording comes back on the action request.
	Record bool
	// Say is said to the caller before ringing ("connecting you"), optional.
	Say, Language string
}

// DialTwiML rings the targets at once. The caller keeps hearing ringing
// until an agent answers (answerOnBridge), so a caller who hangs up while it
// rings never hears a pickup that was not a person.
func DialTwiML(d Dial) []byte {
	var verbs []any
	if d.Say != "" {
		verbs = append(verbs, sayVerb(d.Language, d.Say))
	}
	dv := dial{Action: d.Action, Method: "POST", Timeout: d.Timeout, CallerID: d.CallerID, AnswerOnBridge: "true"}
	if d.Record {
		dv.Record = "record-from-answer"
	}
	for i, t := range d.Targets {
		if i == MaxRing {
			break
		}
		switch {
		case t.Phone != "":
			dv.Targets = append(dv.Targets, number{URL: t.WhisperURL, Method: methodOf(t.WhisperURL), Value: t.Phone})
		case t.ClientIdentity != "":
			dv.Targets = append(dv.Targets, client{URL: t.WhisperURL, Method: methodOf(t.WhisperURL), Identity: t.ClientIdentity})
		}
	}
	verbs = append(verbs, dv)
	return render(verbs...)
}

func methodOf(u string) string {
	if u == "" {
		return ""
	}
	return "POST"
}

// SayTwiML says text in a language ("vi" or anything else, read as English).
func SayTwiML(lang, text string) []byte {
	return render(sayVerb(lang, text))
}

// HangupTwiML ends the call.
func HangupTwiML() []byte { return render(hangup{}) }

// BridgeTwiML dials the customer from an agent's click-to-call once the
// agent answered; the action reports how it ended.
func BridgeTwiML(callerID, customer, action string, timeout int) []byte {
	return render(dial{Action: action, Method: "POST", Timeout: timeout, CallerID: callerID, Targets: []any{number{Value: customer}}})
}

func sayVerb(lang, text string) say {
	if IsVietnamese(lang) {
		return say{Voice: VoiceVietnamese, Language: "vi-VN", Text: text}
	}
	return say{Voice: VoiceEnglish, Language: "en-US", Text: text}
}

// DialResult is what <Dial>'s action request says about the dial.
type DialResult struct {
	CallSid string
	// Status is DialCallStatus: completed or answered (an agent talked),
	// busy, no-answer, failed or canceled.
	Status string
	// DialCallSid is the agent's leg; Duration its length in seconds.
	DialCallSid string
	Duration    int
	// RecordingURL is the recording of the bridged call, when recorded.
	RecordingURL string
	From         string
}

// Answered says an agent picked up.
func (r DialResult) Answered() bool { return r.Status == "completed" || r.Status == "answered" }

// dialStatuses are the documented DialCallStatus values.
var dialStatuses = map[string]bool{"completed": true, "answered": true, "busy": true, "no-answer": true, "failed": true, "canceled": true}

// ErrMalformed marks a callback Twilio would not send: answered with 200 and
// nothing stored, since a retry would not be any better.
var ErrMalformed = errors.New("twilio: malformed callback")

// ParseDial reads <Dial>'s action request. A missing CallSid or a
// DialCallStatus Twilio does not document is ErrMalformed.
func ParseDial(req channels.Request) (DialResult, error) {
	f, err := url.ParseQuery(string(req.Body))
	if err != nil {
		return DialResult{}, ErrMalformed
	}
	r := DialResult{
		CallSid: f.Get("CallSid"), Status: strings.ToLower(strings.TrimSpace(f.Get("DialCallStatus"))),
		DialCallSid: f.Get("DialCallSid"), RecordingURL: f.Get("RecordingUrl"), From: f.Get("From"),
	}
	if r.CallSid == "" || !dialStatuses[r.Status] {
		return DialResult{}, ErrMalformed
	}
	if d := f.Get("DialCallDuration"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 0 {
			return DialResult{}, ErrMalformed
		}
		r.Duration = n
	}
	return r, nil
}

// CallStatus is a status callback of a call, as the voice flow reads it.
type CallStatus struct {
	CallSid   string
	Status    string // CallStatus
	Direction string // inbound, outbound-api, outbound-dial
	Duration  int    // CallDuration, seconds
	From, To  string
}

// Inbound says the customer placed the call.
func (s CallStatus) Inbound() bool { return s.Direction == "" || s.Direction == "inbound" }

// Final says the call is over.
func (s CallStatus) Final() bool {
	switch s.Status {
	case "completed", "busy", "no-answer", "failed", "canceled":
		return true
	}
	return false
}

// ParseCallStatus reads a call status callback; a missing CallSid or
// CallStatus is ErrMalformed.
func ParseCallStatus(req channels.Request) (CallStatus, error) {
	f, err := url.ParseQuery(string(req.Body))
	if err != nil {
		return CallStatus{}, ErrMalformed
	}
	s := CallStatus{CallSid: f.Get("CallSid"), Status: strings.ToLower(f.Get("CallStatus")),
		Direction: strings.ToLower(f.Get("Direction")), From: f.Get("From"), To: f.Get("To")}
	if s.CallSid == "" || s.Status == "" {
		return CallStatus{}, ErrMalformed
	}
	if d := f.Get("CallDuration"); d != "" {
		if n, err := strconv.Atoi(d); err == nil && n >= 0 {
			s.Duration = n
		}
	}
	return s, nil
}

// WithQuery appends query parameters to a callback URL. Twilio signs the
// whole URL it requests, so what we put here comes back authenticated.
func WithQuery(u string, q url.Values) string {
	if len(q) == 0 {
		return u
	}
	return u + "?" + q.Encode()
}
