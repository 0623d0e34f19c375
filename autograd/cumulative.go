package autograd

import (
	"math"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds the scans whose derivatives are not moves: Cumprod and
// LogCumSumExp, and the product reduction Prod. Their recorded derivatives
// are written with this package's ops, without a division, so that they
// are exact where inputs are 0 and differentiable again; their fused
// derivatives compute the same numbers in one pass over each slice.

// moveAxisLast returns x with axis ax moved to the end (and the permutation
// that undoes it), for the recorded derivatives that work on the last axis.
func moveAxisLast[T Float](x *Var[T], ax int) (*Var[T], []int) {
	r := x.value.Dims()
	perm, inv := make([]int, 0, r), make([]int, r)
	for i := range r {
		if i != ax {
			perm = append(perm, i)
		}
	}
	perm = append(perm, ax)
	for i, a := range perm {
		inv[a] = i
	}
	return Permute(x, perm...), inv
}

// normAxis returns axis made non-negative for a tensor of rank r (0 for a
// 0-d tensor); the forward kernel has validated it.
func normAxis(axis, r int) int {
	if axis < 0 {
		axis += r
	}
	return max(axis, 0)
}

// scanBackward is the frame of the scans' recorded derivatives: it moves
// axis of each of vs (the input, then g and any other tensor of its shape)
// to the end, a 0-d one becoming one element along it, calls terms with
// them for the products whose sum over the last axis is the gradient, and
// moves the axis back.
func scanBackward[T Float](axis int, terms func(l []*Var[T]) *Var[T], vs ...*Var[T]) []*Var[T] {
	shape := vs[0].value.Shape()
	ax := normAxis(axis, len(shape))
	var inv []int
	l := make([]*Var[T], len(vs))
	for i, v := range vs {
		if len(shape) == 0 {
			v = Reshape(v, 1)
		}
		l[i], inv = moveAxisLast(v, ax)
	}
	dx := Permute(Sum(terms(l), -1), inv...)
	return []*Var[T]{Reshape(dx, shape...)}
}

// scanGrad is the frame of the scans' fused derivatives: it calls slice
// with the input's gradient buffer (fresh: slice sets every element) for
// each slice of the input along axis, base the offset of its first
// element, n its length and step the stride between its elements.
func scanGrad[T Float](c *Context[T], axis int, slice func(d []T, base, n, step int)) {
	gradInto(c, 0, false, func(dst *tensor.Tensor[T], _ T) {
		scanSlices(c.node().inputs[0].value, axis, dst.Data(), slice)
	})
}

// scanJVP is the frame of the scans' forward rules: it returns a new
// tensor of the output's shape (zeros) that slice fills slice by slice,
// as scanGrad calls it.
func scanJVP[T Float](c *Context[T], axis int, slice func(d []T, base, n, step int)) *tensor.Tensor[T] {
	res := tensor.Zeros[T](c.out.value.Shape()...)
	scanSlices(c.node().inputs[0].value, axis, res.Data(), slice)
	return res
}

// scanSlices calls slice with d for each slice of x along axis: base the
// offset of its first element, n its length and step the stride between
// its elements. An empty axis has no slices to scan.
func scanSlices[T Float](x *tensor.Tensor[T], axis int, d []T, slice func(d []T, base, n, step int)) {
	var sb [maxStackDims]int
	outer, n, inner := tensor.AlongAxis(dimsOf(sb[:0], x), axis)
	if n == 0 {
		return
	}
	for o := range outer {
		for k := range inner {
			slice(d, o*n*inner+k, n, inner)
		}
	}
}

// Cumprod returns the cumulative product of x along axis (negative counts
// from the end), as torch.cumprod: y[..., i, ...] = Π_{j≤i} x[..., j, ...],
// multiplied in float64 and rounded to T (tensor.CumprodInto). It panics
// with a *tensor.ShapeError for an axis out of range.
//
//	d/dx_k = Σ_{i≥k} g_i Π_{j≤i, j≠k} x_j
//
// within each slice along axis. That is exact with zeros in the input (one
// or several: the gradient at the first zero is the product of the others
// times the gradients after it, and 0 past a second zero), as PyTorch's
// cumprod backward, and it divides by nothing. The fused derivative
// evaluates it in O(n) per slice as dx_k = y_{k-1}·S_k with
// S_k = g_k + x_{k+1}·S_{k+1}; on a slice where that order of operations
// could overflow, underflow or meet an Inf or NaN it takes the sum above
// term by term, in the order of the recorded derivative, so that the two
// agree there too.
func Cumprod[T Float](x *Var[T], axis int) *Var[T] {
	checkOperands1("Cumprod", x)
	defer relabel("Cumprod")
	ar := arenaOf(x)
	out := ar.like(x.value)
	tensor.CumprodInto(out, x.value, axis)
	var d derivative[T]
	if needsGrad(x) {
		s := newState[cumprodOp[T]](ar)
		s.axis = axis
		d = s
	}
	return recordOp("Cumprod", out, d, x)
}

// cumprodOp is Cumprod's state: the axis.
type cumprodOp[T Float] struct{ axis int }

func (*cumprodOp[T]) slot() stateSlot { return slotCumprod }

// backward builds the sum term by term on the slices moved to the last
// axis: for each k, the row x with x_k replaced by 1 (a Where), its
// cumulative product C[k, i] = Π_{j≤i, j≠k} x_j, times g_i, kept for i ≥ k
// (Triu) and summed over i. It takes n² memory per slice, only when
// gradients of gradients are recorded.
func (s *cumprodOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	return scanBackward(s.axis, func(l []*Var[T]) *Var[T] {
		xl, gl := l[0], l[1]
		ls := xl.value.Shape()
		n := ls[len(ls)-1]
		sq := append(append([]int{}, ls...), n) // [..., k, j]
		mask := make([]bool, numel(sq))
		for i := range mask {
			mask[i] = i%n == (i/n)%n // j == k
		}
		xm := whereFlags(mask, Scalar(T(1)), Expand(Unsqueeze(xl, -2), sq...))
		return Triu(Mul(Cumprod(xm, -1), Unsqueeze(gl, -2)), 0)
	}, c.Input(0), g)
}

// numel returns the number of elements of a shape.
func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// vjp evaluates the derivative slice by slice (see Cumprod).
func (s *cumprodOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	xd, yd, gd := c.node().inputs[0].value.Data(), c.out.value.Data(), g.Data()
	scanGrad(c, s.axis, func(d []T, base, n, step int) {
		if cumprodSafe(xd, gd, base, n, step) {
			acc := gd[base+(n-1)*step]
			for i := n - 1; i >= 0; i-- {
				if i < n-1 {
					acc = gd[base+i*step] + xd[base+(i+1)*step]*acc
				}
				prev := T(1)
				if i > 0 {
					prev = yd[base+(i-1)*step]
				}
				d[base+i*step] = prev * acc
			}
			return
		}
		for k := range n {
			var acc T
			p := 1.0 // in float64, as Cumprod's forward, rounded per term
			for i := range n {
				if i != k {
					p *= float64(xd[base+i*step])
				}
				if i >= k {
					acc += T(p) * gd[base+i*step]
				}
			}
			d[base+k*step] = acc
		}
	})
}

// jvp of Cumprod is, within each slice along the axis,
// dy_i = Σ_{k≤i} t_k Π_{j≤i, j≠k} x_j, the product rule of y_i = y_{i-1}·x_i:
// dy_i = dy_{i-1}·x_i + y_{i-1}·t_i, in float64 as the forward product. It
// divides by nothing, so it is exact with zeros in the input, as the
// reverse derivative.
func (s *cumprodOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	xd, td := c.node().inputs[0].value.Data(), ts[0].Data()
	return scanJVP(c, s.axis, func(d []T, base, n, step int) {
		var dy, p float64 // in float64, as the forward: p is y_{i-1} unrounded
		for i := range n {
			at := base + i*step
			x, t := float64(xd[at]), float64(td[at])
			if i == 0 {
				dy, p = t, x
			} else {
				dy = float64(dy*x) + float64(p*t) // float64(): no fused multiply-add
				p *= x
			}
			d[at] = T(dy)
		}
	})
}

// cumprodSafe reports whether the O(n) evaluation of Cumprod's derivative
// on a slice meets no Inf or NaN and no product far from 1: all of x and g
// finite, and the products of the large and of the small nonzero
// magnitudes (times the largest |g|) within 2^±(a quarter of T's exponent
// range).
func cumprodSafe[T Float](x, g []T, base, n, stride int) bool {
	lim := 0x1p250
	if _, ok := any(T(0)).(float32); ok {
		lim = 0x1p30
	}
	big, small, gmax := 1.0, 1.0, 1.0
	for i := range n {
		v, w := math.Abs(float64(x[base+i*stride])), math.Abs(float64(g[base+i*stride]))
		if !(v <= math.MaxFloat64) || !(w <= math.MaxFloat64) {
			return false // Inf or NaN
		}
		switch {
		case v > 1:
			big *= v
		case v > 0:
			small *= v
		}
		gmax = max(gmax, w)
	}
	return big*gmax < lim && small > 1/lim
}

// LogCumSumExp returns log Σ_{j≤i} exp(x[..., j, ...]) along axis
// (negative counts from the end), as torch.logcumsumexp, computed stably in
// float64 as a running log-add-exp: finite for large inputs, -Inf only
// where every term so far is -Inf. It panics with a *tensor.ShapeError for
// an axis out of range.
//
//	d/dx_j = Σ_{i≥j} g_i exp(x_j - y_i)     (y the result)
//
// every exponent ≤ 0, so nothing overflows. The fused derivative evaluates
// it in O(n) per slice as exp(x_j - y_j)·T_j with
// T_j = g_j + exp(y_j - y_{j+1})·T_{j+1}; on a slice with an Inf or NaN it
// takes the sum term by term, as the recorded derivative does.
func LogCumSumExp[T Float](x *Var[T], axis int) *Var[T] {
	checkOperands1("LogCumSumExp", x)
	defer relabel("LogCumSumExp")
	ar := arenaOf(x)
	out := ar.like(x.value)
	tensor.LogCumSumExpInto(out, x.value, axis)
	var d derivative[T]
	if needsGrad(x) {
		s := newState[logCumSumExpOp[T]](ar)
		s.axis = axis
		d = s
	}
	return recordOp("LogCumSumExp", out, d, x)
}

// logCumSumExpOp is LogCumSumExp's state: the axis.
type logCumSumExpOp[T Float] struct{ axis int }

func (*logCumSumExpOp[T]) slot() stateSlot { return slotLogCumSumExp }

// backward builds the sum term by term on the slices moved to the last
// axis, D[j, i] = x_j - y_i, with the terms i < j set to 0 before the
// exponential (Triu, so that none overflows or poisons a second
// derivative) and to 0 again after the product with g. It takes D without
// the result y, which, rounded to T, has lost the digits of x_j - y_i once
// x is large (the fused derivative avoids y likewise): with c_i the
// running maximum of the slice (a constant: D does not depend on it),
//
//	D[j, i] = (x_j - c_i) - LSE_{k≤i}(x_k - c_i)
//
// where every x_k - c_i of the prefix is ≤ 0, so nothing overflows. A c_i
// that is not finite (a prefix of -Inf, an Inf, a NaN) is taken as 0,
// which gives D the values x_j - y_i gives there.
func (s *logCumSumExpOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	return scanBackward(s.axis, func(l []*Var[T]) *Var[T] {
		xl, gl := l[0], l[1]
		n := xl.value.Dim(-1)
		cmax, _ := tensor.Cummax(xl.value, -1)
		for i, v := range cmax.Data() {
			if f := float64(v); f-f != 0 {
				cmax.Data()[i] = 0
			}
		}
		m := Sub(Unsqueeze(xl, -1), Unsqueeze(Const(cmax), -2)) // [..., k, i]: x_k - c_i
		mask := make([]bool, m.value.Len())                     // k > i: outside the prefix
		for p := range mask {
			mask[p] = (p/n)%n > p%n
		}
		lse := LogSumExpKeepDims(whereFlags(mask, Scalar(T(math.Inf(-1))), m), -2) // [..., 1, i]
		e := Exp(Triu(Sub(m, lse), 0))
		return Triu(Mul(e, Unsqueeze(gl, -2)), 0)
	}, c.Input(0), g)
}

// vjp evaluates the derivative slice by slice (see LogCumSumExp), in
// float64.
func (s *logCumSumExpOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	xd, yd, gd := c.node().inputs[0].value.Data(), c.out.value.Data(), g.Data()
	scanGrad(c, s.axis, func(d []T, base, n, step int) {
		if lcseFinite(xd, gd, base, n, step) {
			// δ_j = x_j - y_j first, into d, from the inputs alone (y,
			// rounded to T, has lost the digits of x_j - y_j once it is
			// large: at 1e7 in float32 the gradient was 9% off).
			var delta float64
			for j := range n {
				delta = lcseDelta(xd, base, j, step, delta)
				d[base+j*step] = T(delta)
			}
			var acc float64
			for j := n - 1; j >= 0; j-- {
				acc = float64(gd[base+j*step]) + acc
				dj := float64(d[base+j*step])
				d[base+j*step] = T(math.Exp(dj) * acc)
				if j > 0 { // y_{j-1} - y_j = -softplus(x_j - x_{j-1} + δ_{j-1})
					acc *= math.Exp(-softplus64(float64(xd[base+j*step]) - float64(xd[base+(j-1)*step]) + float64(d[base+(j-1)*step])))
				}
			}
			return
		}
		for j := range n {
			var acc T
			for i := j; i < n; i++ {
				acc += T(T(math.Exp(float64(xd[base+j*step]-yd[base+i*step]))) * gd[base+i*step])
			}
			d[base+j*step] = acc
		}
	})
}

// lcseDelta returns δ_j = x_j - y_j of LogCumSumExp's slice at base (y its
// result) from δ_{j-1} (ignored for j = 0), in float64 and from the inputs
// alone, never from y: with t = x_j - y_{j-1} = x_j - x_{j-1} + δ_{j-1},
// y_j = y_{j-1} + softplus(t), so δ_j = t - softplus(t). Every quantity
// stays near the slice's spread, however large x is.
func lcseDelta[T Float](x []T, base, j, step int, prev float64) float64 {
	if j == 0 {
		return 0
	}
	t := float64(x[base+j*step]) - float64(x[base+(j-1)*step]) + prev
	return -softplus64(-t) // t - softplus(t), without Inf - Inf when t overflows
}

// softplus64 is log(1 + eᵗ), without overflow for large t.
func softplus64(t float64) float64 {
	if t > 0 {
		return t + math.Log1p(math.Exp(-t))
	}
	return math.Log1p(math.Exp(t))
}

// lcseFinite reports whether x and g (an input and a gradient or tangent)
// are finite along a slice, where LogCumSumExp's derivatives take their
// O(n) evaluation.
func lcseFinite[T Float](x, g []T, base, n, stride int) bool {
	for i := range n {
		v, w := float64(x[base+i*stride]), float64(g[base+i*stride])
		if v-v != 0 || w-w != 0 {
			return false // Inf or NaN
		}
	}
	return true
}

// jvp of LogCumSumExp is, within each slice along the axis,
// dy_i = Σ_{j≤i} exp(x_j - y_i)·t_j (y the result), evaluated in float64
// in O(n) as a_i = exp(y_{i-1} - y_i)·a_{i-1} + exp(x_i - y_i)·t_i (every
// exponent ≤ 0); on a slice with an Inf or NaN it takes the sum term by
// term, as the reverse derivative does.
func (s *logCumSumExpOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	xd, yd, td := c.node().inputs[0].value.Data(), c.out.value.Data(), ts[0].Data()
	return scanJVP(c, s.axis, func(d []T, base, n, step int) {
		if lcseFinite(xd, td, base, n, step) {
			var acc, delta float64 // delta = x_i - y_i, from the inputs (see vjp)
			for i := range n {
				at := base + i*step
				if i > 0 { // y_{i-1} - y_i = -softplus(x_i - x_{i-1} + δ_{i-1})
					acc *= math.Exp(-softplus64(float64(xd[at]) - float64(xd[at-step]) + delta))
				}
				delta = lcseDelta(xd, base, i, step, delta)
				acc += math.Exp(delta) * float64(td[at])
				d[at] = T(acc)
			}
			return
		}
		for i := range n {
			var acc T
			for j := range i + 1 {
				acc += T(T(math.Exp(float64(xd[base+j*step]-yd[base+i*step]))) * td[base+j*step])
			}
			d[base+i*step] = acc
		}
	})
}

// Prod returns the product of x's elements over the given axes (all when
// none are given; negative axes count from the end), which are removed
// from the shape, as torch.prod. The product of an empty slice is 1. It
// panics with a *tensor.ShapeError for an axis out of range or repeated.
//
//	d/dx_k = g · Π_{j≠k} x_j     (over k's slice)
//
// computed as the product of the elements before k times the product of
// those after it, never by dividing the result by x_k: exact with zeros
// (with one zero, the gradient at the zero is the product of the others and
// 0 elsewhere; with two or more, 0 everywhere), as PyTorch's prod backward.
func Prod[T Float](x *Var[T], axes ...int) *Var[T] {
	checkOperands1("Prod", x)
	defer relabel("Prod")
	xv := x.value
	m := redMaskOf("Prod", xv, axes)
	ar := arenaOf(x)
	var buf [maxStackDims]int
	out := ar.tensor(redShape(buf[:0], xv, m, false)...)
	w := newRedWalk(xv, m)
	xd, od := xv.Data(), out.Data()
	var kidx, ridx [maxRedDims]int
	base := 0
	for o := range w.outer {
		p := T(1)
		if w.n > 0 {
			if w.nr > 1 {
				ridx = [maxRedDims]int{}
			}
			off := base
			p = xd[off]
			for range w.n - 1 {
				off = w.stepSlice(&ridx, off)
				p *= xd[off]
			}
		}
		od[o] = p
		base = w.stepKept(&kidx, base)
	}
	var d derivative[T]
	if needsGrad(x) {
		s := newState[prodOp[T]](ar)
		s.mask = m
		d = s
	}
	return recordOp("Prod", out, d, x)
}

// prodOp is Prod's state: the reduced axes.
type prodOp[T Float] struct{ mask redMask }

func (*prodOp[T]) slot() stateSlot { return slotProd }

// jvp of Prod is, over each reduced slice, Σ_k t_k Π_{j≠k} x_j, the
// product rule along the slice (dp ← dp·x_e + p·t_e, p ← p·x_e): it divides
// by nothing, so it is exact with zeros in the input, as the reverse
// derivative. The product of an empty slice is the constant 1.
func (s *prodOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	xv := c.node().inputs[0].value
	res := tensor.Zeros[T](c.out.value.Shape()...)
	w := newRedWalk(xv, s.mask)
	if w.n == 0 || xv.Len() == 0 {
		return res
	}
	xd, td, rd := xv.Data(), ts[0].Data(), res.Data()
	var kidx, ridx [maxRedDims]int
	base := 0
	for o := range w.outer {
		if w.nr > 1 {
			ridx = [maxRedDims]int{}
		}
		off := base
		p, dp := xd[off], td[off]
		for range w.n - 1 {
			off = w.stepSlice(&ridx, off)
			dp = T(dp*xd[off]) + T(p*td[off]) // T(): no fused multiply-add
			p *= xd[off]
		}
		rd[o] = dp
		base = w.stepKept(&kidx, base)
	}
	return res
}

// backward moves the reduced axes to the end and flattens them into one of
// n elements, then takes the exclusive cumulative products from the left
// (Cumprod of [1 x_0 … x_{n-2}]) and from the right, and their product
// times g.
func (s *prodOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	x := c.Input(0)
	xv := x.value
	r := xv.Dims()
	n := redCount(xv, s.mask)
	if n == 0 || xv.Len() == 0 {
		return []*Var[T]{Const(tensor.Zeros[T](xv.Shape()...))}
	}
	var perm, kept, permShape []int
	for i := range r {
		if !s.mask.has(i) {
			perm, kept = append(perm, i), append(kept, xv.Dim(i))
		}
	}
	for i := range r {
		if s.mask.has(i) {
			perm = append(perm, i)
		}
	}
	inv := make([]int, r)
	for i, a := range perm {
		inv[a] = i
		permShape = append(permShape, xv.Dim(a))
	}
	flat := append(append([]int{}, kept...), n)
	xp := Reshape(Permute(x, perm...), flat...)
	one := Const(tensor.Ones[T](append(append([]int{}, kept...), 1)...))
	last := len(kept)
	pre := Cumprod(Concat(last, one, Slice(xp, shpAlong(last, 0, n-1)...)), last)
	suf := Flip(Cumprod(Concat(last, one, Slice(Flip(xp, last), shpAlong(last, 0, n-1)...)), last), last)
	dxp := Mul(Reshape(g, append(append([]int{}, kept...), 1)...), Mul(pre, suf))
	return []*Var[T]{Permute(Reshape(dxp, permShape...), inv...)}
}

// vjp computes, slice by slice, the products before each element (into the
// gradient buffer) and then, walking back, those after it, in the order of
// backward's cumulative products.
func (s *prodOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	xv := c.node().inputs[0].value
	w := newRedWalk(xv, s.mask)
	if w.n == 0 || xv.Len() == 0 {
		c.zeroGrads()
		return
	}
	offs := c.p.arena.intsN(w.n)
	xd, gs := xv.Data(), g.Data()
	gradInto(c, 0, false, func(dst *tensor.Tensor[T], _ T) {
		d := dst.Data()
		var kidx, ridx [maxRedDims]int
		base := 0
		for o := range w.outer {
			if w.nr > 1 {
				ridx = [maxRedDims]int{}
			}
			off, p := base, T(1)
			for e := range w.n {
				if e > 0 {
					off = w.stepSlice(&ridx, off)
				}
				offs[e] = off
				d[off] = p
				p *= xd[off]
			}
			q := T(1)
			for e := w.n - 1; e >= 0; e-- {
				off := offs[e]
				d[off] = gs[o] * T(d[off]*q)
				q *= xd[off]
			}
			base = w.stepKept(&kidx, base)
		}
	})
}
