package autograd_test

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"pgregory.net/rapid"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// The random-graph generator (see property_test.go): the decisions' source,
// the graph, and how a graph is built, finished, replayed and printed.

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
	rgHardMaxElems  = 1024 // a tensor larger than this is a generator bug (an op as declared in the table makes up to 540)
	rgMaxInputElems = 24   // largest input
	rgMaxOps        = 10   // ops drawn from the op list per graph (adapters come on top)
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
	// firstOrder lists the ops with HiddenKinks, or not Smooth, that the
	// graph applies: it is then checked to first order only (see
	// smoothArgs).
	firstOrder []string
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
