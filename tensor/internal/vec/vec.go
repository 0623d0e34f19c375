// Package vec holds vectorized loops over flat slices for the elementwise
// work of a training step that is worth it: the optimizer updates, the
// largest elementwise loops of a step (they read and write several arrays
// the size of the model), SGD's momentum and Adam's, and ReLU with its
// gradient, the activation of most models; the derivatives of σ and tanh
// from their outputs, and a product's gradient accumulated (dst += x·y),
// the gate derivatives of a recurrent cell; the four arithmetic operations
// (two arrays, or an array and a scalar) and axpby, behind package tensor's
// Add, Sub, Mul, Div, their Into forms and the engine's gradient
// accumulation; the leaves of tensor's sums (eight interleaved accumulators,
// eight rows added as a tree); and the row sweeps of a normalization
// (float64 statistics, the affine row, LayerNorm's fused backward). Each
// loop computes the same operations in the same order as its scalar form,
// without fused multiply-adds, so the results are bit-identical with and
// without the assembly; the build tag purego forces the scalar form.
//
// The assembly (vec_amd64.s, AVX-512 and AVX2) and its declarations
// (kernels_amd64.go) are written by ./gen; vec_amd64.go chooses among them
// at run time.
package vec

//go:generate go run ./gen

import "math"

// Float is the element type constraint, the same as package tensor's.
type Float interface{ ~float32 | ~float64 }

// Momentum sets, for every k, v[k] = v[k]·mu + keep·d[k] and then
// w[k] = w[k] + negLR·v[k]. The slices must have the same length.
func Momentum[T Float](w, v, d []T, negLR, mu, keep T) {
	n := len(w)
	v, d = v[:n], d[:n]
	done := momentumAsm(w, v, d, negLR, mu, keep)
	momentumGo(w[done:], v[done:], d[done:], negLR, mu, keep)
}

// momentumGo is Momentum's scalar loop.
func momentumGo[T Float](w, v, d []T, negLR, mu, keep T) {
	v, d = v[:len(w)], d[:len(w)]
	for k := range w {
		vk := T(v[k]*mu) + T(keep*d[k]) // T(): round each product, as the assembly does
		v[k] = vk
		w[k] += T(negLR * vk)
	}
}

// Adam holds the coefficients of one Adam step: β₁, β₂, 1−β₁, 1−β₂, ε, the
// decoupled decay factor (1 − lr·λ for AdamW, else 1), −lr/(1−β₁ᵗ) and
// √(1−β₂ᵗ).
type Adam[T Float] struct {
	B1, B2, C1, C2, Eps, Shrink, NegStep, BC2Sqrt T
}

// AdamStep sets, for every k,
//
//	m[k] = m[k]·β₁ + (1−β₁)·g[k]
//	v[k] = v[k]·β₂ + (1−β₂)·g[k]·g[k]
//	w[k] = w[k]·shrink + negStep·m[k] / (√v[k]/bc2Sqrt + ε)
//
// each operation rounded in that order. The slices must have w's length.
func AdamStep[T Float](w, g, m, v []T, c Adam[T]) {
	n := len(w)
	g, m, v = g[:n], m[:n], v[:n]
	done := adamAsm(w, g, m, v, &c)
	adamGo(w[done:], g[done:], m[done:], v[done:], c)
}

// adamGo is AdamStep's scalar loop.
func adamGo[T Float](w, g, m, v []T, c Adam[T]) {
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	for k, gk := range g {
		mk := T(m[k]*c.B1) + T(c.C1*gk)
		vk := T(v[k]*c.B2) + T(T(c.C2*gk)*gk)
		m[k], v[k] = mk, vk
		den := T(T(math.Sqrt(float64(vk)))/c.BC2Sqrt) + c.Eps
		w[k] = T(w[k]*c.Shrink) + T(c.NegStep*mk)/den
	}
}

// ReLU sets dst[k] = max(x[k], 0) for every k, with the bits of Go's max:
// NaN stays NaN (its sign cleared, as max does), −0 and negative values
// give +0. x must be at least as long as dst; dst may be x.
func ReLU[T Float](dst, x []T) {
	x = x[:len(dst)]
	done := reluAsm(dst, x)
	reluGo(dst[done:], x[done:])
}

