package data_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/layers/data"
	"github.com/google/go-cmp/cmp"
)

// upTo returns 0..n-1.
func upTo(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// TestSplitSizes checks that the split has the requested sizes and that
// train and test together hold every index exactly once.
func TestSplitSizes(t *testing.T) {
	tests := []struct {
		n                   int
		frac                float64
		wantTrain, wantTest int
	}{
		{506, 0.2, 405, 101},
		{1797, 0.25, 1348, 449},
		{10, 0.2, 8, 2},
		{10, 0.5, 5, 5},
		{2, 0.5, 1, 1},
		{3, 0.5, 1, 2}, // round(1.5) = 2
		{3, 0.2, 2, 1},
	}
	for _, tt := range tests {
		for _, rng := range []*rand.Rand{rand.New(rand.NewPCG(7, 8)), nil} {
			train, test, err := data.Split(tt.n, tt.frac, rng)
			if err != nil {
				t.Errorf("Split(%d, %g): %v", tt.n, tt.frac, err)
				continue
			}
			if len(train) != tt.wantTrain || len(test) != tt.wantTest {
				t.Errorf("Split(%d, %g): %d train, %d test, want %d, %d", tt.n, tt.frac, len(train), len(test), tt.wantTrain, tt.wantTest)
			}
			all := slices.Sorted(slices.Values(slices.Concat(train, test)))
			if diff := cmp.Diff(upTo(tt.n), all); diff != "" {
				t.Errorf("Split(%d, %g): train ∪ test is not 0..n-1 exactly once (-want +got):\n%s", tt.n, tt.frac, diff)
			}
		}
	}
}

// TestSplitSeeded checks that a seed reproduces the split, that another seed
// changes it, that it is shuffled, and that it draws exactly rng.Perm(n), so
// that programs written before this package keep their splits.
func TestSplitSeeded(t *testing.T) {
	train1, test1, _ := data.Split(506, 0.2, rand.New(rand.NewPCG(1, 2)))
	train2, test2, _ := data.Split(506, 0.2, rand.New(rand.NewPCG(1, 2)))
	if !slices.Equal(train1, train2) || !slices.Equal(test1, test2) {
		t.Errorf("the same seed gave different splits")
	}
	train3, _, _ := data.Split(506, 0.2, rand.New(rand.NewPCG(3, 2)))
	if slices.Equal(train1, train3) {
		t.Errorf("different seeds gave the same split")
	}
	if slices.IsSorted(train1) || slices.IsSorted(test1) {
		t.Errorf("sorted indices: the split did not shuffle")
	}
	perm := rand.New(rand.NewPCG(1, 2)).Perm(506)
	if !slices.Equal(test1, perm[:101]) || !slices.Equal(train1, perm[101:]) {
		t.Errorf("the split is not test = Perm(n)[:nTest], train = the rest")
	}
}

// TestSplitNoShuffle checks that a nil rng keeps the order and holds out the
// last rows.
func TestSplitNoShuffle(t *testing.T) {
	train, test, err := data.Split(10, 0.3, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{0, 1, 2, 3, 4, 5, 6}, train); diff != "" {
		t.Errorf("train (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{7, 8, 9}, test); diff != "" {
		t.Errorf("test (-want +got):\n%s", diff)
	}
	// Appending to one set must not write into the other.
	_ = append(train, -1)
	if test[0] != 7 {
		t.Errorf("appending to train changed test")
	}
}

// TestSplitErrors checks that fractions outside (0, 1) and splits that would
// leave a set empty are errors.
func TestSplitErrors(t *testing.T) {
	tests := []struct {
		n    int
		frac float64
		want string
	}{
		{10, 0, "test fraction 0, want one strictly between 0 and 1"},
		{10, 1, "test fraction 1"},
		{10, -0.2, "test fraction -0.2"},
		{10, 1.5, "test fraction 1.5"},
		{10, math.NaN(), "test fraction NaN"},
		{10, math.Inf(1), "test fraction +Inf"},
		{2, 0.2, "leave 2 for training and 0 for testing"},
		{3, 0.9, "leave 0 for training and 3 for testing"},
		{1, 0.5, "neither may be empty"},
		{0, 0.5, "neither may be empty"},
		{-1, 0.5, "-1 rows"},
	}
	for _, tt := range tests {
		train, test, err := data.Split(tt.n, tt.frac, rand.New(rand.NewPCG(1, 1)))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Split(%d, %g) = %v, %v, %v; want an error containing %q", tt.n, tt.frac, train, test, err, tt.want)
		}
	}
}
