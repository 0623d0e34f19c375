package data_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/layers/data"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestStandardizer checks that the statistics come from the table it is
// fitted on (the training rows) only, that those rows come out with mean 0
// and standard deviation 1, that a constant column maps to exactly 0, and
// that InverseTransform undoes Transform.
func TestStandardizer(t *testing.T) {
	x := mustTable(t, []string{"a", "b", "const"},
		[]float64{1, 10, 0.1},
		[]float64{2, 20, 0.1},
		[]float64{3, 60, 0.1},
		[]float64{1000, -500, 7}, // a test row: must not influence the fit
	)
	train := []int{0, 1, 2}
	s := data.FitStandardizer(x.Take(train))
	want := data.Standardizer{
		Mean: []float64{2, 30, 0.1},
		// Population standard deviations; the constant column gets 1, and
		// its mean is the value itself, not the rounded 0.3/3.
		Std:   []float64{math.Sqrt(2.0 / 3), math.Sqrt((400 + 100 + 900) / 3.0), 1},
		Names: []string{"a", "b", "const"},
	}
	if diff := cmp.Diff(want, s, cmpopts.EquateApprox(1e-15, 0)); diff != "" {
		t.Errorf("FitStandardizer (-want +got):\n%s", diff)
	}

	z := mustTransform(t, s, x)
	for j := range 2 {
		var sum, sq float64
		for _, i := range train {
			v := z.At(i, j)
			sum += v
			sq += v * v
		}
		if mean, variance := sum/3, sq/3; math.Abs(mean) > 1e-15 || math.Abs(variance-1) > 1e-15 {
			t.Errorf("column %d on the training rows: mean %g, variance %g, want 0 and 1", j, mean, variance)
		}
	}
	for _, i := range train {
		if v := z.At(i, 2); v != 0 {
			t.Errorf("constant column, row %d: %g, want exactly 0", i, v)
		}
	}
	wantTest := []float64{(1000 - 2) / math.Sqrt(2.0/3), -530 / math.Sqrt(1400/3.0), 7 - 0.1}
	if diff := cmp.Diff(wantTest, z.Row(3), cmpopts.EquateApprox(1e-15, 0)); diff != "" {
		t.Errorf("test row (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(z.Names(), x.Names()); diff != "" {
		t.Errorf("Transform changed the names (-x +z):\n%s", diff)
	}
	if diff := cmp.Diff(viewTable(x), viewTable(s.InverseTransform(z)), cmpopts.EquateApprox(1e-14, 1e-14)); diff != "" {
		t.Errorf("InverseTransform(Transform(x)) (-want +got):\n%s", diff)
	}
	if got, want := s.InverseValue(1, s.TransformValue(1, 42)), 42.0; math.Abs(got-want) > 1e-13 {
		t.Errorf("InverseValue(TransformValue(42)) = %g", got)
	}
}

// TestStandardizerTrainOnly fits on the training rows of a real Split and
// checks, against statistics computed by hand on those rows alone, that
// the test rows play no part.
func TestStandardizerTrainOnly(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	rows := make([][]float64, 50)
	for i := range rows {
		rows[i] = []float64{rng.NormFloat64()*3 + 1, rng.Float64()}
	}
	x := mustTable(t, nil, rows...)
	train, test, err := data.Split(x.Rows(), 0.2, rng)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range test { // make the test rows extreme: the fit must not move
		x.Row(i)[0] = 1e6
	}
	s := data.FitStandardizer(x.Take(train))
	for j := range 2 {
		var mean, ss float64
		for _, i := range train {
			mean += rows[i][j]
		}
		mean /= float64(len(train))
		for _, i := range train {
			ss += (rows[i][j] - mean) * (rows[i][j] - mean)
		}
		got := []float64{s.Mean[j], s.Std[j]}
		want := []float64{mean, math.Sqrt(ss / float64(len(train)))}
		if diff := cmp.Diff(want, got, cmpopts.EquateApprox(1e-13, 0)); diff != "" {
			t.Errorf("column %d mean and std (-want +got):\n%s", j, diff)
		}
	}
}

// TestStandardizerMatchesNumPy checks the statistics bit for bit against
// NumPy 1.24's x.mean(axis=0) and x.std(axis=0), as float.hex printed them,
// for x[i][j] = off + ((i·7919 + j·104729) mod 1009 − 504) / 7, which NumPy
// and Go compute alike (one correctly rounded division, then one addition).
// The offset 1e6 makes the mean's rounding matter. NumPy sums pairwise along
// a single column of more than 8 rows, so the tables have several columns.
func TestStandardizerMatchesNumPy(t *testing.T) {
	tests := []struct {
		rows, cols int
		off        float64
		mean, std  []float64
	}{
		{37, 3, 0,
			[]float64{0x1.07e8472a807e7p+1, -0x1.ea413c4b1ea36p-3, -0x1.45306eb3e4532p+1},
			[]float64{0x1.50af624c1200cp+5, 0x1.41e788e7b01f5p+5, 0x1.448f9dd504efbp+5}},
		{37, 3, 1e6,
			[]float64{0x1.e84841fa11cabp+19, 0x1.e847f856fb0edp+19, 0x1.e847aeb3e4530p+19},
			[]float64{0x1.50af624c122dbp+5, 0x1.41e788e7b0bebp+5, 0x1.448f9dd504b26p+5}},
		{1000, 2, 3.5,
			[]float64{0x1.cc65d09a7a4b6p+1, 0x1.c9903cdad7eadp+1},
			[]float64{0x1.4cfb56f4037a2p+5, 0x1.4c75636baab0dp+5}},
		{5, 1, 0, []float64{-0x1.99999999999a6p-2}, []float64{0x1.4f8f2817c56bbp+5}},
	}
	for _, tt := range tests {
		rows := make([][]float64, tt.rows)
		for i := range rows {
			rows[i] = make([]float64, tt.cols)
			for j := range rows[i] {
				rows[i][j] = tt.off + float64((i*7919+j*104729)%1009-504)/7
			}
		}
		got := data.FitStandardizer(mustTable(t, nil, rows...))
		if diff := cmp.Diff(data.Standardizer{Mean: tt.mean, Std: tt.std}, got); diff != "" {
			t.Errorf("%d×%d, offset %g: not NumPy's bits (-want +got):\n%s", tt.rows, tt.cols, tt.off, diff)
		}
	}
}

// naiveStandardizer is FitStandardizer's formula without its scaling: two
// passes in row order, as NumPy computes along axis 0.
func naiveStandardizer(rows [][]float64) data.Standardizer {
	n, cols := float64(len(rows)), len(rows[0])
	s := data.Standardizer{Mean: make([]float64, cols), Std: make([]float64, cols)}
	for _, r := range rows {
		for j, v := range r {
			s.Mean[j] += v
		}
	}
	for j := range s.Mean {
		s.Mean[j] /= n
	}
	for _, r := range rows {
		for j, v := range r {
			s.Std[j] += float64((v - s.Mean[j]) * (v - s.Mean[j]))
		}
	}
	for j := range s.Std {
		s.Std[j] = math.Sqrt(s.Std[j] / n)
	}
	return s
}

// TestStandardizerScalingExact checks that the power-of-two scaling that
// keeps extreme columns from over- or underflowing changes no bit of the
// statistics of ordinary data: random columns of magnitudes from 1e-100 to
// 1e100, with offsets, against the unscaled formula.
func TestStandardizerScalingExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for trial := range 200 {
		n, cols := 2+rng.IntN(50), 1+rng.IntN(4) // 2 rows at least: one row is a constant column
		rows := make([][]float64, n)
		mag := make([]float64, cols)
		for j := range mag {
			mag[j] = math.Pow(10, float64(rng.IntN(201)-100))
		}
		for i := range rows {
			rows[i] = make([]float64, cols)
			for j := range rows[i] {
				rows[i][j] = mag[j] * (rng.NormFloat64() + float64(j*j)*1e3)
			}
		}
		if diff := cmp.Diff(naiveStandardizer(rows), data.FitStandardizer(mustTable(t, nil, rows...))); diff != "" {
			t.Fatalf("trial %d, %d×%d, magnitudes %g (-unscaled +got):\n%s", trial, n, cols, mag, diff)
		}
	}
}

