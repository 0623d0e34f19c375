package autograd

import (
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/adjoint-go/adjoint/tensor"
)

// ScaledDotProductAttention returns softmax(q·kᵀ/√D + M)·v, the attention
// of a transformer, as one operation: q is [..., Lq, D], k [..., Lk, D] and
// v [..., Lk, Dv], with the same leading (batch and head) axes, and the
// result is [..., Lq, Dv]. It is PyTorch's F.scaled_dot_product_attention
// with a boolean attn_mask, without dropout (ScaledDotProductAttentionWith
// adds it).
//
// M is 0 where a query may attend to a key and -∞ where it may not:
//   - mask (nil: none) follows PyTorch's convention for a boolean
//     attn_mask: true means the key takes part, false masks it out. It
//     broadcasts to the scores' shape [..., Lq, Lk] (a key-padding mask
//     [N, 1, 1, Lk], one [Lq, Lk] pattern for every batch and head, ...).
//   - causal masks key j out of query i's row when j > i (the lower
//     triangle of an Lq×Lk matrix aligned at the top left, as PyTorch's
//     is_causal). Given with a mask, a key takes part only when both keep
//     it (PyTorch refuses both at once).
//
// A query whose every key is masked out has a softmax of 0/0: its row of
// the result and its gradients are NaN, as in PyTorch's math kernel.
// Masked keys get exactly 0 weight and no gradient.
//
// The forward pass saves the attention probabilities P = softmax(S),
// S = q·kᵀ/√D + M, computed with the maximum of each row subtracted, and
// the derivative is fused on them, with g the result's gradient:
//
//	dP = g·vᵀ,  dS = P ∘ (dP - Σ_k dP ∘ P)   (Σ along each row)
//	d/dq = dS·k/√D,  d/dk = dSᵀ·q/√D,  d/dv = Pᵀ·g
//
// The recorded derivative (for gradients of gradients) is the same
// formula in autograd ops, with P recomputed from q and k. Under an Arena
// the result, P and every temporary come from the arena.
//
// It panics with a *tensor.ShapeError naming the op and the shapes when an
// input has fewer than 2 axes, the ranks or the leading axes differ, q and
// k differ in D, k and v in Lk, or mask does not broadcast to the scores.
func ScaledDotProductAttention[T Float](q, k, v *Var[T], mask *tensor.Mask, causal bool) *Var[T] {
	checkOperands3("ScaledDotProductAttention", q, k, v)
	const op = "ScaledDotProductAttention"
	defer relabel(op)
	return attention(op, q, k, v, AttentionOptions{Mask: mask, Causal: causal})
}

// AttentionOptions are the options of ScaledDotProductAttentionWith. The
// zero value is attention without mask or dropout.
type AttentionOptions struct {
	// Mask (nil: none) keeps a key where it is true, and Causal keeps
	// key j for query i when j <= i: ScaledDotProductAttention's mask and
	// causal.
	Mask   *tensor.Mask
	Causal bool

	// CausalLowerRight keeps key j for query i when j <= i + Lk − Lq: the
	// causal triangle aligned at the bottom right (PyTorch's
	// causal_lower_right), for queries that are the last Lq positions of
	// the keys' sequence, as when decoding with a cache of keys and
	// values. With Lq = Lk it is Causal; with Lq > Lk the first Lq − Lk
	// queries keep no key (NaN rows). Set with Causal or Mask, a key takes
	// part only when all keep it.
	CausalLowerRight bool

	// KeyPadding (nil: none) is PyTorch's key_padding_mask, with its
	// convention (the opposite of Mask's): true marks a key to ignore. For
	// scores [N, ..., Lq, Lk] it is [N, Lk], one row per batch element
	// (the scores' first axis), applied to every head and query; or [Lk],
	// one row for the whole batch. Either axis may be 1 to broadcast, and
	// with 2-D scores [Lq, Lk] N is 1. A key takes part only when Mask,
	// Causal and KeyPadding all keep it. KeyPadding pad gives the results
	// and derivatives of Mask set to its negation reshaped to
	// [N, 1, ..., 1, Lk], bit for bit, without building that mask, so that
	// under an Arena it allocates nothing. It panics with a
	// *tensor.ShapeError naming the op when pad's shape does not fit.
	KeyPadding *tensor.Mask

	// Dropout is the probability p, in [0, 1), of dropping each attention
	// weight (PyTorch's dropout_p): a dropped weight is 0, a kept one is
	// scaled by 1/(1−p). With p > 0 the mask is drawn from RNG, one
	// RNG.Float64() per weight in row-major order of the scores
	// [..., Lq, Lk], the weight kept when the draw is >= p (the rule of
	// layers.Dropout): the same generator state gives the same mask, bit
	// for bit. Inside a Checkpoint's fn, the mask drawn on fn's first run
	// is replayed when fn runs again, which draws nothing (see
	// Checkpoint). Keep, when set, is the mask itself (true = kept), of
	// the scores' exact shape, and RNG is not used: a fixed mask for tests.
	Dropout float64
	RNG     *rand.Rand
	Keep    *tensor.Mask
}

