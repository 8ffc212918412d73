package urgency

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"golang.org/x/text/unicode/norm"
)

func scorer(t testing.TB) *Scorer {
	t.Helper()
	s, err := NewScorer(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// lexiconDetails lists the phrases that scored, as the customer typed them.
func lexiconDetails(r Result) []string {
	var out []string
	for _, re := range r.Reasons {
		if re.Code == ReasonLexicon {
			out = append(out, re.Detail)
		}
	}
	return out
}

func hasReason(r Result, code string) bool {
	for _, re := range r.Reasons {
		if re.Code == code {
			return true
		}
	}
	return false
}

func TestScoreText(t *testing.T) {
	s := scorer(t)
	tests := []struct {
		name    string
		text    string
		want    domain.Priority
		matched []string // lexicon phrases, as typed, in reason order
	}{
		// Vietnamese with diacritics, upper case, without diacritics.
		// "khẩn cấp" (emergency) alone is urgent.
		{"khẩn cấp", "Shop ơi khẩn cấp", domain.PriorityUrgent, []string{"khẩn cấp"}},
		{"KHẨN CẤP upper case", "KHẨN CẤP", domain.PriorityUrgent, []string{"KHẨN CẤP"}},
		{"khan cap without diacritics", "shop oi khan cap", domain.PriorityUrgent, []string{"khan cap"}},
		{"decomposed Unicode (tổ hợp) input", norm.NFD.String("khẩn cấp"), domain.PriorityUrgent, []string{"khẩn cấp"}},
		{"not an emergency", "Không khẩn cấp đâu, chỉ hỏi thôi", domain.PriorityNormal, nil},
		{"money and delivery together are urgent", "Khẩn cấp! Tôi bị trừ tiền 2 lần mà chưa nhận được hàng", domain.PriorityUrgent,
			[]string{"Khẩn cấp", "trừ tiền 2 lần", "chưa nhận được hàng"}},
		{"same without diacritics", "khan cap, toi bi tru tien 2 lan ma chua nhan duoc hang", domain.PriorityUrgent,
			[]string{"khan cap", "tru tien 2 lan", "chua nhan duoc hang"}},
		{"fraud and police", "Tôi sẽ báo công an, shop lừa đảo", domain.PriorityUrgent, []string{"báo công an", "lừa đảo"}},
		{"old tone placement huỷ", "huỷ đơn giúp em", domain.PriorityNormal, []string{"huỷ đơn"}},
		{"longest phrase wins", "bị trừ tiền", domain.PriorityHigh, []string{"bị trừ tiền"}},

		// gấp (urgent) and gặp (meet) fold alike.
		{"gặp is meet, not urgent", "Em cần gặp quản lý", domain.PriorityNormal, nil},
		{"gấp with diacritics", "Em cần gấp ạ", domain.PriorityHigh, []string{"gấp"}},
		{"unaccented gap after can", "em can gap", domain.PriorityHigh, []string{"gap"}},
		{"unaccented gap before lam", "gap lam shop oi", domain.PriorityHigh, []string{"gap"}},
		{"gap gap", "gap gap", domain.PriorityHigh, []string{"gap"}},
		{"unaccented can gap + person is meet", "em can gap quan ly", domain.PriorityNormal, nil},
		{"unaccented gap without a cue", "mai em qua gap ban", domain.PriorityNormal, nil},
		{"gấp đôi is double", "Sao giá gấp đôi vậy", domain.PriorityNormal, nil},
		{"ghế gấp is a folding chair", "Ghế gấp còn hàng không", domain.PriorityNormal, nil},
		{"unaccented cha in an accented message is father, not a negation", "cha tôi cần gấp", domain.PriorityHigh, []string{"gấp"}},

		// Huy the name versus hủy (cancel).
		{"Huy introduces himself", "Chào em, anh Huy đây", domain.PriorityNormal, nil},
		{"Huy unaccented", "Chao em, anh Huy day", domain.PriorityNormal, nil},
		{"Huy picks someone up", "anh Huy don em o san bay nhe", domain.PriorityNormal, nil},
		{"Huy calls back", "em muon Huy goi lai cho em", domain.PriorityNormal, nil},
		{"hủy đơn", "Anh muốn hủy đơn hàng", domain.PriorityNormal, []string{"hủy đơn hàng"}},
		{"huy don unaccented", "em muon huy don", domain.PriorityNormal, []string{"huy don"}},
		{"bare hủy is not a cancellation", "hủy", domain.PriorityNormal, nil},

		// Other false friends.
		{"mặt tiền is a storefront", "nha mat tien duong Le Loi", domain.PriorityNormal, nil},
		{"mất tiền unaccented", "toi bi mat tien", domain.PriorityHigh, []string{"mat tien"}},
		{"hàng giá rẻ is cheap goods", "hang gia re khong shop", domain.PriorityNormal, nil},

		// Negations.
		{"không gấp", "Không gấp đâu shop", domain.PriorityNormal, nil},
		{"ko gấp", "ko gấp", domain.PriorityNormal, nil},
		{"k gấp", "k gấp nha", domain.PriorityNormal, nil},
		{"chưa gấp", "chưa gấp lắm", domain.PriorityNormal, nil},
		{"không cần gấp", "Không cần gấp đâu ạ", domain.PriorityNormal, nil},
		{"khong can gap unaccented", "khong can gap", domain.PriorityNormal, nil},
		{"not urgent, no rush", "not urgent, no rush", domain.PriorityNormal, nil},
		{"no hurry", "No hurry at all", domain.PriorityNormal, nil},
		{"a negation in another clause does not count", "Không, gấp lắm", domain.PriorityHigh, []string{"gấp"}},
		{"a negation in another sentence does not count", "Không sao. Nhưng cần gấp", domain.PriorityHigh, []string{"gấp"}},
		{"a topic is not negated", "Sao chưa hoàn tiền cho em", domain.PriorityNormal, []string{"hoàn tiền"}},
		{"a negation inside a phrase is the phrase", "tôi không nhận được hàng", domain.PriorityNormal, []string{"không nhận được hàng"}},

		// English.
		{"urgent", "This is urgent", domain.PriorityHigh, []string{"urgent"}},
		{"asap with cancel", "I want to cancel my order ASAP", domain.PriorityHigh, []string{"ASAP", "cancel"}},
		{"cancellation is a different word", "cancellation policy question", domain.PriorityNormal, nil},
		// A refund still missing is a money complaint; "refund*" then counts
		// "refunded" once more, within the money cap.
		{"refund prefix", "Still no refund, you refunded nobody", domain.PriorityUrgent, []string{"Still no refund", "refunded"}},
		{"refund prefix alone", "Is a refund possible?", domain.PriorityNormal, []string{"refund"}},
		{"scam and lawyer", "This is a scam, my lawyer will call", domain.PriorityUrgent, []string{"scam", "my lawyer"}},
		{"rush hour is not a rush", "Delivery during rush hour?", domain.PriorityNormal, nil},

		// No signal, thanks only.
		{"greeting is normal", "Xin chào", domain.PriorityNormal, nil},
		{"ok cảm ơn is low", "ok cảm ơn", domain.PriorityLow, nil},
		{"polite thanks is low", "Dạ em cảm ơn shop nhiều ạ", domain.PriorityLow, nil},
		{"thank you is low", "Thank you so much!", domain.PriorityLow, nil},
		{"thanks with a question is normal", "cảm ơn, khi nào giao hàng?", domain.PriorityNormal, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.Score(Signals{Text: tt.text})
			if r.Priority != tt.want {
				t.Errorf("Score(%q) priority = %s (score %d, reasons %+v), want %s", tt.text, r.Priority, r.Score, r.Reasons, tt.want)
			}
			if got := lexiconDetails(r); strings.Join(got, "|") != strings.Join(tt.matched, "|") {
				t.Errorf("Score(%q) matched %q, want %q", tt.text, got, tt.matched)
			}
		})
	}
}

func TestNegatedPhraseIsExplained(t *testing.T) {
	r := scorer(t).Score(Signals{Text: "Dạ không gấp đâu ạ"})
	if len(r.Reasons) != 1 || r.Reasons[0].Code != ReasonNegated || r.Reasons[0].Detail != "không gấp" || r.Reasons[0].Points != 0 {
		t.Fatalf("reasons = %+v, want one negated reason quoting %q", r.Reasons, "không gấp")
	}
}

func TestCategoryCap(t *testing.T) {
	// Four urgency phrases still add at most the urgency cap (50).
	r := scorer(t).Score(Signals{Text: "gấp lắm, urgent, asap, hurry"})
	sum := 0
	for _, re := range r.Reasons {
		if re.Category == "urgency" {
			sum += re.Points
		}
	}
	if sum != 50 || r.Score != 50 {
		t.Fatalf("urgency points = %d, score %d, want 50 (reasons %+v)", sum, r.Score, r.Reasons)
	}
}

func TestIntensity(t *testing.T) {
	s := scorer(t)
	tests := []struct {
		text  string
		codes []string
	}{
		{"TÔI CẦN NGƯỜI HỖ TRỢ NGAY", []string{ReasonLexicon, ReasonShouting}}, // "ngay": right away
		{"SHOP ƠI", nil}, // too short to be shouting
		{"sao lâu vậy!!!", []string{ReasonExclamation}},
		{"sao lâu vậy!!", nil},
		{"đơn của em đâu???", []string{ReasonQuestions}},
		{"what?!?!", []string{ReasonExclamation}},
		{"Hello! How are you? Fine.", nil},
	}
	for _, tt := range tests {
		r := s.Score(Signals{Text: tt.text})
		var got []string
		for _, re := range r.Reasons {
			got = append(got, re.Code)
		}
		if strings.Join(got, ",") != strings.Join(tt.codes, ",") {
			t.Errorf("Score(%q) reasons %v, want %v", tt.text, got, tt.codes)
		}
	}
}

func TestSignals(t *testing.T) {
	s := scorer(t)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ago := func(m int) time.Time { return now.Add(-time.Duration(m) * time.Minute) }
	tests := []struct {
		name  string
		sig   Signals
		want  domain.Priority
		score int
		code  string // a reason that must be present
	}{
		{"plain message", Signals{Text: "Xin chào"}, domain.PriorityNormal, 0, ""},
		{"three messages in ten minutes", Signals{Text: "alo", RecentInbound: []time.Time{ago(9), ago(4), now}, Now: now},
			domain.PriorityNormal, 25, ReasonRepeatedContact},
		{"three messages spread over an hour", Signals{Text: "alo", RecentInbound: []time.Time{ago(50), ago(20), now}, Now: now},
			domain.PriorityNormal, 0, ""},
		{"repeat with an urgent word and !!!", Signals{Text: "gấp!!!", RecentInbound: []time.Time{ago(2), ago(1), now}},
			domain.PriorityUrgent, 65, ReasonRepeatedContact},
		{"missed call from a known customer", Signals{Kind: domain.KindMissedCall, KnownCustomer: true},
			domain.PriorityNormal, 20, ReasonMissedCall},
		{"missed call from a stranger", Signals{Kind: domain.KindMissedCall}, domain.PriorityNormal, 0, ""},
		{"voicemail from a known customer, calling again", Signals{Kind: domain.KindVoicemail, KnownCustomer: true,
			RecentInbound: []time.Time{ago(3), ago(2), now}, Now: now}, domain.PriorityHigh, 50, ReasonVoicemail},
		{"unhappy customer asks for a refund", Signals{Text: "refund please", RecentLowSatisfaction: true},
			domain.PriorityHigh, 45, ReasonLowSatisfaction},
		{"open conversation past SLA", Signals{Text: "còn đó không?", OpenConversationBreached: true},
			domain.PriorityHigh, 30, ReasonSLABreached},
		{"VIP is at least high", Signals{Text: "Xin chào", Tier: "VIP"}, domain.PriorityHigh, 30, ReasonTierFloor},
		{"VIP already urgent stays urgent", Signals{Text: "khẩn cấp, bị lừa đảo", Tier: "vip"}, domain.PriorityUrgent, 120, ""},
		{"auto-reply is low", Signals{Text: "I am out of office", AutoGenerated: true}, domain.PriorityLow, -20, ReasonAutoGenerated},
		{"urgent auto-reply is capped at normal", Signals{Text: "URGENT: out of office, for emergency call 115", AutoGenerated: true, Tier: "vip"},
			domain.PriorityNormal, 29, ReasonAutoGenerated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.Score(tt.sig)
			if r.Priority != tt.want || r.Score != tt.score {
				t.Errorf("got %s/%d, want %s/%d (reasons %+v)", r.Priority, r.Score, tt.want, tt.score, r.Reasons)
			}
			if tt.code != "" && !hasReason(r, tt.code) {
				t.Errorf("reasons %+v lack %s", r.Reasons, tt.code)
			}
		})
	}
}

