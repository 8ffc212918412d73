// Package sla holds response-time targets per priority, an optional
// business-hours calendar, and the Clock that tracks one conversation's
// target so the sweeper can warn before a breach and record each event once.
package sla

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
)

// Metric names which target a clock tracks.
type Metric string

const (
	// FirstResponse: from the first inbound message to the first agent reply.
	FirstResponse Metric = "first_response"
	// NextResponse: from a customer's follow-up to the agent's next reply.
	NextResponse Metric = "next_response"
	// Resolution: from opening to resolving the conversation.
	Resolution Metric = "resolution"
)

// Targets are the business-time allowances of one priority.
type Targets struct {
	FirstResponse time.Duration
	NextResponse  time.Duration
	Resolution    time.Duration
}

// Of returns the target of one metric.
func (t Targets) Of(m Metric) (time.Duration, error) {
	switch m {
	case FirstResponse:
		return t.FirstResponse, nil
	case NextResponse:
		return t.NextResponse, nil
	case Resolution:
		return t.Resolution, nil
	}
	return 0, domain.Errorf(domain.CodeInvalid, "unknown SLA metric %q", m)
}

// Policy is the SLA of a business.
type Policy struct {
	ByPriority map[domain.Priority]Targets
	// WarnAt is the share of a target after which the sweeper warns (0.8).
	WarnAt float64
	// Calendar of business hours; nil counts every hour (24x7).
	Calendar *Calendar
}

// DefaultPolicy is a 24x7 policy with a warning at 80% of each target:
//
//	priority  first response  next response  resolution
//	urgent    15m             30m            4h
//	high      1h              2h             8h
//	normal    4h              8h             24h
//	low       24h             48h            72h
//
// A next response may take twice the first: the customer has been greeted
// and the agent may need to look something up.
func DefaultPolicy() Policy {
	return Policy{
		ByPriority: map[domain.Priority]Targets{
			domain.PriorityUrgent: {15 * time.Minute, 30 * time.Minute, 4 * time.Hour},
			domain.PriorityHigh:   {time.Hour, 2 * time.Hour, 8 * time.Hour},
			domain.PriorityNormal: {4 * time.Hour, 8 * time.Hour, 24 * time.Hour},
			domain.PriorityLow:    {24 * time.Hour, 48 * time.Hour, 72 * time.Hour},
		},
		WarnAt: 0.8,
	}
}

var priorities = []domain.Priority{domain.PriorityUrgent, domain.PriorityHigh, domain.PriorityNormal, domain.PriorityLow}

// Validate checks every priority has positive targets and the warning share
// is within (0, 1).
func (p Policy) Validate() error {
	for _, pr := range priorities {
		t, ok := p.ByPriority[pr]
		if !ok {
			return fmt.Errorf("sla config: targets.%s: missing", pr)
		}
		for name, d := range map[string]time.Duration{"firstResponse": t.FirstResponse, "nextResponse": t.NextResponse, "resolution": t.Resolution} {
			if d <= 0 {
				return fmt.Errorf("sla config: targets.%s.%s: must be positive, got %s", pr, name, d)
			}
		}
		if t.Resolution < t.FirstResponse {
			return fmt.Errorf("sla config: targets.%s.resolution: %s is shorter than the first response %s", pr, t.Resolution, t.FirstResponse)
		}
	}
	for pr := range p.ByPriority {
		if !slices.Contains(priorities, pr) {
			return fmt.Errorf("sla config: targets.%s: unknown priority", pr)
		}
	}
	if p.WarnAt <= 0 || p.WarnAt >= 1 {
		return fmt.Errorf("sla config: warnAt: must be between 0 and 1, got %g", p.WarnAt)
	}
	return p.Calendar.Validate()
}

// Target is the allowance of a priority's metric.
func (p Policy) Target(pr domain.Priority, m Metric) (time.Duration, error) {
	t, ok := p.ByPriority[pr]
	if !ok {
		return 0, domain.Errorf(domain.CodeInvalid, "no SLA targets for priority %q", pr)
	}
	return t.Of(m)
}

// DueAt is when the target of (priority, metric) runs out for a clock
// started at start that has been paused for pausedSoFar of business time.
func (p Policy) DueAt(pr domain.Priority, m Metric, start time.Time, pausedSoFar time.Duration) (time.Time, error) {
	d, err := p.Target(pr, m)
	if err != nil {
		return time.Time{}, err
	}
	return p.Calendar.Add(start, d+pausedSoFar), nil
}

