package marketdata

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// decodedSample returns the bars of a recorded response.
func decodedSample(t testing.TB, name string) []Bar {
	t.Helper()
	res, err := DecodeChart(bytes.NewReader(yahooSample(t, name)))
	require.NoError(t, err)
	return res.Bars
}

// barsThrough returns the prefix of bars dated on or before d.
func barsThrough(bars []Bar, d time.Time) []Bar {
	return finishedBars(bars, d)
}

// readCache reads the cache file of symbol in dir.
func readCache(t testing.TB, dir, symbol string) []Bar {
	t.Helper()
	bars, err := readCacheFile(filepath.Join(dir, symbol+".csv"))
	require.NoError(t, err)
	return bars
}

func at(t testing.TB, s string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return ts
}

func TestYahooLoadIncremental(t *testing.T) {
	const nvda = "NVDA_1d_2021-02-01_2022-01-31_events-split.json"
	all := decodedSample(t, nvda)
	fake := newFakeYahoo(t, map[string][]byte{"NVDA": yahooSample(t, nvda)})
	dir := t.TempDir()

	steps := []struct {
		name        string
		now         string
		wantPeriod1 time.Time // zero when no request is expected
		wantLast    time.Time
	}{
		// 18:00 UTC is after the 13:30 UTC open, so the fake serves a live bar of 09-01.
		{"first-load", "2021-09-01T18:00:00Z", day(2000, 1, 1), day(2021, 8, 31)},
		{"same-day-again", "2021-09-01T23:00:00Z", time.Time{}, day(2021, 8, 31)},
		{"three-months-later", "2021-12-01T12:00:00Z", day(2021, 8, 31), day(2021, 11, 30)},
		{"sunday", "2021-12-05T12:00:00Z", day(2021, 11, 30), day(2021, 12, 3)},
		{"monday-before-close", "2021-12-06T10:00:00Z", time.Time{}, day(2021, 12, 3)},
		{"tuesday", "2021-12-07T10:00:00Z", day(2021, 12, 3), day(2021, 12, 6)},
	}
	for _, step := range steps {
		before := len(fake.requestLog())
		s, err := fake.source(dir, at(t, step.now)).Load(context.Background(), "NVDA")
		require.NoError(t, err, step.name)

		reqs := fake.requestLog()[before:]
		if step.wantPeriod1.IsZero() {
			assert.Empty(t, reqs, "%s: no request for a current cache", step.name)
		} else if assert.Len(t, reqs, 1, step.name) {
			assert.Equal(t, step.wantPeriod1.Unix(), reqs[0].period1, "%s: period1", step.name)
			assert.Equal(t, at(t, step.now).Unix(), reqs[0].period2, "%s: period2", step.name)
		}
		assert.Equal(t, "NVDA", s.Symbol)
		assert.Equal(t, barsThrough(all, step.wantLast), s.Bars, step.name)
		assert.Equal(t, s.Bars, readCache(t, dir, "NVDA"), "%s: cache file", step.name)
	}

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary files are left behind")
}

func TestYahooLoadRefetch(t *testing.T) {
	const nvda = "NVDA_1d_2021-02-01_2022-01-31_events-split.json"
	const aapl = "AAPL_1d_2020-08-31_2020-11-07.json"
	tests := []struct {
		name   string
		sample string
		symbol string
		first  string           // now of the first load
		second string           // now of the second load
		edit   func(bars []Bar) // changes the cache between the loads
	}{
		{"split-after-cache", nvda, "NVDA", "2021-07-01T12:00:00Z", "2021-08-02T12:00:00Z", nil},
		{"dividend-after-cache", aapl, "AAPL", "2020-10-01T12:00:00Z", "2020-11-07T12:00:00Z", nil},
		{"cached-bar-changed", nvda, "NVDA", "2021-07-01T12:00:00Z", "2021-07-10T12:00:00Z", func(bars []Bar) {
			bars[len(bars)-1].AdjClose *= 1.01
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			all := decodedSample(t, tt.sample)
			fake := newFakeYahoo(t, map[string][]byte{tt.symbol: yahooSample(t, tt.sample)})
			dir := t.TempDir()
			_, err := fake.source(dir, at(t, tt.first)).Load(context.Background(), tt.symbol)
			require.NoError(t, err)
			if tt.edit != nil {
				cached := readCache(t, dir, tt.symbol)
				tt.edit(cached)
				require.NoError(t, writeCacheFile(filepath.Join(dir, tt.symbol+".csv"), cached))
			}
			cachedLast := readCache(t, dir, tt.symbol)
			last := cachedLast[len(cachedLast)-1].Date

			s, err := fake.source(dir, at(t, tt.second)).Load(context.Background(), tt.symbol)
			require.NoError(t, err)

			reqs := fake.requestLog()
			require.Len(t, reqs, 3, "first load, update, full refetch")
			assert.Equal(t, last.Unix(), reqs[1].period1)
			assert.Equal(t, day(2000, 1, 1).Unix(), reqs[2].period1)
			want := barsThrough(all, lastClosedDate(at(t, tt.second)))
			assert.Equal(t, want, s.Bars)
			assert.Equal(t, want, readCache(t, dir, tt.symbol))
		})
	}
}

