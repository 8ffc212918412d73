package outbound

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/sendpolicy"
)

// Dispatcher is the Sender every function uses: it holds the configured
// providers and dispatches each message to one of them.
type Dispatcher struct {
	cfg    Config
	http   *http.Client
	ses    *sesv2.Client
	policy channels.Policy
	log    *slog.Logger
	now    func() time.Time
	// zaloToken and auth: see tokens.go.
	zaloToken TokenSource
	auth      AuthFailures
	// counter counts Zalo's free replies (WithReplyCounter).
	counter ReplyCounter
}

// Option adjusts a Dispatcher.
type Option func(*Dispatcher)

// WithPolicy replaces channels.DefaultPolicy.
func WithPolicy(p channels.Policy) Option { return func(r *Dispatcher) { r.policy = p } }

// WithLogger sets the logger (slog.Default otherwise).
func WithLogger(l *slog.Logger) Option { return func(r *Dispatcher) { r.log = l } }

// WithClock sets the clock used for the WhatsApp and Messenger windows and
// the email Date header.
func WithClock(now func() time.Time) Option { return func(r *Dispatcher) { r.now = now } }

// New builds a Dispatcher. httpClient carries every HTTP provider (nil: a client
// with a 10-second timeout per attempt); ses carries email (nil: email is not
// configured).
func New(cfg Config, httpClient *http.Client, ses *sesv2.Client, opts ...Option) *Dispatcher {
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 10 * time.Second}
	}
	r := &Dispatcher{cfg: cfg.WithDefaults(), http: httpClient, ses: ses, policy: channels.DefaultPolicy, log: slog.Default(), now: time.Now}
	for _, o := range opts {
		o(r)
	}
	return r
}

// preference lists, per channel, the providers that can carry it, in the
// order the Dispatcher picks them when a message names no provider.
var preference = map[domain.Channel][]string{
	domain.ChannelSMS:       {ProviderTwilio, ProviderVonage},
	domain.ChannelWhatsApp:  {ProviderMeta, ProviderTwilio, ProviderVonage},
	domain.ChannelMessenger: {ProviderMeta, ProviderVonage},
	domain.ChannelTelegram:  {ProviderTelegram},
	domain.ChannelZalo:      {ProviderZalo},
	domain.ChannelViber:     {ProviderVonage},
	domain.ChannelEmail:     {ProviderSES},
	domain.ChannelWebchat:   {ProviderWebchat},
}

// Providers lists the configured providers that can carry ch, in the order
// the Dispatcher would pick them.
func (r *Dispatcher) Providers(ch domain.Channel) []string {
	var out []string
	for _, p := range preference[ch] {
		if r.configured(p, ch) {
			out = append(out, p)
		}
	}
	return out
}

// configured reports whether provider has what it needs to send on ch.
func (r *Dispatcher) configured(provider string, ch domain.Channel) bool {
	c := r.cfg
	switch provider {
	case ProviderTwilio:
		if c.TwilioAccountSID == "" || c.TwilioAuthToken == "" {
			return false
		}
		switch ch {
		case domain.ChannelSMS:
			return c.TwilioFromNumber != "" || c.TwilioMessagingServiceSID != ""
		case domain.ChannelWhatsApp:
			return c.TwilioWhatsAppFrom != ""
		}
	case ProviderMeta:
		switch ch {
		case domain.ChannelWhatsApp:
			return c.MetaAccessToken != "" && c.MetaPhoneNumberID != ""
		case domain.ChannelMessenger:
			return c.MetaPageAccessToken != ""
		}
	case ProviderTelegram:
		return ch == domain.ChannelTelegram && c.TelegramBotToken != ""
	case ProviderZalo:
		return ch == domain.ChannelZalo && (c.ZaloOAAccessToken != "" || r.zaloToken != nil)
	case ProviderVonage:
		if c.VonageAPIKey == "" || c.VonageAPISecret == "" {
			return false
		}
		switch ch {
		case domain.ChannelSMS, domain.ChannelWhatsApp, domain.ChannelViber, domain.ChannelMessenger:
			return r.vonageFrom(ch) != ""
		}
	case ProviderSES:
		return ch == domain.ChannelEmail && r.ses != nil && c.SESFromAddress != ""
	case ProviderWebchat:
		return ch == domain.ChannelWebchat && c.WebchatReplyURL != "" && c.WebchatSigningSecret != ""
	}
	return false
}

// setupHint names what turns on a channel whose only provider is ours to
// configure, so the agent's error says what to set.
func setupHint(ch domain.Channel) string {
	if ch == domain.ChannelWebchat {
		return " (set WEBCHAT_REPLY_URL, the chat backend that shows replies, and WEBCHAT_SIGNING_SECRET)"
	}
	return ""
}

func supports(provider string, ch domain.Channel) bool {
	for _, p := range preference[ch] {
		if p == provider {
			return true
		}
	}
	return false
}

// Send validates m, picks its provider and sends it. Errors are
// *domain.Error: CodeInvalid for a message that cannot be sent as given,
// CodeConflict when no provider is configured or the provider refused the
// message (a *channels.Error inside says why), CodeUnavailable when the provider kept
// failing transiently (retry later).
func (r *Dispatcher) Send(ctx context.Context, m Message) (Result, error) {
	start := r.now()
	res, err := r.send(ctx, m)
	r.logSend(ctx, m, res, err, r.now().Sub(start))
	return res, err
}