// reluGo is ReLU's scalar loop.
func reluGo[T Float](dst, x []T) {
	x = x[:len(dst)]
	for k := range dst {
		dst[k] = max(x[k], 0) // branch-free: a sign test mispredicts half the time
	}
}

// ReLUGrad sets dst[k] = g[k] where x[k] > 0 and +0 elsewhere, for every
// k: ReLU's derivative applied to g, with the subgradient 0 at x = 0 and
// for NaN x. It selects rather than multiplies, as PyTorch's
// threshold_backward does: where x ≤ 0 the result is +0 whatever g is
// (±Inf, NaN or a negative number), and where x > 0 it is g with its bits.
// x and g must be at least as long as dst; dst may be x or g.
func ReLUGrad[T Float](dst, x, g []T) {
	x, g = x[:len(dst)], g[:len(dst)]
	done := reluGradAsm(dst, x, g)
	reluGradGo(dst[done:], x[done:], g[done:])
}

// reluGradGo is ReLUGrad's scalar loop.
func reluGradGo[T Float](dst, x, g []T) {
	x, g = x[:len(dst)], g[:len(dst)]
	for k := range dst {
		v := g[k] // read before the write: dst may be x or g
		if !(x[k] > 0) {
			v = 0
		}
		dst[k] = v
	}
}

// MulAdd sets dst[k] = dst[k] + x[k]·y[k] for every k, each product
// rounded before its add (no fused multiply-add): the accumulation of a
// product's gradient, with the bits of a multiply and then an add. x and y
// must be at least as long as dst; dst must not overlap them.
func MulAdd[T Float](dst, x, y []T) {
	x, y = x[:len(dst)], y[:len(dst)]
	done := gradAsm(gradMulAdd, dst, x, y)
	mulAddGo(dst[done:], x[done:], y[done:])
}

// mulAddGo is MulAdd's scalar loop.
func mulAddGo[T Float](dst, x, y []T) {
	x, y = x[:len(dst)], y[:len(dst)]
	for k := range dst {
		dst[k] += T(x[k] * y[k]) // T(): no fused multiply-add
	}
}

// SigmoidGrad sets dst[k] = g[k]·(y[k]·(1 − y[k])) for every k: σ's
// derivative, from its output y, times g. y and g must be at least as long
// as dst; dst may be y or g.
func SigmoidGrad[T Float](dst, y, g []T) {
	y, g = y[:len(dst)], g[:len(dst)]
	done := gradAsm(gradSigmoid, dst, y, g)
	sigmoidGradGo(dst[done:], y[done:], g[done:])
}

// sigmoidGradGo is SigmoidGrad's scalar loop.
func sigmoidGradGo[T Float](dst, y, g []T) {
	y, g = y[:len(dst)], g[:len(dst)]
	for k := range dst {
		dst[k] = g[k] * T(y[k]*T(1-y[k]))
	}
}

// TanhGrad sets dst[k] = g[k]·(1 − y[k]·y[k]) for every k: tanh's
// derivative, from its output y, times g. y and g must be at least as long
// as dst; dst may be y or g.
func TanhGrad[T Float](dst, y, g []T) {
	y, g = y[:len(dst)], g[:len(dst)]
	done := gradAsm(gradTanh, dst, y, g)
	tanhGradGo(dst[done:], y[done:], g[done:])
}

// tanhGradGo is TanhGrad's scalar loop.
func tanhGradGo[T Float](dst, y, g []T) {
	y, g = y[:len(dst)], g[:len(dst)]
	for k := range dst {
		dst[k] = g[k] * T(1-T(y[k]*y[k]))
	}
}

// gradOp names the loops of MulAdd, SigmoidGrad and TanhGrad for gradAsm.
type gradOp int

const (
	gradMulAdd gradOp = iota
	gradSigmoid
	gradTanh
)

// Op is an arithmetic operation of the elementwise kernels: one IEEE
// operation per element, so the vector and scalar loops give the same bits.
type Op int

// The operations of Arith, ArithScalar and ScalarArith.
const (
	OpAdd Op = iota // x + y
	OpSub           // x − y
	OpMul           // x · y
	OpDiv           // x / y
)

