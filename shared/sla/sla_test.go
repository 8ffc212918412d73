package sla

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/concierge-cx/concierge/shared/domain"
)

var hcm = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		panic(err)
	}
	return loc
}()

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, hcm)
	if err != nil {
		panic(err)
	}
	return t
}

// officeCalendar: Mon-Fri 08:00-12:00 and 13:00-17:30 (lunch closed),
// weekends closed, Tết 2027 (Lunar New Year is Saturday 2027-02-06) closed
// from Friday 02-05 to Tuesday 02-09.
func officeCalendar(t testing.TB) *Calendar {
	t.Helper()
	c, err := ParseCalendar(strings.NewReader(`{
		"timeZone": "Asia/Ho_Chi_Minh",
		"weekly": {
			"monday":    [{"start": "08:00", "end": "12:00"}, {"start": "13:00", "end": "17:30"}],
			"tuesday":   [{"start": "08:00", "end": "12:00"}, {"start": "13:00", "end": "17:30"}],
			"wednesday": [{"start": "08:00", "end": "12:00"}, {"start": "13:00", "end": "17:30"}],
			"thursday":  [{"start": "08:00", "end": "12:00"}, {"start": "13:00", "end": "17:30"}],
			"friday":    [{"start": "13:00", "end": "17:30"}, {"start": "08:00", "end": "12:00"}]
		},
		"holidays": ["2027-01-01", "2027-02-05..2027-02-09"]
	}`))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCalendarAdd(t *testing.T) {
	office := officeCalendar(t)
	saturdays := officeCalendar(t)
	saturdays.Weekly[time.Saturday] = []Span{{8 * time.Hour, 12 * time.Hour}}
	tests := []struct {
		name  string
		cal   *Calendar
		start string
		d     time.Duration
		want  string
	}{
		{"within the morning", office, "2026-03-04 09:00", time.Hour, "2026-03-04 10:00"},
		{"Friday 17:20 + 1h is Monday 08:50", office, "2026-03-06 17:20", time.Hour, "2026-03-09 08:50"},
		{"with Saturday mornings it is Saturday 08:50", saturdays, "2026-03-06 17:20", time.Hour, "2026-03-07 08:50"},
		{"lunch does not count", office, "2026-03-04 11:30", time.Hour, "2026-03-04 13:30"},
		{"a message at night starts at opening", office, "2026-03-03 22:00", 15 * time.Minute, "2026-03-04 08:15"},
		{"on Sunday starts Monday", office, "2026-03-08 10:00", 5 * time.Hour, "2026-03-09 14:00"},
		{"a morning's worth ends at noon, not after lunch", office, "2026-03-08 10:00", 4 * time.Hour, "2026-03-09 12:00"},
		{"ending exactly at closing is due at closing", office, "2026-03-04 17:00", 30 * time.Minute, "2026-03-04 17:30"},
		{"a full business day", office, "2026-03-04 08:00", 8*time.Hour + 30*time.Minute, "2026-03-04 17:30"},
		{"Tết is skipped", office, "2027-02-04 17:00", time.Hour, "2027-02-10 08:30"},
		{"New Year's Day is skipped", office, "2026-12-31 17:00", time.Hour, "2027-01-04 08:30"},
		{"24x7 (nil calendar)", nil, "2026-03-06 17:20", time.Hour, "2026-03-06 18:20"},
		{"zero duration", office, "2026-03-08 10:00", 0, "2026-03-08 10:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cal.Add(at(tt.start), tt.d)
			if !got.Equal(at(tt.want)) {
				t.Fatalf("Add(%s, %s) = %s, want %s", tt.start, tt.d, got.In(hcm).Format("Mon 2006-01-02 15:04"), tt.want)
			}
		})
	}
}

func TestCalendarAddKeepsCallersZone(t *testing.T) {
	start := at("2026-03-06 17:20").UTC() // 10:20 UTC
	got := officeCalendar(t).Add(start, time.Hour)
	if got.Location() != time.UTC || got.Hour() != 1 || got.Minute() != 50 {
		t.Fatalf("got %s, want Monday 01:50 UTC (08:50 in Hanoi)", got)
	}
}

