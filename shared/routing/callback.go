package routing

import (
	"fmt"
	"slices"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/jobs"
	"github.com/concierge-cx/concierge/shared/sla"
)

// Missed calls (issue 18): a call no agent answered owes the caller a call
// back, and missed calls that repeat make the conversation urgent.
const (
	// RepeatedMissedCalls missed calls within MissedCallWindow are urgent.
	RepeatedMissedCalls = 2
	MissedCallWindow    = 10 * time.Minute
	// CallbackLabel is how a queue shows a conversation owing a call back.
	CallbackLabel = "call back"
	// ReasonRepeatedMissedCalls is the urgency reason it shows.
	ReasonRepeatedMissedCalls = "repeated_missed_calls"
	// keptMissedCalls bounds the missed-call times kept on the conversation.
	keptMissedCalls = 5
)

// applyMissedCall folds a missed call into c: the call back it owes is due
// within the SLA's urgent first-response target (someone who phoned and was
// not answered is waiting on the most urgent promise the business makes),
// and the second missed call within MissedCallWindow makes c urgent with the
// reason shown. Idempotent: a redelivered missed call has the same time.
func applyMissedCall(c *domain.Conversation, job jobs.Routing, pol sla.Policy) {
	if job.Kind != domain.KindMissedCall {
		return
	}
	at := job.OccurredAt.UTC().Truncate(time.Millisecond)
	// Copies: the caller compares the conversation with the one it read,
	// which shares these pointers.
	cb := &domain.Callback{}
	if c.Callback != nil {
		*cb = *c.Callback
		cb.MissedCalls = slices.Clone(c.Callback.MissedCalls)
	}
	if !slices.ContainsFunc(cb.MissedCalls, at.Equal) {
		cb.MissedCalls = append(cb.MissedCalls, at)
		slices.SortFunc(cb.MissedCalls, time.Time.Compare)
		if n := len(cb.MissedCalls); n > keptMissedCalls {
			cb.MissedCalls = cb.MissedCalls[n-keptMissedCalls:]
		}
	}
	if cb.DoneAt.IsZero() || at.After(cb.DoneAt) {
		// A call back made before this missed call does not answer it.
		if !cb.DoneAt.IsZero() {
			cb.DoneAt, cb.DoneBy, cb.DueAt = time.Time{}, "", time.Time{}
		}
		received := job.ReceivedAt
		if received.IsZero() {
			received = at
		}
		if due, err := pol.DueAt(domain.PriorityUrgent, sla.FirstResponse, received, 0); err == nil && (cb.DueAt.IsZero() || due.Before(cb.DueAt)) {
			cb.DueAt = due.UTC().Truncate(time.Millisecond)
		}
		cb.Label = CallbackLabel
	}
	c.Callback = cb
	if n := missedWithin(cb.MissedCalls, at, MissedCallWindow); n >= RepeatedMissedCalls {
		reason := fmt.Sprintf("%s: %d missed calls within %d minutes", ReasonRepeatedMissedCalls, n, int(MissedCallWindow/time.Minute))
		c.Priority = domain.PriorityUrgent
		u := domain.Urgency{Score: job.Score}
		if c.Urgency != nil {
			u = *c.Urgency
		}
		c.Urgency = &u
		c.Urgency.Reasons = slices.DeleteFunc(slices.Clone(c.Urgency.Reasons), func(r string) bool {
			return len(r) > len(ReasonRepeatedMissedCalls) && r[:len(ReasonRepeatedMissedCalls)+1] == ReasonRepeatedMissedCalls+":"
		})
		c.Urgency.Reasons = append([]string{reason}, c.Urgency.Reasons...)
	}
}

// missedWithin counts the missed calls in the window ending at at.
func missedWithin(times []time.Time, at time.Time, window time.Duration) int {
	n := 0
	for _, t := range times {
		if !t.After(at) && at.Sub(t) <= window {
			n++
		}
	}
	return n
}
