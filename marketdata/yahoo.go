package marketdata

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/rs/zerolog"
)

// Defaults of Yahoo's fields.
const (
	DefaultYahooBaseURL   = "https://query2.finance.yahoo.com"
	DefaultYahooUserAgent = "Mozilla/5.0 (compatible; trader; +https://github.com/traderlab/trader)"
	DefaultYahooRetries   = 2
	DefaultYahooTimeout   = 30 * time.Second
)

// DefaultYahooStart is the first date requested for a symbol that is not cached yet. Yahoo
// returns bars from the symbol's first trade date when that is later.
var DefaultYahooStart = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)

// maxChartBody bounds the response size read. A daily history since 1990 is an estimated 1-2 MB.
const maxChartBody = 64 << 20

// Yahoo is a Source that loads daily bars from the Yahoo Finance chart API v8 and keeps them
// in an on-disk cache. The zero value is ready to use, because every field has a default.
//
// Load returns only bars of finished days: a bar counts as finished once its UTC calendar date
// has ended, which is after the close of every exchange between UTC-10 and UTC+14. The
// current day's live bar is therefore never returned or cached.
//
// A Yahoo is safe for concurrent use when its fields are not changed.
type Yahoo struct {
	// BaseURL is the scheme and host of the API. Default DefaultYahooBaseURL.
	BaseURL string
	// Client sends the requests. Default: a client with a DefaultYahooTimeout timeout.
	Client *http.Client
	// CacheDir contains one CSV file per symbol. Default os.UserCacheDir()/trader/yahoo.
	CacheDir string
	// NoCache disables reading and writing the cache.
	NoCache bool
	// Now returns the current time. Default time.Now.
	Now func() time.Time
	// Start is the first date requested for an uncached symbol. Default DefaultYahooStart.
	Start time.Time
	// UserAgent is sent with every request. Default DefaultYahooUserAgent.
	UserAgent string
	// Retries is the max number of times a request is repeated after HTTP 429 or 5xx. 0 means
	// DefaultYahooRetries, and a negative value disables retries.
	Retries int
	// Backoff returns the wait before retry number n (1, 2, ...). Default 1s·2^(n-1).
	Backoff func(n int) time.Duration
}

var _ Source = (*Yahoo)(nil)

// Fetch requests the daily bars of symbol with timestamps in [from, to) and decodes them with
// DecodeChart, without using the cache. HTTP 429 and 5xx responses are retried (see Retries).
// A 404 whose body contains Yahoo's chart.error yields an error wrapping ErrUnknownSymbol that
// quotes Yahoo's description. Any other failed status yields an error with the status and the
// start of the body.
func (y *Yahoo) Fetch(ctx context.Context, symbol string, from, to time.Time) (*ChartResult, error) {
	if err := ValidateSymbol(symbol); err != nil {
		return nil, err
	}
	u := y.chartURL(symbol, from, to)
	log := zerolog.Ctx(ctx)
	for retry := 0; ; retry++ {
		res, retryable, err := y.fetchOnce(ctx, symbol, u)
		if err == nil {
			return res, nil
		}
		if !retryable || retry >= y.retries() {
			return nil, err
		}
		wait := y.backoff(retry + 1)
		log.Warn().Err(err).Str("symbol", symbol).Int("retry", retry+1).Dur("wait", wait).Msg("retrying yahoo chart request")
		if err := sleepContext(ctx, wait); err != nil {
			return nil, fmt.Errorf("yahoo request for %s: %w", symbol, err)
		}
	}
}

// fetchOnce sends one request. retryable reports whether the failure may pass on a retry.
func (y *Yahoo) fetchOnce(ctx context.Context, symbol, u string) (res *ChartResult, retryable bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, false, fmt.Errorf("build yahoo request for %s: %w", symbol, err)
	}
	req.Header.Set("User-Agent", y.userAgent())
	req.Header.Set("Accept", "application/json")

	zerolog.Ctx(ctx).Debug().Str("url", u).Msg("yahoo chart request")
	resp, err := y.client().Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, false, fmt.Errorf("yahoo request for %s: %w", symbol, err)
		}
		return nil, false, fmt.Errorf("yahoo request for %s failed: %w (check the network connection and the base URL %s, or read local files with --data DIR)", symbol, err, y.baseURL())
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxChartBody+1))
	if err != nil {
		return nil, false, fmt.Errorf("read yahoo response for %s: %w", symbol, err)
	}
	if len(body) > maxChartBody {
		return nil, false, fmt.Errorf("yahoo response for %s is larger than %d bytes: %w", symbol, maxChartBody, ErrInvalidData)
	}

	switch {
	case resp.StatusCode == http.StatusOK:
		res, err := DecodeChart(bytes.NewReader(body))
		return res, false, err
	case resp.StatusCode == http.StatusNotFound:
		var ce *ChartError
		if _, err := DecodeChart(bytes.NewReader(body)); errors.As(err, &ce) {
			return nil, false, fmt.Errorf("yahoo has no symbol %s: %q: %w", symbol, ce.Description, ErrUnknownSymbol)
		}
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		retryable = true
	}
	return nil, retryable, fmt.Errorf("yahoo chart request for %s failed with HTTP %d: %s", symbol, resp.StatusCode, excerpt(body))
}

// chartURL builds the request URL for daily bars with timestamps in [from, to).
func (y *Yahoo) chartURL(symbol string, from, to time.Time) string {
	q := url.Values{}
	q.Set("interval", "1d")
	q.Set("period1", strconv.FormatInt(from.Unix(), 10))
	q.Set("period2", strconv.FormatInt(to.Unix(), 10))
	q.Set("events", "div|split")
	q.Set("includeAdjustedClose", "true")
	return y.baseURL() + "/v8/finance/chart/" + url.PathEscape(symbol) + "?" + q.Encode()
}

func (y *Yahoo) baseURL() string {
	if y.BaseURL == "" {
		return DefaultYahooBaseURL
	}
	return y.BaseURL
}

func (y *Yahoo) client() *http.Client {
	if y.Client == nil {
		return defaultYahooClient
	}
	return y.Client
}

var defaultYahooClient = &http.Client{Timeout: DefaultYahooTimeout}

func (y *Yahoo) userAgent() string {
	if y.UserAgent == "" {
		return DefaultYahooUserAgent
	}
	return y.UserAgent
}

func (y *Yahoo) retries() int {
	switch {
	case y.Retries == 0:
		return DefaultYahooRetries
	case y.Retries < 0:
		return 0
	}
	return y.Retries
}

func (y *Yahoo) backoff(n int) time.Duration {
	if y.Backoff != nil {
		return y.Backoff(n)
	}
	return time.Second << (n - 1)
}

func (y *Yahoo) now() time.Time {
	if y.Now == nil {
		return time.Now()
	}
	return y.Now()
}

func (y *Yahoo) start() time.Time {
	if y.Start.IsZero() {
		return DefaultYahooStart
	}
	return y.Start
}

// sleepContext waits for d or until ctx is done.
func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// excerpt quotes the start of a response body for an error message.
func excerpt(body []byte) string {
	const n = 200
	if len(body) > n {
		return strconv.Quote(string(body[:n])) + "..."
	}
	return strconv.Quote(string(body))
}
