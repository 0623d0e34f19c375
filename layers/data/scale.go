package data

import (
	"fmt"
	"math"
	"slices"
)

// eps is float64's machine epsilon, 2⁻⁵², NumPy's np.finfo(np.float64).eps,
// with which scikit-learn tests whether a column is constant.
const eps = 0x1p-52

// Standardizer maps each column to zero mean and unit variance,
// (v − Mean) / Std, with statistics fitted on one table: the training split,
// so that nothing about the test rows leaks into training. This is
// scikit-learn's StandardScaler (version 1.2): NaN values are left out of
// the statistics and stay NaN, a column that is constant up to rounding is
// scaled by 1, and Transform refuses a table whose column names are not
// the fitted ones; FitStandardizer says where the results differ.
type Standardizer struct {
	Mean []float64 // per column
	Std  []float64 // per column, population standard deviation; 1 for a constant column
	// Names are the fitted table's column names, nil when it had none:
	// Transform refuses a table with other names.
	Names []string
}

// FitStandardizer computes the mean and the population standard deviation
// (divided by n, as NumPy's std and scikit-learn) of each column of t, which
// should hold the training rows only (t.Take(train) after a Split), and
// keeps t's column names, for Transform to check.
//
// NaN values are left out, as scikit-learn leaves them out (they mean a
// missing value there; ReadCSV refuses them unless CSVOptions.AllowNonFinite
// is set): a column's statistics are NumPy's nanmean and nanstd, over its
// other values, and a column of NaN only gets a NaN Mean and Std. Transform
// leaves NaN values NaN, so they still show. Infinite values make their
// column's statistics NaN or infinite (scikit-learn refuses them).
//
// A column that is constant up to rounding gets Std 1, so that Transform
// only centers it instead of blowing its rounding errors up to unit
// variance: {0.1+0.2, 0.3, 0.3, 0.1+0.2} has a computed std of 3.9e-17,
// which would send a value of 1 to 1.8e16; it is constant, and 1 maps to
// 0.7. The test is scikit-learn's (_is_constant_feature), from the error
// bound of the two-pass variance: var ≤ n·eps·var + (n·mean·eps)², with
// eps = 2⁻⁵², float64's machine epsilon. A column whose values are all
// equal (std 0) gets Std 1 and Mean its value itself, so that it maps to
// exactly 0; scikit-learn keeps the computed mean there, whose rounding
// may leave values like 5.6e-17.
//
// It sums in row order, in two passes (the mean, then the squared
// deviations from it), as NumPy does along axis 0 of a table of several
// columns: its results are then NumPy's mean(axis=0) and std(axis=0) to the
// last bit. (For a single column of more than 8 rows NumPy sums pairwise,
// and may differ in the last bits. scikit-learn adds a correction term to
// the variance, and differs where the rounding of the mean matters: by
// 1.5e-8 relatively for the std of {1, 1+2⁻⁴⁰, 1}.) Each column is first
// scaled by a power of two that brings its largest magnitude near 1, so
// that no sum or square over- or underflows, whatever the values' magnitude
// ({±1e308} or {0, 1e-200, 2e-200} too); the scaling is exact, so it
// changes no bit of the result for data whose sums and squares stay in
// range.
//
// It panics with a *tensor.ShapeError when t has no rows.
func FitStandardizer(t *Table) Standardizer {
	if t.rows == 0 {
		panic(shapeErr("FitStandardizer", "no rows to fit", []int{t.rows, t.cols}))
	}
	s := Standardizer{Mean: make([]float64, t.cols), Std: make([]float64, t.cols), Names: slices.Clone(t.names)}
	lo, hi := columnRange(t)
	exp, scale := make([]int, t.cols), make([]float64, t.cols)
	for j := range exp {
		// Frexp of NaN or ±Inf gives exponent 0: such a column is not scaled.
		_, e := math.Frexp(max(math.Abs(lo[j]), math.Abs(hi[j])))
		exp[j] = min(max(e, -maxScaleExp), maxScaleExp)
		scale[j] = math.Ldexp(1, -exp[j])
	}
	n := make([]float64, t.cols) // values per column, NaN left out
	for i := range t.rows {
		for j, v := range t.data[i*t.cols : (i+1)*t.cols] {
			if !math.IsNaN(v) {
				s.Mean[j] += v * scale[j]
				n[j]++
			}
		}
	}
	for j := range s.Mean {
		s.Mean[j] /= n[j] // 0/0, NaN, for a column of NaN only
	}
	for i := range t.rows {
		for j, v := range t.data[i*t.cols : (i+1)*t.cols] {
			if !math.IsNaN(v) {
				d := v*scale[j] - s.Mean[j]
				s.Std[j] += float64(d * d) // rounded, as NumPy does: not fused into a multiply-add
			}
		}
	}
	for j := range s.Std {
		variance := s.Std[j] / n[j]
		constant := isConstant(variance, s.Mean[j], n[j])
		s.Std[j] = math.Ldexp(math.Sqrt(variance), exp[j])
		s.Mean[j] = math.Ldexp(s.Mean[j], exp[j])
		switch {
		case lo[j] == hi[j]: // all equal: rounding in the mean must not leave values off 0
			s.Mean[j], s.Std[j] = lo[j], 1
		case constant:
			s.Std[j] = 1
		}
	}
	return s
}

