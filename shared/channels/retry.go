package channels

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Policy bounds the retries of one send.
type Policy struct {
	Attempts  int           // tries in all, the first included
	BaseDelay time.Duration // the wait before the first retry; doubles each time
	MaxDelay  time.Duration // cap on the computed backoff
	// MaxRetryAfter caps a provider's Retry-After. A longer wait is not spent
	// inside a Lambda invocation: the attempts end with a temporary error and
	// the caller retries later (SQS redelivery).
	MaxRetryAfter time.Duration
	// Sleep waits d or until ctx ends; nil means a real timer. Tests record
	// the waits instead of spending them.
	Sleep func(ctx context.Context, d time.Duration) error
}

// DefaultPolicy tries four times over about two seconds of backoff, and
// honours a Retry-After of up to 20 seconds.
var DefaultPolicy = Policy{Attempts: 4, BaseDelay: 250 * time.Millisecond, MaxDelay: 4 * time.Second, MaxRetryAfter: 20 * time.Second}

// Do calls try until it succeeds, fails permanently, runs out of attempts or
// the context deadline leaves no room for the next wait. try reports failures
// as *Error (Temporary and RetryAfter steer the loop); any other error counts
// as temporary. It returns the number of attempts made and the last error,
// an *Error with Attempts set.
func (p Policy) Do(ctx context.Context, try func(ctx context.Context) error) (int, error) {
	if p.Attempts < 1 {
		p.Attempts = 1
	}
	for attempt := 1; ; attempt++ {
		err := try(ctx)
		if err == nil {
			return attempt, nil
		}
		var e *Error
		if !errors.As(err, &e) {
			e = &Error{Temporary: true, Err: err}
		}
		e.Attempts = attempt
		if !e.Temporary || attempt >= p.Attempts || ctx.Err() != nil {
			return attempt, e
		}
		wait := p.backoff(attempt)
		if e.RetryAfter > 0 {
			if e.RetryAfter > p.MaxRetryAfter {
				return attempt, e
			}
			wait = e.RetryAfter
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= wait {
			return attempt, e
		}
		if err := p.sleep(ctx, wait); err != nil {
			return attempt, e
		}
	}
}

// backoff doubles from BaseDelay, capped, with jitter over the upper half so
// that many Lambdas failing together do not retry in step.
func (p Policy) backoff(attempt int) time.Duration {
	d := p.BaseDelay << (attempt - 1)
	if d <= 0 || (p.MaxDelay > 0 && d > p.MaxDelay) {
		d = p.MaxDelay
	}
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half)
}

func (p Policy) sleep(ctx context.Context, d time.Duration) error {
	if p.Sleep != nil {
		return p.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// RetryAfter reads a Retry-After header, in seconds or as an HTTP date.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