// ScaledDotProductAttentionWith is ScaledDotProductAttention with its
// options in a struct, and dropout on the attention weights:
//
//	A = softmax(q·kᵀ/√D + M) ∘ Z,  result = A·v
//
// where Z is 0 for a dropped weight and 1/(1−p) for a kept one (PyTorch's
// F.scaled_dot_product_attention with dropout_p; nn.MultiheadAttention's
// dropout). With p = 0 it is ScaledDotProductAttention, bit for bit: it
// draws nothing and ignores Keep. Under an Arena the mask, like every
// other temporary, comes from the arena.
//
// The forward pass saves P and the mask; the fused derivative is
// ScaledDotProductAttention's with dP = (g·vᵀ) ∘ Z and d/dv = Aᵀ·g, and
// the recorded one recomputes P from q and k and applies the same saved
// mask, so that it stays differentiable (twice and more).
//
// It panics as ScaledDotProductAttention does (naming this op), and with a
// *tensor.ShapeError when KeyPadding does not fit the scores (see
// AttentionOptions) or Keep's shape is not the scores' or a
// *UsageError when p is outside [0, 1) or p > 0 comes without an RNG or a
// Keep mask.
func ScaledDotProductAttentionWith[T Float](q, k, v *Var[T], o AttentionOptions) *Var[T] {
	checkOperands3("ScaledDotProductAttentionWith", q, k, v)
	const op = "ScaledDotProductAttentionWith"
	defer relabel(op)
	return attention(op, q, k, v, o)
}

// attention is ScaledDotProductAttentionWith's body.
func attention[T Float](op string, q, k, v *Var[T], o AttentionOptions) *Var[T] {
	qv, kv, vv := q.value, k.value, v.value
	attnCheck(op, qv, kv, vv)
	if !(o.Dropout >= 0 && o.Dropout < 1) {
		panic(usage(op, "dropout probability "+strconv.FormatFloat(o.Dropout, 'g', -1, 64)+" is outside [0, 1)"))
	}
	if o.Dropout > 0 && o.RNG == nil && o.Keep == nil {
		panic(usage(op, "dropout > 0 needs an RNG or a Keep mask"))
	}
	r := qv.Dims()
	lk, d := kv.Dim(r-2), qv.Dim(r-1)
	ar := arenaOf(q, k, v)

	var buf [maxStackDims]int
	shape := buf[:0]
	for i := range r - 1 {
		shape = append(shape, qv.Dim(i))
	}
	scores := ar.tensor(append(shape, lk)...)
	attnGemm(false, true, qv, kv, 0, scores)
	scale := T(1 / math.Sqrt(float64(d)))
	tensor.ScaleInto(scores, scores, scale)
	var fill *tensor.Mask
	if o.Mask != nil || o.KeyPadding != nil || o.Causal || o.CausalLowerRight {
		fill = attnFill(op, ar, scores, o)
		sd, fd := scores.Data(), fill.Data()
		for i, f := range fd {
			if f {
				sd[i] = T(math.Inf(-1))
			}
		}
	}
	p := ar.like(scores)
	tensor.SoftmaxInto(p, scores, -1)
	weights, drop, inv := attnDropout(op, ar, segmentOf(q, k, v), p, o) // A: P, or P ∘ Z under dropout
	out := ar.tensor(append(shape, vv.Dim(r-1))...)
	attnGemm(false, false, weights, vv, 0, out)

	var dd derivative[T]
	if needsGrad(q, k, v) {
		s := newState[attnOp[T]](ar)
		s.p, s.fill, s.scale = p, fill, scale
		s.a, s.drop, s.inv = weights, drop, inv
		dd = s
	}
	return recordOp(op, out, dd, q, k, v)
}

