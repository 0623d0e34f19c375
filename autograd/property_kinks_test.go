package autograd_test

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// Where each op is not smooth, and how the random-graph generator keeps
// its arguments away from there. rgSmoothness is the one place that knows;
// the builders of the op list call rgGraph.smoothArgs, which reads it.

const (
	// rgEps is the finite-difference step of the checks: gradcheck's
	// default, passed explicitly so that the margin below follows it.
	rgEps = 1e-6
	// rgKinkMargin is the distance, in steps rgEps, that every argument
	// keeps from a kink (and two compared elements from each other) at the
	// point checked. A step of rgEps in an input moves an intermediate
	// value by rgEps times its derivative, which the rescaled values keep
	// well below this margin, so neither the first- nor the second-order
	// finite differences straddle a kink.
	rgKinkMargin = 1000
	// rgUnitMaxAbs bounds the argument of the Sigmoid that puts an
	// argument in (0, 1): Sigmoid(4) is 0.982.
	rgUnitMaxAbs = 4
)

// rgTies says which elements an op compares with each other.
type rgTies int

const (
	rgNoTies      rgTies = iota
	rgTiesBetween        // its two arguments, elementwise after broadcasting
	rgTiesWithin         // elements of its one argument (a reduction or a pooling window)
)

// rgDomain is where an argument must lie for the op to be smooth with
// moderate derivatives. The zero value is anywhere.
type rgDomain struct {
	positive bool    // at least 0.25: Softplus(x)+0.25 unless it is already
	maxAbs   float64 // > 0: magnitude at most maxAbs: Tanh(x) unless it is already
	unit     bool    // in (0, 1): always Sigmoid(x), with |x| at most rgUnitMaxAbs
	aboveOne bool    // at least 1.25: Softplus(x)+1.25 unless it is already
}

// rgSmooth describes where one op is not twice differentiable, or where its
// derivatives blow up.
type rgSmooth struct {
	// kinks are the values of the argument where the op has a kink; with
	// rgTiesBetween, values of the difference a−b of its two arguments.
	kinks []float64
	// paramKinks says that the op's parameters, as its builder passes them
	// to smoothArgs, are kinks too: Clamp's bounds, Huber's ±delta.
	paramKinks bool
	ties       rgTies
	// domain is, argument by argument, where the op is smooth.
	domain []rgDomain
	// naturalParamAnywhere lifts the domain when the op's parameter (Pow's
	// exponent) is a natural number.
	naturalParamAnywhere bool
	// minVariance is, for Std and LayerNorm, the least variance of every
	// slice reduced or normalized (they are singular, or nearly, at 0);
	// smaller ones make the op not fit.
	minVariance float64
}

// rgSmoothness lists, by op name, every op of the op list that is not
// smooth everywhere and whose declaration in the op tables does not say so
// (see rgSmoothnessOf); an op not listed is smooth (Where, for one, selects
// by a constant mask). ELU has a kink at 0 for α ≠ 1 and a jump in its second
// derivative for α = 1; Huber's second derivative jumps at |a−b| = delta.
var rgSmoothness = map[string]rgSmooth{
	"Clamp":       {paramKinks: true},
	"Maximum":     {kinks: []float64{0}, ties: rgTiesBetween},
	"Minimum":     {kinks: []float64{0}, ties: rgTiesBetween},
	"L1":          {kinks: []float64{0}, ties: rgTiesBetween},
	"Huber":       {paramKinks: true, ties: rgTiesBetween},
	"Max":         {ties: rgTiesWithin},
	"MaxKeepDims": {ties: rgTiesWithin},
	"Min":         {ties: rgTiesWithin},
	"MinKeepDims": {ties: rgTiesWithin},
	"MaxPool2D":   {ties: rgTiesWithin},
	"Log1p":       {domain: []rgDomain{{positive: true}}},
	"Pow":         {domain: []rgDomain{{positive: true}}, naturalParamAnywhere: true},
	"Div":         {domain: []rgDomain{{}, {positive: true}}},
	"PowVar":      {domain: []rgDomain{{positive: true}, {maxAbs: 2}}},
	"Exp":         {domain: []rgDomain{{maxAbs: 3}}},
	"Expm1":       {domain: []rgDomain{{maxAbs: 3}}},
	"Sinh":        {domain: []rgDomain{{maxAbs: 3}}},
	"Cosh":        {domain: []rgDomain{{maxAbs: 3}}},
	"Tan":         {domain: []rgDomain{{maxAbs: 1.2}}}, // poles at ±π/2
	"BCE":         {domain: []rgDomain{{unit: true}, {unit: true}}},
	"Asin":        {domain: []rgDomain{{unit: true}}},
	"Acos":        {domain: []rgDomain{{unit: true}}},
	"Atanh":       {domain: []rgDomain{{unit: true}}},
	"Acosh":       {domain: []rgDomain{{aboveOne: true}}},
	"Std":         {minVariance: 0.01},
	"LayerNorm":   {minVariance: 0.01},
}

