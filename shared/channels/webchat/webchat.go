// Package webchat adapts messages from the site's chat widget, relayed and
// signed by the site's backend, posted to /webhooks/webchat.
package webchat

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/domain"
)

// Provider is the provider name on every event this package produces.
const Provider = "webchat"

// Header names, lower-cased.
const (
	TimestampHeader = "x-concierge-timestamp"
	SignatureHeader = "x-concierge-signature"
)

// Tolerance is how far the signed timestamp may be from the request time,
// either way.
const Tolerance = 5 * time.Minute

// maxIDLen bounds client-chosen ids; they become table keys.
const maxIDLen = 128

// Verify checks X-Concierge-Timestamp (unix seconds, within Tolerance of the
// request time) and X-Concierge-Signature over timestamp and raw body.
func Verify(req channels.Request, secret string) error {
	ts := strings.TrimSpace(req.Header(TimestampHeader))
	sig := strings.TrimSpace(req.Header(SignatureHeader))
	if ts == "" || sig == "" {
		return channels.Forbidden("missing X-Concierge-Timestamp or X-Concierge-Signature")
	}
	if secret == "" {
		return channels.Forbidden("no webchat secret configured")
	}
	if !channels.Equal(channels.Signature(secret, ts, req.Body), sig) {
		return channels.Forbidden("bad webchat signature")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return channels.Forbidden("X-Concierge-Timestamp is not unix seconds")
	}
	return channels.CheckFreshness(time.Unix(sec, 0), req.Clock(), Tolerance)
}

type message struct {
	MessageID string `json:"messageId"`
	VisitorID string `json:"visitorId"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	Phone     string `json:"phone"`
	Text      string `json:"text"`
	SentAt    string `json:"sentAt"`
}

// Parse reads {visitorId, text, sentAt, messageId?, name?, email?, phone?}.
// Unknown fields are ignored, so a newer widget still talks to an older
// backend; visitorId, text and an RFC 3339 sentAt are required. The visitor
// id comes first among the identities, then the email and phone the visitor
// gave. Without a messageId the id is derived from visitor, time and text, so
// a widget retrying the same message deduplicates.
func Parse(req channels.Request) (channels.Result, error) {
	var m message
	if err := channels.Decode(req.Body, &m); err != nil {
		return channels.Result{}, err
	}
	visitor := strings.TrimSpace(m.VisitorID)
	if visitor == "" {
		return channels.Result{}, channels.Invalid("visitorId is required")
	}
	if len(visitor) > maxIDLen || strings.ContainsAny(visitor, "# \t\r\n") {
		return channels.Result{}, channels.Invalid("visitorId must be at most %d characters without spaces or '#'", maxIDLen)
	}
	text := channels.Text(m.Text)
	if text == "" {
		return channels.Result{}, channels.Invalid("text is required")
	}
	if strings.TrimSpace(m.SentAt) == "" {
		return channels.Result{}, channels.Invalid("sentAt is required")
	}
	sent, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(m.SentAt))
	if err != nil {
		return channels.Result{}, channels.Invalid("sentAt must be an RFC 3339 time")
	}
	sent = sent.UTC()
	id := strings.TrimSpace(m.MessageID)
	if len(id) > maxIDLen {
		return channels.Result{}, channels.Invalid("messageId must be at most %d characters", maxIDLen)
	}
	if id == "" {
		id = DerivedID(visitor, sent, text)
	}
	in := domain.Inbound{
		Provider:          Provider,
		Channel:           domain.ChannelWebchat,
		Kind:              domain.KindMessage,
		ProviderMessageID: id,
		Identities:        []domain.RawIdentity{{Kind: domain.KindWebchat, Value: visitor}},
		ProfileName:       channels.Name(m.Name),
		Text:              text,
		OccurredAt:        sent,
	}
	if e := strings.TrimSpace(m.Email); e != "" {
		// What a visitor types proves nothing: a claim, never a link.
		in.Identities = append(in.Identities, domain.RawIdentity{Kind: domain.KindEmail, Value: e, Proof: domain.ProofClaimed, Source: domain.ClaimTyped})
	}
	if p := strings.TrimSpace(m.Phone); p != "" {
		in.Identities = append(in.Identities, domain.RawIdentity{Kind: domain.KindPhone, Value: p, Proof: domain.ProofClaimed, Source: domain.ClaimTyped})
	}
	return channels.Result{Messages: []domain.Inbound{in}}, nil
}

// DerivedID is the id of a message sent without messageId: hex SHA-256 of
// visitor id, send time (UTC, RFC 3339) and NFC text, separated by newlines
// so that no two different triples run together into the same input.
func DerivedID(visitorID string, sentAt time.Time, text string) string {
	sum := sha256.Sum256([]byte(visitorID + "\n" + sentAt.UTC().Format(time.RFC3339Nano) + "\n" + text))
	return "sha256:" + hex.EncodeToString(sum[:])
}
