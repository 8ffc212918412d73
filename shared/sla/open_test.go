package sla

import (
	"testing"
	"time"
)

// Open is what call routing reads: ring agents in business hours only.
func TestCalendarOpen(t *testing.T) {
	c := officeCalendar(t)
	hcm, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, hcm) }
	for _, tt := range []struct {
		name string
		t    time.Time
		want bool
	}{
		{"Monday morning", at(2027, 1, 4, 9, 0), true},
		{"lunch", at(2027, 1, 4, 12, 30), false},
		{"closing time is closed", at(2027, 1, 4, 17, 30), false},
		{"Friday afternoon (spans listed out of order)", at(2027, 1, 8, 14, 0), true},
		{"Saturday", at(2027, 1, 9, 10, 0), false},
		{"holiday", at(2027, 1, 1, 10, 0), false},
		{"Tết", at(2027, 2, 8, 10, 0), false},
		{"in UTC, still 09:00 in Hà Nội", at(2027, 1, 4, 9, 0).UTC(), true},
	} {
		if got := c.Open(tt.t); got != tt.want {
			t.Errorf("%s: Open(%v) = %v", tt.name, tt.t, got)
		}
	}
	var always *Calendar
	if !always.Open(time.Now()) {
		t.Error("a nil calendar is closed")
	}
}
