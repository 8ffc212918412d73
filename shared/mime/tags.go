package mime

import (
	"regexp"
	"strings"
)

var subjectTagRe = regexp.MustCompile(`\[#([A-Za-z0-9][A-Za-z0-9_-]{1,63})\]`)

// SubjectTag finds the conversation reference Concierge puts in the subjects
// it sends, "[#REF]", and returns REF as written. The first tag wins: a
// forwarded thread's older tag comes after "Fwd:" text, not before.
func SubjectTag(subject string) (ref string, ok bool) {
	m := subjectTagRe.FindStringSubmatch(subject)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// PlusAddressTag returns <id> from a reply address "reply+<id>@replyDomain".
// addr may be bare, in angle brackets or with a display name. The domain and
// the "reply" local part compare case-insensitively; the id is returned as
// written, so ids must be case-insensitive (Address.Email is lower-cased).
func PlusAddressTag(addr, replyDomain string) (conversationID string, ok bool) {
	a := strings.TrimSpace(addr)
	if i := strings.LastIndexByte(a, '<'); i >= 0 {
		a = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(a[i+1:]), ">"))
	}
	if len(a) > 7 && strings.EqualFold(a[:7], "mailto:") {
		a = a[7:]
	}
	at := strings.LastIndexByte(a, '@')
	if at < 0 {
		return "", false
	}
	local, domain := a[:at], strings.TrimSuffix(a[at+1:], ".")
	if domain == "" || !strings.EqualFold(domain, strings.TrimSuffix(strings.TrimSpace(replyDomain), ".")) {
		return "", false
	}
	const prefix = "reply+"
	if len(local) <= len(prefix) || !strings.EqualFold(local[:len(prefix)], prefix) {
		return "", false
	}
	id := local[len(prefix):]
	if len(id) > 64 {
		return "", false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return "", false
		}
	}
	return id, true
}
