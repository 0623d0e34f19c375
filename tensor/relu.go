package tensor

import "github.com/adjoint-go/adjoint/tensor/internal/vec"

// reluInto is ReLUInto's loop over flat slices: the vectorized loop of
// package vec, which gives the bits of max(x[k], 0).
func reluInto[T Float](dst, x []T) { vec.ReLU(dst, x[:len(dst)]) }

// ReLUGradInto sets dx = g where x > 0 and +0 elsewhere, ReLU's derivative
// applied to the incoming gradient g, with the subgradient 0 at x = 0 and
// for NaN x (as PyTorch chooses and Step computes). It selects rather than
// multiplies by the mask, as PyTorch's threshold_backward: where x ≤ 0 the
// result is +0 whatever g is (±Inf, NaN or negative, where g·Step(x) would
// give NaN or −0), and where x > 0 it is g, bit for bit. dx may be x or g.
// It runs vectorized where the CPU allows (AVX-512, AVX2) with the bits of
// the scalar loop, and does not allocate. It panics with a *ShapeError
// unless the three shapes are equal, or when dx overlaps x or g without
// being it.
func ReLUGradInto[T Float](dx, x, g *Tensor[T]) {
	mapCheck("ReLUGradInto", dx, x, g)
	vec.ReLUGrad(dx.data, x.data[:len(dx.data)], g.data[:len(dx.data)])
}
