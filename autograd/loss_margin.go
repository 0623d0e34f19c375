package autograd

import (
	"fmt"
	"math"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds the similarity and margin losses of embeddings:
// CosineSimilarity (one fused op), and CosineEmbedding and TripletMargin,
// which compose differentiable ops (each with its fused derivative) the way
// PyTorch defines them.

// CosineSimilarity returns PyTorch's (1.13) cosine_similarity of a and b
// along axis, which is removed from the shape:
//
//	Σ_k (a_k/‖a‖ε)·(b_k/‖b‖ε),   ‖x‖ε = max(‖x‖₂, eps)
//
// Each vector is divided by its own clamped norm before the product, as
// torch 1.13 does (not x·y / max(‖x‖·‖y‖, eps), its older formula), so the
// result stays in [-1, 1] and a zero vector gives 0. a and b broadcast
// against each other (for example [N 1 D] with [1 M D] for all pairs);
// axis may be negative. With u = a/‖a‖ε, v = b/‖b‖ε and cos the result,
//
//	d/da = g ∘ (v - cos·u)/‖a‖ε,   d/db = g ∘ (u - cos·v)/‖b‖ε
//
// which is torch's first derivative also where a norm is clamped (there
// torch differentiates the norm as if unclamped but with the clamped value;
// the recorded form, for gradients of gradients, treats a clamped norm as
// the constant eps). It panics with a *tensor.ShapeError when the shapes do
// not broadcast, the axis is out of range or eps is negative.
func CosineSimilarity[T Float](a, b *Var[T], axis int, eps T) *Var[T] {
	checkOperands2("CosineSimilarity", a, b)
	const op = "CosineSimilarity"
	if !(eps >= 0) {
		panic(shapeErr(op, fmt.Sprintf("eps must be non-negative, got %v", eps)))
	}
	if !a.value.SameShapeAs(b.value) {
		var buf [8]int
		shape := cosBroadcast(buf[:0], a.value, b.value)
		if shape == nil {
			panic(shapeErr(op, "shapes do not broadcast", a.value.Shape(), b.value.Shape()))
		}
		ar := arenaOf(a, b)
		a, b = ar.step(a), ar.step(b)
		if !a.value.HasShape(shape...) {
			a = BroadcastTo(a, shape...)
		}
		if !b.value.HasShape(shape...) {
			b = BroadcastTo(b, shape...)
		}
	}
	av, bv := a.value, b.value
	rank := av.Dims()
	if axis < -rank || axis >= rank || rank == 0 {
		panic(shapeErr(op, fmt.Sprintf("axis %d is out of range", axis), av.Shape()))
	}
	if axis < 0 {
		axis += rank
	}
	ar := arenaOf(a, b)
	var kb, ob [8]int
	kept, outShape := kb[:0], ob[:0]
	for i := range rank {
		if i == axis {
			kept = append(kept, 1)
		} else {
			kept = append(kept, av.Dim(i))
			outShape = append(outShape, av.Dim(i))
		}
	}
	g := cosGeom{outer: 1, k: av.Dim(axis), inner: 1}
	for i := range axis {
		g.outer *= av.Dim(i)
	}
	for i := axis + 1; i < rank; i++ {
		g.inner *= av.Dim(i)
	}
	na, nb := ar.tensor(kept...), ar.tensor(kept...)
	u, v, tmp := ar.like(av), ar.like(av), ar.like(av)
	cosNorm(tmp, na, av, eps)
	cosNorm(tmp, nb, bv, eps)
	cosScale(g, u, av, na)
	cosScale(g, v, bv, nb)
	tensor.MulInto(tmp, u, v)
	cos := ar.tensor(kept...)
	tensor.SumToInto(cos, tmp, 1, 0) // the bits of SumKeepDims(Mul(u, v), axis)
	out := ar.tensor(outShape...)
	copy(out.Data(), cos.Data())
	var d derivative[T]
	if needsGrad(a, b) {
		s := newState[cosineOp[T]](ar)
		s.g, s.axis, s.eps = g, axis, eps
		s.u, s.v, s.na, s.nb, s.cos = u, v, na, nb, cos
		d = s
	}
	return recordOp(op, out, d, a, b)
}

// cosBroadcast appends to buf the shape a and b broadcast to (nil when
// they do not), without allocating for up to 8 axes.
func cosBroadcast[T Float](buf []int, a, b *tensor.Tensor[T]) []int {
	r := max(a.Dims(), b.Dims())
	for i := range r {
		k := i - r // from the end
		da, db := 1, 1
		if -k <= a.Dims() {
			da = a.Dim(k)
		}
		if -k <= b.Dims() {
			db = b.Dim(k)
		}
		switch {
		case da == db || db == 1:
			buf = append(buf, da)
		case da == 1:
			buf = append(buf, db)
		default:
			return nil
		}
	}
	return buf
}

// cosNorm sets n (x's shape with the axis kept as 1) to max(‖x‖₂, eps)
// along the axis, the squares summed by tensor.SumToInto in tmp.
func cosNorm[T Float](tmp, n, x *tensor.Tensor[T], eps T) {
	tensor.MulInto(tmp, x, x)
	tensor.SumToInto(n, tmp, 1, 0)
	nd := n.Data()
	for i, s := range nd {
		r := T(math.Sqrt(float64(s)))
		if r < eps {
			r = eps
		}
		nd[i] = r
	}
}

// cosGeom is the layout of CosineSimilarity's operands: outer·k·inner
// elements, reduced over k.
type cosGeom struct{ outer, k, inner int }

// cosScale sets dst = x/n, n broadcast along the reduced axis.
func cosScale[T Float](g cosGeom, dst, x, n *tensor.Tensor[T]) {
	d, xd, nd := dst.Data(), x.Data(), n.Data()
	for o := range g.outer {
		for k := range g.k {
			row := (o*g.k + k) * g.inner
			for i := range g.inner {
				d[row+i] = xd[row+i] / nd[o*g.inner+i]
			}
		}
	}
}

// cosineOp is CosineSimilarity's state: the layout, the normalized
// operands, the clamped norms and the result with the axis kept.
type cosineOp[T Float] struct {
	g            cosGeom
	axis         int
	eps          T
	u, v, na, nb *tensor.Tensor[T]
	cos          *tensor.Tensor[T]
}

func (*cosineOp[T]) slot() stateSlot { return slotCosineSimilarity }

func (s *cosineOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	a, b := c.Input(0), c.Input(1)
	norm := func(x *Var[T]) *Var[T] {
		return redClampBelow(Sqrt(SumKeepDims(Square(x), s.axis)), s.eps)
	}
	na, nb := norm(a), norm(b)
	u, v := Div(a, na), Div(b, nb)
	cos := SumKeepDims(Mul(u, v), s.axis)
	gk := Reshape(g, s.cos.Shape()...)
	var ga, gb *Var[T]
	if c.NeedsGrad(0) {
		ga = Mul(gk, Div(Sub(v, Mul(cos, u)), na))
	}
	if c.NeedsGrad(1) {
		gb = Mul(gk, Div(Sub(u, Mul(cos, v)), nb))
	}
	return []*Var[T]{ga, gb}
}

// vjp is backward's arithmetic element by element on the saved operands.
func (s *cosineOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	geo, gs, cs := s.g, g.Data(), s.cos.Data()
	u, v := s.u.Data(), s.v.Data()
	for j, n := range []*tensor.Tensor[T]{s.na, s.nb} {
		if !c.NeedsGrad(j) {
			continue
		}
		p, q, nd := v, u, n.Data() // d/da uses (v - cos·u)/na; d/db the mirror
		if j == 1 {
			p, q = u, v
		}
		dst, beta := c.gradBuf(j)
		d := dst.Data()
		for o := range geo.outer {
			for k := range geo.k {
				row := (o*geo.k + k) * geo.inner
				for i := range geo.inner {
					r, e := o*geo.inner+i, row+i
					val := T(gs[r] * T(T(p[e]-T(cs[r]*q[e]))/nd[r]))
					if beta == 0 {
						d[e] = val
					} else {
						d[e] += val
					}
				}
			}
		}
	}
}

// jvp of CosineSimilarity is Σ_k ((v - cos·u)/‖a‖ε ∘ ta + (u - cos·v)/‖b‖ε
// ∘ tb) along the axis: the transpose of the first derivative the vjp
// computes (torch's, also where a norm is clamped to eps).
func (s *cosineOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	res := tensor.Zeros[T](c.out.value.Shape()...)
	geo, rd, cs := s.g, res.Data(), s.cos.Data()
	u, v := s.u.Data(), s.v.Data()
	for j, n := range [2]*tensor.Tensor[T]{s.na, s.nb} {
		if ts[j] == nil {
			continue
		}
		p, q, nd, td := v, u, n.Data(), ts[j].Data() // ta's factor is (v - cos·u)/na; tb's the mirror
		if j == 1 {
			p, q = u, v
		}
		for o := range geo.outer {
			for k := range geo.k {
				row := (o*geo.k + k) * geo.inner
				for i := range geo.inner {
					r, e := o*geo.inner+i, row+i
					rd[r] += T(T(T(p[e]-T(cs[r]*q[e]))/nd[r]) * td[e])
				}
			}
		}
	}
	return res
}

// cosEmbeddingEps is PyTorch's ε in cosine_embedding_loss's norms.
const cosEmbeddingEps = 1e-12

// CosineEmbedding returns PyTorch's cosine_embedding_loss of the rows of a
// and b ([N D], or [D] for one pair) with labels y (one per row, 1 for a
// similar pair, -1 for a dissimilar one): for each row, with
//
//	cos = a·b / sqrt((‖a‖² + 1e-12)·(‖b‖² + 1e-12))
//
// the loss 1 - cos where y = 1 and max(0, cos - margin) where y = -1,
// reduced over the rows like CrossEntropy. It is composed of differentiable
// ops (Sum, Mul, Square, Sqrt, Div, ReLU; Stack and IndexSelect pick each
// row's branch), whose derivatives give
//
//	d/da = g·s ∘ (b/D - cos·a/(‖a‖² + 1e-12)),  D the denominator above
//
// with s = -1 for y = 1, and for y = -1 s = 1 where cos > margin, 0
// elsewhere (ReLU's subgradient 0 at cos = margin, where torch's clamp
// takes 1). A row selects its branch, as torch's where does: the branch
// of the other label gets a gradient of exactly 0, and so does a row with
// y = -1 and cos ≤ margin, even when the incoming gradient is infinite or
// NaN (not 0·Inf = NaN). It panics with a *tensor.ShapeError when a and b differ in
// shape, are not [N D] or [D], or y is not one label 1 or -1 per row.
func CosineEmbedding[T Float](a, b *Var[T], y []int, margin T, reduction ...Reduction) *Var[T] {
	checkOperands2("CosineEmbedding", a, b)
	const op = "CosineEmbedding"
	redCheckPair(op, "input", a, b)
	r := redReduction(op, reduction)
	rows := lossRows(op, a.value, len(y))
	ar := arenaOf(a, b)
	a, b = ar.step(a), ar.step(b)
	// Row i's loss is element 2i (1 - cos) or 2i+1 (the hinge) of the
	// branches side by side.
	pick := ar.intsN(rows)
	for i, v := range y {
		switch v {
		case 1:
			pick[i] = 2 * i
		case -1:
			pick[i] = 2*i + 1
		default:
			panic(shapeErr(op, fmt.Sprintf("y[%d] = %d, want 1 or -1", i, v), a.value.Shape()))
		}
	}
	one, eps, m := ar.tensor(), ar.tensor(), ar.tensor()
	one.Data()[0], eps.Data()[0], m.Data()[0] = 1, cosEmbeddingEps, margin
	epsC := arenaConst(ar, eps)
	dot := Sum(Mul(a, b), -1)
	sa, sb := Add(Sum(Square(a), -1), epsC), Add(Sum(Square(b), -1), epsC)
	cos := Div(dot, Sqrt(Mul(sa, sb)))
	branches := Stack(-1, Sub(arenaConst(ar, one), cos), ReLU(Sub(cos, arenaConst(ar, m))))
	l := IndexSelect(Reshape(branches, -1), 0, pick)
	if a.value.Dims() == 1 {
		l = Reshape(l)
	}
	return redReduce(l, r)
}

// lossRows returns N for an [N D] input (or 1 for [D]) with n labels,
// panicking when the shape or the count does not fit.
func lossRows[T Float](op string, x *tensor.Tensor[T], n int) int {
	rows := 1
	switch x.Dims() {
	case 1:
	case 2:
		rows = x.Dim(0)
	default:
		panic(shapeErr(op, "inputs must be [N D] or [D]", x.Shape()))
	}
	if n != rows {
		panic(shapeErr(op, fmt.Sprintf("%d labels for %d rows", n, rows), x.Shape()))
	}
	return rows
}

// TripletMargin returns PyTorch's triplet_margin_loss of anchors,
// positives and negatives of one shape ([N D], or [D] for one triplet):
// for each row,
//
//	max(d(anchor, positive) - d(anchor, negative) + margin, 0),   d(x, y) = ‖x - y + eps‖_p
//
// (eps is added to the difference, as in torch's pairwise_distance), with
// swap replacing d(anchor, negative) by min(d(anchor, negative),
// d(positive, negative)) (the distance swap of Balntas et al.), reduced
// over the rows like CrossEntropy. It is composed of differentiable ops
// (Sub, Abs, Pow or Square and Sqrt, Sum, Minimum, ReLU), whose derivatives
// give d‖v‖_p/dv = sign(v)·|v|^(p-1)/‖v‖_p^(p-1); the subgradients are
// those ops': 0 at a hinge of exactly 0 (torch takes 1), and Minimum's at a
// tie of the swap. p must be positive (2 is PyTorch's default, 1 the L1
// distance); for p = 2 a zero difference row has an undefined (NaN)
// gradient, where torch gives 0. It panics with a *tensor.ShapeError when
// the shapes differ or are not [N D] or [D], or p is not positive.
func TripletMargin[T Float](anchor, positive, negative *Var[T], margin, p, eps T, swap bool, reduction ...Reduction) *Var[T] {
	checkOperands3("TripletMargin", anchor, positive, negative)
	const op = "TripletMargin"
	redCheckPair(op, "anchor", anchor, positive)
	redCheckPair(op, "anchor", anchor, negative)
	r := redReduction(op, reduction)
	if d := anchor.value.Dims(); d != 1 && d != 2 {
		panic(shapeErr(op, "inputs must be [N D] or [D]", anchor.value.Shape()))
	}
	if !(p > 0) || math.IsInf(float64(p), 0) {
		panic(shapeErr(op, fmt.Sprintf("p must be positive and finite, got %v", p)))
	}
	ar := arenaOf(anchor, positive, negative)
	ec, mc := ar.tensor(), ar.tensor()
	ec.Data()[0], mc.Data()[0] = eps, margin
	epsC := arenaConst(ar, ec)
	dist := func(x, y *Var[T]) *Var[T] {
		v := Add(Sub(x, y), epsC)
		switch p {
		case 1:
			return Sum(Abs(v), -1)
		case 2:
			return Sqrt(Sum(Square(v), -1))
		}
		return Pow(Sum(Pow(Abs(v), p), -1), 1/p)
	}
	dap, dan := dist(anchor, positive), dist(anchor, negative)
	if swap {
		dan = Minimum(dan, dist(positive, negative))
	}
	return redReduce(ReLU(Add(Sub(dap, dan), arenaConst(ar, mc))), r)
}
