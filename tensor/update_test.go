package tensor

import (
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