// isConstant reports whether a column of n values with this mean and
// population variance is constant up to rounding, by scikit-learn's test:
// var ≤ n·eps·var + (n·mean·eps)². Both sides scale with the square of the
// values, so that the test gives the same answer on a column that
// FitStandardizer scaled by a power of two. (Products are rounded one by
// one, as NumPy computes them.)
func isConstant(variance, mean, n float64) bool {
	m := float64(n * mean * eps)
	return variance <= float64(n*eps*variance)+float64(m*m)
}

// maxScaleExp bounds the exponent FitStandardizer scales a column by, so
// that the scale 2^-exp is a normal number. The largest magnitude of a column
// of subnormal values is then scaled up to 2^-53 or more, whose square is
// still far from underflow, and one near the largest float64 down to below 8.
const maxScaleExp = 1021

// columnRange returns the minimum and maximum of each column of a table,
// leaving NaN values out, as NumPy's nanmin and nanmax: NaN for a column of
// NaN only.
func columnRange(t *Table) (lo, hi []float64) {
	lo, hi = make([]float64, t.cols), make([]float64, t.cols)
	for j := range lo {
		lo[j], hi[j] = math.NaN(), math.NaN()
	}
	for i := range t.rows {
		for j, v := range t.data[i*t.cols : (i+1)*t.cols] {
			switch {
			case math.IsNaN(v):
			case math.IsNaN(lo[j]): // the column's first value
				lo[j], hi[j] = v, v
			default:
				lo[j], hi[j] = min(lo[j], v), max(hi[j], v)
			}
		}
	}
	return lo, hi
}

// Transform returns a standardized copy of t, whose NaN values stay NaN.
//
// Since t usually comes from a file, it returns an error when t has not as
// many columns as the fitted table, or when both tables have column names
// and they differ, in any place: a file whose columns come in another order
// than the training file's would otherwise be standardized with the wrong
// column's statistics. scikit-learn raises a ValueError there too.
// t.Select(s.Names...) picks the fitted columns, in their order.
func (s Standardizer) Transform(t *Table) (*Table, error) {
	if err := checkColumns("Standardizer.Transform", t, len(s.Mean), s.Names); err != nil {
		return nil, err
	}
	return mapColumns(t, s.TransformValue), nil
}

// InverseTransform undoes Transform: it returns v·Std + Mean for every value
// of t, for example to read standardized predictions in the data's units.
// Its input is the program's own output, so it checks no column names (as
// scikit-learn's inverse_transform), and it panics with a
// *tensor.ShapeError when t has not as many columns as the fitted table.
func (s Standardizer) InverseTransform(t *Table) *Table {
	checkWidth("Standardizer.InverseTransform", t, len(s.Mean))
	return mapColumns(t, s.InverseValue)
}

