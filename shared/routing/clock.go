package routing

import (
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/sla"
)

// ClockOf rebuilds the SLA clock stored on a conversation, bound to the
// policy's calendar.
func ClockOf(p sla.Policy, s domain.SLA) sla.Clock { return p.ClockOf(s.SLAClock) }

// StoreClock writes a clock back onto the conversation's SLA state.
func StoreClock(s *domain.SLA, c sla.Clock) { s.SLAClock = c.SLAClock }

// Responded records that an agent answered the customer at at: her first
// response when it is the first, and the running response target met (its
// clock stopped, which takes the conversation out of the sweeper's index).
// A reply and a call back she picked up both answer her.
func Responded(c *domain.Conversation, pol sla.Policy, at time.Time) {
	if c.FirstResponseAt.IsZero() {
		c.FirstResponseAt = at
	}
	if !c.SLA.StartedAt.IsZero() && c.SLA.Metric != string(sla.Resolution) {
		clk := ClockOf(pol, c.SLA)
		clk.Stop(at)
		StoreClock(&c.SLA, clk)
	}
	if at.After(c.LastMessageAt) {
		c.LastMessageAt = at
	}
}
