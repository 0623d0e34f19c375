package autograd

import (
	"fmt"

	"github.com/adjoint-go/adjoint/graph"
	"github.com/adjoint-go/adjoint/tensor"
)

// JacobianMode chooses how Jacobian and BatchJacobian compute a Jacobian.
type JacobianMode int

const (
	// JacobianAuto picks reverse mode when the output has no more
	// elements than the inputs together (a row per backward pass), and
	// forward mode otherwise (a column per JVP): the fewer passes. It
	// picks reverse mode whatever the shapes when the function's graph
	// holds an operation whose forward rule is not known to work: a
	// Function without a JVP rule (whose Backward may be written on raw
	// tensors), or a Checkpoint (which neither mode differentiates
	// through: reverse mode's error says so).
	JacobianAuto JacobianMode = iota
	// JacobianReverse computes the Jacobian row by row, one backward pass
	// (a VJP with a one-hot cotangent) per output element.
	JacobianReverse
	// JacobianForward computes it column by column, one tangent sweep (a
	// JVP with a one-hot tangent) per input element.
	JacobianForward
)

// String names the mode: "auto", "reverse" or "forward".
func (m JacobianMode) String() string {
	switch m {
	case JacobianAuto:
		return "auto"
	case JacobianReverse:
		return "reverse"
	case JacobianForward:
		return "forward"
	}
	return fmt.Sprintf("JacobianMode(%d)", int(m))
}

// Jacobian returns the Jacobian of f at primals, one tensor per primal,
// whose shape is f's output shape followed by that primal's and whose
// element [o..., k...] is ∂out[o...]/∂primal[k...] (the layout of
// torch.autograd.functional.jacobian). f runs once, on Params holding the
// primals; mode picks reverse mode (one backward pass per output element),
// forward mode (one tangent sweep per input element), or the one with the
// fewer passes. Both give the same numbers up to rounding.
//
// It panics with a *UsageError for a nil f, primal or result, or an
// unknown mode.
func Jacobian[T Float](f func(xs ...*Var[T]) *Var[T], primals []*tensor.Tensor[T], mode JacobianMode) []*tensor.Tensor[T] {
	const op = "Jacobian"
	checkPrimals(op, primals)
	xs := params(primals)
	out := callFunc(op, f, xs)
	m, ns, total := out.value.Len(), make([]int, len(xs)), 0
	jac := make([]*tensor.Tensor[T], len(xs))
	for i, x := range xs {
		ns[i] = x.value.Len()
		total += ns[i]
		jac[i] = tensor.Zeros[T](append(out.value.Shape(), x.value.Shape()...)...)
	}
	switch pickMode(op, mode, m, total, out) {
	case JacobianReverse:
		if !out.requiresGrad {
			return jac
		}
		u := tensor.Zeros[T](out.value.Shape()...)
		ud := u.Data()
		for r := range m {
			ud[r] = 1
			for i, g := range pull(out, xs, u) {
				copy(jac[i].Data()[r*ns[i]:], g.Data())
			}
			ud[r] = 0
		}
	default:
		for i, x := range xs {
			e := tensor.Zeros[T](x.value.Shape()...)
			seeds := map[*Var[T]]*tensor.Tensor[T]{x: e}
			for k := range ns[i] {
				e.Data()[k] = 1
				if t := pushForward(op, []*Var[T]{out}, seeds)[0]; t != nil {
					jd := jac[i].Data()
					for r, v := range t.Data() {
						jd[r*ns[i]+k] = v
					}
				}
				e.Data()[k] = 0
			}
		}
	}
	return jac
}

// pickMode resolves JacobianAuto for a Jacobian of rows rows and cols
// columns of the function whose result is out.
func pickMode[T Float](op string, mode JacobianMode, rows, cols int, out *Var[T]) JacobianMode {
	switch mode {
	case JacobianAuto:
		if rows <= cols || !forwardReady(out) {
			return JacobianReverse
		}
		return JacobianForward
	case JacobianReverse, JacobianForward:
		return mode
	}
	panic(usage(op, fmt.Sprintf("unknown %v", mode)))
}

// forwardReady reports whether every operation of out's recorded graph has
// a forward rule that works: each built-in op's does (its own, or the one
// derived from its differentiable backward), a Function's only when it has
// a JVP (its Backward may be written on raw tensors), and a Checkpoint's
// never (its backward runs only under Backward).
func forwardReady[T Float](out *Var[T]) bool {
	ready := true
	graph.TopoSort([]*Var[T]{out}, func(v *Var[T]) []*Var[T] {
		if v.node == nil || !ready {
			return nil
		}
		switch d := v.node.impl.(type) {
		case *functionOp[T]:
			ready = d.fwd != nil
		case *checkpointOp[T]:
			ready = false
		}
		return v.node.inputs
	})
	return ready
}