// TestStandardizerExtremes checks columns whose sum of squares underflowed
// to 0 (Std 0, so Transform gave ±Inf and NaN) or overflowed to +Inf, or
// whose sum overflowed (Mean +Inf), with the unscaled formula: they now
// standardize as the same columns would at a moderate scale.
func TestStandardizerExtremes(t *testing.T) {
	r32 := math.Sqrt(1.5) // the standardized {0, a, 2a}: ∓√1.5 and 0
	tests := []struct {
		name   string
		col    []float64
		mean   float64
		std    float64
		scaled []float64
	}{
		{"tiny: squares underflow", []float64{0, 1e-200, 2e-200}, 1e-200, 1e-200 * math.Sqrt(2.0/3), []float64{-r32, 0, r32}},
		{"subnormal", []float64{0, 1e-310, 2e-310}, 1e-310, 1e-310 * math.Sqrt(2.0/3), []float64{-r32, 0, r32}},
		{"huge: squares overflow", []float64{1e308, -1e308}, 0, 1e308, []float64{1, -1}},
		{"huge: the sum overflows", []float64{math.MaxFloat64, math.MaxFloat64 / 2}, 0.75 * math.MaxFloat64, 0.25 * math.MaxFloat64, []float64{1, -1}},
		// 1e-300 is lost in the sum, below 1e300's last bit, as in any float sum.
		{"huge and tiny", []float64{1e300, 1e-300, -1e300}, 0, 1e300 * math.Sqrt(2.0/3), []float64{r32, 0, -r32}},
	}
	for _, tt := range tests {
		rows := make([][]float64, len(tt.col))
		for i, v := range tt.col {
			rows[i] = []float64{v}
		}
		x := mustTable(t, nil, rows...)
		s := data.FitStandardizer(x)
		rel := 1e-14
		if tt.name == "subnormal" { // 2^-1030 has 44 bits of precision
			rel = 1e-12
		}
		if diff := cmp.Diff(data.Standardizer{Mean: []float64{tt.mean}, Std: []float64{tt.std}}, s, cmpopts.EquateApprox(rel, 0)); diff != "" {
			t.Errorf("%s: FitStandardizer (-want +got):\n%s", tt.name, diff)
		}
		if diff := cmp.Diff(tt.scaled, mustTransform(t, s, x).Column(0), cmpopts.EquateApprox(rel, 1e-15)); diff != "" {
			t.Errorf("%s: Transform (-want +got):\n%s", tt.name, diff)
		}
	}
}

