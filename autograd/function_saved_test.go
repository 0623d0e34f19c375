package autograd_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/tensor"
)

// This file tests a Function's per-call state: ForwardWith saves tensors
// for Backward (ForwardContext.Save, Context.Saved) and takes tensors from
// the Arena of its result (ForwardContext.Empty).

// fnSiLU is x·σ(x) as a Function that saves σ(x) in its forward pass:
//
//	d/dx = σ + x·σ·(1 - σ)
//
// grads, when not nil, is the slice its Backward returns (kept across
// calls, so that it allocates nothing).
func fnSiLU(grads []*V) *autograd.Function[float64] {
	return &autograd.Function[float64]{
		Name: "SavedSiLU",
		ForwardWith: func(c *autograd.ForwardContext[float64], in ...*tensor.Tensor[float64]) *tensor.Tensor[float64] {
			s := c.EmptyLike(in[0])
			tensor.SigmoidInto(s, in[0])
			c.Save(s)
			y := c.EmptyLike(in[0])
			tensor.MulInto(y, in[0], s)
			return y
		},
		Backward: func(c *autograd.Context[float64], g *V) []*V {
			s := c.Saved(0)
			x := c.Input(0)
			d := autograd.Add(s, autograd.Mul(x, autograd.Sub(s, autograd.Square(s)))) // σ + x·(σ - σ²)
			if grads == nil {
				return []*V{autograd.Mul(g, d)}
			}
			grads[0] = autograd.Mul(g, d)
			return grads
		},
	}
}

// TestFunctionSavedPerCall applies one Function to two inputs in one graph:
// each call's Backward reads its own saved tensor, so each input gets its
// own gradient, that of the built-in SiLU (a variable shared by the
// closures would have given both the second call's).
func TestFunctionSavedPerCall(t *testing.T) {
	silu := fnSiLU(nil)
	av, bv := []float64{-1, 0.5, 2}, []float64{3, -2, 0.25}
	a, b := autograd.Param(t64(av, 3)), autograd.Param(t64(bv, 3))
	w := autograd.Const(t64([]float64{1, 2, 3}, 3))
	autograd.Sum(autograd.Mul(autograd.Add(silu.Apply(a), autograd.Scale(silu.Apply(b), 2)), w)).Backward()
	ra, rb := autograd.Param(t64(av, 3)), autograd.Param(t64(bv, 3))
	autograd.Sum(autograd.Mul(autograd.Add(autograd.SiLU(ra), autograd.Scale(autograd.SiLU(rb), 2)), w)).Backward()
	opt := cmpopts.EquateApprox(1e-14, 0)
	if diff := cmp.Diff(ra.Grad().Data(), a.Grad().Data(), opt); diff != "" {
		t.Errorf("a's gradient (-built-in SiLU +Function):\n%s", diff)
	}
	if diff := cmp.Diff(rb.Grad().Data(), b.Grad().Data(), opt); diff != "" {
		t.Errorf("b's gradient (-built-in SiLU +Function):\n%s", diff)
	}
	if _, err := gradcheck.Check(func(v []*V) *V { return silu.Apply(v[0]) }, []*tensor.Tensor[float64]{t64(av, 3)}); err != nil {
		t.Error(err)
	}
}

// TestFunctionSavedInputIsDifferentiable checks that a saved input is,
// under CreateGraph, the input itself: the second derivative of x³ whose
// Backward reads x through Saved is 6x; and that Saved and NumSaved see
// only what was saved.
func TestFunctionSavedInputIsDifferentiable(t *testing.T) {
	var nsaved []int
	cube := &autograd.Function[float64]{Name: "SavedCube",
		ForwardWith: func(c *autograd.ForwardContext[float64], in ...*tensor.Tensor[float64]) *tensor.Tensor[float64] {
			c.Save(in[0])
			return tensor.Pow(in[0], 3)
		},
		Backward: func(c *autograd.Context[float64], g *V) []*V {
			nsaved = append(nsaved, c.NumSaved())
			return []*V{autograd.Mul(g, autograd.Scale(autograd.Square(c.Saved(0)), 3))}
		}}
	x := autograd.Param(t64(fnX, 4))
	d1 := autograd.Grad([]*V{autograd.Sum(cube.Apply(x))}, []*V{x}, autograd.CreateGraph())[0]
	d2 := autograd.Grad([]*V{autograd.Sum(d1)}, []*V{x})[0]
	checkTensor(t, "3x²", d1.Value(), view([]int{4}, 0.75, 6.75, 12, 0.1875), 1e-15)
	checkTensor(t, "6x", d2.Value(), view([]int{4}, 3, -9, 12, 1.5), 1e-15)
	if fmt.Sprint(nsaved) != "[1]" {
		t.Errorf("NumSaved = %v, want [1]", nsaved)
	}
	f := func(v []*V) *V { return cube.Apply(v[0]) }
	if _, err := gradcheck.GradGradCheck(f, []*tensor.Tensor[float64]{t64(fnX, 4)}); err != nil {
		t.Error(err)
	}

	plain := fnCube[float64](nil)
	checkUsagePanic(t, func() {
		peek := &autograd.Function[float64]{Name: "Peek", Forward: plain.Forward,
			Backward: func(c *autograd.Context[float64], g *V) []*V { c.Saved(0); return []*V{g} }}
		autograd.Sum(peek.Apply(autograd.Param(t64(fnX, 4)))).Backward()
	}, "autograd: Peek: Context.Saved(0): the forward pass saved 0 tensors")
	checkUsagePanic(t, func() {
		peek := &autograd.Function[float64]{Name: "Peek", ForwardWith: cube.ForwardWith,
			Backward: func(c *autograd.Context[float64], g *V) []*V { c.Saved(1); return []*V{g} }}
		autograd.Sum(peek.Apply(autograd.Param(t64(fnX, 4)))).Backward()
	}, "autograd: Peek: Context.Saved(1): the forward pass saved 1 tensors")
	checkUsagePanic(t, func() {
		(&autograd.Function[float64]{Name: "Both", Forward: plain.Forward, ForwardWith: cube.ForwardWith, Backward: plain.Backward}).Apply(x)
	}, `autograd: Function "Both": set one of Forward and ForwardWith, not both`)
	checkUsagePanic(t, func() {
		(&autograd.Function[float64]{Name: "SaveNil", Backward: plain.Backward,
			ForwardWith: func(c *autograd.ForwardContext[float64], in ...*tensor.Tensor[float64]) *tensor.Tensor[float64] {
				c.Save(in[0], nil)
				return in[0]
			}}).Apply(x)
	}, `autograd: Function "SaveNil": ForwardContext.Save: tensor 1 is nil`)
}

