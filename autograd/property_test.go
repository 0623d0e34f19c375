package autograd_test

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"pgregory.net/rapid"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/tensor"
)

// This file checks random expression graphs: random ops from the whole op
// table, chained with fan-out (a node used by several later nodes) and
// reused inputs, over random shapes with broadcasting, size-1 axes and 0-d
// tensors. For every graph:
//
//  1. gradcheck.Check passes: the analytic Jacobian of the graph's output
//     (a scalar, or a small tensor) agrees with central finite differences;
//  2. Grad returns, bit for bit, what Backward accumulates into .Grad(); a
//     second Backward doubles it exactly; Grad with CreateGraph returns the
//     same values bit for bit;
//  3. for a subset of small graphs, gradcheck.GradGradCheck passes.
//
// The generator draws every decision from a chooser. TestRandomGraphs
// drives it with rapid, which shrinks a failing graph to a small one;
// FuzzRandomGraph (fuzz_test.go) drives it with the fuzzer's bytes, one byte
// per decision. Either way a failure prints the graph as a program:
//
//	x0 [2 3] (seed 7) = [0.51 -1.2 ...]
//	n1 = Tanh(x0)                        [2 3]
//	n2 = Add(n1, x0)                     [2 3]
//	n3 = Sum(n2)                         []
//	output n3
//
// Inputs are drawn so that the ops stay smooth where they are evaluated:
// arguments of Log, Sqrt, fractional powers and denominators go through
// Softplus(x)+0.25 unless they are already ≥ 0.25; Exp sees |x| ≤ 3; values
// larger than 4 are scaled back down by a constant; and ops with a kink
// (ReLU, Abs, LeakyReLU, ELU, Clamp, Maximum, Minimum, Max, Min, MaxPool2D,
// L1, Huber) are used only where no argument is within 1e-4 of the kink
// (exact ties, which come from the graph's structure and have consistent
// subgradients, are allowed). If a finite-difference check still fails, the
// one-sided differences of the worst element are compared: when they
// disagree the point is a kink, and the case is discarded rather than
// reported.

// V and the helpers newRand, exportedOps come from the other test files.

// chooser makes the generator's decisions.
type chooser interface {
	// intn returns a choice in [0, n); n ≥ 1. label says what is chosen.
	intn(n int, label string) int
	// seed returns a seed for random tensor data.
	seed(label string) uint64
}

// rapidChooser draws decisions with rapid, so that a failure shrinks.
type rapidChooser struct{ t *rapid.T }

func (c rapidChooser) intn(n int, label string) int {
	if n <= 1 {
		return 0
	}
	return rapid.IntRange(0, n-1).Draw(c.t, label)
}

func (c rapidChooser) seed(label string) uint64 { return rapid.Uint64().Draw(c.t, label) }

// byteChooser draws decisions from a byte string: one byte per choice (two
// when there are more than 256 options), eight per seed. Past the end every
// byte reads 0, so any input is a valid graph and a short input a small one.
type byteChooser struct {
	data []byte
	pos  int
}

func (c *byteChooser) next() byte {
	if c.pos >= len(c.data) {
		return 0
	}
	b := c.data[c.pos]
	c.pos++
	return b
}

func (c *byteChooser) intn(n int, _ string) int {
	if n <= 1 {
		return 0
	}
	v := int(c.next())
	if n > 256 {
		v = v<<8 | int(c.next())
	}
	return v % n
}

func (c *byteChooser) seed(string) uint64 {
	var s uint64
	for i := range 8 {
		s |= uint64(c.next()) << (8 * i)
	}
	return s
}

const (
	rgMaxElems      = 48   // largest tensor the generator builds on purpose
	rgHardMaxElems  = 256  // a tensor larger than this is a generator bug
	rgMaxInputElems = 24   // largest input
	rgMaxOps        = 10   // ops drawn from the op list per graph (adapters come on top)
	rgKinkGap       = 1e-4 // minimum distance of an argument from a kink
	rgMaxAbs        = 4.0  // values beyond this are scaled back down
	rgSmallOutput   = 12   // a non-scalar output kept as it is has at most this many elements
)

// rgStep is one node of a generated graph: an op applied to earlier nodes,
// with every constant (axes, shapes, masks, exponents) fixed, so that
// replaying it is a smooth function of the inputs.
type rgStep struct {
	text string // the expression, e.g. "Add(n2, x0)"
	args []int  // the nodes it reads
	f    func(a []*V) *V
}

// rgGraph is a generated expression graph: its inputs, its steps, and the
// value of every node at the inputs (which the generator consults to keep
// ops in their smooth domain).
type rgGraph struct {
	src     chooser
	inputs  []*tensor.Tensor[float64]
	seeds   []uint64
	steps   []rgStep
	vals    []*tensor.Tensor[float64] // inputs first, then one per step
	deps    []uint8                   // bit i: the node depends on input i
	out     int
	applied map[string]int // how often each op of the op list was applied
	pending string         // the step being built, for a panic message
}

func (g *rgGraph) nIn() int { return len(g.inputs) }

// nm names node i: x0, x1, ... for inputs, n3, n4, ... for steps.
func (g *rgGraph) nm(i int) string {
	if i < g.nIn() {
		return "x" + strconv.Itoa(i)
	}
	return "n" + strconv.Itoa(i)
}

func (g *rgGraph) shape(i int) []int { return g.vals[i].Shape() }
func (g *rgGraph) last() int         { return len(g.vals) - 1 }

// add appends a step applying f to the nodes args, computing its value at
// the inputs, and returns the new node. op, when not "", is the name of the
// op of the op list it exercises.
func (g *rgGraph) add(op, text string, f func(a []*V) *V, args ...int) int {
	g.pending = text
	in := make([]*V, len(args))
	var deps uint8
	for k, a := range args {
		in[k] = autograd.Const(g.vals[a])
		deps |= g.deps[a]
	}
	v := f(in).Value()
	if v.Len() > rgHardMaxElems {
		panic(fmt.Sprintf("generator bug: %s has %d elements", text, v.Len()))
	}
	for _, x := range v.Data() {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			panic(fmt.Sprintf("%s produced %v from finite arguments in its domain", text, x))
		}
	}
	g.steps = append(g.steps, rgStep{text: text, args: slices.Clone(args), f: f})
	g.vals = append(g.vals, v)
	g.deps = append(g.deps, deps)
	if op != "" {
		g.applied[op]++
	}
	g.pending = ""
	return g.last()
}

// unary adds op(x) for a one-argument op.
func (g *rgGraph) unary(op, text string, f func(x *V) *V, x int) int {
	return g.add(op, fmt.Sprintf("%s(%s)", text, g.nm(x)), func(a []*V) *V { return f(a[0]) }, x)
}

// pick returns a node to operate on: usually the newest, otherwise any
// earlier node or input, which is how fan-out and reused inputs arise.
func (g *rgGraph) pick() int {
	if g.src.intn(3, "use an earlier node") != 0 {
		return g.last()
	}
	return g.src.intn(len(g.vals), "node")
}

// operand returns a node of the given shape: an existing one when there is
// one (the node itself may be picked twice), or one fitted from any node.
func (g *rgGraph) operand(shape []int) int {
	var same []int
	for i, v := range g.vals {
		if tensor.SameShape(v.Shape(), shape) {
			same = append(same, i)
		}
	}
	if len(same) > 0 && g.src.intn(2, "reuse a node of the shape") == 0 {
		return same[g.src.intn(len(same), "which node")]
	}
	return g.fit(g.pick(), shape)
}

