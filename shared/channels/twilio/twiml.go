package twilio

import (
	"encoding/xml"
	"net/url"
	"strings"
)

// Routes of the voice callbacks, relative to PUBLIC_BASE_URL.
const (
	RecordingPath     = "/webhooks/twilio/voice/recording"
	TranscriptionPath = "/webhooks/twilio/voice/transcription"
)

// Greeting is what VoiceTwiML needs to answer a call personally.
type Greeting struct {
	// Language is the customer's language ("vi", "vi-VN", "en"...). Vietnamese
	// is greeted by a vi-VN voice, anything else by en-US.
	Language string
	// Name is the customer's display name, "" when the caller is unknown.
	Name string
	// Honorific is the Vietnamese form of address ("chị", "anh", "cô", "chú"),
	// used only in Vietnamese; "" greets by name alone.
	Honorific string
	// Business is how the business names itself on the phone; optional.
	Business string
	// Caller is the From of the call; it is carried in the callback URLs so
	// the recording callback (which has no From) still names the customer.
	Caller string
	// PublicBaseURL is PUBLIC_BASE_URL; callbacks point under it.
	PublicBaseURL string
	// Closed: the call came outside business hours (else: nobody free).
	Closed bool
	// MaxLength caps the voicemail in seconds (default 120; Twilio only
	// transcribes recordings up to 120 s).
	MaxLength int
}

// Voices used for <Say>. Twilio's Polly voices have no Vietnamese, its Google
// voices do.
const (
	VoiceVietnamese = "Google.vi-VN-Standard-A"
	VoiceEnglish    = "Polly.Joanna"
)

// IsVietnamese reports whether a language tag is Vietnamese.
func IsVietnamese(lang string) bool {
	l := strings.ToLower(strings.TrimSpace(lang))
	return l == "vi" || strings.HasPrefix(l, "vi-") || strings.HasPrefix(l, "vi_")
}

// VoiceTwiML answers an incoming call: a greeting in the customer's language,
// by name when known, then voicemail with <Record> (transcribed for English), whose
// recording and transcription come back to our callback routes. <Record>'s
// action points at the recording route too (its handler answers EmptyTwiML),
// because without an action Twilio re-requests this document and the caller
// would hear the greeting again.
func VoiceTwiML(g Greeting) []byte {
	vi := IsVietnamese(g.Language)
	name := CallName(g.Name, vi)
	var say1, noMessage, lang, voice string
	if vi {
		lang, voice = "vi-VN", VoiceVietnamese
		you := "quý khách"
		if name != "" {
			say1 = "Xin chào " + joinWords(g.Honorific, name) + "."
			if h := strings.TrimSpace(g.Honorific); h != "" {
				you = h
			}
		} else {
			say1 = "Xin chào quý khách."
		}
		say1 += " Cảm ơn " + you + " đã gọi"
		if b := strings.TrimSpace(g.Business); b != "" {
			say1 += " đến " + b
		}
		say1 += ". " + busyVI(g.Closed) + " Vui lòng để lại lời nhắn sau tiếng bíp, chúng tôi sẽ gọi lại cho " + you + " sớm nhất."
		noMessage = "Chúng tôi chưa nhận được lời nhắn. Xin cảm ơn và hẹn gặp lại."
	} else {
		lang, voice = "en-US", VoiceEnglish
		if name != "" {
			say1 = "Hello " + name + "."
		} else {
			say1 = "Hello."
		}
		say1 += " Thank you for calling"
		if b := strings.TrimSpace(g.Business); b != "" {
			say1 += " " + b
		}
		say1 += ". " + busyEN(g.Closed) + " Please leave a message after the beep and we will call you back as soon as we can."
		noMessage = "We did not receive a message. Thank you, goodbye."
	}
	maxLen := g.MaxLength
	if maxLen <= 0 {
		maxLen = 120
	}
	base := strings.TrimRight(g.PublicBaseURL, "/")
	recURL := callbackURL(base+RecordingPath, g.Caller)
	rec := record{Action: recURL, Method: "POST", MaxLength: maxLen, PlayBeep: "true", FinishOnKey: "#",
		RecordingStatusCallback: recURL, RecordingStatusCallbackMethod: "POST", RecordingStatusCallbackEvent: "completed"}
	// <Record transcribe> speaks English only (Twilio's <Record> reference,
	// "transcribe"): a Vietnamese voicemail would come back as wrong English
	// words, worse than none, so it is kept as the recording alone.
	if !vi {
		rec.Transcribe, rec.TranscribeCallback = "true", callbackURL(base+TranscriptionPath, g.Caller)
	}
	// The last <Say> is reached only when nothing was recorded: Twilio then
	// skips the action.
	return render(say{Voice: voice, Language: lang, Text: say1}, rec, say{Voice: voice, Language: lang, Text: noMessage}, hangup{})
}

func busyVI(closed bool) string {
	if closed {
		return "Hiện đã ngoài giờ làm việc."
	}
	return "Hiện chưa có nhân viên nào rảnh."
}

func busyEN(closed bool) string {
	if closed {
		return "We are closed right now."
	}
	return "All of our team are busy right now."
}

// EmptyTwiML is the answer to callbacks that need no instruction; for a call
// still in progress it ends the call.
func EmptyTwiML() []byte {
	return []byte(xml.Header + "<Response></Response>")
}

// CallName is the part of a full name used to greet: Vietnamese names are
// written family name first and people are called by the last word
// ("Nguyễn Thị Lan" -> "Lan"), so that word is used whenever the greeting is
// Vietnamese or the name starts with a common Vietnamese family name; other
// names are called by their first word.
func CallName(full string, vietnamese bool) string {
	words := strings.Fields(full)
	if len(words) == 0 {
		return ""
	}
	if vietnamese || vietnameseFamilyNames[strings.ToLower(words[0])] {
		return words[len(words)-1]
	}
	return words[0]
}

// vietnameseFamilyNames are the family names carried by most Vietnamese people.
var vietnameseFamilyNames = map[string]bool{
	"nguyễn": true, "nguyen": true, "trần": true, "tran": true, "lê": true, "le": true,
	"phạm": true, "pham": true, "hoàng": true, "hoang": true, "huỳnh": true, "huynh": true,
	"phan": true, "vũ": true, "vu": true, "võ": true, "vo": true, "đặng": true, "dang": true,
	"bùi": true, "bui": true, "đỗ": true, "do": true, "hồ": true, "ho": true, "ngô": true,
	"ngo": true, "dương": true, "duong": true, "lý": true, "ly": true, "trương": true, "truong": true,
}

func callbackURL(u, callerNumber string) string {
	if callerNumber == "" {
		return u
	}
	return u + "?" + url.Values{CallerParam: {callerNumber}}.Encode()
}

func joinWords(ws ...string) string {
	var out []string
	for _, w := range ws {
		if w = strings.TrimSpace(w); w != "" {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}
