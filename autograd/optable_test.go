package autograd_test

import (
	"flag"
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/tensor"
)

// This file checks every op of the op tables (autograd.Ops) from its
// declaration alone: a new op is covered by these tests the moment it is
// declared, and one declared without complete metadata fails here.

// update makes the tests that check files generated from the op table
// (testdata/torchref/pointwise_ops.json, the docs' op lists) rewrite them
// instead.
var update = flag.Bool("update", false, "rewrite the files generated from the op table instead of checking them")

// tableShapes are the shapes every table op is checked at.
var tableShapes = [][]int{{}, {7}, {2, 3}, {2, 1, 3}}

// drawAway returns n values uniform in the op's domain, none closer than
// margin to one of its kinks, deterministically from seed.
func drawAway(op autograd.OpInfo, n int, seed uint64, margin float64) []float64 {
	rng := newRand(seed)
	lo, hi := op.Domain[0], op.Domain[1]
	out := make([]float64, n)
	for i := range out {
		for {
			v := lo + (hi-lo)*rng.Float64()
			near := false
			for _, k := range op.Kinks {
				near = near || math.Abs(v-k) < margin
			}
			if !near {
				out[i] = v
				break
			}
		}
	}
	return out
}

func TestOpTableMetadata(t *testing.T) {
	ops := autograd.Ops()
	if len(ops) < 20 {
		t.Fatalf("Ops lists %d ops, want the whole table", len(ops))
	}
	seen := map[string]bool{}
	for _, op := range ops {
		if seen[op.Name] {
			t.Errorf("%s is declared twice", op.Name)
		}
		seen[op.Name] = true
		switch {
		case op.Name == "" || op.Family == "" || op.Torch == "":
			t.Errorf("%q: name, family and PyTorch expression are required: %+v", op.Name, op)
		case op.Arity < 1 || op.Apply64 == nil || op.Apply32 == nil:
			t.Errorf("%s: arity %d, Apply64 set %t, Apply32 set %t", op.Name, op.Arity, op.Apply64 != nil, op.Apply32 != nil)
		case !(op.Domain[0] < op.Domain[1]):
			t.Errorf("%s: empty domain %v", op.Name, op.Domain)
		case len(op.Params) != len(op.Args):
			t.Errorf("%s: %d params %v but %d test arguments %v", op.Name, len(op.Params), op.Params, len(op.Args), op.Args)
		case op.Family == autograd.FamilyPointwise && (op.Ref == nil || op.Shapes != nil):
			t.Errorf("%s: a pointwise op needs a float64 reference and no Shapes", op.Name)
		case op.Family != autograd.FamilyPointwise && len(op.Shapes) != op.Arity:
			t.Errorf("%s: %d input shapes for arity %d", op.Name, len(op.Shapes), op.Arity)
		}
	}
}

// opCases returns the input shapes an op is checked at: every one of
// tableShapes for a pointwise op, its declared Shapes for the others.
func opCases(op autograd.OpInfo) [][][]int {
	if op.Shapes != nil {
		return [][][]int{op.Shapes}
	}
	var cases [][][]int
	for _, s := range tableShapes {
		cases = append(cases, [][]int{s})
	}
	return cases
}

// opInputs returns inputs of the given shapes drawn from the op's domain,
// away from its kinks, deterministically from seed.
func opInputs[T autograd.Float](op autograd.OpInfo, shapes [][]int, seed uint64) []*tensor.Tensor[T] {
	ins := make([]*tensor.Tensor[T], len(shapes))
	for i, shape := range shapes {
		d := drawAway(op, numel(shape), seed+uint64(i)*7919, 1e-3)
		xs := make([]T, len(d))
		for j, v := range d {
			xs[j] = T(v)
		}
		ins[i] = tensor.MustNew(xs, shape...)
	}
	return ins
}