// Arith sets dst[k] = x[k] op y[k] for every k. x and y must be at least as
// long as dst; dst may be x or y (but must not overlap them otherwise).
func Arith[T Float](op Op, dst, x, y []T) {
	x, y = x[:len(dst)], y[:len(dst)]
	done := arithAsm(op, dst, x, y)
	arithGo(op, dst[done:], x[done:], y[done:])
}

// arithGo is Arith's scalar loop.
func arithGo[T Float](op Op, dst, x, y []T) {
	x, y = x[:len(dst)], y[:len(dst)]
	switch op {
	case OpAdd:
		for i := range dst {
			dst[i] = x[i] + y[i]
		}
	case OpSub:
		for i := range dst {
			dst[i] = x[i] - y[i]
		}
	case OpMul:
		for i := range dst {
			dst[i] = x[i] * y[i]
		}
	default:
		for i := range dst {
			dst[i] = x[i] / y[i]
		}
	}
}

// ArithScalar sets dst[k] = x[k] op s for every k. x must be at least as
// long as dst; dst may be x.
func ArithScalar[T Float](op Op, dst, x []T, s T) {
	x = x[:len(dst)]
	done := arithScalarAsm(op, false, dst, x, s)
	arithScalarGo(op, dst[done:], x[done:], s)
}

// arithScalarGo is ArithScalar's scalar loop.
func arithScalarGo[T Float](op Op, dst, x []T, s T) {
	x = x[:len(dst)]
	switch op {
	case OpAdd:
		for i := range dst {
			dst[i] = x[i] + s
		}
	case OpSub:
		for i := range dst {
			dst[i] = x[i] - s
		}
	case OpMul:
		for i := range dst {
			dst[i] = x[i] * s
		}
	default:
		for i := range dst {
			dst[i] = x[i] / s
		}
	}
}

// ScalarArith sets dst[k] = s op x[k] for every k. x must be at least as
// long as dst; dst may be x.
func ScalarArith[T Float](op Op, dst []T, s T, x []T) {
	x = x[:len(dst)]
	done := arithScalarAsm(op, true, dst, x, s)
	scalarArithGo(op, dst[done:], s, x[done:])
}

// scalarArithGo is ScalarArith's scalar loop.
func scalarArithGo[T Float](op Op, dst []T, s T, x []T) {
	x = x[:len(dst)]
	switch op {
	case OpAdd:
		for i := range dst {
			dst[i] = s + x[i]
		}
	case OpSub:
		for i := range dst {
			dst[i] = s - x[i]
		}
	case OpMul:
		for i := range dst {
			dst[i] = s * x[i]
		}
	default:
		for i := range dst {
			dst[i] = s / x[i]
		}
	}
}

// Axpby sets dst[k] = beta·dst[k] + alpha·x[k] for every k, each product
// rounded before the sum (no fused multiply-add). x must be at least as
// long as dst.
func Axpby[T Float](dst, x []T, alpha, beta T) {
	x = x[:len(dst)]
	done := axpbyAsm(dst, x, alpha, beta)
	axpbyGo(dst[done:], x[done:], alpha, beta)
}

// axpbyGo is Axpby's scalar loop.
func axpbyGo[T Float](dst, x []T, alpha, beta T) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = T(beta*dst[i]) + T(alpha*x[i]) // T(): no fused multiply-add
	}
}

// Sum8 returns the sum of x by eight interleaved accumulators: accumulator
// k starts at x[k] and adds x[k+8], x[k+16], ... in turn over the longest
// prefix of whole groups of eight; then the accumulators are added as a
// balanced tree, ((0+1)+(2+3))+((4+5)+(6+7)), and the last len(x)%8
// elements one by one. Fewer than eight elements are added one by one
// from x[0] (no +0 first, so a sum of −0s is −0); the sum of nothing is 0.
// This is package tensor's leaf summation order, whose bits its reductions
// promise; the vector loop keeps them.
func Sum8[T Float](x []T) T { return sum8(x, false) }

// sum8 is Sum8, with its accumulators added by sumLanesGo alone when goOnly
// is set (for the tests), else by the assembly where there is one.
func sum8[T Float](x []T, goOnly bool) T {
	if len(x) < 8 {
		if len(x) == 0 {
			return 0
		}
		s := x[0]
		for _, v := range x[1:] {
			s += v
		}
		return s
	}
	var r [8]T
	m := len(x) &^ 7
	if goOnly || !sumLanesAsm(x[:m], &r) {
		sumLanesGo(x[:m], &r)
	}
	s := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
	for _, v := range x[m:] {
		s += v
	}
	return s
}

