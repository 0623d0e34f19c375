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
	for j, in := range n.inputs {
		if in.requiresGrad && gin[j] != nil {
			p.addVar(in, fitGrad(n.op, j, gin[j], in))
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