// Hessian returns the Hessian of f, which must return one element, at
// primals: the block H[i][j] holds ∂²f/∂primal_i∂primal_j, of shape primal
// i's followed by primal j's. It is computed forward-over-reverse: f's
// gradient is recorded (Grad with CreateGraph) and each column is the JVP
// of that gradient along a one-hot direction, one tangent sweep per input
// element. Every operation in f must have a differentiable backward (the
// op table's Smooth ops; see Ops); a Function whose backward is written on
// raw tensors makes it panic with a *UsageError naming the Function, as its
// second derivative would be lost.
//
// It panics with a *tensor.ShapeError when f's result has more than one
// element, and like Jacobian otherwise.
func Hessian[T Float](f func(xs ...*Var[T]) *Var[T], primals []*tensor.Tensor[T]) [][]*tensor.Tensor[T] {
	const op = "Hessian"
	checkPrimals(op, primals)
	xs := params(primals)
	gs := gradGraph(op, f, xs)
	h := make([][]*tensor.Tensor[T], len(xs))
	for i, xi := range xs {
		h[i] = make([]*tensor.Tensor[T], len(xs))
		for j, xj := range xs {
			h[i][j] = tensor.Zeros[T](append(xi.value.Shape(), xj.value.Shape()...)...)
		}
	}
	for j, xj := range xs {
		nj := xj.value.Len()
		e := tensor.Zeros[T](xj.value.Shape()...)
		seeds := map[*Var[T]]*tensor.Tensor[T]{xj: e}
		for k := range nj {
			e.Data()[k] = 1
			for i, t := range pushForward(op, gs, seeds) {
				if t == nil {
					continue
				}
				hd := h[i][j].Data()
				for a, v := range t.Data() {
					hd[a*nj+k] = v
				}
			}
			e.Data()[k] = 0
		}
	}
	return h
}

// HVP returns f's value at primals, which must have one element, and the
// Hessian-vector product H·v, one tensor per primal (Σⱼ H[i][j]·vⱼ), without
// forming H: the JVP along v of f's recorded gradient (forward over
// reverse), at the cost of a few evaluations of f. v holds one direction
// per primal, of its shape (nil for zero).
//
// It panics like JVP for tangents that do not pair with the primals, and
// like Hessian otherwise.
func HVP[T Float](f func(xs ...*Var[T]) *Var[T], primals, v []*tensor.Tensor[T]) (value *tensor.Tensor[T], hvp []*tensor.Tensor[T]) {
	const op = "HVP"
	if f == nil { // before the closure below hides it from callFunc
		panic(usage(op, "nil function"))
	}
	checkTangents(op, primals, v)
	xs := params(primals)
	var out *Var[T]
	gs := gradGraph(op, func(in ...*Var[T]) *Var[T] {
		out = f(in...)
		return out
	}, xs)
	seeds := make(map[*Var[T]]*tensor.Tensor[T], len(xs))
	for i, x := range xs {
		if v[i] != nil {
			seeds[x] = v[i]
		}
	}
	hvp = pushForward(op, gs, seeds)
	for i, t := range hvp {
		if t == nil {
			hvp[i] = tensor.Zeros[T](xs[i].value.Shape()...)
		}
	}
	return out.value, hvp
}

// gradGraph evaluates f on xs and returns its gradient with respect to xs
// as recorded Vars (CreateGraph), ready to be differentiated again.
func gradGraph[T Float](op string, f func(xs ...*Var[T]) *Var[T], xs []*Var[T]) []*Var[T] {
	y := callFunc(op, f, xs)
	if y.value.Len() != 1 {
		panic(shapeErr(op, "the function must return exactly one element", y.value.Shape()))
	}
	if !y.requiresGrad {
		gs := make([]*Var[T], len(xs))
		for i, x := range xs {
			gs[i] = Const(tensor.Zeros[T](x.value.Shape()...))
		}
		return gs
	}
	// Seeded through a Param of ones (y·1 is y exactly), every gradient a
	// differentiable backward returns depends on it, which lets the pass
	// tell a Function's raw backward (see checkSecondOrder).
	seed := Param(tensor.Ones[T](y.value.Shape()...))
	return Grad([]*Var[T]{Mul(y, seed)}, xs, CreateGraph(), secondOrderOf(op))
}

