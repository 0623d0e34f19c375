package autograd

import (
	"fmt"
	"math"

	"github.com/adjoint-go/adjoint/tensor"
)

// BatchNorm normalizes each channel of x [N, C, ...] over the batch and the
// spatial axes with the batch's own statistics, PyTorch's
// torch.nn.functional.batch_norm with training=True: with μ and σ² the mean
// and the biased variance (divided by n, not n - 1) of the n = N·(spatial
// size) values of each channel,
//
//	y = (x - μ) / √(σ² + eps) ∘ weight + bias
//
// weight and bias are [C] (either may be nil: PyTorch's affine=False). It
// also returns what a layer needs to update its running statistics: the
// batch mean [C] and the unbiased batch variance σ²·n/(n - 1) [C], as plain
// tensors (no gradient flows through them), from x's Arena when it has one
// (so valid until its Reset). The statistics are computed in float64, two
// passes per channel.
//
// The derivative is LayerNorm's, per channel: with r = 1/√(σ² + eps),
// x̂ = (x - μ)·r, ĝ = g ∘ weight and means over each channel's n values,
//
//	d/dx = r ∘ ((ĝ - mean(ĝ)) - x̂ ∘ mean(ĝ ∘ x̂))
//	d/dweight = Σ over N and the spatial axes of g ∘ x̂,  d/dbias = Σ of g
//
// It is recorded (Grad with CreateGraph) as that composition of
// MeanKeepDims, Sum, Sqrt and the arithmetic ops, recomputing μ and r from
// x; an ordinary backward pass does the same arithmetic on plain tensors
// (the same bits), with its scratch space from the Arena.
//
// An empty batch (no value per channel) gives an empty result, as in
// PyTorch, with NaN statistics, which a layer must not fold into its
// running ones; the gradients of weight and bias are then zeros.
//
// It panics with a *tensor.ShapeError when x has fewer than 2 axes, weight
// or bias is not [C], or a channel has exactly one value (its unbiased
// variance is undefined; PyTorch raises an error too).
func BatchNorm[T Float](x, weight, bias *Var[T], eps T) (y *Var[T], mean, variance *tensor.Tensor[T]) {
	checkOperands1("BatchNorm", x)
	const op = "BatchNorm"
	xv := x.value
	n, ch, sp := bnLayout(op, xv)
	if n*sp == 1 {
		panic(shapeErr(op, "training needs more than one value per channel", xv.Shape()))
	}
	var buf [3]*Var[T]
	inputs := bnInputs(op, buf[:0], x, weight, bias, ch)
	ar := arenaOf(inputs...)
	out := ar.like(xv)
	mean, variance = ar.tensor(ch), ar.tensor(ch)
	w, b := weight.bnParams(), bias.bnParams()
	xd, yd, md, vd := xv.Data(), out.Data(), mean.Data(), variance.Data()
	count := float64(n * sp)
	grad := needsGrad(inputs...)
	// With a derivative whose sums run along contiguous runs, each channel's
	// statistics in T, as the recorded derivative computes them, are taken
	// here too, while the channel is in cache, for the fused derivative.
	var sm, sr *tensor.Tensor[T]
	if grad && tensor.BatchNormRuns(n, ch, sp) {
		sm, sr = ar.tensor(ch), ar.tensor(ch)
	}
	// Four channels at a time: their float64 sums are independent chains.
	// Both sets of statistics come from one pair of sweeps
	// (tensor.BatchNormMomentsT) when both are needed.
	var ms, vs [4]float64
	var mts, sqs [4]T
	// A channel of [N C] is one element a row apart: its output is then
	// written row by row after the statistics (bnAffineRows), with each
	// channel's r kept in rows.
	var rows []T
	if sp == 1 && n > 0 {
		rows = ar.tensor(ch).Data()
	}
	for c0 := 0; c0 < ch; c0 += 4 {
		k := min(4, ch-c0)
		switch {
		case sm != nil:
			tensor.BatchNormMomentsT(xd, n, ch, sp, c0, k, &ms, &vs, &mts, &sqs)
		case n*sp > 0:
			tensor.BatchNormMoments(xd, n, ch, sp, c0, k, &ms, &vs)
		default:
			for q := range k {
				ms[q], vs[q] = bnStats(xd, n, ch, sp, c0+q) // NaN
			}
		}
		for q := range k {
			c := c0 + q
			if sm != nil {
				sm.Data()[c], sr.Data()[c] = mts[q], 1/T(math.Sqrt(float64(sqs[q]/T(count)+eps)))
			}
			m, v := ms[q], vs[q]
			mt, rt := T(m), T(1/math.Sqrt(v+float64(eps)))
			md[c], vd[c] = mt, T(v*count/(count-1))
			if rows != nil {
				rows[c] = rt
				continue
			}
			bnAffine(yd, xd, n, ch, sp, c, mt, rt, bnAt(w, c), bnAt(b, c))
		}
	}
	if rows != nil {
		bnAffineRows(yd, xd, n, ch, md, rows, w, b)
	}
	var d derivative[T]
	if grad {
		s := newState[batchNormOp[T]](ar)
		s.eps, s.weight, s.bias = eps, weight != nil, bias != nil
		s.eval, s.mean, s.rstd = false, sm, sr
		d = s
	}
	return recordOp(op, out, d, inputs...), mean, variance
}

