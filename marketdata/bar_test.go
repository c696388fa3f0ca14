package marketdata

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSeriesAdjusted(t *testing.T) {
	s := &Series{Symbol: "X", Bars: []Bar{
		{Date: day(2024, 1, 2), Open: 100, High: 110, Low: 90, Close: 105, AdjClose: 52.5, Volume: 7},
		{Date: day(2024, 1, 3), Open: 10, High: 12, Low: 9, Close: 11, AdjClose: 0, Volume: 8},
	}}
	adj := s.Adjusted()

	want := []Bar{
		{Date: day(2024, 1, 2), Open: 50, High: 55, Low: 45, Close: 52.5, AdjClose: 52.5, Volume: 7},
		{Date: day(2024, 1, 3), Open: 10, High: 12, Low: 9, Close: 11, AdjClose: 0, Volume: 8},
	}
	assert.Equal(t, "X", adj.Symbol)
	assert.Equal(t, want, adj.Bars)
	assert.Equal(t, 100.0, s.Bars[0].Open, "the original is unchanged")
}

func TestValidateBars(t *testing.T) {
	good := Bar{Date: day(2024, 1, 2), Open: 10, High: 11, Low: 9, Close: 10.5, Volume: 1}
	next := good
	next.Date = day(2024, 1, 3)
	with := func(edit func(b *Bar)) []Bar {
		b := good
		edit(&b)
		return []Bar{b}
	}
	tests := []struct {
		name    string
		bars    []Bar
		wantMsg string // "" when valid
	}{
		{"valid", []Bar{good, next}, ""},
		{"empty", nil, ""},
		{"tolerance", with(func(b *Bar) { b.Close = 11 * (1 + 5e-7) }), ""},
		{"not-midnight", with(func(b *Bar) { b.Date = b.Date.Add(time.Hour) }), "is not UTC midnight"},
		{"not-utc", with(func(b *Bar) { b.Date = time.Date(2024, 1, 2, 0, 0, 0, 0, time.FixedZone("X", 0)) }), "is not UTC midnight"},
		{"nan-close", with(func(b *Bar) { b.Close = math.NaN() }), `field "close": "NaN" is not a positive finite number`},
		{"inf-high", with(func(b *Bar) { b.High = math.Inf(1) }), `field "high": "+Inf" is not a positive finite number`},
		{"negative-adj", with(func(b *Bar) { b.AdjClose = -1 }), `field "adj_close": "-1"`},
		{"negative-volume", with(func(b *Bar) { b.Volume = -1 }), `field "volume": "-1" is not a non-negative finite number`},
		{"close-above-high", with(func(b *Bar) { b.Close = 12 }), `field "close": "12" is above high 11 (bar 0, 2024-01-02)`},
		{"duplicate", []Bar{good, good}, `field "date": "2024-01-02" is not after the previous date 2024-01-02 (bar 1)`},
		{"descending", []Bar{next, good}, "is not after the previous date 2024-01-03"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateBars("X", tt.bars)
			if tt.wantMsg == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidData)
			assert.Contains(t, err.Error(), tt.wantMsg)
		})
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{"2024-03-01", day(2024, 3, 1), false},
		{"1999-12-31", day(1999, 12, 31), false},
		{"2024-02-30", time.Time{}, true},
		{"2024-3-1", time.Time{}, true},
		{"03/01/2024", time.Time{}, true},
		{"2024-03-01T00:00:00Z", time.Time{}, true},
		{"", time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDate(tt.in)
			if tt.wantErr {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "expected YYYY-MM-DD")
				assert.Contains(t, err.Error(), tt.in)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.in, FormatDate(got))
		})
	}
}

func TestValidateSymbol(t *testing.T) {
	tests := []struct {
		symbol string
		valid  bool
	}{
		{"AAPL", true}, {"BRK-B", true}, {"^GSPC", true}, {"EURUSD=X", true}, {"BTC-USD", true},
		{"7203.T", true}, {"spy", true},
		{"", false}, {"..", false}, {".env", false}, {"A/B", false}, {`A\B`, false}, {"A B", false},
		{"AAPL\x00", false}, {"ÄPFEL", false}, {"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456", false},
	}
	for _, tt := range tests {
		t.Run(tt.symbol, func(t *testing.T) {
			err := ValidateSymbol(tt.symbol)
			if tt.valid {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, ErrInvalidSymbol)
			}
		})
	}
}