// attnDrop returns the dropout mask of the scores (true = dropped), from
// the arena: the negation of o.Keep, or drawn from o.RNG, or, in seg, a
// Checkpoint's segment (nil: none), the mask of its first run.
func attnDrop[T Float](op string, ar *Arena[T], seg *segment, scores *tensor.Tensor[T], o AttentionOptions) *tensor.Mask {
	var buf [maxStackDims]int
	sh := shapeOf(scores, buf[:0])
	if o.Keep != nil && !o.Keep.HasShape(sh...) {
		panic(shapeErr(op, "the dropout Keep mask must have the scores' shape [..., Lq, Lk]", scores.Shape(), o.Keep.Shape()))
	}
	drop := arenaMask(ar, sh)
	dd := drop.Data()
	if o.Keep != nil {
		for i, kp := range o.Keep.Data() {
			dd[i] = !kp
		}
		return drop
	}
	if seg != nil {
		m := seg.draw(op, len(dd), o.Dropout, o.RNG)
		for i := range dd {
			dd[i] = !m.kept(i)
		}
		return drop
	}
	for i := range dd {
		dd[i] = o.RNG.Float64() < o.Dropout
	}
	return drop
}

// attnCheck panics unless q [..., Lq, D], k [..., Lk, D] and v [..., Lk, Dv]
// fit together.
func attnCheck[T Float](op string, q, k, v *tensor.Tensor[T]) {
	r := q.Dims()
	if r < 2 || k.Dims() != r || v.Dims() != r {
		panic(shapeErr(op, "want q [..., Lq, D], k [..., Lk, D] and v [..., Lk, Dv] of the same rank, at least 2", q.Shape(), k.Shape(), v.Shape()))
	}
	for i := range r - 2 {
		if k.Dim(i) != q.Dim(i) || v.Dim(i) != q.Dim(i) {
			panic(shapeErr(op, "the leading (batch and head) axes differ", q.Shape(), k.Shape(), v.Shape()))
		}
	}
	if k.Dim(r-1) != q.Dim(r-1) {
		panic(shapeErr(op, "q and k differ in D", q.Shape(), k.Shape(), v.Shape()))
	}
	if v.Dim(r-2) != k.Dim(r-2) {
		panic(shapeErr(op, "k and v differ in Lk", q.Shape(), k.Shape(), v.Shape()))
	}
}

// attnFill returns the mask of the scores that are masked out (true), of
// the scores' shape, from the arena: the flags o.Mask (true = keep) leaves
// false, the flags of the key padding mask o.KeyPadding (true = ignore)
// true, and, when o.Causal, every key after its query's position, when
// o.CausalLowerRight every key after its query's position plus Lk − Lq.
func attnFill[T Float](op string, ar *Arena[T], scores *tensor.Tensor[T], o AttentionOptions) *tensor.Mask {
	mask, pad := o.Mask, o.KeyPadding
	var buf [maxStackDims]int
	fill := arenaMask(ar, shapeOf(scores, buf[:0]))
	fd := fill.Data()
	if mask == nil {
		clear(fd)
	} else {
		if !scores.HasShape(bcastShape(op, buf[:0], scores, mask)...) {
			panic(shapeErr(op, "mask does not broadcast to the scores [..., Lq, Lk]", scores.Shape(), mask.Shape()))
		}
		var w tensor.BroadcastWalk
		w.Reset(op, fill, mask)
		md := mask.Data()
		w.Each(func(off, n int, o, s [3]int) {
			for j := range n {
				fd[off+j] = !md[o[0]+j*s[0]]
			}
		})
	}
	if pad != nil {
		attnPad(op, fd, scores, pad)
	}
	lq, lk := scores.Dim(-2), scores.Dim(-1)
	for _, c := range [2]struct {
		on  bool
		off int // the key of query 0's diagonal
	}{{o.Causal, 0}, {o.CausalLowerRight, lk - lq}} {
		if !c.on {
			continue
		}
		for row := 0; row*lk < len(fd); row++ {
			i := row % lq
			for j := max(i+c.off+1, 0); j < lk; j++ {
				fd[row*lk+j] = true
			}
		}
	}
	return fill
}

