package autograd_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/tensor"
)

// This file tests the custom-op API, autograd.Function: an op defined by
// its forward and backward plugs into Backward, Grad (also with
// CreateGraph), WriteDOT and gradcheck exactly like a built-in one.

// fnCube is x³ as a Function. Its backward is written with autograd ops
// (3x²·g), so it is twice differentiable; calls counts backward calls.
func fnCube[T autograd.Float](calls *int) *autograd.Function[T] {
	return &autograd.Function[T]{
		Name:    "Cube",
		Forward: func(in ...*tensor.Tensor[T]) *tensor.Tensor[T] { return tensor.Pow(in[0], 3) },
		Backward: func(c *autograd.Context[T], g *autograd.Var[T]) []*autograd.Var[T] {
			if calls != nil {
				*calls++
			}
			return []*autograd.Var[T]{autograd.Mul(g, autograd.Scale(autograd.Square(c.Input(0)), 3))}
		},
	}
}

// fnAffine is a·x + b with broadcasting, as a Function of (x, a, b). Its
// backward returns gradients of the broadcast shape (the engine sums them
// back to each input's shape), skips inputs that need none, and records
// what NeedsGrad said.
func fnAffine(needs *[]bool) *autograd.Function[float64] {
	return &autograd.Function[float64]{
		Name: "Affine",
		Forward: func(in ...*tensor.Tensor[float64]) *tensor.Tensor[float64] {
			return tensor.Add(tensor.Mul(in[1], in[0]), in[2])
		},
		Backward: func(c *autograd.Context[float64], g *V) []*V {
			if needs != nil {
				*needs = []bool{c.NeedsGrad(0), c.NeedsGrad(1), c.NeedsGrad(2)}
			}
			gs := make([]*V, c.NumInputs())
			if c.NeedsGrad(0) {
				gs[0] = autograd.Mul(g, c.Input(1))
			}
			if c.NeedsGrad(1) {
				gs[1] = autograd.Mul(g, c.Input(0))
			}
			if c.NeedsGrad(2) {
				gs[2] = g
			}
			return gs
		},
	}
}

var fnX = []float64{0.5, -1.5, 2, 0.25}

// Backward through a custom op fills the leaves' gradients, and the result
// looks like any op's.
func TestFunctionBackward(t *testing.T) {
	calls := 0
	x := autograd.Param(t64(fnX, 2, 2))
	y := fnCube[float64](&calls).Apply(x)
	if y.Op() != "Cube" || y.IsLeaf() || !y.RequiresGrad() {
		t.Errorf("result: Op %q, IsLeaf %v, RequiresGrad %v; want Cube, false, true", y.Op(), y.IsLeaf(), y.RequiresGrad())
	}
	checkTensor(t, "Cube(x)", y.Value(), view([]int{2, 2}, 0.125, -3.375, 8, 0.015625), 1e-15)
	autograd.Sum(y).Backward()
	checkTensor(t, "d Sum(x³)/dx = 3x²", x.Grad(), view([]int{2, 2}, 0.75, 6.75, 12, 0.1875), 1e-15)
	if calls != 1 {
		t.Errorf("backward called %d times, want 1", calls)
	}

	// Broadcasting and NeedsGrad: a is a constant, b a broadcast row.
	var needs []bool
	xv := autograd.Param(t64([]float64{1, 2, 3, 4, 5, 6}, 2, 3))
	a := autograd.Const(t64([]float64{2}, 1))
	b := autograd.Param(t64([]float64{0.5, -0.5, 1}, 3))
	out := fnAffine(&needs).Apply(xv, a, b)
	checkTensor(t, "Affine(x, a, b)", out.Value(), view([]int{2, 3}, 2.5, 3.5, 7, 8.5, 9.5, 13), 1e-15)
	autograd.Sum(autograd.Mul(out, autograd.Const(t64([]float64{1, 2, 3, 4, 5, 6}, 2, 3)))).Backward()
	if fmt.Sprint(needs) != "[true false true]" {
		t.Errorf("NeedsGrad = %v, want [true false true]", needs)
	}
	checkTensor(t, "d/dx = a·w", xv.Grad(), view([]int{2, 3}, 2, 4, 6, 8, 10, 12), 1e-15)
	checkTensor(t, "d/db = column sums of w", b.Grad(), view([]int{3}, 5, 7, 9), 1e-15)
	if a.Grad() != nil {
		t.Errorf("constant a got a gradient %v", a.Grad())
	}
}

