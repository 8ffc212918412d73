package ingest

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/jobs"
	"github.com/concierge-cx/concierge/shared/language"
	"github.com/concierge-cx/concierge/shared/media"
	"github.com/concierge-cx/concierge/shared/store"
	"github.com/concierge-cx/concierge/shared/textfold"
	"github.com/concierge-cx/concierge/shared/urgency"
)

// Recorder is the part of the store ingest needs.
type Recorder interface {
	RecordInbound(ctx context.Context, in store.Inbound) (store.InboundResult, error)
	UpdateDeliveryStatus(ctx context.Context, u domain.StatusUpdate) (domain.Touchpoint, bool, error)
	Owe(ctx context.Context, e store.OwedEffect) error
	// TouchFollowUp applies a follow-up in place when it changes nothing
	// but its conversation's timestamps (false: it needs the router).
	TouchFollowUp(ctx context.Context, f store.FollowUp) (bool, error)
}

// Publisher sends a routing job to its lane.
type Publisher interface {
	Publish(ctx context.Context, job Job) error
}

// SurveyAnswer is an inbound message that may answer a satisfaction survey.
type SurveyAnswer struct {
	CustomerID        string // or else Identity, the sender's normalized identity
	Identity          domain.Identity
	Channel           domain.Channel
	Provider          string
	ProviderMessageID string
	Text              string
	OccurredAt        time.Time
}

// Surveys takes a bare "1"–"5" reply to an outstanding survey: handled means
// it was stored as the customer's score and is no new request.
type Surveys interface {
	TryBareScore(ctx context.Context, a SurveyAnswer) (handled bool, err error)
}

// MediaPublisher sends a message's media download job (shared/media) to
// its lane.
type MediaPublisher interface {
	PublishMedia(ctx context.Context, job jobs.Media) error
}

// Merger merges two customers (the store's idempotent, resumable merge).
type Merger interface {
	Merge(ctx context.Context, targetID, sourceID string) (store.MergeResult, error)
}

// Profiles reads customers and records suggestions: with it, a suggestion
// whose two customers carry the same name says so.
type Profiles interface {
	GetCustomer(ctx context.Context, id string) (domain.Customer, error)
	Suggest(ctx context.Context, a, b string, reasons []string) error
}

// Aftercare is work a stored message may call for (an opt-out keyword,
// shared/consent; an identity erased before, shared/rights). Ingest runs
// each after recording a message from a proven sender, a redelivery
// included, so each must be safe to repeat.
type Aftercare interface {
	AfterInbound(ctx context.Context, res store.InboundResult, from domain.Identity) error
}

// Service is the ingest pipeline. All fields are required except Surveys,
// Merger and Log.
type Service struct {
	Store Recorder
	// Merger joins customers whose verified identities one event proves to
	// be one person; without it they stay suggestions for a supervisor.
	Merger Merger
	// Profiles, when set, adds "same name" to suggestions whose customers
	// carry the same normalized name (an email and a chat from one person).
	Profiles   Profiles
	Jobs       Publisher
	Normalizer domain.Normalizer
	Scorer     *urgency.Scorer
	Surveys    Surveys
	// Aftercare runs after each stored message from a proven sender.
	Aftercare []Aftercare
	// Media, when set, gets a download job for each stored message that
	// carries a provider's media reference.
	Media MediaPublisher
	Log   *slog.Logger
}

// Outcome is what Ingest did with one inbound event.
type Outcome struct {
	store.InboundResult
	Job Job
	// Survey is set when the message was a survey answer, stored as feedback
	// and neither recorded as a request nor routed.
	Survey bool
	// InPlace is set when the message was a follow-up that changed nothing
	// but its assigned conversation's timestamps, applied here without a
	// routing job (Job is still filled in, for logs and tests).
	InPlace bool
}