func TestYahooLoadCorruptCache(t *testing.T) {
	const aapl = "AAPL_1d_2020-08-31_2020-11-07.json"
	fake := newFakeYahoo(t, map[string][]byte{"AAPL": yahooSample(t, aapl)})
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "AAPL.csv"), []byte("date,open\ngarbage\n"), 0o644))
	var logs bytes.Buffer
	ctx := zerolog.New(&logs).WithContext(context.Background())

	s, err := fake.source(dir, at(t, "2020-11-09T00:00:00Z")).Load(ctx, "AAPL")
	require.NoError(t, err)

	assert.Contains(t, logs.String(), `"level":"warn"`)
	assert.Contains(t, logs.String(), "ignoring unreadable yahoo cache file")
	assert.Contains(t, logs.String(), `missing column \"high\"`)

	assert.Len(t, s.Bars, 49)
	reqs := fake.requestLog()
	require.Len(t, reqs, 1)
	assert.Equal(t, day(2000, 1, 1).Unix(), reqs[0].period1)
	assert.Equal(t, s.Bars, readCache(t, dir, "AAPL"))
}

func TestYahooLoadUnwritableCache(t *testing.T) {
	fake := newFakeYahoo(t, map[string][]byte{"AAPL": yahooSample(t, "AAPL_1d_2020-08-31_2020-11-07.json")})
	notDir := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(notDir, nil, 0o644))
	var logs bytes.Buffer
	ctx := zerolog.New(&logs).WithContext(context.Background())

	s, err := fake.source(notDir, at(t, "2020-11-09T00:00:00Z")).Load(ctx, "AAPL")
	require.NoError(t, err, "a cache that cannot be written does not fail the load")
	assert.Len(t, s.Bars, 49)
	assert.Contains(t, logs.String(), "cannot write yahoo cache file")
}

func TestYahooLoadCrypto(t *testing.T) {
	const btc = "BTC-USD_1d_2020-01-01_2020-01-03.json"
	fake := newFakeYahoo(t, map[string][]byte{"BTC-USD": yahooSample(t, btc)})
	dir := t.TempDir()

	s, err := fake.source(dir, at(t, "2020-01-04T00:30:00Z")).Load(context.Background(), "BTC-USD")
	require.NoError(t, err)
	assert.Equal(t, decodedSample(t, btc), s.Bars)

	_, err = fake.source(dir, at(t, "2020-01-04T20:00:00Z")).Load(context.Background(), "BTC-USD")
	require.NoError(t, err)
	assert.Len(t, fake.requestLog(), 1, "the second load is served from the cache")
}

func TestYahooLoadNoFinishedDay(t *testing.T) {
	// The only bar, 2020-01-02, is still open at 20:00 UTC that day.
	fake := newFakeYahoo(t, map[string][]byte{"AAPL": yahooSample(t, "AAPL_1d_2020-01-01_2020-01-03.json")})
	dir := t.TempDir()

	_, err := fake.source(dir, at(t, "2020-01-02T20:00:00Z")).Load(context.Background(), "AAPL")
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrNoData)
	assert.Contains(t, err.Error(), "AAPL")
	assert.NoFileExists(t, filepath.Join(dir, "AAPL.csv"))
}

