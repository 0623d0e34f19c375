package autograd

import (
	"slices"

	"github.com/adjoint-go/adjoint/tensor"
)

// MatMul returns the matrix product of a and b with the broadcasting rules of
// torch.matmul:
//
//	[k]·[k]                → []             dot product (0-d)
//	[m k]·[k n]            → [m n]          matrix product
//	[k]·[… k n]            → [… n]          a is a row [1 k]; the 1 is removed
//	[… m k]·[k]            → [… m]          b is a column [k 1]; the 1 is removed
//	[… m k]·[… k n]        → [batch… m n]   one product per matrix; the batch
//	                                        axes broadcast (NumPy rules)
//
// Operands of 2 axes or more are MatMulT's (one Gemm per matrix of the
// batch, results and gradients in an Arena when the inputs have one). A
// vector operand is reshaped to a matrix of one row (a) or one column (b),
// multiplied by MatMulT and the product reshaped to drop the added axis, so
// it takes its results and gradients from the Arena too; the recorded
// operations are then Reshape, MatMul and Reshape.
//
//	d/da = g·bᵀ,  d/db = aᵀ·g   per matrix of the batch, with vectors as a row or
//	                            a column; summed over the batch axes along which
//	                            an operand was broadcast
//
// It panics with a *tensor.ShapeError naming both full shapes when an operand
// is 0-d, the inner dimensions differ (e.g. "autograd: MatMul: inner
// dimensions differ: [2 3 4] x [5 6]") or the batch axes do not broadcast.
func MatMul[T Float](a, b *Var[T]) *Var[T] {
	checkOperands2("MatMul", a, b)
	defer relabel("MatMul")
	if a.value.Dims() >= 2 && b.value.Dims() >= 2 {
		return MatMulT(a, b, false, false)
	}
	var buf [maxStackDims]int
	out := matmulVecShape(buf[:0], a.value, b.value)
	ar := arenaOf(a, b) // also for a vector Param's view, which has none of its own
	if k := a.value.Dim(-1); a.value.Dims() == 1 {
		a = shpReshapedOn(ar, "Reshape", a, []int{1, k})
	}
	if k := b.value.Dim(0); b.value.Dims() == 1 {
		b = shpReshapedOn(ar, "Reshape", b, []int{k, 1})
	}
	return shpReshaped("Reshape", MatMulT(a, b, false, false), out)
}

// matmulVecShape validates the operands of MatMul, one of them a vector,
// and appends to dst the shape of the result: the other operand's shape
// without its inner axis (a vector has no batch axes to broadcast). Errors
// name both shapes. It reads the shapes axis by axis: Shape's copies would
// cost two allocations a call.
func matmulVecShape[T Float](dst []int, a, b *tensor.Tensor[T]) []int {
	ra, rb := a.Dims(), b.Dims()
	if ra == 0 || rb == 0 {
		panic(shapeErr("MatMul", "operands must be at least 1-D", a.Shape(), b.Shape()))
	}
	inner := 0 // b's inner axis
	if rb > 1 {
		inner = rb - 2
	}
	if a.Dim(ra-1) != b.Dim(inner) {
		panic(shapeErr("MatMul", "inner dimensions differ", a.Shape(), b.Shape()))
	}
	if ra > 1 { // b is the vector: [… m k]·[k] → [… m]
		for i := range ra - 1 {
			dst = append(dst, a.Dim(i))
		}
		return dst
	}
	for i := range inner { // [k]·[… k n] → [… n], [k]·[k] → []
		dst = append(dst, b.Dim(i))
	}
	if rb > 1 {
		dst = append(dst, b.Dim(rb-1))
	}
	return dst
}

// shpAs returns v reshaped to shape, or v itself when it has that shape.
func shpAs[T Float](v *Var[T], shape []int) *Var[T] {
	if tensor.SameShape(v.value.Shape(), shape) {
		return v
	}
	return Reshape(v, shape...)
}

