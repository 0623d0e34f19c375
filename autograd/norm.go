package autograd

import (
	"fmt"
	"math"

	"github.com/adjoint-go/adjoint/tensor"
)

// Norm returns the vector p-norm of x over the given axes (all when none
// are given), which are removed from the shape, as torch.linalg.vector_norm
// computes it:
//
//	p > 0     (Σ |x|ᵖ)^(1/p)      p = 2 is the Euclidean norm; over the two
//	                              axes of a matrix, its Frobenius norm
//	p = +Inf  max |x|
//	p = -Inf  min |x|
//	p = 0     the number of nonzero elements (not a norm: no gradient flows)
//
// Negative axes count from the end. NaN propagates. The sums are taken in
// float64 and not rescaled: as in torch, a float64 Σ x² overflows for
// elements beyond about 1e154; a float32 norm (whose sum torch takes in
// float32, overflowing beyond about 1e19) overflows only when the norm
// itself exceeds float32's range.
//
//	p = 2:     d/dx = g·x/‖x‖, and 0 where ‖x‖ = 0 (torch's subgradient)
//	p = 1:     d/dx = g·sign(x), 0 at x = 0
//	other p:   d/dx = g·sign(x)·(|x|/‖x‖)^(p-1), 0 at x = 0
//	p = ±Inf:  d/dx = g·sign(x)/k at the k elements of a slice whose |x| is
//	           its norm (ties share the gradient evenly, as in torch), 0
//	           elsewhere
//	p = 0:     d/dx = 0
//
// The gradients are computed as written, with ‖x‖ replaced by 1 where it
// is 0 and |x| by 1 where x is 0 (so that 0/0 and 0^(p-1) for p < 1 never
// arise). They are differentiable again; for p = 1 and ±Inf the second
// derivative is 0. So at a slice whose norm is 0 the p = 2 gradient reads
// g·x, and its derivative there (a Hessian, an HVP) is the identity, where
// the true one does not exist: torch's hessian gives NaN there, its hvp and
// functorch's hessian 0.
//
// It panics with a *UsageError when p is negative (other than -Inf) or NaN,
// and with a *tensor.ShapeError for an axis out of range or repeated, or,
// for p = ±Inf, a reduced axis of size 0.
func Norm[T Float](x *Var[T], p T, axes ...int) *Var[T] { return normOf("Norm", x, p, axes, false) }

// NormKeepDims is Norm that keeps each reduced axis with size 1.
func NormKeepDims[T Float](x *Var[T], p T, axes ...int) *Var[T] {
	return normOf("NormKeepDims", x, p, axes, true)
}

// normOf is Norm and NormKeepDims: one walk over the reduced slices
// (redWalk) computes each norm, and the derivative walks them again.
func normOf[T Float](op string, x *Var[T], p T, axes []int, keep bool) *Var[T] {
	checkOperands1(op, x)
	defer relabel(op)
	inf := math.IsInf(float64(p), 0)
	if p != p || p < 0 && !inf {
		panic(usage(op, fmt.Sprintf("order p = %v; want p ≥ 0 or ±Inf", p)))
	}
	xv := x.value
	m := redMaskOf(op, xv, axes)
	if inf {
		redCheckNonEmpty(op, xv, m)
	}
	ar := arenaOf(x)
	var buf [maxStackDims]int
	out := ar.tensor(redShape(buf[:0], xv, m, keep)...)
	w := newRedWalk(xv, m)
	xd, od := xv.Data(), out.Data()
	var kidx, ridx [maxRedDims]int
	base := 0
	for o := range w.outer {
		if w.nr > 1 {
			ridx = [maxRedDims]int{}
		}
		od[o] = normSlice(xd, base, &w, &ridx, p)
		base = w.stepKept(&kidx, base)
	}
	var d derivative[T]
	if needsGrad(x) {
		s := newState[normOp[T]](ar)
		s.mask, s.p = m, p
		d = s
	}
	return recordOp(op, out, d, x)
}

