package layers

import (
	"fmt"
	"sync"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// Frozen is a trained model prepared for inference, made by Freeze: the
// same function as the model, with the weights of its Linear layers copied
// and laid out once for the matrix product (tensor.Pack), so that no
// evaluation lays them out again (PyTorch's torch.jit.freeze with its
// weight prepacking). For the 784-256-128-10 network at batch 256 that
// pass is 7% of the forward pass.
//
// Forward on a constant (a batch, as autograd.Const gives it) records
// nothing: it evaluates the layers under an inference Arena of the
// Frozen's own and returns a new constant holding the output, the only
// memory a warm call allocates. Under an inference Arena of the caller (x
// from autograd.NewInferenceArena's Const), it returns the arena's result,
// valid until the arena's next Reset, and allocates nothing. When x
// requires a gradient (gradients with respect to the input of a fixed
// model), it records the graph for x with the Linear weights as
// constants; the shared layers record their own parameters as in the
// model. Under anomaly detection (x detects anomalies) it runs the
// model's own operations, which check every result.
//
// Layers other than Linear (activations, normalization, convolutions,
// modules of the caller) are shared with the model, not copied, and read
// their mode at each call: set it on the model (SetTraining(m, false) for
// Dropout and BatchNorm; SetTraining on the Frozen reaches nothing).
// Freeze the model again after training it further: the copied Linear
// weights keep their values of the time of Freeze. A Frozen may be used by
// several goroutines at once when its shared layers may (every layer of
// this package may evaluate concurrently): each call that needs an arena
// takes one of its own.
type Frozen[T Float] struct {
	steps  []Module[T] // the layers in order, Linear layers as *frozenLinear
	arenas sync.Pool   // *autograd.Arena[T], inference arenas for calls on constants
}

// Freeze returns m prepared for inference (see Frozen). It walks through
// Sequential and Named containers, whose layers it applies in order, and
// replaces each Linear layer by a copy of its weight and bias packed for
// the product, fused with a ReLU that follows it as Sequential fuses them;
// every other module is kept as it is. It panics with an *ArgError when m
// is nil.
func Freeze[T Float](m Module[T]) *Frozen[T] {
	if isNil(m) {
		argPanic("Freeze", "m", nil, "must not be nil")
	}
	f := &Frozen[T]{}
	f.steps = freezeChain(f.steps, m, map[*Linear[T]]*frozenLinear[T]{})
	return f
}

// freezeChain appends the frozen steps of m to steps: the layers of a
// Sequential or Named in order, a Linear as its packed copy (one per
// Linear, shared by its uses; one fused with a following ReLU per use),
// any other module as it is.
func freezeChain[T Float](steps []Module[T], m Module[T], seen map[*Linear[T]]*frozenLinear[T]) []Module[T] {
	var mods []Module[T]
	switch c := m.(type) {
	case *Sequential[T]:
		mods = c.Layers
	case *Named[T]:
		for _, ch := range c.children {
			mods = append(mods, ch.Module)
		}
	case *Linear[T]:
		return append(steps, freezeLinear(c, seen))
	default:
		return append(steps, m)
	}
	for i := 0; i < len(mods); i++ {
		l, ok := mods[i].(*Linear[T])
		if ok && i+1 < len(mods) && isReLU(mods[i+1]) {
			fl := *freezeLinear(l, seen)
			fl.relu = true
			fl.fn = fl.function() // bound to this copy, which applies the ReLU
			steps = append(steps, &fl)
			i++
			continue
		}
		steps = freezeChain(steps, mods[i], seen)
	}
	return steps
}

// freezeLinear returns the packed copy of l, made once per Linear. It
// panics as the layer's Forward would, with a *tensor.ShapeError, when the
// weight is not 2-D or the bias not [out], and with an *ArgError when the
// weight is nil.
func freezeLinear[T Float](l *Linear[T], seen map[*Linear[T]]*frozenLinear[T]) *frozenLinear[T] {
	if fl, ok := seen[l]; ok {
		return fl
	}
	if l.Weight == nil {
		argPanic("Freeze", "Linear.Weight", nil, "must not be nil")
	}
	w := l.Weight.Value()
	if w.Dims() != 2 {
		shapePanic(layerOp("Linear", l.Weight), "weight must be [out in]", w.Shape())
	}
	if l.Bias != nil && !l.Bias.Value().HasShape(w.Dim(0)) {
		shapePanic(layerOp("Linear", l.Weight), "bias must be [out]", w.Shape(), l.Bias.Shape())
	}
	fl := &frozenLinear[T]{w: tensor.Pack(w, true), name: layerOp("Linear", l.Weight)}
	fl.wv = autograd.Const(fl.w.Source())
	if l.Bias != nil {
		fl.bv = autograd.Const(l.Bias.Value().Clone())
	}
	fl.fn = fl.function()
	seen[l] = fl
	return fl
}

// function returns the Function that computes l's forward pass.
func (l *frozenLinear[T]) function() *autograd.Function[T] {
	return &autograd.Function[T]{Name: l.name, ForwardWith: l.forward, Backward: l.backward}
}

// Forward evaluates the model on x: on a constant recording nothing and
// allocating only the output (see Frozen for the other inputs).
func (f *Frozen[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	checkInput("Frozen", x)
	if ar := x.Arena(); x.RequiresGrad() || x.DetectsAnomaly() || x.Stale() || ar != nil && ar.Inference() {
		return f.apply(x)
	}
	ar, _ := f.arenas.Get().(*autograd.Arena[T])
	if ar == nil {
		ar = autograd.NewInferenceArena[T]()
	}
	ar.Reset()
	y := autograd.Const(f.apply(ar.Const(x.Value())).Value().Clone())
	f.arenas.Put(ar)
	return y
}

// apply runs the steps on x.
func (f *Frozen[T]) apply(x *autograd.Var[T]) *autograd.Var[T] {
	for _, s := range f.steps {
		x = s.Forward(x)
	}
	return x
}

// Parameters returns nothing: a Frozen trains no parameter.
func (f *Frozen[T]) Parameters() []*autograd.Var[T] { return nil }

// NamedParameters returns nothing: a Frozen trains no parameter.
func (f *Frozen[T]) NamedParameters() []NamedParam[T] { return nil }

// AppendParameters returns dst as it is: a Frozen trains no parameter.
func (f *Frozen[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] { return dst }

// frozenLinear is a Linear layer of a Frozen: its weight copied and
// packed, its bias copied, both constants, and a ReLU after it when relu
// is set.
type frozenLinear[T Float] struct {
	w      *tensor.Packed[T]     // the weight [out in], packed transposed
	wv, bv *autograd.Var[T]      // the weight (w's source) and the bias (or nil) as constants
	relu   bool                  // apply ReLU to the result
	name   string                // the Linear's name in errors, "Linear (0.weight)"
	fn     *autograd.Function[T] // x·Wᵀ + b with the packed weight
}

// Forward maps x [..., in] to [..., out] as Linear.Forward does, followed
// by ReLU when relu is set: with the packed weight when nothing is
// recorded or checked, else (x requires a gradient or detects anomalies)
// with the model's own operations, autograd.Linear or LinearReLU, on the
// weight and bias as constants.
func (l *frozenLinear[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	xv, w := x.Value(), l.wv.Value()
	if xv.Dims() == 0 || xv.Dim(-1) != w.Dim(1) {
		shapePanic(l.name, fmt.Sprintf("input must be [... %d]", w.Dim(1)), xv.Shape(), w.Shape())
	}
	x2 := x
	if xv.Dims() != 2 {
		x2 = flattenRows(x)
	}
	var y *autograd.Var[T]
	switch {
	case !x.RequiresGrad() && !x.DetectsAnomaly():
		y = l.fn.Apply(x2)
	case l.relu && !x.DetectsAnomaly():
		y = autograd.LinearReLU(x2, l.wv, l.bv)
	case l.relu: // two operations, so that an anomaly report names each
		y = autograd.ReLU(autograd.Linear(x2, l.wv, l.bv))
	default:
		y = autograd.Linear(x2, l.wv, l.bv)
	}
	if xv.Dims() != 2 {
		y = unflattenRows(y, x, w.Dim(0))
	}
	return y
}

// forward is the Function's forward pass: x·Wᵀ + b, then ReLU when relu
// is set, into a result of the arena, in one product that adds the bias
// and applies the ReLU as it stores each tile: the bits of
// autograd.Linear and LinearReLU, which write the bias first, add the
// product to it and apply ReLU after.
func (l *frozenLinear[T]) forward(c *autograd.ForwardContext[T], in ...*tensor.Tensor[T]) *tensor.Tensor[T] {
	x := in[0]
	out := c.Empty(x.Dim(0), l.wv.Value().Dim(0))
	var b *tensor.Tensor[T]
	if l.bv != nil {
		b = l.bv.Value()
	}
	tensor.LinearPackedInto(out, x, l.w, b, l.relu)
	return out
}

// backward is the Function's gradient with respect to x: g·W, with g
// first masked by ReLU's derivative (1 where the result is positive) when
// relu is set; the weight and the bias are constants. Forward applies the
// Function only to inputs that record nothing, so no graph holds it; a
// Function needs one all the same, and this one is correct.
func (l *frozenLinear[T]) backward(c *autograd.Context[T], g *autograd.Var[T]) []*autograd.Var[T] {
	if l.relu {
		g = autograd.Mul(g, autograd.Const(tensor.Step(c.Output().Value())))
	}
	return []*autograd.Var[T]{autograd.MatMulT(g, l.wv, false, false)}
}

// Parameters returns nothing: the copied weights are constants.
func (l *frozenLinear[T]) Parameters() []*autograd.Var[T] { return nil }

// NamedParameters returns nothing: the copied weights are constants.
func (l *frozenLinear[T]) NamedParameters() []NamedParam[T] { return nil }