// fit returns node i turned into the given shape by Reshape, Concat (of
// copies) and Slice: a differentiable, linear adapter.
func (g *rgGraph) fit(i int, shape []int) int {
	if tensor.SameShape(g.shape(i), shape) {
		return i
	}
	need := numel(shape)
	x, n := i, numel(g.shape(i))
	flat := func() {
		if len(g.shape(x)) != 1 {
			x = g.add("Reshape", fmt.Sprintf("Reshape(%s, -1)", g.nm(x)), func(a []*V) *V { return autograd.Reshape(a[0], -1) }, x)
		}
	}
	if n < need {
		flat()
		copies := (need + n - 1) / n
		args := make([]int, copies)
		names := make([]string, copies)
		for k := range args {
			args[k], names[k] = x, g.nm(x)
		}
		x = g.add("Concat", fmt.Sprintf("Concat(0, %s)", strings.Join(names, ", ")), func(a []*V) *V { return autograd.Concat(0, a...) }, args...)
		n *= copies
	}
	if n > need {
		flat()
		step := 1
		if n >= 2*need && g.src.intn(2, "slice step 2") == 0 {
			step = 2
		}
		span := (need-1)*step + 1
		start := g.src.intn(n-span+1, "slice start")
		r := autograd.Range{Start: start, Stop: start + span, Step: step}
		x = g.add("Slice", fmt.Sprintf("Slice(%s, %s)", g.nm(x), rangeText(r)), func(a []*V) *V { return autograd.Slice(a[0], r) }, x)
	}
	if !tensor.SameShape(g.shape(x), shape) {
		s := slices.Clone(shape)
		x = g.add("Reshape", fmt.Sprintf("Reshape(%s, %s)", g.nm(x), ints(s)), func(a []*V) *V { return autograd.Reshape(a[0], s...) }, x)
	}
	return x
}

// posify returns node i if all its values are at least 0.25, otherwise (or
// by choice) Softplus(x)+0.25: an argument safe for Log, Sqrt, Div and
// fractional powers.
func (g *rgGraph) posify(i int) int {
	if minOf(g.vals[i]) >= 0.25 && g.src.intn(2, "use positive node as is") == 0 {
		return i
	}
	return g.add("Softplus", fmt.Sprintf("Add(Softplus(%s), 0.25)", g.nm(i)), func(a []*V) *V {
		return autograd.Add(autograd.Softplus(a[0]), autograd.Scalar(0.25))
	}, i)
}

// bounded returns node i if all its values are within lim in magnitude,
// otherwise Tanh(x).
func (g *rgGraph) bounded(i int, lim float64) int {
	if maxAbs(g.vals[i]) <= lim {
		return i
	}
	return g.unary("Tanh", "Tanh", autograd.Tanh[float64], i)
}

// rescale scales node i down by a constant when its values are large, so
// that the next ops stay in a range where finite differences are accurate.
func (g *rgGraph) rescale(i int) int {
	m := maxAbs(g.vals[i])
	if m <= rgMaxAbs {
		return i
	}
	k, _ := strconv.ParseFloat(strconv.FormatFloat(2/m, 'g', 3, 64), 64)
	return g.add("Scale", fmt.Sprintf("Scale(%s, %g)", g.nm(i), k), func(a []*V) *V { return autograd.Scale(a[0], k) }, i)
}

// randShape draws a shape of rank 0 to 3, dimensions 1 to 4, with at most
// limit elements.
func (g *rgGraph) randShape(limit int) []int {
	s := make([]int, g.src.intn(4, "rank"))
	for k := range s {
		s[k] = 1 + g.src.intn(4, "dim")
	}
	for k := len(s) - 1; numel(s) > limit; k-- {
		s[k] = 1
	}
	return s
}

// partner returns a shape that broadcasts with a: the same, a smaller one
// (a suffix, some axes 1), a mixed one (1s on both sides) or a larger one
// (new leading axes), keeping the broadcast result within rgMaxElems.
func (g *rgGraph) partner(a []int) []int {
	var b []int
	switch g.src.intn(4, "broadcast pattern") {
	case 0:
		b = slices.Clone(a)
	case 1: // a suffix of a, some axes 1
		b = slices.Clone(a[len(a)-g.src.intn(len(a)+1, "suffix length"):])
		for k := range b {
			if g.src.intn(2, "size-1 axis") == 0 {
				b[k] = 1
			}
		}
	case 2: // axis by axis: 1 against anything, anything against 1
		b = slices.Clone(a)
		for k, d := range a {
			if d == 1 {
				b[k] = 1 + g.src.intn(3, "dim against 1")
			} else if g.src.intn(2, "size-1 axis") == 0 {
				b[k] = 1
			}
		}
		b = b[g.src.intn(len(b)+1, "drop leading axes"):]
	default: // new leading axes
		lead := make([]int, 1+g.src.intn(2, "new leading axes"))
		for k := range lead {
			lead[k] = 1 + g.src.intn(3, "dim")
		}
		b = append(lead, a...)
	}
	if bs, ok := tensor.BroadcastShapes(a, b); !ok || numel(bs) > rgMaxElems {
		return slices.Clone(a)
	}
	return b
}

// axes draws the axes of a reduction over shape: none (all axes) or a
// non-empty subset, each possibly written as a negative axis.
func (g *rgGraph) axes(shape []int) []int {
	r := len(shape)
	if r == 0 || g.src.intn(3, "reduce all axes") == 0 {
		return nil
	}
	var ax []int
	for k := range r {
		if g.src.intn(2, "reduce axis") == 0 {
			ax = append(ax, k)
		}
	}
	if len(ax) == 0 {
		ax = []int{g.src.intn(r, "axis")}
	}
	for k := range ax {
		if g.src.intn(2, "negative axis") == 0 {
			ax[k] -= r
		}
	}
	if g.src.intn(2, "shuffle axes") == 0 {
		slices.Reverse(ax)
	}
	return ax
}

// axis draws one axis of a rank-r shape, possibly negative.
func (g *rgGraph) axis(r int) int {
	a := g.src.intn(r, "axis")
	if g.src.intn(2, "negative axis") == 0 {
		a -= r
	}
	return a
}

// atLeast1D returns node i, fitted to a vector when it is 0-d.
func (g *rgGraph) atLeast1D(i int) int {
	if len(g.shape(i)) > 0 {
		return i
	}
	return g.fit(i, []int{2 + g.src.intn(3, "length")})
}

// matrix returns node i, reshaped to a matrix of the same elements when it
// is not 2-D.
func (g *rgGraph) matrix(i int) int {
	if len(g.shape(i)) == 2 {
		return i
	}
	n := numel(g.shape(i))
	ds := divisors(n)
	d := ds[g.src.intn(len(ds), "rows")]
	return g.fit(i, []int{d, n / d})
}

// reducedCount is the number of elements each slice of a reduction over
// axes (nil: all) of shape averages.
func reducedCount(shape, axes []int) int {
	if len(axes) == 0 {
		return numel(shape)
	}
	n := 1
	for _, a := range axes {
		if a < 0 {
			a += len(shape)
		}
		n *= shape[a]
	}
	return n
}

// rgOp is one entry of the op list: the exported op it exercises and a
// builder that appends it (with any adapters) to a graph. A builder returns
// false when the op does not fit the graph's current values (an argument
// near a kink); the generator then applies Tanh instead.
type rgOp struct {
	name  string
	build func(g *rgGraph) bool
}

// rgOps is the op list, covering every exported op (see
// TestRandomGraphOpsCoverOpTable). Simple ops come first: rapid shrinks
// choices towards 0.
var rgOps = rgOpList()

