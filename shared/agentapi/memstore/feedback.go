package memstore

import (
	"context"
	"strconv"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/store"
)

// PendingFeedbackToken returns the customer's latest unexpired token.
func (s *Store) PendingFeedbackToken(_ context.Context, customerID string) (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok, ok := s.pending[customerID]
	if !ok {
		return "", false, nil
	}
	if r, ok := s.requests[tok]; ok && !r.ExpiresAt.After(s.Now()) {
		return "", false, nil
	}
	return tok, true, nil
}

// RecordFeedback consumes the token and stores the score, its metric, the
// profile's satisfaction and the follow-up at once, as the store's.
func (s *Store) RecordFeedback(_ context.Context, in store.FeedbackInput) (store.FeedbackResult, error) {
	if in.Score < 1 || in.Score > 5 {
		return store.FeedbackResult{}, domain.Errorf(domain.CodeInvalid, "score must be a whole number from 1 to 5")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Now()
	req, ok := s.requests[in.Token]
	if !ok || !req.ExpiresAt.After(now) {
		return store.FeedbackResult{}, domain.Errorf(domain.CodeNotFound, "this feedback link is unknown, already used or expired")
	}
	cu, err := s.customer(req.CustomerID)
	if err != nil {
		return store.FeedbackResult{}, err
	}
	for _, have := range s.touchpoints[cu.ID] {
		if in.ProviderMessageID != "" && have.Provider == in.Provider && have.ProviderMessageID == in.ProviderMessageID {
			return store.FeedbackResult{}, domain.Errorf(domain.CodeConflict, "this reply was already recorded")
		}
	}
	ch := in.Channel
	if ch == "" {
		ch = req.Channel
	}
	at := in.OccurredAt
	if at.IsZero() {
		at = now
	}
	at = at.UTC().Truncate(time.Millisecond)
	tp := domain.Touchpoint{ID: newID(domain.TouchpointIDPrefix, at), CustomerID: cu.ID, ConversationID: req.ConversationID,
		Channel: ch, Direction: domain.DirectionIn, Kind: domain.KindFeedback, Text: in.Comment, Provider: in.Provider,
		ProviderMessageID: in.ProviderMessageID, OccurredAt: at, ReceivedAt: now, Status: domain.StatusReceived,
		Metadata: map[string]string{"score": strconv.Itoa(in.Score)}}
	delete(s.requests, in.Token)
	s.touchpoints[cu.ID] = append(s.touchpoints[cu.ID], tp)
	cu.SatisfactionSum += in.Score
	cu.SatisfactionCount++
	s.customers[cu.ID] = cu
	s.scores = append(s.scores, store.FeedbackMetric{TouchpointID: tp.ID, ConversationID: req.ConversationID, Score: in.Score,
		Channel: ch, Priority: req.Priority, At: at})
	res := store.FeedbackResult{Request: req, Touchpoint: tp}
	if in.FollowUp != nil {
		c := *in.FollowUp
		c.CustomerID, c.ID, c.Version, c.UpdatedAt = cu.ID, newID(domain.ConversationIDPrefix, now), 1, now
		s.convs[c.ID] = c
		res.FollowUp = &c
	}
	return res, nil
}

// MetricsRange returns the records of [from, to).
func (s *Store) MetricsRange(_ context.Context, from, to time.Time) ([]store.ConversationMetric, []store.FeedbackMetric, error) {
	if !to.After(from) {
		return nil, nil, domain.Errorf(domain.CodeInvalid, "to must be after from")
	}
	if to.Sub(from) > store.MaxMetricsDays*24*time.Hour {
		return nil, nil, domain.Errorf(domain.CodeInvalid, "a report covers at most %d days", store.MaxMetricsDays)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var convs []store.ConversationMetric
	for _, m := range s.convMetrics {
		if !m.ResolvedAt.Before(from) && m.ResolvedAt.Before(to) {
			convs = append(convs, m)
		}
	}
	var scores []store.FeedbackMetric
	for _, m := range s.scores {
		if !m.At.Before(from) && m.At.Before(to) {
			scores = append(scores, m)
		}
	}
	return convs, scores, nil
}
