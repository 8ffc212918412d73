package stack

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/mail"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/emersion/go-smtp"
)

// maxMailBytes is SES's limit on a received message, headers included.
const maxMailBytes = 40 << 20

// MailReceiver is the SMTP listener that stands in for SES receiving: it accepts mail for the support
// addresses, stores the raw MIME in the raw-mail bucket under the prefix and an SES-style message id (the
// receipt rule's S3 action) and invokes the email function asynchronously with the receipt event (its
// Lambda action).
type MailReceiver struct {
	Addresses []string // lower-cased support addresses
	Bucket    string
	Prefix    string
	S3        *s3.Client
	Email     Invoker // nil until functions/email exists: mail is still stored
	EmailARN  string
	Region    string
	Log       *slog.Logger

	server   *smtp.Server
	addr     string
	wg       sync.WaitGroup
	accepted atomic.Int64
	invoked  atomic.Int64
	failed   atomic.Int64
	up       atomic.Bool
}

// Listen starts the SMTP server on addr (host:port; port 0 picks one).
func (m *MailReceiver) Listen(addr string) error {
	if m.Log == nil {
		m.Log = slog.New(slog.DiscardHandler)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	m.addr = l.Addr().String()
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &mailSession{m: m}, nil }))
	s.Domain = "concierge.local"
	s.ReadTimeout = time.Minute
	s.WriteTimeout = time.Minute
	s.MaxMessageBytes = maxMailBytes
	s.MaxRecipients = 50
	m.server = s
	m.up.Store(true)
	go func() {
		_ = s.Serve(l)
		m.up.Store(false)
	}()
	return nil
}

// Addr is the listening address.
func (m *MailReceiver) Addr() string { return m.addr }

// Up says whether the listener is serving.
func (m *MailReceiver) Up() bool { return m.up.Load() }

// Close stops accepting and waits for email invocations in flight.
func (m *MailReceiver) Close() {
	if m.server != nil {
		_ = m.server.Close()
	}
	m.wg.Wait()
}

// MailStats count what the listener did.
type MailStats struct {
	Accepted int64 `json:"accepted"`
	Invoked  int64 `json:"invoked"`
	Failed   int64 `json:"failed"`
}

// Stats returns the counters.
func (m *MailReceiver) Stats() MailStats {
	return MailStats{Accepted: m.accepted.Load(), Invoked: m.invoked.Load(), Failed: m.failed.Load()}
}

func (m *MailReceiver) isSupport(addr string) bool {
	a := strings.ToLower(strings.TrimSpace(addr))
	for _, s := range m.Addresses {
		if a == s {
			return true
		}
	}
	return false
}

type mailSession struct {
	m    *MailReceiver
	from string
	rcpt []string
}

func (s *mailSession) Reset()        { s.from, s.rcpt = "", nil }
func (s *mailSession) Logout() error { return nil }

func (s *mailSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if !s.m.isSupport(to) {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
			Message: "Mailbox does not exist: this server accepts mail for " + strings.Join(s.m.Addresses, ", ")}
	}
	s.rcpt = append(s.rcpt, strings.ToLower(to))
	return nil
}

func (s *mailSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	id := sesMessageID()
	now := time.Now().UTC()
	// SES adds these two headers to the stored message, ahead of the sender's own.
	prefix := fmt.Sprintf("Return-Path: <%s>\r\nReceived: from localhost by concierge.local with SMTP id %s for %s; %s\r\n",
		s.from, id, strings.Join(s.rcpt, ", "), now.Format(time.RFC1123Z))
	stored := append([]byte(prefix), raw...)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	key := s.m.Prefix + id
	if _, err := s.m.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(s.m.Bucket), Key: aws.String(key), Body: bytes.NewReader(stored),
		ContentType: aws.String("message/rfc822"),
	}); err != nil {
		s.m.Log.Error("smtp: storing raw mail failed", "error", err.Error())
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure storing the message"}
	}
	s.m.accepted.Add(1)
	ev := SESEvent(stored, id, s.from, s.rcpt, now, s.m.EmailARN)
	s.m.Log.Info("smtp: mail stored", "key", key, "bytes", len(stored), "recipients", len(s.rcpt))
	if s.m.Email == nil {
		return nil
	}
	payload, _ := json.Marshal(ev)
	s.m.wg.Add(1)
	go s.m.invokeAsync(payload, id)
	return nil
}

