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
		Std: []float64{math.Sqrt(2.0 / 3), math.Sqrt((400 + 100 + 900) / 3.0), 1},
	}
	if diff := cmp.Diff(want, s, cmpopts.EquateApprox(1e-15, 0)); diff != "" {
		t.Errorf("FitStandardizer (-want +got):\n%s", diff)
	}

	z := s.Transform(x)
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
	want := data.MinMaxScaler{Min: []float64{5, 3}, Max: []float64{50, 3}, Lo: 0.05, Hi: 0.95}
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
	scaled := s.Transform(y)
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
		if diff := cmp.Diff([]float64{0.25, 0.25}, s.Transform(tab).Column(0)); diff != "" {
			t.Errorf("constant %g: Transform (-want +got):\n%s", v, diff)
		}
		if diff := cmp.Diff([]float64{v, v}, s.InverseTransform(s.Transform(tab)).Column(0)); diff != "" {
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

// TestScalerPanics checks that fitting on no rows and transforming a table
// of another width panic with a *tensor.ShapeError.
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
		{"Standardizer.Transform", func() { s.Transform(narrow) }},
		{"Standardizer.InverseTransform", func() { s.InverseTransform(narrow) }},
		{"MinMaxScaler.Transform", func() { m.Transform(narrow) }},
		{"MinMaxScaler.InverseTransform", func() { m.InverseTransform(narrow) }},
	} {
		wantShapePanic(t, tt.op, tt.f)
	}
}
