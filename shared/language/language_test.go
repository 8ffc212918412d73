package language

import (
	"testing"
)

// Hand-written first messages, as new customers send them.
var samples = []struct{ text, want string }{
	{"Hello, do you ship to Singapore?", "en"},
	{"Hi, I ordered a blue shirt last week and it hasn't arrived yet", "en"},
	{"Can I change the size of my order please?", "en"},
	{"My name is Miller, I'd like to return the kettle", "en"},
	{"Thanks for the quick delivery!", "en"},
	{"Is this jacket waterproof?", "en"},
	{"I was charged twice for order 4412", "en"},
	{"Please call me back about my refund", "en"},
	{"Where is my package? Tracking says delivered but nothing here", "en"},
	{"Do you have this in a larger size", "en"},
	{"Good morning, what time do you open on Sunday?", "en"},
	{"The heater you sent is sparking", "en"},
	{"Shop ơi áo này còn size M không?", "vi"},
	{"Chào shop", "vi"},
	{"Cho em hỏi phí ship về Hà Nội bao nhiêu ạ", "vi"},
	{"Em cảm ơn shop nhiều", "vi"},
	{"Tôi bị trừ tiền 2 lần", "vi"},
	{"shop oi ao nay con size M khong", "vi"},
	{"cho em hoi phi ship ve ha noi bao nhieu", "vi"},
	{"bao gio giao hang vay shop", "vi"},
	{"em muon doi sang mau den duoc khong a", "vi"},
	{"don hang cua em dang o dau roi", "vi"},
	{"toi da goi 5 lan ma khong ai nghe may", "vi"},
	{"cam on shop nhieu nha", "vi"},
	{"tai khoan em bi doi mat khau, giup em voi", "vi"},
	{"khi nao thi co hang lai vay ban", "vi"},
	{"minh muon dat 2 cai giao ve quan 7", "vi"},
	{"binh nong lanh nha em bi ro dien", "vi"},
	{"sao chua giao hang cho toi, da 1 tuan roi", "vi"},
	{"shop co ban loai nay mau trang khong", "vi"},
}

func TestDetectServedLanguages(t *testing.T) {
	wrong := 0
	for _, s := range samples {
		got, reliable := Default.Detect(s.text)
		if got != s.want {
			wrong++
			t.Logf("Detect(%q) = %q (reliable %v), want %q", s.text, got, reliable, s.want)
		}
		if got == "en" && s.want != "en" && reliable {
			t.Errorf("Detect(%q): a Vietnamese customer reliably read as English", s.text)
		}
	}
	// Short unaccented Vietnamese can look English to a trigram model; the
	// caller falls back to the sender's phone when the guess is unreliable.
	if wrong > len(samples)/10 {
		t.Fatalf("%d of %d samples misdetected", wrong, len(samples))
	}
}

func TestVietnameseLettersSettleIt(t *testing.T) {
	for _, s := range []string{"đ", "Ơ kìa", "ăn", "tuần"} {
		if got, ok := Default.Detect(s); got != "vi" || !ok {
			t.Errorf("Detect(%q) = %q %v", s, got, ok)
		}
	}
	// Without Vietnamese served, those letters decide nothing.
	en, err := New("en")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := en.Detect("đơn hàng"); got == "vi" {
		t.Fatalf("an English-only detector answered vi")
	}
}

func TestUnsureMessagesAreUnreliable(t *testing.T) {
	for _, s := range []string{"", "ok", "???", "12345"} {
		if _, reliable := Default.Detect(s); reliable {
			t.Errorf("Detect(%q) is reliable", s)
		}
	}
}

func TestNewRejectsUnknownCodes(t *testing.T) {
	for _, codes := range [][]string{nil, {"xx"}, {"vie"}, {"vi", ""}} {
		if _, err := New(codes...); err == nil {
			t.Errorf("New(%q) accepted", codes)
		}
	}
	if _, err := New("vi", "EN", "fr"); err != nil {
		t.Fatal(err)
	}
}
