package sla

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
	// Lambda's provided.al2023 runtime has no zoneinfo; embed it so
	// time.LoadLocation("Asia/Ho_Chi_Minh") works everywhere.
	_ "time/tzdata"
)

// DefaultTimeZone is the calendar's zone when none is set.
const DefaultTimeZone = "Asia/Ho_Chi_Minh"

var defaultLocation = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation(DefaultTimeZone)
	if err != nil {
		panic("sla: embedded tzdata lacks " + DefaultTimeZone + ": " + err.Error())
	}
	return loc
})

// Span is an opening interval within a day, as offsets from local midnight.
// End may be 24h (open until midnight).
type Span struct {
	Start, End time.Duration
}

// Date is a civil date in the calendar's zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate reads "YYYY-MM-DD".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// DateOf is the civil date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Calendar holds business hours. A nil *Calendar is open around the clock.
type Calendar struct {
	// Location of the hours and holidays; nil means Asia/Ho_Chi_Minh.
	Location *time.Location
	// Weekly opening spans per weekday, in order; a missing day is closed.
	Weekly map[time.Weekday][]Span
	// Holidays are closed all day.
	Holidays []Date
}

func (c *Calendar) loc() *time.Location {
	if c.Location == nil {
		return defaultLocation()
	}
	return c.Location
}

// alwaysOpen: nil, or no opening hours at all. A calendar with no hours is
// read as 24x7 rather than "never due", so a bad calendar cannot hide a breach.
func (c *Calendar) alwaysOpen() bool {
	if c == nil {
		return true
	}
	for _, spans := range c.Weekly {
		if len(spans) > 0 {
			return false
		}
	}
	return true
}

func (c *Calendar) isHoliday(y int, m time.Month, d int) bool {
	for _, h := range c.Holidays {
		if h.Year == y && h.Month == m && h.Day == d {
			return true
		}
	}
	return false
}

// maxSearchDays bounds the walk through closed days (years of holidays would
// be a configuration error, not a reason to loop).
const maxSearchDays = 2 * 366

// openSpans calls f with the opening intervals of day (midnight in the
// calendar's zone), in order, until f returns false.
func (c *Calendar) openSpans(day time.Time, f func(from, to time.Time) bool) {
	y, m, d := day.Date()
	if c.isHoliday(y, m, d) {
		return
	}
	loc := c.loc()
	for _, s := range c.Weekly[day.Weekday()] {
		// time.Date normalizes minutes past 24:00 into the next day and
		// handles daylight-saving zones by wall clock.
		from := time.Date(y, m, d, 0, int(s.Start/time.Minute), int(s.Start%time.Minute/time.Second), 0, loc)
		to := time.Date(y, m, d, 0, int(s.End/time.Minute), int(s.End%time.Minute/time.Second), 0, loc)
		if !f(from, to) {
			return
		}
	}
}

func midnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// Add returns the instant when d of business time has passed since start:
// the due time of a target of d. Time outside business hours does not
// count; a duration that ends exactly at closing is due at closing.
func (c *Calendar) Add(start time.Time, d time.Duration) time.Time {
	if c.alwaysOpen() || d <= 0 {
		return start.Add(max(d, 0))
	}
	t := start.In(c.loc())
	remaining := d
	var due time.Time
	day := midnight(t)
	for i := 0; i < maxSearchDays && due.IsZero(); i++ {
		c.openSpans(day, func(from, to time.Time) bool {
			if !t.Before(to) {
				return true
			}
			s := t
			if s.Before(from) {
				s = from
			}
			avail := to.Sub(s)
			if remaining <= avail {
				due = s.Add(remaining)
				return false
			}
			remaining -= avail
			return true
		})
		y, m, dd := day.Date()
		day = time.Date(y, m, dd+1, 0, 0, 0, 0, day.Location())
	}
	if due.IsZero() {
		return day // no opening in two years: the search limit
	}
	return due.In(start.Location())
}

// Open says whether t falls within business hours (a nil calendar, or one
// without hours, is always open). A span running past midnight is read
// from the day it starts on.
func (c *Calendar) Open(t time.Time) bool {
	if c.alwaysOpen() {
		return true
	}
	t = t.In(c.loc())
	open := false
	today := midnight(t)
	y, m, d := today.Date()
	for _, day := range []time.Time{time.Date(y, m, d-1, 0, 0, 0, 0, today.Location()), today} {
		c.openSpans(day, func(from, to time.Time) bool {
			open = open || (!t.Before(from) && t.Before(to))
			return !open
		})
	}
	return open
}

