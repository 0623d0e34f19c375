package vec

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// specials are the values where ReLU and its gradient could go wrong: both
// zeros, infinities, quiet and signalling NaNs of both signs with payloads,
// subnormals and the extremes.
func specials[T Float]() []T {
	var z T
	if _, ok := any(z).(float32); ok {
		bits := []uint32{0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000,
			0x7fc00123, 0xffc00456, 0x7fa00001, 0xffa00002, 0x00000001, 0x80000001,
			0x7f7fffff, 0xff7fffff, 0x3f800000, 0xbf800000}
		out := make([]T, len(bits))
		for i, b := range bits {
			out[i] = T(math.Float32frombits(b))
		}
		return out
	}
	bits := []uint64{0, 1 << 63, 0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000000000,
		0xfff8000000000000, 0x7ff8000000000123, 0xfff8000000000456, 0x7ff4000000000001,
		0xfff4000000000002, 1, 1<<63 | 1, 0x7fefffffffffffff, 0xffefffffffffffff, 0x3ff0000000000000}
	out := make([]T, len(bits))
	for i, b := range bits {
		out[i] = T(math.Float64frombits(b))
	}
	return out
}

// mixed returns n values, a fifth of them special, the rest normal random
// numbers, in a guarded slice as guarded makes.
func mixed[T Float](rng *rand.Rand, n int) (whole, s []T) {
	whole, s = guarded[T](rng, n, false)
	sp := specials[T]()
	for i := range s {
		if rng.IntN(5) == 0 {
			s[i] = sp[rng.IntN(len(sp))]
		}
	}
	return whole, s
}

// bitsOf returns the bit patterns of s, so that comparisons see NaN
// payloads and signs.
func bitsOf[T Float](s []T) []uint64 {
	out := make([]uint64, len(s))
	for i, v := range s {
		switch v := any(v).(type) {
		case float32:
			out[i] = uint64(math.Float32bits(v))
		case float64:
			out[i] = math.Float64bits(v)
		}
	}
	return out
}

// sameExactBits fails t unless got and want have the same bit patterns.
func sameExactBits[T Float](t *testing.T, what string, n int, want, got []T) {
	t.Helper()
	if diff := cmp.Diff(bitsOf(want), bitsOf(got)); diff != "" {
		t.Errorf("n=%d: %s differs from the scalar loop in its bits (-scalar +vector):\n%s", n, what, diff)
	}
}

// TestReLUMatchesScalar checks ReLU against its scalar loop bit for bit
// (NaN payloads and signs included) for every length up to 70 and a long
// one, out of place and in place; the guards around the slices must not
// change.
func TestReLUMatchesScalar(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testReLU[float32](t) })
	t.Run("float64", func(t *testing.T) { testReLU[float64](t) })
}

func testReLU[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range testLengths() {
		xw, x := mixed[T](rng, n)
		dw, d := guarded[T](rng, n, false)
		x0 := append([]T(nil), x...)
		want := make([]T, n)
		reluGo(want, x)
		guards := ends(xw, dw)
		ReLU(d, x)
		sameExactBits(t, "dst", n, want, d)
		sameExactBits(t, "x (read only)", n, x0, x)
		ReLU(x, x)
		sameExactBits(t, "in place", n, want, x)
		sameBits(t, "the guards", n, guards, ends(xw, dw))
	}
}

// TestReLUGradMatchesScalar is TestReLUMatchesScalar for ReLUGrad, with
// special values in both x and g, and dst aliasing x and then g.
func TestReLUGradMatchesScalar(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testReLUGrad[float32](t) })
	t.Run("float64", func(t *testing.T) { testReLUGrad[float64](t) })
}

func testReLUGrad[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range testLengths() {
		xw, x := mixed[T](rng, n)
		gw, g := mixed[T](rng, n)
		dw, d := guarded[T](rng, n, false)
		x0, g0 := append([]T(nil), x...), append([]T(nil), g...)
		want := make([]T, n)
		reluGradGo(want, x, g)
		guards := ends(xw, gw, dw)
		ReLUGrad(d, x, g)
		sameExactBits(t, "dst", n, want, d)
		sameExactBits(t, "x (read only)", n, x0, x)
		sameExactBits(t, "g (read only)", n, g0, g)
		ReLUGrad(g, x, g)
		sameExactBits(t, "in place over g", n, want, g)
		copy(g, g0)
		ReLUGrad(x, x, g)
		sameExactBits(t, "in place over x", n, want, x)
		sameBits(t, "the guards", n, guards, ends(xw, gw, dw))
	}
}

// TestReLUValues checks both loops against values worked by hand, bit for
// bit: ReLUGrad selects g where x > 0 and gives +0 elsewhere, whatever g is
// (as PyTorch's threshold_backward), at every length's vector body and
// scalar tail.
func TestReLUValues(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	negZero := math.Copysign(0, -1)
	x := []float64{-2, -1e-300, negZero, 0, 1e-300, 3, -inf, inf, nan, -1, -1, 2}
	g := []float64{5, 5, -5, 5, -5, -5, inf, nan, 7, -inf, nan, -inf}
	got := make([]float64, len(x))
	ReLU(got, x[:9])
	want := []float64{0, 0, 0, 0, 1e-300, 3, 0, inf, nan}
	sameExactBits(t, "ReLU", 9, want, got[:9])
	want = []float64{0, 0, 0, 0, -5, -5, 0, nan, 0, 0, 0, -inf}
	for _, n := range []int{len(x), 64 + len(x)} {
		// Repeated to n elements so that the vector loops see them too.
		xs, gs, w := make([]float64, n), make([]float64, n), make([]float64, n)
		for i := range n {
			xs[i], gs[i], w[i] = x[i%len(x)], g[i%len(x)], want[i%len(x)]
		}
		d := make([]float64, n)
		ReLUGrad(d, xs, gs)
		sameExactBits(t, "ReLUGrad", n, w, d)
		reluGradGo(d, xs, gs)
		sameExactBits(t, "reluGradGo", n, w, d)
	}
}

func BenchmarkReLU(b *testing.B) {
	const n = 65536 // the MLP's first hidden layer at batch 256
	x, d := make([]float32, n), make([]float32, n)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	b.Run("vector", func(b *testing.B) {
		for b.Loop() {
			ReLU(d, x)
		}
	})
	b.Run("scalar", func(b *testing.B) {
		for b.Loop() {
			reluGo(d, x)
		}
	})
}

func BenchmarkReLUGrad(b *testing.B) {
	const n = 65536
	x, g, d := make([]float32, n), make([]float32, n), make([]float32, n)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range x {
		x[i], g[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
	}
	b.Run("vector", func(b *testing.B) {
		for b.Loop() {
			ReLUGrad(d, x, g)
		}
	})
	b.Run("scalar", func(b *testing.B) {
		for b.Loop() {
			reluGradGo(d, x, g)
		}
	})
}