// invokeAsync is the Lambda action's Event invocation: Lambda retries a failed asynchronous invocation
// twice.
func (m *MailReceiver) invokeAsync(payload []byte, id string) {
	defer m.wg.Done()
	for attempt := range 3 {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt) * time.Second)
		}
		res, err := m.Email.Invoke(context.Background(), payload)
		if err != nil {
			break // the host stopped
		}
		if res.FunctionError == "" {
			m.invoked.Add(1)
			return
		}
		m.Log.Warn("smtp: email function failed", "messageId", id, "attempt", attempt+1)
	}
	m.failed.Add(1)
}

// AuthHeader fakes SES's authentication verdicts in the local stack, where no
// DNS can be checked: absent, SPF, DKIM and DMARC PASS; "fail" makes all
// three FAIL; "spf=fail dkim=pass dmarc=gray" sets each.
const AuthHeader = "X-Devstack-Auth"

func authVerdicts(h string) (spf, dkim, dmarc events.SimpleEmailVerdict) {
	v := map[string]string{"spf": "PASS", "dkim": "PASS", "dmarc": "PASS"}
	h = strings.ToUpper(strings.TrimSpace(h))
	switch {
	case h == "FAIL" || h == "PASS":
		for k := range v {
			v[k] = h
		}
	case h != "":
		for _, f := range strings.Fields(h) {
			if k, val, ok := strings.Cut(f, "="); ok {
				if _, known := v[strings.ToLower(k)]; known {
					v[strings.ToLower(k)] = val
				}
			}
		}
	}
	return events.SimpleEmailVerdict{Status: v["spf"]}, events.SimpleEmailVerdict{Status: v["dkim"]}, events.SimpleEmailVerdict{Status: v["dmarc"]}
}

// SESEvent builds the receipt rule Lambda action's event for a stored message.
func SESEvent(raw []byte, id, from string, rcpt []string, at time.Time, fnARN string) events.SimpleEmailEvent {
	headers := headerList(raw)
	hget := func(name string) string {
		for _, h := range headers {
			if strings.EqualFold(h.Name, name) {
				return h.Value
			}
		}
		return ""
	}
	dec := new(mime.WordDecoder)
	decode := func(s string) string {
		if d, err := dec.DecodeHeader(s); err == nil {
			return d
		}
		return s
	}
	list := func(name string) []string {
		v := hget(name)
		if v == "" {
			return nil
		}
		if addrs, err := mail.ParseAddressList(v); err == nil {
			out := make([]string, len(addrs))
			for i, a := range addrs {
				out[i] = a.String()
			}
			return out
		}
		return []string{decode(v)}
	}
	pass := events.SimpleEmailVerdict{Status: "PASS"}
	spf, dkim, dmarc := authVerdicts(hget(AuthHeader))
	return events.SimpleEmailEvent{Records: []events.SimpleEmailRecord{{
		EventVersion: "1.0",
		EventSource:  "aws:ses",
		SES: events.SimpleEmailService{
			Mail: events.SimpleEmailMessage{
				CommonHeaders: events.SimpleEmailCommonHeaders{
					From: list("From"), To: list("To"), Cc: list("Cc"), ReturnPath: from,
					MessageID: hget("Message-ID"), Date: hget("Date"), Subject: decode(hget("Subject")),
				},
				Source: from, Timestamp: at, Destination: rcpt, Headers: headers, MessageID: id,
			},
			Receipt: events.SimpleEmailReceipt{
				Recipients: rcpt, Timestamp: at,
				SpamVerdict: pass, VirusVerdict: pass, SPFVerdict: spf, DKIMVerdict: dkim, DMARCVerdict: dmarc,
				ProcessingTimeMillis: 1,
				Action:               events.SimpleEmailReceiptAction{Type: "Lambda", FunctionARN: fnARN, InvocationType: "Event"},
			},
		},
	}}}
}

// headerList returns the message's header fields in order, unfolded, as SES lists them.
func headerList(raw []byte) []events.SimpleEmailHeader {
	var out []events.SimpleEmailHeader
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			break
		}
		if (line[0] == ' ' || line[0] == '\t') && len(out) > 0 {
			out[len(out)-1].Value += " " + strings.TrimSpace(line)
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		out = append(out, events.SimpleEmailHeader{Name: name, Value: strings.TrimSpace(value)})
	}
	return out
}

// sesMessageID has the shape of SES's receipt message ids: 40 lower-case letters and digits.
func sesMessageID() string {
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, 40)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
