package marketdata

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeChartOneBar(t *testing.T) {
	res, err := DecodeChart(bytes.NewReader(yahooSample(t, "AAPL_1d_2020-01-01_2020-01-03.json")))
	require.NoError(t, err)

	assert.Equal(t, "AAPL", res.Symbol)
	assert.Equal(t, "USD", res.Currency)
	assert.Equal(t, "America/New_York", res.Timezone)
	assert.Equal(t, "1d", res.Granularity)
	assert.Zero(t, res.Skipped)
	assert.Empty(t, res.Splits)
	assert.Empty(t, res.Dividends)
	require.Len(t, res.Bars, 1)
	want := Bar{
		Date: day(2020, 1, 2),
		Open: 74.05999755859375, High: 75.1500015258789, Low: 73.79750061035156, Close: 75.0875015258789,
		AdjClose: 72.71607208251953, Volume: 135480400,
	}
	assert.Equal(t, want, res.Bars[0])
}

func TestDecodeChartSplitAndDividend(t *testing.T) {
	res, err := DecodeChart(bytes.NewReader(yahooSample(t, "AAPL_1d_2020-08-31_2020-11-07.json")))
	require.NoError(t, err)

	require.Len(t, res.Bars, 49)
	assert.Equal(t, day(2020, 8, 31), res.Bars[0].Date)
	assert.Equal(t, day(2020, 11, 6), res.Bars[48].Date)
	assert.Equal(t, 118.69000244140625, res.Bars[48].Close)
	assert.Equal(t, 115.93415069580078, res.Bars[48].AdjClose)
	assert.Equal(t, []Split{{Date: day(2020, 8, 31), Numerator: 4, Denominator: 1, Ratio: "4:1"}}, res.Splits)
	assert.Equal(t, []Dividend{{Date: day(2020, 11, 6), Amount: 0.205}}, res.Dividends)
	assert.NoError(t, ValidateBars("AAPL", res.Bars))
}

func TestDecodeChartNVDASplit(t *testing.T) {
	res, err := DecodeChart(bytes.NewReader(yahooSample(t, "NVDA_1d_2021-02-01_2022-01-31_events-split.json")))
	require.NoError(t, err)

	assert.Len(t, res.Bars, 252)
	assert.Equal(t, day(2021, 2, 1), res.Bars[0].Date)
	assert.Equal(t, day(2022, 1, 28), res.Bars[251].Date)
	assert.Equal(t, []Split{{Date: day(2021, 7, 20), Numerator: 4, Denominator: 1, Ratio: "4:1"}}, res.Splits)
	assert.Empty(t, res.Dividends)
	for _, b := range res.Bars {
		wd := b.Date.Weekday()
		assert.True(t, wd != time.Saturday && wd != time.Sunday, "weekend bar %s", FormatDate(b.Date))
	}
}

func TestDecodeChartMSFTDividends(t *testing.T) {
	res, err := DecodeChart(bytes.NewReader(yahooSample(t, "MSFT_1d_2021-02-01_2022-01-31_events-div.json")))
	require.NoError(t, err)

	assert.Len(t, res.Bars, 252)
	assert.Empty(t, res.Splits)
	want := []Dividend{
		{Date: day(2021, 2, 17), Amount: 0.56},
		{Date: day(2021, 5, 19), Amount: 0.56},
		{Date: day(2021, 8, 18), Amount: 0.56},
		{Date: day(2021, 11, 17), Amount: 0.62},
	}
	assert.Equal(t, want, res.Dividends)
}

func TestDecodeChartCryptoUTC(t *testing.T) {
	res, err := DecodeChart(bytes.NewReader(yahooSample(t, "BTC-USD_1d_2020-01-01_2020-01-03.json")))
	require.NoError(t, err)

	assert.Equal(t, "UTC", res.Timezone)
	require.Len(t, res.Bars, 3)
	assert.Equal(t, day(2020, 1, 1), res.Bars[0].Date)
	assert.Equal(t, day(2020, 1, 2), res.Bars[1].Date)
	assert.Equal(t, day(2020, 1, 3), res.Bars[2].Date)
	assert.Equal(t, 7200.17431640625, res.Bars[0].Close)
}

func TestDecodeChartTimezone(t *testing.T) {
	// BTC-USD timestamps are at 00:00 UTC, which is 19:00 of the previous day in New York.
	tests := []struct {
		name      string
		zone      string
		gmtOffset int
		first     time.Time
	}{
		{"utc", "UTC", 0, day(2020, 1, 1)},
		{"new-york", "America/New_York", -18000, day(2019, 12, 31)},
		{"unknown-zone-uses-offset", "Nowhere/Invalid", -18000, day(2019, 12, 31)},
		{"empty-zone-uses-offset", "", 3600, day(2020, 1, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := editChart(t, yahooSample(t, "BTC-USD_1d_2020-01-01_2020-01-03.json"), func(res map[string]any) {
				meta := res["meta"].(map[string]any)
				meta["exchangeTimezoneName"] = tt.zone
				meta["gmtoffset"] = tt.gmtOffset
			})
			res, err := DecodeChart(bytes.NewReader(body))
			require.NoError(t, err)
			require.Len(t, res.Bars, 3)
			assert.Equal(t, tt.first, res.Bars[0].Date)
		})
	}
}

