package autograd_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// Arena tests of the functional Grad, gradients of gradients, retained and
// nested reverse passes.

// values copies the values of vs.
func values[T autograd.Float](vs []*autograd.Var[T]) [][]T {
	out := make([][]T, len(vs))
	for i, v := range vs {
		out[i] = append([]T(nil), v.Value().Data()...)
	}
	return out
}

// TestArenaGradSurvivesReset checks that the functional Grad under an arena
// returns the gradients of a run without one, as copies that later steps
// under the arena do not overwrite: of parameters, of an intermediate result
// and of an input the loss does not depend on.
func TestArenaGradSurvivesReset(t *testing.T) {
	const in, hidden, classes = 5, 6, 4
	m := newArenaModel[float64](7, in, hidden, classes, arenaOpts{fallback: true, penalty: true})
	b1 := newArenaBatch[float64](8, 6, in, classes)
	b2 := newArenaBatch[float64](9, 6, in, classes)
	unused := autograd.Param(t64([]float64{1, 2, 3}, 3))

	// grads returns the gradients of m's loss on b with respect to the
	// parameters, unused, and the first layer's output h.
	grads := func(ar *autograd.Arena[float64], b arenaBatch[float64]) []*V {
		x, tg := b.inputs(ar)
		h := autograd.Linear(x, m.w1, m.b1)
		loss := autograd.Add(m.loss(x, tg, b.labels), autograd.Mean(autograd.Sigmoid(h)))
		return autograd.Grad([]*V{loss}, append(m.params(), unused, h))
	}
	want := values(grads(nil, b1))

	ar := autograd.NewArena[float64]()
	got := grads(ar, b1)
	if d := cmp.Diff(want, values(got)); d != "" {
		t.Errorf("Grad under an Arena differs from Grad without (-fresh +arena):\n%s", d)
	}
	if d := cmp.Diff([]float64{0, 0, 0}, got[len(got)-2].Value().Data()); d != "" {
		t.Errorf("gradient of an unused input (-want +got):\n%s", d)
	}
	// Later steps reuse every buffer of the arena, and run Backward before
	// Grad on the arena's pass: Grad must still leave .Grad() alone.
	want2 := values(grads(nil, b2))
	for step := range 3 {
		x, tg := poisonedStep(m, ar, b2)
		m.loss(x, tg, b2.labels).Backward()
		before := make([][]float64, 0, 5)
		for _, p := range m.params() {
			before = append(before, append([]float64(nil), p.Grad().Data()...))
		}
		got2 := grads(ar, b2)
		if d := cmp.Diff(want2, values(got2)); d != "" {
			t.Errorf("step %d: Grad after Backward under an Arena differs from Grad without (-fresh +arena):\n%s", step, d)
		}
		for i, p := range m.params() {
			if d := cmp.Diff(before[i], p.Grad().Data()); d != "" {
				t.Errorf("step %d: Grad changed .Grad() of parameter %d (-before +after):\n%s", step, i, d)
			}
		}
	}
	autograd.ZeroGrad(m.params()...)
	if d := cmp.Diff(want, values(got)); d != "" {
		t.Errorf("gradients from Grad changed after Reset and later steps (-before +after):\n%s", d)
	}
	for i, g := range got {
		if g.RequiresGrad() {
			t.Errorf("gradient %d requires a gradient, want a constant", i)
		}
	}
}

// TestArenaCreateGraph checks Grad with CreateGraph on arena inputs:
// gradients of gradients equal those computed without an arena, step after
// step, and a small case equals its closed form.
func TestArenaCreateGraph(t *testing.T) {
	t.Run("closed form", func(t *testing.T) {
		// f(w) = Σ (x∘w)², g = 2x²∘w, p = Σ g², dp/dw = 8x⁴∘w.
		w := autograd.Param(t64([]float64{3, -1}, 2))
		ar := autograd.NewArena[float64]()
		for step := range 3 {
			ar.Reset()
			x := ar.Const(t64([]float64{1, float64(step + 2)}, 2))
			f := autograd.Sum(autograd.Square(autograd.Mul(x, w)))
			g := autograd.Grad([]*V{f}, []*V{w}, autograd.CreateGraph())[0]
			p := autograd.Sum(autograd.Square(g))
			gg := autograd.Grad([]*V{p}, []*V{w})[0]
			x1 := float64(step + 2)
			checkTensor(t, fmt.Sprintf("step %d: g", step), g.Value(), view([]int{2}, 6, -2*x1*x1), 1e-12)
			checkTensor(t, fmt.Sprintf("step %d: dp/dw", step), gg.Value(), view([]int{2}, 24, -8*x1*x1*x1*x1), 1e-12)
		}
	})

	t.Run("network", func(t *testing.T) {
		const in, hidden, classes = 4, 5, 3
		m := newArenaModel[float64](11, in, hidden, classes, arenaOpts{fallback: true, penalty: true})
		batches := arenaBatches[float64](12, []int{6, 6, 3, 6}, in, classes)
		// run returns a loss's gradients with respect to the parameters and
		// the gradient of a gradient penalty Σ‖∂loss/∂p‖² (a
		// Hessian-vector product) with respect to them.
		run := func(ar *autograd.Arena[float64], b arenaBatch[float64]) (g, gg [][]float64) {
			x, tg := b.inputs(ar)
			gs := autograd.Grad([]*V{m.loss(x, tg, b.labels)}, m.params(), autograd.CreateGraph())
			var pen *V
			for _, gi := range gs {
				if !gi.RequiresGrad() {
					t.Fatalf("a gradient made with CreateGraph does not require a gradient")
				}
				s := autograd.Sum(autograd.Mul(gi, gi))
				if pen == nil {
					pen = s
				} else {
					pen = autograd.Add(pen, s)
				}
			}
			return values(gs), values(autograd.Grad([]*V{pen}, m.params()))
		}
		ar := autograd.NewArena[float64]()
		for i, b := range batches {
			wantG, wantGG := run(nil, b)
			ar.Reset()
			run(ar, b.poisoned())
			ar.Reset()
			gotG, gotGG := run(ar, b)
			if d := cmp.Diff(wantG, gotG); d != "" {
				t.Errorf("step %d: CreateGraph gradients under an Arena differ (-fresh +arena):\n%s", i, d)
			}
			if d := cmp.Diff(wantGG, gotGG); d != "" {
				t.Errorf("step %d: gradients of gradients under an Arena differ (-fresh +arena):\n%s", i, d)
			}
			if nonzero(wantGG) == 0 {
				t.Errorf("step %d: the gradient penalty's gradient is all zeros", i)
			}
		}
	})
}

