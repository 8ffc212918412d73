// Package notify tells agents about work: a conversation assigned to them,
// an escalation, an SLA about to be missed, a follow-up due. It POSTs one
// JSON document per event to NOTIFY_WEBHOOK_URL. The document carries a
// Slack-compatible "text", so a Slack (or Mattermost, Google Chat, Teams
// workflow) incoming-webhook URL works as it is; other receivers read the
// structured fields and check the signature.
//
// Each request is signed like the inbound web chat:
//
//	X-Concierge-Timestamp: <unix seconds>
//	X-Concierge-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
//	X-Concierge-Delivery:  <delivery id, also "deliveryId" in the body>
//
// The delivery id stays the same across retries (and, unless the caller sets
// one, across redeliveries of the same event), so a receiver can drop
// duplicates.
package notify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	// Lambda's provided.al2023 runtime has no zoneinfo.
	_ "time/tzdata"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/stage"
)

// Header names.
const (
	TimestampHeader = "X-Concierge-Timestamp"
	SignatureHeader = "X-Concierge-Signature"
	DeliveryHeader  = "X-Concierge-Delivery"
	EventHeader     = "X-Concierge-Event"
)

// provider names the webhook in errors.
const provider = "notify-webhook"

// Config is the webhook's environment. Without a URL, notifications are off.
type Config struct {
	WebhookURL    string `env:"NOTIFY_WEBHOOK_URL" secret:"true"` // a Slack webhook URL is itself a credential
	WebhookSecret string `env:"NOTIFY_WEBHOOK_SECRET" secret:"true"`
	Language      string `env:"NOTIFY_LANGUAGE" default:"vi"` // "vi" or "en", for the text
	// TimeZone is for due times in the text: the stage's TIME_ZONE
	// (shared/stage), which ForStage passes.
	TimeZone string
}

// Event is what happened.
type Event string

const (
	EventAssigned   Event = "assigned"
	EventEscalated  Event = "escalated"
	EventSLAWarning Event = "sla_warning"
	EventFollowup   Event = "followup"
)

// Notification is the webhook's JSON body.
type Notification struct {
	DeliveryID     string         `json:"deliveryId"`
	Event          Event          `json:"event"`
	ConversationID string         `json:"conversationId"`
	CustomerID     string         `json:"customerId,omitempty"`
	CustomerName   string         `json:"customerName,omitempty"`
	Priority       string         `json:"priority,omitempty"`
	Channel        domain.Channel `json:"channel,omitempty"`
	AgentID        string         `json:"agentId,omitempty"`
	Reasons        []string       `json:"reasons,omitempty"`
	DueAt          time.Time      `json:"dueAt,omitzero"`
	// Text is the human-readable line (Slack mrkdwn). Empty: written from
	// the other fields in the configured language.
	Text string `json:"text"`
}

// Delivery reports what happened to one notification.
type Delivery struct {
	ID       string
	Attempts int
	Sent     bool // false when no webhook is configured
}

// Notifier posts notifications.
type Notifier struct {
	cfg    Config
	http   *http.Client
	policy channels.Policy
	log    *slog.Logger
	now    func() time.Time
	loc    *time.Location
}

// Option adjusts a Notifier.
type Option func(*Notifier)

// WithPolicy replaces channels.DefaultPolicy.
func WithPolicy(p channels.Policy) Option { return func(n *Notifier) { n.policy = p } }

// WithLogger sets the logger (slog.Default otherwise).
func WithLogger(l *slog.Logger) Option { return func(n *Notifier) { n.log = l } }

// WithClock sets the clock that stamps requests.
func WithClock(now func() time.Time) Option { return func(n *Notifier) { n.now = now } }

// New builds a Notifier; httpClient nil means a client with a 10-second
// timeout per attempt. It fails on a malformed URL or an unknown time zone,
// at cold start rather than at the first escalation.
func New(cfg Config, httpClient *http.Client, opts ...Option) (*Notifier, error) {
	if cfg.WebhookURL != "" {
		u, err := url.Parse(cfg.WebhookURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, errors.New("configuration: NOTIFY_WEBHOOK_URL is not an http(s) URL")
		}
	}
	if cfg.TimeZone == "" {
		cfg.TimeZone = "Asia/Ho_Chi_Minh"
	}
	loc, err := time.LoadLocation(cfg.TimeZone)
	if err != nil {
		return nil, errors.New("configuration: TIME_ZONE is not a known time zone: " + cfg.TimeZone)
	}
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 10 * time.Second}
	}
	n := &Notifier{cfg: cfg, http: httpClient, policy: channels.DefaultPolicy, log: slog.Default(), now: time.Now, loc: loc}
	for _, o := range opts {
		o(n)
	}
	return n, nil
}

