package autograd

import "fmt"

// This file holds a pass's recorded derivatives: an op's differentiable
// backward, run when the pass records (Grad with CreateGraph) or for an op
// without a fused form, and its anomaly checks.

// callBackward runs a node's differentiable derivative and checks that it
// returned one gradient per input.
func (p *pass[T]) callBackward(n *node[T], g *Var[T]) []*Var[T] {
	gin := n.impl.backward(&p.ctx, g)
	if len(gin) != len(n.inputs) {
		panic(usage(n.op, fmt.Sprintf("backward returned %d gradients for %d inputs", len(gin), len(n.inputs))))
	}
	return gin
}

// backwardRecorded runs a node's derivative as recorded operations, so that
// the gradients it produces are themselves differentiable.
func (p *pass[T]) backwardRecorded(n *node[T], v, g *Var[T]) {
	var gin []*Var[T]
	if v.trace() != nil {
		gin = p.callBackwardTraced(n, v, g)
		checkBackward(v, g, gin)
	} else {
		gin = p.callBackward(n, g)
	}
	if p.secondOrder != "" || g.requiresGrad {
		p.checkSecondOrder(n, gin)
	}
	for j, in := range n.inputs {
		if in.requiresGrad && gin[j] != nil {
			p.addVar(in, fitGrad(n.op, j, gin[j], in))
		}
	}
}

// checkSecondOrder panics with a *UsageError when n is a Function whose
// backward returned, for an input whose gradient the pass uses, a nonzero
// gradient that requires none: one computed on raw tensors and wrapped in
// Const, whose second derivative is lost. The recorded pass calls it for
// Hessian and HVP, and wherever the gradient g given to the Function
// requires one (Hessian and HVP seed their pass with such a gradient):
// the Function's gradients are linear in g, so a backward written with
// this package's operations returns gradients that require one too. (A
// backward that detaches only a part of its computation, g's value say,
// still returns a gradient that requires one, through the inputs, and is
// not caught; nor is a raw backward given a g that requires none, under
// Grad with CreateGraph: see Function.)
func (p *pass[T]) checkSecondOrder(n *node[T], gin []*Var[T]) {
	if _, ok := n.impl.(*functionOp[T]); !ok {
		return
	}
	for j, in := range n.inputs {
		if p.want != nil && !p.want[in] && !p.runs[in] {
			continue // the pass drops this gradient: it leads to no input of Grad
		}
		if g := gin[j]; in.requiresGrad && g != nil && !g.requiresGrad && !allZero(g.value) {
			if p.secondOrder == "" {
				panic(usage("Grad", fmt.Sprintf("Function %q: its backward returned a gradient for input %d that does not depend on the output's gradient "+
					"(written on raw tensors?), so the second derivative through it would be lost; "+
					"CreateGraph needs a backward written with this package's operations", n.op, j)))
			}
			panic(usage(p.secondOrder, fmt.Sprintf("Function %q: its backward returned a gradient for input %d that does not depend on the output's gradient "+
				"(written on raw tensors?), so the second derivative through it would be lost; "+
				"Hessian and HVP need a backward written with this package's operations (a JVP rule alone does not make up for it)", n.op, j)))
		}
	}
}

// callBackwardTraced is callBackward for a result under anomaly detection
// while the pass records: the operations of n's backward are recorded,
// and checked, as forward operations of their own, so an anomaly they
// report is turned into one of n's backward (its input unknown: -1).
func (p *pass[T]) callBackwardTraced(n *node[T], v, g *Var[T]) []*Var[T] {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(*AnomalyError); ok && e.Phase == "forward" {
				info := v.trace()
				panic(&AnomalyError{Phase: "backward", Op: info.op, Caller: info.caller, Value: e.Value, Input: -1,
					InputShapes: shapesOf(info.inputs), Chain: chainOf(info.inputs), FromInf: e.FromInf})
			}
			panic(r)
		}
	}()
	return p.callBackward(n, g)
}
