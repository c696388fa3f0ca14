package thinker

import (
	"fmt"
	"slices"
)

// NumFeatures returns the number of features per day.
func (s *Snapshot) NumFeatures() int { return len(s.FeatureNames) }

// Validate checks that the snapshot's slices agree with Days and FeatureNames.
func (s *Snapshot) Validate() error {
	f := len(s.FeatureNames)
	switch {
	case s.Days < 1:
		return fmt.Errorf("snapshot of %s has %d days, needs at least 1", s.Symbol, s.Days)
	case f == 0:
		return fmt.Errorf("snapshot of %s has no feature names", s.Symbol)
	case len(s.X) != s.Days*f:
		return fmt.Errorf("snapshot of %s has %d inputs, expected days %d × features %d", s.Symbol, len(s.X), s.Days, f)
	case len(s.Raw) != s.Days:
		return fmt.Errorf("snapshot of %s has %d raw rows, expected %d days", s.Symbol, len(s.Raw), s.Days)
	}
	for d, row := range s.Raw {
		if len(row) != f {
			return fmt.Errorf("snapshot of %s: raw row %d has %d values, expected %d features", s.Symbol, d, len(row), f)
		}
	}
	return nil
}

// ZScore returns the standardized, clipped value of the named feature on the as-of date, and
// false when the snapshot has no such feature.
func (s *Snapshot) ZScore(name string) (float64, bool) {
	j := slices.Index(s.FeatureNames, name)
	if j < 0 || len(s.X) < s.Days*len(s.FeatureNames) {
		return 0, false
	}
	return float64(s.X[(s.Days-1)*len(s.FeatureNames)+j]), true
}

// Percentile returns the percentile rank, in [0, 1], of the named feature's value on the as-of
// date among the window's days, the as-of date included. The rank is
// (days below + ½ · days equal) / Days, so a window of equal values gives 0.5 and a unique
// window maximum gives 1 − 1/(2·Days). It returns false when the snapshot has no such feature.
func (s *Snapshot) Percentile(name string) (float64, bool) {
	j := slices.Index(s.FeatureNames, name)
	if j < 0 || len(s.Raw) == 0 {
		return 0, false
	}
	latest := s.Raw[len(s.Raw)-1][j]
	below, equal := 0, 0
	for _, row := range s.Raw {
		switch {
		case row[j] < latest:
			below++
		case row[j] == latest:
			equal++
		}
	}
	return (float64(below) + float64(equal)/2) / float64(len(s.Raw)), true
}
