package marketdata

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// weekSeries has bars on Mon 2024-03-04, Tue 03-05, Wed 03-06 (skipped Thu) and Fri 03-08.
func weekSeries() *Series {
	s := &Series{Symbol: "TEST"}
	for _, d := range []int{4, 5, 6, 8} {
		c := float64(d)
		s.Bars = append(s.Bars, Bar{Date: day(2024, 3, d), Open: c, High: c + 1, Low: c - 1, Close: c, Volume: 100})
	}
	return s
}

func TestSeriesAsOf(t *testing.T) {
	tests := []struct {
		name     string
		asOf     time.Time
		wantLen  int
		wantDate time.Time
	}{
		{"first-bar", day(2024, 3, 4), 1, day(2024, 3, 4)},
		{"trading-day", day(2024, 3, 5), 2, day(2024, 3, 5)},
		{"holiday", day(2024, 3, 7), 3, day(2024, 3, 6)},
		{"last-bar", day(2024, 3, 8), 4, day(2024, 3, 8)},
		{"time-of-day-ignored", time.Date(2024, 3, 5, 23, 59, 0, 0, time.UTC), 2, day(2024, 3, 5)},
		{"local-date-counts", time.Date(2024, 3, 5, 22, 0, 0, 0, time.FixedZone("EST", -5*3600)), 2, day(2024, 3, 5)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := weekSeries().AsOf(tt.asOf)
			require.NoError(t, err)
			assert.Equal(t, "TEST", v.Symbol())
			assert.Equal(t, tt.wantLen, v.Len())
			assert.Equal(t, tt.wantDate, v.Date())
			assert.Equal(t, tt.wantDate, v.Last().Date)
			for i := range v.Len() {
				assert.False(t, v.Bar(i).Date.After(tt.asOf), "bar %d is after the as-of date", i)
			}
		})
	}
}

func TestSeriesAsOfAfterLastBar(t *testing.T) {
	_, err := weekSeries().AsOf(day(2024, 3, 9))
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrAfterLastBar)
	assert.Contains(t, err.Error(), "as-of 2024-03-09 is after the last bar (2024-03-08) of TEST")
	var ae *AfterLastBarError
	require.True(t, errors.As(err, &ae))
	assert.Equal(t, &AfterLastBarError{Symbol: "TEST", AsOf: day(2024, 3, 9), LastBar: day(2024, 3, 8)}, ae)
}

func TestSeriesAsOfNoData(t *testing.T) {
	_, err := weekSeries().AsOf(day(2024, 3, 3))
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrNoData)
	assert.Contains(t, err.Error(), "no bar of TEST on or before 2024-03-03, the first bar is 2024-03-04")

	_, err = (&Series{Symbol: "EMPTY"}).AsOf(day(2024, 3, 3))
	assert.ErrorIs(t, err, ErrNoData)
	assert.Contains(t, err.Error(), "EMPTY")
}

func TestViewCannotReachLaterBars(t *testing.T) {
	s := weekSeries()
	v, err := s.AsOf(day(2024, 3, 5))
	require.NoError(t, err)

	bars := v.Bars()
	require.Len(t, bars, 2)
	assert.Equal(t, 2, cap(bars), "the copy has no room that could alias later bars")
	bars[0].Close = -1
	assert.Equal(t, 4.0, v.Bar(0).Close, "Bars returns a copy")

	assert.Equal(t, 2, cap(v.bars), "the view's slice is capped at its length")
	assert.Panics(t, func() { v.Bar(2) })
	assert.Panics(t, func() { v.Bar(-1) })
}

func TestViewTail(t *testing.T) {
	v, err := weekSeries().AsOf(day(2024, 3, 7))
	require.NoError(t, err)

	tail, err := v.Tail(2)
	require.NoError(t, err)
	assert.Equal(t, []time.Time{day(2024, 3, 5), day(2024, 3, 6)}, []time.Time{tail[0].Date, tail[1].Date})

	all, err := v.Tail(3)
	require.NoError(t, err)
	assert.Equal(t, v.Bars(), all)

	_, err = v.Tail(4)
	assert.ErrorIs(t, err, ErrInsufficientHistory)
	assert.Contains(t, err.Error(), "TEST has 3 bars up to its as-of date, 4 requested")
}

func TestViewZero(t *testing.T) {
	var v View
	assert.Equal(t, 0, v.Len())
	assert.Empty(t, v.Bars())
	assert.Panics(t, func() { v.Last() })
}
