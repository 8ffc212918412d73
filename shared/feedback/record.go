package feedback

import (
	"context"
	"fmt"
	"log/slog"
	"time"
	"unicode/utf8"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/sla"
	"github.com/concierge-cx/concierge/shared/store"
)

// Scores is the storage a Recorder needs (the store in production).
type Scores interface {
	Now() time.Time
	FindByIdentity(ctx context.Context, id domain.Identity) (domain.Customer, error)
	// PendingFeedbackToken is the customer's latest unexpired token, if any.
	PendingFeedbackToken(ctx context.Context, customerID string) (string, bool, error)
	// RecordFeedback consumes the token and stores the score (and the
	// follow-up, if given) in one transaction.
	RecordFeedback(ctx context.Context, in store.FeedbackInput) (store.FeedbackResult, error)
}

// Recorder records satisfaction scores: from the survey link
// (POST /feedback/{token}) and from a bare "1"-"5" the customer sends on
// their channel. The ingest path holds one to call TryBareScore.
type Recorder struct {
	Store Scores
	// Teams gives the supervisors' team's SLA policy (a teams.Resolver);
	// nil means sla.DefaultPolicy.
	Teams          routing.Policies
	Notifier       routing.Notifier // optional: told about follow-ups
	SupervisorTeam string
	Log            *slog.Logger
}

// TryBareScore records a bare score reply if the customer has an
// outstanding survey: handled is true when the message was the answer
// (stored as a feedback touchpoint, with its dedup key) and must not also
// be stored and routed as a new message. Call it in the ingest path before
// the message is recorded; a redelivered answer comes back handled=false
// and ingest then finds its dedup key and stores nothing twice.
func (f *Recorder) TryBareScore(ctx context.Context, r ingest.SurveyAnswer) (handled bool, err error) {
	score, ok := BareScore(r.Text)
	if !ok {
		return false, nil
	}
	customerID := r.CustomerID
	if customerID == "" {
		cu, err := f.Store.FindByIdentity(ctx, r.Identity)
		if domain.ErrorCode(err) == domain.CodeNotFound {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		customerID = cu.ID
	}
	token, found, err := f.Store.PendingFeedbackToken(ctx, customerID)
	if err != nil || !found {
		return false, err
	}
	_, err = f.Record(ctx, store.FeedbackInput{Token: token, Score: score, Channel: r.Channel, Provider: r.Provider,
		ProviderMessageID: r.ProviderMessageID, OccurredAt: r.OccurredAt})
	switch domain.ErrorCode(err) {
	case domain.CodeNotFound:
		return false, nil // answered already or expired: an ordinary message
	case domain.CodeConflict:
		return true, nil // this very reply was recorded before
	}
	return err == nil, err
}

// Record stores a score; a score of 1 or 2 opens a high-priority follow-up
// in the supervisors' queue, in the same transaction, and notifies them.
func (f *Recorder) Record(ctx context.Context, in store.FeedbackInput) (store.FeedbackResult, error) {
	if in.Score <= 2 {
		now := f.Store.Now()
		reasons := []string{fmt.Sprintf("follow_up: satisfaction %d/5", in.Score)}
		if in.Comment != "" {
			reasons = append(reasons, "comment: "+clip(in.Comment, 200))
		}
		fu := &domain.Conversation{Status: domain.ConversationOpen, Priority: domain.PriorityHigh, Team: f.SupervisorTeam,
			LastChannel: in.Channel, OpenedAt: now, Urgency: &domain.Urgency{Reasons: reasons}}
		pol, err := routing.PolicyOf(ctx, f.Teams, sla.DefaultPolicy(), f.SupervisorTeam)
		if err != nil {
			return store.FeedbackResult{}, err
		}
		if clk, err := pol.Start(domain.PriorityHigh, sla.FirstResponse, now); err == nil {
			routing.StoreClock(&fu.SLA, clk)
			fu.SLA.Metric = string(sla.FirstResponse)
		}
		in.FollowUp = fu
	}
	res, err := f.Store.RecordFeedback(ctx, in)
	if err != nil {
		return res, err
	}
	if res.FollowUp != nil && f.Notifier != nil {
		e := routing.Event{Kind: "followup", ConversationID: res.FollowUp.ID, CustomerID: res.FollowUp.CustomerID,
			Priority: res.FollowUp.Priority, Channel: res.Touchpoint.Channel, Reasons: res.FollowUp.Urgency.Reasons,
			DueAt: res.FollowUp.SLA.DueAt, Text: fmt.Sprintf("satisfaction %d/5 on %s", in.Score, res.Request.ConversationID)}
		if err := f.Notifier.Notify(ctx, e); err != nil {
			// The follow-up is in the supervisors' queue either way.
			f.logger().Warn("follow-up notification failed", "conversation", res.FollowUp.ID, "error", err.Error())
		}
	}
	f.logger().Info("feedback recorded", "customer", res.Touchpoint.CustomerID, "conversation", res.Request.ConversationID,
		"score", in.Score, "followUp", res.FollowUp != nil)
	return res, nil
}

func (f *Recorder) logger() *slog.Logger {
	if f.Log == nil {
		return slog.Default()
	}
	return f.Log
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
