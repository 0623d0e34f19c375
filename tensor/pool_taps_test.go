package tensor

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// randTaps returns taps over an input axis of length in for out positions
// with random windows (up to 3 taps, step up to 2, some empty) and random
// weights.
func randTaps(rng *rand.Rand, in, out int) AxisTaps[float64] {
	a := AxisTaps[float64]{In: in, Step: 1 + rng.IntN(2), Lo: make([]int, out), N: make([]int, out),
		W0: make([]float64, out), W: make([]float64, out)}
	for o := range out {
		n := rng.IntN(4)
		for n > 0 && (n-1)*a.Step >= in {
			n--
		}
		a.N[o] = n
		if n > 0 {
			a.Lo[o] = rng.IntN(in - (n-1)*a.Step)
		}
		a.W0[o], a.W[o] = rng.Float64()-0.5, rng.Float64()-0.5
	}
	return a
}

// TestResample2DAdjoint checks that Resample2DAdjointInto is the transpose
// of Resample2DInto (fill 0): ⟨M·x, y⟩ = ⟨x, Mᵀ·y⟩ for random taps, and that
// it accumulates with beta 1.
func TestResample2DAdjoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	for trial := range 20 {
		h, w, oh, ow := 1+rng.IntN(5), 1+rng.IntN(5), 1+rng.IntN(5), 1+rng.IntN(5)
		rows, cols := randTaps(rng, h, oh), randTaps(rng, w, ow)
		x, y := randT(rng, 2, h, w), randT(rng, 2, oh, ow)
		mx, mty := Zeros[float64](2, oh, ow), Zeros[float64](2, h, w)
		Resample2DInto(mx, x, rows, cols, 0)
		Resample2DAdjointInto(mty, y, rows, cols, 0)
		if a, b := dot(mx.data, y.data), dot(x.data, mty.data); math.Abs(a-b) > 1e-12 {
			t.Errorf("trial %d: <Mx, y> = %v, <x, M'y> = %v", trial, a, b)
		}
		twice := mty.Clone()
		Resample2DAdjointInto(twice, y, rows, cols, 1)
		for i := range twice.data {
			if math.Abs(twice.data[i]-2*mty.data[i]) > 1e-12 {
				t.Fatalf("trial %d: beta 1 does not accumulate: %v, want %v", trial, twice.data[i], 2*mty.data[i])
			}
		}
	}
}

func randT(rng *rand.Rand, shape ...int) *Tensor[float64] {
	x := Zeros[float64](shape...)
	for i := range x.data {
		x.data[i] = rng.Float64()*2 - 1
	}
	return x
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// TestResample2DFill: an output whose row or column has no tap is the fill
// value; the others are the weighted sums.
func TestResample2DFill(t *testing.T) {
	x := MustNew([]float64{1, 2, 3, 4}, 2, 2)
	rows := AxisTaps[float64]{In: 2, Step: 1, Lo: []int{0, 0}, N: []int{2, 0}, W0: []float64{1, 0}, W: []float64{10, 0}}
	cols := AxisTaps[float64]{In: 2, Step: 1, Lo: []int{1, 0, 0}, N: []int{1, 0, 2}, W0: []float64{1, 0, 0.5}, W: []float64{0, 0, 0.25}}
	out := Zeros[float64](2, 3)
	Resample2DInto(out, x, rows, cols, -7)
	// Row 0 = 1·x[0] + 10·x[1]; column 0 reads x[:,1], column 2 is
	// 0.5·x[:,0] + 0.25·x[:,1].
	checkTensor(t, "Resample2DInto", out, []int{2, 3}, []float64{2 + 40, -7, (0.5 + 0.5) + 10*(1.5+1), -7, -7, -7}, 1e-15)
}

func TestWindowMax2DAndPlanes(t *testing.T) {
	x := MustNew([]float64{3, 1, 4, 1, 5, 9, math.NaN(), 6, 5}, 1, 3, 3)
	rows := AxisTaps[float64]{In: 3, Step: 2, Lo: []int{0, 1}, N: []int{2, 0}}
	cols := AxisTaps[float64]{In: 3, Step: 1, Lo: []int{0, 1}, N: []int{3, 2}}
	out := Zeros[float64](1, 2, 2)
	idx := make([]int, 4)
	WindowMax2DInto(out, idx, x, rows, cols)
	// Window (0, 0): rows 0 and 2, columns 0..2: the NaN at 6 wins.
	// Window (0, 1): rows 0 and 2, columns 1..2: 6 at 7. Row 1 is empty.
	if diff := cmp.Diff([]int{6, 7, -1, -1}, idx); diff != "" {
		t.Errorf("indices (-want +got):\n%s", diff)
	}
	checkTensor(t, "WindowMax2DInto", out, []int{1, 2, 2}, []float64{math.NaN(), 6, math.Inf(-1), math.Inf(-1)}, 0)

	g := MustNew([]float64{1, 2, 3, 4}, 1, 2, 2)
	dx := Zeros[float64](1, 3, 3)
	ScatterAddPlanesInto(dx, g, []int{4, 4, -1, 0}, 0)
	checkTensor(t, "ScatterAddPlanesInto", dx, []int{1, 3, 3}, []float64{4, 0, 0, 0, 3, 0, 0, 0, 0}, 0)
	ScatterPlanesInto(dx, g, []int{4, 4, -1, 0})
	checkTensor(t, "ScatterPlanesInto (last wins)", dx, []int{1, 3, 3}, []float64{4, 0, 0, 0, 2, 0, 0, 0, 0}, 0)
	GatherPlanesInto(g, x, []int{8, 0, -1, 2})
	checkTensor(t, "GatherPlanesInto", g, []int{1, 2, 2}, []float64{5, 3, 0, 4}, 0)
}

func TestPoolTapsPanics(t *testing.T) {
	x := Zeros[float64](1, 3, 3)
	ok := AxisTaps[float64]{In: 3, Step: 1, Lo: []int{0}, N: []int{3}, W0: []float64{1}, W: []float64{1}}
	bad := AxisTaps[float64]{In: 3, Step: 2, Lo: []int{1}, N: []int{2}, W0: []float64{1}, W: []float64{1}}
	wantShapePanic(t, "tensor: Resample2DInto: column taps: position 0 reads 2 taps from 1 by 2, outside [0, 3): [1 3 3] x [1 1 1]",
		func() { Resample2DInto(Zeros[float64](1, 1, 1), x, ok, bad, 0) })
	wantShapePanic(t, "tensor: Resample2DInto: taps give a 1×1 output plane: [1 3 3] x [1 2 1]",
		func() { Resample2DInto(Zeros[float64](1, 2, 1), x, ok, ok, 0) })
	wantShapePanic(t, "tensor: GatherPlanesInto: index 9 (position 0) is outside its plane [0, 9): [1 3 3] x [1 1 1]",
		func() { GatherPlanesInto(Zeros[float64](1, 1, 1), x, []int{9}) })
	wantShapePanic(t, "tensor: ScatterAddPlanesInto: 2 indices for 1 elements: [1 3 3] x [1 1 1]",
		func() { ScatterAddPlanesInto(x, Zeros[float64](1, 1, 1), []int{0, 1}, 0) })

}
