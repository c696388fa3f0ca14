package marketdata

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestYahooFetchRequest(t *testing.T) {
	fake := newFakeYahoo(t, map[string][]byte{"AAPL": yahooSample(t, "AAPL_1d_2020-01-01_2020-01-03.json")})
	y := fake.source("", time.Now())
	y.NoCache = true

	res, err := y.Fetch(context.Background(), "AAPL", time.Unix(1577836800, 0), time.Unix(1578009600, 0))
	require.NoError(t, err)
	require.Len(t, res.Bars, 1)

	reqs := fake.requestLog()
	require.Len(t, reqs, 1)
	assert.Equal(t, "AAPL", reqs[0].symbol)
	assert.Equal(t, int64(1577836800), reqs[0].period1)
	assert.Equal(t, int64(1578009600), reqs[0].period2)
	assert.Equal(t, "1d", reqs[0].query["interval"])
	assert.Equal(t, "div|split", reqs[0].query["events"])
	assert.Equal(t, "true", reqs[0].query["includeAdjustedClose"])
	assert.Equal(t, DefaultYahooUserAgent, reqs[0].userAgent)
}

func TestYahooFetchSymbolEscaping(t *testing.T) {
	fake := newFakeYahoo(t, map[string][]byte{"^GSPC": yahooSample(t, "AAPL_1d_2020-01-01_2020-01-03.json")})
	y := fake.source("", time.Now())
	y.UserAgent = "test-agent"

	_, err := y.Fetch(context.Background(), "^GSPC", time.Unix(0, 0), time.Unix(1578009600, 0))
	require.NoError(t, err)
	reqs := fake.requestLog()
	require.Len(t, reqs, 1)
	assert.Equal(t, "^GSPC", reqs[0].symbol)
	assert.Equal(t, "test-agent", reqs[0].userAgent)
}

func TestYahooFetchNotFound(t *testing.T) {
	fake := newFakeYahoo(t, nil)
	y := fake.source("", time.Now())

	_, err := y.Fetch(context.Background(), "NOPE", time.Unix(0, 0), time.Unix(1578009600, 0))
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrUnknownSymbol)
	assert.Contains(t, err.Error(), "NOPE")
	assert.Contains(t, err.Error(), `"No data found, symbol may be delisted"`)
	assert.Len(t, fake.requestLog(), 1, "a 404 is not retried")
}

func TestYahooFetchEmptyResult(t *testing.T) {
	fake := newFakeYahoo(t, map[string][]byte{"AAPL": yahooSample(t, "AAPL_1m_2025-02-01_2025-02-02.json")})
	y := fake.source("", time.Now())

	_, err := y.Fetch(context.Background(), "AAPL", time.Unix(1738368000, 0), time.Unix(1738454400, 0))
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrNoData)
	assert.Contains(t, err.Error(), "AAPL")
}

func TestYahooFetchRetries(t *testing.T) {
	tests := []struct {
		name         string
		failures     []int
		retries      int
		wantRequests int
		wantErr      string // "" for success
	}{
		{"500-then-ok", []int{500}, 0, 2, ""},
		{"500-503-then-ok", []int{500, 503}, 0, 3, ""},
		{"429-then-ok", []int{429}, 0, 2, ""},
		{"500-exhausts-default", []int{500, 500, 500}, 0, 3, "HTTP 500"},
		{"retries-disabled", []int{502}, -1, 1, "HTTP 502"},
		{"retries-raised", []int{500, 500, 500}, 3, 4, ""},
		{"403-not-retried", []int{403}, 0, 1, "HTTP 403"},
		{"400-not-retried", []int{400}, 0, 1, "HTTP 400"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFakeYahoo(t, map[string][]byte{"AAPL": yahooSample(t, "AAPL_1d_2020-01-01_2020-01-03.json")})
			fake.setFailures(tt.failures...)
			y := fake.source("", time.Now())
			y.Retries = tt.retries
			var waits []int
			y.Backoff = func(n int) time.Duration {
				waits = append(waits, n)
				return time.Millisecond
			}

			res, err := y.Fetch(context.Background(), "AAPL", time.Unix(0, 0), time.Unix(1578009600, 0))

			assert.Len(t, fake.requestLog(), tt.wantRequests)
			if tt.wantErr == "" {
				require.NoError(t, err)
				assert.Len(t, res.Bars, 1)
			} else {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Contains(t, err.Error(), "AAPL")
				assert.Contains(t, err.Error(), "try later", "the error quotes the body")
			}
			for i, n := range waits {
				assert.Equal(t, i+1, n, "backoff is called with the retry number")
			}
		})
	}
}

func TestYahooFetchDefaultBackoff(t *testing.T) {
	y := &Yahoo{}
	assert.Equal(t, time.Second, y.backoff(1))
	assert.Equal(t, 2*time.Second, y.backoff(2))
	assert.Equal(t, 4*time.Second, y.backoff(3))
}

func TestYahooFetchContext(t *testing.T) {
	fake := newFakeYahoo(t, map[string][]byte{"AAPL": yahooSample(t, "AAPL_1d_2020-01-01_2020-01-03.json")})

	t.Run("canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := fake.source("", time.Now()).Fetch(ctx, "AAPL", time.Unix(0, 0), time.Unix(1578009600, 0))
		assert.ErrorIs(t, err, context.Canceled)
	})
	t.Run("during-backoff", func(t *testing.T) {
		fake.setFailures(503)
		y := fake.source("", time.Now())
		y.Backoff = func(int) time.Duration { return time.Hour }
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		_, err := y.Fetch(ctx, "AAPL", time.Unix(0, 0), time.Unix(1578009600, 0))
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})
}

func TestYahooFetchInvalidSymbol(t *testing.T) {
	fake := newFakeYahoo(t, nil)
	_, err := fake.source("", time.Now()).Fetch(context.Background(), "../etc", time.Unix(0, 0), time.Unix(1, 0))
	assert.ErrorIs(t, err, ErrInvalidSymbol)
	assert.Empty(t, fake.requestLog())
}

func TestYahooFetchServerDown(t *testing.T) {
	fake := newFakeYahoo(t, nil)
	y := fake.source("", time.Now())
	fake.server.Close()
	_, err := y.Fetch(context.Background(), "AAPL", time.Unix(0, 0), time.Unix(1, 0))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "yahoo request for AAPL")
	assert.False(t, errors.Is(err, ErrUnknownSymbol))
}

func TestYahooFetchNon200Body(t *testing.T) {
	fake := newFakeYahoo(t, nil)
	fake.setFailures(http.StatusUnauthorized)
	_, err := fake.source("", time.Now()).Fetch(context.Background(), "AAPL", time.Unix(0, 0), time.Unix(1, 0))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "HTTP 401")
	assert.Contains(t, err.Error(), `"{\"finance\":{\"error\"`)
}

func TestExcerptTruncates(t *testing.T) {
	long := bytes.Repeat([]byte("x"), 500)
	got := excerpt(long)
	assert.Len(t, got, 200+2+3)
	assert.Equal(t, `"ab"`, excerpt([]byte("ab")))
}