// attnPad sets fd, the fill of the scores, true wherever the key padding
// mask pad ignores a key, after checking pad's shape: [N, Lk] or [Lk],
// either axis of size 1 broadcasting, N the scores' first axis (1 for 2-D
// scores).
func attnPad[T Float](op string, fd []bool, scores *tensor.Tensor[T], pad *tensor.Mask) {
	r, lk := scores.Dims(), scores.Dim(-1)
	b := 1
	if r > 2 {
		b = scores.Dim(0)
	}
	if pad.Dims() < 1 || pad.Dims() > 2 {
		panic(shapeErr(op, "the key padding mask must be [N, Lk] or [Lk] (an axis may be 1) for the scores [N, ..., Lq, Lk]", scores.Shape(), pad.Shape()))
	}
	pb, pk := 1, pad.Dim(pad.Dims()-1)
	if pad.Dims() == 2 {
		pb = pad.Dim(0)
	}
	if (pb != b && pb != 1) || (pk != lk && pk != 1) {
		panic(shapeErr(op, "the key padding mask must be [N, Lk] or [Lk] (an axis may be 1) for the scores [N, ..., Lq, Lk]", scores.Shape(), pad.Shape()))
	}
	if len(fd) == 0 {
		return
	}
	sb, sk := pk, 1 // pad's strides along the batch and the keys
	if pb == 1 {
		sb = 0
	}
	if pk == 1 {
		sk = 0
	}
	pd, per := pad.Data(), len(fd)/b
	for bi := range b {
		row := pd[bi*sb:]
		for off := bi * per; off < (bi+1)*per; off += lk {
			for j := range lk {
				if row[j*sk] {
					fd[off+j] = true
				}
			}
		}
	}
}

// attnGemm sets c = op(a)·op(b) + beta·c with the kernel MatMulT uses for
// operands of the same rank (tensor.Gemm for matrices, BatchGemmInto for
// batches), so that the fused and the recorded derivative agree bit for
// bit.
func attnGemm[T Float](transA, transB bool, a, b *tensor.Tensor[T], beta T, c *tensor.Tensor[T]) {
	if a.Dims() == 2 && b.Dims() == 2 {
		tensor.Gemm(transA, transB, 1, a, b, beta, c)
		return
	}
	tensor.BatchGemmInto(transA, transB, 1, a, b, beta, c)
}

// attnOp is ScaledDotProductAttention's state: the attention probabilities
// P, the mask of the scores filled with -∞ (nil: none), and 1/√D; under
// dropout, the weights A = P ∘ Z, the dropped weights (nil: no dropout) and
// 1/(1−p). PackedSelfAttention shares it (one arena slot for both), with
// its layout in pk; pk.heads is 0 for ScaledDotProductAttention.
type attnOp[T Float] struct {
	p, a       *tensor.Tensor[T]
	fill, drop *tensor.Mask
	scale, inv T
	pk         packedLayout
}

func (*attnOp[T]) slot() stateSlot { return slotAttention }

// backward recomputes P from q and k with autograd ops, so that the
// gradients it returns are differentiable in all three inputs.
func (s *attnOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	if s.pk.heads > 0 {
		return s.packedBackward(c, g)
	}
	return attnRecorded(c.Input(0), c.Input(1), c.Input(2), g, s.fill, s.drop, s.scale, s.inv,
		[3]bool{c.NeedsGrad(0), c.NeedsGrad(1), c.NeedsGrad(2)})
}

