package autograd

import (
	"fmt"

	"github.com/adjoint-go/adjoint/graph"
	"github.com/adjoint-go/adjoint/tensor"
)

// Option configures Backward and Grad.
type Option func(*config)

type config struct {
	retain      bool
	create      bool
	gradOutputs any // []*tensor.Tensor[T] for the T of the call
}

// RetainGraph keeps the graph's saved state after the pass, so that Backward
// or Grad can run through the same graph again. Without it the graph is
// released, which keeps a training loop's memory flat.
func RetainGraph() Option { return func(c *config) { c.retain = true } }

// CreateGraph makes Grad record the backward pass itself, so that the
// gradients it returns are differentiable (gradients of gradients, Hessian-
// vector products, gradient penalties). It implies RetainGraph. Backward
// rejects it: .Grad() holds plain tensors.
func CreateGraph() Option { return func(c *config) { c.create, c.retain = true, true } }

// GradOutputs gives the gradient to seed each output with (the "vector" of
// the vector-Jacobian product), one per output and of the output's shape.
// Without it, every output must have exactly one element and is seeded with 1.
func GradOutputs[T Float](gs ...*tensor.Tensor[T]) Option {
	return func(c *config) { c.gradOutputs = gs }
}

// Backward computes the gradient of v, which must have exactly one element,
// with respect to every leaf that requires a gradient, and adds it into that
// leaf's Grad (gradients accumulate across calls, as in PyTorch; use ZeroGrad
// between steps). Intermediate results keep no gradient. Unless RetainGraph
// is given, the graph's saved state is released afterwards, and a second
// Backward through it panics with an error wrapping ErrGraphReleased.
//
// It panics with a *tensor.ShapeError when v has more than one element.
func (v *Var[T]) Backward(opts ...Option) {
	cfg := newConfig(opts)
	if cfg.create {
		panic(fmt.Errorf("autograd: Backward: CreateGraph is not supported here; use Grad, which returns differentiable gradients"))
	}
	if cfg.gradOutputs != nil {
		panic(fmt.Errorf("autograd: Backward: GradOutputs is not supported here; use Grad"))
	}
	if v.value.Len() != 1 {
		panic(shapeErr("Backward", "output must have exactly one element (reduce it first, e.g. with Sum or Mean)", v.value.Shape()))
	}
	if !v.requiresGrad {
		panic(fmt.Errorf("autograd: Backward: output does not require a gradient (no Param reaches it)"))
	}
	seed := Const(tensor.Full(T(1), v.value.Shape()...))
	run([]*Var[T]{v}, []*Var[T]{seed}, cfg, nil, true)
}

// Grad returns the gradients of the sum of outputs with respect to inputs,
// one per input and of that input's shape, without touching any .Grad().
// Inputs may be leaves or intermediate results, but must require a gradient;
// an input the outputs do not depend on gets zeros. With CreateGraph the
// results are differentiable Vars; otherwise they are constants.
//
// Each output must have exactly one element unless GradOutputs seeds them.
func Grad[T Float](outputs, inputs []*Var[T], opts ...Option) []*Var[T] {
	cfg := newConfig(opts)
	seeds := make([]*Var[T], len(outputs))
	if cfg.gradOutputs != nil {
		gs, ok := cfg.gradOutputs.([]*tensor.Tensor[T])
		if !ok {
			panic(fmt.Errorf("autograd: Grad: GradOutputs has element type %T, outputs have %T", cfg.gradOutputs, []*tensor.Tensor[T]{}))
		}
		if len(gs) != len(outputs) {
			panic(fmt.Errorf("autograd: Grad: %d GradOutputs for %d outputs", len(gs), len(outputs)))
		}
		for i, g := range gs {
			if !tensor.SameShape(g.Shape(), outputs[i].value.Shape()) {
				panic(shapeErr("Grad", fmt.Sprintf("GradOutputs[%d] does not match the output's shape", i), g.Shape(), outputs[i].value.Shape()))
			}
			seeds[i] = Const(g)
		}
	} else {
		for i, o := range outputs {
			if o.value.Len() != 1 {
				panic(shapeErr("Grad", fmt.Sprintf("output %d must have exactly one element, or pass GradOutputs", i), o.value.Shape()))
			}
			seeds[i] = Const(tensor.Ones[T](o.value.Shape()...))
		}
	}
	for i, in := range inputs {
		if !in.requiresGrad {
			panic(fmt.Errorf("autograd: Grad: input %d does not require a gradient (make it a Param, or the result of one)", i))
		}
	}
	var live []*Var[T]
	var liveSeeds []*Var[T]
	for i, o := range outputs {
		if o.requiresGrad {
			live = append(live, o)
			liveSeeds = append(liveSeeds, seeds[i])
		}
	}
	found := run(live, liveSeeds, cfg, inputs, false)
	out := make([]*Var[T], len(inputs))
	for i, in := range inputs {
		if g := found[in]; g != nil {
			out[i] = g
		} else {
			out[i] = Const(tensor.Zeros[T](in.value.Shape()...))
		}
	}
	return out
}

