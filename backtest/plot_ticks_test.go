package backtest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestEquityTicksTwoDecimals(t *testing.T) {
	labelled := 0
	for _, tick := range (equityTicks{}).Ticks(0.95, 1.05) {
		if tick.Label == "" {
			continue
		}
		labelled++
		_, decimals, found := strings.Cut(tick.Label, ".")
		assert.True(t, found, "label %q", tick.Label)
		assert.Len(t, decimals, 2, "label %q", tick.Label)
	}
	assert.GreaterOrEqual(t, labelled, 2)
}
