package marketdata

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"
)

// ChartResult is the decoded body of a Yahoo chart API v8 response for one symbol.
type ChartResult struct {
	Symbol      string // meta.symbol
	Currency    string // meta.currency
	Timezone    string // meta.exchangeTimezoneName, e.g. "America/New_York"
	GMTOffset   int    // meta.gmtoffset in seconds, used when Timezone cannot be loaded
	Granularity string // meta.dataGranularity, e.g. "1d"
	Bars        []Bar  // dated by the exchange-local date, validated, strictly increasing
	Skipped     int    // bars dropped because a value was null
	Splits      []Split
	Dividends   []Dividend
}

// Split is a stock split event. Numerator:Denominator is 4:1 for a four-for-one split.
type Split struct {
	Date        time.Time // UTC midnight of the exchange-local date
	Numerator   float64
	Denominator float64
	Ratio       string // Yahoo's splitRatio, e.g. "4:1"
}

// Dividend is a cash dividend per share, dated by its ex-dividend date.
type Dividend struct {
	Date   time.Time // UTC midnight of the exchange-local date
	Amount float64
}

// ChartError is the `chart.error` object of a Yahoo response, e.g. code "Not Found" with
// description "No data found, symbol may be delisted". A "Not Found" error wraps
// ErrUnknownSymbol.
type ChartError struct {
	Code        string
	Description string
}

// Error returns Yahoo's code and description.
func (e *ChartError) Error() string {
	return fmt.Sprintf("yahoo chart error %q: %q", e.Code, e.Description)
}

// Unwrap returns ErrUnknownSymbol for code "Not Found" and nil otherwise.
func (e *ChartError) Unwrap() error {
	if e.Code == "Not Found" {
		return ErrUnknownSymbol
	}
	return nil
}

// chartJSON mirrors the parts of the response that DecodeChart reads. Array elements are
// pointers because Yahoo writes null for missing values.
type chartJSON struct {
	Chart struct {
		Result []struct {
			Meta struct {
				Symbol               string `json:"symbol"`
				Currency             string `json:"currency"`
				ExchangeTimezoneName string `json:"exchangeTimezoneName"`
				GMTOffset            int    `json:"gmtoffset"`
				DataGranularity      string `json:"dataGranularity"`
			} `json:"meta"`
			Timestamp  []*int64 `json:"timestamp"`
			Indicators struct {
				Quote []struct {
					Open   []*float64 `json:"open"`
					High   []*float64 `json:"high"`
					Low    []*float64 `json:"low"`
					Close  []*float64 `json:"close"`
					Volume []*float64 `json:"volume"`
				} `json:"quote"`
				AdjClose []struct {
					AdjClose []*float64 `json:"adjclose"`
				} `json:"adjclose"`
			} `json:"indicators"`
			Events struct {
				Dividends map[string]struct {
					Amount float64 `json:"amount"`
					Date   int64   `json:"date"`
				} `json:"dividends"`
				Splits map[string]struct {
					Date        int64   `json:"date"`
					Numerator   float64 `json:"numerator"`
					Denominator float64 `json:"denominator"`
					SplitRatio  string  `json:"splitRatio"`
				} `json:"splits"`
			} `json:"events"`
		} `json:"result"`
		Error *struct {
			Code        string `json:"code"`
			Description string `json:"description"`
		} `json:"error"`
	} `json:"chart"`
}