func rgOpList() []rgOp {
	var ops []rgOp
	addOp := func(name string, build func(g *rgGraph) bool) { ops = append(ops, rgOp{name, build}) }

	// Binary ops with broadcasting.
	binary := func(name string, f func(a, b *V) *V, kinky bool) {
		addOp(name, func(g *rgGraph) bool {
			a := g.pick()
			b := g.operand(g.partner(g.shape(a)))
			if g.src.intn(2, "swap operands") == 0 {
				a, b = b, a
			}
			switch name {
			case "Div":
				b = g.posify(b)
			case "PowVar":
				a, b = g.posify(a), g.bounded(b, 2)
			}
			if kinky && nearTie(g.vals[a], g.vals[b]) {
				return false
			}
			g.add(name, fmt.Sprintf("%s(%s, %s)", name, g.nm(a), g.nm(b)), func(x []*V) *V { return f(x[0], x[1]) }, a, b)
			return true
		})
	}
	binary("Add", autograd.Add[float64], false)
	binary("Sub", autograd.Sub[float64], false)
	binary("Mul", autograd.Mul[float64], false)
	binary("Div", autograd.Div[float64], false)
	binary("Maximum", autograd.Maximum[float64], true)
	binary("Minimum", autograd.Minimum[float64], true)
	binary("PowVar", autograd.PowVar[float64], false)
	addOp("Where", func(g *rgGraph) bool {
		a := g.pick()
		b := g.operand(g.partner(g.shape(a)))
		bs, _ := tensor.BroadcastShapes(g.shape(a), g.shape(b))
		rng := newRand(g.src.seed("mask"))
		mask := make([]bool, numel(bs))
		var m strings.Builder
		for k := range mask {
			mask[k] = rng.IntN(2) == 0
			m.WriteByte("01"[b2i(mask[k])])
		}
		g.add("Where", fmt.Sprintf("Where(mask %s, %s, %s)", m.String(), g.nm(a), g.nm(b)), func(x []*V) *V { return autograd.Where(mask, x[0], x[1]) }, a, b)
		return true
	})

	// Unary elementwise ops.
	smooth := func(name string, f func(x *V) *V) {
		addOp(name, func(g *rgGraph) bool { g.unary(name, name, f, g.pick()); return true })
	}
	smooth("Neg", autograd.Neg[float64])
	smooth("Sigmoid", autograd.Sigmoid[float64])
	smooth("Tanh", autograd.Tanh[float64])
	smooth("Square", autograd.Square[float64])
	smooth("Sin", autograd.Sin[float64])
	smooth("Cos", autograd.Cos[float64])
	smooth("GELU", autograd.GELU[float64])
	smooth("GELUTanh", autograd.GELUTanh[float64])
	smooth("SiLU", autograd.SiLU[float64])
	smooth("Softplus", autograd.Softplus[float64])
	for _, name := range []string{"Exp", "Expm1"} {
		f := map[string]func(*V) *V{"Exp": autograd.Exp[float64], "Expm1": autograd.Expm1[float64]}[name]
		addOp(name, func(g *rgGraph) bool { g.unary(name, name, f, g.bounded(g.pick(), 3)); return true })
	}
	positive := func(name string, f func(x *V) *V) {
		addOp(name, func(g *rgGraph) bool { g.unary(name, name, f, g.posify(g.pick())); return true })
	}
	positive("Log", autograd.Log[float64])
	positive("Sqrt", autograd.Sqrt[float64])
	positive("Log1p", autograd.Log1p[float64])
	addOp("Scale", func(g *rgGraph) bool {
		k := []float64{-1.5, 0.5, 2, -0.25}[g.src.intn(4, "scale")]
		g.unary("Scale", fmt.Sprintf("Scale[%g]", k), func(x *V) *V { return autograd.Scale(x, k) }, g.pick())
		return true
	})
	addOp("Pow", func(g *rgGraph) bool {
		p := []float64{2, 3, 1, 0.5, 1.5, -1, -0.5, -2.5}[g.src.intn(8, "exponent")]
		x := g.pick()
		if p != math.Trunc(p) || p < 0 {
			x = g.posify(x)
		}
		g.unary("Pow", fmt.Sprintf("Pow[%g]", p), func(x *V) *V { return autograd.Pow(x, p) }, x)
		return true
	})
	kink := func(name string, f func(x *V, c float64) *V, consts []float64, kinksAt func(c float64) []float64) {
		addOp(name, func(g *rgGraph) bool {
			c := consts[g.src.intn(len(consts), "constant")]
			x := g.pick()
			for _, k := range kinksAt(c) {
				if nearValue(g.vals[x], k) {
					return false
				}
			}
			text := name
			if len(consts) > 1 {
				text = fmt.Sprintf("%s[%g]", name, c)
			}
			g.unary(name, text, func(x *V) *V { return f(x, c) }, x)
			return true
		})
	}
	at0 := func(float64) []float64 { return []float64{0} }
	kink("ReLU", func(x *V, _ float64) *V { return autograd.ReLU(x) }, []float64{0}, at0)
	kink("Abs", func(x *V, _ float64) *V { return autograd.Abs(x) }, []float64{0}, at0)
	kink("LeakyReLU", autograd.LeakyReLU[float64], []float64{0.01, 0.2, -0.5}, at0)
	kink("ELU", autograd.ELU[float64], []float64{1, 0.5, 2}, at0)
	clamps := [][2]float64{{-1, 1}, {-0.5, 0.75}, {0, 2}}
	addOp("Clamp", func(g *rgGraph) bool {
		c := clamps[g.src.intn(len(clamps), "clamp bounds")]
		x := g.pick()
		if nearValue(g.vals[x], c[0]) || nearValue(g.vals[x], c[1]) {
			return false
		}
		g.unary("Clamp", fmt.Sprintf("Clamp[%g, %g]", c[0], c[1]), func(x *V) *V { return autograd.Clamp(x, c[0], c[1]) }, x)
		return true
	})

	// Reductions.
	reduction := func(name string, f func(x *V, axes ...int) *V, kinky bool) {
		addOp(name, func(g *rgGraph) bool {
			x := g.pick()
			if kinky && nearTieWithin(g.vals[x]) {
				return false
			}
			ax := g.axes(g.shape(x))
			g.add(name, fmt.Sprintf("%s(%s%s)", name, g.nm(x), axesText(ax)), func(a []*V) *V { return f(a[0], ax...) }, x)
			return true
		})
	}
	reduction("Sum", autograd.Sum[float64], false)
	reduction("SumKeepDims", autograd.SumKeepDims[float64], false)
	reduction("Mean", autograd.Mean[float64], false)
	reduction("MeanKeepDims", autograd.MeanKeepDims[float64], false)
	reduction("LogSumExp", autograd.LogSumExp[float64], false)
	reduction("LogSumExpKeepDims", autograd.LogSumExpKeepDims[float64], false)
	reduction("Max", autograd.Max[float64], true)
	reduction("MaxKeepDims", autograd.MaxKeepDims[float64], true)
	reduction("Min", autograd.Min[float64], true)
	reduction("MinKeepDims", autograd.MinKeepDims[float64], true)
	for _, name := range []string{"Variance", "Std"} {
		addOp(name, func(g *rgGraph) bool {
			x := g.pick()
			ax := g.axes(g.shape(x))
			corr := g.src.intn(2, "correction")
			if reducedCount(g.shape(x), ax)-corr < 1 {
				corr = 0
			}
			f := func(a []*V) *V { return autograd.Variance(a[0], corr, ax...) }
			if name == "Std" {
				// Std is singular where the variance is 0: use it only
				// where every slice varies.
				if minOf(autograd.Variance(autograd.Const(g.vals[x]), corr, ax...).Value()) < 0.01 {
					return false
				}
				f = func(a []*V) *V { return autograd.Std(a[0], corr, ax...) }
			}
			g.add(name, fmt.Sprintf("%s(%s, correction %d%s)", name, g.nm(x), corr, axesText(ax)), f, x)
			return true
		})
	}
	for _, name := range []string{"Softmax", "LogSoftmax"} {
		f := map[string]func(*V, int) *V{"Softmax": autograd.Softmax[float64], "LogSoftmax": autograd.LogSoftmax[float64]}[name]
		addOp(name, func(g *rgGraph) bool {
			x := g.atLeast1D(g.pick())
			ax := g.axis(len(g.shape(x)))
			g.add(name, fmt.Sprintf("%s(%s, axis %d)", name, g.nm(x), ax), func(a []*V) *V { return f(a[0], ax) }, x)
			return true
		})
	}

	// Linear algebra.
	addOp("MatMul", func(g *rgGraph) bool {
		a := g.atLeast1D(g.pick())
		as := g.shape(a)
		k := as[len(as)-1]
		n := 1 + g.src.intn(3, "n")
		var bs []int
		switch g.src.intn(3, "matmul form") {
		case 0: // b a vector: dot product or matrix-vector
			bs = []int{k}
		case 1: // b a matrix
			bs = []int{k, n}
		default: // b batched, broadcasting against a's batch axes
			var batch []int
			if len(as) > 2 {
				batch = g.partner(as[:len(as)-2])
			} else {
				batch = []int{1 + g.src.intn(3, "batch")}
			}
			bs = append(batch, k, n)
		}
		if numel(bs) > rgMaxElems {
			bs = []int{k}
		}
		b := g.operand(bs)
		if r := matmulSize(as, bs); r > rgMaxElems {
			return false
		}
		g.add("MatMul", fmt.Sprintf("MatMul(%s, %s)", g.nm(a), g.nm(b)), func(x []*V) *V { return autograd.MatMul(x[0], x[1]) }, a, b)
		return true
	})
	addOp("MatMulT", func(g *rgGraph) bool {
		a := g.pick()
		if len(g.shape(a)) < 2 {
			a = g.fit(a, []int{1 + g.src.intn(4, "rows"), 1 + g.src.intn(4, "cols")})
		}
		as := g.shape(a)
		r := len(as)
		ta, tb := g.src.intn(2, "transpose a") == 0, g.src.intn(2, "transpose b") == 0
		m, k := as[r-2], as[r-1]
		if ta {
			m, k = k, m
		}
		n := 1 + g.src.intn(3, "n")
		b2 := []int{k, n}
		if tb {
			b2 = []int{n, k}
		}
		var batch []int
		if g.src.intn(2, "batched b") == 0 {
			if r > 2 {
				batch = g.partner(as[:r-2])
			} else {
				batch = []int{1 + g.src.intn(3, "batch")}
			}
		}
		bs := append(batch, b2...)
		outBatch, _ := tensor.BroadcastShapes(as[:r-2], batch)
		if numel(bs) > rgMaxElems || numel(outBatch)*m*n > rgMaxElems {
			return false
		}
		b := g.operand(bs)
		g.add("MatMulT", fmt.Sprintf("MatMulT(%s, %s, transA=%v, transB=%v)", g.nm(a), g.nm(b), ta, tb),
			func(x []*V) *V { return autograd.MatMulT(x[0], x[1], ta, tb) }, a, b)
		return true
	})
	addOp("Linear", func(g *rgGraph) bool {
		x := g.matrix(g.pick())
		xs := g.shape(x)
		out := 1 + g.src.intn(3, "out features")
		if xs[0]*out > rgMaxElems || out*xs[1] > rgMaxElems {
			return false
		}
		args := []int{x, g.operand([]int{out, xs[1]})}
		if g.src.intn(2, "bias") == 0 {
			args = append(args, g.operand([]int{out}))
		}
		g.add("Linear", fmt.Sprintf("Linear(%s)", g.names(args)), linearOf[float64], args...)
		return true
	})
	addOp("Transpose", func(g *rgGraph) bool {
		g.unary("Transpose", "Transpose", autograd.Transpose[float64], g.matrix(g.pick()))
		return true
	})

	// Shape ops.
	addOp("Reshape", func(g *rgGraph) bool {
		x := g.pick()
		s := g.factorShape(numel(g.shape(x)))
		g.add("Reshape", fmt.Sprintf("Reshape(%s, %s)", g.nm(x), ints(s)), func(a []*V) *V { return autograd.Reshape(a[0], s...) }, x)
		return true
	})
	addOp("Permute", func(g *rgGraph) bool {
		x := g.pick()
		r := len(g.shape(x))
		perm := make([]int, r)
		for k := range perm {
			perm[k] = k
		}
		for k := r - 1; k > 0; k-- {
			j := g.src.intn(k+1, "permutation")
			perm[k], perm[j] = perm[j], perm[k]
		}
		for k := range perm {
			if g.src.intn(3, "negative axis") == 0 {
				perm[k] -= r
			}
		}
		g.add("Permute", fmt.Sprintf("Permute(%s, %s)", g.nm(x), ints(perm)), func(a []*V) *V { return autograd.Permute(a[0], perm...) }, x)
		return true
	})
	addOp("Squeeze", func(g *rgGraph) bool {
		x := g.pick()
		s := g.shape(x)
		var ones []int
		for k, d := range s {
			if d == 1 {
				ones = append(ones, k)
			}
		}
		if len(ones) == 0 {
			return false
		}
		var ax []int // none: every size-1 axis
		if g.src.intn(2, "squeeze all") == 0 {
			for _, k := range ones {
				if g.src.intn(2, "squeeze axis") == 0 {
					if g.src.intn(2, "negative axis") == 0 {
						k -= len(s)
					}
					ax = append(ax, k)
				}
			}
		}
		g.add("Squeeze", fmt.Sprintf("Squeeze(%s, axes %v)", g.nm(x), ax), func(a []*V) *V { return autograd.Squeeze(a[0], ax...) }, x)
		return true
	})
	addOp("Unsqueeze", func(g *rgGraph) bool {
		x := g.pick()
		r := len(g.shape(x))
		ax := g.src.intn(2*r+2, "axis") - (r + 1) // -(r+1) … r
		g.add("Unsqueeze", fmt.Sprintf("Unsqueeze(%s, %d)", g.nm(x), ax), func(a []*V) *V { return autograd.Unsqueeze(a[0], ax) }, x)
		return true
	})
	for _, name := range []string{"Expand", "BroadcastTo"} {
		addOp(name, func(g *rgGraph) bool {
			x := g.pick()
			s := g.shape(x)
			lead := make([]int, g.src.intn(3, "new leading axes"))
			for k := range lead {
				lead[k] = 1 + g.src.intn(3, "dim")
			}
			target := append(lead, s...)
			for k, d := range s {
				if d == 1 {
					target[len(lead)+k] = 1 + g.src.intn(3, "expanded dim")
				}
			}
			if numel(target) > rgMaxElems {
				return false
			}
			arg := slices.Clone(target)
			if name == "Expand" {
				for k := len(lead); k < len(arg); k++ {
					if arg[k] == s[k-len(lead)] && g.src.intn(2, "-1") == 0 {
						arg[k] = -1
					}
				}
				g.add(name, fmt.Sprintf("Expand(%s, %s)", g.nm(x), ints(arg)), func(a []*V) *V { return autograd.Expand(a[0], arg...) }, x)
			} else {
				g.add(name, fmt.Sprintf("BroadcastTo(%s, %s)", g.nm(x), ints(arg)), func(a []*V) *V { return autograd.BroadcastTo(a[0], arg...) }, x)
			}
			return true
		})
	}
	addOp("SumTo", func(g *rgGraph) bool {
		x := g.pick()
		s := g.shape(x)
		target := slices.Clone(s[g.src.intn(len(s)+1, "drop leading axes"):])
		for k := range target {
			if g.src.intn(2, "size-1 axis") == 0 {
				target[k] = 1
			}
		}
		g.add("SumTo", fmt.Sprintf("SumTo(%s, %s)", g.nm(x), ints(target)), func(a []*V) *V { return autograd.SumTo(a[0], target...) }, x)
		return true
	})
	addOp("Slice", func(g *rgGraph) bool {
		x := g.pick()
		s := g.shape(x)
		rs := make([]autograd.Range, g.src.intn(len(s)+1, "sliced axes"))
		for k := range rs {
			rs[k] = g.randRange(s[k])
		}
		g.add("Slice", fmt.Sprintf("Slice(%s, %s)", g.nm(x), rangesText(rs)), func(a []*V) *V { return autograd.Slice(a[0], rs...) }, x)
		return true
	})
	addOp("Pad", func(g *rgGraph) bool {
		x := g.pick()
		s := g.shape(x)
		widths := make([][2]int, len(s))
		out := slices.Clone(s)
		for k := range widths {
			widths[k] = [2]int{g.src.intn(3, "pad before"), g.src.intn(3, "pad after")}
			out[k] += widths[k][0] + widths[k][1]
		}
		if numel(out) > rgMaxElems {
			return false
		}
		v := []float64{0, 0.5, -1}[g.src.intn(3, "pad value")]
		g.add("Pad", fmt.Sprintf("Pad(%s, %v, %g)", g.nm(x), widths, v), func(a []*V) *V { return autograd.Pad(a[0], widths, v) }, x)
		return true
	})
	addOp("Concat", func(g *rgGraph) bool {
		x := g.atLeast1D(g.pick())
		s := g.shape(x)
		ax := g.axis(len(s))
		axp := ax
		if axp < 0 {
			axp += len(s)
		}
		args := []int{x}
		total := s[axp]
		for range 1 + g.src.intn(2, "more operands") {
			o := slices.Clone(s)
			o[axp] = 1 + g.src.intn(3, "size along axis")
			total += o[axp]
			args = append(args, g.operand(o))
		}
		if numel(s)/s[axp]*total > rgMaxElems {
			return false
		}
		pos := g.src.intn(len(args), "position of the first operand")
		args[0], args[pos] = args[pos], args[0]
		g.add("Concat", fmt.Sprintf("Concat(%d, %s)", ax, g.names(args)), func(a []*V) *V { return autograd.Concat(ax, a...) }, args...)
		return true
	})
	addOp("Stack", func(g *rgGraph) bool {
		x := g.pick()
		s := g.shape(x)
		args := []int{x}
		for range 1 + g.src.intn(2, "more operands") {
			args = append(args, g.operand(s))
		}
		if numel(s)*len(args) > rgMaxElems {
			return false
		}
		r := len(s)
		ax := g.src.intn(2*r+2, "axis") - (r + 1)
		g.add("Stack", fmt.Sprintf("Stack(%d, %s)", ax, g.names(args)), func(a []*V) *V { return autograd.Stack(ax, a...) }, args...)
		return true
	})
	addOp("Split", func(g *rgGraph) bool {
		x := g.pick()
		s := g.shape(x)
		var splittable []int
		for k, d := range s {
			if d >= 2 {
				splittable = append(splittable, k)
			}
		}
		if len(splittable) == 0 {
			x = g.fit(x, []int{2 + g.src.intn(3, "length")})
			s, splittable = g.shape(x), []int{0}
		}
		ax := splittable[g.src.intn(len(splittable), "axis")]
		n := s[ax]
		var sizes []int
		for rest := n; rest > 0; {
			p := 1 + g.src.intn(rest, "piece size")
			if len(sizes) == 0 && p == n {
				p = n - 1 // at least two pieces
			}
			sizes = append(sizes, p)
			rest -= p
		}
		if g.src.intn(2, "negative axis") == 0 {
			ax -= len(s)
		}
		if g.src.intn(2, "one piece or all") == 0 {
			k := g.src.intn(len(sizes), "piece")
			g.add("Split", fmt.Sprintf("Split(%s, %d, %v)[%d]", g.nm(x), ax, sizes, k), func(a []*V) *V { return autograd.Split(a[0], ax, sizes...)[k] }, x)
		} else {
			g.add("Split", fmt.Sprintf("Concat(%d, reversed Split(%s, %d, %v))", ax, g.nm(x), ax, sizes), func(a []*V) *V {
				ps := autograd.Split(a[0], ax, sizes...)
				slices.Reverse(ps)
				return autograd.Concat(ax, ps...)
			}, x)
		}
		return true
	})
	addOp("IndexSelect", func(g *rgGraph) bool {
		x := g.atLeast1D(g.pick())
		s := g.shape(x)
		ax := g.axis(len(s))
		axp := ax
		if axp < 0 {
			axp += len(s)
		}
		idx := make([]int, 1+g.src.intn(4, "indices"))
		for k := range idx {
			idx[k] = g.src.intn(s[axp], "index")
		}
		if numel(s)/s[axp]*len(idx) > rgMaxElems {
			return false
		}
		g.add("IndexSelect", fmt.Sprintf("IndexSelect(%s, %d, %v)", g.nm(x), ax, idx), func(a []*V) *V { return autograd.IndexSelect(a[0], ax, idx) }, x)
		return true
	})

	// Convolution and pooling on NCHW tensors.
	addOp("Conv2D", func(g *rgGraph) bool {
		x := g.nchw()
		xs := g.shape(x)
		var o autograd.Conv2DOptions
		oc := 1 + g.src.intn(2, "out channels")
		kh, kw := 1+g.src.intn(3, "kernel h"), 1+g.src.intn(3, "kernel w")
		for d := range 2 {
			o.Stride[d] = g.src.intn(3, "stride")
			o.Padding[d] = g.src.intn(2, "padding")
			o.Dilation[d] = g.src.intn(3, "dilation")
		}
		fitK := func(k, size, pad, dil int) int {
			dil = max(dil, 1)
			for k > 1 && dil*(k-1)+1 > size+2*pad {
				k--
			}
			return k
		}
		kh, kw = fitK(kh, xs[2], o.Padding[0], o.Dilation[0]), fitK(kw, xs[3], o.Padding[1], o.Dilation[1])
		outSize := func(size, k, pad, dil, stride int) int {
			return (size+2*pad-max(dil, 1)*(k-1)-1)/max(stride, 1) + 1
		}
		oh := outSize(xs[2], kh, o.Padding[0], o.Dilation[0], o.Stride[0])
		ow := outSize(xs[3], kw, o.Padding[1], o.Dilation[1], o.Stride[1])
		if xs[0]*oc*oh*ow > rgMaxElems {
			return false
		}
		w := g.operand([]int{oc, xs[1], kh, kw})
		args := []int{x, w}
		bias := g.src.intn(2, "bias") == 0
		if bias {
			args = append(args, g.operand([]int{oc}))
		}
		text := fmt.Sprintf("Conv2D(%s, %+v)", g.names(args), o)
		g.add("Conv2D", text, func(a []*V) *V {
			var b *V
			if bias {
				b = a[2]
			}
			return autograd.Conv2D(a[0], a[1], b, o)
		}, args...)
		return true
	})
	for _, name := range []string{"MaxPool2D", "AvgPool2D"} {
		addOp(name, func(g *rgGraph) bool {
			x := g.nchw()
			xs := g.shape(x)
			var kernel, stride, pad [2]int
			for d := range 2 {
				kernel[d] = 1 + g.src.intn(min(3, xs[2+d]), "kernel")
				stride[d] = g.src.intn(3, "stride")
				pad[d] = g.src.intn(kernel[d]/2+1, "padding")
			}
			oh := (xs[2]+2*pad[0]-kernel[0])/cmp.Or(stride[0], kernel[0]) + 1
			ow := (xs[3]+2*pad[1]-kernel[1])/cmp.Or(stride[1], kernel[1]) + 1
			if xs[0]*xs[1]*oh*ow > rgMaxElems {
				return false
			}
			if name == "MaxPool2D" {
				if nearTieWithin(g.vals[x]) {
					return false
				}
				g.add(name, fmt.Sprintf("MaxPool2D(%s, kernel %v, stride %v, padding %v)", g.nm(x), kernel, stride, pad),
					func(a []*V) *V { return autograd.MaxPool2D(a[0], kernel, stride, pad) }, x)
			} else {
				g.add(name, fmt.Sprintf("AvgPool2D(%s, kernel %v, stride %v, padding %v)", g.nm(x), kernel, stride, pad),
					func(a []*V) *V { return autograd.AvgPool2D(a[0], kernel, stride, pad) }, x)
			}
			return true
		})
	}

	// Losses, with every reduction (ReduceNone keeps them elementwise, so
	// they can sit in the middle of a graph).
	pair := func(name string, f func(p, t *V, r autograd.Reduction) *V, check func(g *rgGraph, p, t int) bool) {
		addOp(name, func(g *rgGraph) bool {
			p := g.pick()
			t := g.operand(g.shape(p))
			if name == "BCE" {
				p = g.unary("Sigmoid", "Sigmoid", autograd.Sigmoid[float64], p)
				t = g.unary("Sigmoid", "Sigmoid", autograd.Sigmoid[float64], t)
			}
			if check != nil && !check(g, p, t) {
				return false
			}
			r := autograd.Reduction(g.src.intn(3, "reduction"))
			g.add(name, fmt.Sprintf("%s(%s, %s, %v)", name, g.nm(p), g.nm(t), r), func(a []*V) *V { return f(a[0], a[1], r) }, p, t)
			return true
		})
	}
	pair("MSE", func(p, t *V, r autograd.Reduction) *V { return autograd.MSE(p, t, r) }, nil)
	pair("L1", func(p, t *V, r autograd.Reduction) *V { return autograd.L1(p, t, r) }, func(g *rgGraph, p, t int) bool {
		return !nearTie(g.vals[p], g.vals[t])
	})
	for _, delta := range []float64{0.5, 1} {
		pair("Huber", func(p, t *V, r autograd.Reduction) *V { return autograd.Huber(p, t, delta, r) }, func(g *rgGraph, p, t int) bool {
			d := tensor.Abs(tensor.Sub(g.vals[p], g.vals[t]))
			return !nearValue(d, delta)
		})
	}
	pair("BCE", func(p, t *V, r autograd.Reduction) *V { return autograd.BCE(p, t, r) }, nil)
	pair("BCEWithLogits", func(p, t *V, r autograd.Reduction) *V { return autograd.BCEWithLogits(p, t, r) }, nil)
	for _, name := range []string{"CrossEntropy", "NLL"} {
		f := map[string]func(*V, []int, ...autograd.Reduction) *V{"CrossEntropy": autograd.CrossEntropy[float64], "NLL": autograd.NLL[float64]}[name]
		addOp(name, func(g *rgGraph) bool {
			x, labels := g.logits(g.pick())
			r := autograd.Reduction(g.src.intn(3, "reduction"))
			g.add(name, fmt.Sprintf("%s(%s, labels %v, %v)", name, g.nm(x), labels, r), func(a []*V) *V { return f(a[0], labels, r) }, x)
			return true
		})
	}
	return ops
}

