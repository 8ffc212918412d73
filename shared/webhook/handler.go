package webhook

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/concierge-cx/concierge/shared/channels"
	"github.com/concierge-cx/concierge/shared/channels/meta"
	"github.com/concierge-cx/concierge/shared/channels/telegram"
	"github.com/concierge-cx/concierge/shared/channels/twilio"
	"github.com/concierge-cx/concierge/shared/channels/vonage"
	"github.com/concierge-cx/concierge/shared/channels/webchat"
	"github.com/concierge-cx/concierge/shared/channels/zalo"
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/httpapi"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/loyalty"
	"github.com/concierge-cx/concierge/shared/voice"
)

// MaxBody is the largest webhook body accepted; providers send far less.
const MaxBody = 256 * 1024

// Ingester is what the handler needs of the ingest pipeline.
type Ingester interface {
	Ingest(ctx context.Context, in domain.Inbound) (ingest.Outcome, error)
	ApplyStatus(ctx context.Context, u domain.StatusUpdate) error
}

// Annotator links a call touchpoint to its voicemail.
type Annotator interface {
	Annotate(ctx context.Context, provider, msgID string, meta map[string]string) (domain.Touchpoint, error)
}

// Handler serves every webhook route.
type Handler struct {
	cfg       Config
	ingest    Ingester
	annotator Annotator
	voice     *voice.Service
	now       func() time.Time
	log       *slog.Logger
	routes    map[string]route
	orders    Orders
}

// OrdersRoute is the e-commerce platform's order webhook (issue 16).
const OrdersRoute = "POST /webhooks/orders"

// Orders applies one verified-by-itself order webhook delivery
// (loyalty.OrderWebhook): it checks the platform's signature, records the
// order or refund and says what it did.
type Orders interface {
	Handle(ctx context.Context, req channels.Request) (loyalty.OrderResult, error)
}

// WithOrders serves the order webhook (off without it: 404).
func WithOrders(o Orders) Option { return func(h *Handler) { h.orders = o } }

// route handles one verified, parsed delivery and renders the answer.
type route struct {
	enabled bool
	verify  func(channels.Request) error
	parse   func(channels.Request) (channels.Result, error)
	respond func(ctx context.Context, req channels.Request, outcomes []ingest.Outcome) events.APIGatewayV2HTTPResponse
	// serve, when set, handles the verified request whole (the call-routing
	// callbacks, which read the stored call before deciding).
	serve func(ctx context.Context, req channels.Request) events.APIGatewayV2HTTPResponse
}

// Option adjusts a Handler.
type Option func(*Handler)

// WithClock sets the clock timestamps are checked against (tests replay
// recorded events at their signing time).
func WithClock(now func() time.Time) Option { return func(h *Handler) { h.now = now } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(h *Handler) { h.log = l } }

// WithVoice routes calls to agents (<Dial>); without it every call is
// greeted and offered voicemail.
func WithVoice(v *voice.Service) Option { return func(h *Handler) { h.voice = v } }

// New builds the handler. annotator may be nil (recordings are then linked
// only from the voicemail side, by its callSid metadata).
func New(cfg Config, ing Ingester, annotator Annotator, opts ...Option) *Handler {
	h := &Handler{cfg: cfg, ingest: ing, annotator: annotator, now: time.Now, log: slog.Default()}
	for _, o := range opts {
		o(h)
	}
	twiml := func(context.Context, channels.Request, []ingest.Outcome) events.APIGatewayV2HTTPResponse {
		return httpapi.Text(http.StatusOK, "text/xml; charset=utf-8", string(twilio.EmptyTwiML()))
	}
	ok := func(context.Context, channels.Request, []ingest.Outcome) events.APIGatewayV2HTTPResponse {
		return httpapi.JSON(http.StatusOK, map[string]bool{"ok": true})
	}
	tw := cfg.TwilioAuthToken != ""
	twVerify := func(r channels.Request) error { return twilio.Verify(r, cfg.TwilioAuthToken) }
	vn := cfg.VonageSignatureSecret != ""
	vnVerify := func(r channels.Request) error { return vonage.Verify(r, cfg.VonageSignatureSecret) }
	h.routes = map[string]route{
		"POST /webhooks/twilio/messages":            {tw, twVerify, twilio.ParseMessage, twiml, nil},
		"POST /webhooks/twilio/voice":               {tw, twVerify, twilio.ParseVoice, h.voiceAnswer, nil},
		"POST /webhooks/twilio/voice/status":        {enabled: tw, verify: twVerify, serve: h.voiceStatus},
		"POST /webhooks/twilio/voice/dial":          {enabled: tw, verify: twVerify, serve: h.dialEnded},
		"POST /webhooks/twilio/voice/whisper":       {enabled: tw, verify: twVerify, serve: h.whisper},
		"POST /webhooks/twilio/voice/bridge":        {enabled: tw, verify: twVerify, serve: h.bridge},
		"POST /webhooks/twilio/voice/bridged":       {enabled: tw, verify: twVerify, serve: h.bridged},
		"POST /webhooks/twilio/voice/recording":     {tw, twVerify, twilio.ParseRecording, h.linkRecording, nil},
		"POST /webhooks/twilio/voice/transcription": {tw, twVerify, twilio.ParseTranscription, twiml, nil},
		"POST /webhooks/meta":                       {cfg.MetaAppSecret != "", func(r channels.Request) error { return meta.Verify(r, cfg.MetaAppSecret) }, meta.Parse, ok, nil},
		"POST /webhooks/telegram": {cfg.TelegramWebhookSecret != "", func(r channels.Request) error {
			return telegram.Verify(r, cfg.TelegramWebhookSecret)
		}, telegram.Parse, ok, nil},
		"POST /webhooks/zalo": {cfg.ZaloAppID != "" && cfg.ZaloOASecretKey != "", func(r channels.Request) error {
			return zalo.Verify(r, cfg.ZaloAppID, cfg.ZaloOASecretKey)
		}, zalo.Parse, ok, nil},
		"POST /webhooks/vonage/messages": {vn, vnVerify, vonage.Parse, ok, nil},
		"POST /webhooks/vonage/status":   {vn, vnVerify, vonage.Parse, ok, nil},
		"POST /webhooks/webchat": {cfg.WebchatSigningSecret != "", func(r channels.Request) error {
			return webchat.Verify(r, cfg.WebchatSigningSecret)
		}, webchat.Parse, ok, nil},
	}
	return h
}