// BatchJacobian returns the per-row Jacobians of a row-wise function: f
// maps primals that share a leading batch axis of size B to an output with
// the same leading axis, and row b of the output must depend on row b of
// the primals only (a model applied to each example of a batch, without
// batch statistics such as BatchNorm's in training). Then the Jacobian of
// the whole batch is block-diagonal, and one pass per element of a row (not
// of the batch) computes every block: the result for primal i has shape
// [B, out row..., primal i row...], its [b, o..., k...] element
// ∂out[b, o...]/∂primal_i[b, k...].
//
// For f returning one loss per example (shape [B]) that is the per-example
// gradient with respect to the inputs, in one backward pass. mode chooses
// as in Jacobian, over the rows' sizes. A function that mixes rows (batch
// statistics count) gives numbers that are not its blocks, and no error:
// reverse mode then adds up the Jacobian's blocks along each block column
// (row b gets Σ_b' ∂out[b']/∂primal[b]), forward mode along each block row
// (Σ_b' ∂out[b]/∂primal[b']), so the modes differ and
// JacobianAuto's answer depends on the shapes. Check such a function with
// Jacobian on a small batch.
//
// It panics with a *tensor.ShapeError when a primal or the output has no
// leading axis of the batch's size, and like Jacobian otherwise.
func BatchJacobian[T Float](f func(xs ...*Var[T]) *Var[T], primals []*tensor.Tensor[T], mode JacobianMode) []*tensor.Tensor[T] {
	const op = "BatchJacobian"
	checkPrimals(op, primals)
	if len(primals) == 0 {
		panic(usage(op, "no primals"))
	}
	batch := -1
	for _, p := range primals {
		if p.Dims() == 0 || (batch >= 0 && p.Dim(0) != batch) {
			panic(shapeErr(op, "primals must share a leading batch axis", tensorShapes(primals)...))
		}
		batch = p.Dim(0)
	}
	xs := params(primals)
	out := callFunc(op, f, xs)
	if out.value.Dims() == 0 || out.value.Dim(0) != batch {
		panic(shapeErr(op, "the output must have the primals' leading batch axis", out.value.Shape(), primals[0].Shape()))
	}
	if batch == 0 {
		// Rows of zero elements: every block is empty.
		jac := make([]*tensor.Tensor[T], len(xs))
		for i, x := range xs {
			jac[i] = tensor.Zeros[T](append(out.value.Shape(), x.value.Shape()[1:]...)...)
		}
		return jac
	}
	m := out.value.Len() / batch
	ns, total := make([]int, len(xs)), 0
	jac := make([]*tensor.Tensor[T], len(xs))
	for i, x := range xs {
		ns[i] = x.value.Len() / batch
		total += ns[i]
		jac[i] = tensor.Zeros[T](append(out.value.Shape(), x.value.Shape()[1:]...)...)
	}
	switch pickMode(op, mode, m, total, out) {
	case JacobianReverse:
		if !out.requiresGrad {
			return jac
		}
		u := tensor.Zeros[T](out.value.Shape()...)
		ud := u.Data()
		for r := range m {
			for b := range batch {
				ud[b*m+r] = 1
			}
			for i, g := range pull(out, xs, u) {
				jd, gd, n := jac[i].Data(), g.Data(), ns[i]
				for b := range batch {
					copy(jd[(b*m+r)*n:(b*m+r+1)*n], gd[b*n:(b+1)*n])
				}
			}
			for b := range batch {
				ud[b*m+r] = 0
			}
		}
	default:
		for i, x := range xs {
			n := ns[i]
			e := tensor.Zeros[T](x.value.Shape()...)
			ed := e.Data()
			seeds := map[*Var[T]]*tensor.Tensor[T]{x: e}
			for k := range n {
				for b := range batch {
					ed[b*n+k] = 1
				}
				if t := pushForward(op, []*Var[T]{out}, seeds)[0]; t != nil {
					jd, td := jac[i].Data(), t.Data()
					for b := range batch {
						for r := range m {
							jd[(b*m+r)*n+k] = td[b*m+r]
						}
					}
				}
				for b := range batch {
					ed[b*n+k] = 0
				}
			}
		}
	}
	return jac
}

// tensorShapes returns the shapes of ts, for an error message.
func tensorShapes[T Float](ts []*tensor.Tensor[T]) [][]int {
	s := make([][]int, len(ts))
	for i, t := range ts {
		s[i] = t.Shape()
	}
	return s
}
