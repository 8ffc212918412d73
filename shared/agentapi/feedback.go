package agentapi

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/feedback"
	"github.com/concierge-cx/concierge/shared/store"
)

// Feedback returns the API's score recorder (shared/feedback), as the
// webhooks function builds its own.
func (a *API) Feedback() *feedback.Recorder {
	return &feedback.Recorder{Store: a.Store, Teams: a.Teams, Notifier: a.Notifier, SupervisorTeam: a.Config.SupervisorTeam, Log: a.Log}
}

// surveys sends the survey a resolve owes.
func (a *API) surveys() *feedback.Surveys {
	return &feedback.Surveys{Store: a.Store, Sender: a.Sender, Log: a.Log}
}

func (a *API) feedback(ctx context.Context, c *call) (reply, error) {
	token := c.params["token"]
	if !feedback.ValidToken(token) {
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