// Grad returns a custom op's gradients without touching .Grad(), for leaves
// and for intermediate results.
func TestFunctionGrad(t *testing.T) {
	x := autograd.Param(t64(fnX, 4))
	h := autograd.Scale(x, 2)
	y := autograd.Sum(fnCube[float64](nil).Apply(h)) // Σ (2x)³
	gs := autograd.Grad([]*V{y}, []*V{x, h}, autograd.RetainGraph())
	checkTensor(t, "d/dx = 24x²", gs[0].Value(), view([]int{4}, 6, 54, 96, 1.5), 1e-13)
	checkTensor(t, "d/dh = 3h²", gs[1].Value(), view([]int{4}, 3, 27, 48, 0.75), 1e-13)
	if x.Grad() != nil {
		t.Errorf("Grad touched x.Grad(): %v", x.Grad())
	}
}

// With CreateGraph, a custom op whose backward is written with autograd ops
// has second and third derivatives.
func TestFunctionHigherOrder(t *testing.T) {
	x := autograd.Param(t64(fnX, 4))
	y := autograd.Sum(fnCube[float64](nil).Apply(x))
	d1 := autograd.Grad([]*V{y}, []*V{x}, autograd.CreateGraph())[0]
	if !d1.RequiresGrad() {
		t.Fatal("first derivative with CreateGraph does not require a gradient")
	}
	d2 := autograd.Grad([]*V{autograd.Sum(d1)}, []*V{x}, autograd.CreateGraph())[0]
	d3 := autograd.Grad([]*V{autograd.Sum(d2)}, []*V{x})[0]
	checkTensor(t, "3x²", d1.Value(), view([]int{4}, 0.75, 6.75, 12, 0.1875), 1e-15)
	checkTensor(t, "6x", d2.Value(), view([]int{4}, 3, -9, 12, 1.5), 1e-15)
	checkTensor(t, "6", d3.Value(), view([]int{4}, 6, 6, 6, 6), 1e-15)
}

// The Context gives constants in an ordinary backward pass (no graph is
// built) and the original Vars while a backward pass is recorded.
func TestFunctionContext(t *testing.T) {
	for _, create := range []bool{false, true} {
		var seen struct {
			n                 int
			inGrad, outGrad   bool
			inValue, outValue float64
		}
		fn := &autograd.Function[float64]{
			Name:    "Spy",
			Forward: func(in ...*tensor.Tensor[float64]) *tensor.Tensor[float64] { return tensor.Scale(in[0], 3) },
			Backward: func(c *autograd.Context[float64], g *V) []*V {
				seen.n = c.NumInputs()
				seen.inGrad, seen.outGrad = c.Input(0).RequiresGrad(), c.Output().RequiresGrad()
				seen.inValue, seen.outValue = c.Input(0).Item(), c.Output().Item()
				return []*V{autograd.Scale(g, 3)}
			},
		}
		x := autograd.Param(tensor.Scalar(2.0))
		var opts []autograd.Option
		if create {
			opts = append(opts, autograd.CreateGraph())
		}
		g := autograd.Grad([]*V{fn.Apply(x)}, []*V{x}, opts...)[0]
		if g.Item() != 3 {
			t.Errorf("create %v: gradient %g, want 3", create, g.Item())
		}
		if seen.n != 1 || seen.inValue != 2 || seen.outValue != 6 {
			t.Errorf("create %v: NumInputs %d, Input %g, Output %g; want 1, 2, 6", create, seen.n, seen.inValue, seen.outValue)
		}
		if seen.inGrad != create || seen.outGrad != create {
			t.Errorf("create %v: Input/Output require a gradient: %v/%v, want %v", create, seen.inGrad, seen.outGrad, create)
		}
	}
}

