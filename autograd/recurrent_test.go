package autograd_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestRecurrentShapeErrors: every misfit of the recurrent step ops panics
// with a *tensor.ShapeError naming the op.
func TestRecurrentShapeErrors(t *testing.T) {
	c := func(shape ...int) *V { return autograd.Const(tensor.Zeros[float64](shape...)) }
	lstm := func(op string, f func(g, c *V) *V) []struct {
		name string
		op   string
		f    func()
	} {
		return []struct {
			name string
			op   string
			f    func()
		}{
			{op + "/1-D gates", op, func() { f(c(8), c(1, 2)) }},
			{op + "/3-D c", op, func() { f(c(1, 8), c(1, 1, 2)) }},
			{op + "/gates not 4H", op, func() { f(c(3, 7), c(3, 2)) }},
			{op + "/gates 3H", op, func() { f(c(3, 6), c(3, 2)) }},
			{op + "/N differs", op, func() { f(c(2, 8), c(3, 2)) }},
		}
	}
	tests := append(lstm("LSTMCellState", autograd.LSTMCellState[float64]), lstm("LSTMCellOutput", autograd.LSTMCellOutput[float64])...)
	gru := autograd.GRUCellState[float64]
	tests = append(tests, []struct {
		name string
		op   string
		f    func()
	}{
		{"GRUCellState/1-D h", "GRUCellState", func() { gru(c(1, 6), c(1, 6), c(2)) }},
		{"GRUCellState/gi not 3H", "GRUCellState", func() { gru(c(1, 8), c(1, 6), c(1, 2)) }},
		{"GRUCellState/gh not 3H", "GRUCellState", func() { gru(c(1, 6), c(1, 4), c(1, 2)) }},
		{"GRUCellState/N of gh differs", "GRUCellState", func() { gru(c(2, 6), c(1, 6), c(2, 2)) }},
		{"GRUCellState/N of h differs", "GRUCellState", func() { gru(c(2, 6), c(2, 6), c(3, 2)) }},
	}...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			se := mustShapeError(t, tc.f)
			if se.Op != tc.op {
				t.Errorf("error names %q, want %q: %v", se.Op, tc.op, se)
			}
			if len(se.Shapes) < 2 {
				t.Errorf("error names %d shapes, want the operands': %v", len(se.Shapes), se)
			}
		})
	}
}

// lstmStepComposed is one LSTM step from (gates, c) written with the
// package's elementary ops, the reference of the fused ones.
func lstmStepComposed[T autograd.Float](gates, c *autograd.Var[T]) (h1, c1 *autograd.Var[T]) {
	h := c.Shape()[1]
	q := autograd.Split(gates, 1, h, h, h, h)
	c1 = autograd.Add(autograd.Mul(autograd.Sigmoid(q[1]), c), autograd.Mul(autograd.Sigmoid(q[0]), autograd.Tanh(q[2])))
	return autograd.Mul(autograd.Sigmoid(q[3]), autograd.Tanh(c1)), c1
}

// gruStepComposed is GRUCellState written with the elementary ops.
func gruStepComposed[T autograd.Float](gi, gh, h *autograd.Var[T]) *autograd.Var[T] {
	n := h.Shape()[1]
	qi, qh := autograd.Split(gi, 1, n, n, n), autograd.Split(gh, 1, n, n, n)
	r := autograd.Sigmoid(autograd.Add(qi[0], qh[0]))
	z := autograd.Sigmoid(autograd.Add(qi[1], qh[1]))
	nn := autograd.Tanh(autograd.Add(qi[2], autograd.Mul(r, qh[2])))
	one := autograd.Scalar[T](1)
	return autograd.Add(autograd.Mul(autograd.Sub(one, z), nn), autograd.Mul(z, h))
}

// randParam is a parameter of the given shape, uniform in [-3, 3).
func randParam[T autograd.Float](seed uint64, shape ...int) *autograd.Var[T] {
	r := newRand(seed)
	d := make([]T, numel(shape))
	for i := range d {
		d[i] = T(6*r.Float64() - 3)
	}
	return autograd.Param(tensor.MustNew(d, shape...))
}