// Between returns the business time from a to b (zero if b is not after a).
func (c *Calendar) Between(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	if c.alwaysOpen() {
		return b.Sub(a)
	}
	a, b = a.In(c.loc()), b.In(c.loc())
	var total time.Duration
	for day := midnight(a); day.Before(b); {
		c.openSpans(day, func(from, to time.Time) bool {
			from, to = later(from, a), earlier(to, b)
			if to.After(from) {
				total += to.Sub(from)
			}
			return true
		})
		y, m, d := day.Date()
		day = time.Date(y, m, d+1, 0, 0, 0, 0, day.Location())
	}
	return total
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Validate checks spans are within the day, ordered and disjoint.
func (c *Calendar) Validate() error {
	if c == nil {
		return nil
	}
	for wd, spans := range c.Weekly {
		for i, s := range spans {
			field := fmt.Sprintf("calendar.weekly.%s[%d]", strings.ToLower(wd.String()), i)
			if s.Start < 0 || s.End > 24*time.Hour || s.Start >= s.End {
				return fmt.Errorf("sla config: %s: need 00:00 <= start < end <= 24:00, got %s-%s", field, clock(s.Start), clock(s.End))
			}
			if i > 0 && s.Start < spans[i-1].End {
				return fmt.Errorf("sla config: %s: overlaps or precedes the span before it", field)
			}
		}
	}
	for i, h := range c.Holidays {
		if DateOf(time.Date(h.Year, h.Month, h.Day, 0, 0, 0, 0, time.UTC)) != h {
			return fmt.Errorf("sla config: calendar.holidays[%d]: %s is not a date", i, h)
		}
	}
	return nil
}

func clock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

func parseClock(s string) (time.Duration, error) {
	var h, m int
	if n, err := fmt.Sscanf(s, "%d:%d", &h, &m); err != nil || n != 2 || len(s) != 5 || h < 0 || m < 0 || m > 59 || h > 24 || h == 24 && m != 0 {
		return 0, fmt.Errorf("time of day %q: want HH:MM between 00:00 and 24:00", s)
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

// calendarJSON is the configuration shape:
//
//	{"timeZone": "Asia/Ho_Chi_Minh",
//	 "weekly": {"monday": [{"start": "08:00", "end": "12:00"}, {"start": "13:00", "end": "17:30"}], ...},
//	 "holidays": ["2027-01-01", "2027-02-05..2027-02-09"]}
type calendarJSON struct {
	TimeZone string                `json:"timeZone,omitempty"`
	Weekly   map[string][]spanJSON `json:"weekly"`
	Holidays []string              `json:"holidays,omitempty"`
}

type spanJSON struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

var weekdays = map[string]time.Weekday{
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
}

// MarshalJSON writes the configuration shape ParseCalendar reads.
func (c Calendar) MarshalJSON() ([]byte, error) {
	w := calendarJSON{Weekly: map[string][]spanJSON{}}
	if c.Location != nil {
		w.TimeZone = c.Location.String()
	}
	for wd, spans := range c.Weekly {
		for _, s := range spans {
			w.Weekly[strings.ToLower(wd.String())] = append(w.Weekly[strings.ToLower(wd.String())], spanJSON{clock(s.Start), clock(s.End)})
		}
	}
	for _, h := range c.Holidays {
		w.Holidays = append(w.Holidays, h.String())
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads the configuration shape; holidays may be single dates
// or inclusive ranges "YYYY-MM-DD..YYYY-MM-DD" (Tết spans several days).
func (c *Calendar) UnmarshalJSON(b []byte) error {
	var w calendarJSON
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return fmt.Errorf("sla config: calendar: %w", err)
	}
	out := Calendar{Weekly: map[time.Weekday][]Span{}}
	if w.TimeZone != "" {
		loc, err := time.LoadLocation(w.TimeZone)
		if err != nil {
			return fmt.Errorf("sla config: calendar.timeZone: %v", err)
		}
		out.Location = loc
	}
	for name, spans := range w.Weekly {
		wd, ok := weekdays[strings.ToLower(name)]
		if !ok {
			return fmt.Errorf("sla config: calendar.weekly.%s: not a weekday", name)
		}
		for i, s := range spans {
			from, err := parseClock(s.Start)
			if err == nil {
				var to time.Duration
				to, err = parseClock(s.End)
				out.Weekly[wd] = append(out.Weekly[wd], Span{from, to})
			}
			if err != nil {
				return fmt.Errorf("sla config: calendar.weekly.%s[%d]: %v", name, i, err)
			}
		}
		slices.SortFunc(out.Weekly[wd], func(a, b Span) int { return int(a.Start - b.Start) })
	}
	for i, h := range w.Holidays {
		first, last, isRange := strings.Cut(h, "..")
		from, err := ParseDate(strings.TrimSpace(first))
		to := from
		if err == nil && isRange {
			to, err = ParseDate(strings.TrimSpace(last))
		}
		if err != nil {
			return fmt.Errorf("sla config: calendar.holidays[%d]: %v", i, err)
		}
		start := time.Date(from.Year, from.Month, from.Day, 0, 0, 0, 0, time.UTC)
		end := time.Date(to.Year, to.Month, to.Day, 0, 0, 0, 0, time.UTC)
		if end.Before(start) || end.Sub(start) > 31*24*time.Hour {
			return fmt.Errorf("sla config: calendar.holidays[%d]: %q is not a range of at most 31 days", i, h)
		}
		for d := start; !d.After(end); d = d.AddDate(0, 0, 1) {
			out.Holidays = append(out.Holidays, DateOf(d))
		}
	}
	if out.alwaysOpen() {
		return fmt.Errorf("sla config: calendar.weekly: no opening hours; omit the calendar for 24x7")
	}
	if err := out.Validate(); err != nil {
		return err
	}
	*c = out
	return nil
}

// ParseCalendar reads and validates a calendar from JSON.
func ParseCalendar(r io.Reader) (*Calendar, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("sla config: calendar: %w", err)
	}
	var c Calendar
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, err
	}
	return &c, nil
}
