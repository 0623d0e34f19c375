//go:build amd64 && !purego

package vec

import (
	"math/rand/v2"
	"testing"
)

// TestEachKernelMatchesScalar runs every kernel the CPU has directly, not
// only the one the dispatch picks (AVX-512 where present), against the
// scalar loops bit for bit, over the lengths each takes.
func TestEachKernelMatchesScalar(t *testing.T) {
	type kernels[T Float] struct {
		relu     func(d, x []T, n int)
		reluGrad func(d, x, g []T, n int)
		adam     func(w, g, m, v []T, n int, c *Adam[T])
		momentum func(w, v, d []T, n int, negLR, mu, keep T)
	}
	k32 := map[string]kernels[float32]{}
	k64 := map[string]kernels[float64]{}
	if hasAVX2 {
		k32["AVX2"] = kernels[float32]{
			func(d, x []float32, n int) { reluF32AVX2(f32(d), f32(x), n) },
			func(d, x, g []float32, n int) { reluGradF32AVX2(f32(d), f32(x), f32(g), n) },
			func(w, g, m, v []float32, n int, c *Adam[float32]) { adamF32AVX2(f32(w), f32(g), f32(m), f32(v), n, c) },
			func(w, v, d []float32, n int, negLR, mu, keep float32) {
				momentumF32AVX2(f32(w), f32(v), f32(d), n, negLR, mu, keep)
			},
		}
		k64["AVX2"] = kernels[float64]{
			func(d, x []float64, n int) { reluF64AVX2(f64(d), f64(x), n) },
			func(d, x, g []float64, n int) { reluGradF64AVX2(f64(d), f64(x), f64(g), n) },
			func(w, g, m, v []float64, n int, c *Adam[float64]) { adamF64AVX2(f64(w), f64(g), f64(m), f64(v), n, c) },
			func(w, v, d []float64, n int, negLR, mu, keep float64) {
				momentumF64AVX2(f64(w), f64(v), f64(d), n, negLR, mu, keep)
			},
		}
	}
	if hasAVX512 {
		k32["AVX512"] = kernels[float32]{
			func(d, x []float32, n int) { reluF32AVX512(f32(d), f32(x), n) },
			func(d, x, g []float32, n int) { reluGradF32AVX512(f32(d), f32(x), f32(g), n) },
			func(w, g, m, v []float32, n int, c *Adam[float32]) {
				adamF32AVX512(f32(w), f32(g), f32(m), f32(v), n, c)
			},
			func(w, v, d []float32, n int, negLR, mu, keep float32) {
				momentumF32AVX512(f32(w), f32(v), f32(d), n, negLR, mu, keep)
			},
		}
		k64["AVX512"] = kernels[float64]{
			func(d, x []float64, n int) { reluF64AVX512(f64(d), f64(x), n) },
			func(d, x, g []float64, n int) { reluGradF64AVX512(f64(d), f64(x), f64(g), n) },
			func(w, g, m, v []float64, n int, c *Adam[float64]) {
				adamF64AVX512(f64(w), f64(g), f64(m), f64(v), n, c)
			},
			func(w, v, d []float64, n int, negLR, mu, keep float64) {
				momentumF64AVX512(f64(w), f64(v), f64(d), n, negLR, mu, keep)
			},
		}
	}
	if len(k32) == 0 {
		t.Skip("no AVX2")
	}
	for name, k := range k32 {
		t.Run(name+"/float32", func(t *testing.T) {
			checkKernels(t, name == "AVX2", k.relu, k.reluGrad, k.adam, k.momentum)
		})
	}
	for name, k := range k64 {
		t.Run(name+"/float64", func(t *testing.T) {
			checkKernels(t, name == "AVX2", k.relu, k.reluGrad, k.adam, k.momentum)
		})
	}
}

// checkKernels compares one ISA's kernels with the scalar loops; whole
// says the kernels take only whole 32-byte vectors (AVX2).
func checkKernels[T Float](t *testing.T, whole bool,
	relu func(d, x []T, n int), reluGrad func(d, x, g []T, n int), adam func(w, g, m, v []T, n int, c *Adam[T]),
	momentum func(w, v, d []T, n int, negLR, mu, keep T)) {
	rng := rand.New(rand.NewPCG(9, 10))
	c := Adam[T]{B1: 0.9, B2: 0.999, C1: 0.1, C2: 0.001, Eps: 1e-8, Shrink: 0.99, NegStep: -0.003, BC2Sqrt: 0.0447}
	for _, n := range testLengths() {
		if whole {
			n = prefix[T](n)
		}
		if n == 0 {
			continue
		}
		xw, x := mixed[T](rng, n)
		gw, g := mixed[T](rng, n)
		dw, d := guarded[T](rng, n, false)
		guards := ends(xw, gw, dw)
		want := make([]T, n)
		reluGo(want, x)
		relu(d, x, n)
		sameExactBits(t, "ReLU", n, want, d)
		reluGradGo(want, x, g)
		reluGrad(d, x, g, n)
		sameExactBits(t, "ReLUGrad", n, want, d)
		sameBits(t, "the guards", n, guards, ends(xw, gw, dw))

		ww, w := guarded[T](rng, n, false)
		mw, m := guarded[T](rng, n, false)
		vw, v := guarded[T](rng, n, true)
		w2, m2, v2 := append([]T(nil), w...), append([]T(nil), m...), append([]T(nil), v...)
		guards = ends(ww, mw, vw)
		adam(w, g, m, v, n, &c)
		adamGo(w2, g, m2, v2, c)
		// Adam's NaNs are compared as NaNs: where two meet (a NaN w and
		// a NaN g), which payload survives depends on the operand order
		// the Go compiler picks for the scalar sum.
		sameBits(t, "Adam's w", n, w2, w)
		sameBits(t, "Adam's m", n, m2, m)
		sameBits(t, "Adam's v", n, v2, v)
		sameBits(t, "Adam's guards", n, guards, ends(ww, mw, vw))

		w2, m2 = append([]T(nil), w...), append([]T(nil), m...)
		guards = ends(ww, mw, gw)
		momentum(w, m, g, n, -0.01, 0.9, 0.75)
		momentumGo(w2, m2, g, -0.01, 0.9, 0.75)
		sameBits(t, "momentum's w", n, w2, w)
		sameBits(t, "momentum's v", n, m2, m)
		sameBits(t, "momentum's guards", n, guards, ends(ww, mw, gw))
	}
}
