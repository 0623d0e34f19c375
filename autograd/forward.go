package autograd

import (
	"fmt"
	"math"

	"github.com/adjoint-go/adjoint/graph"
	"github.com/adjoint-go/adjoint/tensor"
)

// This file is the engine of forward mode: tangents (the directional
// derivatives of every value along one direction of the inputs) pushed
// through a recorded graph, inputs first, in one sweep. Each node's output
// tangent is its op's Jacobian applied to its inputs' tangents (J·t, the
// dual part of a dual number): each node's derivative.jvp, its op's
// forward rule beside its reverse derivative (node.go). A Function without
// a JVP rule gets its from its differentiable backward (genericJVP); a
// Checkpoint has none.

// pushForward returns the tangents of outs given the tangents of some Vars
// of their graph (seeds; typically leaves), one per output: nil where no
// seeded Var reaches the output (its tangent is zero). The graph must not
// have been released by a backward pass. It records nothing and changes
// nothing in the graph, so it may run many times over one graph (one column
// of a Jacobian at a time).
func pushForward[T Float](op string, outs []*Var[T], seeds map[*Var[T]]*tensor.Tensor[T]) []*tensor.Tensor[T] {
	children := func(v *Var[T]) []*Var[T] {
		if _, seeded := seeds[v]; seeded || v.node == nil {
			return nil // a seed's tangent is given: what made it does not matter
		}
		if v.node.released {
			panic(&UsageError{Op: op, Err: ErrGraphReleased})
		}
		v.checkLive(op)
		return v.node.inputs
	}
	order := graph.TopoSort(outs, children)
	tangents := make(map[*Var[T]]*tensor.Tensor[T], len(order))
	for v, t := range seeds {
		tangents[v] = t
	}
	p := acquirePass[T](nil) // what an op's derivative may read (c.p); never walked
	defer p.release()
	var ts []*tensor.Tensor[T]
	for _, v := range order {
		if _, seeded := seeds[v]; seeded || v.node == nil {
			continue
		}
		n := v.node
		ts = ts[:0]
		moved := false
		for _, in := range n.inputs {
			t := tangents[in]
			ts = append(ts, t)
			moved = moved || t != nil
		}
		if !moved {
			continue
		}
		p.ctx = Context[T]{out: v, p: p} // v.node is n
		t := n.impl.jvp(&p.ctx, ts)
		if !t.SameShapeAs(v.value) {
			panic(shapeErr(n.op, "forward-mode tangent has the wrong shape (derivative bug)", t.Shape(), v.value.Shape()))
		}
		tangents[v] = t
	}
	res := make([]*tensor.Tensor[T], len(outs))
	for i, o := range outs {
		res[i] = tangents[o]
		if _, seeded := seeds[o]; seeded {
			res[i] = res[i].Clone() // the caller's: never hand it back
		}
	}
	return res
}

// genericJVP is the forward rule of a Function that declares none,
// derived from its differentiable backward. The vector-Jacobian product u ↦ Jᵀu is
// linear in u, so for tangents t of the inputs
//
//	J·t = ∂/∂u ⟨Jᵀu, t⟩ = ∂/∂u Σⱼ Sum(backwardⱼ(u) ∘ tⱼ),
//
// which one reverse pass through the recorded backward computes at any u
// (genericCotangent's, with no structure a raw backward could map to 0). It costs a backward and its backward
// (a gradient of a gradient) of the op, where a specific rule costs about
// one forward.
func genericJVP[T Float](p *pass[T], n *node[T], v *Var[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	u := Param(genericCotangent[T](v.value.Shape()))
	gin := p.callBackward(n, u)
	var s *Var[T]
	for j, g := range gin {
		if g == nil || ts[j] == nil {
			continue
		}
		if !g.requiresGrad {
			// Constant in u: zero is right only if it is zero at this u,
			// which has no pattern (not all ones) that a linear backward on
			// raw tensors could send to 0 (g - mean(g), say).
			if !allZero(g.value) {
				panic(usage(n.op, "forward mode: its backward returned a gradient that does not depend on the output's gradient "+
					"(written on raw tensors?); a forward rule is derived from a backward written with this package's operations "+
					"(give a Function a JVP rule, or use reverse mode)"))
			}
			continue
		}
		term := Sum(Mul(fitGrad(n.op, j, g, n.inputs[j]), Const(ts[j])))
		if s == nil {
			s = term
		} else {
			s = Add(s, term)
		}
	}
	if s == nil {
		// No input with a tangent gets a gradient: the op is constant in
		// them.
		return tensor.Zeros[T](v.value.Shape()...)
	}
	return Grad([]*Var[T]{s}, []*Var[T]{u}, RetainGraph())[0].value
}

// genericCotangent returns the u of genericJVP: 1 + frac(i·φ) for element
// i (φ the golden ratio), all different and in [1, 2).
func genericCotangent[T Float](shape []int) *tensor.Tensor[T] {
	u := tensor.Zeros[T](shape...)
	for i := range u.Data() {
		_, f := math.Modf(float64(i) * math.Phi)
		u.Data()[i] = T(1 + f)
	}
	return u
}

// checkTangents panics with a typed error naming op when tangents do not
// pair with primals: a *UsageError for a count that differs, a
// *tensor.ShapeError for a shape.
func checkTangents[T Float](op string, primals, tangents []*tensor.Tensor[T]) {
	checkPrimals(op, primals)
	if len(tangents) != len(primals) {
		panic(usage(op, fmt.Sprintf("%d tangents for %d primals", len(tangents), len(primals))))
	}
	for i, x := range primals {
		if t := tangents[i]; t != nil && !t.SameShapeAs(x) {
			panic(shapeErr(op, fmt.Sprintf("tangent %d does not match its primal's shape", i), t.Shape(), x.Shape()))
		}
	}
}

// checkPrimals panics with a *UsageError naming op when a primal is nil.
func checkPrimals[T Float](op string, primals []*tensor.Tensor[T]) {
	for i, x := range primals {
		if x == nil {
			panic(usage(op, fmt.Sprintf("primal %d is nil", i)))
		}
	}
}

// allZero reports whether every element of t is 0.
func allZero[T Float](t *tensor.Tensor[T]) bool {
	for _, v := range t.Data() {
		if v != 0 {
			return false
		}
	}
	return true
}
