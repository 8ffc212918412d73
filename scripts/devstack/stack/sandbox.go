package stack

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	stdmime "mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/channels/webchat"
	"github.com/concierge-cx/concierge/shared/mime"
	"github.com/concierge-cx/concierge/shared/mime/mimetest"
	"github.com/concierge-cx/concierge/shared/notify"
	"github.com/concierge-cx/concierge/shared/outbound"
)

// Sent is one message the provider sandbox recorded instead of sending.
type Sent struct {
	Provider string    `json:"provider"`
	Channel  string    `json:"channel"`
	To       string    `json:"to"`
	From     string    `json:"from,omitempty"`
	Subject  string    `json:"subject,omitempty"`
	Text     string    `json:"text"`
	ID       string    `json:"id"`
	Time     time.Time `json:"time"`
	// Tag is a Messenger message tag (HUMAN_AGENT); Template a ZNS template id, whose parameters are Params
	// (the template_data object as JSON).
	Tag      string `json:"tag,omitempty"`
	Template string `json:"template,omitempty"`
	Params   string `json:"params,omitempty"`
	// Agent notifications (provider "notify"): what happened, to which conversation.
	Event          string `json:"event,omitempty"`
	ConversationID string `json:"conversationId,omitempty"`
}

// Sandbox speaks enough of each provider's send API to record what would have been sent, under
// SandboxPrefix + provider: Twilio (messages and calls), Meta Graph, Telegram, Zalo OA, Vonage Messages and SES v2, plus the two
// receivers Concierge signs for, the business's web-chat backend (webchat) and the agents' notification
// webhook (notify), whose signatures it checks as those receivers would.
type Sandbox struct {
	// File keeps the outbox across restarts (JSON lines); empty keeps it in memory only.
	File string
	// WebchatSecret and NotifySecret check the signatures of web-chat replies and notifications; a request
	// that fails the check is refused with 401 and not recorded.
	WebchatSecret, NotifySecret string

	mu     sync.Mutex
	outbox []Sent
	seq    int
	lines  int // lines in File, which may hold up to 2×maxOutbox before it is rewritten with the last maxOutbox
}

// maxOutbox bounds the recorded messages; the oldest go first.
const maxOutbox = 1000

var (
	twilioMessages = regexp.MustCompile(`^/2010-04-01/Accounts/[^/]+/Messages\.json$`)
	twilioCalls    = regexp.MustCompile(`^/2010-04-01/Accounts/[^/]+/Calls\.json$`)
	metaMessages   = regexp.MustCompile(`^(/v[0-9.]+)?/([^/]+)/messages$`)
	telegramSend   = regexp.MustCompile(`^/bot[^/]+/sendMessage$`)
)

// SandboxBases are the base URLs a function's senders use, by environment variable.
func SandboxBases(gatewayURL string) map[string]string {
	b := strings.TrimRight(gatewayURL, "/") + strings.TrimSuffix(SandboxPrefix, "/")
	return map[string]string{
		"TWILIO_API_BASE":   b + "/twilio",
		"META_GRAPH_BASE":   b + "/meta",
		"TELEGRAM_API_BASE": b + "/telegram",
		"ZALO_API_BASE":     b + "/zalo",
		"ZALO_ZNS_API_BASE": b + "/zalo",
		"VONAGE_API_BASE":   b + "/vonage",
		"SES_ENDPOINT":      b + "/ses",
	}
}

// SandboxURL is where the sandbox receives for one provider.
func SandboxURL(gatewayURL, provider string) string {
	return strings.TrimRight(gatewayURL, "/") + SandboxPrefix + provider
}