// TestFunctionKeepsItsBackward: the node keeps the Backward the Function
// had at Apply, so changing the Function afterwards affects only later
// applications.
func TestFunctionKeepsItsBackward(t *testing.T) {
	fn := &autograd.Function[float64]{
		Name:     "Triple",
		Forward:  func(in ...*tensor.Tensor[float64]) *tensor.Tensor[float64] { return tensor.Scale(in[0], 3) },
		Backward: func(c *autograd.Context[float64], g *V) []*V { return []*V{autograd.Scale(g, 3)} },
	}
	x := autograd.Param(tensor.Scalar(2.0))
	y := fn.Apply(x)
	fn.Backward = func(c *autograd.Context[float64], g *V) []*V { return []*V{autograd.Scale(g, 100)} }
	if g := autograd.Grad([]*V{y}, []*V{x})[0].Item(); g != 3 {
		t.Errorf("gradient %g after replacing Backward, want the applied one's 3", g)
	}
	if g := autograd.Grad([]*V{fn.Apply(x)}, []*V{x})[0].Item(); g != 100 {
		t.Errorf("gradient %g of a later Apply, want the new Backward's 100", g)
	}
}

// On constants a custom op records nothing, like any op, and its backward
// never runs.
func TestFunctionOnConstantsRecordsNothing(t *testing.T) {
	calls := 0
	y := fnCube[float64](&calls).Apply(autograd.Const(t64(fnX, 4)))
	if !y.IsLeaf() || y.RequiresGrad() || y.Op() != "" {
		t.Errorf("result on constants: IsLeaf %v, RequiresGrad %v, Op %q; want true, false, \"\"", y.IsLeaf(), y.RequiresGrad(), y.Op())
	}
	checkTensor(t, "value", y.Value(), view([]int{4}, 0.125, -3.375, 8, 0.015625), 1e-15)
	if calls != 0 {
		t.Errorf("backward called %d times", calls)
	}
}

// WriteDOT draws a custom op under its Name, with edges from its inputs.
func TestFunctionWriteDOT(t *testing.T) {
	x := autograd.Param(t64([]float64{1, 2, 3, 4, 5, 6}, 2, 3)).SetName("x")
	b := autograd.Param(t64([]float64{0.5, -0.5, 1}, 3)).SetName("b")
	out := autograd.Sum(fnAffine(nil).Apply(x, autograd.Scalar(2.0), b))
	var sb strings.Builder
	if err := autograd.WriteDOT(&sb, out); err != nil {
		t.Fatalf("WriteDOT: %v", err)
	}
	nodes, edges := parseDOT(t, sb.String())
	var id string
	for k, n := range nodes {
		if strings.HasPrefix(n.Label, "Affine\n") {
			id = k
		}
	}
	if id == "" {
		t.Fatalf("no node labelled Affine in:\n%s", sb.String())
	}
	if l := nodes[id].Label; !strings.Contains(l, "[2 3]") || !strings.Contains(l, "float64") {
		t.Errorf("Affine node label %q lacks its shape [2 3] and dtype", l)
	}
	in, outE := 0, 0
	for _, e := range edges {
		if strings.HasSuffix(e, "->"+id) {
			in++
		}
		if strings.HasPrefix(e, id+"->") {
			outE++
		}
	}
	if in != 3 || outE != 1 {
		t.Errorf("Affine has %d incoming and %d outgoing edges, want 3 and 1; edges %v", in, outE, edges)
	}
}

