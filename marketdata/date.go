package marketdata

import (
	"fmt"
	"time"
)

// DateLayout is the layout of dates in files, flags and messages (YYYY-MM-DD).
const DateLayout = "2006-01-02"

// ParseDate parses a YYYY-MM-DD date and returns UTC midnight of that date.
func ParseDate(s string) (time.Time, error) {
	d, err := time.Parse(DateLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("invalid date %q, expected YYYY-MM-DD: %w", s, err)
	}
	return d, nil
}

// FormatDate formats the calendar date of t as YYYY-MM-DD.
func FormatDate(t time.Time) string { return t.Format(DateLayout) }

// DateOf returns UTC midnight of t's calendar date in t's own location.
func DateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// isMidnightUTC reports whether t is UTC midnight, the form of every Bar.Date.
func isMidnightUTC(t time.Time) bool {
	return t.Location() == time.UTC && t.Equal(DateOf(t))
}