func nonzero[T autograd.Float](xs [][]T) int {
	n := 0
	for _, x := range xs {
		for _, v := range x {
			if v != 0 {
				n++
			}
		}
	}
	return n
}

// TestArenaRetainGraph runs Backward twice through a retained graph under
// an arena: the gradients are exactly twice those of one pass (which are
// those of a pass without an arena), and a third pass finds the graph
// released.
func TestArenaRetainGraph(t *testing.T) {
	const in, hidden, classes = 5, 6, 4
	m := newArenaModel[float64](13, in, hidden, classes, arenaOpts{fallback: true, penalty: true})
	b := newArenaBatch[float64](14, 6, in, classes)

	x, tg := b.inputs(nil)
	m.loss(x, tg, b.labels).Backward()
	once := make([][]float64, 0, 5)
	twice := make([][]float64, 0, 5)
	for _, p := range m.params() {
		g := append([]float64(nil), p.Grad().Data()...)
		once = append(once, g)
		d := make([]float64, len(g))
		for i, v := range g {
			d[i] = 2 * v
		}
		twice = append(twice, d)
	}
	grads := func() [][]float64 {
		var gs [][]float64
		for _, p := range m.params() {
			gs = append(gs, append([]float64(nil), p.Grad().Data()...))
		}
		return gs
	}

	ar := autograd.NewArena[float64]()
	for step := range 3 { // the second and third steps reuse the arena
		autograd.ZeroGrad(m.params()...)
		x, tg := poisonedStep(m, ar, b)
		loss := m.loss(x, tg, b.labels)
		loss.Backward(autograd.RetainGraph())
		if d := cmp.Diff(once, grads()); d != "" {
			t.Errorf("step %d: first Backward under an Arena differs from one without (-fresh +arena):\n%s", step, d)
		}
		loss.Backward()
		if d := cmp.Diff(twice, grads()); d != "" {
			t.Errorf("step %d: two Backward calls did not give twice the gradient (-want +got):\n%s", step, d)
		}
		r := panicValue(func() { loss.Backward() })
		if err, ok := r.(error); !ok || !errors.Is(err, autograd.ErrGraphReleased) {
			t.Errorf("step %d: third Backward panicked with %v, want an error wrapping ErrGraphReleased", step, r)
		}
	}
}

// TestArenaNestedPass runs a reverse pass inside another under the same
// arena: a Function whose derivative calls Grad on a graph made under the
// arena, while the arena's own pass is running.
func TestArenaNestedPass(t *testing.T) {
	ar := autograd.NewArena[float64]()
	// square is x² with the derivative 2x computed by Grad of Σ (x∘1)².
	square := &autograd.Function[float64]{
		Name: "SquareViaGrad",
		Forward: func(in ...*tensor.Tensor[float64]) *tensor.Tensor[float64] {
			return tensor.Map(in[0], func(v float64) float64 { return v * v })
		},
		Backward: func(c *autograd.Context[float64], g *V) []*V {
			xv := c.Input(0).Value()
			x := autograd.Param(xv)
			ones := tensor.Ones[float64](xv.Shape()...)
			inner := autograd.Sum(autograd.Square(autograd.Mul(x, ar.Const(ones))))
			d := autograd.Grad([]*V{inner}, []*V{x})[0]
			return []*V{autograd.Mul(g, d)}
		},
	}
	w := autograd.Param(t64([]float64{0.5, -1, 2, 0.25, 1, -0.5}, 2, 3))
	for step := range 3 {
		ar.Reset()
		w.ZeroGrad()
		x := ar.Const(t64([]float64{1, 2, float64(step), -1, 0.5, 1}, 2, 3))
		h := autograd.Linear(x, w, nil)                          // [2 2]
		loss := autograd.Mean(autograd.Sigmoid(square.Apply(h))) // custom op in the middle
		loss = autograd.Add(loss, autograd.Mean(autograd.Mul(h, ar.Const(t64([]float64{1, 2, 3, 4}, 2, 2)))))
		loss.Backward()

		w2 := autograd.Param(w.Value().Clone())
		x2 := autograd.Const(x.Value().Clone())
		h2 := autograd.Linear(x2, w2, nil)
		ref := autograd.Add(autograd.Mean(autograd.Sigmoid(autograd.Square(h2))),
			autograd.Mean(autograd.Mul(h2, autograd.Const(t64([]float64{1, 2, 3, 4}, 2, 2)))))
		ref.Backward()
		if d := cmp.Diff(viewOf(w2.Grad()), viewOf(w.Grad()), approx(1e-14)); d != "" {
			t.Errorf("step %d: gradient through a nested pass (-want +got):\n%s", step, d)
		}
	}
}
