package consent_test

import (
	"testing"

	"github.com/concierge-cx/concierge/shared/consent"
)

func TestOptOutKeywordsMatchWholeMessagesWhateverTheCaseAndDiacritics(t *testing.T) {
	k := consent.NewKeywords("Dừng", " ", "unsubscribe")
	for _, tc := range []struct {
		text, want string
	}{
		{"STOP", "STOP"}, {"stop", "STOP"}, {" Stop. ", "STOP"},
		{"HỦY", "HỦY"}, {"hủy", "HỦY"}, {"huy", "HỦY"}, {"Hủy!", "HỦY"},
		{"huy dang ky", "huy dang ky"}, {"Hủy đăng ký", "huy dang ky"}, {"HUY  DANG KY", "huy dang ky"},
		{"ngừng nhận tin", "ngừng nhận tin"}, {"NGUNG NHAN TIN", "ngừng nhận tin"},
		{"dung", "Dừng"}, {"UNSUBSCRIBE", "unsubscribe"},
		{"please stop calling me about the refund", ""}, {"stop it", ""}, {"hủy đơn hàng giúp em", ""}, {"", ""}, {"Dạ", ""},
	} {
		got, ok := k.Match(tc.text)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("%q: %q %v, want %q", tc.text, got, ok, tc.want)
		}
	}
}