// TransformValue standardizes one value of column j: (v − Mean[j]) / Std[j].
func (s Standardizer) TransformValue(j int, v float64) float64 { return (v - s.Mean[j]) / s.Std[j] }

// InverseValue undoes TransformValue: v·Std[j] + Mean[j].
func (s Standardizer) InverseValue(j int, v float64) float64 { return v*s.Std[j] + s.Mean[j] }

// MinMaxScaler maps each column linearly so that the fitted table's minimum
// lands on Lo and its maximum on Hi: for example targets into (0, 1), where
// a sigmoid output can reach them, or pixels into [0, 1]. This is
// scikit-learn's MinMaxScaler (version 1.2): NaN values are left out of
// the fitted range and stay NaN, and Transform refuses a table whose column
// names are not the fitted ones. Values outside the fitted range map
// outside [Lo, Hi]: nothing is clamped, so the map stays invertible.
//
// A column is constant when its range is below 10·eps, with eps = 2⁻⁵²,
// float64's machine epsilon: scikit-learn's test (_handle_zeros_in_scale).
// Such a column is scaled as if its range had width 1, so that it maps to
// Lo (its rounding errors, such as 0.1+0.2 against 0.3, stay as small as
// they were instead of being stretched over [Lo, Hi]) and the map stays
// invertible. The test does not grow with the values: a column of large
// values that differ by a few units in their last place (timestamps in
// nanoseconds, 53-bit identifiers) is data, mapped onto [Lo, Hi]; so is
// {300000.00000000006, 300000}, onto {1, 0}, as in scikit-learn.
//
// The map is computed on halved values where a difference such as
// Max − Min overflows, so that a column {-1e308, 0, 1e308} maps onto
// {0, 0.5, 1} (in scikit-learn, Max − Min overflows to +Inf and all three
// map to 0), and so that [Lo, Hi] may be as wide as [-1e308, 1e308]:
// nothing overflows unless the result does.
type MinMaxScaler struct {
	Min, Max []float64 // per column, the fitted range
	Lo, Hi   float64   // where each column's Min and Max land
	// Names are the fitted table's column names, nil when it had none:
	// Transform refuses a table with other names.
	Names []string
}

// FitMinMax fits a MinMaxScaler on the columns of t, which should hold the
// training rows only, mapping each column's range onto [lo, hi], and keeps
// t's column names, for Transform to check. NaN values are left out of the
// ranges, as scikit-learn does (a column of NaN only gets a NaN range, and
// maps to NaN). A constant column (see MinMaxScaler) is scaled as if its
// range had width 1, so that its value, however large, maps to exactly lo
// and the map stays invertible.
// (Storing Max = Min + 1 instead would fail from |Min| ≥ 2⁵³ on, where
// Min + 1 rounds back to Min and Transform divides 0 by 0.) It returns an
// error when lo and hi are not finite with lo < hi, and panics with a
// *tensor.ShapeError when t has no rows.
func FitMinMax(t *Table, lo, hi float64) (MinMaxScaler, error) {
	if !(lo < hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return MinMaxScaler{}, fmt.Errorf("data: FitMinMax: range [%g, %g], want finite lo < hi", lo, hi)
	}
	if t.rows == 0 {
		panic(shapeErr("FitMinMax", "no rows to fit", []int{t.rows, t.cols}))
	}
	s := MinMaxScaler{Lo: lo, Hi: hi, Names: slices.Clone(t.names)}
	s.Min, s.Max = columnRange(t)
	return s, nil
}

// Transform returns a scaled copy of t, whose NaN values stay NaN. It
// returns an error when t has not as many columns as the fitted table, or
// when both tables have column names and they differ, as
// Standardizer.Transform does.
func (s MinMaxScaler) Transform(t *Table) (*Table, error) {
	if err := checkColumns("MinMaxScaler.Transform", t, len(s.Min), s.Names); err != nil {
		return nil, err
	}
	return mapColumns(t, s.TransformValue), nil
}

