package marketdata

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadCSVFormats(t *testing.T) {
	want := []Bar{
		{Date: day(2024, 1, 2), Open: 10, High: 11, Low: 9.5, Close: 10.5, AdjClose: 10.25, Volume: 1000},
		{Date: day(2024, 1, 3), Open: 10.5, High: 10.75, Low: 10, Close: 10.25, AdjClose: 10, Volume: 0},
	}
	noAdj := []Bar{want[0], want[1]}
	noAdj[0].AdjClose, noAdj[1].AdjClose = 0, 0

	tests := []struct {
		name string
		in   string
		want []Bar
	}{
		{"normalized", "date,open,high,low,close,adj_close,volume\n" +
			"2024-01-02,10,11,9.5,10.5,10.25,1000\n2024-01-03,10.5,10.75,10,10.25,10,0\n", want},
		{"yahoo-header", "Date,Open,High,Low,Close,Adj Close,Volume\n" +
			"2024-01-02,10,11,9.5,10.5,10.25,1000\n2024-01-03,10.5,10.75,10,10.25,10,0\n", want},
		{"crlf", "date,open,high,low,close,adj_close,volume\r\n" +
			"2024-01-02,10,11,9.5,10.5,10.25,1000\r\n2024-01-03,10.5,10.75,10,10.25,10,0\r\n", want},
		{"bom-no-final-newline", "\ufeffdate,open,high,low,close,adj_close,volume\n" +
			"2024-01-02,10,11,9.5,10.5,10.25,1000\n2024-01-03,10.5,10.75,10,10.25,10,0", want},
		{"reordered-extra-columns", "Volume,Close,Dividends,Date,Adj Close,Low,High,Open\n" +
			"1000,10.5,0,2024-01-02,10.25,9.5,11,10\n0,10.25,0,2024-01-03,10,10,10.75,10.5\n", want},
		{"empty-adj-close", "date,open,high,low,close,adj_close,volume\n" +
			"2024-01-02,10,11,9.5,10.5,,1000\n2024-01-03,10.5,10.75,10,10.25,,0\n", noAdj},
		{"no-adj-close-column", "Date,Open,High,Low,Close,Volume\n" +
			"2024-01-02,10,11,9.5,10.5,1000\n2024-01-03,10.5,10.75,10,10.25,0\n", noAdj},
		{"yahoo-null-row-skipped", "Date,Open,High,Low,Close,Adj Close,Volume\n" +
			"2024-01-02,10,11,9.5,10.5,10.25,1000\n2024-01-02,null,null,null,null,null,null\n" +
			"2024-01-03,10.5,10.75,10,10.25,10,0\n", want},
		{"float-noise-within-tolerance", "date,open,high,low,close,adj_close,volume\n" +
			"2024-01-02,10.000005,11,9.5,10.5,10.25,1000\n2024-01-03,10.5,10.75,10,10.25,10,0\n",
			[]Bar{{Date: day(2024, 1, 2), Open: 10.000005, High: 11, Low: 9.5, Close: 10.5, AdjClose: 10.25, Volume: 1000}, want[1]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadCSV(strings.NewReader(tt.in), "T.csv")
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestReadCSVErrors(t *testing.T) {
	const header = "date,open,high,low,close,adj_close,volume\n"
	const good = "2024-01-02,10,11,9.5,10.5,10.25,1000\n"
	tests := []struct {
		name    string
		in      string
		wantErr error
		wantMsg string
	}{
		{"empty", "", ErrInvalidData, "AAPL.csv: empty file, expected the header date,open,high,low,close,adj_close,volume"},
		{"header-only", header, ErrNoData, "AAPL.csv has a header but no bars"},
		{"only-null-rows", header + "2024-01-02,null,null,null,null,null,null\n", ErrNoData, "no bars"},
		{"missing-column", "date,open,high,low,close\n2024-01-02,10,11,9.5,10.5\n", ErrInvalidData,
			`AAPL.csv line 1: missing column "volume"`},
		{"duplicate-column", "date,open,high,low,close,Close,volume\n", ErrInvalidData,
			`AAPL.csv line 1: field "close": "Close" appears twice in the header`},
		{"negative-close", header + good + "2024-01-03,10,11,9.5,-3.2,,100\n", ErrInvalidData,
			`AAPL.csv line 3: field "close": "-3.2" is not positive`},
		{"zero-open", header + "2024-01-02,0,11,9.5,10.5,,1000\n", ErrInvalidData,
			`AAPL.csv line 2: field "open": "0" is not positive`},
		{"zero-adj-close", header + "2024-01-02,10,11,9.5,10.5,0,1000\n", ErrInvalidData,
			`AAPL.csv line 2: field "adj_close": "0" is not positive`},
		{"not-a-number", header + "2024-01-02,10,1x,9.5,10.5,,1000\n", ErrInvalidData,
			`AAPL.csv line 2: field "high": "1x" is not a number`},
		{"nan", header + "2024-01-02,10,11,NaN,10.5,,1000\n", ErrInvalidData,
			`AAPL.csv line 2: field "low": "NaN" is not a finite number`},
		{"inf-volume", header + "2024-01-02,10,11,9.5,10.5,,+Inf\n", ErrInvalidData,
			`AAPL.csv line 2: field "volume": "+Inf" is not a finite number`},
		{"negative-volume", header + "2024-01-02,10,11,9.5,10.5,,-1\n", ErrInvalidData,
			`AAPL.csv line 2: field "volume": "-1" is negative`},
		{"empty-volume", header + "2024-01-02,10,11,9.5,10.5,,\n", ErrInvalidData,
			`AAPL.csv line 2: field "volume": "" is not a number`},
		{"partial-null", header + "2024-01-02,10,null,9.5,10.5,,1000\n", ErrInvalidData,
			`AAPL.csv line 2: field "high": "null" is not a number`},
		{"bad-date", header + "2024-13-02,10,11,9.5,10.5,,1000\n", ErrInvalidData,
			`AAPL.csv line 2: field "date": "2024-13-02" is not a date of the form YYYY-MM-DD`},
		{"date-with-time", header + "2024-01-02 00:00:00,10,11,9.5,10.5,,1000\n", ErrInvalidData,
			`field "date": "2024-01-02 00:00:00" is not a date`},
		{"duplicate-date", header + good + "2024-01-02,10,11,9.5,10.5,,1000\n", ErrInvalidData,
			`AAPL.csv line 3: field "date": "2024-01-02" duplicates the date on line 2`},
		{"out-of-order", header + good + "2024-01-01,10,11,9.5,10.5,,1000\n", ErrInvalidData,
			`AAPL.csv line 3: field "date": "2024-01-01" is before the date 2024-01-02 on line 2`},
		{"low-above-open", header + "2024-01-02,9,11,9.5,10.5,,1000\n", ErrInvalidData,
			`AAPL.csv line 2: field "open": "9" is below low 9.5`},
		{"close-above-high", header + "2024-01-02,10,11,9.5,11.5,,1000\n", ErrInvalidData,
			`AAPL.csv line 2: field "close": "11.5" is above high 11`},
		{"low-above-high", header + "2024-01-02,10,11,12,10.5,,1000\n", ErrInvalidData,
			`AAPL.csv line 2: field "low": "12" is above high 11`},
		{"open-beyond-tolerance", header + "2024-01-02,11.0001,11,9.5,10.5,,1000\n", ErrInvalidData,
			`AAPL.csv line 2: field "open": "11.0001" is above high 11`},
		{"wrong-field-count", header + good + "2024-01-03,10,11\n", ErrInvalidData,
			"AAPL.csv line 3: wrong number of fields"},
		{"bare-quote", header + "2024-01-02,1\"0,11,9.5,10.5,,1000\n", ErrInvalidData,
			"AAPL.csv line 2: bare \" in non-quoted-field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadCSV(strings.NewReader(tt.in), "AAPL.csv")
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.wantErr)
			assert.Contains(t, err.Error(), tt.wantMsg)
		})
	}
}

func TestReadCSVDataError(t *testing.T) {
	_, err := ReadCSV(strings.NewReader("date,open,high,low,close,adj_close,volume\n2024-01-02,10,11,9.5,-3.2,,1\n"), "AAPL.csv")
	var de *DataError
	require.True(t, errors.As(err, &de))
	assert.Equal(t, &DataError{File: "AAPL.csv", Line: 2, Field: "close", Value: "-3.2", Msg: "is not positive"}, de)
	assert.Equal(t, `AAPL.csv line 2: field "close": "-3.2" is not positive`, err.Error())
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestReadCSVReadError(t *testing.T) {
	_, err := ReadCSV(failingReader{}, "AAPL.csv")
	require.Error(t, err)
	assert.Equal(t, "read AAPL.csv: disk on fire", err.Error())
	assert.False(t, errors.Is(err, ErrInvalidData))
}

func TestWriteCSVRoundTrip(t *testing.T) {
	bars := syntheticBars(300, 3)
	bars[5].AdjClose = 0
	bars[6].Volume = 0

	var buf bytes.Buffer
	require.NoError(t, WriteCSV(&buf, bars))
	assert.True(t, strings.HasPrefix(buf.String(), CSVHeader+"\n"))

	got, err := ReadCSV(&buf, "round-trip")
	require.NoError(t, err)
	assert.Equal(t, bars, got)
}

func TestWriteCSVFormat(t *testing.T) {
	bars := []Bar{
		{Date: day(2024, 1, 2), Open: 10, High: 11, Low: 9.5, Close: 10.5, AdjClose: 0, Volume: 493729600},
		{Date: day(2024, 1, 3), Open: 0.1, High: 0.2, Low: 0.1, Close: 0.15, AdjClose: 0.125, Volume: 0},
	}
	var buf bytes.Buffer
	require.NoError(t, WriteCSV(&buf, bars))
	want := CSVHeader + "\n" +
		"2024-01-02,10,11,9.5,10.5,,493729600\n" +
		"2024-01-03,0.1,0.2,0.1,0.15,0.125,0\n"
	assert.Equal(t, want, buf.String())
}
