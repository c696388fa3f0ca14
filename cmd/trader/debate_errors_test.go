package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/traderlab/trader/internal/safetensors"
	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/marketdata"
)

// invalidCase is one trader invocation that must fail with an error that contains every
// fragment of want and, when is is set, wraps is.
type invalidCase struct {
	name string
	args []string
	env  map[string]string
	want []string
	is   error
}

func runInvalidCases(t *testing.T, tests []invalidCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}

			res := runTrader(t, tt.args...)

			require.Error(t, res.Err)
			t.Logf("error: %v", res.Err)
			for _, want := range tt.want {
				assert.Contains(t, res.Err.Error(), want)
			}
			if tt.is != nil {
				assert.ErrorIs(t, res.Err, tt.is)
			}
			assert.Empty(t, res.Stdout)
		})
	}
}

// csvDir writes DIR/BAD.csv with the given rows below the normalized header and returns DIR.
func csvDir(t *testing.T, rows string) string {
	t.Helper()
	dir := t.TempDir()
	content := marketdata.CSVHeader + "\n" + rows
	require.NoError(t, os.WriteFile(filepath.Join(dir, "BAD.csv"), []byte(content), 0o600))
	return dir
}

func TestDebateInvalidData(t *testing.T) {
	const good = "2024-01-02,10,11,9,10.5,10.5,1000\n"
	missing := filepath.Join(t.TempDir(), "nope")
	file := filepath.Join(csvDir(t, good), "BAD.csv")
	quick := []string{"--steps", "1", "--rounds", "1"}
	debate := func(symbol, dir string) []string {
		return append([]string{"debate", symbol, "--data", dir}, quick...)
	}

	runInvalidCases(t, []invalidCase{
		{
			name: "missing-directory",
			args: debate("BAD", missing),
			want: []string{"data directory", missing, "not found", "--data"},
			is:   fs.ErrNotExist,
		},
		{
			name: "directory-is-file",
			args: debate("BAD", file),
			want: []string{"data directory", file, "is a file"},
		},
		{
			name: "unknown-ticker",
			args: debate("ZZZ", csvDir(t, good)),
			want: []string{"ZZZ", "available symbols: BAD"},
			is:   marketdata.ErrUnknownSymbol,
		},
		{
			name: "malformed-close",
			args: debate("BAD", csvDir(t, good+"2024-01-03,10.5,11,10,abc,10.5,1000\n")),
			want: []string{"BAD.csv line 3", `"close"`, `"abc"`, "not a number"},
			is:   marketdata.ErrInvalidData,
		},
		{
			name: "dates-out-of-order",
			args: debate("BAD", csvDir(t, good+"2024-01-04,10,11,9,10,10,1000\n2024-01-03,10,11,9,10,10,1000\n")),
			want: []string{"BAD.csv line 4", `"2024-01-03"`, "before the date 2024-01-04 on line 3"},
			is:   marketdata.ErrInvalidData,
		},
		{
			name: "duplicated-date",
			args: debate("BAD", csvDir(t, good+"2024-01-02,10,11,9,10,10,1000\n")),
			want: []string{"BAD.csv line 3", `"2024-01-02"`, "duplicates the date on line 2"},
			is:   marketdata.ErrInvalidData,
		},
		{
			name: "zero-close",
			args: debate("BAD", csvDir(t, good+"2024-01-03,10,11,9,0,10,1000\n")),
			want: []string{"BAD.csv line 3", `"close"`, `"0"`, "not positive"},
			is:   marketdata.ErrInvalidData,
		},
		{
			name: "negative-open",
			args: debate("BAD", csvDir(t, good+"2024-01-03,-10,11,9,10,10,1000\n")),
			want: []string{"BAD.csv line 3", `"open"`, `"-10"`, "not positive"},
			is:   marketdata.ErrInvalidData,
		},
		{
			name: "short-history",
			args: debate("BAD", csvDir(t, good)),
			want: []string{"BAD", "2024-01-02", "choose a later as-of date"},
			is:   marketdata.ErrInsufficientHistory,
		},
	})
}

