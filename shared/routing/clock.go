package routing

import (
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/sla"
)

// ClockOf rebuilds the SLA clock stored on a conversation, bound to the
// policy's calendar.
func ClockOf(p sla.Policy, s domain.SLA) sla.Clock {
	return p.Bind(sla.Clock{
		StartedAt: s.StartedAt, PausedTotal: s.PausedTotal, PausedSince: s.PausedSince,
		DueAt: s.DueAt, WarnAt: s.WarnAt, WarnedAt: s.WarnedAt, BreachedAt: s.BreachedAt, MetAt: s.MetAt,
	})
}

// StoreClock writes a clock back onto the conversation's SLA state.
func StoreClock(s *domain.SLA, c sla.Clock) {
	s.StartedAt, s.PausedTotal, s.PausedSince = c.StartedAt, c.PausedTotal, c.PausedSince
	s.DueAt, s.WarnAt, s.WarnedAt, s.BreachedAt, s.MetAt = c.DueAt, c.WarnAt, c.WarnedAt, c.BreachedAt, c.MetAt
}
