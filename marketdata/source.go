package marketdata

import (
	"context"
	"fmt"
	"strings"
)

// Source loads the daily bars of a symbol. Implementations return a validated Series (see
// Series.Validate) or an error wrapping ErrUnknownSymbol, ErrInvalidSymbol, ErrNoData or
// ErrInvalidData where one applies.
type Source interface {
	Load(ctx context.Context, symbol string) (*Series, error)
}

// maxSymbolLen bounds symbol length with room to spare over symbols such as EURUSD=X or 7203.T.
const maxSymbolLen = 32

// ValidateSymbol returns an error wrapping ErrInvalidSymbol unless symbol is 1 to 32 characters
// of ASCII letters, digits, '.', '-', '^' and '=' and does not start with '.'. These are the
// characters of Yahoo symbols such as BRK-B, ^GSPC and EURUSD=X. Because '/' and '\' are not
// allowed, a valid symbol can be used as a file name without leaving its directory.
func ValidateSymbol(symbol string) error {
	if symbol == "" {
		return fmt.Errorf("empty symbol: %w", ErrInvalidSymbol)
	}
	if len(symbol) > maxSymbolLen {
		return fmt.Errorf("symbol %q is longer than %d characters: %w", symbol, maxSymbolLen, ErrInvalidSymbol)
	}
	if strings.HasPrefix(symbol, ".") {
		return fmt.Errorf("symbol %q starts with '.': %w", symbol, ErrInvalidSymbol)
	}
	for _, r := range symbol {
		if !isSymbolRune(r) {
			return fmt.Errorf("symbol %q contains %q; allowed are letters, digits, '.', '-', '^' and '=': %w",
				symbol, r, ErrInvalidSymbol)
		}
	}
	return nil
}

func isSymbolRune(r rune) bool {
	switch {
	case r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		return true
	case r == '.', r == '-', r == '^', r == '=':
		return true
	}
	return false
}
