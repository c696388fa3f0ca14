package marketdata

import (
	"fmt"
	"sort"
	"time"
)

// View is a read-only, point-in-time view of a Series: it contains the bars dated on or before
// its as-of date and no way to reach any later bar. Create one with Series.AsOf.
//
// A View shares storage with its Series, so the Series must not be modified while views of it
// are in use. The zero View has no bars.
type View struct {
	symbol string
	bars   []Bar // bars[:len:len] of the series, so append cannot expose later bars
}

// AsOf returns the view of s as of date d, the last bar of which is the last bar dated on or
// before d. Only the calendar date of d counts (taken in d's location). A d on a non-trading
// day therefore yields the last bar before d.
//
// AsOf returns an *AfterLastBarError (wrapping ErrAfterLastBar) when d is after the last bar,
// and an error wrapping ErrNoData when s is empty or no bar is dated on or before d.
func (s *Series) AsOf(d time.Time) (View, error) {
	day := DateOf(d)
	if len(s.Bars) == 0 {
		return View{}, fmt.Errorf("series %s has no bars: %w", s.Symbol, ErrNoData)
	}
	last := s.Bars[len(s.Bars)-1].Date
	if day.After(last) {
		return View{}, &AfterLastBarError{Symbol: s.Symbol, AsOf: day, LastBar: last}
	}
	n := sort.Search(len(s.Bars), func(i int) bool { return s.Bars[i].Date.After(day) })
	if n == 0 {
		return View{}, fmt.Errorf("no bar of %s on or before %s, the first bar is %s: %w",
			s.Symbol, FormatDate(day), FormatDate(s.Bars[0].Date), ErrNoData)
	}
	return View{symbol: s.Symbol, bars: s.Bars[:n:n]}, nil
}

// Symbol returns the symbol of the underlying series.
func (v View) Symbol() string { return v.symbol }

// Len returns the number of bars in the view.
func (v View) Len() int { return len(v.bars) }

// Bar returns bar i, 0 <= i < Len(), oldest first. It panics when i is out of range.
func (v View) Bar(i int) Bar {
	if i < 0 || i >= len(v.bars) {
		panic(fmt.Sprintf("marketdata: View.Bar index %d out of range [0, %d)", i, len(v.bars)))
	}
	return v.bars[i]
}

// Last returns the latest bar. It panics on an empty view.
func (v View) Last() Bar { return v.Bar(len(v.bars) - 1) }

// Date returns the date of the latest bar, the effective as-of date. It panics on an empty
// view.
func (v View) Date() time.Time { return v.Last().Date }

// Bars returns a copy of the bars, oldest first.
func (v View) Bars() []Bar {
	out := make([]Bar, len(v.bars))
	copy(out, v.bars)
	return out
}

// Tail returns a copy of the latest n bars, oldest first. It returns an error wrapping
// ErrInsufficientHistory when the view has fewer than n bars.
func (v View) Tail(n int) ([]Bar, error) {
	if n < 0 || n > len(v.bars) {
		return nil, fmt.Errorf("%s has %d bars up to its as-of date, %d requested: %w",
			v.symbol, len(v.bars), n, ErrInsufficientHistory)
	}
	out := make([]Bar, n)
	copy(out, v.bars[len(v.bars)-n:])
	return out, nil
}