// nchw returns a 4-D [N C H W] node: an existing one or one fitted from
// any node.
func (g *rgGraph) nchw() int {
	x := g.pick()
	if len(g.shape(x)) == 4 && g.src.intn(2, "use 4-D node") == 0 {
		return x
	}
	return g.fit(x, []int{1 + g.src.intn(2, "N"), 1 + g.src.intn(2, "C"), 2 + g.src.intn(3, "H"), 2 + g.src.intn(3, "W")})
}

// logits returns node x, fitted to [N C] or [C] unless it has one of those
// shapes already, and class labels for it.
func (g *rgGraph) logits(x int) (int, []int) {
	s := g.shape(x)
	if !(len(s) == 2 || len(s) == 1) || g.src.intn(3, "refit logits") == 0 {
		s = []int{2 + g.src.intn(3, "classes")}
		if g.src.intn(2, "batch of samples") == 0 {
			s = []int{1 + g.src.intn(3, "samples"), 2 + g.src.intn(3, "classes")}
		}
		x = g.fit(x, s)
	}
	n, c := 1, s[len(s)-1]
	if len(s) == 2 {
		n = s[0]
	}
	labels := make([]int, n)
	for k := range labels {
		labels[k] = g.src.intn(c, "label")
	}
	return x, labels
}