// DecodeChart decodes a Yahoo chart API v8 response body. Bars come from
// indicators.quote[0] and indicators.adjclose[0], and AdjClose is 0 when the latter is absent.
// A bar with a null in any of its values is skipped and counted in Skipped. Each timestamp is
// converted to its date in meta.exchangeTimezoneName, or at meta.gmtoffset when that zone
// cannot be loaded. When two bars fall on the same date, the later one is kept, because Yahoo
// may append the current day's live bar after a bar of the same date.
//
// DecodeChart returns a *ChartError when chart.error is set, an error wrapping ErrNoData when
// the result has no bars (no `timestamp` key, as for a range without trading), and an error
// wrapping ErrInvalidData for malformed JSON, arrays of unequal length or bars that fail
// validation.
func DecodeChart(r io.Reader) (*ChartResult, error) {
	var doc chartJSON
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode yahoo chart response: %w: %w", err, ErrInvalidData)
	}
	if e := doc.Chart.Error; e != nil {
		return nil, &ChartError{Code: e.Code, Description: e.Description}
	}
	if len(doc.Chart.Result) == 0 {
		return nil, fmt.Errorf("yahoo chart response has neither result nor error: %w", ErrNoData)
	}
	res := doc.Chart.Result[0]
	out := &ChartResult{
		Symbol:      res.Meta.Symbol,
		Currency:    res.Meta.Currency,
		Timezone:    res.Meta.ExchangeTimezoneName,
		GMTOffset:   res.Meta.GMTOffset,
		Granularity: res.Meta.DataGranularity,
	}
	name := "yahoo chart of " + out.Symbol
	if len(res.Timestamp) == 0 {
		return nil, fmt.Errorf("%s has no bars (granularity %q): %w", name, out.Granularity, ErrNoData)
	}
	if len(res.Indicators.Quote) == 0 {
		return nil, &DataError{File: name, Msg: "has timestamps but no indicators.quote"}
	}

	n := len(res.Timestamp)
	q := res.Indicators.Quote[0]
	columns := map[string][]*float64{"open": q.Open, "high": q.High, "low": q.Low, "close": q.Close, "volume": q.Volume}
	var adj []*float64
	if len(res.Indicators.AdjClose) > 0 {
		adj = res.Indicators.AdjClose[0].AdjClose
		columns["adjclose"] = adj
	}
	for key, col := range columns {
		if len(col) != n {
			return nil, &DataError{File: name,
				Msg: fmt.Sprintf("has %d timestamps but %d values of %s", n, len(col), key)}
		}
	}

	loc := exchangeLocation(out.Timezone, out.GMTOffset)
	for i, ts := range res.Timestamp {
		if ts == nil || q.Open[i] == nil || q.High[i] == nil || q.Low[i] == nil || q.Close[i] == nil ||
			q.Volume[i] == nil || (adj != nil && adj[i] == nil) {
			out.Skipped++
			continue
		}
		b := Bar{
			Date: exchangeDate(*ts, loc),
			Open: *q.Open[i], High: *q.High[i], Low: *q.Low[i], Close: *q.Close[i],
			Volume: *q.Volume[i],
		}
		if adj != nil {
			b.AdjClose = *adj[i]
		}
		if p := validateBar(b); p != nil {
			return nil, &DataError{File: name, Field: p.field, Value: p.value,
				Msg: fmt.Sprintf("%s (timestamp %d, %s)", p.msg, *ts, FormatDate(b.Date))}
		}
		if k := len(out.Bars); k > 0 {
			prev := out.Bars[k-1].Date
			if b.Date.Equal(prev) {
				out.Bars[k-1] = b
				continue
			}
			if b.Date.Before(prev) {
				return nil, &DataError{File: name, Field: "timestamp", Value: strconv.FormatInt(*ts, 10),
					Msg: fmt.Sprintf("dates %s, before the previous bar's %s", FormatDate(b.Date), FormatDate(prev))}
			}
		}
		out.Bars = append(out.Bars, b)
	}
	if len(out.Bars) == 0 {
		return nil, fmt.Errorf("%s has only bars with null values (%d skipped): %w", name, out.Skipped, ErrNoData)
	}

	for _, s := range res.Events.Splits {
		out.Splits = append(out.Splits, Split{Date: exchangeDate(s.Date, loc),
			Numerator: s.Numerator, Denominator: s.Denominator, Ratio: s.SplitRatio})
	}
	sort.Slice(out.Splits, func(i, j int) bool { return out.Splits[i].Date.Before(out.Splits[j].Date) })
	for _, d := range res.Events.Dividends {
		out.Dividends = append(out.Dividends, Dividend{Date: exchangeDate(d.Date, loc), Amount: d.Amount})
	}
	sort.Slice(out.Dividends, func(i, j int) bool { return out.Dividends[i].Date.Before(out.Dividends[j].Date) })
	return out, nil
}

// exchangeLocation loads the exchange's time zone, falling back to a fixed offset when the
// zone name is empty or the zone database lacks it.
func exchangeLocation(name string, gmtOffset int) *time.Location {
	if name != "" {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
	}
	return time.FixedZone("", gmtOffset)
}

// exchangeDate returns UTC midnight of the exchange-local date of a unix timestamp.
func exchangeDate(unix int64, loc *time.Location) time.Time {
	return DateOf(time.Unix(unix, 0).In(loc))
}