// TestMinMaxScaler checks the map onto [Lo, Hi] and back: the fitted range
// lands on [Lo, Hi], the rows not fitted on play no part, and
// InverseValue inverts TransformValue everywhere, outside the fitted range
// too (no clamping).
func TestMinMaxScaler(t *testing.T) {
	y := mustTable(t, []string{"price", "const"}, []float64{5, 3}, []float64{50, 3}, []float64{20, 3}, []float64{1000, 3})
	s, err := data.FitMinMax(y.Take([]int{0, 1, 2}), 0.05, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	want := data.MinMaxScaler{Min: []float64{5, 3}, Max: []float64{50, 3}, Lo: 0.05, Hi: 0.95, Names: []string{"price", "const"}}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("FitMinMax (-want +got):\n%s", diff)
	}
	tests := []struct{ v, scaled float64 }{
		{5, 0.05},
		{50, 0.95},
		{27.5, 0.5},
		{20, 0.35},
		{0, -0.05},   // below the fitted range
		{72.5, 1.40}, // above it
	}
	for _, tt := range tests {
		got := s.TransformValue(0, tt.v)
		if diff := cmp.Diff(tt.scaled, got, cmpopts.EquateApprox(1e-14, 1e-15)); diff != "" {
			t.Errorf("TransformValue(%g) (-want +got):\n%s", tt.v, diff)
		}
		if diff := cmp.Diff(tt.v, s.InverseValue(0, got), cmpopts.EquateApprox(1e-14, 1e-14)); diff != "" {
			t.Errorf("InverseValue(TransformValue(%g)) (-want +got):\n%s", tt.v, diff)
		}
	}
	scaled := mustTransform(t, s, y)
	wantRows := [][]float64{{0.05, 0.05}, {0.95, 0.05}, {0.35, 0.05}, {0.05 + 995.0/45*0.9, 0.05}}
	if diff := cmp.Diff(wantRows, viewTable(scaled).Rows, cmpopts.EquateApprox(1e-14, 1e-15)); diff != "" {
		t.Errorf("Transform, the constant column to Lo (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(viewTable(y), viewTable(s.InverseTransform(scaled)), cmpopts.EquateApprox(1e-14, 1e-14)); diff != "" {
		t.Errorf("InverseTransform(Transform(y)) (-want +got):\n%s", diff)
	}

	for _, r := range [][2]float64{{1, 1}, {1, 0}, {math.NaN(), 1}, {0, math.Inf(1)}, {math.Inf(-1), 0}} {
		if _, err := data.FitMinMax(y, r[0], r[1]); err == nil || !strings.Contains(err.Error(), "want finite lo < hi") {
			t.Errorf("FitMinMax(lo %g, hi %g): got %v, want an error", r[0], r[1], err)
		}
	}
}

// TestMinMaxConstantColumn checks that a constant column maps to exactly Lo
// and back to its value whatever its magnitude, beyond 2⁵³ too (a Unix time
// in nanoseconds), where a stored range of Min + 1 rounded back to Min and
// Transform gave NaN; and that the width of 1 it is scaled by still holds for
// values off the fitted one.
func TestMinMaxConstantColumn(t *testing.T) {
	for _, v := range []float64{0, 3, -2.5, 1 << 53, 1.7e18, -1.7e18, 1e300, -math.MaxFloat64, math.SmallestNonzeroFloat64} {
		tab := mustTable(t, []string{"ts"}, []float64{v}, []float64{v})
		s, err := data.FitMinMax(tab, 0.25, 0.75)
		if err != nil {
			t.Fatal(err)
		}
		scaled := mustTransform(t, s, tab)
		if diff := cmp.Diff([]float64{0.25, 0.25}, scaled.Column(0)); diff != "" {
			t.Errorf("constant %g: Transform (-want +got):\n%s", v, diff)
		}
		if diff := cmp.Diff([]float64{v, v}, s.InverseTransform(scaled).Column(0)); diff != "" {
			t.Errorf("constant %g: InverseTransform(Transform) (-want +got):\n%s", v, diff)
		}
	}
	s, err := data.FitMinMax(mustTable(t, nil, []float64{10}), 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]float64{0, 2, -1}, []float64{s.TransformValue(0, 10), s.TransformValue(0, 11), s.TransformValue(0, 9.5)}); diff != "" {
		t.Errorf("constant 10 onto [0, 2], values 10, 11, 9.5 (-want +got):\n%s", diff)
	}
}