func TestReasonsExplainTheScore(t *testing.T) {
	r := scorer(t).Score(Signals{
		Subject:               "Đơn hàng #123",
		Text:                  "Shop lừa đảo!!! Tôi muốn hoàn tiền ngay lập tức",
		RecentLowSatisfaction: true,
	})
	sum := 0
	for i, re := range r.Reasons {
		sum += re.Points
		if i > 0 && re.Points > r.Reasons[i-1].Points {
			t.Errorf("reasons not ordered by points: %+v", r.Reasons)
		}
	}
	if sum != r.Score {
		t.Errorf("reasons add up to %d, score is %d", sum, r.Score)
	}
	if r.Reasons[0].Detail != "lừa đảo" || r.Reasons[0].Category != "fraud" {
		t.Errorf("first reason %+v, want the fraud phrase as typed", r.Reasons[0])
	}
	if got := r.Categories(); strings.Join(got, ",") != "fraud,money,urgency" {
		t.Errorf("categories %v", got)
	}
}

func TestSubjectIsScored(t *testing.T) {
	r := scorer(t).Score(Signals{Subject: "URGENT: payment", Text: "see attached"})
	if r.Priority != domain.PriorityHigh {
		t.Fatalf("priority %s, reasons %+v", r.Priority, r.Reasons)
	}
}

