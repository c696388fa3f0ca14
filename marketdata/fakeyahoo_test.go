package marketdata

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeYahoo is an httptest server for the chart API. It serves recorded responses, cut to the
// requested [period1, period2) range as Yahoo does, and records every request.
type fakeYahoo struct {
	t        testing.TB
	server   *httptest.Server
	charts   map[string][]byte // symbol → full recorded body
	notFound []byte            // body of the 404 response for other symbols

	mu       sync.Mutex
	requests []fakeRequest
	// failures contains the statuses returned (with a short body) before the real response,
	// one per request. For example {500, 503} makes the first two requests fail.
	failures []int
}

type fakeRequest struct {
	symbol           string
	period1, period2 int64
	query            map[string]string
	userAgent        string
}

func newFakeYahoo(t testing.TB, charts map[string][]byte) *fakeYahoo {
	f := &fakeYahoo{t: t, charts: charts, notFound: yahooSample(t, "error_404_not_found.json")}
	f.server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.server.Close)
	return f
}

func (f *fakeYahoo) serve(w http.ResponseWriter, r *http.Request) {
	symbol, ok := strings.CutPrefix(r.URL.Path, "/v8/finance/chart/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	p1, err1 := strconv.ParseInt(q.Get("period1"), 10, 64)
	p2, err2 := strconv.ParseInt(q.Get("period2"), 10, 64)
	if err1 != nil || err2 != nil {
		http.Error(w, `{"chart":{"result":null,"error":{"code":"Bad Request","description":"bad period"}}}`, http.StatusBadRequest)
		return
	}
	flat := map[string]string{}
	for k := range q {
		flat[k] = q.Get(k)
	}

	f.mu.Lock()
	f.requests = append(f.requests, fakeRequest{symbol: symbol, period1: p1, period2: p2, query: flat, userAgent: r.UserAgent()})
	var fail int
	if len(f.failures) > 0 {
		fail, f.failures = f.failures[0], f.failures[1:]
	}
	f.mu.Unlock()

	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	if fail != 0 {
		w.WriteHeader(fail)
		w.Write([]byte(`{"finance":{"error":{"code":"Internal Server Error","description":"try later"}}}`))
		return
	}
	body, ok := f.charts[symbol]
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		w.Write(f.notFound)
		return
	}
	w.Write(cutChart(f.t, body, p1, p2))
}

func (f *fakeYahoo) source(cacheDir string, now time.Time) *Yahoo {
	return &Yahoo{
		BaseURL:  f.server.URL,
		Client:   f.server.Client(),
		CacheDir: cacheDir,
		Now:      func() time.Time { return now },
		Start:    day(2000, 1, 1),
		Backoff:  func(int) time.Duration { return time.Millisecond },
	}
}

func (f *fakeYahoo) setFailures(statuses ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures = statuses
}

func (f *fakeYahoo) requestLog() []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeRequest(nil), f.requests...)
}

// cutChart keeps the bars and events with timestamps in [p1, p2). With no bar left it returns
// the shape of an empty Yahoo result: no timestamp key and an empty quote object.
func cutChart(t testing.TB, body []byte, p1, p2 int64) []byte {
	t.Helper()
	return editChart(t, body, func(res map[string]any) {
		stamps, _ := res["timestamp"].([]any)
		var keep []int
		var kept []any
		for i, ts := range stamps {
			v, err := ts.(json.Number).Int64()
			require.NoError(t, err)
			if v >= p1 && v < p2 {
				keep = append(keep, i)
				kept = append(kept, ts)
			}
		}
		indicators := res["indicators"].(map[string]any)
		if len(kept) == 0 {
			delete(res, "timestamp")
			delete(res, "events")
			indicators["quote"] = []any{map[string]any{}}
			delete(indicators, "adjclose")
			return
		}
		res["timestamp"] = kept
		cut := func(m map[string]any) {
			for k, v := range m {
				arr := v.([]any)
				out := make([]any, len(keep))
				for j, i := range keep {
					out[j] = arr[i]
				}
				m[k] = out
			}
		}
		cut(indicators["quote"].([]any)[0].(map[string]any))
		if adj, ok := indicators["adjclose"].([]any); ok {
			cut(adj[0].(map[string]any))
		}
		if events, ok := res["events"].(map[string]any); ok {
			for _, kind := range events {
				m := kind.(map[string]any)
				for key := range m {
					v, err := strconv.ParseInt(key, 10, 64)
					require.NoError(t, err)
					if v < p1 || v >= p2 {
						delete(m, key)
					}
				}
			}
		}
	})
}

func TestCutChart(t *testing.T) {
	body := yahooSample(t, "AAPL_1d_2020-08-31_2020-11-07.json")
	// 2020-09-01 00:00 UTC to 2020-09-03 00:00 UTC: the bars of Sep 1 and Sep 2.
	res, err := DecodeChart(bytes.NewReader(cutChart(t, body, 1598918400, 1599091200)))
	require.NoError(t, err)
	require.Len(t, res.Bars, 2)
	require.Equal(t, day(2020, 9, 1), res.Bars[0].Date)
	require.Empty(t, res.Splits)
	require.Empty(t, res.Dividends)

	_, err = DecodeChart(bytes.NewReader(cutChart(t, body, 0, 1)))
	require.ErrorIs(t, err, ErrNoData)
}