// TestScalerPanics checks that fitting on no rows and inverse-transforming
// a table of another width panic with a *tensor.ShapeError.
func TestScalerPanics(t *testing.T) {
	x := mustTable(t, nil, []float64{1, 2}, []float64{3, 5})
	s := data.FitStandardizer(x)
	m, _ := data.FitMinMax(x, 0, 1)
	narrow := mustTable(t, nil, []float64{1})
	for _, tt := range []struct {
		op string
		f  func()
	}{
		{"FitStandardizer", func() { data.FitStandardizer(x.Take(nil)) }},
		{"FitMinMax", func() { _, _ = data.FitMinMax(x.Take(nil), 0, 1) }},
		{"Standardizer.InverseTransform", func() { s.InverseTransform(narrow) }},
		{"MinMaxScaler.InverseTransform", func() { m.InverseTransform(narrow) }},
	} {
		wantShapePanic(t, tt.op, tt.f)
	}
}

// TestConstantUpToRounding checks that a column whose values differ only by
// rounding is scaled as constant, with scikit-learn 1.2.1's tests, against
// its numbers: StandardScaler().fit(col).transform([[1], [col[0]],
// [col[1]]]) and the same with MinMaxScaler(), printed with float.hex. The
// first column is 0.1 + 0.2 computed at run time (0.30000000000000004) and
// 0.3: its computed std is 3.9e-17, and a value of 1 went to 1.78e16
// (Standardizer) and 1.26e16 (MinMaxScaler) instead of 0.7. Columns that
// are not constant must stay scaled.
func TestConstantUpToRounding(t *testing.T) {
	a, b, big := 0.1, 0.2, 1e6
	c := a + b // at run time: 0.30000000000000004
	tests := []struct {
		name     string
		col      []float64
		std, mm  []float64 // the transformed 1, col[0], col[1]
		mean     float64   // Standardizer's
		scale    float64   // Standardizer's Std
		mmReason string
		rel      float64 // tolerance for the Standardizer; 0 for 1e-15
	}{
		{name: "0.1+0.2 and 0.3", col: []float64{c, 0.3, 0.3, c},
			mean: 0x1.3333333333334p-2, scale: 1,
			std: []float64{0x1.6666666666666p-1, 0, -0x1p-54},
			mm:  []float64{0x1.6666666666666p-1, 0x1p-54, 0}},
		// MinMaxScaler tests Max − Min < 10·eps whatever the magnitude, as
		// scikit-learn does, and maps this column onto {1, 0, 0} and 1
		// onto -5.15e15; the Standardizer's test is relative.
		{name: "(0.1+0.2)·1e6 and 300000", col: []float64{c * big, 3e5, 3e5},
			mean: 3e5, scale: 1,
			std: []float64{-299999, 0x1p-34, 0},
			mm:  []float64{-0x1.24f7cp+52, 1, 0}},
		// Relative to their magnitude these differ a lot: the Standardizer
		// scales them; MinMaxScaler's bound of 10·eps for magnitudes up to 1
		// is scikit-learn's, which calls the column constant.
		{name: "tiny", col: []float64{0, 1e-16, 2e-16},
			mean: 0x1.cd2b297d889bcp-54, scale: 0x1.788ae6f530139p-54,
			std: []float64{0x1.5c17eaeffb6f9p+53, -0x1.3988e1409212fp+0, 0},
			mm:  []float64{1, 0, 0x1.cd2b297d889bcp-54}},
		{name: "one ulp at 1", col: []float64{1, 1 + 0x1p-52, 1},
			mean: 1, scale: 1,
			std: []float64{0, 0, 0x1p-52},
			mm:  []float64{0, 0, 0x1p-52}},
		// NumPy's two-pass std, which FitStandardizer computes, loses 1.5e-8
		// to the rounding of the mean here; scikit-learn's correction term
		// does not.
		{name: "2⁻⁴⁰ at 1: not constant", col: []float64{1, 1 + 0x1p-40, 1}, rel: 2e-8,
			mean: 0x1.0000000000555p+0, scale: 0x1.e2b7dddfefa66p-42,
			std: []float64{-0x1.69f345c98d3d9p-1, -0x1.69f345c98d3d9p-1, 0x1.6a1536b726fc6p+0},
			mm:  []float64{0, 0, 1}},
	}
	for _, tt := range tests {
		rows := make([][]float64, len(tt.col))
		for i, v := range tt.col {
			rows[i] = []float64{v}
		}
		x := mustTable(t, nil, rows...)
		s := data.FitStandardizer(x)
		// The std of a column that is not constant is NumPy's, which may
		// differ from scikit-learn's in the last bits.
		approx := cmpopts.EquateApprox(1e-15, 0)
		if tt.rel != 0 {
			approx = cmpopts.EquateApprox(tt.rel, 0)
		}
		if diff := cmp.Diff(data.Standardizer{Mean: []float64{tt.mean}, Std: []float64{tt.scale}}, s, approx); diff != "" {
			t.Errorf("%s: FitStandardizer (-scikit-learn +got):\n%s", tt.name, diff)
		}
		m, err := data.FitMinMax(x, 0, 1)
		if err != nil {
			t.Fatal(err)
		}
		var gotStd, gotMM []float64
		for _, v := range []float64{1, tt.col[0], tt.col[1]} {
			gotStd = append(gotStd, s.TransformValue(0, v))
			gotMM = append(gotMM, m.TransformValue(0, v))
		}
		if diff := cmp.Diff(tt.std, gotStd, approx); diff != "" {
			t.Errorf("%s: Standardizer.TransformValue(1, col[0], col[1]) (-scikit-learn +got):\n%s", tt.name, diff)
		}
		if diff := cmp.Diff(tt.mm, gotMM); diff != "" {
			t.Errorf("%s: MinMaxScaler.TransformValue(1, col[0], col[1]) (-want +got)%s:\n%s", tt.name, tt.mmReason, diff)
		}
		if got := m.InverseValue(0, m.TransformValue(0, 1)); got != 1 {
			t.Errorf("%s: MinMaxScaler.InverseValue(TransformValue(1)) = %v", tt.name, got)
		}
	}
}