// randRange draws a non-empty Range over an axis of size n, in the many
// spellings Python allows (negative start, negative or past-the-end stop,
// End, steps 1 to 3).
func (g *rgGraph) randRange(n int) autograd.Range {
	step := 1 + g.src.intn(3, "step")
	start := g.src.intn(n, "start")
	count := 1 + g.src.intn((n-1-start)/step+1, "count")
	stop := start + (count-1)*step + 1
	switch g.src.intn(4, "stop spelling") {
	case 0:
		if stop == n || start+count*step >= n {
			stop = tensor.End
		}
	case 1:
		if stop < n {
			stop -= n // negative, counting from the end
		}
	case 2:
		if start+count*step >= n {
			stop = n + 3 // past the end, clamped
		}
	}
	if g.src.intn(2, "negative start") == 0 {
		start -= n
	}
	return autograd.Range{Start: start, Stop: stop, Step: step}
}

// factorShape draws a shape with n elements, of rank 0 (only for n = 1) to 4.
func (g *rgGraph) factorShape(n int) []int {
	var primes []int
	for m, p := n, 2; m > 1; {
		if m%p == 0 {
			primes = append(primes, p)
			m /= p
		} else {
			p++
		}
	}
	rank := g.src.intn(3, "rank") + 1
	if n == 1 && g.src.intn(2, "0-d") == 0 {
		return []int{}
	}
	s := make([]int, rank)
	for k := range s {
		s[k] = 1
	}
	for _, p := range primes {
		s[g.src.intn(rank, "factor")] *= p
	}
	if g.src.intn(3, "extra size-1 axis") == 0 {
		s = slices.Insert(s, g.src.intn(len(s)+1, "where"), 1)
	}
	if g.src.intn(2, "-1") == 0 {
		s[g.src.intn(len(s), "which -1")] = -1
	}
	return s
}