// normSlice returns the p-norm of the slice of xd that starts at base. The
// sums are taken in float64, so that a float32 norm of many elements keeps
// float32's accuracy (a float32 sum of 2²² values of 0.1 was 1% off) and
// overflows only when the norm itself does; a float64 norm is as before.
func normSlice[T Float](xd []T, base int, w *redWalk, ridx *[maxRedDims]int, p T) T {
	var ext T       // p = ±Inf: the extreme |x|
	var acc float64 // other p: the sum
	pf := float64(p)
	off := base
	for e := range w.n {
		if e > 0 {
			off = w.stepSlice(ridx, off)
		}
		v := xd[off]
		a := T(math.Abs(float64(v)))
		switch {
		case e == 0 && math.IsInf(pf, 0):
			ext = a
		case math.IsInf(pf, 1):
			if extBetter(a, ext, true) {
				ext = a
			}
		case math.IsInf(pf, -1):
			if extBetter(a, ext, false) {
				ext = a
			}
		case p == 0:
			if v != 0 {
				acc++
			}
		case p == 1:
			acc += float64(a)
		case p == 2:
			acc += float64(v) * float64(v)
		default:
			acc += powElem(float64(a), pf)
		}
	}
	switch {
	case math.IsInf(pf, 0):
		return ext
	case p == 2:
		return T(math.Sqrt(acc))
	case p == 0 || p == 1:
		return T(acc)
	}
	return T(powElem(acc, 1/pf))
}

// normOp is the state of Norm and NormKeepDims: the reduced axes and p.
type normOp[T Float] struct {
	mask redMask
	p    T
}

func (*normOp[T]) slot() stateSlot { return slotNorm }

// normSign is sign(v): 1, -1, 0 for ±0, NaN for NaN.
func normSign[T Float](v T) T {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return v * 0 // ±0 → 0, NaN → NaN
}

// normNonzero is n with 0 replaced by 1: the norm a derivative divides by.
func normNonzero[T Float](n T) T {
	if n == 0 {
		return n + 1
	}
	return n + 0
}

// normWeights fills wt (x's shape) with the constant factor of the
// derivative of the ±Inf norm, sign(x)/k at each of the k ties of a slice
// with its norm and 0 elsewhere (at a NaN norm, the NaN elements tie), or
// with sign(x) for p = 1; or, for the other p, with sign(x) and zx with
// 1 where x is 0 and 0 elsewhere.
func (s *normOp[T]) weights(x, out, wt, zx *tensor.Tensor[T]) {
	w := newRedWalk(x, s.mask)
	xd, od, wd := x.Data(), out.Data(), wt.Data()
	var kidx, ridx [maxRedDims]int
	base := 0
	for o := range w.outer {
		s.forSlice(xd, base, &w, &ridx, od[o], func(off int, v, f T) {
			wd[off] = f
			if zx != nil {
				zx.Data()[off] = 0
				if v == 0 {
					zx.Data()[off] = 1
				}
			}
		})
		base = w.stepKept(&kidx, base)
	}
}

// forSlice calls fn for each element of the slice at base with its value
// and its weight: sign(v) for p other than ±Inf, sign(v)/k at the k ties
// with the norm n for ±Inf, and 0 elsewhere.
func (s *normOp[T]) forSlice(xd []T, base int, w *redWalk, ridx *[maxRedDims]int, n T, fn func(off int, v, f T)) {
	inf := math.IsInf(float64(s.p), 0)
	tie := func(v T) bool {
		a := T(math.Abs(float64(v)))
		return a == n || a != a && n != n
	}
	var k T
	if inf {
		*ridx = [maxRedDims]int{}
		off := base
		for e := range w.n {
			if e > 0 {
				off = w.stepSlice(ridx, off)
			}
			if tie(xd[off]) {
				k++
			}
		}
	}
	*ridx = [maxRedDims]int{}
	off := base
	for e := range w.n {
		if e > 0 {
			off = w.stepSlice(ridx, off)
		}
		v := xd[off]
		f := normSign(v)
		if inf {
			f = 0
			if tie(v) {
				f = normSign(v) / k
			}
		}
		fn(off, v, f)
	}
}