// gradcheck treats a custom op like a built-in one: correct ones pass first
// and second order, a wrong one fails with the element named.
func TestFunctionGradcheck(t *testing.T) {
	cube := fnCube[float64](nil)
	affine := fnAffine(nil)
	gradcheck.Run(t, []gradcheck.Case{
		{Name: "Cube", F: func(x []*V) *V { return cube.Apply(x[0]) },
			Inputs: []gradcheck.Input{gradcheck.Random(gradcheck.Real, 2, 3)}, SecondOrder: true},
		{Name: "Affine, broadcasting", F: func(x []*V) *V { return affine.Apply(x[0], x[1], x[2]) },
			Inputs: []gradcheck.Input{
				gradcheck.Random(gradcheck.Real, 2, 3).Named("x"),
				gradcheck.Random(gradcheck.Real).Named("a"),
				gradcheck.Random(gradcheck.Real, 3).Named("b"),
			}, SecondOrder: true},
		{Name: "Cube inside a network", F: func(x []*V) *V {
			return autograd.Mean(autograd.Tanh(cube.Apply(autograd.MatMul(x[0], x[1]))))
		}, Inputs: []gradcheck.Input{gradcheck.Random(gradcheck.Real, 3, 2), gradcheck.Random(gradcheck.Real, 2, 2)}, SecondOrder: true},
	})

	// A backward off by a factor in one input.
	wrong := fnAffine(nil)
	right := wrong.Backward
	wrong.Backward = func(c *autograd.Context[float64], g *V) []*V {
		gs := right(c, g)
		gs[1] = autograd.Scale(gs[1], 0.5)
		return gs
	}
	x := t64([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	rep, err := gradcheck.Check(func(v []*V) *V { return autograd.Sum(wrong.Apply(v[0], v[1], v[2])) },
		[]*tensor.Tensor[float64]{x, tensor.Scalar(2.0), t64([]float64{0.5, -0.5, 1}, 3)}, gradcheck.Names("x", "a", "b"))
	if !errors.Is(err, gradcheck.ErrMismatch) || rep.Worst == nil {
		t.Fatalf("Check of a wrong backward: %v, want a mismatch", err)
	}
	// d Sum / d a = Σx = 21; the wrong backward says 10.5.
	if w := rep.Worst; w.Input != 1 || rep.Failed != 1 || math.Abs(w.Analytic-10.5) > 1e-12 || math.Abs(w.Numeric-21) > 1e-6 {
		t.Errorf("report %v, want exactly input a wrong: analytic 10.5, numeric 21", rep)
	}
	if !strings.Contains(err.Error(), "worst: a element []") {
		t.Errorf("error does not name a: %v", err)
	}
}

// A custom op works in float32 too.
func TestFunctionFloat32(t *testing.T) {
	x := autograd.Param(tensor.MustNew([]float32{0.5, -1.5, 2, 0.25}, 4))
	autograd.Sum(fnCube[float32](nil).Apply(x)).Backward()
	checkTensor(t, "3x² in float32", x.Grad(), view([]int{4}, 0.75, 6.75, 12, 0.1875), 1e-6)
}

// Misuse panics with an error that names the op and says what is wrong.
func TestFunctionMisusePanics(t *testing.T) {
	fwd := func(in ...*tensor.Tensor[float64]) *tensor.Tensor[float64] { return in[0].Clone() }
	back := func(c *autograd.Context[float64], g *V) []*V { return []*V{g} }
	x := func() *V { return autograd.Param(t64(fnX, 4)) }
	tests := []struct {
		name string
		run  func()
		want []string
	}{
		{"nil Forward", func() { (&autograd.Function[float64]{Name: "NoForward", Backward: back}).Apply(x()) },
			[]string{`Function "NoForward"`, "Forward (or ForwardWith) and Backward must both be set"}},
		{"nil Backward", func() { (&autograd.Function[float64]{Name: "NoBackward", Forward: fwd}).Apply(x()) },
			[]string{`Function "NoBackward"`, "Forward (or ForwardWith) and Backward must both be set"}},
		{"nil Backward, constant inputs", func() {
			(&autograd.Function[float64]{Name: "NoBackward", Forward: fwd}).Apply(autograd.Const(t64(fnX, 4)))
		}, []string{`Function "NoBackward"`, "must both be set"}},
		{"Forward returns nil", func() {
			(&autograd.Function[float64]{Name: "NilForward", Forward: func(...*tensor.Tensor[float64]) *tensor.Tensor[float64] { return nil }, Backward: back}).Apply(x())
		}, []string{`Function "NilForward"`, "Forward returned nil"}},
		{"backward returns too few gradients", func() {
			fn := &autograd.Function[float64]{Name: "TwoInOneGrad",
				Forward:  func(in ...*tensor.Tensor[float64]) *tensor.Tensor[float64] { return tensor.Add(in[0], in[1]) },
				Backward: back}
			autograd.Sum(fn.Apply(x(), x())).Backward()
		}, []string{"autograd: TwoInOneGrad: backward returned 1 gradients for 2 inputs"}},
		{"backward returns too many gradients", func() {
			fn := &autograd.Function[float64]{Name: "OneInTwoGrads", Forward: fwd,
				Backward: func(c *autograd.Context[float64], g *V) []*V { return []*V{g, g} }}
			autograd.Sum(fn.Apply(x())).Backward()
		}, []string{"autograd: OneInTwoGrads: backward returned 2 gradients for 1 inputs"}},
		{"nil input", func() { (&autograd.Function[float64]{Name: "Id", Forward: fwd, Backward: back}).Apply(x(), nil) },
			[]string{`Function "Id"`, "input 1 is nil"}},
		{"Context.Input out of range", func() {
			fn := &autograd.Function[float64]{Name: "Peek", Forward: fwd,
				Backward: func(c *autograd.Context[float64], g *V) []*V { c.Input(1); return []*V{g} }}
			autograd.Sum(fn.Apply(x())).Backward()
		}, []string{"autograd: Peek: Context.Input(1): the operation has 1 inputs"}},
		{"stale input", func() {
			ar := autograd.NewArena[float64]()
			in := autograd.Exp(ar.Const(t64(fnX, 4)))
			ar.Reset()
			(&autograd.Function[float64]{Name: "Id", Forward: fwd, Backward: back}).Apply(in)
		}, []string{`autograd: Function "Id": Var was made under an Arena before its latest Reset`}},
		{"backward returns no gradients", func() {
			fn := &autograd.Function[float64]{Name: "NoGrads", Forward: fwd,
				Backward: func(c *autograd.Context[float64], g *V) []*V { return nil }}
			autograd.Sum(fn.Apply(x())).Backward()
		}, []string{"NoGrads: backward returned 0 gradients for 1 inputs"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := mustPanicError(t, tc.run)
			for _, s := range tc.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("panic %q lacks %q", err, s)
				}
			}
		})
	}

	// A gradient of a shape that does not even broadcast to the input's is
	// a derivative bug: a shape error naming the op and both shapes.
	bad := &autograd.Function[float64]{Name: "BadShape", Forward: fwd,
		Backward: func(c *autograd.Context[float64], g *V) []*V { return []*V{autograd.Const(tensor.Zeros[float64](3))} }}
	se := mustShapeError(t, func() { autograd.Sum(bad.Apply(x())).Backward() })
	if se.Op != "BadShape" || !strings.Contains(se.Error(), "[3]") || !strings.Contains(se.Error(), "[4]") {
		t.Errorf("shape error %v, want op BadShape with shapes [3] and [4]", se)
	}
}