// TestOpTableGradcheck checks the first derivative of every table op, and
// the second of every smooth one, against finite differences, at every
// case's shapes, away from kinks. A constant op must give a result that
// requires no gradient.
func TestOpTableGradcheck(t *testing.T) {
	for _, op := range autograd.Ops() {
		for ci, shapes := range opCases(op) {
			t.Run(fmt.Sprintf("%s/%v", op.Name, shapes), func(t *testing.T) {
				xs := opInputs[float64](op, shapes, uint64(100+ci))
				f := func(in []*V) *V { return op.Apply64(in...) }
				if op.Constant {
					params := make([]*V, len(xs))
					for i, x := range xs {
						params[i] = autograd.Param(x)
					}
					if out := op.Apply64(params...); out.RequiresGrad() {
						t.Errorf("%s is declared constant, but its result requires a gradient", op.Name)
					}
					return
				}
				gradcheck.Assert(t, f, xs)
				if op.Smooth {
					gradcheck.AssertGradGrad(t, f, xs)
				}
			})
		}
	}
}

// edgeValues are the inputs of TestOpTableEdges: zeros, the smallest
// subnormal, large and overflowing magnitudes, infinities and NaN.
func edgeValues[T autograd.Float]() []T {
	tiny, big, huge := math.SmallestNonzeroFloat64, 1e30, 1e308
	if _, ok := any(T(0)).(float32); ok {
		tiny, huge = math.SmallestNonzeroFloat32, 3e38
	}
	inf := T(math.Inf(1))
	nan := T(math.NaN())
	return []T{0, T(math.Copysign(0, -1)), T(tiny), T(-tiny), T(big), T(-big), T(huge), T(-huge), inf, -inf, nan, 1, -1, 0.5}
}

// TestOpTableEdges runs every table op on the edges of floating point, in
// both element types. The value must match the op's float64 reference (NaN
// and infinities exactly), a NaN input must give a NaN value, and the fused
// derivative of Backward must agree with the recorded one (Grad with
// CreateGraph), whose values the rules of edgecases_test.go pin down: NaN
// and infinities exactly, finite values within 64 ulps (a fused derivative
// may be its own vectorized kernel, where the recorded form composes
// several, each within a few ulps).
func TestOpTableEdges(t *testing.T) {
	t.Run("float64", runOpTableEdges[float64])
	t.Run("float32", runOpTableEdges[float32])
}

func runOpTableEdges[T autograd.Float](t *testing.T) {
	xs := edgeValues[T]()
	tol := 1e-13
	if _, ok := any(T(0)).(float32); ok {
		tol = 2e-6
	}
	for _, op := range autograd.Ops() {
		if op.Family != autograd.FamilyPointwise {
			continue
		}
		t.Run(op.Name, func(t *testing.T) {
			apply := applyOf[T](op)
			var p [2]float64
			copy(p[:], op.Args)
			x := tensor.MustNew(append([]T(nil), xs...), len(xs))
			out := apply(autograd.Const(x)).Value().Data()
			for i, v := range xs {
				want := T(op.Ref(float64(v), p))
				got := out[i]
				switch {
				case math.IsNaN(float64(v)) && !math.IsNaN(float64(got)):
					t.Errorf("%s(NaN) = %v, want NaN", op.Name, got)
				case math.IsNaN(float64(want)) || math.IsInf(float64(want), 0):
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Errorf("%s(%v) = %v, want %v", op.Name, v, got, want)
					}
				case math.Abs(float64(got-want)) > tol*math.Abs(float64(want))+2*float64(xs[2]):
					t.Errorf("%s(%v) = %v, want %v (relative tolerance %g)", op.Name, v, got, want, tol)
				}
			}
			// Fused and recorded derivatives, with a gradient weight per
			// element that is not 1, so that g enters the products.
			w := make([]T, len(xs))
			for i := range w {
				w[i] = T(0.75) - T(i%3)/4
			}
			fused := func() []T {
				xv := autograd.Param(tensor.MustNew(append([]T(nil), xs...), len(xs)))
				autograd.Sum(autograd.Mul(apply(xv), autograd.Const(tensor.MustNew(w, len(w))))).Backward()
				return xv.Grad().Data()
			}()
			recorded := func() []T {
				xv := autograd.Param(tensor.MustNew(append([]T(nil), xs...), len(xs)))
				loss := autograd.Sum(autograd.Mul(apply(xv), autograd.Const(tensor.MustNew(w, len(w)))))
				return autograd.Grad([]*autograd.Var[T]{loss}, []*autograd.Var[T]{xv}, autograd.CreateGraph())[0].Value().Data()
			}()
			for i := range xs {
				if !closeULPs(fused[i], recorded[i], 64) {
					t.Errorf("d%s/dx at %v: fused %v, recorded %v", op.Name, xs[i], fused[i], recorded[i])
				}
			}
		})
	}
}

