package main

import (
	"encoding/csv"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestLoadCSV reads well-formed tables: columns found by name in any order,
// extra columns skipped, spaces, a byte order mark and CRLF line ends
// tolerated.
func TestLoadCSV(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		wantX [][]float64
		wantY []float64
	}{
		{
			name:  "in order",
			in:    "RM,LSTAT,MEDV\n6.5,4.98,24\n6.25,9.14,21.6\n",
			wantX: [][]float64{{6.5, 4.98}, {6.25, 9.14}},
			wantY: []float64{24, 21.6},
		},
		{
			name:  "shuffled with extra columns, spaces, BOM, CRLF",
			in:    "\uFEFFMEDV, CHAS ,LSTAT , RM\r\n24, 0, 4.98,6.5\r\n\r\n21.6,1,9.14, 6.25\r\n",
			wantX: [][]float64{{6.5, 4.98}, {6.25, 9.14}},
			wantY: []float64{24, 21.6},
		},
		{
			name:  "quoted fields and exponents",
			in:    "RM,LSTAT,MEDV\n\"6.5\",4.98e0,2.4e1\n",
			wantX: [][]float64{{6.5, 4.98}},
			wantY: []float64{24},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds, err := LoadCSV(strings.NewReader(tt.in), []string{"RM", "LSTAT"}, "MEDV")
			if err != nil {
				t.Fatalf("LoadCSV: %v", err)
			}
			if diff := cmp.Diff(tt.wantX, ds.X); diff != "" {
				t.Errorf("X (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantY, ds.Y); diff != "" {
				t.Errorf("Y (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"RM", "LSTAT"}, ds.Features); diff != "" {
				t.Errorf("Features (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLoadCSVErrors checks that bad input returns an error that says where
// and what, and never panics.
func TestLoadCSVErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // substrings of the error message
	}{
		{"bad value names line and column", "RM,LSTAT,MEDV\n6.5,4.98,24\n6.2,abc,21.6\n",
			[]string{"line 3, column 2 (LSTAT)", `"abc"`}},
		{"bad target value", "CRIM,RM,LSTAT,MEDV\n1,6.5,4.98,x24\n",
			[]string{"line 2, column 4 (MEDV)", `"x24"`}},
		{"NaN is not accepted", "RM,LSTAT,MEDV\n6.5,NaN,24\n",
			[]string{"line 2, column 2 (LSTAT)", "not a finite number"}},
		{"Inf is not accepted", "RM,LSTAT,MEDV\n+Inf,4.98,24\n",
			[]string{"line 2, column 1 (RM)"}},
		{"empty value", "RM,LSTAT,MEDV\n6.5,,24\n",
			[]string{"line 2, column 2 (LSTAT)"}},
		{"invalid UTF-8 bytes", "RM,LSTAT,MEDV\n6.5,\xff\xfe,24\n",
			[]string{"line 2, column 2 (LSTAT)"}},
		{"too few fields", "RM,LSTAT,MEDV\n6.5,4.98,24\n6.2,21.6\n",
			[]string{"line 3", "2 fields", "header has 3"}},
		{"too many fields", "RM,LSTAT,MEDV\n6.5,4.98,24,7\n",
			[]string{"line 2", "4 fields", "header has 3"}},
		{"missing required column", "RM,MEDV\n6.5,24\n",
			[]string{"missing required column", `"LSTAT"`}},
		{"missing target column", "RM,LSTAT\n6.5,4.98\n",
			[]string{"missing required column", `"MEDV"`}},
		{"repeated column", "RM,LSTAT,RM,MEDV\n1,2,3,4\n",
			[]string{"appears twice", `"RM"`}},
		{"empty input", "", []string{"empty input"}},
		{"header only", "RM,LSTAT,MEDV\n", []string{"no data rows"}},
		{"bare quote", "RM,LSTAT,MEDV\n6.5,4\"98,24\n", []string{"line 2", "column"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds, err := LoadCSV(strings.NewReader(tt.in), []string{"RM", "LSTAT"}, "MEDV")
			if err == nil {
				t.Fatalf("LoadCSV succeeded with %+v, want an error", ds)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}

	// Malformed CSV keeps the encoding/csv error, with its position, in the
	// chain.
	_, err := LoadCSV(strings.NewReader("RM,LSTAT,MEDV\n6.5,4\"98,24\n"), []string{"RM", "LSTAT"}, "MEDV")
	var pe *csv.ParseError
	if !errors.As(err, &pe) || pe.Line != 2 {
		t.Errorf("bare quote: got %v, want a *csv.ParseError on line 2", err)
	}
}

// TestEmbeddedHousing checks the embedded data: 506 houses, the first row as
// published, no column B, and every value read.
func TestEmbeddedHousing(t *testing.T) {
	ds, err := LoadCSV(strings.NewReader(housingCSV), featureNames(), targetName)
	if err != nil {
		t.Fatalf("LoadCSV(housing.csv): %v", err)
	}
	if len(ds.X) != 506 || len(ds.Y) != 506 {
		t.Fatalf("got %d rows and %d targets, want 506", len(ds.X), len(ds.Y))
	}
	// RM, LSTAT, PTRATIO, DIS -> MEDV of the first and the last house.
	if diff := cmp.Diff([]float64{6.575, 4.98, 15.3, 4.09}, ds.X[0]); diff != "" {
		t.Errorf("first row (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]float64{6.03, 7.88, 21, 2.505}, ds.X[505]); diff != "" {
		t.Errorf("last row (-want +got):\n%s", diff)
	}
	if ds.Y[0] != 24 || ds.Y[505] != 11.9 {
		t.Errorf("MEDV of first and last house = %v, %v, want 24, 11.9", ds.Y[0], ds.Y[505])
	}
	header := strings.Split(strings.TrimSpace(strings.SplitN(housingCSV, "\n", 2)[0]), ",")
	if slices.Contains(header, "B") {
		t.Errorf("header %v contains column B, which was removed upstream on purpose", header)
	}
}

// TestSplit checks that the split is seeded, disjoint, complete, and of the
// requested sizes.
func TestSplit(t *testing.T) {
	tests := []struct {
		n         int
		frac      float64
		wantTrain int
		wantTest  int
	}{
		{506, 0.2, 405, 101},
		{10, 0.2, 8, 2},
		{10, 0.5, 5, 5},
		{2, 0.2, 1, 1},  // at least one test index
		{3, 0.99, 1, 2}, // at least one training index
	}
	for _, tt := range tests {
		train, test := Split(tt.n, tt.frac, rand.New(rand.NewPCG(7, 8)))
		if len(train) != tt.wantTrain || len(test) != tt.wantTest {
			t.Errorf("Split(%d, %g): %d train, %d test, want %d, %d", tt.n, tt.frac, len(train), len(test), tt.wantTrain, tt.wantTest)
		}
		all := slices.Sorted(slices.Values(append(slices.Clone(train), test...)))
		want := make([]int, tt.n)
		for i := range want {
			want[i] = i
		}
		if diff := cmp.Diff(want, all); diff != "" {
			t.Errorf("Split(%d, %g): train ∪ test is not 0..n-1 exactly once (-want +got):\n%s", tt.n, tt.frac, diff)
		}
	}

	train1, test1 := Split(506, 0.2, rand.New(rand.NewPCG(1, 2)))
	train2, test2 := Split(506, 0.2, rand.New(rand.NewPCG(1, 2)))
	if !slices.Equal(train1, train2) || !slices.Equal(test1, test2) {
		t.Errorf("the same seed gave different splits")
	}
	train3, _ := Split(506, 0.2, rand.New(rand.NewPCG(3, 2)))
	if slices.Equal(train1, train3) {
		t.Errorf("different seeds gave the same split")
	}
	if slices.IsSorted(train1) {
		t.Errorf("the training indices are in order: the split did not shuffle")
	}
}

// TestStandardizer checks that the statistics come from the training rows
// only, and that those rows come out with mean 0 and standard deviation 1.
func TestStandardizer(t *testing.T) {
	x := [][]float64{
		{1, 10, 5},
		{2, 20, 5},
		{3, 60, 5},
		{1000, -500, 7}, // a test row: must not influence the fit
	}
	train := []int{0, 1, 2}
	s := FitStandardizer(x, train)
	want := Standardizer{
		Mean: []float64{2, 30, 5},
		// Population standard deviations; the constant feature gets 1.
		Std: []float64{math.Sqrt(2.0 / 3), math.Sqrt((400 + 100 + 900) / 3.0), 1},
	}
	if diff := cmp.Diff(want, s, cmpopts.EquateApprox(1e-15, 0)); diff != "" {
		t.Errorf("FitStandardizer (-want +got):\n%s", diff)
	}
	for f := range 2 {
		var sum, sq float64
		for _, i := range train {
			v := s.Apply(x[i])[f]
			sum += v
			sq += v * v
		}
		if mean, variance := sum/3, sq/3; math.Abs(mean) > 1e-15 || math.Abs(variance-1) > 1e-15 {
			t.Errorf("feature %d on the training rows: mean %g, variance %g, want 0 and 1", f, mean, variance)
		}
	}
	if diff := cmp.Diff([]float64{(1000 - 2) / math.Sqrt(2.0/3), -530 / math.Sqrt(1400/3.0), 2}, s.Apply(x[3]), cmpopts.EquateApprox(1e-15, 0)); diff != "" {
		t.Errorf("Apply(test row) (-want +got):\n%s", diff)
	}
}

// TestTargetScaler checks the map into (0, 1) and back: the training range
// lands on [Lo, Hi], the test targets are ignored by the fit, and Unscale
// inverts Scale everywhere, outside the training range too (no clamping).
func TestTargetScaler(t *testing.T) {
	y := []float64{5, 50, 20, 1000}
	s := FitTargetScaler(y, []int{0, 1, 2}, 0.05, 0.95)
	if diff := cmp.Diff(TargetScaler{Min: 5, Max: 50, Lo: 0.05, Hi: 0.95}, s); diff != "" {
		t.Errorf("FitTargetScaler (-want +got):\n%s", diff)
	}
	tests := []struct{ v, scaled float64 }{
		{5, 0.05},
		{50, 0.95},
		{27.5, 0.5},
		{20, 0.35},
		{0, -0.05},   // below the training range
		{72.5, 1.40}, // above it
	}
	for _, tt := range tests {
		got := s.Scale(tt.v)
		if diff := cmp.Diff(tt.scaled, got, cmpopts.EquateApprox(1e-14, 1e-15)); diff != "" {
			t.Errorf("Scale(%g) (-want +got):\n%s", tt.v, diff)
		}
		if diff := cmp.Diff(tt.v, s.Unscale(got), cmpopts.EquateApprox(1e-14, 1e-14)); diff != "" {
			t.Errorf("Unscale(Scale(%g)) (-want +got):\n%s", tt.v, diff)
		}
	}

	// Constant targets still give an invertible map.
	c := FitTargetScaler([]float64{3, 3}, []int{0, 1}, 0.05, 0.95)
	if got := c.Unscale(c.Scale(3)); got != 3 {
		t.Errorf("constant targets: Unscale(Scale(3)) = %g", got)
	}
}

// FuzzLoadCSV feeds arbitrary bytes to the parser: it must return an error
// or a consistent data set, never panic.
func FuzzLoadCSV(f *testing.F) {
	f.Add("RM,LSTAT,MEDV\n6.5,4.98,24\n")
	f.Add("RM,LSTAT,MEDV\n6.5,4\"98,24\n")
	f.Add("\uFEFFMEDV,LSTAT,RM\r\n1,2,3\r\n")
	f.Add(housingCSV[:400])
	f.Fuzz(func(t *testing.T, in string) {
		ds, err := LoadCSV(strings.NewReader(in), []string{"RM", "LSTAT"}, "MEDV")
		if err != nil {
			return
		}
		if len(ds.X) == 0 || len(ds.X) != len(ds.Y) {
			t.Fatalf("%d rows, %d targets", len(ds.X), len(ds.Y))
		}
		for i, row := range ds.X {
			if len(row) != 2 {
				t.Fatalf("row %d has %d features", i, len(row))
			}
			for _, v := range slices.Concat(row, []float64{ds.Y[i]}) {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("row %d holds %v", i, v)
				}
			}
		}
	})
}
