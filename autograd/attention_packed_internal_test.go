package autograd

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

// TestPackedCausalParts: the causal PackedSelfAttention gives the same
// result and gradient, bit for bit (zeros of either sign equal), whether
// its products leave out what lies after the diagonals (causalParts) or
// are computed whole; causal alone and with a key-padding mask and
// dropout, in both element types, at lengths that fill the kernels' tiles
// or not, and one longer than a block of the products' inner dimension.
func TestPackedCausalParts(t *testing.T) {
	for _, l := range []int{5, 53, 64, 300} {
		t.Run(fmt.Sprintf("L=%d/float64", l), func(t *testing.T) { testPackedCausalParts[float64](t, l) })
		t.Run(fmt.Sprintf("L=%d/float32", l), func(t *testing.T) { testPackedCausalParts[float32](t, l) })
	}
}

func testPackedCausalParts[T Float](t *testing.T, l int) {
	const n, h, e = 2, 2, 16
	rng := rand.New(rand.NewPCG(3, 4))
	xd := make([]T, n*l*3*e)
	for i := range xd {
		xd[i] = T(rng.NormFloat64())
	}
	w := make([]T, n*l*e)
	for i := range w {
		w[i] = T(rng.NormFloat64())
	}
	pad := make([]bool, n*l)
	for i := range pad {
		pad[i] = i%l == 0 || rng.IntN(4) > 0
	}
	keep := tensor.MustMask(pad, n, 1, 1, l)
	for _, tc := range []struct {
		name string
		o    func() AttentionOptions
	}{
		{"causal", func() AttentionOptions { return AttentionOptions{Causal: true} }},
		{"mask dropout", func() AttentionOptions {
			return AttentionOptions{Causal: true, Mask: keep, Dropout: 0.2, RNG: rand.New(rand.NewPCG(5, 6))}
		}},
	} {
		run := func(tri bool) (out, grad []T) {
			x := Param(tensor.MustNew(slices.Clone(xd), n*l, 3*e))
			y := packedSelfAttention(x, n, h, tc.o(), tri)
			Sum(Mul(y, Const(tensor.MustNew(w, n*l, e)))).Backward()
			return slices.Clone(y.Value().Data()), slices.Clone(x.Grad().Data())
		}
		wantOut, wantGrad := run(false)
		gotOut, gotGrad := run(true)
		if !slices.Equal(gotOut, wantOut) {
			t.Errorf("%s: result differs from the whole products'", tc.name)
		}
		if !slices.Equal(gotGrad, wantGrad) {
			t.Errorf("%s: gradient differs from the whole products'", tc.name)
		}
	}
}
