package twilio

import (
	"testing"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/channels/channelstest"
)

// fuzzParser seeds from every Twilio sample body and checks that the parser
// never panics and never accepts an event that names no one or has no id.
func fuzzParser(f *testing.F, parse func(channels.Request) (channels.Result, error)) {
	for _, b := range channelstest.Bodies(f, "twilio-") {
		f.Add(b, "+84912345678")
	}
	f.Fuzz(func(t *testing.T, body []byte, callerParam string) {
		req := channels.Request{Method: "POST", Body: body, Query: map[string][]string{CallerParam: {callerParam}}}
		res, err := parse(req)
		if err != nil {
			return
		}
		channelstest.CheckComplete(t, res)
	})
}

func FuzzParseMessage(f *testing.F)       { fuzzParser(f, ParseMessage) }
func FuzzParseVoice(f *testing.F)         { fuzzParser(f, ParseVoice) }
func FuzzParseVoiceStatus(f *testing.F)   { fuzzParser(f, ParseVoiceStatus) }
func FuzzParseRecording(f *testing.F)     { fuzzParser(f, ParseRecording) }
func FuzzParseTranscription(f *testing.F) { fuzzParser(f, ParseTranscription) }