// Routes lists the routes this handler serves ("METHOD /path"), enabled or not;
// the local gateway and the CDK stack declare exactly these.
func Routes() []string {
	h := New(Config{}, nil, nil)
	out := []string{"GET /webhooks/meta", OrdersRoute}
	for k := range h.routes {
		out = append(out, k)
	}
	return out
}

// Handle serves one API Gateway HTTP API (payload 2.0) request. It returns a
// Go error never: every outcome is an HTTP response, 5xx only when storage or
// the queue is unavailable, so the provider retries.
func (h *Handler) Handle(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	method := ev.RequestContext.HTTP.Method
	path := strings.TrimRight(ev.RawPath, "/")
	if method == http.MethodGet && path == "/webhooks/meta" {
		return h.metaHandshake(ev), nil
	}
	if method+" "+path == OrdersRoute {
		return h.handleOrders(ctx, ev), nil
	}
	rt, known := h.routes[method+" "+path]
	if !known || !rt.enabled {
		return httpapi.Error(domain.Errorf(domain.CodeNotFound, "no such route")), nil
	}
	if approxBodySize(ev) > MaxBody {
		return httpapi.Error(domain.Errorf(domain.CodeTooLarge, "body above %d bytes", MaxBody)), nil
	}
	req, err := channels.FromHTTPAPI(&ev, h.cfg.PublicBaseURL, h.now())
	if err != nil {
		return httpapi.Error(err), nil
	}
	if len(req.Body) > MaxBody {
		return httpapi.Error(domain.Errorf(domain.CodeTooLarge, "body above %d bytes", MaxBody)), nil
	}
	if err := rt.verify(req); err != nil {
		h.log.Warn("webhook refused", "route", path, "reason", domain.ErrorMessage(err))
		if domain.ErrorCode(err) == domain.CodeInternal {
			err = domain.Wrap(err, domain.CodeForbidden, "signature check failed")
		}
		return httpapi.Error(err), nil
	}
	if rt.serve != nil {
		return rt.serve(ctx, req), nil
	}
	res, err := rt.parse(req)
	if err != nil {
		return httpapi.Error(asClientError(err)), nil
	}
	outcomes, err := h.apply(ctx, res)
	if err != nil {
		return httpapi.Error(err), nil
	}
	return rt.respond(ctx, req, outcomes), nil
}

// apply ingests every message and status of one delivery. Deliveries can carry
// several events (Meta batches entries); a bad one is skipped and logged so the
// good ones are kept, and the delivery fails (for a retry) only when storage
// is unavailable. A delivery whose only events are bad is a 400.
func (h *Handler) apply(ctx context.Context, res channels.Result) ([]ingest.Outcome, error) {
	var outcomes []ingest.Outcome
	var firstBad error
	bad := 0
	for _, in := range res.Messages {
		out, err := h.ingest.Ingest(ctx, in)
		if err != nil {
			if retryable(err) {
				return nil, err
			}
			h.log.Warn("inbound event refused", "provider", in.Provider, "reason", domain.ErrorMessage(err))
			bad++
			if firstBad == nil {
				firstBad = err
			}
			continue
		}
		outcomes = append(outcomes, out)
	}
	for _, st := range res.Statuses {
		if err := h.ingest.ApplyStatus(ctx, st); err != nil {
			if retryable(err) {
				return nil, err
			}
			h.log.Warn("status refused", "provider", st.Provider, "reason", domain.ErrorMessage(err))
		}
	}
	if bad > 0 && bad == len(res.Messages) && len(res.Statuses) == 0 {
		return nil, firstBad
	}
	return outcomes, nil
}

