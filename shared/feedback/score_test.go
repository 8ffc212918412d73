package feedback_test

import (
	"testing"

	"github.com/concierge-cx/concierge/shared/feedback"
)

func TestBareScoreReadsOnlyAScore(t *testing.T) {
	for text, want := range map[string]int{"5": 5, " 4 ": 4, "1.": 1, "5 sao": 5, "3/5": 3, "2*": 2, "⭐⭐⭐⭐": 4,
		"6": 0, "0": 0, "5 phút nữa": 0, "55": 0, "": 0, "ok": 0, "5 sao nhé": 0} {
		got, ok := feedback.BareScore(text)
		if (want == 0) == ok || got != want && ok {
			t.Errorf("BareScore(%q) = %d, %v; want %d", text, got, ok, want)
		}
	}
}
