package autograd

import (
	"fmt"

	"github.com/adjoint-go/adjoint/tensor"
)

// JVP evaluates f at primals and returns its value and the Jacobian-vector
// product J·tangents: the directional derivative of f along tangents, one
// per primal, of its shape (nil for a zero tangent), computed in forward
// mode. f runs once, on Params holding the primals (not copies), and the
// tangents are then pushed through the graph it recorded, inputs first:
// every operation has a forward rule of its own, which costs about as much
// as the operation. Without forming J, a JVP costs about two evaluations
// of f, which makes forward mode the cheap way to a Jacobian's columns (one
// per JVP) when f has fewer inputs than outputs.
//
// The tangent returned has the value's shape (zeros when f does not depend
// on any primal) and is a new tensor. The value is f's result: it shares
// memory with a primal when f returns it unchanged, and with f's Arena when
// f computes under one (the next step after a Reset overwrites it; clone it
// to keep it). So do VJP's and HVP's values.
//
// A Function (a custom op) uses its JVP rule when it has one; otherwise it
// gets its forward rule from its Backward, which must then be written with
// this package's operations, as for gradients of gradients: one written on
// raw tensors makes JVP panic with a *UsageError naming it. Checkpoint
// segments inside f are not supported (their backward runs only under
// Backward).
//
// It panics with a *UsageError when f is nil or returns nil or a result
// computed under an inference Arena (which records nothing to
// differentiate), or the tangents are not one per primal, and with a *tensor.ShapeError when a
// tangent's shape differs from its primal's.
func JVP[T Float](f func(xs ...*Var[T]) *Var[T], primals, tangents []*tensor.Tensor[T]) (value, tangent *tensor.Tensor[T]) {
	const op = "JVP"
	checkTangents(op, primals, tangents)
	xs := params(primals)
	out := callFunc(op, f, xs)
	seeds := make(map[*Var[T]]*tensor.Tensor[T], len(xs))
	for i, x := range xs {
		if tangents[i] != nil {
			seeds[x] = tangents[i]
		}
	}
	t := pushForward(op, []*Var[T]{out}, seeds)[0]
	if t == nil {
		t = tensor.Zeros[T](out.value.Shape()...)
	}
	return out.value, t
}

// VJP evaluates f at primals and returns its value and its pullback: the
// function that maps a cotangent u of the value's shape to the
// vector-Jacobian product uᵀ·J, one gradient per primal and of its shape,
// computed in reverse mode. The pullback may be called any number of times
// (the graph is retained; it is freed with the pullback), each call one
// backward pass: the cheap way to a Jacobian's rows when f has fewer
// outputs than inputs. Its results are new tensors. The pullback is the
// derivative at primals as they were when VJP ran: f's graph holds them
// (params share their memory), so changing a primal's values afterwards
// gives a mixture of the old point and the new, as functorch's vjp does;
// call VJP again at a new point.
//
// It panics like JVP for a nil f or result; the pullback panics with a
// *UsageError for a nil u, a *tensor.ShapeError when u's shape is not the
// value's, and an error wrapping ErrArenaReset when f computed under an
// Arena that was Reset since.
func VJP[T Float](f func(xs ...*Var[T]) *Var[T], primals []*tensor.Tensor[T]) (value *tensor.Tensor[T], pullback func(u *tensor.Tensor[T]) []*tensor.Tensor[T]) {
	const op = "VJP"
	checkPrimals(op, primals)
	xs := params(primals)
	out := callFunc(op, f, xs)
	return out.value, func(u *tensor.Tensor[T]) []*tensor.Tensor[T] {
		if u == nil {
			panic(usage(op, "nil cotangent"))
		}
		if !u.SameShapeAs(out.value) {
			panic(shapeErr(op, "cotangent does not match the value's shape", u.Shape(), out.value.Shape()))
		}
		out.checkLive(op) // the pullback of a step before an Arena's Reset
		return pull(out, xs, u)
	}
}

// pull returns the gradients of ⟨out, u⟩ with respect to xs as tensors,
// keeping the graph for the next call.
func pull[T Float](out *Var[T], xs []*Var[T], u *tensor.Tensor[T]) []*tensor.Tensor[T] {
	res := make([]*tensor.Tensor[T], len(xs))
	if !out.requiresGrad {
		for i, x := range xs {
			res[i] = tensor.Zeros[T](x.value.Shape()...)
		}
		return res
	}
	for i, g := range Grad([]*Var[T]{out}, xs, GradOutputs(u), RetainGraph()) {
		res[i] = g.value
	}
	return res
}

// params returns a Param holding each primal.
func params[T Float](primals []*tensor.Tensor[T]) []*Var[T] {
	xs := make([]*Var[T], len(primals))
	for i, p := range primals {
		xs[i] = Param(p)
	}
	return xs
}

// callFunc evaluates f on xs, panicking with a *UsageError naming op when f
// or its result is nil, or the result was computed under an inference
// Arena (its derivatives would be zeros).
func callFunc[T Float](op string, f func(xs ...*Var[T]) *Var[T], xs []*Var[T]) *Var[T] {
	if f == nil {
		panic(usage(op, "nil function"))
	}
	out := f(xs...)
	if out == nil {
		panic(usage(op, fmt.Sprintf("the function returned nil for %d inputs", len(xs))))
	}
	checkRecorded(op, "the function's result", out)
	return out
}