// TestScalersSkipNaN checks that NaN values are left out of the fitted
// statistics and stay NaN, against scikit-learn 1.2.1's numbers (float.hex
// of StandardScaler().fit(x).mean_, .scale_ and .transform(x), and of
// MinMaxScaler((-1, 1)).fit(x).transform(x)): one NaN made its whole column
// NaN, in every row of the training and the test split. A column of NaN
// only stays NaN.
func TestScalersSkipNaN(t *testing.T) {
	nan := math.NaN()
	x := mustTable(t, nil,
		[]float64{1, 5, nan},
		[]float64{nan, 6, nan},
		[]float64{3, nan, nan},
		[]float64{4, 9, nan},
		[]float64{2, 2, nan},
	)
	s := data.FitStandardizer(x)
	want := data.Standardizer{Mean: []float64{2.5, 5.5, nan}, Std: []float64{0x1.1e3779b97f4a8p+0, 2.5, nan}}
	if diff := cmp.Diff(want, s, cmpopts.EquateNaNs()); diff != "" {
		t.Errorf("FitStandardizer (-scikit-learn +got):\n%s", diff)
	}
	wantStd := [][]float64{
		{-0x1.5775c544ff263p+0, -0x1.999999999999ap-3, nan},
		{nan, 0x1.999999999999ap-3, nan},
		{0x1.c9f25c5bfedd9p-2, nan, nan},
		{0x1.5775c544ff263p+0, 0x1.6666666666666p+0, nan},
		{-0x1.c9f25c5bfedd9p-2, -0x1.6666666666666p+0, nan},
	}
	if diff := cmp.Diff(wantStd, viewTable(mustTransform(t, s, x)).Rows, cmpopts.EquateNaNs()); diff != "" {
		t.Errorf("Standardizer.Transform (-scikit-learn +got):\n%s", diff)
	}

	m, err := data.FitMinMax(x, -1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([][]float64{{1, 2, nan}, {4, 9, nan}}, [][]float64{m.Min, m.Max}, cmpopts.EquateNaNs()); diff != "" {
		t.Errorf("FitMinMax: Min, Max (-scikit-learn +got):\n%s", diff)
	}
	// scikit-learn computes v·scale + min, which rounds differently.
	wantMM := [][]float64{
		{-0x1.fffffffffffffp-1, -0x1.2492492492498p-3, nan},
		{nan, 0x1.2492492492490p-3, nan},
		{0x1.5555555555558p-2, nan, nan},
		{0x1.0000000000000p+0, 0x1.ffffffffffffep-1, nan},
		{-0x1.5555555555554p-2, -0x1.0000000000000p+0, nan},
	}
	if diff := cmp.Diff(wantMM, viewTable(mustTransform(t, m, x)).Rows, cmpopts.EquateNaNs(), cmpopts.EquateApprox(0, 1e-15)); diff != "" {
		t.Errorf("MinMaxScaler.Transform (-scikit-learn +got):\n%s", diff)
	}
}

// TestMinMaxHuge checks ranges whose width overflows a float64: a column
// {-1e308, 0, 1e308}, whose Max − Min overflowed and mapped it onto
// {0, 0, NaN} (scikit-learn gives {0, 0, 0}), and a target range
// [-1e308, 1e308], onto which {0, 1, 2} went to {NaN, +Inf, +Inf}. Both
// maps, and their inverses, now give the exact results.
func TestMinMaxHuge(t *testing.T) {
	const big = 1e308
	tests := []struct {
		name   string
		col    []float64
		lo, hi float64
		at     []float64 // values to transform
		want   []float64
	}{
		{"column -1e308..1e308 onto [0, 1]", []float64{-big, 0, big}, 0, 1,
			[]float64{-big, 0, big, big / 2}, []float64{0, 0.5, 1, 0.75}},
		{"column 0..2 onto [-1e308, 1e308]", []float64{0, 1, 2}, -big, big,
			[]float64{0, 1, 2, 1.5}, []float64{-big, 0, big, big / 2}},
		{"both", []float64{-big, big}, -big, big,
			[]float64{-big, 0, big}, []float64{-big, 0, big}},
		// v − Min overflows for a value far below the fitted range.
		{"below the range", []float64{big, 1.5 * big}, 0, 1,
			[]float64{-big, big}, []float64{-4, 0}},
		{"NaN stays NaN", []float64{-big, big}, 0, 1,
			[]float64{math.NaN()}, []float64{math.NaN()}},
	}
	for _, tt := range tests {
		rows := make([][]float64, len(tt.col))
		for i, v := range tt.col {
			rows[i] = []float64{v}
		}
		s, err := data.FitMinMax(mustTable(t, nil, rows...), tt.lo, tt.hi)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var got, back []float64
		for _, v := range tt.at {
			got = append(got, s.TransformValue(0, v))
			back = append(back, s.InverseValue(0, got[len(got)-1]))
		}
		if diff := cmp.Diff(tt.want, got, cmpopts.EquateNaNs()); diff != "" {
			t.Errorf("%s: TransformValue (-want +got):\n%s", tt.name, diff)
		}
		if diff := cmp.Diff(tt.at, back, cmpopts.EquateNaNs()); diff != "" {
			t.Errorf("%s: InverseValue(TransformValue) (-want +got):\n%s", tt.name, diff)
		}
	}
}

// TestTransformChecksColumns checks that Transform refuses, with an error, a
// table whose column names are not the fitted ones (a file with the same
// columns in another order was scaled with the other column's statistics,
// silently) or whose width differs (which panicked, though tables come from
// files); that a table or a scaler without names is not checked; and that
// Select(Names...) repairs the order.
func TestTransformChecksColumns(t *testing.T) {
	read := func(csv string) *data.Table {
		tab, err := data.ReadCSV(strings.NewReader(csv), data.CSVOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return tab
	}
	train := read("rooms,price\n3,100\n5,300\n4,150\n")
	swapped := read("price,rooms\n200,6\n")
	wide := read("rooms,price,age\n3,100,7\n")
	std := data.FitStandardizer(train)
	mm, err := data.FitMinMax(train, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([][]string{{"rooms", "price"}, {"rooms", "price"}}, [][]string{std.Names, mm.Names}); diff != "" {
		t.Errorf("fitted Names (-want +got):\n%s", diff)
	}
	scalers := []struct {
		name string
		s    transformer
	}{{"Standardizer", std}, {"MinMaxScaler", mm}}
	for _, sc := range scalers {
		for _, tt := range []struct {
			tab  *data.Table
			want string
		}{
			{swapped, `data: ` + sc.name + `.Transform: the table's columns ["price" "rooms"] are not the fitted ["rooms" "price"] ("price" where the fitted table has "rooms"); Table.Select(scaler.Names...) picks the fitted columns in their order`},
			{wide, `data: ` + sc.name + `.Transform: the table has 3 columns, the scaler was fitted on 2`},
		} {
			out, err := sc.s.Transform(tt.tab)
			if out != nil || err == nil || err.Error() != tt.want {
				t.Errorf("%s.Transform(%q): %v, %v; want the error %s", sc.name, tt.tab.Names(), out, err, tt.want)
			}
		}
		fixed, err := swapped.Select("rooms", "price")
		if err != nil {
			t.Fatal(err)
		}
		want := mustTransform(t, sc.s, mustTable(t, nil, []float64{6, 200}))
		if diff := cmp.Diff(viewTable(want).Rows, viewTable(mustTransform(t, sc.s, fixed)).Rows); diff != "" {
			t.Errorf("%s.Transform(Select(\"rooms\", \"price\")) against the same rows without names (-want +got):\n%s", sc.name, diff)
		}
	}

	// Without names on either side, nothing is checked but the width.
	unnamed := mustTable(t, nil, []float64{3, 100}, []float64{5, 300})
	if _, err := data.FitStandardizer(unnamed).Transform(swapped); err != nil {
		t.Errorf("a scaler fitted without names: Transform(named table): %v", err)
	}
	if _, err := std.Transform(unnamed); err != nil {
		t.Errorf("Transform(table without names): %v", err)
	}
}

// TestMinMaxLargeMagnitudes checks that columns of large values a few
// units in the last place apart (nanosecond timestamps, 53-bit
// identifiers) are data, mapped onto [Lo, Hi] as scikit-learn maps them,
// not constant columns: a test of the range relative to the values sent
// them far outside [0, 1] ({1e20, 1e20+163840} onto {0, 163840}).
func TestMinMaxLargeMagnitudes(t *testing.T) {
	for _, tt := range []struct {
		col, want []float64
	}{
		{[]float64{1e20, 1e20 + 163840}, []float64{0, 1}},
		{[]float64{1.7e18, 1.7e18 + 2048, 1.7e18 + 1024}, []float64{0, 1, 0.5}},
		{[]float64{9007199254740992, 9007199254741000, 9007199254741010}, []float64{0, 8.0 / 18, 1}},
	} {
		rows := make([][]float64, len(tt.col))
		for i, v := range tt.col {
			rows[i] = []float64{v}
		}
		m, err := data.FitMinMax(mustTable(t, nil, rows...), 0, 1)
		if err != nil {
			t.Fatal(err)
		}
		var got []float64
		for _, v := range tt.col {
			got = append(got, m.TransformValue(0, v))
		}
		if diff := cmp.Diff(tt.want, got, cmpopts.EquateApprox(1e-15, 0)); diff != "" {
			t.Errorf("%v onto [0, 1] (-scikit-learn +got):\n%s", tt.col, diff)
		}
	}
}