// BatchNormEval normalizes each channel of x [N, C, ...] with given
// statistics, PyTorch's torch.nn.functional.batch_norm with training=False:
// an affine map per channel,
//
//	y = (x - runningMean) / √(runningVar + eps) ∘ weight + bias
//
// runningMean and runningVar are [C] plain tensors (a layer's buffers, no
// gradient), read once: the op keeps its own copy of what its derivative
// needs. weight and bias are [C] or nil. With r = 1/√(runningVar + eps),
//
//	d/dx = g ∘ weight ∘ r,  d/dweight = Σ of g ∘ (x - runningMean)·r,  d/dbias = Σ of g
//
// (the sums over N and the spatial axes), recorded with constants for
// gradients of gradients. It panics with a *tensor.ShapeError when x has
// fewer than 2 axes or a [C] argument has another shape.
func BatchNormEval[T Float](x *Var[T], runningMean, runningVar *tensor.Tensor[T], weight, bias *Var[T], eps T) *Var[T] {
	checkOperands1("BatchNormEval", x)
	const op = "BatchNormEval"
	xv := x.value
	n, ch, sp := bnLayout(op, xv)
	for _, t := range [2]*tensor.Tensor[T]{runningMean, runningVar} {
		if t == nil || t.Dims() != 1 || t.Dim(0) != ch {
			var s []int
			if t != nil {
				s = t.Shape()
			}
			panic(shapeErr(op, fmt.Sprintf("the running mean and variance must be [%d]", ch), xv.Shape(), s))
		}
	}
	var buf [3]*Var[T]
	inputs := bnInputs(op, buf[:0], x, weight, bias, ch)
	ar := arenaOf(inputs...)
	out := ar.like(xv)
	mean, rstd := ar.tensor(ch), ar.tensor(ch)
	copy(mean.Data(), runningMean.Data())
	md, rd, vd := mean.Data(), rstd.Data(), runningVar.Data()
	for c := range ch {
		rd[c] = 1 / T(math.Sqrt(float64(vd[c]+eps)))
	}
	w, b := weight.bnParams(), bias.bnParams()
	xd, yd := xv.Data(), out.Data()
	for c := range ch {
		bnAffine(yd, xd, n, ch, sp, c, md[c], rd[c], bnAt(w, c), bnAt(b, c))
	}
	var d derivative[T]
	if needsGrad(inputs...) {
		s := newState[batchNormOp[T]](ar)
		s.weight, s.bias, s.eval = weight != nil, bias != nil, true
		s.mean, s.rstd = mean, rstd
		d = s
	}
	return recordOp(op, out, d, inputs...)
}

// bnLayout returns x [N, C, ...] as [N, C, S], S the product of the axes
// after C; it panics when x has fewer than 2 axes.
func bnLayout[T Float](op string, x *tensor.Tensor[T]) (n, c, s int) {
	if x.Dims() < 2 {
		panic(shapeErr(op, "input must be [N C ...], at least 2 axes", x.Shape()))
	}
	s = 1
	for i := 2; i < x.Dims(); i++ {
		s *= x.Dim(i)
	}
	return x.Dim(0), x.Dim(1), s
}

