package feedback

import "strings"

// BareScore reads a survey answer from a message: a digit 1-5 alone, or
// with "/5", "*", "sao" ("5 sao": five stars in Vietnamese), or as 1-5 star
// emoji; surrounding spaces and a final "." or "!" are allowed. Anything
// longer ("5 phút nữa") is a message, not a score.
func BareScore(text string) (int, bool) {
	s := strings.TrimSpace(text)
	s = strings.TrimRight(s, ".! ")
	if s == "" {
		return 0, false
	}
	if n := strings.Count(s, "⭐"); n > 0 && n <= 5 && strings.ReplaceAll(s, "⭐", "") == "" {
		return n, true
	}
	if s[0] < '1' || s[0] > '5' {
		return 0, false
	}
	rest := strings.ToLower(strings.TrimSpace(s[1:]))
	switch rest {
	case "", "/5", "*", "sao", "⭐":
		return int(s[0] - '0'), true
	}
	return 0, false
}
