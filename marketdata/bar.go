package marketdata

import (
	"fmt"
	"math"
	"time"
)

// Bar is one trading day of one symbol. Prices are in the quote currency. Volume is in shares
// (or units of the asset) and may be 0.
type Bar struct {
	Date     time.Time // UTC midnight of the exchange-local trading date
	Open     float64
	High     float64
	Low      float64
	Close    float64
	AdjClose float64 // split- and dividend-adjusted close, 0 when the source has none
	Volume   float64
}

// Series is one symbol's bars with strictly increasing dates. Sources return validated series,
// see Validate.
type Series struct {
	Symbol string
	Bars   []Bar
}

// priceTolerance is the relative slack allowed when checking low <= open, close <= high, so
// that float32 noise in source data does not fail validation.
const priceTolerance = 1e-6

// Validate checks every bar (see ValidateBars) and returns the first failure.
func (s *Series) Validate() error {
	return ValidateBars(s.Symbol, s.Bars)
}

// ValidateBars checks that dates are UTC midnights of the years 0000 to 9999 in strictly
// increasing order, that prices are finite and positive, that low <= open, close <= high
// within a relative tolerance of 1e-6, that AdjClose is 0 or finite and positive, and that
// Volume is finite and non-negative. name identifies the bars in the returned *DataError.
func ValidateBars(name string, bars []Bar) error {
	for i, b := range bars {
		if err := validateBar(b); err != nil {
			return &DataError{File: name, Field: err.field, Value: err.value,
				Msg: fmt.Sprintf("%s (bar %d, %s)", err.msg, i, FormatDate(b.Date))}
		}
		if i > 0 && !b.Date.After(bars[i-1].Date) {
			return &DataError{File: name, Field: "date", Value: FormatDate(b.Date),
				Msg: fmt.Sprintf("is not after the previous date %s (bar %d)", FormatDate(bars[i-1].Date), i)}
		}
	}
	return nil
}

// barProblem is a validation failure of a single bar before it is placed in a file or series.
type barProblem struct {
	field, value, msg string
}

// validateBar returns the first problem of b, or nil.
func validateBar(b Bar) *barProblem {
	if !isMidnightUTC(b.Date) {
		return &barProblem{"date", b.Date.String(), "is not UTC midnight"}
	}
	if y := b.Date.Year(); y < 0 || y > 9999 {
		return &barProblem{"date", b.Date.String(), "is outside the years 0000 to 9999"}
	}
	prices := []struct {
		name string
		v    float64
	}{{"open", b.Open}, {"high", b.High}, {"low", b.Low}, {"close", b.Close}}
	for _, p := range prices {
		if !(p.v > 0) || math.IsInf(p.v, 0) {
			return &barProblem{p.name, formatFloat(p.v), "is not a positive finite number"}
		}
	}
	if b.AdjClose != 0 && (!(b.AdjClose > 0) || math.IsInf(b.AdjClose, 0)) {
		return &barProblem{"adj_close", formatFloat(b.AdjClose), "is not a positive finite number"}
	}
	if !(b.Volume >= 0) || math.IsInf(b.Volume, 0) {
		return &barProblem{"volume", formatFloat(b.Volume), "is not a non-negative finite number"}
	}
	return checkRange(b)
}

// checkRange checks low <= open, close <= high with relative tolerance priceTolerance.
func checkRange(b Bar) *barProblem {
	lo := b.Low * (1 - priceTolerance)
	hi := b.High * (1 + priceTolerance)
	switch {
	case b.Low > hi:
		return &barProblem{"low", formatFloat(b.Low), fmt.Sprintf("is above high %s", formatFloat(b.High))}
	case b.Open < lo:
		return &barProblem{"open", formatFloat(b.Open), fmt.Sprintf("is below low %s", formatFloat(b.Low))}
	case b.Open > hi:
		return &barProblem{"open", formatFloat(b.Open), fmt.Sprintf("is above high %s", formatFloat(b.High))}
	case b.Close < lo:
		return &barProblem{"close", formatFloat(b.Close), fmt.Sprintf("is below low %s", formatFloat(b.Low))}
	case b.Close > hi:
		return &barProblem{"close", formatFloat(b.Close), fmt.Sprintf("is above high %s", formatFloat(b.High))}
	}
	return nil
}

// Adjusted returns a copy whose Open, High, Low and Close are multiplied by AdjClose/Close on
// every bar with AdjClose > 0, so that returns across splits and dividends are continuous.
// AdjClose and Volume are kept. Bars without AdjClose are copied unchanged.
//
// NOTE: a series that mixes bars with and without AdjClose comes out on two price bases.
// Sources in this package return AdjClose on all bars or on none.
func (s *Series) Adjusted() *Series {
	out := &Series{Symbol: s.Symbol, Bars: make([]Bar, len(s.Bars))}
	for i, b := range s.Bars {
		if b.AdjClose > 0 && b.Close > 0 {
			f := b.AdjClose / b.Close
			b.Open *= f
			b.High *= f
			b.Low *= f
			b.Close *= f
		}
		out.Bars[i] = b
	}
	return out
}

// Len returns the number of bars.
func (s *Series) Len() int { return len(s.Bars) }