func TestDebateInvalidRequest(t *testing.T) {
	data := syntheticDir(t, "SYN")
	quick := []string{"debate", "SYN", "--data", data, "--steps", "1", "--rounds", "1"}
	with := func(extra ...string) []string { return append(append([]string{}, quick...), extra...) }

	runInvalidCases(t, []invalidCase{
		{
			name: "format",
			args: with("--format", "xml"),
			want: []string{`"xml"`, "--format", "text, markdown or json"},
		},
		{
			name: "as-of-layout",
			args: with("--as-of", "28-03-2024"),
			want: []string{"--as-of", `"28-03-2024"`, "YYYY-MM-DD"},
		},
		{
			name: "as-of-day",
			args: with("--as-of", "2023-02-30"),
			want: []string{"--as-of", `"2023-02-30"`},
		},
		{
			name: "as-of-before-history",
			args: with("--as-of", "2015-03-02"),
			want: []string{"SYN", "2015-03-02", "choose a later as-of date"},
			is:   marketdata.ErrInsufficientHistory,
		},
		{
			name: "as-of-before-first-bar",
			args: with("--as-of", "2014-06-02"),
			want: []string{"SYN", "2014-06-02", "2015-01-01"},
			is:   marketdata.ErrNoData,
		},
		{
			name: "as-of-after-last-bar",
			args: with("--as-of", "2030-01-01"),
			want: []string{"SYN", "2030-01-01", "after the last bar (2023-12-29)"},
			is:   marketdata.ErrAfterLastBar,
		},
		{
			name: "zero-rounds",
			args: with("--rounds", "0"),
			want: []string{"rounds 0", "--rounds", "at least 1"},
		},
		{
			name: "zero-steps",
			args: with("--steps", "0"),
			want: []string{"steps 0", "--steps", "between 1 and 1024"},
		},
		{
			name: "too-many-steps",
			args: with("--steps", "5000"),
			want: []string{"steps 5000", "--steps", "between 1 and 1024"},
		},
		{
			name: "negative-seed",
			args: with("--seed", "-1"),
			want: []string{"seed -1", "--seed", "not be negative"},
		},
		{
			name: "invalid-symbol",
			args: []string{"debate", "A/B", "--data", data},
			want: []string{`"A/B"`},
			is:   marketdata.ErrInvalidSymbol,
		},
		{
			name: "no-ticker",
			args: []string{"debate", "--data", data},
			want: []string{"1 arg"},
		},
		{
			name: "log-level",
			args: with("--log-level", "loud"),
			want: []string{`"loud"`, "debug, info, warn or error"},
		},
	})
}

func TestDebateInvalidWeights(t *testing.T) {
	data := syntheticDir(t, "SYN")
	embedded, err := os.ReadFile(embeddedWeightsPath)
	require.NoError(t, err)

	noise := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	corrupt := writeFile(t, "noise.safetensors", noise)
	truncated := writeFile(t, "half.safetensors", embedded[:len(embedded)/2])
	mismatched := writeFile(t, "wide.safetensors", widenConfig(t, embedded))
	missing := filepath.Join(t.TempDir(), "none.safetensors")
	debate := func(weights string) []string {
		return []string{"debate", "SYN", "--data", data, "--steps", "1", "--rounds", "1", "--weights", weights}
	}

	runInvalidCases(t, []invalidCase{
		{
			name: "random-bytes",
			args: debate(corrupt),
			want: []string{corrupt, "corrupt or truncated"},
			is:   latentmodel.ErrWeights,
		},
		{
			name: "truncated",
			args: debate(truncated),
			want: []string{truncated, "truncated"},
			is:   latentmodel.ErrWeights,
		},
		{
			name: "config-mismatch",
			args: debate(mismatched),
			want: []string{mismatched, "config does not match the weights"},
			is:   latentmodel.ErrWeights,
		},
		{
			name: "missing-file",
			args: debate(missing),
			want: []string{missing},
			is:   fs.ErrNotExist,
		},
	})
}

// widenConfig returns the weights file with its config's width doubled and its tensors
// unchanged, so the config is valid but does not match the tensors.
func widenConfig(t *testing.T, weights []byte) []byte {
	t.Helper()
	file, err := safetensors.Read(weights)
	require.NoError(t, err)
	var cfg latentmodel.Config
	require.NoError(t, json.Unmarshal([]byte(file.Metadata["config"]), &cfg))
	cfg.Width *= 2
	require.NoError(t, cfg.Validate(), "the widened config must be valid so only the mismatch is reported")
	encoded, err := json.Marshal(cfg)
	require.NoError(t, err)
	file.Metadata["config"] = string(encoded)

	var out bytes.Buffer
	require.NoError(t, safetensors.Write(&out, file.Tensors, file.Metadata))
	return out.Bytes()
}

func TestDebateSharedDataErrors(t *testing.T) {
	data := sharedDataDir(t)
	quick := []string{"--data", data, "--steps", "1", "--rounds", "1"}

	runInvalidCases(t, []invalidCase{
		{
			name: "unknown-ticker",
			args: append([]string{"debate", "NOPE"}, quick...),
			want: []string{"NOPE", "available symbols:", "AAPL"},
			is:   marketdata.ErrUnknownSymbol,
		},
		{
			// AAPL.csv starts on 2010-01-04, about 40 bars before this date.
			name: "as-of-before-history",
			args: append([]string{"debate", "AAPL", "--as-of", "2010-03-01"}, quick...),
			want: []string{"AAPL", "2010-03-01", "choose a later as-of date"},
			is:   marketdata.ErrInsufficientHistory,
		},
		{
			name: "as-of-after-last-bar",
			args: append([]string{"debate", "AAPL", "--as-of", "2030-01-01"}, quick...),
			want: []string{"AAPL", "2030-01-01", "after the last bar"},
			is:   marketdata.ErrAfterLastBar,
		},
	})
}