// MatMulT returns op(a)·op(b), where op transposes the last two axes of its
// operand when the flag is set, without materializing the transpose. Linear
// layers use it for x·Wᵀ; the derivatives of every matmul are matmuls of this
// form. The recorded operation is named after the form, e.g. "MatMul(Aᵀ·B)".
//
// Both operands must have at least 2 axes. Beyond 2, the leading axes are a
// batch that broadcasts under NumPy's rules, as in MatMul; a 2-D operand is
// one matrix shared by the whole batch. Vectors are MatMul's business.
//
//	C = A·B     dA = G·Bᵀ    dB = Aᵀ·G
//	C = A·Bᵀ    dA = G·B     dB = Gᵀ·A
//	C = Aᵀ·B    dA = B·Gᵀ    dB = A·G
//	C = Aᵀ·Bᵀ   dA = Bᵀ·Gᵀ   dB = Gᵀ·Aᵀ
//
// (per matrix of the batch, summed over the batch axes along which an
// operand was broadcast). It panics with a *tensor.ShapeError (operation
// "MatMul") when an operand has fewer than 2 axes, the inner dimensions
// differ, or the batch axes do not broadcast.
func MatMulT[T Float](a, b *Var[T], transA, transB bool) *Var[T] {
	checkOperands2("MatMulT", a, b)
	defer relabel("MatMul")
	op := "MatMul"
	switch {
	case transA && transB:
		op = "MatMul(Aᵀ·Bᵀ)"
	case transA:
		op = "MatMul(Aᵀ·B)"
	case transB:
		op = "MatMul(A·Bᵀ)"
	}
	var (
		val *tensor.Tensor[T]
		vn  *varNode[T]
	)
	switch ra, rb := a.value.Dims(), b.value.Dims(); {
	case ra == 2 && rb == 2:
		m, n := a.value.Dim(0), b.value.Dim(1)
		if transA {
			m = a.value.Dim(1)
		}
		if transB {
			n = b.value.Dim(0)
		}
		val, vn = resultOf(arenaOf(a, b), m, n)
		tensor.Gemm(transA, transB, 1, a.value, b.value, 0, val)
	case ra < 2 || rb < 2:
		panic(shapeErr("MatMul", "operands must be at least 2-D", a.value.Shape(), b.value.Shape()))
	default:
		var buf [8]int
		val = arenaOf(a, b).tensor(matmulBatchShape(buf[:0], a.value, b.value, transA, transB)...)
		tensor.BatchGemmInto(transA, transB, 1, a.value, b.value, 0, val)
	}
	var d derivative[T]
	if needsGrad(a, b) {
		d = newMatmulOp[T](transA, transB) // a one-byte value: no allocation
	}
	return recordOpIn(vn, op, val, d, a, b)
}

// matmulBatchShape appends to dst the shape of the batched product
// op(a)·op(b) (the broadcast batch, then [m n]), panicking as BatchMatMul
// does, under the name MatMul, when the operands do not fit.
func matmulBatchShape[T Float](dst []int, a, b *tensor.Tensor[T], transA, transB bool) []int {
	ra, rb := a.Dims(), b.Dims()
	m, k := a.Dim(-2), a.Dim(-1)
	if transA {
		m, k = k, m
	}
	kb, n := b.Dim(-2), b.Dim(-1)
	if transB {
		kb, n = n, kb
	}
	if k != kb {
		panic(shapeErr("MatMul", "inner dimensions differ", a.Shape(), b.Shape()))
	}
	for i := max(ra, rb) - 2; i > 0; i-- { // i counts batch axes from the right
		da, db := 1, 1
		if i <= ra-2 {
			da = a.Dim(-2 - i)
		}
		if i <= rb-2 {
			db = b.Dim(-2 - i)
		}
		switch {
		case da == db || db == 1:
			dst = append(dst, da)
		case da == 1:
			dst = append(dst, db)
		default:
			panic(shapeErr("MatMul", "batch dimensions do not broadcast", a.Shape(), b.Shape()))
		}
	}
	return append(dst, m, n)
}

// matmulOp is MatMulT's state: which operands the product transposed, as
// two bits (matmulTransA, matmulTransB). It is a one-byte value rather than
// a struct behind a pointer because Go stores a one-byte value in an
// interface without allocating (a node's derivative is an interface): a
// plain MatMulT makes no state object, and an Arena needs no pool of them.
type matmulOp[T Float] uint8

const (
	matmulTransA = 1 << iota
	matmulTransB
)

// newMatmulOp returns the state of a product that transposed a and/or b.
func newMatmulOp[T Float](transA, transB bool) matmulOp[T] {
	var s matmulOp[T]
	if transA {
		s |= matmulTransA
	}
	if transB {
		s |= matmulTransB
	}
	return s
}

func (s matmulOp[T]) transA() bool { return s&matmulTransA != 0 }
func (s matmulOp[T]) transB() bool { return s&matmulTransB != 0 }

