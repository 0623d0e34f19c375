package tensor

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestScans(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	x := MustNew([]float64{
		1, 2, 3,
		4, 5, 6,
	}, 2, 3)
	tests := []struct {
		name  string
		f     func() *Tensor[float64]
		shape []int
		want  []float64
	}{
		{"Cumsum axis 1", func() *Tensor[float64] { return Cumsum(x, 1) }, []int{2, 3}, []float64{1, 3, 6, 4, 9, 15}},
		{"Cumsum axis -2", func() *Tensor[float64] { return Cumsum(x, -2) }, []int{2, 3}, []float64{1, 2, 3, 5, 7, 9}},
		{"Cumsum reversed", func() *Tensor[float64] {
			out := Zeros[float64](2, 3)
			CumsumInto(out, x, 1, true)
			return out
		}, []int{2, 3}, []float64{6, 5, 3, 15, 11, 6}},
		{"Cumsum 0-d", func() *Tensor[float64] { return Cumsum(Scalar(2.5), 0) }, []int{}, []float64{2.5}},
		{"Cumprod axis 1 with a zero", func() *Tensor[float64] { return Cumprod(MustNew([]float64{2, 0, 3, -1, 2, 3}, 2, 3), 1) },
			[]int{2, 3}, []float64{2, 0, 0, -1, -2, -6}},
		{"LogCumSumExp large", func() *Tensor[float64] { return LogCumSumExp(MustNew([]float64{1000, 1000, -inf}, 3), 0) },
			[]int{3}, []float64{1000, 1000 + math.Ln2, 1000 + math.Ln2}},
		{"LogCumSumExp -Inf then NaN", func() *Tensor[float64] { return LogCumSumExp(MustNew([]float64{-inf, -inf, 0, nan, 1}, 5), 0) },
			[]int{5}, []float64{-inf, -inf, 0, nan, nan}},
		{"LogCumSumExp +Inf", func() *Tensor[float64] { return LogCumSumExp(MustNew([]float64{1, inf, 2}, 3), 0) },
			[]int{3}, []float64{1, inf, inf}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { checkTensor(t, tc.name, tc.f(), tc.shape, tc.want, 1e-15) })
	}
}

func TestCumExtremumTiesGoToTheLastIndex(t *testing.T) {
	nan := math.NaN()
	x := MustNew([]float64{1, 3, 3, 2, 3, 5, 5}, 7)
	v, idx := Cummax(x, 0)
	checkTensor(t, "Cummax", v, []int{7}, []float64{1, 3, 3, 3, 3, 5, 5}, 0)
	if d := cmp.Diff([]int{0, 1, 2, 2, 4, 5, 6}, idx.Data()); d != "" {
		t.Errorf("Cummax indices (-want +got):\n%s", d)
	}
	v, idx = Cummin(MustNew([]float64{2, 1, 1, 3, nan, 0, nan}, 7), -1)
	checkTensor(t, "Cummin", v, []int{7}, []float64{2, 1, 1, 1, nan, nan, nan}, 0)
	if d := cmp.Diff([]int{0, 1, 2, 2, 4, 4, 6}, idx.Data()); d != "" {
		t.Errorf("Cummin indices (NaN is the extremum from where it occurs; -want +got):\n%s", d)
	}
	// Along axis 0 of a [3 2].
	v, idx = Cummax(MustNew([]float64{1, 5, 2, 5, 0, 7}, 3, 2), 0)
	checkTensor(t, "Cummax axis 0", v, []int{3, 2}, []float64{1, 5, 2, 5, 2, 7}, 0)
	if d := cmp.Diff([]int{0, 0, 1, 1, 1, 2}, idx.Data()); d != "" {
		t.Errorf("Cummax axis 0 indices (-want +got):\n%s", d)
	}
}

func TestScanFloat32KeepsSumsInFloat64(t *testing.T) {
	// 1 + 2^-24 repeated: a float32 running sum would stick at 2^24.
	n := 1 << 25
	x := Ones[float32](n)
	got := Cumsum(x, 0).Data()[n-1]
	if got != float32(n) {
		t.Errorf("last running sum of %d ones = %v, want %v", n, got, float32(n))
	}
}

func TestScanErrors(t *testing.T) {
	x := Zeros[float64](2, 3)
	wantShapePanic(t, "tensor: CumsumInto: axis 2 out of range: [2 3]", func() { Cumsum(x, 2) })
	wantShapePanic(t, "tensor: CumprodInto: destination does not have the shape of the source: [2 3] x [3 2]", func() {
		CumprodInto(Zeros[float64](3, 2), x, 0)
	})
	wantShapePanic(t, "tensor: CumExtremumInto: 5 indices for 6 elements: [2 3]", func() {
		CumExtremumInto(Zeros[float64](2, 3), make([]int, 5), x, 0, true)
	})
}
