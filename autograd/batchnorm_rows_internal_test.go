package autograd

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
)

// TestBatchNormRowsMatchesChannels checks BatchNorm's forward on [N C]
// (written row by row, bnAffineRows) against the channel-by-channel path
// it replaced (BatchNormMoments, then bnAffineScalar per channel), bit for
// bit (NaN signs too: the reference takes its statistics with the same
// kernel, as the sign of a NaN made from Inf - Inf depends on the
// compiled code, bnStats's and BatchNormMoments's differing), in
// float32 and float64, with and without weight and bias, one channel,
// odd sizes, and channels holding ±0, ±Inf and NaN; and its derivative
// (the general vjp, channels found by counting) against one computed
// with the same recorded ops under Grad with CreateGraph.
func TestBatchNormRowsMatchesChannels(t *testing.T) {
	testBatchNormRows[float32](t)
	testBatchNormRows[float64](t)
}

func testBatchNormRows[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	special := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN()}
	for _, sh := range [][2]int{{2, 1}, {3, 5}, {17, 33}, {2, 4}, {64, 7}} {
		n, ch := sh[0], sh[1]
		for _, affine := range []bool{false, true} {
			for _, withSpecial := range []bool{false, true} {
				x := make([]T, n*ch)
				for i := range x {
					x[i] = T(rng.NormFloat64())
					if withSpecial && rng.IntN(7) == 0 {
						x[i] = T(special[rng.IntN(len(special))])
					}
				}
				xv := Param(tensor.MustNew(x, n, ch))
				var wv, bv *Var[T]
				var w, b []T
				if affine {
					w, b = make([]T, ch), make([]T, ch)
					for c := range ch {
						w[c], b[c] = T(rng.NormFloat64()), T(rng.NormFloat64())
					}
					wv, bv = Param(tensor.MustNew(w, ch)), Param(tensor.MustNew(b, ch))
				}
				const eps = 1e-5
				y, _, _ := BatchNorm(xv, wv, bv, T(eps))
				want := make([]T, n*ch)
				var ms, vs [4]float64
				for c0 := 0; c0 < ch; c0 += 4 {
					tensor.BatchNormMoments(x, n, ch, 1, c0, min(4, ch-c0), &ms, &vs)
					for q := range min(4, ch-c0) {
						c := c0 + q
						mt, rt := T(ms[q]), T(1/math.Sqrt(vs[q]+eps))
						bnAffineScalar(want, x, n, ch, 1, c, mt, rt, bnAt(w, c), bnAt(b, c))
					}
				}
				if diff := cmp.Diff(bnSliceBits(want), bnSliceBits(y.Value().Data())); diff != "" {
					t.Errorf("%T [%d %d] affine %t special %t: bits differ (-want +got):\n%s", x[0], n, ch, affine, withSpecial, diff)
				}
				if withSpecial {
					continue // the recorded and fused derivatives agree on finite values
				}
				g := Const(tensor.RandNormal(rng, T(0), 1, n, ch))
				ps := []*Var[T]{xv}
				if affine {
					ps = append(ps, wv, bv)
				}
				loss := Sum(Mul(y, g))
				rec := Grad([]*Var[T]{loss}, ps, CreateGraph())
				loss.Backward()
				for i, p := range ps {
					if diff := cmp.Diff(bnSliceBits(rec[i].Value().Data()), bnSliceBits(p.Grad().Data())); diff != "" {
						t.Errorf("%T [%d %d] affine %t: gradient %d bits differ (-recorded +fused):\n%s", x[0], n, ch, affine, i, diff)
					}
				}
			}
		}
	}
}

// bnSliceBits returns the bits of x's elements (bnBits).
func bnSliceBits[T Float](x []T) []uint64 {
	b := make([]uint64, len(x))
	for i, v := range x {
		b[i] = bnBits(v)
	}
	return b
}