// bnInputs appends x and the weight and bias that are not nil to inputs,
// checking that each is [C].
func bnInputs[T Float](op string, inputs []*Var[T], x, weight, bias *Var[T], ch int) []*Var[T] {
	inputs = append(inputs, x)
	for _, p := range [2]*Var[T]{weight, bias} {
		if p == nil {
			continue
		}
		if p.value.Dims() != 1 || p.value.Dim(0) != ch {
			panic(shapeErr(op, fmt.Sprintf("weight and bias must be [%d], one per channel", ch), x.value.Shape(), p.value.Shape()))
		}
		inputs = append(inputs, p)
	}
	return inputs
}

// bnParams returns v's data, nil for a nil v.
func (v *Var[T]) bnParams() []T {
	if v == nil {
		return nil
	}
	return v.value.Data()
}

// bnAt returns &p[c], or nil when p is nil (no weight, or no bias).
func bnAt[T Float](p []T, c int) *T {
	if p == nil {
		return nil
	}
	return &p[c]
}

// bnStats returns the mean and the biased variance of channel c of x as
// [n, ch, sp], in float64, in two passes.
func bnStats[T Float](x []T, n, ch, sp, c int) (mean, variance float64) {
	var s float64
	for i := range n {
		for _, v := range x[(i*ch+c)*sp:][:sp] {
			s += float64(v)
		}
	}
	count := float64(n * sp)
	mean = s / count
	var q float64
	for i := range n {
		for _, v := range x[(i*ch+c)*sp:][:sp] {
			d := float64(v) - mean
			q += d * d
		}
	}
	return mean, q / count
}

// bnAffine writes y = x̂ ∘ w + b for channel c of x as [n, ch, sp], x̂ =
// (x - mean)·rstd (w, b nil when absent). Runs of 16 or more go through
// tensor.SliceNormAffine, vectorized, with a weight of 1 and a bias of −0
// standing for absent ones (h·1 and h + (−0) are h, bit for bit): the
// bits of bnAffineScalar.
func bnAffine[T Float](y, x []T, n, ch, sp, c int, mean, rstd T, w, b *T) {
	if sp < 16 {
		bnAffineScalar(y, x, n, ch, sp, c, mean, rstd, w, b)
		return
	}
	const tile = 256
	var wb, bb [tile]T
	wv, bv := T(1), T(math.Copysign(0, -1))
	if w != nil {
		wv = *w
	}
	if b != nil {
		bv = *b
	}
	m := min(tile, sp)
	for j := range m {
		wb[j], bb[j] = wv, bv
	}
	for i := range n {
		off := (i*ch + c) * sp
		for j := 0; j < sp; j += tile {
			k := min(tile, sp-j)
			tensor.SliceNormAffine(y[off+j:][:k], x[off+j:][:k], wb[:k], bb[:k], mean, rstd)
		}
	}
}

// bnAffineScalar is bnAffine's scalar loop.
func bnAffineScalar[T Float](y, x []T, n, ch, sp, c int, mean, rstd T, w, b *T) {
	for i := range n {
		off := (i*ch + c) * sp
		xs, ys := x[off:][:sp], y[off:][:sp]
		for j, v := range xs {
			h := T(lnHat(v, mean, rstd))
			if w != nil {
				h = T(h * *w) // rounded: no fused multiply-add
			}
			if b != nil {
				h += *b
			}
			ys[j] = h
		}
	}
}

// bnAffineRows is bnAffineScalar for every channel of x as [n, ch, 1]
// (mean and rstd per channel, w and b nil when absent), row by row in
// memory order instead of channel by channel, one element a row apart:
// the same arithmetic per element, so the same bits.
func bnAffineRows[T Float](y, x []T, n, ch int, mean, rstd, w, b []T) {
	for i := range n {
		xs, ys := x[i*ch:][:ch], y[i*ch:][:ch]
		for c, v := range xs {
			h := T(lnHat(v, mean[c], rstd[c]))
			if w != nil {
				h = T(h * w[c]) // rounded: no fused multiply-add
			}
			if b != nil {
				h += b[c]
			}
			ys[c] = h
		}
	}
}

// bnKept returns the reduction shape of x [N, C, ...] over every axis but
// C, [1, C, 1, ...], in buf when it fits.
func bnKept(x []int, buf []int) []int {
	out := buf[:0]
	for i, d := range x {
		if i != 1 {
			d = 1
		}
		out = append(out, d)
	}
	return out
}

