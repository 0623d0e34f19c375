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
// an axis of epochs or counts. N ≤ 0 means 5, and N is at most MaxN.
type Ticks struct {
	N       int
	Integer bool
}

var _ plot.Ticker = Ticks{}

// MaxN is the largest Ticks.N that Ticks honors, so that an axis gets at
// most MaxN+3 major ticks however it is asked.
const MaxN = 1000

// minRelStep is the smallest step relative to the larger magnitude of the
// bounds, some thousands of float64 ulps, so that neighboring ticks are distinct
// numbers and their labels need at most 13 significant digits.
const minRelStep = 1e-12

// Ticks returns the major ticks at the multiples of the step from the one
// at or below min to the one at or above max, and the minor ones between.
//
// A range that is empty or reversed is treated as [min, min+1], or as
// [min, min+|min|/10] when |min| > 10, so that a plot of one point still
// gets a few ticks however large its value. The step is at least 10⁻¹² of
// the bounds' magnitude, so that the ticks of a very narrow range far from
// 0 are distinct. A range wider than the largest float64, such as
// [−1e308, 1e308], is measured without overflow, and ticks beyond the
// largest float64 are left out. NaN or infinite bounds (gonum's axis of a
// plot without data is [+Inf, −Inf]) give no ticks: nil.
//
// Labels have as many decimals as the step (0.0, 0.5, 1.0); when a tick
// reaches 10¹⁵ in magnitude, or all lie below 10⁻⁴, they are in exponent
// form with the digits the tick needs (1e+20, 1.2e+20, 5e-07).
func (t Ticks) Ticks(min, max float64) []plot.Tick {
	if !isFinite(min) || !isFinite(max) {
		return nil
	}
	n := t.N
	if n <= 0 {
		n = 5
	}
	if n > MaxN {
		n = MaxN
	}
	// half is half the range's width: max/2 − min/2 does not overflow.
	var half float64
	if max > min {
		half = max/2 - min/2
	} else {
		half = math.Max(0.5, math.Abs(min)/20)
		max = min + 2*half
		if math.IsInf(max, 0) {
			max = math.MaxFloat64
		}
	}
	mag := math.Max(math.Abs(min), math.Abs(max))
	raw := math.Min(half/float64(n)*2, math.MaxFloat64)
	raw = math.Max(raw, math.Max(mag*minRelStep, math.SmallestNonzeroFloat64))
	m, k := step(raw)
	if t.Integer && k < 0 {
		m, k = 1, 0
	}
	s := float64(m) * math.Pow10(k)
	if math.IsInf(s, 0) { // no finite 1, 2 or 5 × 10ᵏ is that large
		m, k, s = 1, 308, 1e308
	}
	lo := math.Floor(min/s + 1e-9)
	hi := math.Ceil(max/s - 1e-9)
	exp := mag >= 1e15 || mag < 1e-4
	var ticks []plot.Tick
	for i := lo; i <= hi && i <= lo+float64(n)+2; i++ {
		v := tickValue(i*float64(m), k)
		if math.IsInf(v, 0) {
			continue
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: label(i*float64(m), k, v, exp)})
		if mid := v + s/2; i < hi && !math.IsInf(mid, 0) && !(t.Integer && m == 1 && k == 0) {
			ticks = append(ticks, plot.Tick{Value: mid})
		}
	}
	return ticks
}

// isFinite reports whether x is neither NaN nor infinite.
func isFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// tickValue returns the float64 nearest to c × 10ᵏ for a whole c below
// 2⁵³ in magnitude, ±Inf beyond the largest float64. It parses the decimal
// rather than multiplying by math.Pow10(k), which is exact only up to
// 10²²: a product with it can be an ulp off (4.9999999999999996e-06 for
// 5 × 10⁻⁶), and many with a subnormal power of ten.
func tickValue(c float64, k int) float64 {
	v, err := strconv.ParseFloat(strconv.FormatFloat(c, 'f', 0, 64)+"e"+strconv.Itoa(k), 64)
	if err != nil && !math.IsInf(v, 0) { // ParseFloat gives ±Inf and ErrRange on overflow
		panic("roundticks: " + err.Error()) // a bug: the string is a valid number
	}
	if v == 0 {
		return 0 // never -0
	}
	return v
}

// label formats the tick v = c × 10ᵏ (c whole): with −k decimals (none for
// k ≥ 0), or in exponent form with the significant digits of c when exp.
func label(c float64, k int, v float64, exp bool) string {
	if !exp {
		return strconv.FormatFloat(v, 'f', decimals(k), 64)
	}
	if v == 0 {
		return "0"
	}
	digits := strconv.FormatFloat(math.Abs(c), 'f', 0, 64)
	sig := len(digits)
	for sig > 1 && digits[sig-1] == '0' {
		sig--
	}
	return strconv.FormatFloat(v, 'e', sig-1, 64)
}

// decimals is the number of decimals of a multiple of 10ᵏ: −k, or 0.
func decimals(k int) int {
	if k < 0 {
		return -k
	}
	return 0
}

// Step returns the smallest 1, 2 or 5 × 10ᵏ at or above raw (> 0); it is
// 1 for a raw that is not positive and finite, and +Inf for a raw above
// 1e308 (larger than any finite one).
func Step(raw float64) float64 {
	if !(raw > 0) || math.IsInf(raw, 0) {
		return 1
	}
	m, k := step(raw)
	return tickValue(float64(m), k)
}

// step returns Step(raw) as m × 10ᵏ, m being 1, 2 or 5, for a positive
// finite raw.
func step(raw float64) (m, k int) {
	k = decade(raw)
	for {
		for _, m := range []int{1, 2, 5} {
			if float64(m)*math.Pow10(k) >= raw*(1-1e-9) {
				return m, k
			}
		}
		k++
	}
}

// decade returns the k with 10ᵏ ≤ x < 10ᵏ⁺¹ for a positive finite x.
// math.Log10 alone can miss it by one near a power of ten, and by much
// more for a subnormal x (Log10(5e-324) is about −308 on amd64).
func decade(x float64) int {
	k := int(math.Floor(math.Log10(x)))
	for k > -324 && math.Pow10(k) > x {
		k--
	}
	for math.Pow10(k+1) <= x {
		k++
	}
	return k
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

// Ticks returns the ticks; a min that is not positive is treated as 1, and
// a range that is empty or reversed as [min, 10·min]. NaN or infinite
// bounds (gonum's axis of a plot without data is [+Inf, −Inf]) give no
// ticks: nil. Ticks beyond the largest float64 are left out. Labels are
// the shortest that read back as the tick (0.02, 5e-06, 1e+20).
func (LogTicks) Ticks(min, max float64) []plot.Tick {
	if !isFinite(min) || !isFinite(max) {
		return nil
	}
	if !(min > 0) {
		min = 1
	}
	if !(max > min) {
		max = 10 * min
	}
	mults := []int{1, 2, 5}
	if max/min > 1000 {
		mults = []int{1}
	}
	var ticks []plot.Tick
	for k := decade(min); k <= 308; k++ {
		for _, m := range mults {
			v := tickValue(float64(m), k)
			if v == 0 { // below the smallest float64
				continue
			}
			if math.IsInf(v, 0) {
				return ticks
			}
			tk := plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', -1, 64)}
			if v <= min*(1+1e-9) {
				ticks = []plot.Tick{tk}
				continue
			}
			ticks = append(ticks, tk)
			if v >= max*(1-1e-9) {
				return ticks
			}
		}
	}
	return ticks
}