// matmulGrads returns, for C = op(A)·op(B) with gradient G, how each input's
// gradient is a product of two of A, B and G (0, 1 for the inputs, 2 for G)
// and their transposes (the table in MatMulT's documentation).
func matmulGrads(transA, transB bool) (ga, gb struct {
	x, y   int
	tx, ty bool
}) {
	type form = struct {
		x, y   int
		tx, ty bool
	}
	switch {
	case !transA && !transB: // C = A·B: dA = G·Bᵀ, dB = Aᵀ·G
		return form{2, 1, false, true}, form{0, 2, true, false}
	case transB && !transA: // C = A·Bᵀ: dA = G·B, dB = Gᵀ·A
		return form{2, 1, false, false}, form{2, 0, true, false}
	case transA && !transB: // C = Aᵀ·B: dA = B·Gᵀ, dB = A·G
		return form{1, 2, false, true}, form{0, 2, false, false}
	}
	// C = Aᵀ·Bᵀ: dA = Bᵀ·Gᵀ, dB = Gᵀ·Aᵀ
	return form{1, 2, true, true}, form{2, 0, true, true}
}

func (s matmulOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	fa, fb := matmulGrads(s.transA(), s.transB())
	pick := func(i int) *Var[T] {
		if i == 2 {
			return g
		}
		return c.Input(i)
	}
	var ga, gb *Var[T]
	if c.NeedsGrad(0) {
		ga = MatMulT(pick(fa.x), pick(fa.y), fa.tx, fa.ty)
	}
	if c.NeedsGrad(1) {
		if s.sharedB(c) {
			// Σᵢ over the batch of a product with Aᵢᵀ or Gᵢᵀ on the left
			// is one product of the operands with their batch folded into
			// the rows (what vjp computes with tensor.GemmRows).
			gb = MatMulT(foldBatch(pick(fb.x)), foldBatch(pick(fb.y)), true, false)
		} else {
			gb = MatMulT(pick(fb.x), pick(fb.y), fb.tx, fb.ty)
		}
	}
	return []*Var[T]{ga, gb}
}

// foldBatch reshapes x [..., r, c] to [(…·r), c], its batch folded into the
// rows; the row count comes from the shape, since c may be 0.
func foldBatch[T Float](x *Var[T]) *Var[T] {
	rows, last := 1, x.value.Dims()-1
	for i := range last {
		rows *= x.value.Dim(i)
	}
	return Reshape(x, rows, x.value.Dim(last))
}

// sharedB reports whether b is one matrix that a batch of untransposed a
// shared, so that its gradient, a sum over the batch, is one product of the
// folded operands.
func (s matmulOp[T]) sharedB(c *Context[T]) bool {
	return !s.transA() && c.node().inputs[1].value.Dims() == 2 && c.node().inputs[0].value.Dims() > 2
}

// vjp multiplies straight into the gradient buffers (beta 1 accumulates).
// In a batch, an input that was broadcast along batch axes gets the
// products of the whole batch in an arena scratch, which the engine sums
// back to its shape as it sums the recorded derivative's.
func (s matmulOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	if c.node().inputs[0].value.Dims() != 2 || c.node().inputs[1].value.Dims() != 2 {
		s.vjpBatch(c, g)
		return
	}
	fa, fb := matmulGrads(s.transA(), s.transB())
	pick := func(i int) *tensor.Tensor[T] {
		if i == 2 {
			return g
		}
		return c.node().inputs[i].value
	}
	if c.NeedsGrad(0) {
		dst, beta := c.gradBuf(0)
		tensor.Gemm(fa.tx, fa.ty, 1, pick(fa.x), pick(fa.y), beta, dst)
	}
	if c.NeedsGrad(1) {
		dst, beta := c.gradBuf(1)
		tensor.Gemm(fb.tx, fb.ty, 1, pick(fb.x), pick(fb.y), beta, dst)
	}
}

