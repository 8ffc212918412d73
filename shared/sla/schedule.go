package sla

import "time"

// Schedule runs a function on an EventBridge schedule.
type Schedule struct {
	Function   string
	Every      time.Duration
	Expression string // the EventBridge schedule expression of Every
}

// Schedules lists the scheduled functions: the SLA sweeper every minute
// (functions/sla) and the Zalo token renewal every 15 minutes
// (functions/tokens, shared/tokens).
func Schedules() []Schedule {
	return []Schedule{
		{Function: "sla", Every: time.Minute, Expression: "rate(1 minute)"},
		{Function: "tokens", Every: 15 * time.Minute, Expression: "rate(15 minutes)"},
	}
}
