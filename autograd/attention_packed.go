package autograd

import (
	"math"
	"strconv"

	"github.com/adjoint-go/adjoint/tensor"
)

// PackedSelfAttention is the multi-head self-attention of a transformer
// read straight from its packed input projection: qkv is [N, L, 3E] or
// [N·L, 3E] (batch N given), each position's queries, keys and values side
// by side as nn.MultiheadAttention's in_proj lays them out, and the E
// features of each split into heads heads of E/heads. Head h of batch
// element b attends as ScaledDotProductAttentionWith does,
//
//	softmax(q·kᵀ/√Dh + M) ∘ Z · v,
//
// with q, k and v the head's columns of the query, key and value parts of
// the element's L rows, and the heads are joined position by position: the
// result is [N, L, E] or [N·L, E] (qkv's rows), ready for the output
// projection. It is
//
//	Reshape(Permute(ScaledDotProductAttentionWith(q, k, v, o), 0, 2, 1, 3), ...)
//
// with q, k, v the parts of qkv reshaped to [N, L, heads, Dh] and permuted
// to [N, heads, L, Dh], without any of those copies: the products read the
// heads in place (tensor.GemmStrided) and write the result, and the fused
// derivative the gradient of qkv, in their packed layouts. o's mask, causal
// and dropout are ScaledDotProductAttentionWith's on the scores
// [N, heads, L, L] (a keep mask for key padding is [N, 1, 1, L], and
// o.KeyPadding PyTorch's key_padding_mask [N, L]; dropout draws one
// number per score in that row-major order, so the same generator state
// gives the same mask as the unfused attention).
//
// With causal, the softmax exponentiates only the keys up to each query
// (tensor.SoftmaxCausalRows): the unfused attention's values to a few ulps
// of the float64 sum of the exponentials; without causal, and in the
// derivative, the same kernels as the unfused attention, bit for bit.
// With causal, the products also leave out what lies after each diagonal
// (scores that are masked, terms that are 0·x; tensor.GemmStridedPart),
// which changes no bit of a finite result. (A query whose keys are all
// masked has NaN probabilities, and a NaN result row, all the same; the
// terms left out then spread its NaN to fewer elements of the gradient
// than the whole products would.) The
// recorded derivative (for gradients of gradients) is the unfused
// composition's, so that it is differentiable twice and more. Under an
// Arena the result and every temporary come from the arena.
//
// It panics with a *tensor.ShapeError naming the op when qkv is not 2-D or
// 3-D, its last axis is not 3E with E a multiple of heads, or its rows are
// not N whole sequences, when mask does not broadcast to the scores,
// KeyPadding does not fit them (see AttentionOptions) or Keep
// is not of their shape; and with a *UsageError when heads or batch is not
// positive or the dropout is as ScaledDotProductAttentionWith refuses it.
func PackedSelfAttention[T Float](qkv *Var[T], batch, heads int, o AttentionOptions) *Var[T] {
	checkOperands1("PackedSelfAttention", qkv)
	defer relabel("PackedSelfAttention")
	return packedSelfAttention(qkv, batch, heads, o, true)
}

