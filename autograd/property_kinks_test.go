package autograd_test

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// Where each op is not smooth, and how the random-graph generator keeps
// its arguments away from there. The op table says where (each OpInfo's
// Domain, Kinks, Ties, Spread and HiddenKinks); the builders of the op
// list call rgGraph.smoothArgs, which reads it, and nothing else does.

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
	// rgJitter is the half-width of the independent perturbation added to
	// each input of an op with HiddenKinks.
	rgJitter = 0.25
)

// rgOpInfos are the ops of the op table by name.
var rgOpInfos = func() map[string]autograd.OpInfo {
	m := make(map[string]autograd.OpInfo)
	for _, op := range autograd.Ops() {
		m[op.Name] = op
	}
	return m
}()

// rgInfo returns the op table's entry for the op named name; it panics for
// a name the table does not have (a builder named after something else).
func rgInfo(name string) autograd.OpInfo {
	op, ok := rgOpInfos[name]
	if !ok {
		panic(fmt.Sprintf("the op table has no op %q", name))
	}
	return op
}

// smoothArgs returns the arguments args of op moved where it is smooth, as
// its OpInfo says, by adapters added to the graph. In order:
//
//  1. with HiddenKinks, each argument plus a perturbation of its own
//     (drawn from a seed of the chooser, a different one per argument),
//     so that no two arguments are the same node or agree by construction
//     (the graph may well pass one node twice), and the points where a
//     quantity computed from them crosses a kink are unlikely; a graph with such an op (or one not
//     Smooth) is checked to first order only (see rgCheck);
//  2. each argument not already within Domain mapped into it, as
//     lo + (hi-lo)·Sigmoid(x);
//  3. with Spread, the elements of each argument moved at least Spread
//     apart (see separate);
//  4. then, deterministically: with TiesWithin, the first argument's
//     elements moved at least rgKinkMargin·rgEps apart; with TiesBetween,
//     a constant added to the second argument so that no difference of
//     the first two comes within that margin of 0 or of a Kink; otherwise
//     a constant added to each argument so that no element comes within
//     it of a Kink.
func (g *rgGraph) smoothArgs(op autograd.OpInfo, args ...int) []int {
	args = slices.Clone(args)
	var seed uint64
	if op.HiddenKinks {
		seed = g.src.seed("jitter")
	}
	for k := range args {
		if op.HiddenKinks {
			args[k] = g.jitter(args[k], seed, k)
		}
		args[k] = g.intoDomain(args[k], op.Domain)
		if op.Spread > 0 {
			args[k] = g.separate(args[k], op.Spread)
		}
	}
	if op.HiddenKinks || !op.Smooth {
		g.firstOrder = append(g.firstOrder, op.Name)
	}
	const margin = rgKinkMargin * rgEps
	switch op.Ties {
	case autograd.TiesWithin:
		args[0] = g.separate(args[0], margin)
	case autograd.TiesBetween:
		// a−(b−c) = (a−b)+c: shifting b down by c shifts the difference up.
		d := tensor.Sub(g.vals[args[0]], g.vals[args[1]])
		args[1] = g.shift(args[1], -rgShiftAway(d, append([]float64{0}, op.Kinks...), margin))
	default:
		if len(op.Kinks) > 0 {
			for k := range args {
				args[k] = g.shift(args[k], rgShiftAway(g.vals[args[k]], op.Kinks, margin))
			}
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

// intoDomain returns node i if every value is within the domain d = [lo,
// hi], otherwise lo + (hi-lo)·Sigmoid(x), which is inside: a smooth
// adapter whose derivative is at most (hi-lo)/4.
func (g *rgGraph) intoDomain(i int, d [2]float64) int {
	if minOf(g.vals[i]) >= d[0] && maxOf(g.vals[i]) <= d[1] {
		return i
	}
	lo, w := d[0], d[1]-d[0]
	return g.add("", fmt.Sprintf("Add(Scale(Sigmoid(%s), %g), %g)", g.nm(i), w, lo), func(a []*V) *V {
		return autograd.Add(autograd.Scale(autograd.Sigmoid(a[0]), w), autograd.Scalar(lo))
	}, i)
}

// jitter returns node i plus a constant tensor uniform in [-rgJitter,
// rgJitter], the k-th argument's, drawn from seed: each argument of an op
// gets a perturbation of its own, also when the chooser's seeds repeat (a
// fuzzer's input read past its end gives the seed 0 every time), so that
// two arguments that are one node become different.
func (g *rgGraph) jitter(i int, seed uint64, k int) int {
	rng := newRand(seed ^ uint64(k+1)*0x9e3779b97f4a7c15)
	c := tensor.Zeros[float64](g.shape(i)...)
	for k := range c.Data() {
		c.Data()[k] = rgJitter * (2*rng.Float64() - 1)
	}
	return g.add("", fmt.Sprintf("Add(%s, %s)", g.nm(i), compact(c)), func(a []*V) *V {
		return autograd.Add(a[0], autograd.Const(c))
	}, i)
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

// TestSmoothArgsAvoidsKinks puts arguments exactly at, or within rgEps/8
// (closer than rgFiniteDiff's finer step) of, each kind of place the op
// table declares an op not smooth (a kink, a parameter's kink, a tie
// between arguments, a tie within one, a slice that does not vary, a value
// outside the domain), and requires that
// smoothArgs moves them where the op is smooth as its OpInfo says, and
// that the graph op(args) then passes the checks of the random graphs,
// GradGradCheck included, while the same graph without smoothArgs does not
// (so every row is a false alarm avoided). The first row is the one
// FuzzRandomGraph found: Minimum of two inputs drawn from the same seed.
func TestSmoothArgsAvoidsKinks(t *testing.T) {
	const margin = rgKinkMargin * rgEps
	tn := func(shape []int, data ...float64) *tensor.Tensor[float64] { return tensor.MustNew(data, shape...) }
	same := []float64{0.3, -1.2, 0.7}
	tests := []struct {
		op     string
		inputs []*tensor.Tensor[float64]
		f      func(a []*V) *V
	}{
		{"Minimum", []*tensor.Tensor[float64]{tn([]int{3}, same...), tn([]int{3}, same...)},
			func(a []*V) *V { return autograd.Minimum(a[0], a[1]) }},
		{"Maximum", []*tensor.Tensor[float64]{tn([]int{2, 1}, 0.5, -0.25), tn([]int{3}, 0.5+rgEps/8, 1, -0.25)},
			func(a []*V) *V { return autograd.Maximum(a[0], a[1]) }},
		{"L1", []*tensor.Tensor[float64]{tn([]int{2}, 1.079, 0.4), tn([]int{2}, 1.079, -0.4)},
			func(a []*V) *V { return autograd.L1(a[0], a[1], autograd.ReduceSum) }},
		{"Huber", []*tensor.Tensor[float64]{tn([]int{2}, 1, 0.25), tn([]int{2}, 0.5, 0.75)},
			func(a []*V) *V { return rgInfo("Huber").Apply64(a...) }},
		{"ReLU", []*tensor.Tensor[float64]{tn([]int{3}, 0, 1, -rgEps/2)},
			func(a []*V) *V { return autograd.Mul(autograd.ReLU(a[0]), a[0]) }},
		{"Abs", []*tensor.Tensor[float64]{tn([]int{2}, rgEps/8, -2)},
			func(a []*V) *V { return autograd.Abs(a[0]) }},
		{"Clamp", []*tensor.Tensor[float64]{tn([]int{3}, -1, 1, 0.1)},
			func(a []*V) *V { return autograd.Square(rgInfo("Clamp").Apply64(a...)) }},
		{"Floor", []*tensor.Tensor[float64]{tn([]int{3}, 1, -rgEps/2, 0.5)},
			func(a []*V) *V { return autograd.Mul(autograd.Floor(a[0]), a[0]) }},
		{"Atan2", []*tensor.Tensor[float64]{tn([]int{2}, 0, 0.5), tn([]int{2}, -1, 0)},
			func(a []*V) *V { return autograd.Atan2(a[0], a[1]) }},
		{"Max", []*tensor.Tensor[float64]{tn([]int{2, 2}, 0.9, 0.9, 0.9+rgEps/8, -1)},
			func(a []*V) *V { return autograd.Square(autograd.Max(a[0])) }},
		{"MinKeepDims", []*tensor.Tensor[float64]{tn([]int{2, 3}, -1, -1, 0.2, 0.5, 0.5, 0.5)},
			func(a []*V) *V { return autograd.Square(autograd.MinKeepDims(a[0], 1)) }},
		{"MaxPool2D", []*tensor.Tensor[float64]{tn([]int{1, 1, 2, 2}, 0.25, 0.25, -1, 0.25)},
			func(a []*V) *V {
				return autograd.Square(autograd.MaxPool2D(a[0], [2]int{2, 2}, [2]int{1, 1}, [2]int{0, 0}))
			}},
		{"Std", []*tensor.Tensor[float64]{tn([]int{2, 2}, 0.5, 0.5, -1, 0.75)},
			func(a []*V) *V { return autograd.Std(a[0], 0, 1) }},
		{"Acosh", []*tensor.Tensor[float64]{tn([]int{2}, 0.5, 2)},
			func(a []*V) *V { return autograd.Acosh(a[0]) }},
		{"Atanh", []*tensor.Tensor[float64]{tn([]int{2}, 1, 0.25)},
			func(a []*V) *V { return autograd.Atanh(a[0]) }},
	}
	for _, tc := range tests {
		t.Run(tc.op, func(t *testing.T) {
			info := rgInfo(tc.op)
			build := func(smooth bool) (g *rgGraph, err error) {
				g = &rgGraph{src: &byteChooser{}, applied: make(map[string]int)}
				defer func() {
					if r := recover(); r != nil {
						err = fmt.Errorf("%v", r) // a non-finite value
					}
				}()
				args := make([]int, len(tc.inputs))
				for i, x := range tc.inputs {
					g.inputs, g.seeds = append(g.inputs, x), append(g.seeds, 0)
					g.vals, g.deps = append(g.vals, x), append(g.deps, 1<<i)
					args[i] = i
				}
				if smooth {
					args = g.smoothArgs(info, args...)
				}
				g.add(tc.op, tc.op, func(a []*V) *V { return autograd.Sum(tc.f(a)) }, args...)
				g.out = g.last()
				return g, nil
			}
			if g, err := build(false); err == nil {
				if res := rgCheck(g, true); res.err == nil && res.skip == "" {
					t.Fatalf("%s passes the checks without smoothArgs: the row tests nothing", tc.op)
				}
			}
			g, err := build(true)
			if err != nil {
				t.Fatalf("%s after smoothArgs: %v", tc.op, err)
			}
			if res := rgCheck(g, true); res.err != nil || res.skip != "" {
				t.Fatalf("%s after smoothArgs: %v %s", tc.op, res.err, res.skip)
			}
			// The op's arguments are the operands of the last step.
			last := g.steps[len(g.steps)-1].args
			arg := func(k int) *tensor.Tensor[float64] { return g.vals[last[k]] }
			for k := range last {
				if v := arg(k); minOf(v) < info.Domain[0]-margin || maxOf(v) > info.Domain[1]+margin {
					t.Errorf("argument %d %v is outside the domain %v\ngraph:\n%s", k, v, info.Domain, g)
				}
				if info.Spread > 0 {
					checkApart(t, g, arg(k).Data(), info.Spread)
				}
			}
			switch info.Ties {
			case autograd.TiesWithin:
				checkApart(t, g, arg(0).Data(), margin)
			case autograd.TiesBetween:
				checkAway(t, g, tensor.Sub(arg(0), arg(1)).Data(), append([]float64{0}, info.Kinks...), margin)
			default:
				for k := range last {
					checkAway(t, g, arg(k).Data(), info.Kinks, margin)
				}
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

// checkApart fails t when two elements of v are closer than margin.
func checkApart(t *testing.T, g *rgGraph, v []float64, margin float64) {
	t.Helper()
	s := slices.Sorted(slices.Values(v))
	for k := 1; k < len(s); k++ {
		if s[k]-s[k-1] < margin*(1-1e-9) {
			t.Errorf("elements %v and %v are closer than %g\ngraph:\n%s", s[k-1], s[k], margin, g)
		}
	}
}
