package twilio

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/domain"
)

// Provider is the provider name on every event this package produces.
const Provider = "twilio"

// CallerParam is the query parameter VoiceTwiML adds to the recording and
// transcription callback URLs. Twilio's recording status callback carries no
// From, and Twilio signs the full callback URL, so the caller number we put
// there comes back authenticated.
const CallerParam = "caller"

// maxMedia is Twilio's limit of media per message; a larger NumMedia is not
// from Twilio and must not make us loop.
const maxMedia = 10

// anonymousCallers are the numbers Twilio reports for withheld caller ids
// (anonymous, restricted, blocked, unavailable, unknown): not a customer's
// address, so they never become an identity.
var anonymousCallers = map[string]bool{
	"+266696687": true, "+7378742833": true, "+2562533": true, "+8656696": true, "+86282452253": true,
}

func form(req channels.Request) (url.Values, error) {
	f, err := url.ParseQuery(string(req.Body))
	if err != nil {
		return nil, channels.Invalid("body is not form-encoded")
	}
	return f, nil
}

// ParseMessage reads POST /webhooks/twilio/messages: an inbound SMS or
// WhatsApp message (SmsStatus/MessageStatus "received") becomes an Inbound;
// any other status is a status callback for a message we sent.
func ParseMessage(req channels.Request) (channels.Result, error) {
	f, err := form(req)
	if err != nil {
		return channels.Result{}, err
	}
	sid := first(f, "MessageSid", "SmsMessageSid", "SmsSid")
	if sid == "" {
		return channels.Result{}, channels.Invalid("missing MessageSid")
	}
	status := strings.ToLower(first(f, "MessageStatus", "SmsStatus"))
	if status != "" && status != "received" && status != "receiving" {
		st, ok := messageStatus[status]
		if !ok {
			// A status with no place in our progression (e.g. "partially_delivered")
			// is acknowledged and dropped rather than retried forever.
			return channels.Result{}, nil
		}
		u := domain.StatusUpdate{Provider: Provider, ProviderMessageID: sid, Status: st}
		if code := f.Get("ErrorCode"); code != "" && st == domain.StatusFailed {
			u.Error = strings.TrimSpace(code + " " + f.Get("ErrorMessage"))
		}
		return channels.Result{Statuses: []domain.StatusUpdate{u}}, nil
	}

	from := strings.TrimSpace(f.Get("From"))
	if from == "" {
		return channels.Result{}, channels.Invalid("missing From")
	}
	in := domain.Inbound{
		Provider:          Provider,
		Channel:           domain.ChannelSMS,
		Kind:              domain.KindMessage,
		ProviderMessageID: sid,
		ProfileName:       channels.Name(f.Get("ProfileName")),
		Text:              channels.Text(f.Get("Body")),
		Metadata:          map[string]string{},
	}
	switch {
	case hasPrefixFold(from, "whatsapp:"):
		in.Channel = domain.ChannelWhatsApp
		in.Identities = []domain.RawIdentity{{Kind: domain.KindWhatsApp, Value: from}}
	case hasPrefixFold(from, "messenger:"):
		in.Channel = domain.ChannelMessenger
		in.Identities = []domain.RawIdentity{{Kind: domain.KindMessenger, Value: from[len("messenger:"):]}}
	default:
		in.Identities = []domain.RawIdentity{{Kind: domain.KindPhone, Value: from}}
	}
	n, _ := strconv.Atoi(f.Get("NumMedia"))
	for i := 0; i < n && i < maxMedia; i++ {
		u := f.Get("MediaUrl" + strconv.Itoa(i))
		if u == "" {
			continue
		}
		in.Attachments = append(in.Attachments, domain.Attachment{URL: u, ContentType: f.Get("MediaContentType" + strconv.Itoa(i))})
	}
	channels.SetIf(in.Metadata, "to", f.Get("To"))
	channels.SetIf(in.Metadata, "accountSid", f.Get("AccountSid"))
	channels.SetIf(in.Metadata, "waId", f.Get("WaId"))
	channels.SetIf(in.Metadata, "messagingServiceSid", f.Get("MessagingServiceSid"))
	return channels.Result{Messages: []domain.Inbound{in}}, nil
}

