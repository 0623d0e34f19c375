package autograd

import "slices"

// Family groups operations whose derivatives share a kind of kernel.
type Family string

// The families of operations.
const (
	FamilyPointwise  Family = "pointwise"  // y = f(x) element by element
	FamilyBinary     Family = "binary"     // z = f(x, y) element by element, broadcasting
	FamilyCompare    Family = "compare"    // comparisons, masks and tests: no gradient
	FamilyReduce     Family = "reduce"     // reductions over axes
	FamilyCumulative Family = "cumulative" // scans, sorting, and reordering along an axis
	FamilyIndex      Family = "index"      // gathering and scattering by index
	FamilyLinalg     Family = "linalg"     // products, contractions and norms
	FamilyConv       Family = "conv"       // convolutions, pooling, resampling and padding
	FamilyLoss       Family = "loss"       // losses
	FamilyShape      Family = "shape"      // reshaping, joining and selecting
	FamilyRecurrent  Family = "recurrent"  // fused time steps of recurrent cells
)

// Ties names the elements an operation compares with each other (see
// OpInfo.Ties).
type Ties int

// The kinds of ties.
const (
	TiesNone    Ties = iota // compares nothing
	TiesBetween             // its first two inputs, element by element after broadcasting
	TiesWithin              // the elements of its first input among themselves
)

// The groups of the docs' op lists beyond the families' own (see
// OpInfo.DocGroup).
const (
	DocArithmetic  = "arithmetic"  // Neg and Scale, beside the binary ops
	DocSelection   = "selection"   // selecting with a mask
	DocMasks       = "masks"       // logical operations on masks
	DocRounding    = "rounding"    // rounding, with a zero gradient
	DocActivations = "activations" // activations and normalization layers
	DocReductions  = "reductions"  // a reduction declared in another family
	DocAttention   = "attention"
	DocPooling     = "pooling" // pooling, resampling and padding
	DocSimilarity  = "similarity"
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

	// Ties says which elements the op compares with each other, where
	// its derivative jumps when they are equal (the subgradient at a tie
	// is documented on the op): TiesBetween, its first two inputs element
	// by element after broadcasting (Maximum, L1), with Kinks then the
	// differences x - y besides 0 where it jumps too (Huber's ±delta);
	// TiesWithin, the elements of its first input among themselves (Max,
	// Sort, MaxPool2D). Checks that build their inputs from each other
	// (random graphs, where a node may meet itself) keep those elements
	// apart.
	Ties Ties

	// Spread, when positive, says that the op's derivatives blow up where
	// the elements of a slice it normalizes or measures are all equal (a
	// standard deviation, a norm, a normalization layer, a cosine):
	// checks that build their inputs from each other keep every two
	// elements of each input at least Spread apart.
	Spread float64

	// HiddenKinks reports that the derivative also jumps where a quantity
	// computed from several inputs crosses a value (LinearReLU's
	// pre-activation at 0, Mod's quotient at an integer, a hinge loss at
	// its margin), which Kinks cannot list: checks cannot keep inputs away
	// from those points, only make them unlikely (random graphs perturb
	// the op's inputs independently and check it to first order only).
	HiddenKinks bool

	// DocGroup and DocNote place the op in the docs' op lists (the
	// README's op table and the package documentation's "Operations",
	// which a test generates from Ops): DocGroup is the group it is listed
	// in, one of the Doc* constants, when that is not its family's
	// (DocActivations for an activation among the pointwise ops), and
	// DocNote a short remark after its name ("halves to even"), with
	// code in backquotes.
	DocGroup string
	DocNote  string

	// Torch is the PyTorch expression that computes the op, in terms of x
	// and of the parameter names, e.g. "torch.nn.functional.leaky_relu(x,
	// slope)".
	Torch string

	// Ref computes the op on one float64 element with float64 parameters
	// (a reference for the kernels, from package math).
	Ref func(x float64, p [2]float64) float64

	// Shapes are the shapes of the inputs the checks use, one per input,
	// for an op that takes particular shapes (every family but the
	// pointwise one, whose ops are checked at several shapes and have
	// Shapes nil).
	Shapes [][]int

	// Constant reports that the result does not depend differentiably on
	// the inputs (a comparison's mask as 0s and 1s, sorting's indices):
	// Apply returns a constant, and the checks verify that instead of a
	// derivative.
	Constant bool

	// Apply64 and Apply32 call the op on inputs (Arity of them) with the
	// parameters Args, and any other argument the op needs (indices,
	// options) fixed for the inputs' Shapes.
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
	// The other families, each declared in its own optable_<family>.go.
	for _, family := range []func() []OpInfo{
		binaryOps, compareOps, reduceOps, cumulativeOps, indexOps, linalgOps, convOps, poolOps, lossOps, shapeOps, attentionOps,
		normOps, recurrentOps,
	} {
		ops = append(ops, family()...)
	}
	return ops
}

// entry completes the metadata m with the op for both element types: f64
// and f32 are the same generic function instantiated twice, applied to
// the inputs with the op's other arguments fixed.
func entry(m OpInfo, f64 func(xs ...*Var[float64]) *Var[float64], f32 func(xs ...*Var[float32]) *Var[float32]) OpInfo {
	m.Apply64, m.Apply32 = f64, f32
	if m.Arity == 0 {
		m.Arity = len(m.Shapes)
	}
	return m
}

// ties returns m comparing elements as t says, with kinks (for
// TiesBetween, differences of the inputs besides 0) where its derivative
// jumps too.
func (m OpInfo) ties(t Ties, kinks ...float64) OpInfo {
	m.Ties = t
	m.Kinks = append(m.Kinks, kinks...)
	return m
}

// spread returns m with Spread s.
func (m OpInfo) spread(s float64) OpInfo {
	m.Spread = s
	return m
}

// hiddenKinks returns m with HiddenKinks set.
func (m OpInfo) hiddenKinks() OpInfo {
	m.HiddenKinks = true
	return m
}

// listed returns m listed in the docs' op lists in group (its family's
// when "") with the remark note.
func (m OpInfo) listed(group, note string) OpInfo {
	m.DocGroup, m.DocNote = group, note
	return m
}