// Ingest records one inbound event and sends its routing job. A redelivered
// message (already stored) writes nothing but sends its job again, so a job
// lost between the write and the send is not lost for good. The sender's own
// identity must be valid; a malformed secondary identity (a web-chat visitor's
// mistyped phone) is dropped with a warning rather than losing the message.
func (s *Service) Ingest(ctx context.Context, in domain.Inbound) (Outcome, error) {
	if err := in.Validate(); err != nil {
		return Outcome{}, err
	}
	text := clean(in.Text)
	ids, claims, from, err := s.identities(in, text)
	if err != nil {
		return Outcome{}, err
	}
	trustedFrom := len(ids) > 0 && ids[0] == from
	if s.Surveys != nil && in.Kind == domain.KindMessage && trustedFrom {
		handled, err := s.Surveys.TryBareScore(ctx, SurveyAnswer{
			Identity: from, Channel: in.Channel, Provider: in.Provider,
			ProviderMessageID: in.ProviderMessageID, Text: text, OccurredAt: in.OccurredAt,
		})
		if err != nil {
			return Outcome{}, err
		}
		if handled {
			s.logger().Info("survey answered", "provider", in.Provider, "channel", in.Channel)
			return Outcome{Survey: true}, nil
		}
	}
	rec := store.Inbound{
		Identities:     ids,
		Claims:         claims,
		ProfileName:    strings.TrimSpace(clean(in.ProfileName)),
		Language:       GuessLanguage(text, append(slices.Clone(ids), from), in.Metadata["languageCode"]),
		ConversationID: in.ConversationID,
		MessageIDs:     in.MessageIDs,
		Touchpoint: domain.Touchpoint{
			Channel:           in.Channel,
			Kind:              in.Kind,
			Provider:          in.Provider,
			ProviderMessageID: in.ProviderMessageID,
			Text:              text,
			Subject:           clean(in.Subject),
			Attachments:       in.Attachments,
			OccurredAt:        in.OccurredAt,
			Metadata:          in.Metadata,
			From:              &from,
			UnverifiedSender:  in.UnverifiedSender,
		},
	}
	res, err := s.Store.RecordInbound(ctx, rec)
	if err != nil {
		return Outcome{}, err
	}
	if s.Merger != nil && len(res.ProvenSame) > 0 {
		if res, err = s.mergeProven(ctx, res); err != nil {
			return Outcome{}, err
		}
	}
	if s.Profiles != nil && len(res.PossibleDuplicates) > 0 && !res.Duplicate {
		if err := s.sameName(ctx, res, rec.ProfileName); err != nil {
			return Outcome{}, err
		}
	}
	if trustedFrom && res.Touchpoint.Kind != domain.KindStatus {
		for _, ac := range s.Aftercare {
			if err := ac.AfterInbound(ctx, res, from); err != nil {
				return Outcome{}, err
			}
		}
	}
	tp := res.Touchpoint
	job := Job{
		TouchpointID: tp.ID, CustomerID: tp.CustomerID, ConversationID: tp.ConversationID,
		Channel: tp.Channel, Kind: tp.Kind, Provider: tp.Provider, ProviderMessageID: tp.ProviderMessageID,
		OccurredAt: tp.OccurredAt, ReceivedAt: tp.ReceivedAt,
		NewCustomer: res.NewCustomer, NewConversation: res.NewConversation, Redelivery: res.Duplicate,
		Language: res.Customer.Language, Tier: res.Customer.Tier,
		CustomerName: res.Customer.DisplayName, Honorific: res.Customer.Preferences["honorific"],
		EmailMessageID: in.Metadata["messageId"], Subject: tp.Subject,
	}
	if trustedFrom {
		// Only a proven sender is acknowledged.
		job.Address = from.Value
	}
	autoGen := in.Metadata["autoGenerated"] != ""
	job.AutoGenerated = autoGen
	job.Quarantined = in.Metadata["quarantined"] != ""
	score := s.Scorer.Score(urgency.Signals{
		Text: tp.Text, Subject: tp.Subject, Kind: tp.Kind,
		KnownCustomer: !res.NewCustomer, Tier: res.Customer.Tier,
		Now: tp.ReceivedAt, AutoGenerated: autoGen,
	})
	job.Priority, job.Score, job.Reasons = score.Priority, score.Score, score.Reasons
	// Status events (a follow) and quarantined mail are kept but not routed.
	inPlace := false
	if !job.Quarantined && tp.Kind != domain.KindStatus {
		inPlace = s.applyInPlace(ctx, res, job)
	}
	if !job.Quarantined && tp.Kind != domain.KindStatus && !inPlace {
		if err := s.Jobs.Publish(ctx, job); err != nil {
			s.park(ctx, job)
			return Outcome{}, err
		}
	}
	s.queueMedia(ctx, tp)
	s.logger().Info("inbound recorded",
		"provider", tp.Provider, "channel", tp.Channel, "kind", tp.Kind,
		"customer", tp.CustomerID, "touchpoint", tp.ID, "conversation", tp.ConversationID,
		"sender", from.Kind, "senderMasked", from.MaskedValue(), "senderVerified", trustedFrom, "claims", len(claims),
		"newCustomer", res.NewCustomer, "duplicate", res.Duplicate,
		"priority", job.Priority, "score", job.Score, "inPlace", inPlace)
	return Outcome{InboundResult: res, Job: job, InPlace: inPlace}, nil
}