// Load reads the outbox a previous run kept in File.
func (s *Sandbox) Load() error {
	if s.File == "" {
		return nil
	}
	f, err := os.Open(s.File)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	var got []Sent
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 4<<20)
	for sc.Scan() {
		var m Sent
		// A line cut short by a crash is skipped rather than failing the start.
		if json.Unmarshal(sc.Bytes(), &m) == nil {
			got = append(got, m)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("sandbox outbox %s: %w", s.File, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outbox = append(got, s.outbox...)
	if len(s.outbox) > maxOutbox {
		s.outbox = s.outbox[len(s.outbox)-maxOutbox:]
	}
	s.seq += len(got)
	s.lines = len(got)
	return nil
}

// persist appends m to File, rewriting it with the outbox once it holds twice maxOutbox lines: rewriting it
// on every message past maxOutbox put a 360 KB write in every send's path. Called with s.mu held. The outbox
// is a developer's view, so a failed write is reported in the recorded message's stead only by the return.
func (s *Sandbox) persist(m Sent) error {
	if s.File == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(s.File), 0o755); err != nil {
		return err
	}
	if s.lines >= 2*maxOutbox {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		for _, x := range s.outbox {
			_ = enc.Encode(x)
		}
		tmp := s.File + ".tmp"
		if err := os.WriteFile(tmp, b.Bytes(), 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp, s.File); err != nil {
			return err
		}
		s.lines = len(s.outbox)
		return nil
	}
	f, err := os.OpenFile(s.File, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	line, _ := json.Marshal(m)
	_, err = f.Write(append(line, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		s.lines++
	}
	return err
}

// Outbox returns a copy of what was recorded, oldest first.
func (s *Sandbox) Outbox() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.outbox...)
}

func (s *Sandbox) record(m Sent) Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	m.Time = time.Now().UTC()
	s.outbox = append(s.outbox, m)
	if len(s.outbox) > maxOutbox {
		s.outbox = s.outbox[len(s.outbox)-maxOutbox:]
	}
	if err := s.persist(m); err != nil {
		fmt.Fprintf(os.Stderr, "devstack: sandbox: cannot keep the outbox in %s: %v\n", s.File, err)
	}
	return m
}

// signed checks a request Concierge signed (X-Concierge-Timestamp, X-Concierge-Signature) with the inbound
// web-chat verifier, which is what the business's receivers run.
func signed(r *http.Request, body []byte, secret string) error {
	h := map[string]string{}
	for k := range r.Header {
		h[strings.ToLower(k)] = r.Header.Get(k)
	}
	return webchat.Verify(channels.Request{Method: r.Method, Path: r.URL.Path, Headers: h, Body: body}, secret)
}

