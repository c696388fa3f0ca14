package thinker

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/traderlab/trader/latentmodel"
	"github.com/traderlab/trader/marketdata"
)

// Snapshot is the market on one date in the form a model reads it: the standardized feature
// window, plus the raw feature values that arguments quote.
type Snapshot struct {
	// Symbol is the ticker, as in the series.
	Symbol string
	// AsOf is the date of the last bar used (UTC midnight of the trading date).
	AsOf time.Time
	// Close is the last bar's close, in the units of the series the snapshot was built from.
	Close float64
	// Horizon is the target horizon of the model, in bars.
	Horizon int
	// Days is the window length in bars.
	Days int
	// FeatureNames names the per-day features in model order, [Features].
	FeatureNames []string
	// X is the model input, [Days*Features], oldest day first: each feature standardized with
	// the training split's mean and standard deviation and clipped to ±latentmodel.FeatureClip.
	X []float32
	// Raw is the unstandardized feature window, [Days][Features], oldest day first.
	Raw [][]float64
	// Latest maps each feature name to its raw value on the as-of date.
	Latest map[string]float64
	// Model is the SHA-256 digest of the weights whose statistics standardized X. A latent
	// thinker rejects a snapshot standardized for other weights.
	Model string
}

// NewSnapshot builds the snapshot of view for the model in bundle.
//
// The bundle's model was trained on split- and dividend-adjusted bars, so view must come from an
// adjusted series (marketdata.Series.Adjusted). NewSnapshot computes the features of every bar in
// view, keeps the last Window days (the model's Config.Window), standardizes them with the
// bundle's feature statistics and clips them to ±latentmodel.FeatureClip.
//
// It returns an error wrapping marketdata.ErrInsufficientHistory when view has fewer than
// marketdata.FeatureWarmup−1+Window bars, and one wrapping marketdata.ErrInvalidData when a
// feature in the window is not finite.
func NewSnapshot(view marketdata.View, bundle *latentmodel.Bundle) (*Snapshot, error) {
	if bundle == nil || bundle.Model == nil {
		return nil, fmt.Errorf("snapshot of %s: model bundle is nil; load weights with latentmodel.Default or latentmodel.LoadFile", view.Symbol())
	}
	if !slices.Equal(bundle.FeatureNames, marketdata.FeatureNames[:]) {
		return nil, fmt.Errorf("snapshot of %s: weights %s expect features %v but marketdata computes %v; retrain the model with this version",
			view.Symbol(), bundle.Name, bundle.FeatureNames, marketdata.FeatureNames)
	}
	if view.Len() == 0 {
		return nil, fmt.Errorf("snapshot of %s: the view has no bars: %w", view.Symbol(), marketdata.ErrNoData)
	}

	window := bundle.Model.Config.Window
	needed := marketdata.FeatureWarmup - 1 + window
	asOf := view.Date()
	if view.Len() < needed {
		return nil, fmt.Errorf("snapshot of %s as of %s: %d bars available, %d needed (%d warm-up bars + a %d-day window); choose a later as-of date or load more history: %w",
			view.Symbol(), marketdata.FormatDate(asOf), view.Len(), needed, marketdata.FeatureWarmup-1, window, marketdata.ErrInsufficientHistory)
	}

	bars := view.Bars()
	features := marketdata.ComputeFeatures(bars)
	first := len(bars) - window
	raw := make([][]float64, window)
	for d := range window {
		row := features[first+d]
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("snapshot of %s as of %s: feature %s is %v on %s: %w",
					view.Symbol(), marketdata.FormatDate(asOf), marketdata.FeatureNames[j], v,
					marketdata.FormatDate(bars[first+d].Date), marketdata.ErrInvalidData)
			}
		}
		raw[d] = append([]float64(nil), row[:]...)
	}

	latest := make(map[string]float64, len(marketdata.FeatureNames))
	for j, name := range marketdata.FeatureNames {
		latest[name] = raw[window-1][j]
	}
	return &Snapshot{
		Symbol:       view.Symbol(),
		AsOf:         asOf,
		Close:        view.Last().Close,
		Horizon:      bundle.Horizon,
		Days:         window,
		FeatureNames: append([]string(nil), marketdata.FeatureNames[:]...),
		X:            bundle.Standardize(raw),
		Raw:          raw,
		Latest:       latest,
		Model:        bundle.SHA256,
	}, nil
}
