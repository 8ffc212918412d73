package feedback

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/store"
)

// EffectSurvey is the owed-effect kind of a survey to send
// (store.OwedEffect.Kind); the SLA function's sweeper retries it.
const EffectSurvey = "survey"

// ClaimFor is how long one attempt holds a survey: longer than a send takes
// (the senders' HTTP timeout is 10 s), so the resolving request and the
// sweeper never send the same survey at once, and short enough that an
// attempt that died is retried by the next sweep.
const ClaimFor = 45 * time.Second

// Survey is the payload of an owed survey: the message, where it goes, and
// the id its touchpoint gets once sent. That touchpoint is the proof of the
// send: a retry that finds it settles without sending again.
type Survey struct {
	CustomerID     string           `json:"customerId"`
	ConversationID string           `json:"conversationId"`
	TouchpointID   string           `json:"touchpointId"`
	Message        routing.Outbound `json:"message"`
}

// Owed is the survey as an effect for the resolve's transaction.
func (s Survey) Owed() (store.OwedEffect, error) {
	body, err := json.Marshal(s)
	if err != nil {
		return store.OwedEffect{}, domain.Wrap(err, domain.CodeInternal, "encode the survey")
	}
	return store.OwedEffect{Kind: EffectSurvey, ConversationID: s.ConversationID, Event: "resolved:" + s.TouchpointID, Payload: body}, nil
}

// Outbox is the storage a survey's delivery needs (the store in production).
type Outbox interface {
	// ClaimOwed holds an owed effect for d: false when it is settled
	// already, store.ErrOwedBusy while another attempt holds it.
	ClaimOwed(ctx context.Context, key string, d time.Duration) (bool, error)
	SettleOwed(ctx context.Context, key string) (bool, error)
	GetTouchpoint(ctx context.Context, customerID, id string) (domain.Touchpoint, error)
	RecordOutbound(ctx context.Context, tp domain.Touchpoint) (domain.Touchpoint, bool, error)
	IndexMessageIDs(ctx context.Context, conversationID, customerID string, messageIDs ...string) error
}

// Surveys sends owed surveys: right after the resolve (Deliver) and, for
// what that could not do, from the SLA function's sweep (Perform).
type Surveys struct {
	Store  Outbox
	Sender routing.Sender
	Log    *slog.Logger
	// Now is the clock of the pause after an outage (time.Now when nil).
	Now func() time.Time

	mu          sync.Mutex
	pausedUntil time.Time
}

// outagePause is how long one Surveys stops sending after a send failed
// for an outage: a sweep does not spend its minute waiting on a provider
// that is down (the SLA events come after the owed effects), and the next
// sweep, a minute later, tries again.
const outagePause = 30 * time.Second

// ErrNotSent says a survey is still owed: its send failed or another
// attempt holds it. The sweep retries it.
var ErrNotSent = errors.New("feedback: survey not sent yet")

// Deliver sends the owed survey e and settles it. It returns the survey's
// touchpoint when this call or an earlier one sent it, or when the channel
// refused it for good (Status failed).
func (s *Surveys) Deliver(ctx context.Context, e store.OwedEffect) (domain.Touchpoint, error) {
	tp, err := s.send(ctx, e)
	if err != nil {
		return tp, err
	}
	if _, err := s.Store.SettleOwed(ctx, e.Key); err != nil {
		// Sent and recorded: a retry finds the touchpoint and only settles.
		s.logger().Warn("survey sent but not settled", "conversation", e.ConversationID, "error", err.Error())
	}
	return tp, nil
}

// Perform sends the owed survey e; the sweeper settles it after a nil
// error. It is the sweeper's performer for EffectSurvey.
func (s *Surveys) Perform(ctx context.Context, e store.OwedEffect) error {
	_, err := s.send(ctx, e)
	if errors.Is(err, errUndeliverable) {
		s.logger().Error("owed survey cannot be sent; dropped", "conversation", e.ConversationID, "error", err.Error())
		return nil
	}
	return err
}

var errUndeliverable = errors.New("feedback: owed survey does not decode")