func (s *normOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	xv := c.node().inputs[0].value
	kept := redShape(nil, xv, s.mask, true)
	gk := shpAs(g, kept)
	switch p := s.p; {
	case p == 0:
		return []*Var[T]{Const(tensor.Zeros[T](xv.Shape()...))}
	case p == 1 || math.IsInf(float64(p), 0):
		wt := tensor.Zeros[T](xv.Shape()...)
		s.weights(xv, c.out.value, wt, nil)
		return []*Var[T]{Mul(gk, Const(wt))}
	}
	// ‖x‖ with 0 replaced by 1: the output plus a constant mask.
	nz := tensor.Zeros[T](kept...)
	for i, v := range c.out.value.Data() {
		if v == 0 {
			nz.Data()[i] = 1
		}
	}
	n := Add(shpAs(c.Output(), kept), Const(nz))
	if s.p == 2 {
		return []*Var[T]{Mul(gk, Div(c.Input(0), n))}
	}
	sgn, zx := tensor.Zeros[T](xv.Shape()...), tensor.Zeros[T](xv.Shape()...)
	s.weights(xv, c.out.value, sgn, zx)
	a := Add(Abs(c.Input(0)), Const(zx))
	return []*Var[T]{Mul(gk, Mul(Const(sgn), Pow(Div(a, n), s.p-1)))}
}

// vjp computes backward's numbers element by element in one walk, without
// its masks.
func (s *normOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	xv := c.node().inputs[0].value
	dst, beta := c.gradBuf(0)
	d := dst.Data()
	if s.p == 0 {
		if beta == 0 {
			clear(d)
		}
		return
	}
	w := newRedWalk(xv, s.mask)
	xd, od, gs := xv.Data(), c.out.value.Data(), g.Data()
	p, simple := s.p, s.p == 1 || math.IsInf(float64(s.p), 0)
	var kidx, ridx [maxRedDims]int
	base := 0
	for o := range w.outer {
		gv, n := gs[o], normNonzero(od[o])
		s.forSlice(xd, base, &w, &ridx, od[o], func(off int, v, f T) {
			r := gv * normPartial(v, f, n, p, simple)
			if beta == 0 {
				d[off] = r
			} else {
				d[off] += r
			}
		})
		base = w.stepKept(&kidx, base)
	}
}

// normPartial is ∂‖x‖/∂x at an element v of a slice whose norm is n (1
// where it is 0), with f its sign, or its tie share for p = ±Inf, and
// simple set for p = 1 and ±Inf: the weight Norm's reverse and forward
// rules share (|x| is 1 where x is 0).
func normPartial[T Float](v, f, n, p T, simple bool) T {
	switch {
	case simple:
		return f
	case p == 2:
		return v / n
	}
	a := T(math.Abs(float64(v)))
	if v == 0 {
		a++
	}
	return T(f * powElem(a/n, p-1))
}

// jvp of Norm is Σ ∂‖x‖/∂x ∘ t over each reduced slice, with the reverse
// derivative's weights (‖x‖ replaced by 1 where it is 0, |x| by 1 where x
// is 0):
//
//	p = 2:     Σ x∘t / ‖x‖
//	p = 1:     Σ sign(x)∘t
//	other p:   Σ sign(x)∘(|x|/‖x‖)^(p-1)∘t
//	p = ±Inf:  Σ sign(x)∘t over the k ties of the slice with its norm, / k
//	p = 0:     0
func (s *normOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	xv, out := c.node().inputs[0].value, c.out.value
	res := tensor.Zeros[T](out.Shape()...)
	if s.p == 0 {
		return res
	}
	w := newRedWalk(xv, s.mask)
	xd, od, td, rd := xv.Data(), out.Data(), ts[0].Data(), res.Data()
	p, simple := s.p, s.p == 1 || math.IsInf(float64(s.p), 0)
	var kidx, ridx [maxRedDims]int
	base := 0
	for o := range w.outer {
		n := normNonzero(od[o])
		var acc T
		s.forSlice(xd, base, &w, &ridx, od[o], func(off int, v, f T) {
			acc += T(normPartial(v, f, n, p, simple) * td[off]) // T(): no fused multiply-add
		})
		rd[o] = acc
		base = w.stepKept(&kidx, base)
	}
	return res
}
