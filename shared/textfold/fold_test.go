package textfold

import "testing"

func TestFoldMatchesVietnameseTypedEitherWay(t *testing.T) {
	for in, want := range map[string]string{
		"Nguyễn Thị Lan":     "nguyen thi lan",
		"ĐẶNG VĂN ĐỨC":       "dang van duc",
		"khẩn cấp":           "khan cap",
		"nguyen thi lan":     "nguyen thi lan",
		"Café au lait":       "cafe au lait",
		"Nguye\u0302\u0303n": "nguyen", // decomposed input
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
	if !HasDiacritics("gấp") || HasDiacritics("gap") || !HasDiacritics("đi") {
		t.Error("HasDiacritics")
	}
}

func TestNameCollapsesSpacing(t *testing.T) {
	for in, want := range map[string]string{
		"  Nguyễn  Thị\tLan ": "nguyen thi lan",
		"NGUYEN\u00a0THI LAN": "nguyen thi lan",
		"":                    "",
	} {
		if got := Name(in); got != want {
			t.Errorf("Name(%q) = %q, want %q", in, got, want)
		}
	}
}