// InverseTransform undoes Transform, for example to read a network's
// outputs in the target's units. Like Standardizer.InverseTransform, it
// checks no column names and panics with a *tensor.ShapeError when t has
// not as many columns as the fitted table.
func (s MinMaxScaler) InverseTransform(t *Table) *Table {
	checkWidth("MinMaxScaler.InverseTransform", t, len(s.Min))
	return mapColumns(t, s.InverseValue)
}

// TransformValue scales one value of column j:
// Lo + (v − Min[j]) / (Max[j] − Min[j]) · (Hi − Lo), with a width of 1 in
// place of Max[j] − Min[j] for a constant column.
func (s MinMaxScaler) TransformValue(j int, v float64) float64 {
	return affine(v, s.Min[j], s.Max[j], s.constant(j), s.Lo, s.Hi, false)
}

// InverseValue undoes TransformValue:
// Min[j] + (v − Lo) / (Hi − Lo) · (Max[j] − Min[j]), with the same width of 1
// for a constant column.
func (s MinMaxScaler) InverseValue(j int, v float64) float64 {
	return affine(v, s.Lo, s.Hi, false, s.Min[j], s.Max[j], s.constant(j))
}

// constant reports whether column j is constant up to rounding (see
// MinMaxScaler), and so scaled as if its range had width 1, so that nothing
// divides by 0 or by a rounding error.
func (s MinMaxScaler) constant(j int) bool {
	return s.Max[j]-s.Min[j] < 10*eps
}

// affine maps v linearly from [a0, a1] onto [b0, b1]:
// b0 + (v − a0) / (a1 − a0) · (b1 − b0), with a width of 1 in place of
// a1 − a0 when aUnit, and of b1 − b0 when bUnit. When a difference or the
// quotient's product overflows, it computes the same map on halved values,
// b0 + f·h + f·h with f = (v/2 − a0/2) / (a1/2 − a0/2) and h = b1/2 − b0/2,
// which overflows only when the result does. (Halving is exact but for
// subnormal values, which are then below the result's last bit.)
func affine(v, a0, a1 float64, aUnit bool, b0, b1 float64, bUnit bool) float64 {
	d, wa, wb := v-a0, a1-a0, b1-b0
	if aUnit {
		wa = 1
	}
	if bUnit {
		wb = 1
	}
	q := d / wa * wb
	if !math.IsInf(d, 0) && !math.IsInf(wa, 0) && !math.IsInf(wb, 0) && !math.IsInf(q, 0) {
		return b0 + q
	}
	wa, wb = a1/2-a0/2, b1/2-b0/2
	if aUnit {
		wa = 0.5
	}
	if bUnit {
		wb = 0.5
	}
	f := (v/2 - a0/2) / wa
	return b0 + f*wb + f*wb
}

// checkColumns returns an error when t has not cols columns, or when t and
// the fitted table both have column names (t's and names) and they differ.
func checkColumns(op string, t *Table, cols int, names []string) error {
	if t.cols != cols {
		return fmt.Errorf("data: %s: the table has %d columns, the scaler was fitted on %d", op, t.cols, cols)
	}
	if t.names == nil || names == nil {
		return nil
	}
	for j, n := range t.names {
		if n != names[j] {
			return fmt.Errorf("data: %s: the table's columns %q are not the fitted %q (%q where the fitted table has %q); "+
				"Table.Select(scaler.Names...) picks the fitted columns in their order", op, t.names, names, n, names[j])
		}
	}
	return nil
}

// checkWidth panics when t has not cols columns.
func checkWidth(op string, t *Table, cols int) {
	if t.cols != cols {
		panic(shapeErr(op, fmt.Sprintf("table has %d columns, the scaler was fitted on %d", t.cols, cols), []int{t.rows, t.cols}))
	}
}

// mapColumns returns a copy of t with f(j, v) applied to every value v of
// every column j.
func mapColumns(t *Table, f func(j int, v float64) float64) *Table {
	out := &Table{names: t.names, rows: t.rows, cols: t.cols, lines: t.lines, fields: t.fields, data: make([]float64, len(t.data))}
	for k, v := range t.data {
		out.data[k] = f(k%t.cols, v)
	}
	return out
}