// Enabled reports whether a webhook URL is configured.
func (n *Notifier) Enabled() bool { return n.cfg.WebhookURL != "" }

// Notify posts note, retrying 5xx, 429 and network failures with backoff. A
// refusal (another 4xx) is not retried. Errors are *domain.Error wrapping a
// *channels.Error, like the message senders'.
func (n *Notifier) Notify(ctx context.Context, note Notification) (Delivery, error) {
	switch note.Event {
	case EventAssigned, EventEscalated, EventSLAWarning, EventFollowup:
	default:
		return Delivery{}, domain.Errorf(domain.CodeInvalid, "unknown notification event %q", note.Event)
	}
	if note.ConversationID == "" {
		return Delivery{}, domain.Errorf(domain.CodeInvalid, "a notification needs a conversation id")
	}
	if note.DeliveryID == "" {
		note.DeliveryID = DeliveryID(note)
	}
	d := Delivery{ID: note.DeliveryID}
	if !n.Enabled() {
		return d, nil
	}
	if note.Text == "" {
		note.Text = n.Text(note)
	}
	body, err := json.Marshal(note)
	if err != nil {
		return d, domain.Wrap(err, domain.CodeInternal, "cannot encode the notification")
	}
	status := 0
	d.Attempts, err = n.policy.Do(ctx, func(ctx context.Context) error {
		var e *channels.Error
		status, e = n.post(ctx, note, body)
		if e != nil {
			return e
		}
		return nil
	})
	attrs := []slog.Attr{
		slog.String("event", string(note.Event)), slog.String("conversationId", note.ConversationID),
		slog.String("deliveryId", note.DeliveryID), slog.Int("attempts", d.Attempts), slog.Int("status", status),
	}
	if err != nil {
		e, _ := channels.AsError(err)
		n.log.LogAttrs(ctx, slog.LevelWarn, "agent notification failed", append(attrs, slog.Bool("temporary", e.Temporary), slog.String("error", err.Error()))...)
		if e.Temporary {
			return d, domain.Wrap(e, domain.CodeUnavailable, "the notification webhook is not answering; try again later")
		}
		return d, domain.Wrap(e, domain.CodeConflict, "the notification webhook refused the notification")
	}
	d.Sent = true
	n.log.LogAttrs(ctx, slog.LevelInfo, "agent notified", attrs...)
	return d, nil
}

// post makes one attempt, freshly stamped and signed: receivers reject old
// timestamps, and a retry may come seconds later.
func (n *Notifier) post(ctx context.Context, note Notification, body []byte) (int, *channels.Error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.cfg.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return 0, &channels.Error{Provider: provider, Message: "cannot build the request"}
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Concierge-Notify/1")
	req.Header.Set(DeliveryHeader, note.DeliveryID)
	req.Header.Set(EventHeader, string(note.Event))
	if n.cfg.WebhookSecret != "" {
		ts := strconv.FormatInt(n.now().Unix(), 10)
		req.Header.Set(TimestampHeader, ts)
		req.Header.Set(SignatureHeader, channels.Signature(n.cfg.WebhookSecret, ts, body))
	}
	resp, err := n.http.Do(req)
	if err != nil {
		// The URL is a credential (Slack): keep it out of the error.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, &channels.Error{Provider: provider, Temporary: true, Message: "no response", Err: err}
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.StatusCode, nil
	}
	e := channels.StatusError(provider, resp.StatusCode, resp.Header, n.now())
	e.Message = strings.TrimSpace(string(msg))
	return resp.StatusCode, e
}

// DeliveryID derives a stable id from what identifies the event, so the same
// event sent twice (an SQS redelivery, a sweeper run that overlaps) carries
// the same id and the receiver can drop the copy.
func DeliveryID(note Notification) string {
	h := sha256.New()
	for _, part := range []string{string(note.Event), note.ConversationID, note.AgentID, note.DueAt.UTC().Format(time.RFC3339Nano), strings.Join(note.Reasons, ",")} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return "ntf_" + hex.EncodeToString(h.Sum(nil))[:32]
}

// ForStage builds the notifier a function wires: times written in the stage's
// time zone, a 10-second HTTP client, logs to log.
func ForStage(cfg Config, st stage.Settings, log *slog.Logger) (*Notifier, error) {
	cfg.TimeZone = st.TimeZone
	return New(cfg, &http.Client{Timeout: 10 * time.Second}, WithLogger(log))
}