// TestFunctionForwardWithUnderArena checks that a Function whose
// ForwardWith takes its result and saved tensor from the arena (Empty)
// allocates nothing in a warm training step, and gives the gradient it
// gives without an arena; and that under an inference arena its result is
// the arena's and records nothing.
func TestFunctionForwardWithUnderArena(t *testing.T) {
	x := t64([]float64{-1, 0.5, 2, 3, -2, 0.25}, 2, 3)
	silu := fnSiLU(make([]*V, 1))
	w := autograd.Param(t64([]float64{0.5, 1, -1, 2, 0.25, 1.5}, 2, 3))
	autograd.Sum(silu.Apply(autograd.Mul(w, autograd.Const(x)))).Backward()
	want := w.Grad().Clone()
	autograd.ZeroGrad(w)

	ar := autograd.NewArena[float64]()
	var y *V
	step := func() {
		ar.Reset()
		y = silu.Apply(autograd.Mul(w, ar.Const(x)))
		autograd.Sum(y).Backward()
	}
	step()
	if diff := cmp.Diff(want.Data(), w.Grad().Data()); diff != "" {
		t.Errorf("gradient under an Arena (-without +with):\n%s", diff)
	}
	if y.Arena() != ar {
		t.Errorf("the result is of arena %p, want the step's %p", y.Arena(), ar)
	}

	inf := autograd.NewInferenceArena[float64]()
	inf.Reset()
	if z := silu.Apply(autograd.Mul(w, inf.Const(x))); z.Arena() != inf || z.RequiresGrad() {
		t.Errorf("under an inference arena: result of arena %p (want %p), records %v", z.Arena(), inf, z.RequiresGrad())
	}
	if raceEnabled {
		return
	}
	if n := warmMallocs(3, 20, func() { step(); autograd.ZeroGrad(w) }); n != 0 {
		t.Errorf("20 warm steps through a Function with ForwardWith under an Arena: %d allocations, want 0", n)
	}
}

// ExampleFunction_saved defines SiLU, x·σ(x), whose forward pass saves
// σ(x) for its backward, as torch's ctx.save_for_backward does. The
// Function is applied twice: each call's Backward reads the σ its own call
// saved. (A variable shared by the closures, set in Forward and read in
// Backward, would hold the second call's σ for both.) Empty takes the
// tensors from the Arena of the result, when there is one.
func ExampleFunction_saved() {
	silu := &autograd.Function[float64]{
		Name: "SiLU",
		ForwardWith: func(c *autograd.ForwardContext[float64], in ...*tensor.Tensor[float64]) *tensor.Tensor[float64] {
			s := c.EmptyLike(in[0])
			tensor.SigmoidInto(s, in[0])
			c.Save(s) // read back by this call's Backward as c.Saved(0)
			y := c.EmptyLike(in[0])
			tensor.MulInto(y, in[0], s)
			return y
		},
		Backward: func(c *autograd.Context[float64], g *autograd.Var[float64]) []*autograd.Var[float64] {
			s, x := c.Saved(0), c.Input(0)
			// d/dx = σ + x·σ·(1 - σ)
			d := autograd.Add(s, autograd.Mul(x, autograd.Mul(s, autograd.Sub(autograd.Scalar(1.0), s))))
			return []*autograd.Var[float64]{autograd.Mul(g, d)}
		},
	}

	a := autograd.Param(tensor.MustNew([]float64{-1, 0, 2}, 3))
	b := autograd.Param(tensor.MustNew([]float64{3, 0.5, -2}, 3))
	autograd.Sum(autograd.Add(silu.Apply(a), silu.Apply(b))).Backward()
	fmt.Printf("da = %.4f\n", a.Grad().Data())
	fmt.Printf("db = %.4f\n", b.Grad().Data())
	// Output:
	// da = [0.0723 0.5000 1.0908]
	// db = [1.0881 0.7400 -0.0908]
}