func TestYahooLoadUpdateWithoutNewBars(t *testing.T) {
	// Every request gets the empty weekend response, so the update finds nothing new.
	fake := newFakeYahoo(t, map[string][]byte{"AAPL": yahooSample(t, "AAPL_1m_2025-02-01_2025-02-02.json")})
	dir := t.TempDir()
	cached := syntheticBars(30, 1)
	path := filepath.Join(dir, "AAPL.csv")
	require.NoError(t, writeCacheFile(path, cached))
	info, err := os.Stat(path)
	require.NoError(t, err)

	s, err := fake.source(dir, cached[len(cached)-1].Date.AddDate(0, 0, 30)).Load(context.Background(), "AAPL")
	require.NoError(t, err)

	assert.Equal(t, cached, s.Bars)
	assert.Len(t, fake.requestLog(), 1)
	after, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, info.ModTime(), after.ModTime(), "an unchanged cache is not rewritten")
}

func TestYahooLoadErrors(t *testing.T) {
	fake := newFakeYahoo(t, nil)
	dir := t.TempDir()

	_, err := fake.source(dir, time.Now()).Load(context.Background(), "NOPE")
	assert.ErrorIs(t, err, ErrUnknownSymbol)
	assert.NoFileExists(t, filepath.Join(dir, "NOPE.csv"))

	_, err = fake.source(dir, time.Now()).Load(context.Background(), "a/b")
	assert.ErrorIs(t, err, ErrInvalidSymbol)
	assert.Len(t, fake.requestLog(), 1, "an invalid symbol is rejected before any request")
}

func TestYahooLoadNoCache(t *testing.T) {
	fake := newFakeYahoo(t, map[string][]byte{"AAPL": yahooSample(t, "AAPL_1d_2020-08-31_2020-11-07.json")})
	cacheHome := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cacheHome)
	y := fake.source("", at(t, "2020-11-09T00:00:00Z"))
	y.NoCache = true

	for range 2 {
		s, err := y.Load(context.Background(), "AAPL")
		require.NoError(t, err)
		assert.Len(t, s.Bars, 49)
	}
	assert.Len(t, fake.requestLog(), 2)
	assert.NoDirExists(t, filepath.Join(cacheHome, "trader"))
}

func TestYahooLoadDefaultCacheDir(t *testing.T) {
	fake := newFakeYahoo(t, map[string][]byte{"AAPL": yahooSample(t, "AAPL_1d_2020-08-31_2020-11-07.json")})
	cacheHome := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cacheHome)
	t.Setenv("HOME", cacheHome)
	base, err := os.UserCacheDir()
	require.NoError(t, err)

	s, err := fake.source("", at(t, "2020-11-09T00:00:00Z")).Load(context.Background(), "AAPL")
	require.NoError(t, err)
	assert.Equal(t, s.Bars, readCache(t, filepath.Join(base, "trader", "yahoo"), "AAPL"))
}

func TestLastSession(t *testing.T) {
	tests := []struct {
		name     string
		now      string
		weekends bool
		want     time.Time
	}{
		{"tuesday", "2024-03-05T15:00:00Z", false, day(2024, 3, 4)},
		{"saturday", "2024-03-09T15:00:00Z", false, day(2024, 3, 8)},
		{"sunday", "2024-03-10T15:00:00Z", false, day(2024, 3, 8)},
		{"monday", "2024-03-11T15:00:00Z", false, day(2024, 3, 8)},
		{"monday-crypto", "2024-03-11T15:00:00Z", true, day(2024, 3, 10)},
		{"offset-zone", "2024-03-05T23:30:00-05:00", false, day(2024, 3, 5)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, lastSession(lastClosedDate(at(t, tt.now)), tt.weekends))
		})
	}
}

func TestMergeBars(t *testing.T) {
	bars := syntheticBars(6, 2)
	replaced := bars[3]
	replaced.Close, replaced.AdjClose = replaced.Open, replaced.Open*0.98

	got := mergeBars(bars[:4], []Bar{replaced, bars[4], bars[5]})
	want := append(append([]Bar{}, bars[:3]...), replaced, bars[4], bars[5])
	assert.Equal(t, want, got)
	assert.Equal(t, bars[:4], mergeBars(bars[:4], nil))
	assert.Equal(t, bars[:2], mergeBars(nil, bars[:2]))
}
