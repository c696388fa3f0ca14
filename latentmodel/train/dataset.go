package train

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/marketdata"
)

// Split names a time split of the data. Splits never overlap in time and are never shuffled
// across each other.
type Split int

// The three time splits.
const (
	SplitTrain Split = iota
	SplitValidation
	SplitTest
)

// Default split boundaries: train up to TrainEnd, validation up to ValidationEnd, test after.
var (
	DefaultTrainEnd      = time.Date(2020, 12, 31, 0, 0, 0, 0, time.UTC)
	DefaultValidationEnd = time.Date(2022, 12, 31, 0, 0, 0, 0, time.UTC)
)

func (s Split) String() string {
	switch s {
	case SplitTrain:
		return "train"
	case SplitValidation:
		return "validation"
	case SplitTest:
		return "test"
	}
	return fmt.Sprintf("Split(%d)", int(s))
}

// ParseSplit parses "train", "validation" (or "val") and "test".
func ParseSplit(s string) (Split, error) {
	switch strings.ToLower(s) {
	case "train":
		return SplitTrain, nil
	case "validation", "val":
		return SplitValidation, nil
	case "test":
		return SplitTest, nil
	}
	return 0, fmt.Errorf("unknown split %q: use train, validation or test", s)
}

// Symbol is one symbol's aligned per-day data: raw features, targets and the split of each day.
type Symbol struct {
	Name  string
	Dates []time.Time
	// Features is [days][NumFeatures], NaN before the warm-up is complete.
	Features [][]float64
	// Targets is [NumQuestions][days]; NaN where the horizon runs past the last bar.
	Targets [latentmodel.NumQuestions][]float64
	// Split of each day, or -1 when the day cannot be used: features not yet defined, or the
	// target's horizon reaches into the next split or past the data.
	Split []Split
}

// Data is the whole training corpus.
type Data struct {
	Symbols []*Symbol
	Files   []latentmodel.DataFile
	Horizon int
	// TrainEnd and ValidationEnd are the last dates of the training and validation splits.
	TrainEnd, ValidationEnd time.Time
}

// LoadOptions configures LoadData.
type LoadOptions struct {
	Dir           string
	Symbols       []string // empty = every *.csv in Dir
	Horizon       int      // target horizon in bars
	TrainEnd      time.Time
	ValidationEnd time.Time
}

// LoadData reads every symbol from a CSV directory, adjusts prices, computes features and targets
// and assigns each day to a split.
func LoadData(ctx context.Context, opt LoadOptions) (*Data, error) {
	if opt.Horizon < 1 {
		return nil, fmt.Errorf("horizon %d must be at least 1 bar", opt.Horizon)
	}
	symbols := opt.Symbols
	if len(symbols) == 0 {
		matches, err := filepath.Glob(filepath.Join(opt.Dir, "*.csv"))
		if err != nil {
			return nil, err
		}
		for _, m := range matches {
			symbols = append(symbols, strings.TrimSuffix(filepath.Base(m), ".csv"))
		}
		sort.Strings(symbols)
	}
	if len(symbols) == 0 {
		return nil, fmt.Errorf("no *.csv files in %s: point --data at a directory of SYMBOL.csv files", opt.Dir)
	}
	if opt.TrainEnd.IsZero() {
		opt.TrainEnd = DefaultTrainEnd
	}
	if opt.ValidationEnd.IsZero() {
		opt.ValidationEnd = DefaultValidationEnd
	}
	if !opt.ValidationEnd.After(opt.TrainEnd) {
		return nil, fmt.Errorf("validation end %s must be after train end %s", opt.ValidationEnd.Format(time.DateOnly), opt.TrainEnd.Format(time.DateOnly))
	}
	source := marketdata.CSVDir{Dir: opt.Dir}
	data := &Data{Horizon: opt.Horizon, TrainEnd: opt.TrainEnd, ValidationEnd: opt.ValidationEnd}
	for _, name := range symbols {
		series, err := source.Load(ctx, name)
		if err != nil {
			return nil, err
		}
		file, err := describeFile(filepath.Join(opt.Dir, name+".csv"), series)
		if err != nil {
			return nil, err
		}
		data.Files = append(data.Files, file)
		data.Symbols = append(data.Symbols, buildSymbol(series.Adjusted(), opt))
	}
	return data, nil
}

func describeFile(path string, series *marketdata.Series) (latentmodel.DataFile, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return latentmodel.DataFile{}, err
	}
	sum := sha256.Sum256(raw)
	bars := series.Bars
	return latentmodel.DataFile{
		Symbol: series.Symbol,
		First:  bars[0].Date.Format(time.DateOnly),
		Last:   bars[len(bars)-1].Date.Format(time.DateOnly),
		Rows:   len(bars),
		SHA256: hex.EncodeToString(sum[:]),
	}, nil
}