// send sends e's survey once: under a claim, and only when its touchpoint
// is not on the timeline yet. Only a crash between the provider's answer
// and the touchpoint's write can repeat it (no channel here takes an
// idempotency key).
func (s *Surveys) send(ctx context.Context, e store.OwedEffect) (domain.Touchpoint, error) {
	var sv Survey
	if err := json.Unmarshal(e.Payload, &sv); err != nil || sv.TouchpointID == "" || sv.CustomerID == "" {
		return domain.Touchpoint{}, fmt.Errorf("%w: %v", errUndeliverable, err)
	}
	if s.paused() {
		return domain.Touchpoint{}, fmt.Errorf("%w: the channel failed moments ago", ErrNotSent)
	}
	held, err := s.Store.ClaimOwed(ctx, e.Key, ClaimFor)
	if errors.Is(err, store.ErrOwedBusy) {
		return domain.Touchpoint{}, fmt.Errorf("%w: another attempt holds it", ErrNotSent)
	}
	if err != nil {
		return domain.Touchpoint{}, err
	}
	tp, err := s.Store.GetTouchpoint(ctx, sv.CustomerID, sv.TouchpointID)
	switch {
	case err == nil:
		return tp, nil // sent before; only its settling was lost
	case domain.ErrorCode(err) != domain.CodeNotFound:
		return tp, err
	case !held:
		// Settled by another attempt (sent, or refused for good) while its
		// touchpoint moved with a merge: nothing is owed.
		return tp, nil
	}
	m := sv.Message
	tp = domain.Touchpoint{ID: sv.TouchpointID, CustomerID: sv.CustomerID, ConversationID: sv.ConversationID, Channel: m.Channel,
		Direction: domain.DirectionOut, Kind: domain.KindMessage, Text: m.Text, Subject: m.Subject,
		Metadata: map[string]string{"automatic": "survey"}}
	sent, err := s.Sender.Send(ctx, sv.Message)
	if err != nil && refused(err) {
		// No retry mends a message the channel refuses (an invalid address,
		// a closed messaging window): it is on the timeline as failed, and
		// done.
		tp.Provider, tp.Status, tp.Metadata["error"] = m.Provider, domain.StatusFailed, domain.ErrorMessage(err)
		tp.Metadata = routing.AddMetadata(tp.Metadata, routing.PolicyMetadata(err))
		stored, _, rerr := s.Store.RecordOutbound(ctx, tp)
		return stored, rerr
	}
	if err != nil {
		s.pause()
		s.logger().Warn("survey not sent; retried by the next sweep", "conversation", sv.ConversationID, "error", err.Error())
		return domain.Touchpoint{}, fmt.Errorf("%w: %w", ErrNotSent, err)
	}
	tp.Status, tp.Provider, tp.ProviderMessageID = domain.StatusSent, sent.Provider, sent.ProviderMessageID
	tp.Metadata = routing.AddMetadata(tp.Metadata, sent.Policy)
	if sent.EmailMessageID != "" {
		tp.Metadata["messageId"] = sent.EmailMessageID
	}
	if sent.UsedTemplate {
		tp.Metadata["template"] = "true"
	}
	stored, _, err := s.Store.RecordOutbound(ctx, tp)
	if err != nil {
		return tp, err
	}
	if sent.EmailMessageID != "" {
		// The customer's answer to this email threads back into the conversation.
		if err := s.Store.IndexMessageIDs(ctx, sv.ConversationID, sv.CustomerID, sent.EmailMessageID); err != nil {
			s.logger().Warn("index survey message id", "conversation", sv.ConversationID, "error", err.Error())
		}
	}
	return stored, nil
}

func (s *Surveys) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Surveys) paused() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now().Before(s.pausedUntil)
}

func (s *Surveys) pause() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pausedUntil = s.now().Add(outagePause)
}

// refused: the channel will never take this message as it is (the senders'
// CodeInvalid and CodeConflict); anything else (an outage, throttling) is
// retried.
func refused(err error) bool {
	switch domain.ErrorCode(err) {
	case domain.CodeInvalid, domain.CodeConflict, domain.CodeUnprocessable:
		return true
	}
	return false
}

func (s *Surveys) logger() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

// SurveyText asks for a 1-5 score in the customer's language, by name.
func SurveyText(cu domain.Customer, business string) string {
	name := strings.TrimSpace(cu.DisplayName)
	if cu.Language == "vi" || cu.Language == "" && strings.HasPrefix(phoneOf(cu), "+84") {
		h := strings.TrimSpace(cu.Preferences["honorific"])
		switch {
		case h != "" && name != "":
			f := strings.Fields(name)
			return title(h) + " " + f[len(f)-1] + " ơi, " + strings.ToLower(h) + " chấm điểm hỗ trợ hôm nay từ 1 đến 5 giúp em nhé (trả lời một số từ 1 đến 5)."
		case name != "":
			return "Chào " + name + ", bạn chấm điểm hỗ trợ hôm nay từ 1 đến 5 giúp " + orUs(business, "chúng tôi") + " nhé (trả lời một số từ 1 đến 5)."
		}
		return "Quý khách chấm điểm hỗ trợ hôm nay từ 1 đến 5 giúp " + orUs(business, "chúng tôi") + " nhé (trả lời một số từ 1 đến 5)."
	}
	greet := "Hi"
	if name != "" {
		greet += " " + strings.Fields(name)[0]
	}
	return greet + ", how would you rate " + orUs(business, "our") + " help today, from 1 (poor) to 5 (great)? Just reply with the number."
}

func orUs(business, fallback string) string {
	if business == "" {
		return fallback
	}
	if fallback == "our" {
		return business + "'s"
	}
	return business
}

func title(s string) string {
	r := []rune(strings.ToLower(s))
	if len(r) == 0 {
		return s
	}
	return strings.ToUpper(string(r[0])) + string(r[1:])
}

func phoneOf(cu domain.Customer) string {
	for _, id := range cu.Identities {
		if id.Kind == domain.KindPhone {
			return id.Value
		}
	}
	return ""
}