// attnRecorded is the recorded derivative of the attention of q, k and v
// (each [..., L, D]) with the result's gradient g: P recomputed from q and
// k under fill (-∞ where true; nil: none) and the dropout mask drop (nil:
// none) with its 1/(1−p) inv, and the gradients of the inputs that need
// one (need), nil for the others.
func attnRecorded[T Float](q, k, v, g *Var[T], fill, drop *tensor.Mask, scale, inv T, need [3]bool) []*Var[T] {
	sc := Scale(MatMulT(q, k, false, true), scale)
	if fill != nil {
		sc = MaskedFill(sc, fill, T(math.Inf(-1)))
	}
	p := Softmax(sc, -1)
	a := p
	if drop != nil {
		a = Scale(MaskedFill(p, drop, 0), inv)
	}
	gs := make([]*Var[T], 3)
	if need[0] || need[1] {
		dp := MatMulT(g, v, false, true)
		if drop != nil {
			dp = Scale(MaskedFill(dp, drop, 0), inv)
		}
		ds := Scale(Mul(p, Sub(dp, SumKeepDims(Mul(dp, p), -1))), scale)
		if need[0] {
			gs[0] = MatMulT(ds, k, false, false)
		}
		if need[1] {
			gs[1] = MatMulT(ds, q, true, false)
		}
	}
	if need[2] {
		gs[2] = MatMulT(a, g, true, false)
	}
	return gs
}

// vjp is backward's arithmetic on the saved P: dP (masked by the dropout)
// and then dS (scaled by
// 1/√D) in one arena scratch of the scores' shape, and each gradient one
// product into its buffer.
func (s *attnOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	if s.pk.heads > 0 {
		s.packedVJP(c, g)
		return
	}
	q, k, v := c.node().inputs[0].value, c.node().inputs[1].value, c.node().inputs[2].value
	if c.NeedsGrad(0) || c.NeedsGrad(1) {
		ds := c.scratch(s.p)
		attnGemm(false, true, g, v, 0, ds)
		if s.drop != nil {
			attnApplyDrop(ds.Data(), ds.Data(), s.drop, s.inv)
		}
		if lk := ds.Dim(-1); lk > 0 {
			softmaxRowsVJP(ds.Data(), s.p.Data(), ds.Data(), c.p.arena.tensor(lk).Data(), 0)
		}
		tensor.ScaleInto(ds, ds, s.scale)
		if c.NeedsGrad(0) {
			dst, beta := c.gradBuf(0)
			attnGemm(false, false, ds, k, beta, dst)
		}
		if c.NeedsGrad(1) {
			dst, beta := c.gradBuf(1)
			attnGemm(true, false, ds, q, beta, dst)
		}
	}
	if c.NeedsGrad(2) {
		dst, beta := c.gradBuf(2)
		attnGemm(true, false, s.a, g, beta, dst)
	}
}

// jvp of attention is, with S = q·kᵀ/√D + M, P = softmax(S), A = P ∘ Z
// (A = P without dropout) and t the inputs' tangents,
//
//	tS = (tq·kᵀ + q·tkᵀ)/√D,  tA = P ∘ (tS - Σ_k P ∘ tS) ∘ Z   (Σ along each row)
//	t(result) = tA·v + A·tv
//
// on the saved P and A: a masked score has P = 0, so it gets no tangent.
// PackedSelfAttention's is the same per head, with the heads of q, k, v and
// of their tangents read in qkv's and its tangent's packed layout.
func (s *attnOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	if s.pk.heads > 0 {
		return s.packedJVP(c, ts[0])
	}
	q, k, v := c.node().inputs[0].value, c.node().inputs[1].value, c.node().inputs[2].value
	res := tensor.Zeros[T](c.out.value.Shape()...)
	if ts[0] != nil || ts[1] != nil {
		ta := tensor.Zeros[T](s.p.Shape()...)
		var beta T
		if ts[0] != nil {
			attnGemm(false, true, ts[0], k, 0, ta)
			beta = 1
		}
		if ts[1] != nil {
			attnGemm(false, true, q, ts[1], beta, ta)
		}
		tensor.ScaleInto(ta, ta, s.scale)
		s.attnWeightsJVP(ta)
		attnGemm(false, false, ta, v, 0, res)
	}
	if ts[2] != nil {
		attnGemm(false, false, s.a, ts[2], 1, res)
	}
	return res
}