// vjpBatch is vjp for operands of more than 2 axes.
func (s matmulOp[T]) vjpBatch(c *Context[T], g *tensor.Tensor[T]) {
	fa, fb := matmulGrads(s.transA(), s.transB())
	pick := func(i int) *tensor.Tensor[T] {
		if i == 2 {
			return g
		}
		return c.node().inputs[i].value
	}
	for j, f := range [2]struct {
		x, y   int
		tx, ty bool
	}{fa, fb} {
		if !c.NeedsGrad(j) {
			continue
		}
		x, y, in := pick(f.x), pick(f.y), c.node().inputs[j].value
		switch {
		case j == 1 && s.sharedB(c):
			dst, beta := c.gradBuf(j)
			tensor.GemmRows(true, false, 1, x, y, beta, dst)
		case matmulFullBatch(in, g):
			dst, beta := c.gradBuf(j)
			tensor.BatchGemmInto(f.tx, f.ty, 1, x, y, beta, dst)
		default:
			var buf [8]int
			t := c.p.arena.tensor(matmulBatchShape(buf[:0], x, y, f.tx, f.ty)...)
			tensor.BatchGemmInto(f.tx, f.ty, 1, x, y, 0, t)
			c.addGrad(j, t, 1)
		}
	}
}

// matmulFullBatch reports whether the operand in has the whole batch of the
// product's gradient g, so that its gradient needs no sum over the batch.
func matmulFullBatch[T Float](in, g *tensor.Tensor[T]) bool {
	if in.Dims() != g.Dims() {
		return false
	}
	for i := range in.Dims() - 2 {
		if in.Dim(i) != g.Dim(i) {
			return false
		}
	}
	return true
}

// Linear returns x·wᵀ + b, the affine map of a fully connected layer, as one
// operation: x is [batch in], w is [out in] and b is [out] or nil (no bias).
// The product adds the bias to each tile of the result as it stores it,
// so the forward pass makes no sweep over the result of its own.
//
//	d/dx = g·w,  d/dw = gᵀ·x,  d/db = Σ_batch g
//
// It panics with a *tensor.ShapeError (operation "Linear") when x or w is
// not 2-D, their inner dimensions differ, or b is not [out].
func Linear[T Float](x, w, b *Var[T]) *Var[T] {
	checkOperands2("Linear", x, w)
	const op = "Linear"
	defer relabel(op)
	out, vn := linearValue(op, x, w, b, false)
	if b == nil {
		return recordOpIn(vn, op, out, linearOp[T]{}, x, w)
	}
	return recordOpIn(vn, op, out, linearOp[T]{}, x, w, b)
}

// LinearReLU returns max(x·wᵀ + b, 0), a Linear layer followed by ReLU (the
// hidden layer of a multilayer perceptron), as one operation with one
// result: ReLU(Linear(x, w, b)) bit for bit, without the intermediate
// tensor that the two operations keep alive until Backward and the sweep
// over it. Its derivative masks g by the result (y > 0 exactly where
// x·wᵀ + b > 0, the subgradient 0 at the kink as ReLU's; a select, so that
// g' is +0 where y = 0 even for an infinite or NaN g) and then proceeds as
// Linear's. The shapes and panics are Linear's (operation "LinearReLU").
//
//	g' = g where y > 0, 0 elsewhere;  d/dx = g'·w,  d/dw = g'ᵀ·x,  d/db = Σ_batch g'
func LinearReLU[T Float](x, w, b *Var[T]) *Var[T] {
	checkOperands2("LinearReLU", x, w)
	const op = "LinearReLU"
	defer relabel(op)
	out, vn := linearValue(op, x, w, b, true)
	if b == nil {
		return recordOpIn(vn, op, out, linearReLUOp[T]{}, x, w)
	}
	return recordOpIn(vn, op, out, linearReLUOp[T]{}, x, w, b)
}

// linearValue checks Linear's operands and returns x·wᵀ + b, with ReLU
// applied when relu is set, in a new result (the arena's when an operand
// has one) with its Var's memory: one product that adds the bias and
// applies the ReLU as it stores the result (tensor.LinearInto).
func linearValue[T Float](op string, x, w, b *Var[T], relu bool) (*tensor.Tensor[T], *varNode[T]) {
	xv, wv := x.value, w.value
	if xv.Dims() != 2 || wv.Dims() != 2 || xv.Dim(1) != wv.Dim(1) {
		panic(shapeErr(op, "want x [batch in] and w [out in]", xv.Shape(), wv.Shape()))
	}
	ar := arenaOf(x, w)
	if b != nil {
		if !b.value.HasShape(wv.Dim(0)) {
			panic(shapeErr(op, "bias must be [out]", xv.Shape(), wv.Shape(), b.value.Shape()))
		}
		ar = arenaOf(x, w, b)
	}
	out, vn := resultOf(ar, xv.Dim(0), wv.Dim(0))
	var bias *tensor.Tensor[T]
	if b != nil {
		bias = b.value
	}
	tensor.LinearInto(out, xv, wv, bias, relu)
	return out, vn
}