func (h *Handler) metaHandshake(ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	if h.cfg.MetaVerifyToken == "" {
		return httpapi.Error(domain.Errorf(domain.CodeNotFound, "no such route"))
	}
	req, err := channels.FromHTTPAPI(&ev, h.cfg.PublicBaseURL, h.now())
	if err != nil {
		return httpapi.Error(err)
	}
	challenge, err := meta.VerifyHandshake(req.Query, h.cfg.MetaVerifyToken)
	if err != nil {
		return httpapi.Error(err)
	}
	return httpapi.Text(http.StatusOK, "text/plain; charset=utf-8", challenge)
}

// voiceAnswer rings agents for the caller (WithVoice), or greets her by
// name in her language and offers voicemail.
func (h *Handler) voiceAnswer(ctx context.Context, req channels.Request, outcomes []ingest.Outcome) events.APIGatewayV2HTTPResponse {
	if h.voice != nil && len(outcomes) > 0 {
		f, _ := parseForm(req.Body)
		b, err := h.voice.Answer(ctx, outcomes[0], f.Get("From"), f.Get("CallSid"), f.Get("To"))
		if err == nil {
			return twimlResponse(b)
		}
		// The call is stored; the caller still gets an answer: voicemail.
		h.log.Warn("call routing unavailable: voicemail offered", "reason", domain.ErrorMessage(err))
	}
	g := twilio.Greeting{PublicBaseURL: h.cfg.PublicBaseURL, Business: h.cfg.BusinessName, Language: "vi"}
	if len(outcomes) > 0 {
		c := outcomes[0].Customer
		g.Name = c.DisplayName
		g.Honorific = c.Preferences["honorific"]
		if c.Language != "" {
			g.Language = c.Language
		}
	}
	if len(req.Query) > 0 || req.Body != nil {
		if f, err := parseForm(req.Body); err == nil {
			g.Caller = f.Get("From")
		}
	}
	return httpapi.Text(http.StatusOK, "text/xml; charset=utf-8", string(twilio.VoiceTwiML(g)))
}

// linkRecording annotates the call touchpoint with its voicemail, then answers
// <Record>'s action with empty TwiML.
func (h *Handler) linkRecording(ctx context.Context, req channels.Request, outcomes []ingest.Outcome) events.APIGatewayV2HTTPResponse {
	if h.annotator != nil {
		for _, o := range outcomes {
			callSid := o.Touchpoint.Metadata["callSid"]
			if callSid == "" || o.Touchpoint.Kind != domain.KindVoicemail {
				continue
			}
			meta := map[string]string{"voicemailTouchpointId": o.Touchpoint.ID}
			if len(o.Touchpoint.Attachments) > 0 {
				meta["recordingUrl"] = o.Touchpoint.Attachments[0].URL
			}
			if _, err := h.annotator.Annotate(ctx, "twilio", callSid, meta); err != nil && domain.ErrorCode(err) != domain.CodeNotFound {
				h.log.Warn("could not link recording to call", "reason", domain.ErrorMessage(err))
			}
		}
	}
	return httpapi.Text(http.StatusOK, "text/xml; charset=utf-8", string(twilio.EmptyTwiML()))
}

func twimlResponse(b []byte) events.APIGatewayV2HTTPResponse {
	return httpapi.Text(http.StatusOK, "text/xml; charset=utf-8", string(b))
}

// voiceStatus takes a call's status callback. A call we placed (an agent's
// click-to-call) updates its touchpoint; a call the customer made is, at
// its end, a missed call unless an agent answered it (voice.CallEnded).
// Malformed or unknown: 200, nothing stored, logged.
func (h *Handler) voiceStatus(ctx context.Context, req channels.Request) events.APIGatewayV2HTTPResponse {
	st, err := twilio.ParseCallStatus(req)
	if err != nil {
		h.log.Warn("malformed call status: nothing stored")
		return twimlResponse(twilio.EmptyTwiML())
	}
	if h.voice == nil || !st.Inbound() {
		res, err := twilio.ParseVoiceStatus(req)
		if err != nil {
			h.log.Warn("malformed call status: nothing stored", "reason", domain.ErrorMessage(err))
			return twimlResponse(twilio.EmptyTwiML())
		}
		if _, err := h.apply(ctx, res); err != nil && retryable(err) {
			return httpapi.Error(err)
		}
		return twimlResponse(twilio.EmptyTwiML())
	}
	if err := h.voice.CallEnded(ctx, st); err != nil {
		if retryable(err) {
			return httpapi.Error(err)
		}
		h.log.Warn("call status refused", "reason", domain.ErrorMessage(err))
	}
	return twimlResponse(twilio.EmptyTwiML())
}

