package vec

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestMomentumMatchesScalar checks the vector loop against the scalar one,
// bit for bit (NaNs compare equal), for every length up to 70 and a long
// one, so that every tail length of both widths is covered. The slices end
// exactly at their last element (capacity = length), so a loop that read or
// wrote past the end would be caught by the race detector's or the
// runtime's bounds, and their neighbours in memory are checked untouched.
func TestMomentumMatchesScalar(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testMomentum[float32](t) })
	t.Run("float64", func(t *testing.T) { testMomentum[float64](t) })
}

func testMomentum[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	lengths := make([]int, 0, 72)
	for n := range 71 {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 10007)
	for _, n := range lengths {
		// Each slice sits between guard elements in one backing array.
		mk := func() (whole, s []T) {
			whole = make([]T, n+2)
			for i := range whole {
				whole[i] = T(rng.NormFloat64())
			}
			if n > 3 {
				whole[2] = T(math.Inf(1))
				whole[3] = T(math.NaN())
			}
			return whole, whole[1 : 1+n : 1+n]
		}
		ww, w := mk()
		vw, v := mk()
		dw, d := mk()
		w2, v2, d2 := append([]T(nil), w...), append([]T(nil), v...), append([]T(nil), d...)
		guards := []T{ww[0], ww[n+1], vw[0], vw[n+1], dw[0], dw[n+1]}
		negLR, mu, keep := T(-0.01), T(0.9), T(0.75)
		Momentum(w, v, d, negLR, mu, keep)
		momentumGo(w2, v2, d2, negLR, mu, keep)
		opt := cmp.Options{cmpopts.EquateNaNs(), cmpopts.EquateEmpty()}
		if diff := cmp.Diff(w2, w, opt); diff != "" {
			t.Errorf("n=%d: w differs from the scalar loop (-scalar +vector):\n%s", n, diff)
		}
		if diff := cmp.Diff(v2, v, opt); diff != "" {
			t.Errorf("n=%d: v differs from the scalar loop (-scalar +vector):\n%s", n, diff)
		}
		if diff := cmp.Diff(d2, d, opt); diff != "" {
			t.Errorf("n=%d: d was modified:\n%s", n, diff)
		}
		if diff := cmp.Diff(guards, []T{ww[0], ww[n+1], vw[0], vw[n+1], dw[0], dw[n+1]}, opt); diff != "" {
			t.Errorf("n=%d: elements outside the slices changed:\n%s", n, diff)
		}
	}
}

// TestMomentumValues checks one step against numbers worked by hand.
func TestMomentumValues(t *testing.T) {
	w := []float64{1, 2, 3, 4, 5}
	v := []float64{0.5, 0, -1, 2, 0}
	d := []float64{1, 1, 1, 1, 2}
	Momentum(w, v, d, -0.5, 0.5, 1) // v = v/2 + d; w = w - v/2
	if diff := cmp.Diff([]float64{1.25, 1, 0.5, 2, 2}, v); diff != "" {
		t.Errorf("v (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]float64{0.375, 1.5, 2.75, 3, 4}, w); diff != "" {
		t.Errorf("w (-want +got):\n%s", diff)
	}
}

func BenchmarkMomentum(b *testing.B) {
	const n = 235146 // the 784-256-128-10 MLP's parameters
	w, v, d := make([]float32, n), make([]float32, n), make([]float32, n)
	b.SetBytes(5 * 4 * n) // three arrays read, two written
	b.Run("vector", func(b *testing.B) {
		for b.Loop() {
			Momentum(w, v, d, -0.01, 0.9, 1)
		}
	})
	b.Run("scalar", func(b *testing.B) {
		for b.Loop() {
			momentumGo(w, v, d, -0.01, 0.9, 1)
		}
	})
}
