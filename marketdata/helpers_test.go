package marketdata

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/internal/shareddata"
)

// yahooSample returns the bytes of a recorded Yahoo chart response from the shared data folder.
func yahooSample(t testing.TB, name string) []byte {
	t.Helper()
	path := filepath.Join(shareddata.SharedDataDir(t), "api-samples", "yahoo-chart-v8", name)
	body, err := os.ReadFile(path)
	require.NoError(t, err)
	return body
}

// day returns UTC midnight of the given date.
func day(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// mustDate parses a YYYY-MM-DD date or fails the test.
func mustDate(t testing.TB, s string) time.Time {
	t.Helper()
	d, err := ParseDate(s)
	require.NoError(t, err)
	return d
}

// syntheticBars returns n valid weekday bars of a seeded random walk starting on 2015-01-05.
// Every bar has AdjClose = 0.98·Close and a positive volume.
func syntheticBars(n int, seed uint64) []Bar {
	rng := rand.New(rand.NewPCG(seed, 7))
	bars := make([]Bar, 0, n)
	d := day(2015, 1, 5)
	c := 100.0
	for len(bars) < n {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			open := c * math.Exp(0.005*rng.NormFloat64())
			c = open * math.Exp(0.015*rng.NormFloat64())
			high := math.Max(open, c) * math.Exp(0.008*math.Abs(rng.NormFloat64()))
			low := math.Min(open, c) * math.Exp(-0.008*math.Abs(rng.NormFloat64()))
			vol := math.Round(1e6 * math.Exp(0.4*rng.NormFloat64()))
			bars = append(bars, Bar{Date: d, Open: open, High: high, Low: low, Close: c, AdjClose: 0.98 * c, Volume: vol})
		}
		d = d.AddDate(0, 0, 1)
	}
	return bars
}