// applyOf returns the op's function for element type T.
func applyOf[T autograd.Float](op autograd.OpInfo) func(xs ...*autograd.Var[T]) *autograd.Var[T] {
	if f, ok := any(op.Apply32).(func(xs ...*autograd.Var[T]) *autograd.Var[T]); ok {
		return f
	}
	return any(op.Apply64).(func(xs ...*autograd.Var[T]) *autograd.Var[T])
}

// TestOpTableFloat32 checks that every table op computes the same value
// and gradients in float32 as in float64, to float32's precision.
func TestOpTableFloat32(t *testing.T) {
	for _, op := range autograd.Ops() {
		t.Run(op.Name, func(t *testing.T) {
			shapes := op.Shapes
			if shapes == nil {
				shapes = [][]int{{8, 8}}
			}
			x64s := opInputs[float64](op, shapes, 7)
			p64, p32 := make([]*V, len(x64s)), make([]*autograd.Var[float32], len(x64s))
			for i, x := range x64s {
				p64[i] = autograd.Param(x)
				p32[i] = autograd.Param(tensor.MustNew(narrow(x.Data()), x.Shape()...))
			}
			y64, y32 := op.Apply64(p64...), op.Apply32(p32...)
			opt := cmpopts.EquateApprox(2e-5, 1e-6)
			if diff := cmp.Diff(y64.Value().Data(), widen(y32.Value().Data()), opt); diff != "" {
				t.Errorf("%s: float32 value differs from float64 (-f64 +f32):\n%s", op.Name, diff)
			}
			if op.Constant {
				return
			}
			autograd.Sum(y64).Backward()
			autograd.Sum(y32).Backward()
			for i := range p64 {
				if diff := cmp.Diff(p64[i].Grad().Data(), widen(p32[i].Grad().Data()), opt); diff != "" {
					t.Errorf("%s: float32 gradient of input %d differs from float64 (-f64 +f32):\n%s", op.Name, i, diff)
				}
			}
		})
	}
}

func narrow(xs []float64) []float32 {
	out := make([]float32, len(xs))
	for i, v := range xs {
		out[i] = float32(v)
	}
	return out
}

func widen(xs []float32) []float64 {
	out := make([]float64, len(xs))
	for i, v := range xs {
		out[i] = float64(v)
	}
	return out
}

// TestOpTableArenaAllocatesNothing checks that forward and Backward of every
// table op allocate nothing in a steady state under an Arena, in both
// element types: not a single allocation in 20 steps (see mallocs).
func TestOpTableArenaAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	t.Run("float64", runOpTableAllocs[float64])
	t.Run("float32", runOpTableAllocs[float32])
}

