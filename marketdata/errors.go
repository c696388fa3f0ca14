package marketdata

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors. Every error returned by this package that falls into one of these classes
// wraps the matching sentinel, so callers can test it with errors.Is.
var (
	// ErrUnknownSymbol means the source has no data at all for the symbol.
	ErrUnknownSymbol = errors.New("unknown symbol")
	// ErrInvalidSymbol means the symbol contains characters other than letters, digits, '.',
	// '-', '^' and '='.
	ErrInvalidSymbol = errors.New("invalid symbol")
	// ErrNoData means the source has the symbol but returned no bars, or no bar lies on or
	// before a requested as-of date.
	ErrNoData = errors.New("no data")
	// ErrInvalidData means a bar or a file failed validation.
	ErrInvalidData = errors.New("invalid data")
	// ErrAfterLastBar means an as-of date lies after the last bar of a series.
	ErrAfterLastBar = errors.New("as-of date is after the last bar")
	// ErrInsufficientHistory means a view has fewer bars than a caller requested.
	ErrInsufficientHistory = errors.New("insufficient history")
)

// DataError is a validation failure at one line (CSV) or one bar (API response). It wraps
// ErrInvalidData.
type DataError struct {
	File  string // file name or source description, e.g. "AAPL.csv"
	Line  int    // 1-based line number, 0 when the source has no lines
	Field string // column name, empty when the problem concerns the whole row
	Value string // offending value as read
	Msg   string // what is wrong, e.g. "is not positive"
}

// Error formats the failure as `FILE line N: field "F": "V" MSG`.
func (e *DataError) Error() string {
	where := e.File
	if e.Line > 0 {
		where = fmt.Sprintf("%s line %d", e.File, e.Line)
	}
	if e.Field == "" {
		return fmt.Sprintf("%s: %s", where, e.Msg)
	}
	return fmt.Sprintf("%s: field %q: %q %s", where, e.Field, e.Value, e.Msg)
}

// Unwrap returns ErrInvalidData.
func (e *DataError) Unwrap() error { return ErrInvalidData }

// AfterLastBarError reports an as-of date after the last bar of a series. It wraps
// ErrAfterLastBar.
type AfterLastBarError struct {
	Symbol  string
	AsOf    time.Time // requested as-of date
	LastBar time.Time // date of the series' last bar
}

// Error formats the failure as "as-of D is after the last bar (LAST) of SYMBOL".
func (e *AfterLastBarError) Error() string {
	return fmt.Sprintf("as-of %s is after the last bar (%s) of %s; choose an as-of date on or before %s or update the data",
		FormatDate(e.AsOf), FormatDate(e.LastBar), e.Symbol, FormatDate(e.LastBar))
}

// Unwrap returns ErrAfterLastBar.
func (e *AfterLastBarError) Unwrap() error { return ErrAfterLastBar }
