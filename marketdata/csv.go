package marketdata

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// CSVHeader is the normalized header written by WriteCSV.
const CSVHeader = "date,open,high,low,close,adj_close,volume"

// nullValue is the marker that Yahoo's CSV download writes for a missing price.
const nullValue = "null"

// csvColumns contains the column indexes of one CSV file. An absent optional column is -1.
type csvColumns struct {
	date, open, high, low, close, adjClose, volume int
}

// ReadCSV reads daily bars from CSV and validates them. name (usually the file name) prefixes
// every error message.
//
// The header is either the normalized `date,open,high,low,close,adj_close,volume` or Yahoo's
// download header `Date,Open,High,Low,Close,Adj Close,Volume`. Columns are found by name
// (case-insensitive, "Adj Close" = "adj_close") in any order, other columns are ignored, and
// adj_close may be absent or empty (AdjClose 0). Dates are YYYY-MM-DD in strictly increasing
// order. CRLF line ends are accepted. A row whose open, high, low and close are all "null"
// (Yahoo's marker for a day without a trade) is skipped without error. A "null" anywhere else
// is an error.
//
// A bad row yields a *DataError (wrapping ErrInvalidData) naming the line, field and value. An
// empty input is ErrInvalidData, and a header without rows is ErrNoData.
func ReadCSV(r io.Reader, name string) ([]Bar, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true

	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &DataError{File: name, Msg: "empty file, expected the header " + CSVHeader}
	}
	if err != nil {
		return nil, csvReadError(name, err)
	}
	cols, err := findColumns(name, header)
	if err != nil {
		return nil, err
	}
	columns := len(header)

	var bars []Bar
	prevLine := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvRowError(name, err, columns)
		}
		line, _ := cr.FieldPos(0)
		b, skip, derr := parseRow(rec, cols)
		if derr != nil {
			derr.File, derr.Line = name, line
			return nil, derr
		}
		if skip {
			continue
		}
		if n := len(bars); n > 0 && !b.Date.After(bars[n-1].Date) {
			msg := fmt.Sprintf("is before the date %s on line %d", FormatDate(bars[n-1].Date), prevLine)
			if b.Date.Equal(bars[n-1].Date) {
				msg = fmt.Sprintf("duplicates the date on line %d", prevLine)
			}
			return nil, &DataError{File: name, Line: line, Field: "date", Value: rec[cols.date], Msg: msg}
		}
		bars = append(bars, b)
		prevLine = line
	}
	if len(bars) == 0 {
		return nil, fmt.Errorf("%s has a header but no bars: %w", name, ErrNoData)
	}
	return bars, nil
}

// csvRowError is csvReadError for a data row, naming the expected field count when a row has a
// different number of fields than the header.
func csvRowError(name string, err error, columns int) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
		return &DataError{File: name, Line: pe.Line, Msg: fmt.Sprintf("wrong number of fields: the header has %d columns", columns)}
	}
	return csvReadError(name, err)
}

// csvReadError converts a CSV syntax error to a *DataError and wraps any other read error.
func csvReadError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &DataError{File: name, Line: pe.Line, Msg: pe.Err.Error()}
	}
	return fmt.Errorf("read %s: %w", name, err)
}

// findColumns maps the header names to column indexes.
func findColumns(name string, header []string) (csvColumns, error) {
	cols := csvColumns{-1, -1, -1, -1, -1, -1, -1}
	slots := map[string]*int{
		"date": &cols.date, "open": &cols.open, "high": &cols.high, "low": &cols.low,
		"close": &cols.close, "adj_close": &cols.adjClose, "volume": &cols.volume,
	}
	for i, h := range header {
		key := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		key = strings.ReplaceAll(key, " ", "_")
		slot, ok := slots[key]
		if !ok {
			continue
		}
		if *slot >= 0 {
			return cols, &DataError{File: name, Line: 1, Field: key, Value: h, Msg: "appears twice in the header"}
		}
		*slot = i
	}
	for _, key := range []string{"date", "open", "high", "low", "close", "volume"} {
		if *slots[key] < 0 {
			return cols, &DataError{File: name, Line: 1,
				Msg: fmt.Sprintf("missing column %q, expected the header %s", key, CSVHeader)}
		}
	}
	return cols, nil
}

// parseRow parses and validates one record. skip is true for an all-null Yahoo row. The
// returned *DataError lacks File and Line, which the caller fills in.
func parseRow(rec []string, cols csvColumns) (b Bar, skip bool, derr *DataError) {
	if rec[cols.open] == nullValue && rec[cols.high] == nullValue &&
		rec[cols.low] == nullValue && rec[cols.close] == nullValue {
		return Bar{}, true, nil
	}

	d, err := time.Parse(DateLayout, rec[cols.date])
	if err != nil {
		return Bar{}, false, &DataError{Field: "date", Value: rec[cols.date], Msg: "is not a date of the form YYYY-MM-DD"}
	}
	b.Date = d

	prices := []struct {
		name string
		col  int
		dst  *float64
	}{
		{"open", cols.open, &b.Open}, {"high", cols.high, &b.High},
		{"low", cols.low, &b.Low}, {"close", cols.close, &b.Close},
	}
	for _, p := range prices {
		if *p.dst, derr = parseNumber(p.name, rec[p.col], true); derr != nil {
			return Bar{}, false, derr
		}
	}
	if cols.adjClose >= 0 && rec[cols.adjClose] != "" {
		if b.AdjClose, derr = parseNumber("adj_close", rec[cols.adjClose], true); derr != nil {
			return Bar{}, false, derr
		}
	}
	if b.Volume, derr = parseNumber("volume", rec[cols.volume], false); derr != nil {
		return Bar{}, false, derr
	}

	if p := checkRange(b); p != nil {
		raw := map[string]string{"open": rec[cols.open], "high": rec[cols.high], "low": rec[cols.low], "close": rec[cols.close]}
		return Bar{}, false, &DataError{Field: p.field, Value: raw[p.field], Msg: p.msg}
	}
	return b, false, nil
}

// parseNumber parses a finite number that must be positive (prices) or non-negative (volume).
func parseNumber(field, s string, positive bool) (float64, *DataError) {
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil:
		return 0, &DataError{Field: field, Value: s, Msg: "is not a number"}
	case math.IsNaN(v) || math.IsInf(v, 0):
		return 0, &DataError{Field: field, Value: s, Msg: "is not a finite number"}
	case positive && v <= 0:
		return 0, &DataError{Field: field, Value: s, Msg: "is not positive"}
	case !positive && v < 0:
		return 0, &DataError{Field: field, Value: s, Msg: "is negative"}
	}
	return v, nil
}

// WriteCSV writes bars with the normalized header CSVHeader. AdjClose 0 is written as an empty
// field. Numbers use the shortest form that parses back to the same float64, so ReadCSV returns
// the bars unchanged.
func WriteCSV(w io.Writer, bars []Bar) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(CSVHeader + "\n")
	var buf []byte
	for _, b := range bars {
		buf = b.Date.AppendFormat(buf[:0], DateLayout)
		for _, v := range []float64{b.Open, b.High, b.Low, b.Close} {
			buf = append(buf, ',')
			buf = strconv.AppendFloat(buf, v, 'f', -1, 64)
		}
		buf = append(buf, ',')
		if b.AdjClose != 0 {
			buf = strconv.AppendFloat(buf, b.AdjClose, 'f', -1, 64)
		}
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, b.Volume, 'f', -1, 64)
		buf = append(buf, '\n')
		bw.Write(buf)
	}
	return bw.Flush()
}

// formatFloat formats v for messages.
func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
