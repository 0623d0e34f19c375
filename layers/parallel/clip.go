package parallel

import (
	"errors"
	"math"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers/optim"
)

// This file holds Config.ClipGradNorm: the norm of the summed gradient,
// computed so that its bits do not depend on who computes which part, and
// the clipping decision made from it.

// normPiece is how many consecutive elements of the summed gradient (its
// parameters' gradients laid end to end, as in a slot) make one term of
// the clipping norm: the norm is the fold, in order, of the pieces' partial
// norms, each computed whole by one worker (the workers' ranges of the
// optimizer's step are whole pieces), so it has the same bits for any
// number of workers or ranks.
const normPiece = 64

// clipping is a step's clipping decision (see Config.ClipGradNorm).
type clipping[T Float] struct {
	norm float64 // the summed gradient's total norm before clipping
	p    float64 // the norm's type
	coef T       // what every gradient element is multiplied by; 1 for nothing
}

// ok reports whether the step is made: the norm is finite.
func (c *clipping[T]) ok() bool { return !math.IsNaN(c.norm) && !math.IsInf(c.norm, 0) }

// decide fills in the clipping of a summed gradient of total norm norm to
// at most maxNorm, as optim.ClipGradNorm does: the gradients are multiplied
// by maxNorm/(norm+1e-6) when that is below 1.
func (c *clipping[T]) decide(norm, maxNorm float64) {
	c.norm, c.coef = norm, 1
	if coef := maxNorm / (norm + 1e-6); c.ok() && coef < 1 {
		c.coef = T(coef)
	}
}

// scale multiplies g by the clipping factor, if there is one.
func (c *clipping[T]) scale(g []T) {
	if c.coef == 1 {
		return
	}
	for k := range g {
		g[k] *= c.coef
	}
}

// err is the error of a step that clipping skips: optim.ClipGradNorm's
// *optim.NonFiniteError for params, whose gradients are the summed ones,
// naming the first parameter whose gradient is not finite, with the norm.
func (c *clipping[T]) err(params []*autograd.Var[T]) error {
	// With maxNorm +Inf, ClipGradNorm only measures; it changes nothing.
	_, err := optim.ClipGradNorm(params, math.Inf(1), c.p)
	var nf *optim.NonFiniteError
	if !errors.As(err, &nf) {
		// Finite gradients whose norm overflowed only in our order.
		nf = &optim.NonFiniteError{Op: "ClipGradNorm", Param: -1}
	}
	nf.Norm = c.norm
	return nf
}

// normType returns the p of Config.ClipNormType (0 means 2).
func normType(p float64) float64 {
	if p == 0 {
		return 2
	}
	return p
}

// pieceNorms writes into parts[k] the partial p-norm (see pieceNorm) of
// each piece k of g in [lo, hi): lo is a multiple of normPiece, and so is
// hi unless it is the end of the gradients.
func pieceNorms[T Float](g []T, lo, hi int, p float64, parts []float64) {
	for at := lo; at < hi; at += normPiece {
		parts[at/normPiece] = pieceNorm(g[at:min(at+normPiece, hi)], p)
	}
}

// foldNorms returns the p-norm of the pieces whose partial norms are
// parts, folded in order.
func foldNorms(parts []float64, p float64) float64 {
	acc := 0.0
	for _, x := range parts {
		acc = fold(acc, x, p)
	}
	return finishNorm(acc, p)
}

// gradNorm is the p-norm of g, by pieces, with the bits of pieceNorms and
// foldNorms over all of g, on one goroutine and without a buffer.
func gradNorm[T Float](g []T, p float64) float64 {
	acc := 0.0
	for at := 0; at < len(g); at += normPiece {
		acc = fold(acc, pieceNorm(g[at:min(at+normPiece, len(g))], p), p)
	}
	return finishNorm(acc, p)
}

// fold adds a piece's partial norm x to the partial norm acc of the
// pieces before it.
func fold(acc, x, p float64) float64 {
	if math.IsInf(p, 1) {
		return max(acc, x) // the built-in max, like +, turns NaN into NaN
	}
	return acc + x
}

// finishNorm turns the fold of the pieces' partial norms into the norm.
func finishNorm(acc, p float64) float64 {
	switch {
	case math.IsInf(p, 1), p == 1:
		return acc
	case p == 2:
		return math.Sqrt(acc)
	default:
		return math.Pow(acc, 1/p)
	}
}

// pieceNorm is the partial p-norm of d, in float64: the largest |x| for
// p = +Inf, else the sum of |x|^p (of x² in four lanes for p = 2, the
// commonest, so that it is not bound by one chain of additions). A NaN
// makes it NaN.
func pieceNorm[T Float](d []T, p float64) float64 {
	switch {
	case p == 2:
		var a0, a1, a2, a3 float64
		k := 0
		// The conversions keep each square rounded before its addition,
		// so that no architecture fuses them into a multiply-add.
		for ; k+4 <= len(d); k += 4 {
			q := d[k : k+4 : k+4]
			x0, x1, x2, x3 := float64(q[0]), float64(q[1]), float64(q[2]), float64(q[3])
			a0 += float64(x0 * x0)
			a1 += float64(x1 * x1)
			a2 += float64(x2 * x2)
			a3 += float64(x3 * x3)
		}
		for ; k < len(d); k++ {
			x := float64(d[k])
			a0 += float64(x * x)
		}
		return (a0 + a1) + (a2 + a3)
	case math.IsInf(p, 1):
		acc := 0.0
		for _, x := range d {
			acc = max(acc, math.Abs(float64(x)))
		}
		return acc
	case p == 1:
		acc := 0.0
		for _, x := range d {
			acc += math.Abs(float64(x))
		}
		return acc
	default:
		acc := 0.0
		for _, x := range d {
			acc += math.Pow(math.Abs(float64(x)), p)
		}
		return acc
	}
}
