// Package vonage adapts Vonage Messages API webhooks (inbound messages and
// message statuses) posted to /webhooks/vonage/messages and
// /webhooks/vonage/status.
package vonage

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/domain"
)

// Provider is the provider name on every event this package produces.
const Provider = "vonage"

// Tolerance is how far a token's iat may be from the request time, either way.
const Tolerance = 5 * time.Minute

// Claims are the claims of the JWT Vonage signs its webhooks with.
type Claims struct {
	jwt.RegisteredClaims
	// PayloadHash is hex(SHA-256(raw body)): it binds the token to the body.
	PayloadHash   string `json:"payload_hash,omitempty"`
	APIKey        string `json:"api_key,omitempty"`
	ApplicationID string `json:"application_id,omitempty"`
}

// VerifyToken checks a webhook JWT: HS256 only (never "none" or an algorithm
// the token picks), signed with the signature secret, with an iat within
// Tolerance of now, and not expired if it says when it expires.
func VerifyToken(token, secret string, now time.Time) (*Claims, error) {
	if secret == "" {
		return nil, channels.Forbidden("no Vonage signature secret configured")
	}
	var c Claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return []byte(secret), nil },
		jwt.WithValidMethods([]string{"HS256"}),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
	if err != nil {
		return nil, domain.Wrap(err, domain.CodeForbidden, "bad Vonage token")
	}
	if c.IssuedAt == nil {
		return nil, channels.Forbidden("Vonage token has no iat")
	}
	if err := channels.CheckFreshness(c.IssuedAt.Time, now, Tolerance); err != nil {
		return nil, err
	}
	return &c, nil
}

// Verify checks the Authorization: Bearer token of a webhook and that its
// payload_hash matches the raw body, so a valid token cannot carry another body.
func Verify(req channels.Request, secret string) error {
	auth := strings.TrimSpace(req.Header("authorization"))
	if len(auth) < 7 || !strings.EqualFold(auth[:7], "bearer ") {
		return channels.Forbidden("missing Vonage bearer token")
	}
	c, err := VerifyToken(strings.TrimSpace(auth[7:]), secret, req.Clock())
	if err != nil {
		return err
	}
	sum := sha256.Sum256(req.Body)
	if c.PayloadHash == "" || !channels.Equal(hex.EncodeToString(sum[:]), strings.ToLower(c.PayloadHash)) {
		return channels.Forbidden("body does not match the token's payload_hash")
	}
	return nil
}

// SignToken makes the token Vonage would send for body at iat: the local
// stack and the sample events use it to sign requests.
func SignToken(secret string, body []byte, iat time.Time, jti string) (string, error) {
	sum := sha256.Sum256(body)
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{IssuedAt: jwt.NewNumericDate(iat), ID: jti, Issuer: "Vonage"},
		PayloadHash:      hex.EncodeToString(sum[:]),
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(secret))
}

type media struct {
	URL     string `json:"url"`
	Caption string `json:"caption"`
	Name    string `json:"name"`
}

