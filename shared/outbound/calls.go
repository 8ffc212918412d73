package outbound

import (
	"context"
	"net/url"
	"strconv"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/domain"
)

// Call is an outbound call: Twilio rings To and, once answered, runs the
// TwiML at URL; the call's progress is posted to StatusCallback.
type Call struct {
	To             string // E.164 or client:<identity>
	URL            string
	StatusCallback string
	// Timeout is how long To rings, in seconds (Twilio's default 60).
	Timeout int
}

// CallerID is the number outbound calls come from: TWILIO_VOICE_NUMBER,
// else TWILIO_FROM_NUMBER.
func (r *Dispatcher) CallerID() string {
	if r.cfg.TwilioVoiceNumber != "" {
		return r.cfg.TwilioVoiceNumber
	}
	return r.cfg.TwilioFromNumber
}

// CanCall says whether Twilio voice is configured.
func (r *Dispatcher) CanCall() bool {
	return r.cfg.TwilioAccountSID != "" && r.cfg.TwilioAuthToken != "" && r.CallerID() != ""
}

// PlaceCall starts a call through Twilio's Calls API
// (https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource):
// POST /2010-04-01/Accounts/{AccountSid}/Calls.json, form-encoded To, From,
// Url, StatusCallback and StatusCallbackEvent (initiated, ringing, answered,
// completed), basic auth; 201 with the Call's sid. It is tried once: a
// retry after a lost answer could ring the agent twice, and the agent can
// click again.
func (r *Dispatcher) PlaceCall(ctx context.Context, c Call) (string, error) {
	if !r.CanCall() {
		return "", domain.Errorf(domain.CodeConflict, "Twilio voice is not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and a caller number)")
	}
	form := url.Values{"To": {c.To}, "From": {r.CallerID()}, "Url": {c.URL}, "Method": {"POST"}}
	if c.StatusCallback != "" {
		form.Set("StatusCallback", c.StatusCallback)
		form.Set("StatusCallbackMethod", "POST")
		for _, e := range []string{"initiated", "ringing", "answered", "completed"} {
			form.Add("StatusCallbackEvent", e)
		}
	}
	if c.Timeout > 0 {
		form.Set("Timeout", strconv.Itoa(c.Timeout))
	}
	once := *r
	once.policy = channels.Policy{Attempts: 1}
	sid, _, err := once.twilioCreate(ctx, "Calls.json", form, c.To, "call")
	return sid, err
}