// dialEnded takes <Dial>'s action (voice.DialEnded).
func (h *Handler) dialEnded(ctx context.Context, req channels.Request) events.APIGatewayV2HTTPResponse {
	return h.dialResult(ctx, req, "dial result", func(r twilio.DialResult) ([]byte, error) { return h.voice.DialEnded(ctx, r) })
}

// dialResult parses a <Dial> action's result and answers what take makes of
// it. Malformed, no voice configured or refused: the call hangs up, nothing
// stored; an outage is 5xx, for Twilio to try again.
func (h *Handler) dialResult(ctx context.Context, req channels.Request, what string, take func(twilio.DialResult) ([]byte, error)) events.APIGatewayV2HTTPResponse {
	r, err := twilio.ParseDial(req)
	if err != nil {
		h.log.Warn("malformed " + what + ": nothing stored")
		return twimlResponse(twilio.HangupTwiML())
	}
	if h.voice == nil {
		return twimlResponse(twilio.HangupTwiML())
	}
	b, err := take(r)
	if err != nil {
		if retryable(err) {
			return httpapi.Error(err)
		}
		h.log.Warn(what+" refused", "reason", domain.ErrorMessage(err))
		return twimlResponse(twilio.HangupTwiML())
	}
	return twimlResponse(b)
}

// whisper answers <Number url> when an agent picks up (voice.Whisper).
func (h *Handler) whisper(ctx context.Context, req channels.Request) events.APIGatewayV2HTTPResponse {
	if h.voice == nil {
		return twimlResponse(twilio.EmptyTwiML())
	}
	return twimlResponse(h.voice.Whisper(ctx, req.Query))
}

// bridge dials the customer once the agent of a click-to-call answered.
func (h *Handler) bridge(ctx context.Context, req channels.Request) events.APIGatewayV2HTTPResponse {
	if h.voice == nil {
		return twimlResponse(twilio.HangupTwiML())
	}
	f, _ := parseForm(req.Body)
	b, err := h.voice.Bridge(ctx, req.Query, f.Get("From"))
	if err != nil {
		return httpapi.Error(err)
	}
	return twimlResponse(b)
}

// bridged takes the bridge's <Dial> action: a call back the customer
// picked up meets her response target (voice.Bridged).
func (h *Handler) bridged(ctx context.Context, req channels.Request) events.APIGatewayV2HTTPResponse {
	return h.dialResult(ctx, req, "bridge dial result", func(r twilio.DialResult) ([]byte, error) { return h.voice.Bridged(ctx, req.Query, r) })
}

func retryable(err error) bool {
	c := domain.ErrorCode(err)
	return c == domain.CodeUnavailable || c == domain.CodeInternal
}

// asClientError makes sure a parser's failure reads as the sender's bad input.
func asClientError(err error) error {
	var de *domain.Error
	if errors.As(err, &de) && de.Code != domain.CodeInternal {
		return err
	}
	return domain.Wrap(err, domain.CodeInvalid, "malformed body")
}

func approxBodySize(ev events.APIGatewayV2HTTPRequest) int {
	if ev.IsBase64Encoded {
		return len(ev.Body) / 4 * 3
	}
	return len(ev.Body)
}

// handleOrders serves the order webhook: the same size limits and raw-body
// handling as the chat providers', then loyalty's verification and intake.
func (h *Handler) handleOrders(ctx context.Context, ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	if h.orders == nil {
		return httpapi.Error(domain.Errorf(domain.CodeNotFound, "no such route"))
	}
	if approxBodySize(ev) > MaxBody {
		return httpapi.Error(domain.Errorf(domain.CodeTooLarge, "body above %d bytes", MaxBody))
	}
	req, err := channels.FromHTTPAPI(&ev, h.cfg.PublicBaseURL, h.now())
	if err != nil {
		return httpapi.Error(err)
	}
	if len(req.Body) > MaxBody {
		return httpapi.Error(domain.Errorf(domain.CodeTooLarge, "body above %d bytes", MaxBody))
	}
	res, err := h.orders.Handle(ctx, req)
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeForbidden {
			h.log.Warn("order webhook refused", "reason", domain.ErrorMessage(err))
		}
		return httpapi.Error(err)
	}
	return httpapi.JSON(http.StatusOK, res)
}
