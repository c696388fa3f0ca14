package marketdata

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// CSVDir is a Source that reads Dir/SYMBOL.csv in the format accepted by ReadCSV.
type CSVDir struct {
	Dir string
}

var _ Source = CSVDir{}

// Load reads and validates Dir/SYMBOL.csv. A missing file yields an error wrapping
// ErrUnknownSymbol that names the path and lists the symbols the directory has; a missing
// directory yields an error wrapping fs.ErrNotExist that names the directory.
func (c CSVDir) Load(ctx context.Context, symbol string) (*Series, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := ValidateSymbol(symbol); err != nil {
		return nil, err
	}
	path := filepath.Join(c.Dir, symbol+".csv")
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		if _, dirErr := os.Stat(c.Dir); dirErr != nil {
			return nil, fmt.Errorf("data directory %s: %w; point it at a directory of SYMBOL.csv files", c.Dir, dirErr)
		}
		return nil, c.unknownSymbol(symbol, path)
	}
	if err != nil {
		return nil, fmt.Errorf("open data for %s: %w", symbol, err)
	}
	defer f.Close()

	bars, err := ReadCSV(f, path)
	if err != nil {
		return nil, err
	}
	return &Series{Symbol: symbol, Bars: bars}, nil
}

// Symbols returns the symbols of the *.csv files in Dir, sorted.
func (c CSVDir) Symbols() ([]string, error) {
	entries, err := os.ReadDir(c.Dir)
	if err != nil {
		return nil, fmt.Errorf("list data directory: %w", err)
	}
	var symbols []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".csv") {
			continue
		}
		if sym := strings.TrimSuffix(name, ".csv"); ValidateSymbol(sym) == nil {
			symbols = append(symbols, sym)
		}
	}
	sort.Strings(symbols)
	return symbols, nil
}

// unknownSymbol builds the error for a missing file, listing what the directory has.
func (c CSVDir) unknownSymbol(symbol, path string) error {
	symbols, err := c.Symbols()
	switch {
	case err != nil:
		return fmt.Errorf("no file %s for symbol %s (%v): %w", path, symbol, err, ErrUnknownSymbol)
	case len(symbols) == 0:
		return fmt.Errorf("no file %s for symbol %s, and %s has no *.csv files: %w",
			path, symbol, c.Dir, ErrUnknownSymbol)
	}
	return fmt.Errorf("no file %s for symbol %s; available symbols: %s: %w",
		path, symbol, strings.Join(symbols, ", "), ErrUnknownSymbol)
}