// applyInPlace spares the queue hop (a publish, a Lambda invocation, a
// read and a transaction) for the commonest message: a follow-up in a
// routed conversation (assigned, or waiting in its queue) that changes
// nothing but its timestamps. One
// conditional update applies it when the stored conversation shows it
// changes nothing else; otherwise (or on any error) the router does it.
// A redelivered message always goes to the router, which applies it
// idempotently.
func (s *Service) applyInPlace(ctx context.Context, res store.InboundResult, job Job) bool {
	if res.NewConversation || res.Duplicate || job.ConversationID == "" || job.Kind != domain.KindMessage {
		return false
	}
	done, err := s.Store.TouchFollowUp(ctx, store.FollowUp{
		ConversationID: job.ConversationID, OccurredAt: job.OccurredAt, Channel: job.Channel,
		Priority: job.Priority, Score: job.Score, Language: job.Language,
	})
	if err != nil {
		s.logger().Warn("follow-up not applied in place; routed instead", "conversation", job.ConversationID, "error", err.Error())
		return false
	}
	return done
}

// queueMedia asks for the touchpoint's media to be downloaded, after the
// message is stored and its routing job sent. A redelivered message asks
// again (the download is idempotent), so a job lost here is recovered by
// the provider's retry; a failed publish is parked like a routing job
// whose publish failed, for the SLA sweep to publish again, and never
// fails the message.
func (s *Service) queueMedia(ctx context.Context, tp domain.Touchpoint) {
	if s.Media == nil || tp.ConversationID == "" || !media.AnyPending(tp.Attachments) {
		return
	}
	job := jobs.Media{ConversationID: tp.ConversationID, CustomerID: tp.CustomerID, TouchpointID: tp.ID, Provider: tp.Provider, Channel: tp.Channel}
	err := s.Media.PublishMedia(ctx, job)
	if err == nil {
		return
	}
	s.logger().Warn("media job not published; parked", "touchpoint", tp.ID, "error", err.Error())
	payload, err := jobs.Encode(job)
	if err == nil {
		err = s.Store.Owe(ctx, store.OwedEffect{Kind: EffectMedia, ConversationID: tp.ConversationID, Event: tp.ID, Payload: payload})
	}
	if err != nil {
		s.logger().Error("media job neither published nor parked", "touchpoint", tp.ID, "error", err.Error())
	}
}

// EffectMedia is the owed effect of a media job whose publish failed: the
// SLA function's sweep publishes it again.
const EffectMedia = "media"

// EffectRoute is the owed effect of a routing job whose publish failed: the
// SLA function's sweep publishes it again (routing.Sweeper).
const EffectRoute = "route"

// park owes a job whose publish failed, for the SLA function to publish
// again when the lane is back: the message is stored, and without this it
// would be routed only if the provider retried. The caller still fails the
// delivery (a retry is the faster path); a park that fails too is logged,
// and the provider's retry is then the only way.
func (s *Service) park(ctx context.Context, job Job) {
	payload, err := json.Marshal(job)
	if err == nil {
		err = s.Store.Owe(ctx, store.OwedEffect{Kind: EffectRoute, ConversationID: job.ConversationID, Event: job.TouchpointID, Payload: payload})
	}
	if err != nil {
		s.logger().Error("routing job neither published nor parked", "touchpoint", job.TouchpointID, "error", err.Error())
		return
	}
	s.logger().Warn("routing job parked", "touchpoint", job.TouchpointID)
}

// identities sorts the event's identities by proof: the trusted ones (which
// find, create and link the customer), the claimed ones (evidence for
// suggestions: Reply-To, what a visitor typed, phones and addresses found in
// the text) and the sender's own, which must be valid.
func (s *Service) identities(in domain.Inbound, text string) (ids []domain.Identity, claims []store.Claim, from domain.Identity, err error) {
	if len(in.Identities) == 0 {
		return nil, nil, from, domain.Errorf(domain.CodeInvalid, "the event names no sender")
	}
	for i, raw := range in.Identities {
		id, err := s.Normalizer.Normalize(raw.Kind, raw.Value)
		if err != nil {
			if i == 0 {
				return nil, nil, from, domain.Errorf(domain.CodeInvalid, "the sender's %s is not valid: %s", raw.Kind, domain.ErrorMessage(err))
			}
			s.logger().Warn("dropped an invalid secondary identity", "provider", in.Provider, "kind", raw.Kind, "reason", domain.ErrorMessage(err))
			continue
		}
		if i == 0 {
			from = id
		}
		switch raw.Proof {
		case "", domain.ProofVerified, domain.ProofStaff:
			if i == 0 && in.UnverifiedSender {
				claims = append(claims, store.Claim{Identity: id, Source: domain.ClaimUnverified})
				continue
			}
			ids = append(ids, id)
		default:
			src := raw.Source
			if src == "" {
				src = domain.ClaimTyped
			}
			claims = append(claims, store.Claim{Identity: id, Source: src})
		}
	}
	for _, id := range Mentions(s.Normalizer, in.Subject+"\n"+text) {
		claims = append(claims, store.Claim{Identity: id, Source: domain.ClaimBody})
	}
	return ids, claims, from, nil
}

