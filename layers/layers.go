// Package layers builds networks out of autograd operations: a Module
// interface, Linear layers with seeded initialisation, activations as
// layers, Sequential composition and losses.
//
// A network is a Module; its Forward records the computation on the autograd
// graph, and its Parameters are what an optimizer (package layers/optim)
// updates:
//
//	rng := rand.New(rand.NewPCG(1, 2))
//	net := layers.NewSequential(
//		layers.NewLinear(rng, 4, 5, layers.XavierUniform[float64]),
//		layers.Sigmoid[float64]{},
//		layers.NewLinear(rng, 5, 1, layers.XavierUniform[float64]),
//	)
//	loss := layers.MSELoss[float64]{}.Loss(net.Forward(x), y)
//	loss.Backward()
//
// Inputs are batches of row vectors, [batch, features], as in PyTorch.
// Initialisation always draws from an explicit *rand.Rand, so a seed
// reproduces a network bit for bit. Modules hold no hidden global state;
// Forward only reads parameters, so one model may be evaluated from several
// goroutines at once, but training (Backward, optimizer steps) must not run
// concurrently on the same parameters.
package layers

import (
	"strconv"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// Float is the element type constraint: float32 or float64.
type Float = tensor.Float

// Module is a piece of a network: it maps an input to an output by recording
// autograd operations, and lists the parameters it trains.
type Module[T Float] interface {
	// Forward applies the module to x and returns the result.
	Forward(x *autograd.Var[T]) *autograd.Var[T]
	// Parameters returns the trainable parameters, in a stable order.
	Parameters() []*autograd.Var[T]
	// NamedParameters returns the trainable parameters with stable,
	// hierarchical names ("weight", "0.bias", "encoder.fc1.weight"), in the
	// order of Parameters. Model files use these names.
	NamedParameters() []NamedParam[T]
}

// NamedParam is a parameter with its hierarchical name within a module.
type NamedParam[T Float] struct {
	Name  string
	Param *autograd.Var[T]
}

// paramsOf returns the parameters of a named list, in order.
func paramsOf[T Float](named []NamedParam[T]) []*autograd.Var[T] {
	ps := make([]*autograd.Var[T], len(named))
	for i, n := range named {
		ps[i] = n.Param
	}
	return ps
}

// prefixed returns named with prefix + "." before every name.
func prefixed[T Float](prefix string, named []NamedParam[T]) []NamedParam[T] {
	out := make([]NamedParam[T], len(named))
	for i, n := range named {
		out[i] = NamedParam[T]{Name: prefix + "." + n.Name, Param: n.Param}
	}
	return out
}

// Sequential applies its modules in order, each to the previous one's output.
// Its parameters are named by position, as in PyTorch: "0.weight", "2.bias".
type Sequential[T Float] struct {
	Layers []Module[T]
}

// NewSequential returns a Sequential of the given modules.
func NewSequential[T Float](layers ...Module[T]) *Sequential[T] {
	return &Sequential[T]{Layers: layers}
}

// Forward applies every layer in turn.
func (s *Sequential[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	for _, l := range s.Layers {
		x = l.Forward(x)
	}
	return x
}

// Parameters returns the parameters of every layer, in layer order.
func (s *Sequential[T]) Parameters() []*autograd.Var[T] { return paramsOf(s.NamedParameters()) }

// NamedParameters returns every layer's parameters, each name prefixed with
// the layer's index.
func (s *Sequential[T]) NamedParameters() []NamedParam[T] {
	var ps []NamedParam[T]
	for i, l := range s.Layers {
		ps = append(ps, prefixed(strconv.Itoa(i), l.NamedParameters())...)
	}
	return ps
}

// Sigmoid is the logistic activation σ(x) = 1/(1+e^-x) as a layer.
type Sigmoid[T Float] struct{}

// Forward returns σ(x).
func (Sigmoid[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Sigmoid(x) }

// Parameters returns nil: activations have none.
func (Sigmoid[T]) Parameters() []*autograd.Var[T] { return nil }

// NamedParameters returns nil: activations have none.
func (Sigmoid[T]) NamedParameters() []NamedParam[T] { return nil }

// Tanh is the hyperbolic tangent activation as a layer.
type Tanh[T Float] struct{}

// Forward returns tanh(x).
func (Tanh[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Tanh(x) }

// Parameters returns nil: activations have none.
func (Tanh[T]) Parameters() []*autograd.Var[T] { return nil }

// NamedParameters returns nil: activations have none.
func (Tanh[T]) NamedParameters() []NamedParam[T] { return nil }

// ReLU is the rectified linear activation max(x, 0) as a layer.
type ReLU[T Float] struct{}

// Forward returns max(x, 0).
func (ReLU[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] { return autograd.ReLU(x) }

// Parameters returns nil: activations have none.
func (ReLU[T]) Parameters() []*autograd.Var[T] { return nil }

// NamedParameters returns nil: activations have none.
func (ReLU[T]) NamedParameters() []NamedParam[T] { return nil }

// Reduction says how a loss combines per-element errors; it is autograd's.
type Reduction = autograd.Reduction

const (
	// Mean averages the per-element losses (PyTorch's default).
	Mean = autograd.ReduceMean
	// Sum adds them up.
	Sum = autograd.ReduceSum
	// None keeps one loss per element.
	None = autograd.ReduceNone
)

// MSELoss is the squared error between a prediction and a target of the same
// shape, averaged (Reduction Mean, the default), summed, or kept per element.
type MSELoss[T Float] struct {
	Reduction Reduction
}

// Loss returns the reduced squared error. It panics with a
// *tensor.ShapeError naming MSELoss when the shapes differ.
func (l MSELoss[T]) Loss(pred, target *autograd.Var[T]) *autograd.Var[T] {
	if ps, ts := pred.Shape(), target.Shape(); !tensor.SameShape(ps, ts) {
		panic(&tensor.ShapeError{Pkg: "layers", Op: "MSELoss", Reason: "prediction and target shapes differ", Shapes: [][]int{ps, ts}})
	}
	return autograd.MSE(pred, target, l.Reduction)
}
