package agentapi

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/ingest"
	"github.com/concierge-cx/concierge/shared/routing"
	"github.com/concierge-cx/concierge/shared/sla"
	"github.com/concierge-cx/concierge/shared/store"
)

// Feedback records satisfaction scores: from the survey link
// (POST /feedback/{token}) and from a bare "1"-"5" the customer sends on
// their channel. The ingest path holds one to call TryBareScore.
type Feedback struct {
	Store *store.Store
	// Teams gives the supervisors' team's SLA policy (a teams.Resolver);
	// nil means sla.DefaultPolicy.
	Teams          routing.Policies
	Notifier       routing.Notifier // optional: told about follow-ups
	SupervisorTeam string
	Log            *slog.Logger
}

// Feedback returns the API's feedback recorder.
func (a *API) Feedback() *Feedback {
	return &Feedback{Store: a.Store, Teams: a.Teams, Notifier: a.Notifier, SupervisorTeam: a.Config.SupervisorTeam, Log: a.Log}
}

// tokenLen is the length of a base64url 128-bit token.
const tokenLen = 22

// newToken returns a random 128-bit token. Random rather than signed: the
// server keeps the token (it must, to make it single-use), so a signature
// would add a secret to manage and nothing else.
func newToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", domain.Wrap(err, domain.CodeInternal, "no randomness for a feedback token")
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func validToken(t string) bool {
	if len(t) != tokenLen {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(t)
	return err == nil
}

// BareReply is a customer's message that may be an answer to the survey.
type BareReply = ingest.SurveyAnswer

// BareScore reads a survey answer from a message: a digit 1-5 alone, or
// with "/5", "*", "sao" ("5 sao": five stars in Vietnamese), or as 1-5 star
// emoji; surrounding spaces and a final "." or "!" are allowed. Anything
// longer ("5 phút nữa") is a message, not a score.
func BareScore(text string) (int, bool) {
	s := strings.TrimSpace(text)
	s = strings.TrimRight(s, ".! ")
	if s == "" {
		return 0, false
	}
	if n := strings.Count(s, "⭐"); n > 0 && n <= 5 && strings.ReplaceAll(s, "⭐", "") == "" {
		return n, true
	}
	if s[0] < '1' || s[0] > '5' {
		return 0, false
	}
	rest := strings.ToLower(strings.TrimSpace(s[1:]))
	switch rest {
	case "", "/5", "*", "sao", "⭐":
		return int(s[0] - '0'), true
	}
	return 0, false
}

// TryBareScore records a bare score reply if the customer has an
// outstanding survey: handled is true when the message was the answer
// (stored as a feedback touchpoint, with its dedup key) and must not also
// be stored and routed as a new message. Call it in the ingest path before
// the message is recorded; a redelivered answer comes back handled=false
// and ingest then finds its dedup key and stores nothing twice.
func (f *Feedback) TryBareScore(ctx context.Context, r BareReply) (handled bool, err error) {
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
func (f *Feedback) Record(ctx context.Context, in store.FeedbackInput) (store.FeedbackResult, error) {
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
			f.Log.Warn("follow-up notification failed", "conversation", res.FollowUp.ID, "error", err.Error())
		}
	}
	if f.Log != nil {
		f.Log.Info("feedback recorded", "customer", res.Touchpoint.CustomerID, "conversation", res.Request.ConversationID,
			"score", in.Score, "followUp", res.FollowUp != nil)
	}
	return res, nil
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

func (a *API) feedback(ctx context.Context, c *call) (reply, error) {
	token := c.params["token"]
	if !validToken(token) {
		return reply{}, domain.Errorf(domain.CodeNotFound, "this feedback link is unknown, already used or expired")
	}
	var body struct {
		Score   *int   `json:"score"`
		Comment string `json:"comment"`
	}
	if err := decode(c, &body); err != nil {
		return reply{}, err
	}
	if body.Score == nil || *body.Score < 1 || *body.Score > 5 {
		return reply{}, domain.Errorf(domain.CodeInvalid, "score must be a whole number from 1 to 5")
	}
	comment := strings.TrimSpace(body.Comment)
	if utf8.RuneCountInString(comment) > MaxTextChars {
		return reply{}, domain.Errorf(domain.CodeInvalid, "comment is longer than %d characters", MaxTextChars)
	}
	if _, err := a.Feedback().Record(ctx, store.FeedbackInput{Token: token, Score: *body.Score, Comment: comment}); err != nil {
		return reply{}, err
	}
	return created(map[string]any{"recorded": true}), nil
}
