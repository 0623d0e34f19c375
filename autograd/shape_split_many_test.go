package autograd_test

import (
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestSplitManyPieces: a Split into more than eight pieces (a sequence cut
// into its time steps; up to 64 are kept allocation-free) gives x the same
// gradient, bit for bit and -0 included, from a fused Backward, a recorded
// pass (Grad with CreateGraph) and a Backward under an Arena, with pieces
// unused, used twice, and with gradients of -0; a warm step under the
// Arena allocates nothing.
func TestSplitManyPieces(t *testing.T) {
	for _, pieces := range []int{9, 32, 64} {
		rng := newRand(uint64(pieces))
		x0 := tensor.RandNormal[float64](rng, 0, 1, 2*pieces, 3)
		negZero := autograd.Const(tensor.Full(math.Copysign(0, -1), 2, 3))
		sizes := make([]int, pieces)
		for j := range sizes {
			sizes[j] = 2
		}
		loss := func(x *V) *V {
			ps := autograd.Split(x, 0, sizes...)
			acc := autograd.Sum(autograd.Mul(ps[1], ps[1]))
			for j, p := range ps[2:] {
				switch j % 4 {
				case 0: // unused
				case 1:
					acc = autograd.Add(acc, autograd.Sum(autograd.Mul(p, negZero))) // a gradient of -0s
				case 2:
					acc = autograd.Add(acc, autograd.Sum(autograd.Mul(p, p)))
				case 3:
					acc = autograd.Add(acc, autograd.Add(autograd.Sum(p), autograd.Sum(autograd.Mul(p, p))))
				}
			}
			return acc
		}

		x := autograd.Param(x0.Clone())
		loss(x).Backward()
		fused := x.Grad()
		xr := autograd.Param(x0.Clone())
		rec := autograd.Grad([]*V{loss(xr)}, []*V{xr}, autograd.CreateGraph())[0].Value()
		splitSameBits(t, pieces, "recorded", rec, fused)

		ar := autograd.NewArena[float64]()
		xa := ar.Param(x0.Clone())
		step := func() {
			ar.Reset()
			xa.ZeroGrad()
			loss(xa).Backward()
		}
		step()
		splitSameBits(t, pieces, "arena", xa.Grad(), fused)
		if n := warmMallocs(2, 5, step); n != 0 {
			t.Errorf("%d pieces: 5 warm steps under an Arena allocated %d times, want 0", pieces, n)
		}
		splitSameBits(t, pieces, "warm arena", xa.Grad(), fused)
	}
}

// splitSameBits fails unless got and want hold the same bits.
func splitSameBits(t *testing.T, pieces int, what string, got, want *tensor.Tensor[float64]) {
	t.Helper()
	for i, w := range want.Data() {
		if g := got.Data()[i]; math.Float64bits(g) != math.Float64bits(w) {
			t.Errorf("%d pieces: %s gradient [%d] = %v, fused Backward's %v", pieces, what, i, g, w)
			return
		}
	}
}
