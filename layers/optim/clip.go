package optim

import (
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
// ClipGradNorm panics if maxNorm is negative or NaN, or normType is not
// positive, or if more than one normType is given: these are programmer
// errors, not data. Use math.Inf(1) as maxNorm to only measure the norm.
func ClipGradNorm[T tensor.Float](params []*autograd.Var[T], maxNorm float64, normType ...float64) (float64, error) {
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
func gradNorm[T tensor.Float](params []*autograd.Var[T], p float64) float64 {
	var acc float64
	for _, v := range params {
		g := v.Grad()
		if g == nil {
			continue
		}
		for _, x := range g.Data() {
			a := math.Abs(float64(x))
			switch {
			case math.IsNaN(a):
				return math.NaN()
			case math.IsInf(p, 1):
				acc = max(acc, a)
			case p == 2:
				acc += a * a
			case p == 1:
				acc += a
			default:
				acc += math.Pow(a, p)
			}
		}
	}
	switch {
	case math.IsInf(p, 1), p == 1:
		return acc
	case p == 2:
		return math.Sqrt(acc)
	default:
		return math.Pow(acc, 1/p)
	}
}

// ClipGradValue clamps every gradient element of params to [−clip, clip] in
// place, like torch.nn.utils.clip_grad_value_. NaN elements stay NaN.
// Parameters with a nil gradient are skipped. It panics if clip is negative
// or NaN, a programmer error.
func ClipGradValue[T tensor.Float](params []*autograd.Var[T], clip float64) {
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
