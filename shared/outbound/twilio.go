package outbound

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/domain"
)

// twilioMaxBody is the Messages API's limit on Body.
const twilioMaxBody = 1600

// twilio sends SMS and WhatsApp through the Programmable Messaging API:
// POST /2010-04-01/Accounts/{AccountSid}/Messages.json, form-encoded, basic
// auth with the account SID and auth token. Outside the WhatsApp window it
// sends a Content Template (ContentSid + ContentVariables) instead of Body.
func (r *Dispatcher) twilio(ctx context.Context, m Message) (Result, error) {
	c := r.cfg
	form := url.Values{}
	var res Result
	switch m.Channel {
	case domain.ChannelSMS:
		form.Set("To", m.To)
		if c.TwilioMessagingServiceSID != "" {
			form.Set("MessagingServiceSid", c.TwilioMessagingServiceSID)
		} else {
			form.Set("From", c.TwilioFromNumber)
		}
	case domain.ChannelWhatsApp:
		form.Set("To", whatsAppAddress(m.To))
		form.Set("From", whatsAppAddress(c.TwilioWhatsAppFrom))
		t, err := r.whatsAppTemplate(m)
		if err != nil {
			return res, err
		}
		if t != nil {
			if !strings.HasPrefix(t.Name, "HX") {
				return res, domain.Errorf(domain.CodeConflict, "with Twilio the WhatsApp template is a Content SID (HX…), not %q", t.Name)
			}
			form.Set("ContentSid", t.Name)
			if len(t.Params) > 0 {
				vars := make(map[string]string, len(t.Params))
				for i, p := range t.Params {
					vars[strconv.Itoa(i+1)] = p
				}
				form.Set("ContentVariables", string(mustJSON(vars)))
			}
			res.UsedTemplate = true
		}
	}
	if !res.UsedTemplate {
		if err := checkLength(ProviderTwilio, m.Text, twilioMaxBody); err != nil {
			return res, err
		}
		form.Set("Body", m.Text)
	}
	sid, n, err := r.twilioCreate(ctx, "Messages.json", form, m.To, "message")
	res.ProviderMessageID = sid
	res.Attempts = n
	return res, err
}

// whatsAppAddress writes a phone number the way Twilio names WhatsApp
// addresses: whatsapp:+E.164.
func whatsAppAddress(v string) string {
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "whatsapp:") {
		return v
	}
	return "whatsapp:" + v
}

// twilioCreate posts form to one of the account's REST resources
// (Messages.json, Calls.json) and returns the created resource's sid; to is
// scrubbed from Twilio's error text.
func (r *Dispatcher) twilioCreate(ctx context.Context, resource string, form url.Values, to, what string) (string, int, error) {
	endpoint := joinURL(r.cfg.TwilioAPIBase, "2010-04-01", "Accounts", r.cfg.TwilioAccountSID, resource)
	h := http.Header{
		"Content-Type":  {"application/x-www-form-urlencoded"},
		"Accept":        {"application/json"},
		"Authorization": {basicAuth(r.cfg.TwilioAccountSID, r.cfg.TwilioAuthToken)},
	}
	var sid string
	n, err := r.post(ctx, ProviderTwilio, endpoint, h, []byte(form.Encode()), func(resp response) error {
		var body struct {
			SID     string      `json:"sid"`
			Code    json.Number `json:"code"`
			Message string      `json:"message"`
		}
		decodeErr := json.Unmarshal(resp.body, &body)
		if !resp.ok() {
			return statusError(ProviderTwilio, resp, body.Code.String(), scrub(body.Message, to), r.now())
		}
		if decodeErr != nil || body.SID == "" {
			return &channels.Error{Provider: ProviderTwilio, Status: resp.status, Message: "accepted without a " + what + " sid"}
		}
		sid = body.SID
		return nil
	})
	return sid, n, err
}