// finish reduces the last node to the graph's output: a sum, a mean, the
// node itself when it is small, or a loss. Before that, the nodes nothing
// uses (dangling branches, unused inputs) are usually added in, up to four
// of them, each as Mean(x): a 0-d broadcast. Otherwise they stay dead, and
// an input the output does not reach must get a zero gradient.
func (g *rgGraph) finish() {
	out := g.last()
	if g.src.intn(3, "leave dangling nodes") != 0 {
		used := make([]bool, len(g.vals))
		for _, s := range g.steps {
			for _, a := range s.args {
				used[a] = true
			}
		}
		added := 0
		for i := out - 1; i >= 0 && added < 4; i-- {
			if used[i] {
				continue
			}
			m := g.add("Mean", fmt.Sprintf("Mean(%s)", g.nm(i)), func(a []*V) *V { return autograd.Mean(a[0]) }, i)
			out = g.add("Add", fmt.Sprintf("Add(%s, %s)", g.nm(out), g.nm(m)), func(a []*V) *V { return autograd.Add(a[0], a[1]) }, out, m)
			added++
		}
	}
	switch g.src.intn(4, "output") {
	case 0:
		out = g.add("Sum", fmt.Sprintf("Sum(%s)", g.nm(out)), func(a []*V) *V { return autograd.Sum(a[0]) }, out)
	case 1:
		out = g.add("Mean", fmt.Sprintf("Mean(%s)", g.nm(out)), func(a []*V) *V { return autograd.Mean(a[0]) }, out)
	case 2:
		if numel(g.shape(out)) > rgSmallOutput {
			out = g.add("Sum", fmt.Sprintf("Sum(%s)", g.nm(out)), func(a []*V) *V { return autograd.Sum(a[0]) }, out)
		}
	default:
		r := autograd.Reduction(g.src.intn(2, "reduction")) // mean or sum
		switch g.src.intn(3, "loss") {
		case 0:
			t := g.operand(g.shape(out))
			out = g.add("MSE", fmt.Sprintf("MSE(%s, %s, %v)", g.nm(out), g.nm(t), r), func(a []*V) *V { return autograd.MSE(a[0], a[1], r) }, out, t)
		case 1:
			t := g.operand(g.shape(out))
			out = g.add("BCEWithLogits", fmt.Sprintf("BCEWithLogits(%s, %s, %v)", g.nm(out), g.nm(t), r), func(a []*V) *V { return autograd.BCEWithLogits(a[0], a[1], r) }, out, t)
		default:
			x, labels := g.logits(out)
			out = g.add("CrossEntropy", fmt.Sprintf("CrossEntropy(%s, labels %v, %v)", g.nm(x), labels, r), func(a []*V) *V { return autograd.CrossEntropy(a[0], labels, r) }, x)
		}
	}
	g.out = out
}

// rgGenerate builds a random graph from src. force, when not negative, is
// the index in rgOps of the first op. A panic while building (an op that
// panics on arguments the generator thinks valid, or a non-finite value)
// is returned as an error that shows the graph so far.
func rgGenerate(src chooser, force int) (g *rgGraph, err error) {
	g = &rgGraph{src: src, applied: make(map[string]int)}
	defer func() {
		if r := recover(); r != nil {
			g.out = max(g.last(), 0)
			if len(g.vals) == 0 {
				err = fmt.Errorf("building the graph panicked: %v", r)
				return
			}
			err = fmt.Errorf("building the graph panicked at %s: %v\ngraph so far:\n%s", g.pending, r, g)
		}
	}()
	nIn := 1 + src.intn(3, "inputs")
	for i := range nIn {
		shape := g.randShape(rgMaxInputElems)
		seed := src.seed("input data")
		rng := newRand(seed)
		x := tensor.Zeros[float64](shape...)
		for k := range x.Data() {
			x.Data()[k] = -2 + 4*rng.Float64()
		}
		g.inputs = append(g.inputs, x)
		g.seeds = append(g.seeds, seed)
		g.vals = append(g.vals, x)
		g.deps = append(g.deps, 1<<i)
	}
	nOps := 1 + src.intn(rgMaxOps, "ops")
	for k := range nOps {
		op := src.intn(len(rgOps), "op")
		if k == 0 && force >= 0 {
			op = force
		}
		if !rgOps[op].build(g) {
			g.unary("Tanh", "Tanh", autograd.Tanh[float64], g.last())
		}
		g.rescale(g.last())
	}
	g.finish()
	return g, nil
}

// live reports which nodes the output depends on.
func (g *rgGraph) live() []bool {
	live := make([]bool, len(g.vals))
	live[g.out] = true
	for i := g.out; i >= g.nIn(); i-- {
		if live[i] {
			for _, a := range g.steps[i-g.nIn()].args {
				live[a] = true
			}
		}
	}
	return live
}

// eval replays the graph on x, one Var per input: the function checked.
func (g *rgGraph) eval(x []*V) *V {
	live := g.live()
	vs := make([]*V, len(g.vals))
	copy(vs, x)
	for k, s := range g.steps {
		i := g.nIn() + k
		if !live[i] {
			continue
		}
		args := make([]*V, len(s.args))
		for j, a := range s.args {
			args[j] = vs[a]
		}
		vs[i] = s.f(args)
	}
	return vs[g.out]
}

