package tensor

import (
	"fmt"
	"math"

	"github.com/adjoint-go/adjoint/tensor/internal/vmath"
)

// SoftmaxCausalRows sets dst to the causal softmax of the scores x, both
// made of L×L matrices back to back (len(x) a multiple of L·L): row i of
// each matrix is the softmax of its first i+1 elements (the keys up to
// the query's own position), followed by zeros. It is Softmax along the
// last axis of x with −∞ above each diagonal, computed without the
// exponentials of the masked keys: the same values up to the rounding of
// the float64 sum of the exponentials, which skips the zeros (so a few
// ulps; the same bits for most rows). A row whose softmax is NaN (a NaN
// or +Inf score, or every kept score −∞) is NaN throughout, masked keys
// included, as Softmax makes it. dst may be x; it must not overlap x
// otherwise. It allocates nothing.
//
// It panics with a *ShapeError when l is negative, the lengths are not
// whole L×L matrices, or dst overlaps x without being it.
func SoftmaxCausalRows[T Float](dst, x []T, l int) {
	if l < 0 || len(dst) != len(x) || (l == 0 && len(x) != 0) || (l > 0 && len(x)%(l*l) != 0) {
		panic(shapeErr("SoftmaxCausalRows", fmt.Sprintf("lengths %d and %d are not whole %d×%d matrices", len(dst), len(x), l, l)))
	}
	if !sameOrApart(dst, x) {
		panic(shapeErr("SoftmaxCausalRows", "dst overlaps x without being it", []int{len(dst)}, []int{len(x)}))
	}
	if x32, ok := any(x).([]float32); ok && l <= tileLen {
		softmaxCausal32(any(dst).([]float32), x32, l)
		return
	}
	nan := T(math.NaN())
	for r := 0; r*l < len(x); r++ {
		k := r%l + 1
		row, out := x[r*l:r*l+k], dst[r*l:(r+1)*l]
		_, s := softmaxRow(out[:k], row, false)
		tail := out[k:]
		if s == s {
			clear(tail)
			continue
		}
		for j := range tail {
			tail[j] = nan
		}
	}
}

// softmaxCausal32 is SoftmaxCausalRows of float32 rows of at most tileLen
// elements: softmaxRow's passes (softmaxMax, softmaxTile) without its
// per-row type switches and zeroed scratch, the same bits. A row whose sum
// is NaN goes through softmaxRow.
func softmaxCausal32(dst, x []float32, l int) {
	var buf [tileLen]float64
	nan := float32(math.NaN())
	for r := 0; r*l < len(x); r++ {
		k := r%l + 1
		row, out := x[r*l:r*l+k], dst[r*l:(r+1)*l]
		b := buf[:k]
		m := float64(vmath.Max32(row))
		vmath.ExpShift32to64(b, row, m)
		s := sumSpan(b, 1, false)
		tail := out[k:]
		if s == s {
			vmath.QuoRound64to32(out[:k], b, s)
			clear(tail)
			continue
		}
		if _, s = softmaxRow(out[:k], row, false); s == s {
			clear(tail)
			continue
		}
		for j := range tail {
			tail[j] = nan
		}
	}
}