func runOpTableAllocs[T autograd.Float](t *testing.T) {
	for _, op := range autograd.Ops() {
		t.Run(op.Name, func(t *testing.T) {
			apply := applyOf[T](op)
			shapes := op.Shapes
			if shapes == nil {
				shapes = [][]int{{16, 16}}
			}
			xs := opInputs[T](op, shapes, 3)
			ws, ones := make([]*autograd.Var[T], len(xs)), make([]*tensor.Tensor[T], len(xs))
			for i, x := range xs {
				ws[i] = autograd.Param(x)
				ones[i] = tensor.Ones[T](x.Shape()...)
			}
			ar := autograd.NewArena[T]()
			args := make([]*autograd.Var[T], len(xs)) // Apply is variadic: a slice made per call would count
			step := func() {
				ar.Reset()
				// Through a product with an arena constant, so that the op's
				// inputs are results of the arena.
				for i := range args {
					args[i] = autograd.Mul(ar.Const(ones[i]), ws[i])
				}
				out := apply(args...)
				if op.Constant {
					return
				}
				autograd.Sum(out).Backward()
				autograd.ZeroGrad(ws...)
			}
			for range 3 {
				step()
			}
			if n := mallocs(allocSteps, step); n != 0 {
				t.Errorf("%s: %d allocations in %d forward and backward steps under a warm Arena, want 0", op.Name, n, allocSteps)
			}
		})
	}
}

// allocSteps is the number of steps whose allocations
// TestOpTableArenaAllocatesNothing counts.
const allocSteps = 20

// allocSink keeps TestMallocsCountsExactly's allocations on the heap.
var allocSink []byte

// TestMallocsCountsExactly pins what testing.AllocsPerRun got wrong: a
// step that allocates in 19 of 20 runs is counted, and one that allocates
// nothing is not.
func TestMallocsCountsExactly(t *testing.T) {
	calls := 0
	some := func() {
		if calls++; calls%allocSteps != 0 {
			allocSink = make([]byte, 64+calls%3)
		}
	}
	if n := mallocs(allocSteps, some); n != allocSteps-1 {
		t.Errorf("a step allocating in 19 of 20 runs: mallocs = %d, want %d", n, allocSteps-1)
	}
	if n := mallocs(allocSteps, func() {}); n != 0 {
		t.Errorf("an empty step: mallocs = %d, want 0", n)
	}
}

// mallocs returns the number of heap allocations made by runs calls of f
// (after one uncounted call, see warmMallocs), counted exactly: testing.AllocsPerRun divides the count by the runs and
// truncates, so a step that allocates in 19 of 20 runs would read 0. Like
// AllocsPerRun it runs with GOMAXPROCS 1, so that no other goroutine's
// allocations are counted. The runtime's own allocations count too: an
// assertion to an interface type (or a type switch with interface cases)
// that meets many dynamic types grows its call site's cache at random,
// about once in a thousand misses (runtime.typeAssert), which a hot path of
// the engine must therefore avoid (see pass.finish).
//
// The collector is off meanwhile: a collection empties the sync.Pools that
// keep the GEMM's packing buffers, whose refilling is not the step's doing.
func mallocs(runs int, f func()) uint64 { return warmMallocs(1, runs, f) }

// warmMallocs is mallocs after warm uncounted calls of f. They run after
// the switch to one P: a sync.Pool reallocates its per-P array at its
// first use after GOMAXPROCS changes, which must not fall in the window.
func warmMallocs(warm, runs int, f func()) uint64 {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	for range max(warm, 1) {
		f()
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return after.Mallocs - before.Mallocs
}

// closeULPs reports whether a and b are both NaN, equal, or finite and
// within n units in the last place of the larger (or n times the smallest
// normal, near 0).
func closeULPs[T autograd.Float](a, b T, n float64) bool {
	x, y := float64(a), float64(b)
	switch {
	case math.IsNaN(x) || math.IsNaN(y):
		return math.IsNaN(x) && math.IsNaN(y)
	case x == y:
		return true
	case math.IsInf(x, 0) || math.IsInf(y, 0):
		return false
	}
	eps, tiny := 0x1p-52, 0x1p-1022
	if _, ok := any(a).(float32); ok {
		eps, tiny = 0x1p-23, 0x1p-126
	}
	return math.Abs(x-y) <= n*(eps*max(math.Abs(x), math.Abs(y))+tiny)
}
