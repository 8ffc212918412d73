package sla

import (
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
)

// Clock computes with one SLA target's stored state (domain.SLAClock, which
// a conversation keeps in its SLA): the sweeper rebuilds a Clock from it
// (Policy.Bind) and calls Evaluate. DueAt and WarnAt already include every
// finished pause, so the sweeper needs no calendar and a GSI can sort on them.
type Clock struct {
	domain.SLAClock
	// Calendar measures paused and elapsed business time; nil is 24x7.
	// Not stored: Policy.Bind sets it on a loaded clock.
	Calendar *Calendar `json:"-" dynamodbav:"-"`
}

// Status is what the sweeper must do about a clock.
type Status string

const (
	StatusNone   Status = "none"
	StatusWarn   Status = "warn"
	StatusBreach Status = "breach"
)

// State is a clock's progress at an instant, in business time.
type State struct {
	Elapsed   time.Duration // business time counted against the target, pauses excluded
	Remaining time.Duration // negative once breached: how late it is
	Paused    bool
	Met       bool
	Warned    bool // the warning share of the target has passed
	Breached  bool // the target has passed
}

// Paused reports whether the clock waits on the customer.
func (c *Clock) Paused() bool { return !c.PausedSince.IsZero() }

// Met reports whether the target was met and the clock stopped.
func (c *Clock) Met() bool { return !c.MetAt.IsZero() }

// Pause stops the clock while the conversation waits on the customer.
func (c *Clock) Pause(now time.Time) {
	if c.Paused() || c.Met() {
		return
	}
	if now.Before(c.StartedAt) {
		now = c.StartedAt
	}
	c.PausedSince = now
}

// Resume restarts a paused clock and moves DueAt and WarnAt later by the
// business time spent paused.
func (c *Clock) Resume(now time.Time) {
	if !c.Paused() {
		return
	}
	paused := c.Calendar.Between(c.PausedSince, now)
	c.PausedTotal += paused
	c.DueAt = c.Calendar.Add(c.DueAt, paused)
	c.WarnAt = c.Calendar.Add(c.WarnAt, paused)
	c.PausedSince = time.Time{}
}

// Stop records the target as met (the agent answered); a stopped clock
// never warns or breaches.
func (c *Clock) Stop(now time.Time) {
	if c.Met() {
		return
	}
	c.Resume(now)
	c.MetAt = now
}

// effective is the instant the clock reads at now: frozen while paused or
// after it was met.
func (c *Clock) effective(now time.Time) time.Time {
	t := now
	if c.Met() && c.MetAt.Before(t) {
		t = c.MetAt
	}
	if c.Paused() && c.PausedSince.Before(t) {
		t = c.PausedSince
	}
	return t
}

// State reports the clock's progress at now.
func (c *Clock) State(now time.Time) State {
	t := c.effective(now)
	s := State{
		Elapsed:  c.Calendar.Between(c.StartedAt, t) - c.PausedTotal,
		Paused:   c.Paused(),
		Met:      c.Met(),
		Warned:   !t.Before(c.WarnAt),
		Breached: !t.Before(c.DueAt),
	}
	if s.Elapsed < 0 {
		s.Elapsed = 0
	}
	if s.Breached {
		s.Remaining = -c.Calendar.Between(c.DueAt, t)
	} else {
		s.Remaining = c.Calendar.Between(t, c.DueAt)
	}
	return s
}

// Evaluate returns what the sweeper must do at now and records it: a warning
// once the warning time has passed, a breach once the due time has passed,
// each at most once. A breach found before any warning is reported alone and
// also marks the warning as done, so no warning follows a breach.
func (c *Clock) Evaluate(now time.Time) Status {
	if c.Met() {
		return StatusNone
	}
	t := c.effective(now)
	switch {
	case !t.Before(c.DueAt) && c.BreachedAt.IsZero():
		c.BreachedAt = now
		if c.WarnedAt.IsZero() {
			c.WarnedAt = now
		}
		return StatusBreach
	case !t.Before(c.WarnAt) && c.WarnedAt.IsZero() && c.BreachedAt.IsZero():
		c.WarnedAt = now
		return StatusWarn
	}
	return StatusNone
}

// NextEventAt is when Evaluate will next have something to do: the warning
// time, then the due time. It is zero when nothing is left (met, paused, or
// breached) — a paused clock gets a new time when it resumes. Store it as
// the sweeper index's sort key.
func (c *Clock) NextEventAt() time.Time {
	switch {
	case c.Met() || c.Paused() || !c.BreachedAt.IsZero():
		return time.Time{}
	case c.WarnedAt.IsZero():
		return c.WarnAt
	}
	return c.DueAt
}