// sumLanesGo is the scalar loop of Sum8's accumulators over x, a whole
// number of groups of eight (at least one).
func sumLanesGo[T Float](x []T, r *[8]T) {
	*r = [8]T(x[:8])
	for i := 8; i+8 <= len(x); i += 8 {
		b := x[i : i+8 : i+8]
		r[0] += b[0]
		r[1] += b[1]
		r[2] += b[2]
		r[3] += b[3]
		r[4] += b[4]
		r[5] += b[5]
		r[6] += b[6]
		r[7] += b[7]
	}
}

// SumWide returns the sum of float64(x[k]) by sixteen interleaved float64
// accumulators: accumulator j starts at +0 and adds x[j], x[j+16], ... in
// turn over the longest prefix of whole groups of sixteen; the
// accumulators are added as a balanced tree and the last len(x)%16
// elements one by one.
func SumWide[T Float](x []T) float64 { return sumWide(x, false) }

// sumWide is SumWide, with the accumulators added by sumWideGo alone when
// goOnly is set (for the tests).
func sumWide[T Float](x []T, goOnly bool) float64 {
	var r [16]float64
	m := len(x) &^ 15
	if m > 0 && (goOnly || !sumWideAsm(x[:m], &r)) {
		sumWideGo(x[:m], &r)
	}
	s := tree16(&r)
	for _, v := range x[m:] {
		s += float64(v)
	}
	return s
}

// SqDevWide returns the sum of the squares of d[k] = float64(x[k]) − m in
// SumWide's order, each square rounded before its add (no fused
// multiply-add).
func SqDevWide[T Float](x []T, m float64) float64 { return sqDevWide(x, m, false) }

// sqDevWide is SqDevWide, with sqDevWideGo alone when goOnly is set.
func sqDevWide[T Float](x []T, m float64, goOnly bool) float64 {
	var r [16]float64
	k := len(x) &^ 15
	if k > 0 && (goOnly || !sqDevWideAsm(x[:k], m, &r)) {
		sqDevWideGo(x[:k], m, &r)
	}
	s := tree16(&r)
	for _, v := range x[k:] {
		d := float64(v) - m
		s += float64(d * d)
	}
	return s
}

// tree16 adds sixteen accumulators as a balanced tree.
func tree16(r *[16]float64) float64 {
	a := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
	b := ((r[8] + r[9]) + (r[10] + r[11])) + ((r[12] + r[13]) + (r[14] + r[15]))
	return a + b
}

// sumWideGo is SumWide's accumulator loop over whole groups of sixteen,
// one accumulator at a time.
func sumWideGo[T Float](x []T, r *[16]float64) {
	for j := range r {
		a := r[j]
		for i := j; i < len(x); i += 16 {
			a += float64(x[i])
		}
		r[j] = a
	}
}

// sqDevWideGo is SqDevWide's accumulator loop over whole groups of
// sixteen, one accumulator at a time.
func sqDevWideGo[T Float](x []T, m float64, r *[16]float64) {
	for j := range r {
		a := r[j]
		for i := j; i < len(x); i += 16 {
			d := float64(x[i]) - m
			a += float64(d * d) // float64(): no fused multiply-add
		}
		r[j] = a
	}
}

// NormAffine sets y[k] = T(T((float64(x[k]) − mean)·rstd)·w[k]) + b[k] for
// every k, each operation rounded in that order (no fused multiply-add):
// a normalized row, scaled and shifted. x, w and b must be at least as
// long as y.
func NormAffine[T Float](y, x, w, b []T, mean, rstd float64) {
	x, w, b = x[:len(y)], w[:len(y)], b[:len(y)]
	m := len(y) &^ 15
	if m == 0 || !normAffineAsm(y[:m], x, w, b, mean, rstd) {
		m = 0
	}
	normAffineGo(y[m:], x[m:], w[m:], b[m:], mean, rstd)
}

// normAffineGo is NormAffine's scalar loop.
func normAffineGo[T Float](y, x, w, b []T, mean, rstd float64) {
	x, w, b = x[:len(y)], w[:len(y)], b[:len(y)]
	for k, v := range x {
		y[k] = T(T((float64(v)-mean)*rstd)*w[k]) + b[k]
	}
}