// String prints the graph as a program: the inputs with their values, then
// the steps the output depends on, each with its shape.
func (g *rgGraph) String() string {
	var b strings.Builder
	for i, x := range g.inputs {
		fmt.Fprintf(&b, "  x%d %v (seed %d) = %s\n", i, x.Shape(), g.seeds[i], compact(x))
	}
	live := g.live()
	for k, s := range g.steps {
		i := g.nIn() + k
		if !live[i] {
			continue
		}
		line := fmt.Sprintf("  %s = %s", g.nm(i), s.text)
		fmt.Fprintf(&b, "%-60s %v\n", line, g.shape(i))
	}
	if g.pending != "" {
		fmt.Fprintf(&b, "  (building) %s\n", g.pending)
	}
	fmt.Fprintf(&b, "  output %s %v", g.nm(g.out), g.shape(g.out))
	return b.String()
}

// rgResult is the outcome of checking one graph.
type rgResult struct {
	skip string // why the case was discarded (a kink), or ""
	err  error
}

// rgCheck checks the properties of one graph (see the top of the file).
func rgCheck(g *rgGraph, gradgrad bool) rgResult {
	f := gradcheck.Func(g.eval)
	if _, err := gradcheck.Check(f, g.inputs); err != nil {
		var ge *gradcheck.Error
		if errors.As(err, &ge) && ge.Report.Worst != nil {
			if kink, why := rgKinkAt(g, ge.Report.Worst); kink {
				return rgResult{skip: why}
			}
		}
		return rgResult{err: fmt.Errorf("%w\ngraph:\n%s", err, g)}
	}
	if err := rgBackwardMatchesGrad(g); err != nil {
		return rgResult{err: fmt.Errorf("%w\ngraph:\n%s", err, g)}
	}
	if gradgrad {
		if _, err := gradcheck.GradGradCheck(f, g.inputs); err != nil {
			return rgResult{err: fmt.Errorf("%w\ngraph:\n%s", err, g)}
		}
	}
	return rgResult{}
}

// rgGradGradSize says whether a graph is small enough for GradGradCheck,
// whose cost grows with the product of input and output sizes.
func (g *rgGraph) smallForGradGrad() bool {
	n := 0
	for _, x := range g.inputs {
		n += x.Len()
	}
	return n <= 16 && g.vals[g.out].Len() <= 4
}

// rgKinkAt tells whether a failing element of the Jacobian sits at a kink
// of the function: its one-sided differences, with the same step as the
// check, disagree. Such a point is not a counterexample (no derivative
// exists there); a wrong derivative fails at smooth points too.
func rgKinkAt(g *rgGraph, w *gradcheck.Element) (bool, string) {
	const h = 1e-6
	xs := make([]*tensor.Tensor[float64], g.nIn())
	for i, x := range g.inputs {
		xs[i] = x.Clone()
	}
	flatIn := flatIndex(w.Index, g.inputs[w.Input].Shape())
	at := func(delta float64) float64 {
		d := xs[w.Input].Data()
		orig := d[flatIn]
		d[flatIn] = orig + delta
		vs := make([]*V, len(xs))
		for i, x := range xs {
			vs[i] = autograd.Const(x)
		}
		out := g.eval(vs).Value()
		d[flatIn] = orig
		return out.Data()[flatIndex(w.Output, out.Shape())]
	}
	f0 := at(0)
	fwd, bwd := (at(h)-f0)/h, (f0-at(-h))/h
	if math.Abs(fwd-bwd) > 1e-3*(1+math.Max(math.Abs(fwd), math.Abs(bwd))) {
		return true, fmt.Sprintf("kink: one-sided differences %g and %g at input %d element %v", fwd, bwd, w.Input, w.Index)
	}
	return false, ""
}

// rgBackwardMatchesGrad checks that Grad and Backward agree bit for bit,
// that a second Backward doubles .Grad() exactly, and that Grad with
// CreateGraph returns the same values.
func rgBackwardMatchesGrad(g *rgGraph) error {
	params := func() []*V {
		ps := make([]*V, g.nIn())
		for i, x := range g.inputs {
			ps[i] = autograd.Param(x.Clone())
		}
		return ps
	}
	scalar := func(ps []*V) *V {
		out := g.eval(ps)
		if out.Value().Len() != 1 {
			out = autograd.Sum(out)
		}
		return out
	}
	zeros := func(i int) *tensor.Tensor[float64] { return tensor.Zeros[float64](g.inputs[i].Shape()...) }

	p1 := params()
	scalar(p1).Backward()
	backward := make([]*tensor.Tensor[float64], len(p1))
	for i, p := range p1 {
		backward[i] = zeros(i)
		if p.Grad() != nil {
			backward[i] = p.Grad().Clone()
		}
	}

	p2 := params()
	grads := autograd.Grad([]*V{scalar(p2)}, p2)
	for i := range p2 {
		if err := sameBits(grads[i].Value(), backward[i]); err != nil {
			return fmt.Errorf("Grad and Backward differ for input x%d: %v\nGrad:     %v\nBackward: %v", i, err, grads[i].Value(), backward[i])
		}
	}

	scalar(p1).Backward() // accumulates: .Grad() doubles, exactly
	for i, p := range p1 {
		got := zeros(i)
		if p.Grad() != nil {
			got = p.Grad()
		}
		want := tensor.Add(backward[i], backward[i])
		if err := sameBits(got, want); err != nil {
			return fmt.Errorf("a second Backward did not double .Grad() of x%d exactly: %v\ngot:  %v\nwant: %v", i, err, got, want)
		}
	}

	p3 := params()
	created := autograd.Grad([]*V{scalar(p3)}, p3, autograd.CreateGraph())
	for i := range p3 {
		if err := sameBits(created[i].Value(), grads[i].Value()); err != nil {
			return fmt.Errorf("Grad with CreateGraph differs from Grad for input x%d: %v\nCreateGraph: %v\nGrad:        %v", i, err, created[i].Value(), grads[i].Value())
		}
	}
	return nil
}

// sameBits compares two tensors exactly (shape, and every element's bits).
func sameBits(a, b *tensor.Tensor[float64]) error {
	if !tensor.SameShape(a.Shape(), b.Shape()) {
		return fmt.Errorf("shapes %v and %v", a.Shape(), b.Shape())
	}
	for k, x := range a.Data() {
		if y := b.Data()[k]; math.Float64bits(x) != math.Float64bits(y) {
			return fmt.Errorf("element %v: %.17g vs %.17g", unravelIndex(k, a.Shape()), x, y)
		}
	}
	return nil
}

// TestRandomGraphs is the property test: rapid generates random graphs
// and shrinks any failure to a small graph, printed as a program. It runs
// 500 cases (100 with -short: rapid divides by 5) from a fixed seed, about
// a second (four with -race), unless -rapid.checks, -rapid.seed (or
// RAPID_CHECKS, RAPID_SEED) say otherwise; for a longer random exploration
// run, for example,
//
//	go test ./autograd -run TestRandomGraphs -rapid.checks 5000 -rapid.seed 0
func TestRandomGraphs(t *testing.T) {
	rapidDefaults(t, map[string]string{"rapid.checks": "500", "rapid.seed": "20260601"})
	applied := make(map[string]int)
	cases, skipped, gradgrads := 0, 0, 0
	rapid.Check(t, func(rt *rapid.T) {
		src := rapidChooser{rt}
		g, err := rgGenerate(src, -1)
		if err != nil {
			rt.Fatal(err)
		}
		gradgrad := g.smallForGradGrad() && src.intn(3, "gradgradcheck") == 0
		res := rgCheck(g, gradgrad)
		switch {
		case res.err != nil:
			rt.Fatal(res.err)
		case res.skip != "":
			skipped++
			rt.Skip(res.skip)
		}
		cases++
		if gradgrad {
			gradgrads++
		}
		for op, n := range g.applied {
			applied[op] += n
		}
	})
	var never []string
	for _, op := range rgOps {
		if applied[op.name] == 0 && !slices.Contains(never, op.name) {
			never = append(never, op.name)
		}
	}
	t.Logf("%d graphs checked (%d of them also with GradGradCheck), %d discarded at a kink; ops never applied: %v", cases, gradgrads, skipped, never)
}

