package autograd_test

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"pgregory.net/rapid"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/tensor"
)

// This file checks random expression graphs: random ops from the whole op
// table (every differentiable op as the table declares it, and many at
// random shapes and arguments too), chained with fan-out (a node used by several later nodes) and
// reused inputs, over random shapes with broadcasting, size-1 axes and 0-d
// tensors. For every graph:
//
//  1. gradcheck.Check passes: the analytic Jacobian of the graph's output
//     (a scalar, or a small tensor) agrees with central finite differences;
//  2. Grad returns, bit for bit, what Backward accumulates into .Grad(); a
//     second Backward doubles it exactly; Grad with CreateGraph returns the
//     same values bit for bit;
//  3. forward mode agrees with reverse mode: ⟨u, J·t⟩ by JVP equals
//     Σ ⟨Jᵀ·u, t⟩ by VJP for random t and u, to rounding;
//  4. for a subset of small graphs, gradcheck.GradGradCheck passes.
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
// Every op's arguments are kept where the op is smooth, as its entry in the
// op table says (smoothArgs, property_kinks_test.go): an argument outside
// the op's Domain goes through lo + (hi-lo)·Sigmoid(x); the elements of
// each argument of an op with a Spread (Std, the norms, LayerNorm) are
// moved that far apart; and an argument of an op with Kinks (ReLU, Abs,
// Clamp at its bounds, Floor), the difference of the arguments of an op
// with TiesBetween (Maximum, L1, Huber) and the elements of one with
// TiesWithin (Max, Sort, MaxPool2D) are moved by constants until no
// element is within 1000 finite-difference steps of a kink or of another,
// ties included. An op with HiddenKinks (LinearReLU, Mod, a hinge loss)
// gets an independent perturbation on each input, and its graph is checked
// to first order only. Values larger than 4 are scaled back down by a
// constant. So a failure is a wrong derivative, not a kink. Should a
// first-order check still fail where the one-sided differences of the
// worst element disagree (a kink the table does not know, or a hidden
// one), the case is discarded rather than reported. A failing check is
// repeated at a quarter of the step (rgFiniteDiff): a chain of ops can
// make the higher derivatives, and so the finite differences' own error,
// large; an error that shrinks with the step is theirs, and a case where
// it has not yet shrunk into the tolerance is discarded too.

// V and the helpers newRand, exportedOps come from the other test files.

// rgResult is the outcome of checking one graph.
type rgResult struct {
	skip string // why the case was discarded (a kink), or ""
	err  error
}