type payload struct {
	MessageUUID string `json:"message_uuid"`
	To          string `json:"to"`
	From        string `json:"from"`
	Channel     string `json:"channel"`
	MessageType string `json:"message_type"`
	Text        string `json:"text"`
	Timestamp   string `json:"timestamp"`
	Status      string `json:"status"`
	ClientRef   string `json:"client_ref"`
	Profile     *struct {
		Name string `json:"name"`
	} `json:"profile"`
	Image    *media `json:"image"`
	Audio    *media `json:"audio"`
	Video    *media `json:"video"`
	File     *media `json:"file"`
	Sticker  *media `json:"sticker"`
	Vcard    *media `json:"vcard"`
	Location *struct {
		Lat     channels.Number `json:"lat"`
		Long    channels.Number `json:"long"`
		Name    string          `json:"name"`
		Address string          `json:"address"`
	} `json:"location"`
	Reply *struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"reply"`
	Button *struct {
		Payload string `json:"payload"`
		Text    string `json:"text"`
	} `json:"button"`
	Context *struct {
		MessageUUID string `json:"message_uuid"`
	} `json:"context"`
	Error *struct {
		Type   string          `json:"type"`
		Title  json.RawMessage `json:"title"`
		Detail string          `json:"detail"`
	} `json:"error"`
}

// Parse reads an inbound message or a message status; a body with a "status"
// is a status of a message we sent. Statuses we do not track (e.g. "unknown")
// are acknowledged and left out.
func Parse(req channels.Request) (channels.Result, error) {
	var p payload
	if err := channels.Decode(req.Body, &p); err != nil {
		return channels.Result{}, err
	}
	if p.MessageUUID == "" {
		return channels.Result{}, channels.Invalid("missing message_uuid")
	}
	at := parseTime(p.Timestamp)
	if p.Status != "" {
		st, ok := statuses[strings.ToLower(p.Status)]
		if !ok {
			return channels.Result{}, nil
		}
		u := domain.StatusUpdate{Provider: Provider, ProviderMessageID: p.MessageUUID, Status: st, At: at}
		if p.Error != nil && st == domain.StatusFailed {
			u.Error = strings.TrimSpace(strings.Trim(string(p.Error.Title), `"`) + " " + p.Error.Detail)
		}
		return channels.Result{Statuses: []domain.StatusUpdate{u}}, nil
	}
	from := strings.TrimSpace(p.From)
	if from == "" {
		return channels.Result{}, channels.Invalid("missing from")
	}
	in := domain.Inbound{
		Provider:          Provider,
		Kind:              domain.KindMessage,
		ProviderMessageID: p.MessageUUID,
		OccurredAt:        at,
		Metadata:          map[string]string{"vonageChannel": p.Channel},
	}
	switch p.Channel {
	case "sms", "mms", "rcs":
		in.Channel = domain.ChannelSMS
		in.Identities = []domain.RawIdentity{{Kind: domain.KindPhone, Value: from}}
	case "whatsapp":
		in.Channel = domain.ChannelWhatsApp
		in.Identities = []domain.RawIdentity{{Kind: domain.KindWhatsApp, Value: from}}
	case "viber_service":
		in.Channel = domain.ChannelViber
		// Viber Business messages are addressed by phone number; anything else
		// is a Vonage-specific address.
		kind := domain.KindVonage
		if digitsOnly(from) {
			kind = domain.KindPhone
		}
		in.Identities = []domain.RawIdentity{{Kind: kind, Value: from}}
	case "messenger":
		in.Channel = domain.ChannelMessenger
		in.Identities = []domain.RawIdentity{{Kind: domain.KindMessenger, Value: from}}
	default:
		return channels.Result{}, channels.Invalid("unsupported Vonage channel %q", p.Channel)
	}
	if p.Profile != nil {
		in.ProfileName = channels.Name(p.Profile.Name)
	}
	channels.SetIf(in.Metadata, "to", p.To)
	channels.SetIf(in.Metadata, "type", p.MessageType)
	if p.Context != nil {
		channels.SetIf(in.Metadata, "replyTo", p.Context.MessageUUID)
	}
	text := p.Text
	for _, m := range []*media{p.Image, p.Audio, p.Video, p.File, p.Sticker, p.Vcard} {
		if m == nil || m.URL == "" {
			continue
		}
		if text == "" {
			text = m.Caption
		}
		in.Attachments = append(in.Attachments, domain.Attachment{Name: m.Name, URL: m.URL, ContentType: mediaTypes[p.MessageType]})
	}
	switch {
	case p.Location != nil:
		l := p.Location
		in.Metadata["latitude"], in.Metadata["longitude"] = string(l.Lat), string(l.Long)
		if text == "" {
			text = strings.TrimSpace(strings.TrimSpace(l.Name+" "+l.Address) + " (" + string(l.Lat) + ", " + string(l.Long) + ")")
		}
	case p.Reply != nil:
		channels.SetIf(in.Metadata, "replyId", p.Reply.ID)
		if text == "" {
			text = p.Reply.Title
		}
	case p.Button != nil:
		channels.SetIf(in.Metadata, "payload", p.Button.Payload)
		if text == "" {
			text = p.Button.Text
		}
	}
	in.Text = channels.Text(text)
	return channels.Result{Messages: []domain.Inbound{in}}, nil
}

var statuses = map[string]domain.DeliveryStatus{
	"submitted":     domain.StatusSent,
	"delivered":     domain.StatusDelivered,
	"read":          domain.StatusRead,
	"rejected":      domain.StatusFailed,
	"undeliverable": domain.StatusFailed,
}

var mediaTypes = map[string]string{
	"image": "image/*", "audio": "audio/*", "video": "video/*", "file": "application/octet-stream",
	"sticker": "image/webp", "vcard": "text/vcard",
}

func parseTime(s string) time.Time {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC()
	}
	return time.Time{}
}

func digitsOnly(s string) bool {
	s = strings.TrimPrefix(s, "+")
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