func TestCalendarBetween(t *testing.T) {
	office := officeCalendar(t)
	tests := []struct {
		name string
		a, b string
		want time.Duration
	}{
		{"same morning", "2026-03-04 09:00", "2026-03-04 10:15", 75 * time.Minute},
		{"over lunch", "2026-03-04 11:00", "2026-03-04 14:00", 2 * time.Hour},
		{"over a weekend", "2026-03-06 17:00", "2026-03-09 08:30", time.Hour},
		{"over Tết", "2027-02-04 17:00", "2027-02-10 08:30", time.Hour},
		{"a whole week", "2026-03-09 00:00", "2026-03-16 00:00", 5 * (8*time.Hour + 30*time.Minute)},
		{"reversed is zero", "2026-03-04 10:00", "2026-03-04 09:00", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := office.Between(at(tt.a), at(tt.b)); got != tt.want {
				t.Fatalf("Between = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestAddAndBetweenAgree(t *testing.T) {
	office := officeCalendar(t)
	start := at("2026-03-04 16:47")
	for _, d := range []time.Duration{time.Minute, 43 * time.Minute, 5 * time.Hour, 26 * time.Hour, 100 * time.Hour} {
		due := office.Add(start, d)
		if got := office.Between(start, due); got != d {
			t.Errorf("Between(start, Add(start, %s)) = %s", d, got)
		}
		// Adding in two steps lands on the same instant (Resume relies on it).
		if two := office.Add(office.Add(start, d/3), d-d/3); !two.Equal(due) {
			t.Errorf("Add in two steps of %s = %s, want %s", d, two, due)
		}
	}
}

func TestPolicyDueAt(t *testing.T) {
	p := DefaultPolicy()
	start := at("2026-03-06 17:20")
	tests := []struct {
		pr     domain.Priority
		m      Metric
		paused time.Duration
		want   string
	}{
		{domain.PriorityUrgent, FirstResponse, 0, "2026-03-06 17:35"},
		{domain.PriorityUrgent, NextResponse, 0, "2026-03-06 17:50"},
		{domain.PriorityHigh, FirstResponse, 10 * time.Minute, "2026-03-06 18:30"},
		{domain.PriorityNormal, Resolution, 0, "2026-03-07 17:20"},
		{domain.PriorityLow, FirstResponse, 0, "2026-03-07 17:20"},
	}
	for _, tt := range tests {
		got, err := p.DueAt(tt.pr, tt.m, start, tt.paused)
		if err != nil || !got.Equal(at(tt.want)) {
			t.Errorf("DueAt(%s, %s) = %s, %v; want %s", tt.pr, tt.m, got, err, tt.want)
		}
	}
	warn, _ := p.WarnAtTime(domain.PriorityUrgent, FirstResponse, start, 0)
	if !warn.Equal(at("2026-03-06 17:32")) {
		t.Errorf("urgent warning at %s, want 17:32 (80%% of 15m)", warn)
	}
	if _, err := p.DueAt("asap", FirstResponse, start, 0); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("unknown priority: err %v", err)
	}
}

// sweep runs the sweeper at each time and collects what it had to do.
func sweep(c *Clock, times ...time.Time) []Status {
	var out []Status
	for _, t := range times {
		out = append(out, c.Evaluate(t))
	}
	return out
}

func statuses(s []Status) string {
	var b []string
	for _, x := range s {
		b = append(b, string(x))
	}
	return strings.Join(b, ",")
}

func TestClockWarnsThenBreachesOnce(t *testing.T) {
	p := DefaultPolicy()
	start := at("2026-03-04 09:00")
	c, err := p.Start(domain.PriorityHigh, FirstResponse, start) // 1h, warn at 48m
	if err != nil {
		t.Fatal(err)
	}
	min := func(m int) time.Time { return start.Add(time.Duration(m) * time.Minute) }
	got := sweep(&c, min(10), min(47), min(48), min(50), min(59), min(60), min(61), min(120))
	if want := "none,none,warn,none,none,breach,none,none"; statuses(got) != want {
		t.Fatalf("sweeps: %s, want %s", statuses(got), want)
	}
	if !c.WarnedAt.Equal(min(48)) || !c.BreachedAt.Equal(min(60)) {
		t.Errorf("recorded warned %s breached %s", c.WarnedAt, c.BreachedAt)
	}
	if s := c.State(min(75)); !s.Breached || s.Remaining != -15*time.Minute || s.Elapsed != 75*time.Minute {
		t.Errorf("state after 75m: %+v", s)
	}
}

func TestClockSweeperLateGoesStraightToBreach(t *testing.T) {
	p := DefaultPolicy()
	start := at("2026-03-04 09:00")
	c, _ := p.Start(domain.PriorityUrgent, FirstResponse, start)
	if got := sweep(&c, start.Add(20*time.Minute), start.Add(21*time.Minute)); statuses(got) != "breach,none" {
		t.Fatalf("got %s: a missed warning must not follow the breach", statuses(got))
	}
}

func TestClockPendingPausesTheTarget(t *testing.T) {
	p := DefaultPolicy()
	p.Calendar = officeCalendar(t)
	start := at("2026-03-06 16:00") // Friday
	c, _ := p.Start(domain.PriorityHigh, NextResponse, start)
	if !c.DueAt.Equal(at("2026-03-09 08:30")) { // 1h30 Friday + 30m Monday
		t.Fatalf("due %s", c.DueAt)
	}
	// The agent asks a question at 16:30 and waits for the customer, who
	// answers Monday at 10:00: Friday 16:30-17:30 and Monday 08:00-10:00 are
	// 3h of business time that do not count.
	c.Pause(at("2026-03-06 16:30"))
	stored := c // what the conversation item keeps
	stored.Calendar = nil
	if st := sweep(&stored, at("2026-03-09 09:00"), at("2026-03-09 09:59")); statuses(st) != "none,none" {
		t.Fatalf("paused clock swept: %s", statuses(st))
	}
	if !stored.NextEventAt().IsZero() {
		t.Errorf("a paused clock has no next event")
	}
	c = p.Bind(stored)
	c.Resume(at("2026-03-09 10:00"))
	if c.PausedTotal != 3*time.Hour {
		t.Errorf("paused %s, want 3h", c.PausedTotal)
	}
	// 30m were used before the pause; 1h30 remain from Monday 10:00.
	if !c.DueAt.Equal(at("2026-03-09 11:30")) {
		t.Errorf("due after resume %s, want Monday 11:30", c.DueAt.In(hcm))
	}
	if s := c.State(at("2026-03-09 10:00")); s.Elapsed != 30*time.Minute || s.Remaining != 90*time.Minute {
		t.Errorf("state at resume: %+v", s)
	}
	// 80% of 2h is 1h36: 30m used, so Monday 11:06.
	got := sweep(&c, at("2026-03-09 11:05"), at("2026-03-09 11:06"), at("2026-03-09 11:30"), at("2026-03-09 14:00"))
	if statuses(got) != "none,warn,breach,none" {
		t.Errorf("after resume: %s", statuses(got))
	}
}

func TestClockMetStops(t *testing.T) {
	p := DefaultPolicy()
	start := at("2026-03-04 09:00")
	c, _ := p.Start(domain.PriorityUrgent, FirstResponse, start)
	c.Stop(start.Add(5 * time.Minute))
	if got := sweep(&c, start.Add(time.Hour)); statuses(got) != "none" {
		t.Fatalf("met clock swept: %s", statuses(got))
	}
	if s := c.State(start.Add(time.Hour)); !s.Met || s.Breached || s.Elapsed != 5*time.Minute {
		t.Errorf("state of a met clock: %+v", s)
	}
}

func TestClockRetargetOnEscalation(t *testing.T) {
	p := DefaultPolicy()
	start := at("2026-03-04 09:00")
	c, _ := p.Start(domain.PriorityNormal, FirstResponse, start) // 4h
	if err := p.Retarget(&c, domain.PriorityUrgent, FirstResponse); err != nil {
		t.Fatal(err)
	}
	if got := sweep(&c, start.Add(12*time.Minute), start.Add(15*time.Minute)); statuses(got) != "warn,breach" {
		t.Fatalf("escalated clock: %s", statuses(got))
	}
	if !c.NextEventAt().IsZero() {
		t.Errorf("breached clock has a next event %s", c.NextEventAt())
	}
}

func TestClockPersistsAsJSON(t *testing.T) {
	p := DefaultPolicy()
	c, _ := p.Start(domain.PriorityHigh, FirstResponse, at("2026-03-04 09:00"))
	c.Pause(at("2026-03-04 09:10"))
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var back Clock
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	back = p.Bind(back)
	back.Resume(at("2026-03-04 09:40"))
	if !back.DueAt.Equal(at("2026-03-04 10:30")) {
		t.Fatalf("due after a reload and resume %s (json %s)", back.DueAt, b)
	}
}

func TestParsePolicy(t *testing.T) {
	p, err := ParsePolicy(strings.NewReader(`{
		"targets": {
			"urgent": {"firstResponse": "10m", "nextResponse": "20m", "resolution": "2h"},
			"high":   {"firstResponse": "30m", "nextResponse": "1h", "resolution": "8h"},
			"normal": {"firstResponse": "2h", "nextResponse": "4h", "resolution": "24h"},
			"low":    {"firstResponse": "8h", "nextResponse": "8h", "resolution": "72h"}
		},
		"calendar": {"weekly": {"monday": [{"start": "08:00", "end": "17:30"}]}}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	if p.WarnAt != 0.8 || p.ByPriority[domain.PriorityUrgent].FirstResponse != 10*time.Minute || p.Calendar == nil {
		t.Fatalf("parsed %+v", p)
	}
	b, _ := json.Marshal(p)
	again, err := ParsePolicy(strings.NewReader(string(b)))
	if err != nil || again.ByPriority[domain.PriorityLow] != p.ByPriority[domain.PriorityLow] {
		t.Fatalf("round trip: %v", err)
	}
	def, _ := json.Marshal(DefaultPolicy())
	if _, err := ParsePolicy(strings.NewReader(string(def))); err != nil {
		t.Fatalf("default policy does not round-trip: %v", err)
	}
}

func TestConfigErrorsNameTheField(t *testing.T) {
	targets := `"targets": {"urgent": {"firstResponse": "15m", "nextResponse": "30m", "resolution": "4h"},
		"high": {"firstResponse": "1h", "nextResponse": "2h", "resolution": "8h"},
		"normal": {"firstResponse": "4h", "nextResponse": "8h", "resolution": "24h"},
		"low": {"firstResponse": "24h", "nextResponse": "48h", "resolution": "72h"}}`
	tests := []struct{ name, json, want string }{
		{"bad duration", strings.Replace(`{`+targets+`}`, `"15m"`, `"15 minutes"`, 1), "targets.urgent.firstResponse"},
		{"missing priority", `{"targets": {"urgent": {"firstResponse": "15m", "nextResponse": "30m", "resolution": "4h"}}}`, "targets.high: missing"},
		{"warn share", `{"warnAt": 1.5, ` + targets + `}`, "warnAt"},
		{"unknown field", `{"warnBefore": 0.5, ` + targets + `}`, "warnBefore"},
		{"bad weekday", `{` + targets + `, "calendar": {"weekly": {"funday": [{"start": "08:00", "end": "17:00"}]}}}`, "calendar.weekly.funday"},
		{"bad time", `{` + targets + `, "calendar": {"weekly": {"monday": [{"start": "8am", "end": "17:00"}]}}}`, "calendar.weekly.monday[0]"},
		{"reversed span", `{` + targets + `, "calendar": {"weekly": {"monday": [{"start": "17:00", "end": "08:00"}]}}}`, "calendar.weekly.monday[0]"},
		{"overlap", `{` + targets + `, "calendar": {"weekly": {"monday": [{"start": "08:00", "end": "12:00"}, {"start": "11:00", "end": "17:00"}]}}}`, "calendar.weekly.monday[1]"},
		{"bad holiday", `{` + targets + `, "calendar": {"weekly": {"monday": [{"start": "08:00", "end": "12:00"}]}, "holidays": ["2027-02-30"]}}`, "calendar.holidays[0]"},
		{"bad zone", `{` + targets + `, "calendar": {"timeZone": "Asia/Saigon_Nowhere", "weekly": {"monday": [{"start": "08:00", "end": "12:00"}]}}}`, "calendar.timeZone"},
		{"no hours", `{` + targets + `, "calendar": {"weekly": {}}}`, "no opening hours"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePolicy(strings.NewReader(tt.json))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one naming %s", err, tt.want)
			}
		})
	}
}

func TestDefaultZoneIsHanoi(t *testing.T) {
	c := &Calendar{Weekly: map[time.Weekday][]Span{time.Wednesday: {{8 * time.Hour, 17 * time.Hour}}}}
	// 00:30 UTC is 07:30 in Vietnam: 30 minutes before opening.
	got := c.Add(time.Date(2026, 3, 4, 0, 30, 0, 0, time.UTC), time.Hour)
	if want := time.Date(2026, 3, 4, 2, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("got %s, want %s", got, want)
	}
}