// packedSelfAttention is PackedSelfAttention, whose causal products leave
// out what lies after the diagonals when tri is set (see causalParts; the
// tests compare it with the whole products).
func packedSelfAttention[T Float](qkv *Var[T], batch, heads int, o AttentionOptions, tri bool) *Var[T] {
	const op = "PackedSelfAttention"
	x := qkv.value
	pk := packedCheck(op, x, batch, heads)
	if !(o.Dropout >= 0 && o.Dropout < 1) {
		panic(usage(op, "dropout probability "+strconv.FormatFloat(o.Dropout, 'g', -1, 64)+" is outside [0, 1)"))
	}
	if o.Dropout > 0 && o.RNG == nil && o.Keep == nil {
		panic(usage(op, "dropout > 0 needs an RNG or a Keep mask"))
	}
	if o.CausalLowerRight {
		// The scores are square: the triangle at the bottom right is
		// Causal's.
		o.Causal, o.CausalLowerRight = true, false
	}
	pk.mask, pk.causal = o.Mask, o.Causal
	pk.tri = tri && o.Causal
	n, h, l, e := pk.n, pk.heads, pk.l, pk.e
	dh, ld, ll := e/h, 3*e, l*l
	ar := arenaOf(qkv)
	xd := x.Data()
	scale := T(1 / math.Sqrt(float64(dh)))
	hs := h // the heads the loops multiply: none without positions
	if l == 0 {
		hs = 0
	}

	scores := ar.tensor(n, h, l, l)
	sd := scores.Data()
	cs, ca, _ := causalParts(pk.tri)
	for b := range n {
		base := b * l * ld
		for hh := range hs {
			bh := b*h + hh
			// alpha = 1/√Dh: the kernel's alpha·acc is ScaleInto's product.
			tensor.GemmStridedPart(cs, false, true, l, l, dh, scale, xd[base+hh*dh:], ld, xd[base+e+hh*dh:], ld,
				0, sd[bh*ll:(bh+1)*ll], l)
		}
	}
	var fill *tensor.Mask
	switch {
	case o.Mask != nil || o.KeyPadding != nil:
		fill = attnFill(op, ar, scores, o)
		for i, f := range fill.Data() {
			if f {
				sd[i] = T(math.Inf(-1))
			}
		}
	}
	p := scores
	if o.Causal {
		// The keys after each query are -∞ (or, without a mask, not
		// filled at all): only each row's prefix is exponentiated, in
		// place.
		tensor.SoftmaxCausalRows(sd, sd, l)
	} else {
		p = ar.like(scores)
		tensor.SoftmaxInto(p, scores, -1)
	}
	weights, drop, inv := attnDropout(op, ar, segmentOf(qkv), p, o)
	var out *tensor.Tensor[T]
	if pk.rank3 {
		out = ar.tensor(n, l, e)
	} else {
		out = ar.tensor(n*l, e)
	}
	od, wd := out.Data(), weights.Data()
	for b := range n {
		for hh := range hs {
			bh := b*h + hh
			tensor.GemmStridedPart(ca, false, false, l, dh, l, 1, wd[bh*ll:(bh+1)*ll], l, xd[b*l*ld+2*e+hh*dh:], ld,
				0, od[b*l*e+hh*dh:], e)
		}
	}

	var dd derivative[T]
	if needsGrad(qkv) {
		s := newState[attnOp[T]](ar)
		s.p, s.fill, s.scale = p, fill, scale
		s.a, s.drop, s.inv = weights, drop, inv
		s.pk = pk
		dd = s
	}
	return recordOp(op, out, dd, qkv)
}

// packedLayout is PackedSelfAttention's layout: N sequences of L positions
// of E features in heads heads, qkv 3-D (else [N·L, 3E]), the mask and
// causal flag the recorded derivative rebuilds the -∞ fill from, and
// whether the products leave out what lies after the diagonals (see
// causalParts).
type packedLayout struct {
	n, heads, l, e     int
	rank3, causal, tri bool
	mask               *tensor.Mask
}

// packedCheck panics unless x is a packed projection [N, L, 3E] or
// [N·L, 3E] with E a multiple of heads, and returns its layout.
func packedCheck[T Float](op string, x *tensor.Tensor[T], batch, heads int) packedLayout {
	if batch <= 0 || heads <= 0 {
		panic(usage(op, "batch "+strconv.Itoa(batch)+" and heads "+strconv.Itoa(heads)+" must be positive"))
	}
	r := x.Dims()
	if r != 2 && r != 3 {
		panic(shapeErr(op, "want qkv [N, L, 3E] or [N·L, 3E]", x.Shape()))
	}
	w := x.Dim(r - 1)
	if w%3 != 0 || (w/3)%heads != 0 || w == 0 {
		panic(shapeErr(op, "the last axis must be 3E, E a positive multiple of heads "+strconv.Itoa(heads), x.Shape()))
	}
	pk := packedLayout{n: batch, heads: heads, e: w / 3, rank3: r == 3}
	if r == 3 {
		if x.Dim(0) != batch {
			panic(shapeErr(op, "the first axis is not the batch "+strconv.Itoa(batch), x.Shape()))
		}
		pk.l = x.Dim(1)
	} else {
		if x.Dim(0)%batch != 0 {
			panic(shapeErr(op, "the rows are not "+strconv.Itoa(batch)+" whole sequences", x.Shape()))
		}
		pk.l = x.Dim(0) / batch
	}
	return pk
}