var messageStatus = map[string]domain.DeliveryStatus{
	"accepted": domain.StatusQueued, "scheduled": domain.StatusQueued, "queued": domain.StatusQueued,
	"sending": domain.StatusSent, "sent": domain.StatusSent,
	"delivered": domain.StatusDelivered, "read": domain.StatusRead,
	"failed": domain.StatusFailed, "undelivered": domain.StatusFailed, "canceled": domain.StatusFailed,
}

// ParseVoice reads POST /webhooks/twilio/voice, an incoming call: an Inbound of
// kind call on the voice channel, identified by its CallSid. A caller with a
// withheld number yields no event (there is no one to recognize); the handler
// still answers with VoiceTwiML.
func ParseVoice(req channels.Request) (channels.Result, error) {
	f, err := form(req)
	if err != nil {
		return channels.Result{}, err
	}
	callSid := f.Get("CallSid")
	if callSid == "" {
		return channels.Result{}, channels.Invalid("missing CallSid")
	}
	from := f.Get("From")
	if !callablePhone(from) {
		return channels.Result{}, nil
	}
	in := callEvent(f, domain.KindCall, callSid, from)
	return channels.Result{Messages: []domain.Inbound{in}}, nil
}

// ParseVoiceStatus reads POST /webhooks/twilio/voice/status.
//
// For a call a customer made (Direction inbound): no-answer, busy, failed and
// canceled become a missed call (ProviderMessageID CallSid+":missed", so it
// never collides with the call itself); completed yields nothing, because the
// call is already on the timeline from /voice and its voicemail and transcript
// follow on their own routes.
//
// For a call we placed (Direction outbound-*): a StatusUpdate of the call's
// touchpoint (queued, sent while ringing, delivered when completed, failed
// otherwise).
func ParseVoiceStatus(req channels.Request) (channels.Result, error) {
	f, err := form(req)
	if err != nil {
		return channels.Result{}, err
	}
	callSid := f.Get("CallSid")
	if callSid == "" {
		return channels.Result{}, channels.Invalid("missing CallSid")
	}
	status := strings.ToLower(f.Get("CallStatus"))
	at := parseTime(f.Get("Timestamp"))
	if strings.HasPrefix(strings.ToLower(f.Get("Direction")), "outbound") {
		st, ok := callStatus[status]
		if !ok {
			return channels.Result{}, nil
		}
		u := domain.StatusUpdate{Provider: Provider, ProviderMessageID: callSid, Status: st, At: at}
		if st == domain.StatusFailed {
			u.Error = status
		}
		return channels.Result{Statuses: []domain.StatusUpdate{u}}, nil
	}
	switch status {
	case "no-answer", "busy", "failed", "canceled":
	default:
		return channels.Result{}, nil
	}
	from := f.Get("From")
	if !callablePhone(from) {
		return channels.Result{}, nil
	}
	in := callEvent(f, domain.KindMissedCall, callSid+":missed", from)
	in.OccurredAt = at
	in.Metadata["callSid"] = callSid
	return channels.Result{Messages: []domain.Inbound{in}}, nil
}

var callStatus = map[string]domain.DeliveryStatus{
	"queued":      domain.StatusQueued,
	"initiated":   domain.StatusQueued,
	"ringing":     domain.StatusSent,
	"in-progress": domain.StatusSent,
	"completed":   domain.StatusDelivered,
	"busy":        domain.StatusFailed,
	"no-answer":   domain.StatusFailed,
	"failed":      domain.StatusFailed,
	"canceled":    domain.StatusFailed,
}

