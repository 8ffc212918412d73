package mime

import (
	"regexp"
	"slices"
	"strings"
)

// StripQuoted returns the part of an email body the sender wrote in this
// message: quoted history ("> " lines, "On … wrote:" and "Vào … đã viết:"
// attributions with what follows, Outlook "-----Original Message-----" and
// "From:/Sent:" or "Từ:/Đã gửi:" header blocks), signatures after a "-- "
// line and mobile signatures ("Sent from my iPhone", "Gửi từ iPhone của tôi")
// are removed. Text written below a quote (bottom-posting) is kept. The
// result is empty when the body held nothing but quoted text; Parse then
// keeps the full text.
func StripQuoted(text string) string {
	lines := strings.Split(strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n"), "\n")
	drop := make([]bool, len(lines))
	cut := len(lines)
scan:
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || isQuoteLine(line) {
			continue
		}
		f := fold(trimmed)
		switch {
		case line == "-- " || line == "--":
			cut = i
			break scan
		case isMobileSignature(f):
			cut = i
			break scan
		case isSeparator(trimmed, f):
			cut = i
			break scan
		case isHeaderBlock(lines, i):
			cut = i
			if i > 0 && isRule(strings.TrimSpace(lines[i-1])) {
				cut = i - 1
			}
			break scan
		}
		if end, ok := attribution(lines, i); ok {
			if next := nextNonBlank(lines, end+1); next < len(lines) && isQuoteLine(lines[next]) {
				// Bottom-posting: drop the attribution and the quote, keep
				// what the sender wrote after it.
				for k := i; k <= end; k++ {
					drop[k] = true
				}
				i = end
				continue
			}
			cut = i
			break scan
		}
	}
	var b strings.Builder
	for i := 0; i < cut; i++ {
		if drop[i] || isQuoteLine(lines[i]) {
			continue
		}
		b.WriteString(lines[i])
		b.WriteByte('\n')
	}
	return normalizeText(b.String())
}

func isQuoteLine(line string) bool {
	return strings.HasPrefix(strings.TrimLeft(line, " \t"), ">")
}

func nextNonBlank(lines []string, i int) int {
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	return i
}

// Mobile signatures are matched on folded text, so Vietnamese typed without
// diacritics ("Gui tu iPhone cua toi") matches too.
var mobileSignaturePrefixes = []string{
	"sent from my ", "sent from outlook", "sent from mail for windows", "sent from yahoo mail",
	"sent from samsung", "sent with ", "get outlook for ",
	"gui tu ", "duoc gui tu ", "gui bang ", // vi: "Gửi từ iPhone của tôi"
	"envoye de mon ", "envoye depuis ", // fr
	"enviado desde mi ", // es
	"von meinem ",       // de: "Von meinem iPhone gesendet"
}

func isMobileSignature(f string) bool {
	if len(f) > 80 {
		return false
	}
	for _, p := range mobileSignaturePrefixes {
		if strings.HasPrefix(f, p) {
			return true
		}
	}
	return false
}

// Separator words inside "-----Original Message-----" and forward lines
// ("---------- Forwarded message ---------"), folded, by language.
var separatorWords = map[string]bool{
	"original message": true, "original message follows": true, "forwarded message": true, // en
	"thu goc": true, "tin nhan goc": true, "thu ban dau": true, "thu duoc chuyen tiep": true, // vi
	"thu chuyen tiep": true, "thu da chuyen tiep": true, "tin nhan duoc chuyen tiep": true,
	"message d'origine": true, "message original": true, "message transfere": true, "message d'origine transfere": true, // fr
	"mensaje original": true, "mensaje reenviado": true, // es
	"ursprungliche nachricht": true, "ursprungliche mitteilung": true, "original nachricht": true, // de
	"weitergeleitete nachricht": true, "originalnachricht": true,
}

