package domain

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// IdentityKind names the namespace of an identity value.
type IdentityKind string

const (
	KindPhone     IdentityKind = "phone"     // E.164; SMS, voice and WhatsApp all land here
	KindEmail     IdentityKind = "email"     // trimmed, lower-cased
	KindWhatsApp  IdentityKind = "whatsapp"  // an alias: a wa_id is a phone number, normalized to KindPhone
	KindMessenger IdentityKind = "messenger" // page-scoped user id (PSID)
	KindTelegram  IdentityKind = "telegram"  // Telegram user id
	KindZalo      IdentityKind = "zalo"      // Zalo OA follower id (exceeds 2^53: always a string)
	KindVonage    IdentityKind = "vonage"    // a Vonage channel address that is not a phone (e.g. Viber id)
	KindWebchat   IdentityKind = "webchat"   // the site's visitor id
)

// Identity is a normalized (kind, value) pair; equal identities are the same person.
type Identity struct {
	Kind  IdentityKind `json:"kind" dynamodbav:"kind"`
	Value string       `json:"value" dynamodbav:"value"`
}

// Key is the identity's canonical string, "kind#value".
func (i Identity) Key() string { return string(i.Kind) + "#" + i.Value }

func (i Identity) String() string { return i.Key() }

// ParseKey reads an identity's canonical string, "kind#value".
func ParseKey(k string) (Identity, bool) {
	kind, value, ok := strings.Cut(k, "#")
	if !ok || kind == "" || value == "" {
		return Identity{}, false
	}
	return Identity{Kind: IdentityKind(kind), Value: value}, true
}

// Normalizer turns raw provider identities into canonical ones.
type Normalizer struct {
	// DefaultRegion is the ISO region for national phone numbers ("VN" if empty).
	DefaultRegion string
}

const maxIdentityValueLen = 256

// Normalize validates and canonicalizes one identity. Phones (and WhatsApp ids)
// become E.164, emails are trimmed and lower-cased, provider ids are kept as
// the exact strings the provider sent.
func (n Normalizer) Normalize(kind IdentityKind, raw string) (Identity, error) {
	v := strings.TrimSpace(raw)
	if v == "" {
		return Identity{}, Errorf(CodeInvalid, "empty %s identity", kind)
	}
	if len(v) > maxIdentityValueLen {
		return Identity{}, Errorf(CodeInvalid, "%s identity longer than %d bytes", kind, maxIdentityValueLen)
	}
	if err := CheckKeyValue(string(kind)+" identity", v); err != nil {
		return Identity{}, err
	}
	switch kind {
	case KindPhone, KindWhatsApp:
		p, err := n.Phone(v)
		if err != nil {
			return Identity{}, err
		}
		return Identity{Kind: KindPhone, Value: p}, nil
	case KindEmail:
		e, err := NormalizeEmail(v)
		if err != nil {
			return Identity{}, err
		}
		return Identity{Kind: KindEmail, Value: e}, nil
	case KindMessenger, KindTelegram, KindZalo, KindVonage, KindWebchat:
		if strings.ContainsAny(v, "# \t\r\n") {
			return Identity{}, Errorf(CodeInvalid, "%s identity has a forbidden character", kind)
		}
		return Identity{Kind: kind, Value: v}, nil
	default:
		return Identity{}, Errorf(CodeInvalid, "unknown identity kind %q", kind)
	}
}

// Phone returns the E.164 form of a phone number written in any of the usual
// ways: "+84 912 345 678", "0912345678", "84912345678" (a WhatsApp wa_id),
// "whatsapp:+84912345678" (Twilio), "tel:+84...".
func (n Normalizer) Phone(raw string) (string, error) {
	v := strings.TrimSpace(raw)
	for _, p := range []string{"whatsapp:", "tel:", "sms:"} {
		if len(v) >= len(p) && strings.EqualFold(v[:len(p)], p) {
			v = v[len(p):]
		}
	}
	region := n.DefaultRegion
	if region == "" {
		region = "VN"
	}
	digits := 0
	for _, r := range v {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	if digits < 6 || digits > 17 {
		return "", Errorf(CodeInvalid, "not a phone number")
	}
	// A wa_id (and Vonage's "from") is the international number without "+".
	// Try it as international first when it does not start with a trunk 0.
	if !strings.HasPrefix(v, "+") && !strings.HasPrefix(v, "0") && onlyDigits(v) {
		if num, err := phonenumbers.Parse("+"+v, region); err == nil && phonenumbers.IsValidNumber(num) {
			return phonenumbers.Format(num, phonenumbers.E164), nil
		}
	}
	num, err := phonenumbers.Parse(v, region)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return "", Errorf(CodeInvalid, "not a valid phone number")
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

func onlyDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// NormalizeEmail trims, strips a "mailto:" and lower-cases an address, and
// checks it has the shape local@domain.
func NormalizeEmail(raw string) (string, error) {
	v := strings.TrimSpace(raw)
	if len(v) >= 7 && strings.EqualFold(v[:7], "mailto:") {
		v = v[7:]
	}
	v = strings.ToLower(v)
	at := strings.LastIndexByte(v, '@')
	if at <= 0 || at == len(v)-1 || strings.ContainsAny(v, " \t\r\n<>,;#") || !strings.Contains(v[at+1:], ".") {
		return "", Errorf(CodeInvalid, "not a valid email address")
	}
	return v, nil
}

// MaskedValue hides most of an identity for logs: "+8491****678", "l***@example.com".
func (i Identity) MaskedValue() string { return Mask(i.Value) }

// Mask hides the middle of a personal value for logs.
func Mask(v string) string {
	if at := strings.LastIndexByte(v, '@'); at > 0 {
		return v[:1] + "***" + v[at:]
	}
	r := []rune(v)
	if len(r) <= 6 {
		return "***"
	}
	return string(r[:4]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-3:])
}