// packedVJP is vjp for PackedSelfAttention: ScaledDotProductAttention's
// arithmetic, with g [N·L, E] and the gradient [N·L, 3E] read and written
// per head in their packed layouts.
func (s *attnOp[T]) packedVJP(c *Context[T], g *tensor.Tensor[T]) {
	pk := s.pk
	n, h, l, e := pk.n, pk.heads, pk.l, pk.e
	dh, ld, ll := e/h, 3*e, l*l
	xd, gd := c.node().inputs[0].value.Data(), g.Data()
	if l == 0 {
		c.zeroGrads()
		return
	}
	ds := c.scratch(s.p)
	dsd := ds.Data()
	cs, ca, cat := causalParts(pk.tri)
	for b := range n {
		for hh := range h {
			bh := b*h + hh
			dsh := dsd[bh*ll : (bh+1)*ll]
			tensor.GemmStridedPart(cs, false, true, l, l, dh, 1, gd[b*l*e+hh*dh:], e, xd[b*l*ld+2*e+hh*dh:], ld, 0, dsh, l)
			if pk.tri {
				// The gradient of the probabilities after the diagonal,
				// computed or not, meets their 0 in the softmax's
				// derivative: 0 there gives the unfused values.
				for i := range l - 1 {
					clear(dsh[i*l+i+1 : (i+1)*l])
				}
			}
		}
	}
	if s.drop != nil {
		attnApplyDrop(dsd, dsd, s.drop, s.inv)
	}
	softmaxRowsVJP(dsd, s.p.Data(), dsd, c.p.arena.tensor(l).Data(), 0)
	tensor.ScaleInto(ds, ds, s.scale)
	dst, beta := c.gradBuf(0)
	dd, ad := dst.Data(), s.a.Data()
	for b := range n {
		base := b * l * ld
		for hh := range h {
			bh := b*h + hh
			dsh, q, k := dsd[bh*ll:(bh+1)*ll], base+hh*dh, base+e+hh*dh
			tensor.GemmStridedPart(ca, false, false, l, dh, l, 1, dsh, l, xd[k:], ld, beta, dd[q:], ld)
			tensor.GemmStridedPart(cat, true, false, l, dh, l, 1, dsh, l, xd[q:], ld, beta, dd[k:], ld)
			tensor.GemmStridedPart(cat, true, false, l, dh, l, 1, ad[bh*ll:(bh+1)*ll], l, gd[b*l*e+hh*dh:], e,
				beta, dd[base+2*e+hh*dh:], ld)
		}
	}
}

// causalParts returns the parts of the products (tensor.GemmPart) that a
// causal attention computes when tri is set, else the whole products: the
// scores and their gradient (q·kᵀ, g·vᵀ) on and below the diagonal only,
// and with the probabilities or the scores' gradient, which are 0 after
// the diagonal, the output and dQ (a·v, dS·k) without those terms, dK and
// dV (dSᵀ·q, aᵀ·g) without the terms before the transposed diagonal. The
// terms left out are 0·x (NaN·x in a row whose keys are all masked), which
// changes no bit of a finite result; at L = 64 they are about 40% of the
// multiply-adds.
func causalParts(tri bool) (scores, lowerA, upperA tensor.GemmPart) {
	if !tri {
		return tensor.GemmFull, tensor.GemmFull, tensor.GemmFull
	}
	return tensor.GemmLowerC, tensor.GemmLowerA, tensor.GemmUpperA
}

// packedBackward is backward for PackedSelfAttention: the unfused
// composition's derivative in autograd ops (the heads split, reshaped and
// permuted out of qkv, ScaledDotProductAttention's recorded derivative,
// and the heads' gradients joined back into qkv's layout).
func (s *attnOp[T]) packedBackward(c *Context[T], g *Var[T]) []*Var[T] {
	pk := s.pk
	n, h, l, e := pk.n, pk.heads, pk.l, pk.e
	x := Reshape(c.Input(0), n, l, 3*e)
	heads := func(v *Var[T]) *Var[T] { return Permute(Reshape(v, n, l, h, e/h), 0, 2, 1, 3) }
	parts := Split(x, 2, e, e, e)
	fill := s.fill
	if fill == nil && pk.causal {
		fill = attnFill("PackedSelfAttention", nil, s.p, AttentionOptions{Causal: true})
	}
	gs := attnRecorded(heads(parts[0]), heads(parts[1]), heads(parts[2]), heads(Reshape(g, n, l, e)),
		fill, s.drop, s.scale, s.inv, [3]bool{true, true, true})
	join := func(v *Var[T]) *Var[T] { return Reshape(Permute(v, 0, 2, 1, 3), n, l, e) }
	out := Concat(2, join(gs[0]), join(gs[1]), join(gs[2]))
	if !pk.rank3 {
		out = Reshape(out, n*l, 3*e)
	}
	return []*Var[T]{out}
}