func buildSymbol(series *marketdata.Series, opt LoadOptions) *Symbol {
	bars := series.Bars
	n := len(bars)
	s := &Symbol{Name: series.Symbol, Dates: make([]time.Time, n), Features: make([][]float64, n), Split: make([]Split, n)}
	for q := range s.Targets {
		s.Targets[q] = make([]float64, n)
	}
	features := marketdata.ComputeFeatures(bars)
	splitOf := func(d time.Time) Split {
		switch {
		case !d.After(opt.TrainEnd):
			return SplitTrain
		case !d.After(opt.ValidationEnd):
			return SplitValidation
		}
		return SplitTest
	}
	for t := range n {
		s.Dates[t] = bars[t].Date
		s.Features[t] = features[t][:]
		s.Split[t] = -1
		ret, up, down, ok := marketdata.Targets(bars, t, opt.Horizon)
		if !ok {
			for q := range s.Targets {
				s.Targets[q][t] = math.NaN()
			}
			continue
		}
		s.Targets[latentmodel.Return][t] = ret
		s.Targets[latentmodel.Upside][t] = up
		s.Targets[latentmodel.Downside][t] = down
		if !finiteRow(s.Features[t]) {
			continue
		}
		// A day whose horizon ends in a later split would leak that split into this one.
		if split := splitOf(bars[t].Date); split == splitOf(bars[t+opt.Horizon].Date) {
			s.Split[t] = split
		}
	}
	return s
}

func finiteRow(row []float64) bool {
	for _, v := range row {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// FeatureStats returns the mean and standard deviation of each feature over the training days.
func (d *Data) FeatureStats() (mean, std []float64) {
	nf := marketdata.NumFeatures
	mean, std = make([]float64, nf), make([]float64, nf)
	count := 0
	for _, s := range d.Symbols {
		for t, split := range s.Split {
			if split != SplitTrain {
				continue
			}
			count++
			for j, v := range s.Features[t] {
				mean[j] += v
			}
		}
	}
	for j := range mean {
		mean[j] /= float64(max(count, 1))
	}
	for _, s := range d.Symbols {
		for t, split := range s.Split {
			if split != SplitTrain {
				continue
			}
			for j, v := range s.Features[t] {
				std[j] += (v - mean[j]) * (v - mean[j])
			}
		}
	}
	for j := range std {
		std[j] = math.Sqrt(std[j] / float64(max(count-1, 1)))
		if std[j] == 0 {
			std[j] = 1 // a constant feature carries no information; keep it at zero after scaling
		}
	}
	return mean, std
}

// BinEdges returns bins+1 edges per question. The inner edges are equal-frequency quantiles of
// the training targets. Each outer edge is placed so that the midpoint of its bin equals the mean
// training target in that bin: readers treat a bin as uniform, and with the extreme values as
// outer edges the two tail bins would pull every expected value towards a rare extreme.
func (d *Data) BinEdges(bins int) ([latentmodel.NumQuestions][]float64, error) {
	var edges [latentmodel.NumQuestions][]float64
	for q := range edges {
		var values []float64
		for _, s := range d.Symbols {
			for t, split := range s.Split {
				if split == SplitTrain {
					values = append(values, s.Targets[q][t])
				}
			}
		}
		if len(values) < bins*10 {
			return edges, fmt.Errorf("only %d training days; need at least %d for %d bins", len(values), bins*10, bins)
		}
		sort.Float64s(values)
		e := make([]float64, bins+1)
		for k := 1; k < bins; k++ {
			e[k] = values[k*len(values)/bins]
		}
		e[0] = 2*meanBelow(values, e[1]) - e[1]
		e[bins] = 2*meanAtOrAbove(values, e[bins-1]) - e[bins-1]
		for k := 1; k <= bins; k++ {
			if !(e[k] > e[k-1]) {
				return edges, fmt.Errorf("bin edges of %s are not distinct at bin %d: the target has too many equal values for %d bins", latentmodel.Question(q), k, bins)
			}
		}
		edges[q] = e
	}
	return edges, nil
}

// meanBelow returns the mean of the sorted values below limit (the lowest bin).
func meanBelow(sorted []float64, limit float64) float64 {
	sum, n := 0.0, 0
	for _, v := range sorted {
		if v >= limit {
			break
		}
		sum += v
		n++
	}
	return sum / float64(max(n, 1))
}

// meanAtOrAbove returns the mean of the sorted values at or above limit (the highest bin).
func meanAtOrAbove(sorted []float64, limit float64) float64 {
	sum, n := 0.0, 0
	for i := len(sorted) - 1; i >= 0 && sorted[i] >= limit; i-- {
		sum += sorted[i]
		n++
	}
	return sum / float64(max(n, 1))
}

// BinIndex returns the bin of value: the k with edges[k] <= value < edges[k+1], with values
// outside the edges assigned to the first or last bin.
func BinIndex(edges []float64, value float64) int {
	bins := len(edges) - 1
	k := sort.SearchFloat64s(edges[1:bins], value)
	// SearchFloat64s returns the first inner edge >= value; a value equal to an inner edge belongs
	// to the bin above it.
	if k < bins-1 && edges[k+1] == value {
		k++
	}
	return k
}

// Prior returns the training frequency of each bin per question.
func (d *Data) Prior(edges [latentmodel.NumQuestions][]float64) [latentmodel.NumQuestions][]float64 {
	var prior [latentmodel.NumQuestions][]float64
	for q := range prior {
		counts := make([]float64, len(edges[q])-1)
		total := 0.0
		for _, s := range d.Symbols {
			for t, split := range s.Split {
				if split == SplitTrain {
					counts[BinIndex(edges[q], s.Targets[q][t])]++
					total++
				}
			}
		}
		for k := range counts {
			counts[k] /= total
		}
		prior[q] = counts
	}
	return prior
}