func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, SandboxPrefix)
	provider, path, _ := strings.Cut(rest, "/")
	path = "/" + path
	if provider == "outbox" && r.Method == http.MethodGet {
		out := s.Outbox()
		if out == nil {
			out = []Sent{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"messages": out})
		return
	}
	if serveMedia(w, r, provider, path) {
		return
	}
	if r.Method != http.MethodPost {
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"message": "the sandbox records POSTed sends only"})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": err.Error()})
		return
	}
	switch {
	case provider == "twilio" && twilioMessages.MatchString(path):
		f, _ := url.ParseQuery(string(body))
		if f.Get("To") == "" || (f.Get("Body") == "" && f.Get("MediaUrl") == "") {
			writeJSON(w, http.StatusBadRequest, map[string]any{"code": 21604, "message": "A 'To' phone number and a 'Body' are required.", "status": 400})
			return
		}
		ch := "sms"
		if strings.HasPrefix(f.Get("To"), "whatsapp:") {
			ch = "whatsapp"
		}
		m := s.record(Sent{Provider: "twilio", Channel: ch, To: f.Get("To"), From: f.Get("From"), Text: f.Get("Body"), ID: "SM" + randHex(16)})
		writeJSON(w, http.StatusCreated, map[string]any{"sid": m.ID, "status": "queued", "to": m.To, "from": m.From, "body": m.Text})

	case provider == "twilio" && twilioCalls.MatchString(path):
		// An outbound call (click-to-call): recorded like a message, its text the TwiML URL Twilio would fetch.
		f, _ := url.ParseQuery(string(body))
		if f.Get("To") == "" || f.Get("From") == "" || (f.Get("Url") == "" && f.Get("Twiml") == "") {
			writeJSON(w, http.StatusBadRequest, map[string]any{"code": 21205, "message": "To, From and Url are required.", "status": 400})
			return
		}
		m := s.record(Sent{Provider: "twilio", Channel: "voice", To: f.Get("To"), From: f.Get("From"), Text: f.Get("Url"), ID: "CA" + randHex(16)})
		writeJSON(w, http.StatusCreated, map[string]any{"sid": m.ID, "status": "queued", "to": m.To, "from": m.From, "direction": "outbound-api"})

	case provider == "meta" && metaMessages.MatchString(path):
		var msg struct {
			MessagingProduct string `json:"messaging_product"`
			To               string `json:"to"`
			Recipient        struct {
				ID string `json:"id"`
			} `json:"recipient"`
			Text struct {
				Body string `json:"body"`
			} `json:"text"`
			Message struct {
				Text string `json:"text"`
			} `json:"message"`
			MessagingType string `json:"messaging_type"`
			Tag           string `json:"tag"`
		}
		if err := json.Unmarshal(body, &msg); err != nil {
			writeJSON(w, http.StatusBadRequest, metaError("Invalid JSON payload"))
			return
		}
		if msg.MessagingProduct == "whatsapp" {
			m := s.record(Sent{Provider: "meta", Channel: "whatsapp", To: msg.To, Text: msg.Text.Body, ID: "wamid." + randHex(20)})
			writeJSON(w, http.StatusOK, map[string]any{"messaging_product": "whatsapp",
				"contacts": []map[string]string{{"input": m.To, "wa_id": m.To}}, "messages": []map[string]string{{"id": m.ID}}})
			return
		}
		if msg.MessagingType == "MESSAGE_TAG" && msg.Tag == "" {
			writeJSON(w, http.StatusBadRequest, metaError("(#100) Tag is required for MESSAGE_TAG messaging type"))
			return
		}
		m := s.record(Sent{Provider: "meta", Channel: "messenger", To: msg.Recipient.ID, Text: msg.Message.Text, Tag: msg.Tag, ID: "m_" + randHex(20)})
		writeJSON(w, http.StatusOK, map[string]string{"recipient_id": m.To, "message_id": m.ID})

	case provider == "telegram" && telegramSend.MatchString(path):
		var msg struct {
			ChatID json.RawMessage `json:"chat_id"`
			Text   string          `json:"text"`
		}
		to, text := "", ""
		if ct, _, _ := stdmime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/json" {
			if err := json.Unmarshal(body, &msg); err == nil {
				to, text = strings.Trim(string(msg.ChatID), `"`), msg.Text
			}
		} else {
			f, _ := url.ParseQuery(string(body))
			to, text = f.Get("chat_id"), f.Get("text")
		}
		if to == "" || text == "" {
			writeJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: message text is empty"})
			return
		}
		s.mu.Lock()
		n := s.seq + 1
		s.mu.Unlock()
		s.record(Sent{Provider: "telegram", Channel: "telegram", To: to, Text: text, ID: fmt.Sprint(n)})
		writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": map[string]any{"message_id": n, "date": time.Now().Unix(), "text": text}})

	case provider == "zalo" && path == "/v3.0/oa/message/cs":
		var msg struct {
			Recipient struct {
				UserID    string `json:"user_id"`
				MessageID string `json:"message_id"` // a reply to her message (one of the free replies)
			} `json:"recipient"`
			Message struct {
				Text string `json:"text"`
			} `json:"message"`
		}
		if err := json.Unmarshal(body, &msg); err != nil || (msg.Recipient.UserID == "") == (msg.Recipient.MessageID == "") {
			writeJSON(w, http.StatusOK, map[string]any{"error": -201, "message": "Parameters are invalid"})
			return
		}
		to := msg.Recipient.UserID
		if to == "" {
			to = "message:" + msg.Recipient.MessageID
		}
		m := s.record(Sent{Provider: "zalo", Channel: "zalo", To: to, Text: msg.Message.Text, ID: randHex(10)})
		writeJSON(w, http.StatusOK, map[string]any{"error": 0, "message": "Success", "data": map[string]string{"message_id": m.ID, "user_id": m.To}})

	case provider == "zalo" && path == "/message/template":
		// ZNS: a template to a phone number (84…), the OA token in the access_token header.
		var msg struct {
			Phone        string            `json:"phone"`
			TemplateID   string            `json:"template_id"`
			TemplateData map[string]string `json:"template_data"`
			TrackingID   string            `json:"tracking_id"`
		}
		if err := json.Unmarshal(body, &msg); err != nil || msg.Phone == "" || msg.TemplateID == "" || r.Header.Get("access_token") == "" {
			writeJSON(w, http.StatusOK, map[string]any{"error": -108, "message": "Phone number is invalid or template_id is missing"})
			return
		}
		params, _ := json.Marshal(msg.TemplateData)
		m := s.record(Sent{Provider: "zalo", Channel: "zns", To: msg.Phone, Template: msg.TemplateID, Params: string(params),
			Text: msg.TemplateData["message"], ID: randHex(10)})
		writeJSON(w, http.StatusOK, map[string]any{"error": 0, "message": "Success",
			"data": map[string]any{"msg_id": m.ID, "sent_time": strconv.FormatInt(m.Time.UnixMilli(), 10)}})

	case provider == "vonage" && path == "/v1/messages":
		var msg struct {
			Channel string `json:"channel"`
			To      string `json:"to"`
			From    string `json:"from"`
			Text    string `json:"text"`
		}
		if err := json.Unmarshal(body, &msg); err != nil || msg.To == "" {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"title": "Invalid params", "detail": "to is required"})
			return
		}
		m := s.record(Sent{Provider: "vonage", Channel: msg.Channel, To: msg.To, From: msg.From, Text: msg.Text, ID: uuid()})
		writeJSON(w, http.StatusAccepted, map[string]string{"message_uuid": m.ID})

	case provider == "ses" && path == "/v2/email/outbound-emails":
		var msg struct {
			FromEmailAddress string
			Destination      struct{ ToAddresses []string }
			Content          struct {
				Simple *struct {
					Subject struct{ Data string }
					Body    struct {
						Text *struct{ Data string }
						HTML *struct{ Data string } `json:"Html"`
					}
				}
				Raw *struct{ Data []byte }
			}
		}
		if err := json.Unmarshal(body, &msg); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"message": "malformed request"})
			return
		}
		sent := Sent{Provider: "ses", Channel: "email", To: strings.Join(msg.Destination.ToAddresses, ", "), From: msg.FromEmailAddress, ID: randHex(30)}
		if c := msg.Content.Simple; c != nil {
			sent.Subject = c.Subject.Data
			if c.Body.Text != nil {
				sent.Text = c.Body.Text.Data
			} else if c.Body.HTML != nil {
				sent.Text = c.Body.HTML.Data
			}
		} else if raw := msg.Content.Raw; raw != nil {
			// Show what the customer reads, not the MIME: decoded with the
			// same parser inbound mail goes through.
			if parsed, err := mime.Parse(r.Context(), bytes.NewReader(raw.Data), mimetest.DiscardSink{}); err == nil {
				sent.Subject, sent.Text = parsed.Subject, strings.TrimSpace(parsed.FullText)
				if len(parsed.To) > 0 && sent.To == "" {
					sent.To = parsed.To[0].Email
				}
			} else {
				sent.Text = string(raw.Data)
			}
		}
		m := s.record(sent)
		writeJSON(w, http.StatusOK, map[string]string{"MessageId": m.ID})

	case provider == "webchat" && path == "/":
		if err := signed(r, body, s.WebchatSecret); err != nil {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"code": "bad_signature", "message": err.Error()})
			return
		}
		var msg outbound.WebchatReply
		if err := json.Unmarshal(body, &msg); err != nil || msg.VisitorID == "" || msg.Text == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"code": "invalid", "message": "visitorId and text are required"})
			return
		}
		m := s.record(Sent{Provider: "webchat", Channel: "webchat", To: msg.VisitorID, Text: msg.Text, ID: msg.MessageID, ConversationID: msg.ConversationID})
		writeJSON(w, http.StatusOK, map[string]string{"messageId": m.ID})

	case provider == "notify" && path == "/":
		if err := signed(r, body, s.NotifySecret); err != nil {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"code": "bad_signature", "message": err.Error()})
			return
		}
		var n notify.Notification
		if err := json.Unmarshal(body, &n); err != nil || n.Event == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"code": "invalid", "message": "not a notification"})
			return
		}
		s.record(Sent{Provider: "notify", Channel: "agent", To: n.AgentID, Text: n.Text, ID: n.DeliveryID, Event: string(n.Event), ConversationID: n.ConversationID})
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})

	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "the sandbox does not speak " + r.Method + " " + provider + path})
	}
}

func metaError(msg string) map[string]any {
	return map[string]any{"error": map[string]any{"message": msg, "type": "OAuthException", "code": 100}}
}

func uuid() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	x := hex.EncodeToString(b[:])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}
