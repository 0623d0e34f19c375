package vec

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// testLengths covers every tail length of both vector widths, and a long
// run.
func testLengths() []int {
	ls := make([]int, 0, 72)
	for n := range 71 {
		ls = append(ls, n)
	}
	if raceEnabled {
		return append(ls, 1031) // still many whole iterations of every loop
	}
	return append(ls, 10007)
}

// guarded returns a slice of n random values (with an Inf and a NaN when
// n > 3) that ends exactly at its capacity, inside a backing array with one
// guard element on each side.
func guarded[T Float](rng *rand.Rand, n int, positive bool) (whole, s []T) {
	whole = make([]T, n+2)
	for i := range whole {
		whole[i] = T(rng.NormFloat64())
		if positive {
			whole[i] = T(math.Abs(float64(whole[i])))
		}
	}
	if n > 3 {
		whole[2] = T(math.Inf(1))
		whole[3] = T(math.NaN())
	}
	return whole, whole[1 : 1+n : 1+n]
}

// sameBits fails t unless got equals want bit for bit (all NaNs equal).
func sameBits[T Float](t *testing.T, what string, n int, want, got []T) {
	t.Helper()
	// The loop decides what cmp.Diff would (== with NaNs equal) without its
	// reflection, which was most of the package's 23 s under the race
	// detector; a difference is still shown by the diff.
	if len(want) == len(got) {
		same := true
		for i, w := range want {
			if g := got[i]; w != g && !(math.IsNaN(float64(w)) && math.IsNaN(float64(g))) {
				same = false
				break
			}
		}
		if same {
			return
		}
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateNaNs(), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("n=%d: %s differs from the scalar loop (-scalar +vector):\n%s", n, what, diff)
	}
}

// ends returns the guard elements of each backing array.
func ends[T Float](wholes ...[]T) []T {
	var g []T
	for _, w := range wholes {
		g = append(g, w[0], w[len(w)-1])
	}
	return g
}

// TestMomentumMatchesScalar checks the vector loop against the scalar one,
// bit for bit, for every length up to 70 and a long one. The slices end
// exactly at their capacity, and the elements around them must not change.
func TestMomentumMatchesScalar(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testMomentum[float32](t) })
	t.Run("float64", func(t *testing.T) { testMomentum[float64](t) })
}

func testMomentum[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range testLengths() {
		ww, w := guarded[T](rng, n, false)
		vw, v := guarded[T](rng, n, false)
		dw, d := guarded[T](rng, n, false)
		w2, v2, d2 := append([]T(nil), w...), append([]T(nil), v...), append([]T(nil), d...)
		guards := ends(ww, vw, dw)
		Momentum(w, v, d, -0.01, 0.9, 0.75)
		momentumGo(w2, v2, d2, -0.01, 0.9, 0.75)
		sameBits(t, "w", n, w2, w)
		sameBits(t, "v", n, v2, v)
		sameBits(t, "d (read only)", n, d2, d)
		sameBits(t, "the guards", n, guards, ends(ww, vw, dw))
	}
}

// TestAdamMatchesScalar is TestMomentumMatchesScalar for AdamStep, with the
// second moments non-negative as they are in Adam (and one +Inf).
func TestAdamMatchesScalar(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testAdam[float32](t) })
	t.Run("float64", func(t *testing.T) { testAdam[float64](t) })
}

func testAdam[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	c := Adam[T]{B1: 0.9, B2: 0.999, C1: 0.1, C2: 0.001, Eps: 1e-8, Shrink: 0.99, NegStep: -0.003, BC2Sqrt: 0.0447}
	for _, n := range testLengths() {
		ww, w := guarded[T](rng, n, false)
		gw, g := guarded[T](rng, n, false)
		mw, m := guarded[T](rng, n, false)
		vw, v := guarded[T](rng, n, true)
		w2, g2, m2, v2 := append([]T(nil), w...), append([]T(nil), g...), append([]T(nil), m...), append([]T(nil), v...)
		guards := ends(ww, gw, mw, vw)
		AdamStep(w, g, m, v, c)
		adamGo(w2, g2, m2, v2, c)
		sameBits(t, "w", n, w2, w)
		sameBits(t, "m", n, m2, m)
		sameBits(t, "v", n, v2, v)
		sameBits(t, "g (read only)", n, g2, g)
		sameBits(t, "the guards", n, guards, ends(ww, gw, mw, vw))
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

// TestAdamValues checks one step against numbers worked by hand, on five
// elements (a vector of four and a tail in float64).
func TestAdamValues(t *testing.T) {
	w := []float64{1, 1, 1, 1, 1}
	g := []float64{2, 0, -2, 4, 2}
	m := []float64{0, 2, 0, 0, 0}
	v := []float64{0, 0, 0, 0, 12}
	// m = m/2 + g/2 and v = v/2 + g²/2; then w = 1 − m/(√v/2), computed
	// below in the same order as the kernel.
	AdamStep(w, g, m, v, Adam[float64]{B1: 0.5, B2: 0.5, C1: 0.5, C2: 0.5, Shrink: 1, NegStep: -1, BC2Sqrt: 2})
	if diff := cmp.Diff([]float64{1, 1, -1, 2, 1}, m); diff != "" {
		t.Errorf("m (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]float64{2, 0, 2, 8, 8}, v); diff != "" {
		t.Errorf("v (-want +got):\n%s", diff)
	}
	step := func(m, v float64) float64 { return 1 + -m/(math.Sqrt(v)/2+0) }
	want := []float64{step(1, 2), math.Inf(-1), step(-1, 2), step(2, 8), step(1, 8)}
	if diff := cmp.Diff(want, w); diff != "" {
		t.Errorf("w (-want +got):\n%s", diff)
	}
	if w[0] > -0.414 || w[0] < -0.415 { // 1 − √2, to make the formula's meaning plain
		t.Errorf("w[0] = %v, want 1 − √2", w[0])
	}
}

func BenchmarkMomentum(b *testing.B) {
	const n = 235146 // the 784-256-128-10 MLP's parameters
	w, v, d := make([]float32, n), make([]float32, n), make([]float32, n)
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

func BenchmarkAdam(b *testing.B) {
	const n = 235146
	w, g, m, v := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	c := Adam[float32]{B1: 0.9, B2: 0.999, C1: 0.1, C2: 0.001, Eps: 1e-8, Shrink: 1, NegStep: -0.001, BC2Sqrt: 0.03}
	b.Run("vector", func(b *testing.B) {
		for b.Loop() {
			AdamStep(w, g, m, v, c)
		}
	})
	b.Run("scalar", func(b *testing.B) {
		for b.Loop() {
			adamGo(w, g, m, v, c)
		}
	})
}