// attnWeightsJVP turns the scores' tangent tS, in place, into the
// weights' tangent P ∘ (tS - Σ_k P ∘ tS) ∘ Z: the softmax's derivative,
// which is symmetric (softmaxRowsVJP's arithmetic), then the dropout.
func (s *attnOp[T]) attnWeightsJVP(ts *tensor.Tensor[T]) {
	td := ts.Data()
	if lk := ts.Dim(-1); lk > 0 {
		softmaxRowsVJP(td, s.p.Data(), td, tensor.Zeros[T](lk).Data(), 0)
	}
	if s.drop != nil {
		attnApplyDrop(td, td, s.drop, s.inv)
	}
}

// packedJVP is jvp for PackedSelfAttention, given qkv's tangent t: the
// products per head in the packed layouts of qkv, t and the result, with
// the parts of the causal products the forward pass leaves out (see
// causalParts) left out.
func (s *attnOp[T]) packedJVP(c *Context[T], t *tensor.Tensor[T]) *tensor.Tensor[T] {
	pk := s.pk
	n, h, l, e := pk.n, pk.heads, pk.l, pk.e
	dh, ld, ll := e/h, 3*e, l*l
	res := tensor.Zeros[T](c.out.value.Shape()...)
	if l == 0 {
		return res
	}
	xd, td := c.node().inputs[0].value.Data(), t.Data()
	ta := tensor.Zeros[T](s.p.Shape()...)
	tad := ta.Data()
	cs, ca, _ := causalParts(pk.tri)
	for b := range n {
		base := b * l * ld
		for hh := range h {
			bh := b*h + hh
			q, k := base+hh*dh, base+e+hh*dh
			tsh := tad[bh*ll : (bh+1)*ll]
			tensor.GemmStridedPart(cs, false, true, l, l, dh, s.scale, td[q:], ld, xd[k:], ld, 0, tsh, l)
			// After a causal diagonal tS is 0 or finite, and meets P's 0.
			tensor.GemmStridedPart(cs, false, true, l, l, dh, s.scale, xd[q:], ld, td[k:], ld, 1, tsh, l)
		}
	}
	s.attnWeightsJVP(ta)
	rd, ad := res.Data(), s.a.Data()
	for b := range n {
		base := b * l * ld
		for hh := range h {
			bh := b*h + hh
			vo, od := base+2*e+hh*dh, rd[b*l*e+hh*dh:]
			tensor.GemmStridedPart(ca, false, false, l, dh, l, 1, tad[bh*ll:(bh+1)*ll], l, xd[vo:], ld, 0, od, e)
			tensor.GemmStridedPart(ca, false, false, l, dh, l, 1, ad[bh*ll:(bh+1)*ll], l, td[vo:], ld, 1, od, e)
		}
	}
	return res
}

// attnDropout applies attention dropout to the softmax weights p: with
// o.Dropout > 0 it draws the keep mask (see attnDrop) and returns P ∘ Z, the
// kept weights scaled by inv = 1/(1-o.Dropout), the mask and inv; without
// dropout p itself, a nil mask and 1.
func attnDropout[T Float](op string, ar *Arena[T], seg *segment, p *tensor.Tensor[T], o AttentionOptions) (*tensor.Tensor[T], *tensor.Mask, T) {
	if o.Dropout <= 0 {
		return p, nil, 1
	}
	drop := attnDrop(op, ar, seg, p, o)
	inv := T(1 / (1 - o.Dropout))
	weights := ar.like(p)
	attnApplyDrop(weights.Data(), p.Data(), drop, inv)
	return weights, drop, inv
}

// attnApplyDrop sets dst to src ∘ Z, the dropout of the attention weights
// with mask drop (true = dropped): 0 where an element is dropped, src·inv
// where it is kept. dst may be src. The forward pass applies it to P;
// being linear, it is also its own derivative, applied in place to the
// weights' gradient or tangent.
func attnApplyDrop[T Float](dst, src []T, drop *tensor.Mask, inv T) {
	for i, dr := range drop.Data() {
		if dr {
			dst[i] = 0
		} else {
			dst[i] = src[i] * inv
		}
	}
}