func TestDecodeChartNulls(t *testing.T) {
	body := editChart(t, yahooSample(t, "AAPL_1d_2020-08-31_2020-11-07.json"), func(res map[string]any) {
		quote := res["indicators"].(map[string]any)["quote"].([]any)[0].(map[string]any)
		quote["close"].([]any)[3] = nil
		quote["volume"].([]any)[10] = nil
		adj := res["indicators"].(map[string]any)["adjclose"].([]any)[0].(map[string]any)
		adj["adjclose"].([]any)[20] = nil
	})
	full, err := DecodeChart(bytes.NewReader(yahooSample(t, "AAPL_1d_2020-08-31_2020-11-07.json")))
	require.NoError(t, err)

	res, err := DecodeChart(bytes.NewReader(body))
	require.NoError(t, err)

	assert.Equal(t, 3, res.Skipped)
	require.Len(t, res.Bars, 46)
	var want []Bar
	for i, b := range full.Bars {
		if i != 3 && i != 10 && i != 20 {
			want = append(want, b)
		}
	}
	assert.Equal(t, want, res.Bars)
}

func TestDecodeChartEmpty(t *testing.T) {
	_, err := DecodeChart(bytes.NewReader(yahooSample(t, "AAPL_1m_2025-02-01_2025-02-02.json")))
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrNoData)
	assert.Contains(t, err.Error(), "AAPL")
}

func TestDecodeChartNotFound(t *testing.T) {
	_, err := DecodeChart(bytes.NewReader(yahooSample(t, "error_404_not_found.json")))
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrUnknownSymbol)
	var ce *ChartError
	require.True(t, errors.As(err, &ce))
	assert.Equal(t, "Not Found", ce.Code)
	assert.Equal(t, "No data found, symbol may be delisted", ce.Description)
}

func TestDecodeChartInvalid(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		wantErr error
		wantMsg string
	}{
		{"syntax", `{"chart":`, ErrInvalidData, "decode yahoo chart response"},
		{"no-result", `{"chart":{"result":[],"error":null}}`, ErrNoData, "neither result nor error"},
		{"other-error", `{"chart":{"result":null,"error":{"code":"Bad Request","description":"Invalid input"}}}`, nil, `"Invalid input"`},
		{"no-quote", `{"chart":{"result":[{"meta":{"symbol":"X"},"timestamp":[1577975400],"indicators":{}}]}}`,
			ErrInvalidData, "no indicators.quote"},
		{"short-array", `{"chart":{"result":[{"meta":{"symbol":"X"},"timestamp":[1577975400,1578061800],
			"indicators":{"quote":[{"open":[1,1],"high":[2,2],"low":[1,1],"close":[1.5],"volume":[10,10]}]}}]}}`,
			ErrInvalidData, "2 timestamps but 1 values of close"},
		{"low-above-high", `{"chart":{"result":[{"meta":{"symbol":"X"},"timestamp":[1577975400],
			"indicators":{"quote":[{"open":[1],"high":[2],"low":[3],"close":[1.5],"volume":[10]}]}}]}}`,
			ErrInvalidData, `field "low": "3" is above high 2`},
		{"negative-price", `{"chart":{"result":[{"meta":{"symbol":"X"},"timestamp":[1577975400],
			"indicators":{"quote":[{"open":[-1],"high":[2],"low":[1],"close":[1.5],"volume":[10]}]}}]}}`,
			ErrInvalidData, `field "open": "-1" is not a positive finite number`},
		{"out-of-order", `{"chart":{"result":[{"meta":{"symbol":"X"},"timestamp":[1578061800,1577975400],
			"indicators":{"quote":[{"open":[1,1],"high":[2,2],"low":[1,1],"close":[1.5,1.5],"volume":[10,10]}]}}]}}`,
			ErrInvalidData, "before the previous bar's 2020-01-03"},
		{"year-10000", `{"chart":{"result":[{"meta":{"symbol":"X"},"timestamp":[253402300800],
			"indicators":{"quote":[{"open":[1],"high":[2],"low":[1],"close":[1.5],"volume":[10]}]}}]}}`,
			ErrInvalidData, "is outside the years 0000 to 9999"},
		{"all-null", `{"chart":{"result":[{"meta":{"symbol":"X"},"timestamp":[1577975400],
			"indicators":{"quote":[{"open":[null],"high":[null],"low":[null],"close":[null],"volume":[null]}]}}]}}`,
			ErrNoData, "1 skipped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeChart(strings.NewReader(tt.body))
			require.Error(t, err)
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
			}
			assert.Contains(t, err.Error(), tt.wantMsg)
		})
	}
}

func TestDecodeChartSameDateKeepsLater(t *testing.T) {
	// Two timestamps on 2020-01-02 in New York: the regular bar and a later live bar.
	body := `{"chart":{"result":[{"meta":{"symbol":"X","exchangeTimezoneName":"America/New_York"},
		"timestamp":[1577975400,1577997000],
		"indicators":{"quote":[{"open":[1,1],"high":[2,3],"low":[1,1],"close":[1.5,2.5],"volume":[10,20]}]}}]}}`
	res, err := DecodeChart(strings.NewReader(body))
	require.NoError(t, err)
	require.Len(t, res.Bars, 1)
	assert.Equal(t, 2.5, res.Bars[0].Close)
	assert.Equal(t, 20.0, res.Bars[0].Volume)
}

// editChart decodes a chart body, lets edit change chart.result[0] and encodes it again.
func editChart(t testing.TB, body []byte, edit func(res map[string]any)) []byte {
	t.Helper()
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&doc))
	res := doc["chart"].(map[string]any)["result"].([]any)[0].(map[string]any)
	edit(res)
	out, err := json.Marshal(doc)
	require.NoError(t, err)
	return out
}