// ExampleFunction defines an op by its forward and backward, uses it, and
// checks its gradient (first and second order) with package gradcheck.
func ExampleFunction() {
	// SmoothAbs(x) = √(x² + ε), a differentiable stand-in for |x|:
	//
	//	d/dx = x / SmoothAbs(x)
	//
	// The backward reuses the saved output and is written with autograd
	// operations, so it can be differentiated again.
	const eps = 0.01
	smoothAbs := &autograd.Function[float64]{
		Name: "SmoothAbs",
		Forward: func(in ...*tensor.Tensor[float64]) *tensor.Tensor[float64] {
			return tensor.Map(in[0], func(v float64) float64 { return math.Sqrt(v*v + eps) })
		},
		Backward: func(c *autograd.Context[float64], g *autograd.Var[float64]) []*autograd.Var[float64] {
			return []*autograd.Var[float64]{autograd.Mul(g, autograd.Div(c.Input(0), c.Output()))}
		},
	}

	x := autograd.Param(tensor.MustNew([]float64{-2, 0, 0.1}, 3))
	y := autograd.Sum(smoothAbs.Apply(x))
	y.Backward()
	fmt.Printf("y = %.4f\n", y.Item())
	fmt.Printf("dy/dx = %.4f\n", x.Grad().Data())

	f := func(v []*autograd.Var[float64]) *autograd.Var[float64] { return smoothAbs.Apply(v[0]) }
	inputs := []*tensor.Tensor[float64]{tensor.MustNew([]float64{-2, 0, 0.1}, 3)}
	_, err := gradcheck.Check(f, inputs)
	fmt.Println("gradcheck:", err)
	_, err = gradcheck.GradGradCheck(f, inputs)
	fmt.Println("gradgradcheck:", err)
	// Output:
	// y = 2.2439
	// dy/dx = [-0.9988 0.0000 0.7071]
	// gradcheck: <nil>
	// gradgradcheck: <nil>
}