// WarnAtTime is when the sweeper should warn: WarnAt of the target has passed.
func (p Policy) WarnAtTime(pr domain.Priority, m Metric, start time.Time, pausedSoFar time.Duration) (time.Time, error) {
	d, err := p.Target(pr, m)
	if err != nil {
		return time.Time{}, err
	}
	return p.Calendar.Add(start, p.warnShare(d)+pausedSoFar), nil
}

func (p Policy) warnShare(d time.Duration) time.Duration {
	return time.Duration(float64(d) * p.WarnAt).Round(time.Second)
}

// Start begins a clock for (priority, metric) at the given instant.
func (p Policy) Start(pr domain.Priority, m Metric, at time.Time) (Clock, error) {
	d, err := p.Target(pr, m)
	if err != nil {
		return Clock{}, err
	}
	return Clock{
		SLAClock: domain.SLAClock{StartedAt: at, DueAt: p.Calendar.Add(at, d), WarnAt: p.Calendar.Add(at, p.warnShare(d))},
		Calendar: p.Calendar,
	}, nil
}

// Bind attaches the policy's calendar to a clock loaded from storage.
func (p Policy) Bind(c Clock) Clock {
	c.Calendar = p.Calendar
	return c
}

// ClockOf is the clock of a stored SLA state, bound to the policy's calendar.
func (p Policy) ClockOf(s domain.SLAClock) Clock {
	return Clock{SLAClock: s, Calendar: p.Calendar}
}

// Retarget moves a clock to a new priority (a conversation escalated or
// downgraded), keeping its start and pauses. Events already recorded stay
// recorded: a clock never warns or breaches twice.
func (p Policy) Retarget(c *Clock, pr domain.Priority, m Metric) error {
	d, err := p.Target(pr, m)
	if err != nil {
		return err
	}
	c.Calendar = p.Calendar
	c.DueAt = p.Calendar.Add(c.StartedAt, d+c.PausedTotal)
	c.WarnAt = p.Calendar.Add(c.StartedAt, p.warnShare(d)+c.PausedTotal)
	return nil
}

// policyJSON is the configuration shape, durations as Go strings:
//
//	{"warnAt": 0.8,
//	 "targets": {"urgent": {"firstResponse": "15m", "nextResponse": "30m", "resolution": "4h"}, ...},
//	 "calendar": {...}}
type policyJSON struct {
	WarnAt   float64                `json:"warnAt"`
	Targets  map[string]targetsJSON `json:"targets"`
	Calendar *Calendar              `json:"calendar,omitempty"`
}

type targetsJSON struct {
	FirstResponse string `json:"firstResponse"`
	NextResponse  string `json:"nextResponse"`
	Resolution    string `json:"resolution"`
}

// MarshalJSON writes the shape ParsePolicy reads.
func (p Policy) MarshalJSON() ([]byte, error) {
	w := policyJSON{WarnAt: p.WarnAt, Targets: map[string]targetsJSON{}, Calendar: p.Calendar}
	for pr, t := range p.ByPriority {
		w.Targets[string(pr)] = targetsJSON{t.FirstResponse.String(), t.NextResponse.String(), t.Resolution.String()}
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads the configuration shape without validating it.
func (p *Policy) UnmarshalJSON(b []byte) error {
	var w policyJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return fmt.Errorf("sla config: %w", err)
	}
	out := Policy{WarnAt: w.WarnAt, Calendar: w.Calendar, ByPriority: map[domain.Priority]Targets{}}
	for pr, t := range w.Targets {
		var ts Targets
		for _, f := range []struct {
			name string
			raw  string
			dst  *time.Duration
		}{{"firstResponse", t.FirstResponse, &ts.FirstResponse}, {"nextResponse", t.NextResponse, &ts.NextResponse}, {"resolution", t.Resolution, &ts.Resolution}} {
			d, err := time.ParseDuration(f.raw)
			if err != nil {
				return fmt.Errorf("sla config: targets.%s.%s: %q is not a duration like \"15m\" or \"4h\"", pr, f.name, f.raw)
			}
			*f.dst = d
		}
		out.ByPriority[domain.Priority(pr)] = ts
	}
	*p = out
	return nil
}

// ParsePolicy reads and validates a policy from JSON. A missing warnAt is 0.8.
func ParsePolicy(r io.Reader) (Policy, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return Policy{}, fmt.Errorf("sla config: %w", err)
	}
	var p Policy
	if err := json.Unmarshal(b, &p); err != nil {
		return Policy{}, err
	}
	if p.WarnAt == 0 {
		p.WarnAt = 0.8
	}
	if err := p.Validate(); err != nil {
		return Policy{}, err
	}
	return p, nil
}