// AddRows8 sets out[i] = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
// for every i, rk = rows[k][i], or the same of the products a·rk (each
// rounded before the sums) when scaled: package tensor's balanced tree of
// eight rows of a reduction. Every row must be at least as long as out.
func AddRows8[T Float](out []T, rows *[8][]T, a T, scaled bool) {
	n := len(out)
	var p [8]*T
	for k, r := range rows {
		if n > 0 {
			p[k] = &r[:n][0] // r[:n] panics if the row is short
		}
	}
	done := addRows8Asm(out, &p, a, scaled)
	addRows8Go(out, rows, done, a, scaled)
}

// addRows8Go is AddRows8's scalar loop from element lo on.
func addRows8Go[T Float](out []T, rows *[8][]T, lo int, a T, scaled bool) {
	r0, r1, r2, r3 := rows[0][:len(out)], rows[1][:len(out)], rows[2][:len(out)], rows[3][:len(out)]
	r4, r5, r6, r7 := rows[4][:len(out)], rows[5][:len(out)], rows[6][:len(out)], rows[7][:len(out)]
	if scaled {
		for i := lo; i < len(out); i++ {
			out[i] = ((T(a*r0[i]) + T(a*r1[i])) + (T(a*r2[i]) + T(a*r3[i]))) +
				((T(a*r4[i]) + T(a*r5[i])) + (T(a*r6[i]) + T(a*r7[i])))
		}
		return
	}
	for i := lo; i < len(out); i++ {
		out[i] = ((r0[i] + r1[i]) + (r2[i] + r3[i])) + ((r4[i] + r5[i]) + (r6[i] + r7[i]))
	}
}

// The sweeps of a normalization's fused backward over one row (LayerNorm's:
// see package autograd), each computing the same operations in the same
// order as the scalar loop, and returning the sums that follow in Sum8's
// order, computed in the same vector loop.

// NormCenter sets d = x − mu, u = d·d and gy = g·w elementwise, and
// returns Sum8(u). All slices must be at least as long as d.
func NormCenter[T Float](d, u, gy, x, g, w []T, mu T) T {
	n := len(d)
	u, gy, x, g, w = u[:n], gy[:n], x[:n], g[:n], w[:n]
	var r [8]T
	m := n &^ 7
	if n < 8 || !normCenterAsm(d[:m], u, gy, x, g, w, mu, &r) {
		m = 0
	}
	for i := m; i < n; i++ {
		d[i] = x[i] - mu
		u[i] = d[i] * d[i]
		gy[i] = g[i] * w[i]
	}
	if m == 0 {
		return Sum8(u)
	}
	return tree8(&r, u[m:])
}

// NormScale sets d = d·r, then u = gy·d and wg = g·d elementwise, and
// returns Sum8(gy) and Sum8(u). All slices must be at least as long as d.
func NormScale[T Float](d, u, wg, gy, g []T, r T) (sgy, su T) {
	n := len(d)
	u, wg, gy, g = u[:n], wg[:n], gy[:n], g[:n]
	var acc [16]T
	m := n &^ 7
	if n < 8 || !normScaleAsm(d[:m], u, wg, gy, g, r, &acc) {
		m = 0
	}
	for i := m; i < n; i++ {
		xh := d[i] * r
		d[i] = xh
		u[i] = gy[i] * xh
		wg[i] = g[i] * xh
	}
	if m == 0 {
		return Sum8(gy), Sum8(u)
	}
	return tree8((*[8]T)(acc[:8]), gy[m:]), tree8((*[8]T)(acc[8:]), u[m:])
}

// NormOut sets o = r·((gy − m1) − d·m2) elementwise, each operation rounded
// in that order, or adds that to o when add. gy and d must be at least as
// long as o.
func NormOut[T Float](o, gy, d []T, r, m1, m2 T, add bool) {
	n := len(o)
	gy, d = gy[:n], d[:n]
	m := n &^ 7
	if !normOutAsm(o[:m], gy, d, r, m1, m2, add) {
		m = 0
	}
	for i := m; i < n; i++ {
		v := T(r * (T(gy[i]-m1) - T(d[i]*m2))) // T(): no fused multiply-add into o
		if add {
			o[i] += v
		} else {
			o[i] = v
		}
	}
}

