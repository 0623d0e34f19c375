package optim

import (
	"fmt"
	"math"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// ClipGradNorm scales the gradients of params together so that their global
// norm is at most maxNorm, and returns that norm as it was before clipping,
// like torch.nn.utils.clip_grad_norm_. The norm is taken over all gradient
// elements at once, as if they were one vector: the L2 norm by default, or
// the p-norm for normType p (math.Inf(1) for the largest absolute value).
// Call it between Backward and Step:
//
//	loss.Backward()
//	if _, err := optim.ClipGradNorm(opt.Params(), 1.0); err != nil {
//		// a NaN or Inf gradient: skip this batch, or stop
//	}
//	opt.Step()
//
// When total > maxNorm every gradient is multiplied by maxNorm/(total+1e-6);
// precisely, as torch does, by that factor whenever it is below 1, so a
// total within 1e-6 under maxNorm is scaled by a factor just under 1. The
// norm is accumulated in float64 whatever T is. Parameters with a nil
// gradient are skipped.
//
// A NaN or infinite total norm (a gradient holds NaN or ±Inf, or finite
// gradients overflow the p-norm) is an error, as with torch's
// error_if_nonfinite=True: ClipGradNorm then leaves every gradient as it
// was, instead of scaling them all by NaN or 0, and returns the total with a
// *NonFiniteError naming the first offending parameter. Ignoring the error
// and calling Step then applies the non-finite gradient (unless the
// optimizer's NonFinitePolicy says otherwise).
//
// ClipGradNorm panics with an *ArgError if maxNorm is negative or NaN, or
// normType is not positive, or more than one normType is given, or one of
// params is nil: these are programmer errors, not data. Use math.Inf(1) as
// maxNorm to only measure the norm.
func ClipGradNorm[T tensor.Float](params []*autograd.Var[T], maxNorm float64, normType ...float64) (float64, error) {
	checkNoNil("ClipGradNorm", params)
	p := 2.0
	switch len(normType) {
	case 0:
	case 1:
		p = normType[0]
	default:
		panic(&ArgError{Op: "ClipGradNorm", Arg: "len(normType)", Value: len(normType), Reason: "at most one normType"})
	}
	if !(maxNorm >= 0) {
		panic(&ArgError{Op: "ClipGradNorm", Arg: "maxNorm", Value: maxNorm, Reason: "must be non-negative"})
	}
	if !(p > 0) {
		panic(&ArgError{Op: "ClipGradNorm", Arg: "normType", Value: p, Reason: "must be positive or +Inf"})
	}
	total := gradNorm(params, p)
	if math.IsNaN(total) || math.IsInf(total, 0) {
		err := firstNonFiniteGrad("ClipGradNorm", params)
		if err == nil {
			err = &NonFiniteError{Op: "ClipGradNorm", Param: -1}
		}
		err.Norm = total
		return total, err
	}
	if coef := maxNorm / (total + 1e-6); coef < 1 {
		c := T(coef)
		for _, v := range params {
			if g := v.Grad(); g != nil {
				d := g.Data()
				for k := range d {
					d[k] *= c
				}
			}
		}
	}
	return total, nil
}

// gradNorm is the p-norm of all gradient elements of params, in float64.
// The 2-norm, the commonest, sums in four lanes so that it is not bound by
// the latency of one chain of float64 additions.
func gradNorm[T tensor.Float](params []*autograd.Var[T], p float64) float64 {
	var acc [4]float64
	for _, v := range params {
		g := v.Grad()
		if g == nil {
			continue
		}
		d := g.Data()
		if p == 2 {
			sumSquares(&acc, d)
			continue
		}
		for _, x := range d {
			a := math.Abs(float64(x))
			switch {
			case math.IsInf(p, 1):
				acc[0] = max(acc[0], a)
			case p == 1:
				acc[0] += a
			default:
				acc[0] += math.Pow(a, p)
			}
		}
	}
	total := (acc[0] + acc[1]) + (acc[2] + acc[3])
	switch {
	case math.IsInf(p, 1), p == 1: // built-in max, like +, turns NaN into NaN
		return total
	case p == 2:
		return math.Sqrt(total)
	default:
		return math.Pow(total, 1/p)
	}
}

// sumSquares adds the squares of d into four accumulators, element k into
// acc[k mod 4]. A NaN makes the sum NaN.
func sumSquares[T tensor.Float](acc *[4]float64, d []T) {
	a0, a1, a2, a3 := acc[0], acc[1], acc[2], acc[3]
	k := 0
	for ; k+4 <= len(d); k += 4 {
		q := d[k : k+4 : k+4]
		x0, x1, x2, x3 := float64(q[0]), float64(q[1]), float64(q[2]), float64(q[3])
		a0 += x0 * x0
		a1 += x1 * x1
		a2 += x2 * x2
		a3 += x3 * x3
	}
	for ; k < len(d); k++ {
		x := float64(d[k])
		a0 += x * x
	}
	acc[0], acc[1], acc[2], acc[3] = a0, a1, a2, a3
}

// ClipGradValue clamps every gradient element of params to [−clip, clip] in
// place, like torch.nn.utils.clip_grad_value_. NaN elements stay NaN.
// Parameters with a nil gradient are skipped. It panics with an *ArgError
// if clip is negative or NaN or one of params is nil, programmer errors.
func ClipGradValue[T tensor.Float](params []*autograd.Var[T], clip float64) {
	checkNoNil("ClipGradValue", params)
	if !(clip >= 0) {
		panic(&ArgError{Op: "ClipGradValue", Arg: "clip", Value: clip, Reason: "must be non-negative"})
	}
	hi := T(clip)
	for _, v := range params {
		g := v.Grad()
		if g == nil {
			continue
		}
		d := g.Data()
		for k, x := range d {
			if x > hi {
				d[k] = hi
			} else if x < -hi {
				d[k] = -hi
			}
		}
	}
}

// checkNoNil panics with an *ArgError naming op and the index of the first
// nil parameter in params.
func checkNoNil[T tensor.Float](op string, params []*autograd.Var[T]) {
	for i, v := range params {
		if v == nil {
			panic(&ArgError{Op: op, Arg: fmt.Sprintf("params[%d]", i), Value: v, Reason: "must not be nil"})
		}
	}
}