// stepCase runs a recurrent step several times under one Arena, its inputs
// results of the arena (so that their gradient buffers are the engine's,
// reused and dirty from the step before), through the fused ops and through
// the composed reference, and compares the outputs and the gradients of
// Σ sum(outᵢ ∘ Wᵢ) with respect to the parameters.
func stepCase[T autograd.Float](t *testing.T, params []*autograd.Var[T], step func(in []*autograd.Var[T], fused bool) []*autograd.Var[T], tol float64) {
	t.Helper()
	ar := autograd.NewArena[T]()
	loss := func(outs []*autograd.Var[T]) *autograd.Var[T] {
		var l *autograd.Var[T]
		for i, o := range outs {
			w := make([]T, o.Value().Len())
			for j := range w {
				w[j] = T(0.75) - T((j+i)%5)/4
			}
			s := autograd.Sum(autograd.Mul(o, autograd.Const(tensor.MustNew(w, o.Shape()...))))
			if l == nil {
				l = s
			} else {
				l = autograd.Add(l, s)
			}
		}
		return l
	}
	run := func(fused bool, arena *autograd.Arena[T]) ([]*tensor.Tensor[T], []*tensor.Tensor[T]) {
		in := make([]*autograd.Var[T], len(params))
		for i, p := range params {
			ones := tensor.Ones[T](p.Shape()...)
			if arena != nil {
				in[i] = autograd.Mul(arena.Const(ones), p)
			} else {
				in[i] = autograd.Mul(autograd.Const(ones), p)
			}
		}
		outs := step(in, fused)
		loss(outs).Backward()
		vals, grads := make([]*tensor.Tensor[T], len(outs)), make([]*tensor.Tensor[T], len(params))
		for i, o := range outs {
			vals[i] = o.Value().Clone()
		}
		for i, p := range params {
			grads[i] = p.Grad().Clone()
		}
		autograd.ZeroGrad(params...)
		return vals, grads
	}
	wantV, wantG := run(false, nil)
	for s := range 3 {
		ar.Reset()
		gotV, gotG := run(true, ar)
		for i := range wantV {
			if d := cmp.Diff(viewOf(wantV[i]), viewOf(gotV[i]), approx(tol)); d != "" {
				t.Errorf("step %d, output %d (-composed +fused):\n%s", s, i, d)
			}
		}
		for i := range wantG {
			if d := cmp.Diff(viewOf(wantG[i]), viewOf(gotG[i]), approx(tol)); d != "" {
				t.Errorf("step %d, gradient of parameter %d (-composed +fused):\n%s", s, i, d)
			}
		}
	}
}

// TestRecurrentStepsMatchComposedOps checks the fused steps against the
// same arithmetic written with elementary ops, values and gradients, in
// both element types: an LSTM step (the gates feed both LSTM ops, so that
// LSTMCellOutput's vjp meets a fresh, dirty buffer whose i, f and g blocks
// it must zero, and LSTMCellState's adds to it), and GRU steps with
// distinct gi and gh and with gi and gh one Var.
func TestRecurrentStepsMatchComposedOps(t *testing.T) {
	t.Run("float64", runRecurrentSteps[float64](1e-12))
	t.Run("float32", runRecurrentSteps[float32](1e-5))
}

func runRecurrentSteps[T autograd.Float](tol float64) func(t *testing.T) {
	return func(t *testing.T) {
		t.Run("LSTM N 3 H 5", func(t *testing.T) {
			stepCase(t, []*autograd.Var[T]{randParam[T](1, 3, 20), randParam[T](2, 3, 5)},
				func(in []*autograd.Var[T], fused bool) []*autograd.Var[T] {
					if !fused {
						h1, c1 := lstmStepComposed(in[0], in[1])
						return []*autograd.Var[T]{h1, c1}
					}
					c1 := autograd.LSTMCellState(in[0], in[1])
					return []*autograd.Var[T]{autograd.LSTMCellOutput(in[0], c1), c1}
				}, tol)
		})
		t.Run("LSTM output only, N 2 H 3", func(t *testing.T) {
			stepCase(t, []*autograd.Var[T]{randParam[T](3, 2, 12), randParam[T](4, 2, 3)},
				func(in []*autograd.Var[T], fused bool) []*autograd.Var[T] {
					if !fused {
						h1, _ := lstmStepComposed(in[0], in[1])
						return []*autograd.Var[T]{h1}
					}
					return []*autograd.Var[T]{autograd.LSTMCellOutput(in[0], autograd.LSTMCellState(in[0], in[1]))}
				}, tol)
		})
		t.Run("GRU N 3 H 5", func(t *testing.T) {
			stepCase(t, []*autograd.Var[T]{randParam[T](5, 3, 15), randParam[T](6, 3, 15), randParam[T](7, 3, 5)},
				func(in []*autograd.Var[T], fused bool) []*autograd.Var[T] {
					if !fused {
						return []*autograd.Var[T]{gruStepComposed(in[0], in[1], in[2])}
					}
					return []*autograd.Var[T]{autograd.GRUCellState(in[0], in[1], in[2])}
				}, tol)
		})
		t.Run("GRU gi and gh one Var", func(t *testing.T) {
			stepCase(t, []*autograd.Var[T]{randParam[T](8, 2, 12), randParam[T](9, 2, 4)},
				func(in []*autograd.Var[T], fused bool) []*autograd.Var[T] {
					if !fused {
						return []*autograd.Var[T]{gruStepComposed(in[0], in[0], in[1])}
					}
					return []*autograd.Var[T]{autograd.GRUCellState(in[0], in[0], in[1])}
				}, tol)
		})
	}
}