// tree8 adds Sum8's eight accumulators as its balanced tree, then the rest
// one by one.
func tree8[T Float](r *[8]T, rest []T) T {
	s := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
	for _, v := range rest {
		s += v
	}
	return s
}

// LNRows is LayerNorm's forward with a weight and a bias over the rows of
// n elements of x (len(x)/n of them), in one fused kernel where the CPU
// allows: per row, m = SumWide(x)/n and rstd = 1/√(SqDevWide(x, m)/n + eps)
// in float64, both rounded to T, then NormAffine(y, x, w, b, m, rstd) with
// them (widened again), the bits of those calls in that order. It reports
// false, doing nothing, when no kernel fits (the caller then runs those
// calls). y must be as long as x, w and b at least n long.
func LNRows[T Float](y, x, w, b []T, n int, eps T) bool {
	if n <= 0 || len(x)%n != 0 {
		return false
	}
	y, w, b = y[:len(x)], w[:n], b[:n]
	return lnRowsAsm(y, x, w, b, n, len(x)/n, eps)
}

// LNGradRows is LayerNorm's fused backward with a weight over the rows of
// n elements of x (len(x)/n of them), in one kernel where the CPU allows:
// per row, with count = T(n) and scratch rows d, u and gy, mu =
// Sum8(x)/count, sq = NormCenter(d, u, gy, x, g, w, mu), r =
// 1/T(√float64(sq/count + eps)), sgy, su = NormScale(d, u, wg, gy, g, r)
// and NormOut(o, gy, d, r, sgy/count, su/count, add), the bits of those
// calls (for n ≤ 128, Sum8 is package tensor's SumRow), without the
// scratch (the kernel keeps the sums in registers and recomputes d, x̂ and
// gy). A longer row whose SumRow is a balanced tree of leaves (lnLeaves:
// n = 2^k·leaf, such as 768 = 8·96) takes each sum in SumRow's order
// instead: Sum8 over each leaf, then the leaves' tree, the bits of
// LayerNormGradRow in package tensor. o, wg and g advance with x. It
// reports false, doing nothing, when no kernel fits.
func LNGradRows[T Float](o, wg, x, g, w []T, n int, eps T, add bool) bool {
	if n <= 0 || len(x)%n != 0 {
		return false
	}
	o, wg, g, w = o[:len(x)], wg[:len(x)], g[:len(x)], w[:n]
	if n > sumLeaf {
		return lnGradLeavesAsm(o, wg, x, g, w, n, len(x)/n, eps, add)
	}
	return lnGradRowsAsm(o, wg, x, g, w, n, len(x)/n, eps, add)
}

// sumLeaf is the longest row that package tensor's SumRow sums as one
// leaf (Sum8); a longer row is split in two, the first half a multiple of
// 8, and the halves' sums added.
const sumLeaf = 128

// maxLeaves is the most leaves per row of LNGradRows's kernel for long rows.
const maxLeaves = 64

// lnLeaves returns how SumRow splits a row of n elements when every split
// halves it exactly, down to leaves of leaf elements, a multiple of 8: then
// the sum is the balanced tree of the leaves' Sum8 sums, leaves a power of
// two. It returns 0, 0 for any other n.
func lnLeaves(n int) (leaf, leaves int) {
	leaves = 1
	for ; n > sumLeaf; n /= 2 {
		if n%16 != 0 {
			return 0, 0
		}
		leaves *= 2
	}
	if n < 8 || n%8 != 0 {
		return 0, 0
	}
	return n, leaves
}

// AddRows64 sets out to the elementwise sum of the 64 rows
// src[k·stride:][:len(out)], k < 64, in package tensor's order for 64 rows:
// eight leaves of eight consecutive rows, each added by AddRows8's tree,
// then ((L0 + L1) + (L2 + L3)) + ((L4 + L5) + (L6 + L7)). It runs in one
// kernel where the CPU allows (AVX-512) and reports false, doing nothing,
// elsewhere or when out is empty. src must hold all 64 rows (it panics
// otherwise) and out must not overlap it.
func AddRows64[T Float](out, src []T, stride int) bool {
	if len(out) == 0 || stride < len(out) {
		return false
	}
	_ = src[63*stride+len(out)-1] // every row is in src
	return addRows64Asm(out, src, stride)
}