type linearOp[T Float] struct{}

func (linearOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] { return linearBackward(c, g) }

// linearBackward is Linear's derivative as recorded operations.
func linearBackward[T Float](c *Context[T], g *Var[T]) []*Var[T] {
	gs := make([]*Var[T], c.NumInputs())
	if c.NeedsGrad(0) {
		gs[0] = MatMulT(g, c.Input(1), false, false)
	}
	if c.NeedsGrad(1) {
		gs[1] = MatMulT(g, c.Input(0), true, false)
	}
	if len(gs) == 3 && c.NeedsGrad(2) {
		gs[2] = Sum(g, 0)
	}
	return gs
}

func (linearOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) { linearVJP(c, g) }

// linearVJP adds Linear's input gradients for the output gradient g.
func linearVJP[T Float](c *Context[T], g *tensor.Tensor[T]) {
	x, w := c.node().inputs[0].value, c.node().inputs[1].value
	if c.NeedsGrad(0) {
		dst, beta := c.gradBuf(0)
		tensor.Gemm(false, false, 1, g, w, beta, dst)
	}
	if c.NeedsGrad(1) {
		dst, beta := c.gradBuf(1)
		tensor.Gemm(true, false, 1, g, x, beta, dst)
	}
	if c.NumInputs() == 3 {
		c.addGrad(2, g, 1)
	}
}

// linearReLUOp is LinearReLU's derivative: Linear's, for g selected where
// the result is positive (+0 elsewhere).
type linearReLUOp[T Float] struct{}

func (linearReLUOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	return linearBackward(c, selGrad(elemPositive(c.Output().value), g))
}

func (linearReLUOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	gm := c.scratch(g)
	tensor.ReLUGradInto(gm, c.out.value, g)
	linearVJP(c, gm)
}

// jvp of LinearReLU is Linear's tangent masked by the result:
// tx·wᵀ + x·twᵀ + tb where y > 0 and +0 elsewhere (a select, whatever the
// tangent is there), the subgradient 0 at the kink as in its backward.
func (linearReLUOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	res := linearJVP(c, ts)
	tensor.ReLUGradInto(res, c.out.value, res)
	return res
}

// jvp of Linear is the product rule of x·wᵀ + b: tx·wᵀ + x·twᵀ + tb,
// with tb added to every row.
func (linearOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	return linearJVP(c, ts)
}

// linearJVP is Linear's forward rule: Linear's own forward (the bias
// written into the rows, the products added to it) on the tangents.
func linearJVP[T Float](c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	x, w := c.node().inputs[0].value, c.node().inputs[1].value
	res := tensor.Zeros[T](c.out.value.Shape()...)
	beta := T(0)
	if len(ts) == 3 && ts[2] != nil {
		tensor.BroadcastToInto(res, ts[2], 0)
		beta = 1
	}
	if ts[0] != nil {
		tensor.Gemm(false, true, 1, ts[0], w, beta, res)
		beta = 1
	}
	if ts[1] != nil {
		tensor.Gemm(false, true, 1, x, ts[1], beta, res)
	}
	return res
}

// Transpose returns the transpose of a 2-D Var.
//
//	d/dx = gᵀ
func Transpose[T Float](x *Var[T]) *Var[T] {
	checkOperands1("Transpose", x)
	defer relabel()
	xv := x.value
	if xv.Dims() != 2 {
		tensor.Transpose(xv) // panics
	}
	out := arenaOf(x).tensor(xv.Dim(1), xv.Dim(0))
	tensor.PermuteInto(out, xv, 0, 1, 0)
	return recordOp("Transpose", out, transposeOp[T]{}, x)
}

// transposeOp is Transpose's derivative, which is Transpose.
type transposeOp[T Float] struct{}

func (transposeOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	return []*Var[T]{Transpose(g)}
}

// vjp transposes g straight into x's gradient buffer (or adds it).
func (transposeOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	dst, beta := c.gradBuf(0)
	tensor.PermuteInto(dst, g, beta, 1, 0)
}

// jvp of Transpose is the tangent transposed: tᵀ.
func (transposeOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	res := tensor.Zeros[T](c.out.value.Shape()...)
	tensor.PermuteInto(res, ts[0], 0, 1, 0)
	return res
}

