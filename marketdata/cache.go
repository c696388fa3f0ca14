package marketdata

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/rs/zerolog"
)

// Load returns the daily bars of symbol, fetching from Yahoo only what the cache lacks.
//
// Without a cached file, Load requests everything from Start until now. With one, it skips the
// request when the cached last bar is the last finished session: the previous UTC day, or the
// last weekday before it for a series without weekend bars. Otherwise it requests bars from
// the cached last bar's date onward and merges them, a fetched bar replacing a cached bar of
// the same date. When the new bars bring a split or dividend after the cached last bar, or
// change the close or adjusted close of a cached day, every cached price is on an outdated
// basis and Load fetches the whole history again.
//
// The cache is written atomically (a temporary file renamed over the old one). A cache file
// that cannot be read or fails validation is ignored with a warning and replaced.
//
// NOTE: exchange holidays are not known. After a holiday the cache looks one session behind,
// which costs one small request.
func (y *Yahoo) Load(ctx context.Context, symbol string) (*Series, error) {
	if err := ValidateSymbol(symbol); err != nil {
		return nil, err
	}
	log := zerolog.Ctx(ctx).With().Str("symbol", symbol).Logger()
	now := y.now()
	lastClosed := lastClosedDate(now)
	path := y.cachePath(ctx, symbol)

	var cached []Bar
	if path != "" {
		var err error
		if cached, err = readCacheFile(path); err != nil {
			log.Warn().Err(err).Str("path", path).Msg("ignoring unreadable yahoo cache file")
			cached = nil
		}
	}

	bars, err := y.update(ctx, symbol, cached, now, lastClosed)
	if err != nil {
		return nil, err
	}
	if path != "" && !sameBars(bars, cached) {
		if err := writeCacheFile(path, bars); err != nil {
			log.Warn().Err(err).Str("path", path).Msg("cannot write yahoo cache file; continuing without it")
		}
	}
	return &Series{Symbol: symbol, Bars: bars}, nil
}

// update returns the cached bars brought up to lastClosed.
func (y *Yahoo) update(ctx context.Context, symbol string, cached []Bar, now, lastClosed time.Time) ([]Bar, error) {
	log := zerolog.Ctx(ctx)
	if len(cached) > 0 {
		last := cached[len(cached)-1].Date
		if !last.Before(lastSession(lastClosed, hasWeekendBars(cached))) {
			log.Debug().Str("symbol", symbol).Str("last_bar", FormatDate(last)).Msg("yahoo cache is current")
			return cached, nil
		}
		res, err := y.Fetch(ctx, symbol, last, now)
		if errors.Is(err, ErrNoData) {
			return cached, nil
		}
		if err != nil {
			return nil, fmt.Errorf("update %s from %s: %w", symbol, FormatDate(last), err)
		}
		fresh := finishedBars(res.Bars, lastClosed)
		reason := staleReason(cached, res, fresh)
		if reason == "" {
			return mergeBars(cached, fresh), nil
		}
		log.Info().Str("symbol", symbol).Str("reason", reason).Msg("refetching full yahoo history")
	}

	res, err := y.Fetch(ctx, symbol, y.start(), now)
	if err != nil {
		return nil, fmt.Errorf("load %s from %s: %w", symbol, FormatDate(y.start()), err)
	}
	bars := finishedBars(res.Bars, lastClosed)
	if len(bars) == 0 {
		return nil, fmt.Errorf("yahoo returned no finished day for %s up to %s: %w", symbol, FormatDate(lastClosed), ErrNoData)
	}
	return bars, nil
}

// cachePath returns the cache file of symbol, or "" when caching is off or no cache
// directory can be found.
func (y *Yahoo) cachePath(ctx context.Context, symbol string) string {
	if y.NoCache {
		return ""
	}
	dir := y.CacheDir
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			zerolog.Ctx(ctx).Warn().Err(err).Msg("no user cache directory; loading yahoo data without cache")
			return ""
		}
		dir = filepath.Join(base, "trader", "yahoo")
	}
	return filepath.Join(dir, symbol+".csv")
}

// staleReason returns why the cached prices are on an outdated basis, or "" when they are not.
func staleReason(cached []Bar, res *ChartResult, fresh []Bar) string {
	last := cached[len(cached)-1]
	for _, s := range res.Splits {
		if s.Date.After(last.Date) {
			return fmt.Sprintf("split %s on %s", s.Ratio, FormatDate(s.Date))
		}
	}
	for _, d := range res.Dividends {
		if d.Date.After(last.Date) {
			return fmt.Sprintf("dividend %g on %s", d.Amount, FormatDate(d.Date))
		}
	}
	for _, b := range fresh {
		if !b.Date.Equal(last.Date) {
			continue
		}
		if !nearlyEqual(b.Close, last.Close) || !nearlyEqual(b.AdjClose, last.AdjClose) {
			return fmt.Sprintf("bar of %s changed", FormatDate(b.Date))
		}
	}
	return ""
}

func nearlyEqual(a, b float64) bool {
	return math.Abs(a-b) <= priceTolerance*math.Max(math.Abs(a), math.Abs(b))
}

// lastClosedDate returns the latest date whose UTC day has ended at now.
func lastClosedDate(now time.Time) time.Time {
	return DateOf(now.UTC()).AddDate(0, 0, -1)
}

// lastSession returns lastClosed, or for a weekday-only series the last weekday on or before it.
func lastSession(lastClosed time.Time, weekends bool) time.Time {
	d := lastClosed
	for !weekends && (d.Weekday() == time.Saturday || d.Weekday() == time.Sunday) {
		d = d.AddDate(0, 0, -1)
	}
	return d
}

// hasWeekendBars reports whether any bar falls on a Saturday or Sunday, as for crypto.
func hasWeekendBars(bars []Bar) bool {
	for _, b := range bars {
		if wd := b.Date.Weekday(); wd == time.Saturday || wd == time.Sunday {
			return true
		}
	}
	return false
}

// finishedBars returns the prefix of bars dated on or before lastClosed.
func finishedBars(bars []Bar, lastClosed time.Time) []Bar {
	n := len(bars)
	for n > 0 && bars[n-1].Date.After(lastClosed) {
		n--
	}
	return bars[:n]
}

// mergeBars merges two date-sorted slices. A bar of fresh replaces the bar of cached with the
// same date.
func mergeBars(cached, fresh []Bar) []Bar {
	out := make([]Bar, 0, len(cached)+len(fresh))
	i, j := 0, 0
	for i < len(cached) || j < len(fresh) {
		switch {
		case j == len(fresh) || (i < len(cached) && cached[i].Date.Before(fresh[j].Date)):
			out = append(out, cached[i])
			i++
		case i == len(cached) || fresh[j].Date.Before(cached[i].Date):
			out = append(out, fresh[j])
			j++
		default: // same date
			out = append(out, fresh[j])
			i++
			j++
		}
	}
	return out
}

func sameBars(a, b []Bar) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// readCacheFile returns the cached bars, or nil without error when there is no cache file.
func readCacheFile(path string) ([]Bar, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadCSV(f, path)
}

// writeCacheFile writes bars to path through a temporary file in the same directory, so
// readers see either the old or the new file.
func writeCacheFile(path string, bars []Bar) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := WriteCSV(tmp, bars); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
