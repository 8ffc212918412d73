package notify

import "strings"

// phrases holds the words of the text line per language.
type phrases struct {
	headline                   map[Event]string
	customer, via, priority    string
	due, reasons, conv, noName string
	priorities                 map[string]string
}

var languages = map[string]phrases{
	"vi": {
		headline: map[Event]string{
			EventAssigned:   "Cuộc trò chuyện mới được giao cho bạn",
			EventEscalated:  ":rotating_light: Cần xử lý gấp: cuộc trò chuyện đã được chuyển lên",
			EventSLAWarning: ":warning: Sắp trễ hạn phản hồi",
			EventFollowup:   "Nhắc việc: đến hạn liên hệ lại khách hàng",
		},
		customer: "Khách hàng", via: "qua", priority: "mức ưu tiên", due: "hạn trả lời", reasons: "Lý do", conv: "Mã hội thoại",
		noName:     "(chưa có tên)",
		priorities: map[string]string{"urgent": "khẩn cấp", "high": "cao", "normal": "bình thường", "low": "thấp"},
	},
	"en": {
		headline: map[Event]string{
			EventAssigned:   "A conversation was assigned to you",
			EventEscalated:  ":rotating_light: Escalated: this conversation needs attention now",
			EventSLAWarning: ":warning: Reply due soon",
			EventFollowup:   "Reminder: a follow-up with the customer is due",
		},
		customer: "Customer", via: "via", priority: "priority", due: "reply due", reasons: "Reasons", conv: "Conversation",
		noName: "(no name yet)",
	},
}

// Text writes the Slack line for note in the configured language, e.g.
//
//	:warning: Sắp trễ hạn phản hồi — Khách hàng *Nguyễn Thị Lan* qua zalo, mức ưu tiên khẩn cấp, hạn trả lời 14:30 14/03/2025. Lý do: hoàn tiền. Mã hội thoại: 01JP…
func (n *Notifier) Text(note Notification) string {
	p, ok := languages[n.cfg.Language]
	if !ok {
		p = languages["vi"]
	}
	var b strings.Builder
	b.WriteString(p.headline[note.Event])
	name := strings.TrimSpace(note.CustomerName)
	if name == "" {
		name = p.noName
	} else {
		name = "*" + slackEscape(name) + "*"
	}
	b.WriteString(" — " + p.customer + " " + name)
	if note.Channel != "" {
		b.WriteString(" " + p.via + " " + slackEscape(string(note.Channel)))
	}
	if note.Priority != "" {
		pr := note.Priority
		if t, ok := p.priorities[pr]; ok {
			pr = t
		}
		b.WriteString(", " + p.priority + " " + slackEscape(pr))
	}
	if !note.DueAt.IsZero() {
		b.WriteString(", " + p.due + " " + note.DueAt.In(n.loc).Format(timeLayout(n.cfg.Language)))
	}
	b.WriteString(".")
	if len(note.Reasons) > 0 {
		b.WriteString(" " + p.reasons + ": " + slackEscape(strings.Join(note.Reasons, ", ")) + ".")
	}
	b.WriteString(" " + p.conv + ": " + slackEscape(note.ConversationID))
	return b.String()
}

// timeLayout writes dates the way each language's readers do.
func timeLayout(lang string) string {
	if lang == "en" {
		return "Jan 2, 2006 15:04 MST"
	}
	return "15:04 02/01/2006"
}

// slackEscape escapes the three characters Slack's mrkdwn treats as control
// characters, so a customer's name cannot inject a mention or a link.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
