package domain

import (
	"strings"
	"time"
	"unicode/utf8"
)

// RawIdentity is an identity as a provider sent it, before normalization.
type RawIdentity struct {
	Kind  IdentityKind
	Value string
	// Proof is ProofVerified when empty: adapters list the sender the
	// provider vouches for; anything an outsider typed must say ProofClaimed.
	Proof Proof
	// Source says where a claimed identity was found (ClaimReplyTo, ...).
	Source string
}

// Inbound is one customer event (message, call, voicemail, transcript, email)
// as a channel adapter understood it. The ingest service normalizes its
// identities, resolves the customer and records it as a touchpoint.
type Inbound struct {
	Provider          string // twilio, meta, telegram, zalo, vonage, webchat, ses, connect
	Channel           Channel
	Kind              TouchpointKind
	ProviderMessageID string        // the provider's id of this event: the dedup key with Provider
	Identities        []RawIdentity // the sender's addresses; the first is the channel's own
	ProfileName       string        // a display name from the provider; fills an empty profile name only
	Text              string
	Subject           string
	Attachments       []Attachment
	OccurredAt        time.Time // when the provider says it happened; zero means "now"
	Metadata          map[string]string
	// ConversationID is set when the channel itself names the conversation
	// (an email reply threaded by its references); otherwise the customer's
	// open conversation is used.
	ConversationID string
	// MessageIDs are email Message-IDs to index to the conversation, so that
	// replies to this message thread into it.
	MessageIDs []string
	// UnverifiedSender: the sender failed authentication; its own identity
	// is claimed, so the message lands on a customer of its own.
	UnverifiedSender bool
}

// StatusUpdate is a delivery or call status for a touchpoint already stored,
// named by the provider's message id.
type StatusUpdate struct {
	Provider          string
	ProviderMessageID string
	Status            DeliveryStatus
	At                time.Time
	Error             string // provider error code/description for failures
}

// MaxKeyBytes bounds every value from outside that becomes part of a
// DynamoDB key (a provider's message id, a conversation id it names).
// DynamoDB refuses a sort key above 1,024 bytes and a partition key above
// 2,048 with a ValidationException; checking first makes an oversized id the
// sender's 400 rather than a storage error a provider would retry forever.
// No provider's ids come near it.
const MaxKeyBytes = 512

// CheckKeyValue refuses a value that cannot be part of a key: too long, not
// UTF-8 (DynamoDB strings must be), or carrying a NUL.
func CheckKeyValue(field, v string) error {
	switch {
	case len(v) > MaxKeyBytes:
		return Errorf(CodeInvalid, "%s is longer than %d bytes", field, MaxKeyBytes)
	case !utf8.ValidString(v):
		return Errorf(CodeInvalid, "%s is not valid UTF-8", field)
	case strings.ContainsRune(v, 0):
		return Errorf(CodeInvalid, "%s contains a NUL byte", field)
	}
	return nil
}

// Validate checks the parts of an inbound event that become keys.
func (in Inbound) Validate() error {
	if err := CheckKeyValue("provider", in.Provider); err != nil {
		return err
	}
	if err := CheckKeyValue("provider message id", in.ProviderMessageID); err != nil {
		return err
	}
	return CheckKeyValue("conversation id", in.ConversationID)
}

// Validate checks the parts of a status update that become keys.
func (u StatusUpdate) Validate() error {
	if err := CheckKeyValue("provider", u.Provider); err != nil {
		return err
	}
	return CheckKeyValue("provider message id", u.ProviderMessageID)
}
