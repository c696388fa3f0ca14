package marketdata

import (
	"context"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/internal/shareddata"
)

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

func TestCSVDirLoad(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "BRK-B.csv"), "date,open,high,low,close,adj_close,volume\n2024-01-02,10,11,9.5,10.5,,1000\n")

	s, err := CSVDir{Dir: dir}.Load(context.Background(), "BRK-B")
	require.NoError(t, err)
	assert.Equal(t, "BRK-B", s.Symbol)
	require.Len(t, s.Bars, 1)
	assert.Equal(t, day(2024, 1, 2), s.Bars[0].Date)
}

func TestCSVDirErrors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "MSFT.csv"), "date,open,high,low,close,adj_close,volume\n")
	writeFile(t, filepath.Join(dir, "AAPL.csv"), "date,open,high,low,close,adj_close,volume\n2024-01-02,10,11,9.5,-3.2,,1\n")
	writeFile(t, filepath.Join(dir, "notes.txt"), "not data")
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub.csv"), 0o755))
	empty := t.TempDir()

	tests := []struct {
		name    string
		dir     string
		symbol  string
		wantErr error
		wantMsg string
	}{
		{"missing-file", dir, "TSLA", ErrUnknownSymbol,
			"no file " + filepath.Join(dir, "TSLA.csv") + " for symbol TSLA; available symbols: AAPL, MSFT"},
		{"empty-dir", empty, "TSLA", ErrUnknownSymbol, "has no *.csv files"},
		{"missing-dir", filepath.Join(dir, "nope"), "TSLA", fs.ErrNotExist, "data directory " + filepath.Join(dir, "nope")},
		{"traversal", dir, "x/../../AAPL", ErrInvalidSymbol, `symbol "x/../../AAPL" contains '/'`},
		{"dot-prefix", dir, ".hidden", ErrInvalidSymbol, "starts with '.'"},
		{"bad-row", dir, "AAPL", ErrInvalidData, `AAPL.csv line 2: field "close": "-3.2" is not positive`},
		{"header-only", dir, "MSFT", ErrNoData, "MSFT.csv has a header but no bars"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CSVDir{Dir: tt.dir}.Load(context.Background(), tt.symbol)
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.wantErr)
			assert.Contains(t, err.Error(), tt.wantMsg)
		})
	}
}

func TestCSVDirCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := CSVDir{Dir: t.TempDir()}.Load(ctx, "AAPL")
	assert.ErrorIs(t, err, context.Canceled)
}

func TestCSVDirRealData(t *testing.T) {
	dir := shareddata.SharedDataDir(t)
	src := CSVDir{Dir: dir}
	symbols, err := src.Symbols()
	require.NoError(t, err)

	// First and last dates and row counts as documented with the data.
	want := map[string]struct {
		first, last string
		rows        int
	}{
		"AAPL": {"2010-01-04", "2026-02-27", 4063}, "GOOGL": {"2010-01-04", "2026-02-27", 4063},
		"AMZN": {"2010-01-04", "2026-02-27", 4063}, "MSFT": {"2010-01-04", "2026-02-27", 4063},
		"NVDA": {"2010-01-04", "2026-02-27", 4063}, "TSLA": {"2010-06-29", "2026-02-27", 3941},
		"META": {"2012-05-18", "2026-02-27", 3464}, "GSPC": {"2010-01-04", "2025-06-27", 3895},
		"SPY": {"2005-02-25", "2026-02-06", 5270}, "BTC-USD": {"2014-09-17", "2025-06-30", 3940},
	}
	require.ElementsMatch(t, keys(want), symbols)

	for _, sym := range symbols {
		t.Run(sym, func(t *testing.T) {
			s, err := src.Load(context.Background(), sym)
			require.NoError(t, err)
			require.NoError(t, s.Validate())
			w := want[sym]
			assert.Len(t, s.Bars, w.rows)
			assert.Equal(t, w.first, FormatDate(s.Bars[0].Date))
			assert.Equal(t, w.last, FormatDate(s.Bars[len(s.Bars)-1].Date))

			adj := s.Adjusted()
			require.NoError(t, adj.Validate())
			rows := ComputeFeatures(adj.Bars)
			for i := FeatureWarmup - 1; i < len(rows); i++ {
				for j, v := range rows[i] {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						t.Fatalf("%s row %d (%s) feature %s = %v", sym, i, FormatDate(adj.Bars[i].Date), FeatureNames[j], v)
					}
				}
			}
		})
	}

	t.Run("SPY-has-no-adj-close", func(t *testing.T) {
		s, err := src.Load(context.Background(), "SPY")
		require.NoError(t, err)
		for _, b := range s.Bars {
			require.Zero(t, b.AdjClose)
		}
		assert.Equal(t, s.Bars, s.Adjusted().Bars)
	})
	t.Run("GSPC-zero-volume-day", func(t *testing.T) {
		s, err := src.Load(context.Background(), "GSPC")
		require.NoError(t, err)
		v, err := s.AsOf(mustDate(t, "2023-05-24"))
		require.NoError(t, err)
		assert.Equal(t, mustDate(t, "2023-05-24"), v.Date())
		assert.Zero(t, v.Last().Volume)
	})
	t.Run("AAPL-split-continuous", func(t *testing.T) {
		// 2020-08-31 is a 4:1 split day; the split-adjusted data shows the real move of 1.034.
		s, err := src.Load(context.Background(), "AAPL")
		require.NoError(t, err)
		v, err := s.AsOf(time.Date(2020, 8, 31, 0, 0, 0, 0, time.UTC))
		require.NoError(t, err)
		bars, err := v.Tail(2)
		require.NoError(t, err)
		assert.InDelta(t, 1.034, bars[1].Close/bars[0].Close, 0.001)
	})
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestCSVDirMissingDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "absent")
	_, err := CSVDir{Dir: dir}.Load(context.Background(), "AAPL")
	require.Error(t, err)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.NotErrorIs(t, err, ErrUnknownSymbol)
	assert.ErrorContains(t, err, dir)
}