func BenchmarkScore(b *testing.B) {
	s := scorer(b)
	msg := "Chào shop, em đặt đơn hàng #4521 từ tuần trước mà đến giờ vẫn chưa nhận được hàng. " +
		"Tài khoản em đã bị trừ tiền rồi, shop kiểm tra gấp giúp em với, cảm ơn shop nhiều ạ!!!"
	sig := Signals{Text: msg, KnownCustomer: true, Now: time.Now(), RecentInbound: []time.Time{time.Now()}}
	b.ReportAllocs()
	for b.Loop() {
		s.Score(sig)
	}
}

// The missed messages and false friends, each with the category a
// supervisor reads.
func TestHazardsAndFalseFriends(t *testing.T) {
	s := scorer(t)
	tests := []struct {
		text     string
		urgent   bool
		category string // a category that must score; "" for none
	}{
		{"Bình nóng lạnh bị rò điện, chạm vào bị giật", true, "danger"},
		{"binh gas bi xi ga, mui gas nong lam", true, "danger"},
		{"The heater is sparking and smells like burning plastic", true, "danger"},
		{"Shop giao nhầm thuốc, mẹ em đã uống rồi", true, "health"},
		{"sua cong thuc het han ma be da uong roi", true, "health"},
		{"tai khoan em bi doi mat khau va email, khong phai em doi", true, "security"},
		{"Your order page shows other customers' names and addresses", true, "security"},
		{"hủy đơn ngay, shipper đang giao", true, "order"},
		{"TÔI ĐÃ GỌI 5 LẦN MÀ KHÔNG AI NGHE MÁY", true, "contact"},
		{"I was charged twice for the same order", true, "money"},
		{"Có người tự xưng nhân viên shop bảo em chuyển khoản", true, "fraud"},
		{"Tôi sẽ gửi đơn lên Hội bảo vệ người tiêu dùng", true, "legal"},
		{"khan cap", true, "emergency"},

		{"Shop có khăn gấp sẵn loại nhỏ không?", false, ""},
		{"khan gap san loai nho con khong shop", false, ""},
		{"Mẫu này bán chạy nhất shop phải không?", false, ""},
		{"mau nay ban chay khong shop", false, ""},
		{"Size M cháy hàng rồi hả shop", false, ""},
		{"Anh Huy oi, em gui lai dia chi nhe", false, ""},
		{"Shop có bán ổ cắm chống giật không?", false, ""},
		{"Shop có bán xì gà Cuba không", false, ""},
		{"ga giuong cotton con mau xam khong", false, ""},
		{"Do you have the jacket in smoke grey?", false, ""},
		{"em da goi 1 lan nhung may ban, luc nao goi lai duoc", false, ""},
	}
	for _, tt := range tests {
		r := s.Score(Signals{Text: tt.text})
		if (r.Priority == domain.PriorityUrgent) != tt.urgent {
			t.Errorf("Score(%q) = %s (score %d, reasons %+v), want urgent %v", tt.text, r.Priority, r.Score, r.Reasons, tt.urgent)
		}
		if tt.category != "" && !slices.Contains(r.Categories(), tt.category) {
			t.Errorf("Score(%q) categories %v lack %s", tt.text, r.Categories(), tt.category)
		}
		for _, re := range r.Reasons {
			if re.Code == ReasonLexicon && re.Label == "" {
				t.Errorf("Score(%q): reason %+v has no label for a supervisor", tt.text, re)
			}
		}
	}
}