// Reshape returns x with a new shape and the same elements in row-major
// order; one dimension may be -1. It panics with a *tensor.ShapeError when
// the element counts differ. The result shares x's memory (a view), with or
// without an Arena (under one, its header is the arena's, so that a step
// allocates nothing); so does x's gradient, when g is all of it.
//
//	d/dx = g reshaped to x's shape
func Reshape[T Float](x *Var[T], shape ...int) *Var[T] {
	checkOperands1("Reshape", x)
	defer relabel()
	var buf [8]int
	return shpReshaped("Reshape", x, shpResolve(x.value, shape, buf[:0]))
}

// shpResolve returns shape with its -1 replaced by the size the element
// count of x requires, in buf when it fits. Any invalid shape makes
// tensor.Reshape raise its error.
func shpResolve[T Float](x *tensor.Tensor[T], shape []int, buf []int) []int {
	out := append(buf, shape...)
	infer, known := -1, 1
	for i, d := range out {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d < 0:
			x.Reshape(slices.Clone(shape)...) // panics (a clone: the call would make shape escape)
		default:
			known *= d
		}
	}
	if infer >= 0 {
		if known == 0 || x.Len()%known != 0 {
			x.Reshape(slices.Clone(shape)...) // panics: no size fits the -1
		}
		out[infer] = x.Len() / known
		known *= out[infer]
	}
	if known != x.Len() {
		x.Reshape(slices.Clone(shape)...) // panics
	}
	return out
}

// shpReshaped records x with the given (valid) shape as the operation op:
// Reshape, Squeeze and Unsqueeze, whose derivative reshapes g back. The
// result is a view of x's data, in a header of the op's state (from the
// Arena when x has one, so that a step allocates nothing).
func shpReshaped[T Float](op string, x *Var[T], shape []int) *Var[T] {
	return shpReshapedOn(arenaOf(x), op, x, shape)
}

// shpReshapedOn is shpReshaped with the view's record and result in the
// arena ar (nil: none), whatever x's.
func shpReshapedOn[T Float](ar *Arena[T], op string, x *Var[T], shape []int) *Var[T] {
	st := newState[reshapeOp[T]](ar)
	var kept []int // the result keeps it beyond four axes
	if len(shape) <= len(st.dims) {
		kept = st.dims[:copy(st.dims[:], shape)]
	} else {
		kept = slices.Clone(shape)
	}
	tensor.ViewInto(&st.out, x.value, kept...)
	return recordOpOn(ar, nil, op, &st.out, st, x)
}

// reshapeOp is the derivative of Reshape, Squeeze and Unsqueeze, and the
// holder of the headers of its views: the result, and x's gradient; dims
// backs the result's shape beyond four axes.
type reshapeOp[T Float] struct {
	out, grad tensor.Tensor[T]
	dims      [maxStackDims]int
}

func (*reshapeOp[T]) slot() stateSlot { return slotReshape }

func (*reshapeOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	return []*Var[T]{Reshape(g, c.node().inputs[0].value.Shape()...)}
}

// vjp, under an Arena, hands x, as its gradient, a view of g with x's
// shape when x's gradient would be g's elements alone (x has none yet and
// is not a leaf whose .Grad() the pass writes directly): the slot borrows
// it, as a gradient passed on unchanged (pass.add), so that nothing writes
// it and a second gradient goes into a buffer of its own; g's buffer is
// lent. Otherwise, and always in a plain pass (where a lent buffer is not
// recycled, so that the view would cost a new buffer later in the pass
// where the copy reuses g's), it copies g into x's gradient buffer (or adds
// it), which is all a reshape's derivative is on row-major data.
func (s *reshapeOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	p, in := c.p, c.node().inputs[0]
	if p.arena != nil && !p.direct(in) {
		if _, ok := p.slot(in); !ok {
			tensor.ViewAsInto(&s.grad, g, in.value)
			p.lend(g)
			p.setSlot(in, gradSlot[T]{t: &s.grad})
			return
		}
	}
	dst, beta := c.gradBuf(0)
	shpAddFlat(dst.Data(), g.Data(), beta)
}

// shpAddFlat sets d = beta·d + s elementwise for beta 0 or 1, where s has
// d's length: a gradient that moves between two shapes of the same data.
func shpAddFlat[T Float](d, s []T, beta T) {
	s = s[:len(d)]
	if beta == 0 {
		copy(d, s)
		return
	}
	for i, v := range s {
		d[i] += v
	}
}