func newConfig(opts []Option) config {
	var c config
	for _, o := range opts {
		o(&c)
	}
	return c
}

// gradSlot is a gradient being accumulated during one pass. owned means the
// engine allocated the tensor, so it may add into it in place.
type gradSlot[T Float] struct {
	v     *Var[T]
	owned bool
}

// run is the whole reverse pass. It orders the nodes reachable from outputs
// (inputs first), seeds the outputs, and walks the order backwards, calling
// each node's backward once with its fully accumulated gradient. With
// accumulate (Backward) it adds into the .Grad() of leaves; it returns the
// gradients of the wanted Vars (Grad).
func run[T Float](outputs, seeds []*Var[T], cfg config, wanted []*Var[T], accumulate bool) map[*Var[T]]*Var[T] {
	order := graph.TopoSort(outputs, func(v *Var[T]) []*Var[T] {
		if v.node == nil {
			return nil
		}
		if v.node.released {
			panic(fmt.Errorf("autograd: %s: %w", v.node.op, ErrGraphReleased))
		}
		return v.node.inputs
	})

	want := make(map[*Var[T]]bool, len(wanted))
	found := make(map[*Var[T]]*Var[T], len(wanted))
	for _, w := range wanted {
		want[w] = true
	}

	grads := make(map[*Var[T]]gradSlot[T], len(order))
	add := func(v *Var[T], g *Var[T]) {
		s, ok := grads[v]
		switch {
		case !ok:
			s = gradSlot[T]{v: g}
		case cfg.create:
			s.v = Add(s.v, g)
		case s.owned:
			s.v.value.AddInPlace(g.value)
		default:
			s = gradSlot[T]{v: Const(tensor.Add(s.v.value, g.value)), owned: true}
		}
		grads[v] = s
	}
	for i, o := range outputs {
		add(o, seeds[i])
	}

	for i := len(order) - 1; i >= 0; i-- {
		v := order[i]
		s, ok := grads[v]
		if !ok {
			continue // nothing that requires a gradient flows through v
		}
		delete(grads, v)
		if want[v] {
			found[v] = s.v
			if !s.owned && !cfg.create {
				// The gradient may alias a seed or a view of one; hand the
				// caller a tensor of its own.
				found[v] = Const(s.v.value.Clone())
			}
		}
		if v.node == nil {
			if accumulate && v.requiresGrad {
				switch {
				case v.grad == nil && s.owned:
					v.grad = s.v.value
				case v.grad == nil:
					v.grad = s.v.value.Clone()
				default:
					v.grad.AddInPlace(s.v.value)
				}
			}
			continue
		}
		n := v.node
		gin := n.backward(&Context[T]{n: n, out: v, create: cfg.create}, s.v)
		if len(gin) != len(n.inputs) {
			panic(fmt.Errorf("autograd: %s: backward returned %d gradients for %d inputs", n.op, len(gin), len(n.inputs)))
		}
		if v.anomaly != nil {
			checkBackward(v, s.v, gin)
		}
		for j, in := range n.inputs {
			if !in.requiresGrad || gin[j] == nil {
				continue
			}
			add(in, fitGrad(n.op, j, gin[j], in))
		}
	}

	if !cfg.retain {
		for _, v := range order {
			if v.node != nil {
				v.node.inputs, v.node.backward, v.node.released = nil, nil, true
			}
		}
	}
	return found
}

// fitGrad returns the gradient g of input in, summed back to in's shape when
// the operation broadcast it. Any other mismatch is a bug in the operation's
// derivative, and panics naming the operation and both shapes.
func fitGrad[T Float](op string, j int, g, in *Var[T]) *Var[T] {
	gs, is := g.value.Shape(), in.value.Shape()
	if tensor.SameShape(gs, is) {
		return g
	}
	if bs, ok := tensor.BroadcastShapes(is, gs); ok && tensor.SameShape(bs, gs) {
		return SumTo(g, is...)
	}
	panic(shapeErr(op, fmt.Sprintf("gradient for input %d has the wrong shape (derivative bug)", j), gs, is))
}
