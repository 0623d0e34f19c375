// Package roundticks gives the examples' plots axis ticks at round values:
// multiples of 1, 2 or 5 times a power of ten, with the axis stretched out
// to the ticks just beyond the data, as a reader of a chart expects (0, 0.5,
// 1, 1.5 rather than gonum's default 0.0734, 0.5, 1, 1.5 and an axis that
// ends at 2.317).
package roundticks

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// Ticks is a plot.Ticker with major ticks about every (max−min)/N, rounded
// up to a step of 1, 2 or 5 × 10ᵏ, and an unlabeled minor tick halfway
// between two major ones. Integer keeps the step at least 1 and whole, for
// an axis of epochs or counts. N ≤ 0 means 5.
type Ticks struct {
	N       int
	Integer bool
}

var _ plot.Ticker = Ticks{}

// Ticks returns the ticks from the multiple of the step at or below min to
// the one at or above max. A range that is empty or reversed is treated as
// [min, min+1], so that a plot of one point still gets ticks.
func (t Ticks) Ticks(min, max float64) []plot.Tick {
	if !(max > min) {
		max = min + 1
	}
	n := t.N
	if n <= 0 {
		n = 5
	}
	step := Step((max - min) / float64(n))
	if t.Integer && step < 1 {
		step = 1
	}
	lo := math.Floor(min/step+1e-9) * step
	hi := math.Ceil(max/step-1e-9) * step
	decimals := 0
	if step < 1 {
		decimals = int(math.Ceil(-math.Log10(step) - 1e-9))
	}
	var ticks []plot.Tick
	for i := 0; ; i++ {
		v := lo + float64(i)*step
		if v > hi+step/2 {
			break
		}
		v = math.Round(v/step) * step // 0.30000000000000004 → 0.3
		if v == 0 {
			v = 0 // never -0
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', decimals, 64)})
		if mid := v + step/2; mid < hi && !(t.Integer && step < 2) {
			ticks = append(ticks, plot.Tick{Value: mid})
		}
	}
	return ticks
}

// Step returns the smallest 1, 2 or 5 × 10ᵏ at or above raw (> 0).
func Step(raw float64) float64 {
	if !(raw > 0) || math.IsInf(raw, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if s := m * p; s >= raw*(1-1e-9) {
			return s
		}
	}
	return 10 * p
}

// Apply sets a's ticks to t and lets the axis grow to its outer ticks
// (plot.Axis.AutoRescale), so that both ends of the axis are labeled.
func Apply(a *plot.Axis, t plot.Ticker) {
	a.Tick.Marker = t
	a.AutoRescale = true
}

// LogTicks is a plot.Ticker for a logarithmic axis: labeled ticks at the
// values 1, 2 and 5 × 10ᵏ from the one at or below min to the one at or
// above max (only the powers of ten when the range spans more than three
// decades). It needs min > 0, as a log axis does.
type LogTicks struct{}

var _ plot.Ticker = LogTicks{}

// Ticks returns the ticks; a range that is empty or reversed is treated as
// [min, 10·min].
func (LogTicks) Ticks(min, max float64) []plot.Tick {
	if !(min > 0) {
		min = 1
	}
	if !(max > min) {
		max = 10 * min
	}
	mults := []float64{1, 2, 5}
	if max/min > 1000 {
		mults = []float64{1}
	}
	var ticks []plot.Tick
	for k := math.Floor(math.Log10(min)); ; k++ {
		p := math.Pow(10, k)
		for _, m := range mults {
			v := m * p
			if v <= min*(1+1e-9) {
				ticks = []plot.Tick{{Value: v, Label: strconv.FormatFloat(v, 'g', -1, 64)}}
				continue
			}
			ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', -1, 64)})
			if v >= max*(1-1e-9) {
				return ticks
			}
		}
	}
}