// ParseRecording reads POST /webhooks/twilio/voice/recording, which receives
// both <Record>'s action request and its recordingStatusCallback: either way a
// voicemail identified by RecordingSid, so the second one deduplicates. A
// recording that is not (yet) completed, or has no URL, yields nothing.
func ParseRecording(req channels.Request) (channels.Result, error) {
	f, err := form(req)
	if err != nil {
		return channels.Result{}, err
	}
	recSid := f.Get("RecordingSid")
	if recSid == "" {
		return channels.Result{}, channels.Invalid("missing RecordingSid")
	}
	if s := strings.ToLower(f.Get("RecordingStatus")); s != "" && s != "completed" {
		return channels.Result{}, nil
	}
	recURL := f.Get("RecordingUrl")
	from := caller(f, req)
	if recURL == "" || from == "" {
		return channels.Result{}, nil
	}
	in := callEvent(f, domain.KindVoicemail, recSid, from)
	in.OccurredAt = parseTime(f.Get("RecordingStartTime"))
	in.Attachments = []domain.Attachment{{Name: recSid, URL: recURL, ContentType: recordingType(recURL)}}
	channels.SetIf(in.Metadata, "callSid", f.Get("CallSid"))
	channels.SetIf(in.Metadata, "durationSeconds", f.Get("RecordingDuration"))
	return channels.Result{Messages: []domain.Inbound{in}}, nil
}

// ParseTranscription reads POST /webhooks/twilio/voice/transcription: the text
// of a voicemail, an Inbound of kind transcript identified by TranscriptionSid.
// A failed transcription yields nothing.
func ParseTranscription(req channels.Request) (channels.Result, error) {
	f, err := form(req)
	if err != nil {
		return channels.Result{}, err
	}
	sid := f.Get("TranscriptionSid")
	if sid == "" {
		return channels.Result{}, channels.Invalid("missing TranscriptionSid")
	}
	if s := strings.ToLower(f.Get("TranscriptionStatus")); s != "" && s != "completed" {
		return channels.Result{}, nil
	}
	from := caller(f, req)
	if from == "" {
		return channels.Result{}, nil
	}
	in := callEvent(f, domain.KindTranscript, sid, from)
	in.Text = channels.Text(f.Get("TranscriptionText"))
	channels.SetIf(in.Metadata, "callSid", f.Get("CallSid"))
	channels.SetIf(in.Metadata, "recordingSid", f.Get("RecordingSid"))
	if u := f.Get("RecordingUrl"); u != "" {
		in.Attachments = []domain.Attachment{{Name: f.Get("RecordingSid"), URL: u, ContentType: recordingType(u)}}
	}
	return channels.Result{Messages: []domain.Inbound{in}}, nil
}

func callEvent(f url.Values, kind domain.TouchpointKind, id, from string) domain.Inbound {
	in := domain.Inbound{
		Provider:          Provider,
		Channel:           domain.ChannelVoice,
		Kind:              kind,
		ProviderMessageID: id,
		Identities:        []domain.RawIdentity{{Kind: domain.KindPhone, Value: from}},
		Metadata:          map[string]string{},
	}
	channels.SetIf(in.Metadata, "to", f.Get("To"))
	channels.SetIf(in.Metadata, "callStatus", f.Get("CallStatus"))
	channels.SetIf(in.Metadata, "accountSid", f.Get("AccountSid"))
	return in
}

// caller is the customer's number on a recording or transcription callback:
// From when Twilio sends it, otherwise the signed caller parameter VoiceTwiML
// put in the callback URL.
func caller(f url.Values, req channels.Request) string {
	if from := f.Get("From"); callablePhone(from) {
		return from
	}
	if c := req.Query.Get(CallerParam); callablePhone(c) {
		return c
	}
	return ""
}

func callablePhone(s string) bool {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "+") || anonymousCallers[s] {
		return false
	}
	digits := 0
	for _, r := range s[1:] {
		if r < '0' || r > '9' {
			return false
		}
		digits++
	}
	return digits >= 6
}

func recordingType(u string) string {
	switch {
	case strings.HasSuffix(strings.ToLower(u), ".mp3"):
		return "audio/mpeg"
	default:
		// Twilio serves a recording URL without extension as WAV.
		return "audio/wav"
	}
}

// parseTime reads Twilio's RFC 1123 timestamps ("Tue, 10 Mar 2026 02:15:00 +0000").
func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC1123Z, time.RFC1123} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

func first(f url.Values, names ...string) string {
	for _, n := range names {
		if v := f.Get(n); v != "" {
			return v
		}
	}
	return ""
}

func hasPrefixFold(s, p string) bool { return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) }