// rgSmoothnessOf returns where op is not smooth: its rgSmoothness entry,
// or, for an op of the op tables (autograd.Ops), what its declaration says:
// its kinks, and a positive domain when its checks draw positive inputs
// (Log, Sqrt).
func rgSmoothnessOf(op string) rgSmooth {
	if s, ok := rgSmoothness[op]; ok {
		return s
	}
	for _, info := range autograd.Ops() {
		if info.Name != op {
			continue
		}
		s := rgSmooth{kinks: info.Kinks}
		if info.Domain[0] > 0 {
			s.domain = []rgDomain{{positive: true}}
		}
		return s
	}
	return rgSmooth{}
}

// smoothArgs returns the arguments args of op moved into its domain and
// away from its kinks, as rgSmoothness says, by adapters added to the
// graph: first the domain's (which draw decisions), then, deterministically,
// a constant added to an argument so that no element comes within
// rgKinkMargin·rgEps of a kink, and no two compared elements within that of
// each other. params are the op's parameters (see rgSmooth).
func (g *rgGraph) smoothArgs(op string, params []float64, args ...int) []int {
	s := rgSmoothnessOf(op)
	args = slices.Clone(args)
	natural := len(params) == 1 && params[0] >= 0 && params[0] == math.Trunc(params[0])
	for k, d := range s.domain {
		switch {
		case s.naturalParamAnywhere && natural:
		case d.positive:
			args[k] = g.posify(args[k])
		case d.maxAbs > 0:
			args[k] = g.bounded(args[k], d.maxAbs)
		case d.unit:
			// Bounded first: the Sigmoid of a large argument is within
			// 1e-12 of 0 or 1, where BCE clamps (as PyTorch does) and
			// Asin's, Acos's and Atanh's derivatives blow up.
			args[k] = g.unary("Sigmoid", "Sigmoid", autograd.Sigmoid[float64], g.bounded(args[k], rgUnitMaxAbs))
		case d.aboveOne:
			args[k] = g.aboveOne(args[k])
		}
	}
	kinks := s.kinks
	if s.paramKinks {
		kinks = append(slices.Clone(kinks), params...)
	}
	const margin = rgKinkMargin * rgEps
	switch s.ties {
	case rgTiesWithin:
		args[0] = g.separate(args[0], margin)
	case rgTiesBetween:
		// a−(b−c) = (a−b)+c: shifting b down by c shifts the difference up.
		d := tensor.Sub(g.vals[args[0]], g.vals[args[1]])
		args[1] = g.shift(args[1], -rgShiftAway(d, kinks, margin))
	case rgNoTies:
		if len(kinks) > 0 {
			args[0] = g.shift(args[0], rgShiftAway(g.vals[args[0]], kinks, margin))
		}
	}
	return args
}

// rgShiftAway returns the constant c of least magnitude, a multiple of
// margin/2, such that every element of x+c is at least margin away from
// every kink: 0 when x already is.
func rgShiftAway(x *tensor.Tensor[float64], kinks []float64, margin float64) float64 {
	clear := func(c float64) bool {
		for _, v := range x.Data() {
			for _, k := range kinks {
				if math.Abs(v+c-k) < margin {
					return false
				}
			}
		}
		return true
	}
	// Each pair of an element and a kink rules out at most 4 candidates,
	// so the loop ends.
	for j := 0; ; j++ {
		for _, c := range []float64{float64(j) * margin / 2, -float64(j) * margin / 2} {
			if clear(c) {
				return c
			}
		}
	}
}