// Apple Mail and iOS write forwards as a sentence, not a rule.
var forwardSentences = []string{
	"begin forwarded message:", "bat dau thu chuyen tiep:", "debut du message reexpedie :",
	"debut du message reexpedie:", "anfang der weitergeleiteten nachricht:", "inicio del mensaje reenviado:",
}

func isSeparator(trimmed, f string) bool {
	if slices.Contains(forwardSentences, f) {
		return true
	}
	if !strings.HasPrefix(trimmed, "--") && !strings.HasPrefix(trimmed, "__") {
		return false
	}
	return separatorWords[strings.TrimSpace(strings.Trim(f, "-_ *"))]
}

func isRule(s string) bool {
	return len(s) >= 10 && strings.Trim(s, "_-") == ""
}

// Outlook header block labels, folded.
var (
	headerFrom    = []string{"from:", "tu:", "de:", "de :", "von:"}
	headerDate    = []string{"sent:", "date:", "da gui:", "gui:", "ngay:", "envoye :", "envoye:", "enviado:", "enviado el:", "gesendet:", "datum:"}
	headerSubject = []string{"subject:", "to:", "chu de:", "tieu de:", "den:", "gui toi:", "objet :", "objet:", "a :", "asunto:", "para:", "betreff:", "an:"}
)

// isHeaderBlock reports an Outlook-style quoted header ("From: … Sent: …
// To: … Subject: …") starting at line i: a From line followed within a few
// lines by a date line and a subject or recipient line.
func isHeaderBlock(lines []string, i int) bool {
	if !hasLabel(fold(strings.TrimSpace(lines[i])), headerFrom) {
		return false
	}
	var date, subj bool
	for k, seen := i+1, 0; k < len(lines) && seen < 6; k++ {
		t := strings.TrimSpace(lines[k])
		if t == "" {
			continue
		}
		seen++
		f := fold(t)
		date = date || hasLabel(f, headerDate)
		subj = subj || hasLabel(f, headerSubject)
	}
	return date && subj
}

func hasLabel(f string, labels []string) bool {
	f = strings.TrimLeft(f, "*")
	for _, l := range labels {
		if strings.HasPrefix(f, l) || strings.HasPrefix(f, strings.TrimSuffix(l, ":")+"*:") {
			return true
		}
	}
	return false
}

// Attribution lines by language: how they start and a word they contain
// before the final colon, folded ("Vào … đã viết:" becomes "vao … da viet:").
var attributionForms = []struct{ start, word string }{
	{"on ", "wrote"},
	{"vao ", "viet"},
	{"le ", "ecrit"},
	{"el ", "escribio"},
	{"am ", "schrieb"},
}

var attributionDetail = regexp.MustCompile(`@|\d{1,2}:\d{2}|\b(19|20)\d{2}\b`)

// attribution reports whether lines[i:] start a reply attribution, which
// clients wrap over up to three lines, and returns its last line. A date,
// a time or an address must appear in it, which keeps customer sentences
// such as "On my order, your agent wrote:" from matching.
func attribution(lines []string, i int) (end int, ok bool) {
	first := fold(strings.TrimSpace(lines[i]))
	joined := ""
	for k := i; k < len(lines) && k < i+3; k++ {
		t := strings.TrimSpace(lines[k])
		if t == "" || isQuoteLine(lines[k]) {
			break
		}
		if joined != "" {
			joined += " "
		}
		joined += fold(t)
		if len(joined) > 300 || !strings.HasSuffix(joined, ":") {
			continue
		}
		if !attributionDetail.MatchString(joined) {
			continue
		}
		for _, form := range attributionForms {
			if strings.HasPrefix(first, form.start) && strings.Contains(joined, form.word) {
				return k, true
			}
		}
		// Clients that write only "<date> <name> <address>:" above a quote.
		if strings.Contains(joined, "@") {
			if next := nextNonBlank(lines, k+1); next < len(lines) && isQuoteLine(lines[next]) {
				return k, true
			}
		}
	}
	return 0, false
}
