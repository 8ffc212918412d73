package routing

import (
	"github.com/concierge-cx/concierge/shared/domain"
	"github.com/concierge-cx/concierge/shared/sla"
)

// ClockOf rebuilds the SLA clock stored on a conversation, bound to the
// policy's calendar.
func ClockOf(p sla.Policy, s domain.SLA) sla.Clock { return p.ClockOf(s.SLAClock) }

// StoreClock writes a clock back onto the conversation's SLA state.
func StoreClock(s *domain.SLA, c sla.Clock) { s.SLAClock = c.SLAClock }
