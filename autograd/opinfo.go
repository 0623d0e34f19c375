package autograd

import "slices"

// Family groups operations whose derivatives share a kind of kernel.
type Family string

// The families of operations.
const (
	FamilyPointwise Family = "pointwise" // y = f(x) element by element
)

// OpInfo describes one operation of this package, as its declaration states
// it: what test suites need in order to check it without knowing it (where
// to draw its inputs, where its derivative has kinks, the PyTorch expression
// that computes the same thing) and a uniform way to call it. Ops lists
// them; the package's own tests range over that list, so an operation
// declared with incomplete metadata fails a test.
type OpInfo struct {
	Name   string // the exported function, e.g. "Sigmoid"
	Family Family
	Arity  int // number of tensor inputs

	// Params names the scalar parameters after the tensor inputs, in
	// order (LeakyReLU's slope); Args are the values the tests use.
	Params []string
	Args   []float64

	// Domain is the interval [lo, hi) inputs are drawn from for the
	// checks: where the op is defined, and wide enough to reach its
	// saturating regions.
	Domain [2]float64

	// Kinks lists the input values (for the Args given) where the
	// derivative is discontinuous, with the subgradient documented on the
	// op; checks keep finite differences away from them.
	Kinks []float64

	// Smooth reports that the derivative is itself differentiable away
	// from Kinks, so that second-order checks apply.
	Smooth bool

	// Torch is the PyTorch expression that computes the op, in terms of x
	// and of the parameter names, e.g. "torch.nn.functional.leaky_relu(x,
	// slope)".
	Torch string

	// Ref computes the op on one float64 element with float64 parameters
	// (a reference for the kernels, from package math).
	Ref func(x float64, p [2]float64) float64

	// Apply64 and Apply32 call the op on inputs (Arity of them) with the
	// parameters Args.
	Apply64 func(xs ...*Var[float64]) *Var[float64]
	Apply32 func(xs ...*Var[float32]) *Var[float32]
}

// Ops returns a description of every differentiable operation declared in
// the package's op tables, in declaration order. The result is a fresh copy.
func Ops() []OpInfo {
	var ops []OpInfo
	for k := range pointwiseKind(numPointwise) {
		m := pointwise64[k].meta
		m.Params, m.Args, m.Kinks = slices.Clone(m.Params), slices.Clone(m.Args), slices.Clone(m.Kinks)
		var p64 []float64
		var p32 []float32
		for _, a := range m.Args {
			p64, p32 = append(p64, a), append(p32, float32(a))
		}
		m.Apply64 = func(xs ...*Var[float64]) *Var[float64] { return pointwise(k, xs[0], p64...) }
		m.Apply32 = func(xs ...*Var[float32]) *Var[float32] { return pointwise(k, xs[0], p32...) }
		ops = append(ops, m)
	}
	return ops
}