func (r *Dispatcher) send(ctx context.Context, m Message) (Result, error) {
	m.To = strings.TrimSpace(m.To)
	m.Provider = strings.ToLower(strings.TrimSpace(m.Provider))
	switch {
	case m.Channel == "":
		return Result{}, domain.Errorf(domain.CodeInvalid, "a message needs a channel")
	case m.Channel == domain.ChannelVoice:
		return Result{}, domain.Errorf(domain.CodeInvalid, "voice is not a message channel: call the customer back instead")
	case m.To == "":
		return Result{}, domain.Errorf(domain.CodeInvalid, "a message needs a recipient address")
	case strings.TrimSpace(m.Text) == "" && (m.Template == nil || m.Channel != domain.ChannelWhatsApp):
		return Result{}, domain.Errorf(domain.CodeInvalid, "a message needs text")
	}
	provider := m.Provider
	if provider == "" {
		ps := r.Providers(m.Channel)
		if len(ps) == 0 {
			return Result{}, domain.Errorf(domain.CodeConflict, "no provider configured for channel %s%s", m.Channel, setupHint(m.Channel))
		}
		provider = ps[0]
	} else {
		if !supports(provider, m.Channel) {
			return Result{}, domain.Errorf(domain.CodeInvalid, "provider %s does not carry channel %s", provider, m.Channel)
		}
		if !r.configured(provider, m.Channel) {
			return Result{}, domain.Errorf(domain.CodeConflict, "provider %s is not configured for channel %s%s", provider, m.Channel, setupHint(m.Channel))
		}
	}
	// Every send asks the policy first: a message no rule or fallback
	// allows is refused with the reason, for the caller to record.
	dec, counted, err := r.decide(ctx, &m)
	if err != nil {
		return Result{Provider: provider}, domain.Wrap(err, domain.CodeUnavailable, "the reply count is not readable right now; try again later")
	}
	if !dec.Sendable() {
		return Result{Provider: provider, Decision: dec}, sendpolicy.Refuse(dec)
	}
	m.decision = &dec
	var res Result
	switch provider {
	case ProviderTwilio:
		res, err = r.twilio(ctx, m)
	case ProviderMeta:
		if m.Channel == domain.ChannelMessenger {
			res, err = r.messenger(ctx, m)
		} else {
			res, err = r.whatsApp(ctx, m)
		}
	case ProviderTelegram:
		res, err = r.telegram(ctx, m)
	case ProviderZalo:
		if dec.Free {
			res, err = r.zalo(ctx, m)
		} else {
			res, err = r.zns(ctx, m) // the policy's fallback beyond the consulting window
		}
	case ProviderVonage:
		res, err = r.vonage(ctx, m)
	case ProviderSES:
		res, err = r.email(ctx, m)
	case ProviderWebchat:
		res, err = r.webchat(ctx, m)
	}
	res.Provider, res.Decision = provider, dec
	if err != nil && counted {
		r.uncount(ctx, m)
	}
	return res, classify(err)
}

// classify wraps a provider failure in the domain error its callers map to
// HTTP and to retry decisions; validation errors pass through.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	e, ok := channels.AsError(err)
	if !ok {
		return domain.Wrap(err, domain.CodeInternal, "send failed")
	}
	if e.Temporary {
		return domain.Wrap(e, domain.CodeUnavailable, e.Provider+" is not accepting messages right now; try again later")
	}
	msg := e.Provider + " refused the message"
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return domain.Wrap(e, domain.CodeConflict, msg)
}

// logSend writes one line per send. Never the text, never the address in
// clear.
func (r *Dispatcher) logSend(ctx context.Context, m Message, res Result, err error, took time.Duration) {
	attrs := []slog.Attr{
		slog.String("channel", string(m.Channel)),
		slog.String("provider", res.Provider),
		slog.String("to", domain.Mask(m.To)),
		slog.Int64("ms", took.Milliseconds()),
	}
	if m.ConversationID != "" {
		attrs = append(attrs, slog.String("conversationId", m.ConversationID))
	}
	if err == nil {
		attrs = append(attrs, slog.String("providerMessageId", res.ProviderMessageID), slog.Int("attempts", res.Attempts),
			slog.Bool("usedTemplate", res.UsedTemplate), slog.Bool("autoGenerated", m.AutoGenerated))
		r.log.LogAttrs(ctx, slog.LevelInfo, "message sent", attrs...)
		return
	}
	attrs = append(attrs, slog.String("code", string(domain.ErrorCode(err))))
	if e, ok := channels.AsError(err); ok {
		attrs = append(attrs, slog.Int("attempts", e.Attempts), slog.Bool("temporary", e.Temporary),
			slog.Int("status", e.Status), slog.String("providerCode", e.Code))
	}
	attrs = append(attrs, slog.String("error", err.Error()))
	r.log.LogAttrs(ctx, slog.LevelWarn, "message not sent", attrs...)
}

// checkLength rejects text a provider would refuse for its length, with a
// message an agent can act on. limit counts UTF-16 code units, as the
// providers do.
func checkLength(provider, text string, limit int) error {
	n := 0
	for _, c := range text {
		n++
		if c > 0xFFFF {
			n++
		}
	}
	if n > limit {
		return domain.Errorf(domain.CodeInvalid, "%s accepts at most %d characters in one message; this one has %d", provider, limit, n)
	}
	return nil
}