// shift returns node i plus the constant c, or i itself when c is 0.
func (g *rgGraph) shift(i int, c float64) int {
	if c == 0 {
		return i
	}
	return g.add("", fmt.Sprintf("Add(%s, %g)", g.nm(i), c), func(a []*V) *V {
		return autograd.Add(a[0], autograd.Scalar(c))
	}, i)
}

// separate returns node i with constants added to its elements so that any
// two of them are at least margin apart (the ones already apart are kept;
// in increasing order of value, then position, each element is raised to
// margin above the one before if it is closer), or i itself when they are.
func (g *rgGraph) separate(i int, margin float64) int {
	x := g.vals[i].Data()
	order := make([]int, len(x))
	for k := range order {
		order[k] = k
	}
	slices.SortStableFunc(order, func(p, q int) int { return cmp.Compare(x[p], x[q]) })
	c := make([]float64, len(x))
	moved := false
	for k := 1; k < len(order); k++ {
		prev, cur := order[k-1], order[k]
		if gap := x[cur] + c[cur] - (x[prev] + c[prev]); gap < margin {
			c[cur] = x[prev] + c[prev] + margin - x[cur]
			moved = true
		}
	}
	if !moved {
		return i
	}
	ct := tensor.MustNew(c, g.shape(i)...)
	return g.add("", fmt.Sprintf("Add(%s, %s)", g.nm(i), compact(ct)), func(a []*V) *V {
		return autograd.Add(a[0], autograd.Const(ct))
	}, i)
}