// mergeProven merges the customers an event proves to be one person into
// the oldest of them (ids are time-ordered ULIDs), so the long-standing
// profile keeps its id. A failure is returned for a retry: the merge is
// idempotent and resumes where it stopped.
func (s *Service) mergeProven(ctx context.Context, res store.InboundResult) (store.InboundResult, error) {
	all := append([]string{res.Customer.ID}, res.ProvenSame...)
	slices.Sort(all)
	target := all[0]
	var merged domain.Customer
	for _, src := range all[1:] {
		m, err := s.Merger.Merge(ctx, target, src)
		if err != nil {
			return res, err
		}
		merged = m.Customer
	}
	s.logger().Info("merged on proof", "target", target, "sources", len(all)-1)
	res.Customer = merged
	res.Touchpoint.CustomerID = merged.ID
	if res.Touchpoint.ConversationID != "" && merged.OpenConversationID != "" {
		// The message joins the target's conversation: it opened none
		// (the router must read that one, not start from a new one).
		res.NewConversation = res.NewConversation && res.Touchpoint.ConversationID == merged.OpenConversationID
		res.Touchpoint.ConversationID = merged.OpenConversationID
	}
	return res, nil
}

// sameName adds a "same name" reason to each suggestion whose other
// customer's name folds (case, diacritics, spacing) to this sender's.
func (s *Service) sameName(ctx context.Context, res store.InboundResult, name string) error {
	if name == "" {
		name = res.Customer.DisplayName
	}
	mine := textfold.Name(name)
	if mine == "" {
		return nil
	}
	for _, o := range res.PossibleDuplicates {
		other, err := s.Profiles.GetCustomer(ctx, o)
		if err != nil {
			return err
		}
		if textfold.Name(other.DisplayName) == mine {
			if err := s.Profiles.Suggest(ctx, res.Customer.ID, other.ID, []string{"same name " + mine}); err != nil {
				return err
			}
		}
	}
	return nil
}

// ApplyStatus records a delivery status on the outbound touchpoint it names.
// A status for a message Concierge never stored (sent from the provider's own
// console, say) is not an error: it is logged and dropped.
func (s *Service) ApplyStatus(ctx context.Context, u domain.StatusUpdate) error {
	if err := u.Validate(); err != nil {
		return err
	}
	_, applied, err := s.Store.UpdateDeliveryStatus(ctx, u)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		s.logger().Info("status for an unknown message", "provider", u.Provider, "status", u.Status)
		return nil
	}
	if err != nil {
		return err
	}
	s.logger().Info("delivery status", "provider", u.Provider, "status", u.Status, "applied", applied)
	return nil
}

func (s *Service) logger() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// clean makes text safe to store: valid UTF-8, NFC, no NUL bytes.
func clean(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return norm.NFC.String(strings.ReplaceAll(s, "\x00", ""))
}

// GuessLanguage guesses a new customer's language from their first message
// (Vietnamese or English, see shared/language). When the text does not tell
// reliably, the language of the customer's own app (appLanguage: Telegram's
// language_code) decides if it is one served, then a Vietnamese phone number
// means Vietnamese; otherwise the language stays unknown ("") and the
// business's default applies. A language the customer chose (their
// profile's) is never replaced by it.
func GuessLanguage(text string, ids []domain.Identity, appLanguage string) string {
	if lang, reliable := language.Default.Detect(text); reliable {
		return lang
	}
	if lang, ok := language.Default.Served(appLanguage); ok {
		return lang
	}
	for _, id := range ids {
		if id.Kind == domain.KindPhone && strings.HasPrefix(id.Value, "+84") {
			return "vi"
		}
	}
	return ""
}