// bnAxes returns the axes of a rank-r input but the channel axis 1.
func bnAxes(r int) []int {
	axes := make([]int, 0, r-1)
	axes = append(axes, 0)
	for i := 2; i < r; i++ {
		axes = append(axes, i)
	}
	return axes
}

// affineIndex returns the input numbers of an optional weight and bias
// after input 0, -1 when absent.
func affineIndex(weight, bias bool) (w, b int) {
	w, b = -1, -1
	next := 1
	if weight {
		w, next = next, next+1
	}
	if bias {
		b = next
	}
	return w, b
}

// batchNormOp is the state of BatchNorm and BatchNormEval: which optional
// inputs they have and, for the evaluation form, the running mean and
// 1/√(running variance + eps) it used, [C]; for the training form, when
// its channels are runs (tensor.BatchNormRuns), the batch mean and
// 1/√(variance + eps) in T as the recorded derivative computes them from x
// (nil otherwise: the fused derivative then computes them itself).
type batchNormOp[T Float] struct {
	eps          T
	weight, bias bool
	eval         bool
	mean, rstd   *tensor.Tensor[T]
}

func (*batchNormOp[T]) slot() stateSlot { return slotBatchNorm }

// backward is the derivative as a composition of differentiable ops (see
// BatchNorm and BatchNormEval), the training form recomputing the batch
// statistics from x.
func (s *batchNormOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	x := c.Input(0)
	xs := x.value.Shape()
	axes := bnAxes(len(xs))
	kept := bnKept(xs, nil)
	var d, rstd *Var[T]
	if s.eval {
		rstd = Const(s.rstd.Reshape(kept...))
		d = Sub(x, Const(s.mean.Reshape(kept...)))
	} else {
		d = Sub(x, MeanKeepDims(x, axes...))
		rstd = Div(Scalar(T(1)), Sqrt(Add(MeanKeepDims(Square(d), axes...), Scalar(s.eps))))
	}
	xh := Mul(d, rstd)
	wi, bi := affineIndex(s.weight, s.bias)
	gy := g
	if wi > 0 {
		gy = Mul(g, Reshape(c.Input(wi), kept...))
	}
	gs := make([]*Var[T], c.NumInputs())
	if c.NeedsGrad(0) {
		if s.eval {
			gs[0] = Mul(gy, rstd)
		} else {
			inner := Sub(Sub(gy, MeanKeepDims(gy, axes...)), Mul(xh, MeanKeepDims(Mul(gy, xh), axes...)))
			gs[0] = Mul(rstd, inner)
		}
	}
	if wi > 0 && c.NeedsGrad(wi) {
		gs[wi] = Sum(Mul(g, xh), axes...)
	}
	if bi > 0 && c.NeedsGrad(bi) {
		gs[bi] = Sum(g, axes...)
	}
	return gs
}

