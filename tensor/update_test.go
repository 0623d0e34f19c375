package tensor

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestMomentumStep checks one step against numbers worked by hand, in both
// element types and at a length with a vector part and a tail, and the
// panic for slices of different lengths.
func TestMomentumStep(t *testing.T) {
	t.Run("float64", func(t *testing.T) { testMomentumStep[float64](t) })
	t.Run("float32", func(t *testing.T) { testMomentumStep[float32](t) })
	wantShapePanic(t, "tensor: MomentumStep: lengths differ: w 3, v 2, d 3", func() {
		MomentumStep([]float64{1, 2, 3}, []float64{1, 2}, []float64{1, 2, 3}, -1, 0.5, 1)
	})
}

func testMomentumStep[T Float](t *testing.T) {
	const n = 11 // a vector of 8 (or two of 4) and a tail
	w, v, d := make([]T, n), make([]T, n), make([]T, n)
	wantW, wantV := make([]T, n), make([]T, n)
	for k := range n {
		w[k], v[k], d[k] = T(k), T(2*k), 1
		wantV[k] = T(k) + 0.5 // 2k·0.5 + 0.5·1
		wantW[k] = T(k) - 0.25*wantV[k]
	}
	MomentumStep(w, v, d, -0.25, 0.5, 0.5)
	if diff := cmp.Diff(wantV, v); diff != "" {
		t.Errorf("v (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantW, w); diff != "" {
		t.Errorf("w (-want +got):\n%s", diff)
	}
}

// TestAdamStep checks one step on five elements against the formula
// evaluated in the same order, and the panic for slices of different
// lengths.
func TestAdamStep(t *testing.T) {
	w := []float64{1, 2, 3, 4, 5}
	g := []float64{0.5, -1, 2, 0, 3}
	m := []float64{0.1, 0, -0.2, 0.3, 0}
	v := []float64{0.01, 0, 0.04, 0.09, 1}
	c := AdamCoefficients[float64]{Beta1: 0.9, Beta2: 0.999, OneMinusBeta1: 0.1, OneMinusBeta2: 0.001,
		Eps: 1e-8, Shrink: 0.99, NegStepSize: -0.01, BiasCorrection2Sqrt: 0.5}
	wantW, wantM, wantV := make([]float64, 5), make([]float64, 5), make([]float64, 5)
	for k := range w {
		// float64(): each product rounded, as AdamStep does (no fused
		// multiply-add, which GOAMD64=v3 would make here).
		wantM[k] = float64(0.9*m[k]) + float64(0.1*g[k])
		wantV[k] = float64(0.999*v[k]) + float64(0.001*g[k]*g[k])
		wantW[k] = float64(0.99*w[k]) + -0.01*wantM[k]/(math.Sqrt(wantV[k])/0.5+1e-8)
	}
	AdamStep(w, g, m, v, c)
	for _, c := range []struct {
		name      string
		got, want []float64
	}{{"m", m, wantM}, {"v", v, wantV}, {"w", w, wantW}} {
		if diff := cmp.Diff(c.want, c.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
	wantShapePanic(t, "tensor: AdamStep: lengths differ: w 2, g 2, m 1, v 2", func() {
		AdamStep([]float64{1, 2}, []float64{1, 2}, []float64{1}, []float64{1, 2}, c)
	})
}