// TestSmoothArgsAvoidsKinks puts arguments exactly at, or within rgEps of,
// each kind of kink the table knows (a value, a parameter, a tie between
// arguments, a tie within one), and requires that smoothArgs moves them at
// least the margin away, and that the graph op(args) then passes the checks
// of the random graphs, GradGradCheck included, while the same graph
// without smoothArgs does not (so every row is a false alarm avoided). The
// first row is the one FuzzRandomGraph found: Minimum of two inputs drawn
// from the same seed.
func TestSmoothArgsAvoidsKinks(t *testing.T) {
	const margin = rgKinkMargin * rgEps
	tn := func(shape []int, data ...float64) *tensor.Tensor[float64] { return tensor.MustNew(data, shape...) }
	same := []float64{0.3, -1.2, 0.7}
	tests := []struct {
		op     string
		params []float64
		inputs []*tensor.Tensor[float64]
		f      func(a []*V) *V
	}{
		{"Minimum", nil, []*tensor.Tensor[float64]{tn([]int{3}, same...), tn([]int{3}, same...)},
			func(a []*V) *V { return autograd.Minimum(a[0], a[1]) }},
		{"Maximum", nil, []*tensor.Tensor[float64]{tn([]int{2, 1}, 0.5, -0.25), tn([]int{3}, 0.5+rgEps/4, 1, -0.25)},
			func(a []*V) *V { return autograd.Maximum(a[0], a[1]) }},
		{"L1", nil, []*tensor.Tensor[float64]{tn([]int{2}, 1.079, 0.4), tn([]int{2}, 1.079, -0.4)},
			func(a []*V) *V { return autograd.L1(a[0], a[1], autograd.ReduceSum) }},
		{"Huber", []float64{-0.5, 0.5}, []*tensor.Tensor[float64]{tn([]int{2}, 1, 0.25), tn([]int{2}, 0.5, 0.75)},
			func(a []*V) *V { return autograd.Huber(a[0], a[1], 0.5, autograd.ReduceSum) }},
		{"ReLU", nil, []*tensor.Tensor[float64]{tn([]int{3}, 0, 1, -rgEps/2)},
			func(a []*V) *V { return autograd.Mul(autograd.ReLU(a[0]), a[0]) }},
		{"Abs", nil, []*tensor.Tensor[float64]{tn([]int{2}, rgEps/3, -2)},
			func(a []*V) *V { return autograd.Abs(a[0]) }},
		{"Clamp", []float64{-0.5, 0.75}, []*tensor.Tensor[float64]{tn([]int{3}, -0.5, 0.75, 0.1)},
			func(a []*V) *V { return autograd.Square(autograd.Clamp(a[0], -0.5, 0.75)) }},
		{"Max", nil, []*tensor.Tensor[float64]{tn([]int{2, 2}, 0.9, 0.9, 0.9+rgEps/2, -1)},
			func(a []*V) *V { return autograd.Square(autograd.Max(a[0])) }},
		{"MinKeepDims", nil, []*tensor.Tensor[float64]{tn([]int{2, 3}, -1, -1, 0.2, 0.5, 0.5, 0.5)},
			func(a []*V) *V { return autograd.Square(autograd.MinKeepDims(a[0], 1)) }},
		{"MaxPool2D", nil, []*tensor.Tensor[float64]{tn([]int{1, 1, 2, 2}, 0.25, 0.25, -1, 0.25)},
			func(a []*V) *V {
				return autograd.Square(autograd.MaxPool2D(a[0], [2]int{2, 2}, [2]int{1, 1}, [2]int{0, 0}))
			}},
	}
	for _, tc := range tests {
		t.Run(tc.op, func(t *testing.T) {
			build := func(smooth bool) *rgGraph {
				g := &rgGraph{src: &byteChooser{}, applied: make(map[string]int)}
				args := make([]int, len(tc.inputs))
				for i, x := range tc.inputs {
					g.inputs, g.seeds = append(g.inputs, x), append(g.seeds, 0)
					g.vals, g.deps = append(g.vals, x), append(g.deps, 1<<i)
					args[i] = i
				}
				if smooth {
					args = g.smoothArgs(tc.op, tc.params, args...)
				}
				g.add(tc.op, tc.op, func(a []*V) *V { return autograd.Sum(tc.f(a)) }, args...)
				g.out = g.last()
				return g
			}
			if res := rgCheck(build(false), true); res.err == nil && res.skip == "" {
				t.Fatalf("%s passes the checks without smoothArgs: the row tests nothing", tc.op)
			}
			g := build(true)
			if res := rgCheck(g, true); res.err != nil || res.skip != "" {
				t.Fatalf("%s after smoothArgs: %v %s", tc.op, res.err, res.skip)
			}
			// The op's arguments are the operands of the last step.
			arg := func(k int) *tensor.Tensor[float64] { return g.vals[g.steps[len(g.steps)-1].args[k]] }
			s := rgSmoothness[tc.op]
			kinks := append(slices.Clone(s.kinks), tc.params...)
			switch s.ties {
			case rgTiesWithin:
				v := slices.Sorted(slices.Values(arg(0).Data()))
				for k := 1; k < len(v); k++ {
					if v[k]-v[k-1] < margin*(1-1e-9) {
						t.Errorf("elements %v and %v are closer than %g\ngraph:\n%s", v[k-1], v[k], margin, g)
					}
				}
			case rgTiesBetween:
				checkAway(t, g, tensor.Sub(arg(0), arg(1)).Data(), kinks, margin)
			default:
				checkAway(t, g, arg(0).Data(), kinks, margin)
			}
		})
	}
}

// checkAway fails t when an element of v is closer than margin to a kink.
func checkAway(t *testing.T, g *rgGraph, v, kinks []float64, margin float64) {
	t.Helper()
	for _, x := range v {
		for _, k := range kinks {
			if math.Abs(x-k) < margin*(1-1e-9) {
				t.Errorf("element %v is closer than %g to the kink %v\ngraph:\n%s", x, margin, k, g)
			}
		}
	}
}

// TestSmoothnessTableNamesOps fails when rgSmoothness names an op the op
// list does not have (a typo would leave the op unprotected).
func TestSmoothnessTableNamesOps(t *testing.T) {
	listed := make(map[string]bool)
	for _, op := range rgOps {
		listed[op.name] = true
	}
	for _, op := range slices.Sorted(maps.Keys(rgSmoothness)) {
		if !listed[op] {
			t.Errorf("rgSmoothness has %q, which is not in the op list", op)
		}
	}
}