// rapidFlagsOnce records, before any test changes them, which rapid flags
// the command line or the environment set.
var rapidFlagsOnce = sync.OnceValue(func() map[string]bool {
	set := make(map[string]bool)
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for name, env := range map[string]string{"rapid.checks": "RAPID_CHECKS", "rapid.seed": "RAPID_SEED"} {
		if _, ok := os.LookupEnv(env); ok {
			set[name] = true
		}
	}
	return set
})

// rapidDefaults sets rapid's flags to the given values for the duration of
// the test, unless the user set them on the command line or in the
// environment. rapid reads them when Check runs.
func rapidDefaults(t *testing.T, values map[string]string) {
	userSet := rapidFlagsOnce()
	for name, v := range values {
		if userSet[name] {
			continue
		}
		old := flag.Lookup(name).Value.String()
		if err := flag.Set(name, v); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = flag.Set(name, old) })
	}
}

// TestRandomGraphEachOp makes every op of the op list the first op of a
// few random graphs (from fixed bytes) and checks them, so that each op is
// exercised in every run whatever rapid draws.
func TestRandomGraphEachOp(t *testing.T) {
	seeds := 4
	if testing.Short() {
		seeds = 2
	}
	for i, op := range rgOps {
		t.Run(fmt.Sprintf("%02d_%s", i, op.name), func(t *testing.T) {
			applied := 0
			for s := 0; applied < seeds && s < 20*seeds; s++ {
				rng := newRand(uint64(1000*i + s))
				data := make([]byte, 512)
				for k := range data {
					data[k] = byte(rng.IntN(256))
				}
				g, err := rgGenerate(&byteChooser{data: data}, i)
				if err != nil {
					t.Fatal(err)
				}
				if g.applied[op.name] == 0 {
					continue // the op did not fit (an argument near a kink)
				}
				res := rgCheck(g, g.smallForGradGrad())
				if res.err != nil {
					t.Fatalf("seed %d: %v", s, res.err)
				}
				if res.skip == "" {
					applied++
				}
			}
			if applied < seeds {
				t.Errorf("%s was applied and checked in only %d graphs, want %d", op.name, applied, seeds)
			}
		})
	}
}

// TestRandomGraphOpsCoverOpTable fails when an exported op is missing from
// the generator's op list, or the list names something that is not an op.
func TestRandomGraphOpsCoverOpTable(t *testing.T) {
	listed := make(map[string]bool)
	for _, op := range rgOps {
		listed[op.name] = true
	}
	ops := exportedOps(t, ".")
	ops["Split"] = true // returns []*Var, so the enumeration leaves it out
	for _, op := range sortedKeys(ops) {
		if !listed[op] {
			t.Errorf("op %s is not in the random graph generator's op list: add it to rgOpList", op)
		}
	}
	for _, op := range sortedKeys(listed) {
		if !ops[op] {
			t.Errorf("the random graph op list has %q, which is not an exported op", op)
		}
	}
}

// TestRandomGraphPrints pins the program format of a failure message.
func TestRandomGraphPrints(t *testing.T) {
	g, err := rgGenerate(&byteChooser{data: []byte{0}}, -1)
	if err != nil {
		t.Fatal(err)
	}
	s := g.String()
	for _, want := range []string{"x0 [] (seed 0) = ", "n1 = Add(x0, x0)", "output n"} {
		if !strings.Contains(s, want) {
			t.Errorf("graph printed as\n%s\nwant it to contain %q", s, want)
		}
	}
}

// TestRandomGraphCatchesWrongDerivative makes sure the property can fail:
// a Function whose backward is off by a factor 2, dropped into a generated
// graph, must be reported, with the graph printed.
func TestRandomGraphCatchesWrongDerivative(t *testing.T) {
	double := &autograd.Function[float64]{
		Name:    "BadSquare",
		Forward: func(in ...*tensor.Tensor[float64]) *tensor.Tensor[float64] { return tensor.Mul(in[0], in[0]) },
		Backward: func(c *autograd.Context[float64], g *V) []*V {
			return []*V{autograd.Scale(autograd.Mul(g, c.Input(0)), 4)} // should be 2
		},
	}
	g, err := rgGenerate(&byteChooser{data: []byte{1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3}}, -1)
	if err != nil {
		t.Fatal(err)
	}
	g.add("", "BadSquare("+g.nm(g.out)+")", func(a []*V) *V { return autograd.Sum(double.Apply(a[0])) }, g.out)
	g.out = g.last()
	res := rgCheck(g, false)
	if res.err == nil || !errors.Is(res.err, gradcheck.ErrMismatch) || !strings.Contains(res.err.Error(), "BadSquare") {
		t.Fatalf("a doubled derivative was not reported with the graph: %+v", res)
	}
}

// Helpers on shapes and values.

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func maxAbs(x *tensor.Tensor[float64]) float64 {
	m := 0.0
	for _, v := range x.Data() {
		m = math.Max(m, math.Abs(v))
	}
	return m
}

func minOf(x *tensor.Tensor[float64]) float64 {
	m := math.Inf(1)
	for _, v := range x.Data() {
		m = math.Min(m, v)
	}
	return m
}

// nearValue reports whether an element of x is within rgKinkGap of k
// without being exactly k.
func nearValue(x *tensor.Tensor[float64], k float64) bool {
	for _, v := range x.Data() {
		if d := math.Abs(v - k); d > 0 && d < rgKinkGap {
			return true
		}
	}
	return false
}

// nearTie reports whether a and b (broadcast) come within rgKinkGap of
// each other somewhere without being equal.
func nearTie(a, b *tensor.Tensor[float64]) bool { return nearValue(tensor.Sub(a, b), 0) }

// nearTieWithin reports whether two elements of x are within rgKinkGap of
// each other without being equal: a conservative test for the ties of Max,
// Min and MaxPool2D, whatever the axes or windows.
func nearTieWithin(x *tensor.Tensor[float64]) bool {
	v := slices.Clone(x.Data())
	sort.Float64s(v)
	for k := 1; k < len(v); k++ {
		if d := v[k] - v[k-1]; d > 0 && d < rgKinkGap {
			return true
		}
	}
	return false
}

func matmulSize(as, bs []int) int {
	a2, b2 := as, bs
	if len(as) == 1 {
		a2 = []int{1, as[0]}
	}
	if len(bs) == 1 {
		b2 = []int{bs[0], 1}
	}
	batch, _ := tensor.BroadcastShapes(a2[:len(a2)-2], b2[:len(b2)-2])
	return numel(batch) * a2[len(a2)-2] * b2[len(b2)-1]
}

func divisors(n int) []int {
	var ds []int
	for d := 1; d <= n; d++ {
		if n%d == 0 {
			ds = append(ds, d)
		}
	}
	return ds
}

func flatIndex(idx, shape []int) int {
	k := 0
	for a, i := range idx {
		k = k*shape[a] + i
	}
	return k
}

func unravelIndex(k int, shape []int) []int {
	idx := make([]int, len(shape))
	for a := len(shape) - 1; a >= 0; a-- {
		idx[a] = k % shape[a]
		k /= shape[a]
	}
	return idx
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// axesText formats the axes of a reduction: "" for all of them.
func axesText(ax []int) string {
	if len(ax) == 0 {
		return ""
	}
	return fmt.Sprintf(", axes %v", ax)
}

func ints(s []int) string {
	if len(s) == 0 {
		return "[]"
	}
	return fmt.Sprint(s)
}

func (g *rgGraph) names(args []int) string {
	ns := make([]string, len(args))
	for k, a := range args {
		ns[k] = g.nm(a)
	}
	return strings.Join(ns, ", ")
}

func rangeText(r autograd.Range) string {
	stop := strconv.Itoa(r.Stop)
	if r.Stop == tensor.End {
		stop = "End"
	}
	return fmt.Sprintf("%d:%s:%d", r.Start, stop, r.Step)
}

func rangesText(rs []autograd.Range) string {
	ts := make([]string, len(rs))
	for k, r := range rs {
		ts[k] = rangeText(r)
	}
	return "[" + strings.Join(ts, ", ") + "]"
}

// compact formats a tensor's elements with 4 significant digits.
func compact(x *tensor.Tensor[float64]) string {
	ts := make([]string, x.Len())
	for k, v := range x.Data() {
		ts[k] = strconv.FormatFloat(v, 'g', 4, 64)
	}
	return "[" + strings.Join(ts, " ") + "]"
}