// vjp is backward's arithmetic on plain tensors, op for op (each mean and
// sum is tensor.SumToInto's, as in MeanKeepDims and Sum, so that both give
// the same bits), with [C] and x-sized scratches from the Arena.
func (s *batchNormOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	if !s.eval && s.mean != nil {
		s.vjpRuns(c, g)
		return
	}
	xv := c.node().inputs[0].value
	ar := c.p.arena
	n, ch, sp := bnLayout("BatchNorm", xv)
	var kbuf [8]int
	var xbuf [8]int
	xs := xbuf[:0]
	for i := range xv.Dims() {
		xs = append(xs, xv.Dim(i))
	}
	kept := bnKept(xs, kbuf[:0])
	wi, bi := affineIndex(s.weight, s.bias)
	var w []T
	if wi > 0 {
		w = c.node().inputs[wi].value.Data()
	}
	needX, needW := c.NeedsGrad(0), wi > 0 && c.NeedsGrad(wi)
	xd, gd := xv.Data(), g.Data()
	count := T(n * sp)
	// dd holds d = x - μ, then x̂; rt holds r per channel.
	dd := ar.like(xv)
	var mu, rt *tensor.Tensor[T]
	if s.eval {
		mu, rt = s.mean, s.rstd
	} else {
		mu, rt = ar.tensor(kept...), ar.tensor(kept...)
	}
	md, rd, ddd := mu.Data(), rt.Data(), dd.Data()
	if !s.eval {
		tensor.SumToInto(mu, xv, 1, 0)
		for k := range md {
			md[k] /= count
		}
		ck := bnChannels(ch, sp)
		for i, v := range xd {
			e := v - md[ck.next()]
			ddd[i] = e * e
		}
		tensor.SumToInto(rt, dd, 1, 0)
		for k, v := range rd {
			rd[k] = 1 / T(math.Sqrt(float64(v/count+s.eps)))
		}
	}
	if s.eval && !needW {
		ddd = nil // x̂ is not needed
	}
	ck := bnChannels(ch, sp)
	for i := range ddd {
		k := ck.next()
		ddd[i] = T(xd[i]-md[k]) * rd[k]
	}
	// ddd is x̂ now.
	if needW || bi > 0 && c.NeedsGrad(bi) {
		red := ar.tensor(kept...)
		if needW {
			u := ar.like(xv)
			ud := u.Data()
			for i, v := range gd {
				ud[i] = v * ddd[i]
			}
			tensor.SumToInto(red, u, 1, 0)
			bnAddGrad(c, wi, red.Data())
		}
		if bi > 0 && c.NeedsGrad(bi) {
			tensor.SumToInto(red, g, 1, 0)
			bnAddGrad(c, bi, red.Data())
		}
	}
	if !needX {
		return
	}
	gy := g
	if w != nil {
		gy = ar.like(xv)
		gyd := gy.Data()
		ck := bnChannels(ch, sp)
		for i, v := range gd {
			gyd[i] = v * w[ck.next()]
		}
	}
	gyd := gy.Data()
	dst, beta := c.gradBuf(0)
	out := dst.Data()
	if s.eval {
		ck := bnChannels(ch, sp)
		for i, v := range gyd {
			bnStore(out, i, T(v*rd[ck.next()]), beta)
		}
		return
	}
	m1, m2 := ar.tensor(kept...), ar.tensor(kept...)
	tensor.SumToInto(m1, gy, 1, 0)
	u := ar.like(xv)
	ud := u.Data()
	for i, v := range gyd {
		ud[i] = v * ddd[i]
	}
	tensor.SumToInto(m2, u, 1, 0)
	m1d, m2d := m1.Data(), m2.Data()
	for k := range m1d {
		m1d[k] /= count
		m2d[k] /= count
	}
	ck = bnChannels(ch, sp)
	for i, v := range gyd {
		k := ck.next()
		bnStore(out, i, T(rd[k]*(T(v-m1d[k])-T(ddd[i]*m2d[k]))), beta)
	}
}

// vjpRuns is vjp for the training form when each channel is made of
// contiguous runs (tensor.BatchNormRuns), with the statistics the forward
// pass kept: per channel, one sweep over x and g for the sums, in
// tensor.SumToInto's order, and one for the gradient of x, the same
// operations as vjp's (the same bits), with no scratch.
func (s *batchNormOp[T]) vjpRuns(c *Context[T], g *tensor.Tensor[T]) {
	xv := c.node().inputs[0].value
	n, ch, sp := bnLayout("BatchNorm", xv)
	wi, bi := affineIndex(s.weight, s.bias)
	var w []T
	if wi > 0 {
		w = c.node().inputs[wi].value.Data()
	}
	xd, gd, md, rd := xv.Data(), g.Data(), s.mean.Data(), s.rstd.Data()
	count := T(n * sp)
	// sums holds per channel Σg, Σg·x̂, mean(gy) and mean(gy·x̂).
	sums := c.p.arena.tensor(4, ch).Data()
	sg, sgh, m1, m2 := sums[:ch], sums[ch:2*ch], sums[2*ch:3*ch], sums[3*ch:]
	for k := range ch {
		var wk T
		if w != nil {
			wk = w[k]
		}
		var sgy, sgyh T
		sg[k], sgh[k], sgy, sgyh = tensor.BatchNormGradSums(xd, gd, n, ch, sp, k, md[k], rd[k], wk, w != nil)
		m1[k], m2[k] = sgy/count, sgyh/count
	}
	if wi > 0 && c.NeedsGrad(wi) {
		bnAddGrad(c, wi, sgh)
	}
	if bi > 0 && c.NeedsGrad(bi) {
		bnAddGrad(c, bi, sg)
	}
	if !c.NeedsGrad(0) {
		return
	}
	dst, beta := c.gradBuf(0)
	od := dst.Data()
	for k := range ch {
		var wk T
		if w != nil {
			wk = w[k]
		}
		tensor.BatchNormGradInput(od, xd, gd, n, ch, sp, k, md[k], rd[k], wk, w != nil, m1[k], m2[k], beta != 0)
	}
}