// rgCheck checks the properties of one graph (see the top of the file).
func rgCheck(g *rgGraph, gradgrad bool) rgResult {
	f := gradcheck.Func(g.eval)
	unresolved, err := rgFiniteDiff(gradcheck.Check, f, g.inputs)
	if unresolved != "" {
		return rgResult{skip: unresolved}
	}
	if err != nil {
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
	if err := rgForwardMatchesReverse(g); err != nil {
		return rgResult{err: fmt.Errorf("%w\ngraph:\n%s", err, g)}
	}
	if gradgrad && len(g.firstOrder) == 0 {
		unresolved, err := rgFiniteDiff(gradcheck.GradGradCheck, f, g.inputs)
		if unresolved != "" {
			return rgResult{skip: "second order: " + unresolved}
		}
		if err != nil {
			return rgResult{err: fmt.Errorf("%w\ngraph:\n%s", err, g)}
		}
	}
	return rgResult{}
}

// rgFiniteDiff runs check (gradcheck.Check or GradGradCheck) at the step
// rgEps and, when that fails, again at rgEps/4. A central difference errs
// by a part that grows as the step squared times a higher derivative, which
// a chain of ops can make large (Prod of Prod of Prod: x^6^k), and none of
// that is the derivative's: at a quarter of the step it is a sixteenth,
// while a wrong derivative is as wrong as before. So it returns no error
// when the finer check passes; the first error when the finer one fails
// with a largest error above a quarter of the first (an error that does not
// shrink with the step); and otherwise, with no error, why the case cannot
// be decided at these steps (the error shrinks as a truncation error does,
// but not yet into the tolerance).
func rgFiniteDiff(check func(gradcheck.Func, []*tensor.Tensor[float64], ...gradcheck.Option) (gradcheck.Report, error), f gradcheck.Func, inputs []*tensor.Tensor[float64]) (unresolved string, err error) {
	coarse, err := check(f, inputs, gradcheck.Eps(rgEps))
	if err == nil {
		return "", nil
	}
	fine, ferr := check(f, inputs, gradcheck.Eps(rgEps/4))
	switch {
	case ferr == nil:
		return "", nil
	case fine.MaxAbsErr > coarse.MaxAbsErr/4:
		return "", err
	}
	return fmt.Sprintf("finite differences not converged: the largest error shrinks from %.3g at the step %g to %.3g at %g, as a truncation error does", coarse.MaxAbsErr, rgEps, fine.MaxAbsErr, rgEps/4), nil
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
	const h = rgEps
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

	// The recorded derivatives compose the same kernels as the fused ones,
	// except where a fused derivative is a vectorized kernel of its own
	// (GELU's, SiLU's, Erf's): those agree to a few ulps, so the two passes
	// are compared to 1e-12 of the gradient's largest element, far below
	// what any wrong derivative gives.
	// The scale is the largest gradient element of any input: an input
	// whose gradient cancels to rounding noise (a shift that a
	// normalization undoes) is compared with the terms that cancelled.
	p3 := params()
	created := autograd.Grad([]*V{scalar(p3)}, p3, autograd.CreateGraph())
	scale := 1.0
	for _, g := range grads {
		scale = max(scale, finiteMaxAbs(g.Value()))
	}
	for i := range p3 {
		if err := closeTo(created[i].Value(), grads[i].Value(), 1e-12*scale); err != nil {
			return fmt.Errorf("Grad with CreateGraph differs from Grad for input x%d: %v\nCreateGraph: %v\nGrad:        %v", i, err, created[i].Value(), grads[i].Value())
		}
	}
	return nil
}

// rgForwardMatchesReverse checks forward mode against reverse mode on the
// graph by the identity ⟨u, J·t⟩ = Σᵢ ⟨Jᵢᵀ·u, tᵢ⟩ for random tangents t and
// a random cotangent u: JVP and VJP compute the two sides through
// independent rules (each op's forward rule, its reverse derivative), and
// at a kink or tie both follow the op's documented subgradient, so they
// agree to rounding: 1e-9 of the sum of the products' magnitudes, plus
// 1e-12 per element for a sum that cancels (u and t are of order 1, and
// where J is 0 the other side may hold the rounding of terms that cancel).
func rgForwardMatchesReverse(g *rgGraph) error {
	f := func(xs ...*V) *V { return g.eval(xs) }
	rng := newRand(uint64(len(g.steps))*7 + uint64(g.nIn()))
	ts := make([]*tensor.Tensor[float64], g.nIn())
	for i, x := range g.inputs {
		ts[i] = tensor.RandUniform(rng, -1.0, 1.0, x.Shape()...)
	}
	val, jt := autograd.JVP(f, g.inputs, ts)
	u := tensor.RandUniform(rng, -1.0, 1.0, val.Shape()...)
	_, pull := autograd.VJP(f, g.inputs)
	vjps := pull(u)
	var lhs, rhs, scale float64
	n := jt.Len()
	for k, v := range jt.Data() {
		lhs += u.Data()[k] * v
		scale += math.Abs(u.Data()[k] * v)
	}
	for i, gi := range vjps {
		n += gi.Len()
		for k, v := range gi.Data() {
			rhs += v * ts[i].Data()[k]
			scale += math.Abs(v * ts[i].Data()[k])
		}
	}
	if math.IsNaN(lhs) && math.IsNaN(rhs) || math.IsInf(scale, 0) {
		return nil // a graph whose value overflows, checked by gradcheck
	}
	if !(math.Abs(lhs-rhs) <= 1e-9*scale+1e-12*float64(n)) {
		return fmt.Errorf("forward and reverse mode disagree: ⟨u, J·t⟩ = %.17g by JVP, Σ ⟨Jᵀ·u, t⟩ = %.17g by VJP (scale %.3g)", lhs, rhs, scale)
	}
	return nil
}

// finiteMaxAbs returns the largest magnitude of t's finite elements (0 for
// none).
func finiteMaxAbs(t *tensor.Tensor[float64]) float64 {
	m := 0.0
	for _, y := range t.Data() {
		if !math.IsInf(y, 0) && !math.IsNaN(y) {
			m = max(m, math.Abs(y))
		}
	}
	return m
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

// closeTo compares two tensors: same shape, NaN where the other is NaN,
// equal infinities, and finite elements within tol of each other.
func closeTo(a, b *tensor.Tensor[float64], tol float64) error {
	if !tensor.SameShape(a.Shape(), b.Shape()) {
		return fmt.Errorf("shapes %v and %v", a.Shape(), b.Shape())
	}
	for k, x := range a.Data() {
		y := b.Data()[k]
		switch {
		case math.IsNaN(x) || math.IsNaN(y):
			if math.IsNaN(x) != math.IsNaN(y) {
				return fmt.Errorf("element %v: %.17g vs %.17g", unravelIndex(k, a.Shape()), x, y)
			}
		case math.IsInf(x, 0) || math.IsInf(y, 0):
			if x != y {
				return fmt.Errorf("element %v: %.17g vs %.17g", unravelIndex(k, a.Shape()), x, y)
			}
		case math.Abs(x-y) > tol:
			return fmt.Errorf("element %v: %.17g vs %.17g (more than %.3g apart)", unravelIndex(k, a.Shape()), x, y, tol)
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
	t.Logf("%d graphs checked (%d of them also with GradGradCheck), %d discarded (at a kink, or not resolved by the finite differences); ops never applied: %v", cases, gradgrads, skipped, never)
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
	switch {
	case raceEnabled:
		// One graph per op: each op still runs (forward, backward and
		// finite differences) in every run, and the race detector, which
		// made the test 9 s long, checks nothing more in a second graph on
		// the same goroutine.
		seeds = 1
	case testing.Short():
		seeds = 2 // the plain go test checks 4 graphs per op
	}
	for i, op := range rgOps {
		t.Run(fmt.Sprintf("%03d_%s", i, op.label()), func(t *testing.T) {
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
					continue // the op did not fit the graph's shapes or values
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
				t.Errorf("%s was applied and checked in only %d graphs, want %d", op.label(), applied, seeds)
			}
		})
	}
}

// TestRandomGraphOpsCoverOpTable fails when a differentiable op of the op
// table has no entry as declared in the generator's op list (tableBuilder
// gives every one), when an entry is named after something that is not an
// op of the table, or when an exported op is not in the op table, where
// the generator would never find it.
func TestRandomGraphOpsCoverOpTable(t *testing.T) {
	declared := make(map[string]bool)
	for _, op := range rgOps {
		if _, ok := rgOpInfos[op.name]; !ok {
			t.Errorf("the random graph op list has %q, which is not an op of the op table", op.name)
		}
		if op.declared {
			declared[op.name] = true
		}
	}
	for _, op := range autograd.Ops() {
		if !op.Constant && !declared[op.Name] {
			t.Errorf("the differentiable op %s of the op table is not in the random graph generator's op list", op.Name)
		}
	}
	ops := exportedOps(t, ".")
	for name := range exportedSliceOps(t, ".") {
		ops[name] = true // Split, Argmax
	}
	for _, op := range sortedKeys(ops) {
		if _, ok := rgOpInfos[op]; !ok {
			t.Errorf("op %s is exported but not in the op table, so the random graphs never use it: declare it there", op)
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