func TestPlaceholders(t *testing.T) {
	counts := map[string]bool{"5": true, "10": true, "năm": true, "nhiều": true, "several": true, "1": false, "một": false, "lần": false, "12345": false}
	for w, want := range counts {
		if got := isCount(makeToken(w)); got != want {
			t.Errorf("isCount(%q) = %v, want %v", w, got, want)
		}
	}
	clocks := map[string]bool{"5h": true, "9h30": true, "17g": true, "3pm": true, "10am": true, "5": false, "h5": false, "9h75": false, "100h": false}
	for w, want := range clocks {
		if got := isClock(makeToken(w)); got != want {
			t.Errorf("isClock(%q) = %v, want %v", w, got, want)
		}
	}
}

func TestNotNegations(t *testing.T) {
	// "sua chua" is yogurt: its "chua" does not negate "bị mốc".
	r := scorer(t).Score(Signals{Text: "sua chua bi moc"})
	if hasReason(r, ReasonNegated) || !slices.Contains(lexiconDetails(r), "bi moc") {
		t.Fatalf("reasons %+v", r.Reasons)
	}
	r = scorer(t).Score(Signals{Text: "sữa chưa bị mốc"})
	if !hasReason(r, ReasonNegated) {
		t.Fatalf("reasons %+v, want bị mốc negated by chưa", r.Reasons)
	}
}