// bnChan gives the channel of each element of x as [n, ch, sp] in memory
// order, (i/sp)%ch for the i-th call of next, by counting instead of
// dividing: two integer divisions per element cost more than the
// arithmetic of the loops that need the channel.
type bnChan struct{ k, j, ch, sp int }

// bnChannels returns a bnChan at element 0.
func bnChannels(ch, sp int) bnChan { return bnChan{ch: ch, sp: sp} }

// next returns the current element's channel and moves to the next
// element.
func (c *bnChan) next() int {
	k := c.k
	if c.j++; c.j == c.sp {
		c.j = 0
		if c.k++; c.k == c.ch {
			c.k = 0
		}
	}
	return k
}

// bnStore sets out[i] = v (beta 0) or adds v to it.
func bnStore[T Float](out []T, i int, v, beta T) {
	if beta == 0 {
		out[i] = v
	} else {
		out[i] += v
	}
}

// bnAddGrad adds the per-channel sums red [C] into input j's gradient.
func bnAddGrad[T Float](c *Context[T], j int, red []T) {
	dst, beta := c.gradBuf(j)
	dd := dst.Data()
	for k, v := range red {
		bnStore(dd, k, v, beta)
	}
}

// jvp of BatchNorm is LayerNorm's rule over each channel's values (t the
// tangents of x, weight and bias; r, x̂ and the means per channel):
//
//	dy = r ∘ ((tx - mean(tx)) - x̂ ∘ mean(x̂ ∘ tx)) ∘ weight + x̂ ∘ tweight + tbias
//
// with the batch statistics of the forward pass. For BatchNormEval, whose
// statistics are constants, it is the affine map's:
//
//	dy = tx ∘ weight ∘ r + x̂ ∘ tweight + tbias,  x̂ = (x - runningMean)·r
//
// A channel's values stride through x (sp of them in each of the n
// samples): they are gathered into one slice, the rule computed on it,
// and the result scattered back.
func (s *batchNormOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	xv := c.node().inputs[0].value
	res := tensor.Zeros[T](xv.Shape()...)
	n, ch, sp := bnLayout("BatchNorm", xv)
	tx, aff := normTangents(c, ts, s.weight, s.bias)
	xd, rd := xv.Data(), res.Data()
	size := n * sp                           // a channel's values
	h, y := make([]T, size), make([]T, size) // x̂ and dy of one channel
	var t []T                                // its tx
	if tx != nil {
		t = make([]T, size)
	}
	for k := range ch {
		var mean, r T
		if s.eval {
			mean, r = s.mean.Data()[k], s.rstd.Data()[k]
		} else {
			m, v := bnStats(xd, n, ch, sp, k)
			mean, r = T(m), T(1/math.Sqrt(v+float64(s.eps)))
		}
		for i := range n {
			off := (i*ch + k) * sp
			for j, v := range xd[off:][:sp] {
				if s.eval {
					h[i*sp+j] = T(v-mean) * r // as backward: (x - runningMean)·r
				} else {
					h[i*sp+j] = T(lnHat(v, mean, r))
				}
			}
			if t != nil {
				copy(t[i*sp:][:sp], tx[off:][:sp])
			}
		}
		a := aff.channels(k, 1)
		if s.eval {
			bnEvalJVP(y, h, t, r, a)
		} else {
			normSliceJVP(y, h, t, r, true, a, size)
		}
		for i := range n {
			copy(rd[(i*ch+k)*sp:][:sp], y[i*sp:][:sp])
		}
	}
	return res
}

// bnEvalJVP sets y to the tangent of BatchNormEval's output along one
// channel's values, given their x̂ (h), the channel's r and the tangent t of
// its input (nil when zero), a the channel's affine part:
// dy = t ∘ w ∘ r + x̂ ∘ tw + tb.
func bnEvalJVP[T Float](y, h, t []T, r T, a normAffine[T]) {
	for j, hj := range h {
		var d T
		if t != nil {
			d = t[j]
			if a.w != nil {
				d = T(d * a.w[0])
			}
			d = T(d * r) // T(): no fused multiply-add with the terms below
		}
		if a.tw != nil {
			d += T(hj * a.tw[0])
		}
		if a.tb != nil {
			d += a.tb[0]
		}
		y[j] = d
	}
}
