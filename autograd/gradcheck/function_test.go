package gradcheck_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/tensor"
)

// This file checks the checker on user-defined ops (autograd.Function), the
// way a user's suite meets them: one whose backward is wrong in one element,
// ones whose backward depends on evaluation order, and ones that mutate
// their input.

// approxOpt compares finite-difference values, good to about 1e-9.
var approxOpt = cmpopts.EquateApprox(1e-6, 1e-9)

type Fn = autograd.Function[float64]
type Ctx = autograd.Context[float64]

// square returns x² as a Function whose backward is 2x·g, except at flat
// element wrongAt (when >= 0) where it is x·g: a bug in one element.
func square(wrongAt int) *Fn {
	return &Fn{
		Name:    "MySquare",
		Forward: func(in ...T) T { return tensor.Mul(in[0], in[0]) },
		Backward: func(c *Ctx, g V) []V {
			x := c.Input(0)
			k := tensor.Full(2.0, x.Shape()...)
			if wrongAt >= 0 {
				k.Data()[wrongAt] = 1
			}
			return []V{autograd.Mul(g, autograd.Mul(x, autograd.Const(k)))}
		},
	}
}

// applyTo makes a gradcheck.Func of fn applied to the first input, then
// reduced with Sum when sum is set.
func applyTo(fn *Fn, sum bool) gradcheck.Func {
	return func(x []V) V {
		y := fn.Apply(x[0])
		if sum {
			return autograd.Sum(y)
		}
		return y
	}
}

// A correct custom op passes, first and second order (its backward is
// written with autograd ops).
func TestCustomOpCorrectPasses(t *testing.T) {
	x := tns([]int{2, 3}, 0.5, -1.2, 2.0, 0.3, 1.7, -0.8)
	for _, sum := range []bool{true, false} {
		if _, err := gradcheck.Check(applyTo(square(-1), sum), ins(x)); err != nil {
			t.Errorf("Check (sum %v): %v", sum, err)
		}
		if _, err := gradcheck.GradGradCheck(applyTo(square(-1), sum), ins(x)); err != nil {
			t.Errorf("GradGradCheck (sum %v): %v", sum, err)
		}
	}
}

// A custom op whose backward is wrong in one element: the report names that
// element, with both values, and the error wraps ErrMismatch.
func TestCustomOpWrongInOneElement(t *testing.T) {
	x23 := []float64{0.5, -1.2, 2.0, 0.3, 1.7, -0.8}
	tests := []struct {
		name       string
		shape      []int
		wrongAt    int
		sum        bool
		wantTotal  int
		wantIndex  []int
		wantOutput []int
	}{
		{"[2 3] summed, element [0 0]", []int{2, 3}, 0, true, 6, []int{0, 0}, []int{}},
		{"[2 3] summed, element [1 1]", []int{2, 3}, 4, true, 6, []int{1, 1}, []int{}},
		{"[2 3] summed, last element", []int{2, 3}, 5, true, 6, []int{1, 2}, []int{}},
		{"[6] elementwise output, element [3]", []int{6}, 3, false, 36, []int{3}, []int{3}},
		{"[3 2] elementwise output, element [2 0]", []int{3, 2}, 4, false, 36, []int{2, 0}, []int{2, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			x := tns(tc.shape, x23...)
			rep, err := gradcheck.Check(applyTo(square(tc.wrongAt), tc.sum), ins(x))
			ge := asGradcheckError(t, err, rep)
			if !errors.Is(err, gradcheck.ErrMismatch) {
				t.Errorf("error %v does not wrap ErrMismatch", err)
			}
			for _, other := range []error{gradcheck.ErrOrderDependent, gradcheck.ErrMutatedInput} {
				if errors.Is(err, other) {
					t.Errorf("error %v wraps %v too", err, other)
				}
			}
			if rep.Failed != 1 || rep.Total != tc.wantTotal {
				t.Errorf("Failed/Total = %d/%d, want 1/%d", rep.Failed, rep.Total, tc.wantTotal)
			}
			w := ge.Report.Worst
			xk := x23[tc.wrongAt]
			want := gradcheck.Element{Input: 0, Index: tc.wantIndex, Output: tc.wantOutput,
				Analytic: xk, Numeric: 2 * xk, AbsErr: math.Abs(xk), RelErr: 0.5}
			if diff := cmp.Diff(want, *w, equateEmpty, approxOpt); diff != "" {
				t.Errorf("Worst (-want +got):\n%s", diff)
			}
		})
	}
}

// orderCase is a Function with a hidden dependence on evaluation order and
// the OrderError the checker must report for it.
type orderCase struct {
	name string
	// fn returns a fresh op (its state starts clean).
	fn  func() *Fn
	sum bool
	x   []float64
	// want: the first differing element and both values.
	wantIndex, wantOutput []int
	first, second         float64
	// secondOrder is what GradGradCheck reports.
	secondOrder error
}

func orderCases() []orderCase {
	return []orderCase{
		{
			// The classic cached-buffer bug: the backward accumulates into
			// a buffer it keeps between calls and never zeroes.
			name: "backward accumulates into a kept buffer",
			// (A Var kept across calls, so that the backward is written
			// with autograd ops, as a second-order check requires.)
			fn: func() *Fn {
				var buf V
				return &Fn{
					Name:    "LeakySquare",
					Forward: func(in ...T) T { return tensor.Mul(in[0], in[0]) },
					Backward: func(c *Ctx, g V) []V {
						gx := autograd.Mul(g, autograd.Scale(c.Input(0), 2))
						if buf == nil {
							buf = gx
						} else {
							buf = autograd.Add(buf, gx)
						}
						return []V{buf}
					},
				}
			},
			sum: true, x: []float64{0.5, -1, 2},
			// One backward pass per evaluation: 2x the first time, 4x the second.
			wantIndex: []int{0}, wantOutput: []int{}, first: 1, second: 2,
			// The first-order gradient (2x, then 4x) is GradGradCheck's
			// function value: it differs between the two evaluations.
			secondOrder: gradcheck.ErrOrderDependent,
		},
		{
			// The backward reads what the latest forward saved on the op,
			// not what its own forward saved (state on the Function instead
			// of the Context): right when the op is used once, wrong as
			// soon as anything else runs a forward before the backward.
			name: "backward reads state saved on the op by the latest forward",
			fn: func() *Fn {
				var saved T
				return &Fn{
					Name: "SharedStateSquare",
					Forward: func(in ...T) T {
						saved = in[0]
						return tensor.Mul(in[0], in[0])
					},
					Backward: func(c *Ctx, g V) []V {
						return []V{autograd.Mul(g, autograd.Const(tensor.Scale(saved, 2)))}
					},
				}
			},
			sum: true, x: []float64{0.5, -1, 2},
			// The second evaluation runs after a forward pass at
			// x + (1+|x|)/128: 2·(0.5 + 1.5/128).
			wantIndex: []int{0}, wantOutput: []int{}, first: 1, second: 2 * (0.5 + 1.5/128),
			// Inside GradGradCheck's function the backward runs right after
			// its forward, so the bug is invisible there; but its backward
			// is a constant, so the second derivative is 0, not 2.
			secondOrder: gradcheck.ErrMismatch,
		},
		{
			// A backward whose result depends on how often it ran.
			name: "backward scaled by a call counter, non-scalar output",
			fn: func() *Fn {
				calls := 0
				return &Fn{
					Name:    "CountingSquare",
					Forward: func(in ...T) T { return tensor.Mul(in[0], in[0]) },
					Backward: func(c *Ctx, g V) []V {
						calls++
						k := 2 * (1 + 1e-3*float64(calls))
						return []V{autograd.Mul(g, autograd.Scale(c.Input(0), k))}
					},
				}
			},
			sum: false, x: []float64{0.5, -1, 2},
			// Output element 0 is the first backward of the first
			// evaluation (call 1) and the last of the second (call 6).
			wantIndex: []int{0}, wantOutput: []int{0}, first: 2 * 1.001 * 0.5, second: 2 * 1.006 * 0.5,
			secondOrder: gradcheck.ErrOrderDependent,
		},
	}
}

// A backward that depends on evaluation order is an *OrderError wrapping
// ErrOrderDependent, naming the element and both values; not a mismatch.
func TestCustomOpOrderDependent(t *testing.T) {
	for _, tc := range orderCases() {
		t.Run(tc.name, func(t *testing.T) {
			x := tns([]int{len(tc.x)}, tc.x...)
			before := cloneData(ins(x))
			_, err := gradcheck.Check(applyTo(tc.fn(), tc.sum), ins(x))
			checkUnchanged(t, ins(x), before)
			if !errors.Is(err, gradcheck.ErrOrderDependent) {
				t.Fatalf("Check error = %v, want one wrapping ErrOrderDependent", err)
			}
			if errors.Is(err, gradcheck.ErrMismatch) || errors.Is(err, gradcheck.ErrMutatedInput) {
				t.Errorf("error %v wraps another sentinel too", err)
			}
			var oe *gradcheck.OrderError
			if !errors.As(err, &oe) {
				t.Fatalf("error %v (%T) is not an *OrderError", err, err)
			}
			if oe.Input != 0 || oe.Grad != 0 {
				t.Errorf("Input, Grad = %d, %d; want 0, 0", oe.Input, oe.Grad)
			}
			if diff := cmp.Diff(tc.wantIndex, oe.Index, equateEmpty); diff != "" {
				t.Errorf("Index (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantOutput, oe.Output, equateEmpty); diff != "" {
				t.Errorf("Output (-want +got):\n%s", diff)
			}
			if !near(oe.First, tc.first, 1e-12) || !near(oe.Second, tc.second, 1e-12) {
				t.Errorf("First, Second = %.17g, %.17g; want %.17g, %.17g", oe.First, oe.Second, tc.first, tc.second)
			}
			for _, s := range []string{"gradcheck: ", "evaluation order", oe.Where, "input 0 element"} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
		})
	}
}

// The second-order check catches the same ops.
func TestCustomOpOrderDependentSecondOrder(t *testing.T) {
	for _, tc := range orderCases() {
		t.Run(tc.name, func(t *testing.T) {
			_, err := gradcheck.GradGradCheck(applyTo(tc.fn(), tc.sum), ins(tns([]int{len(tc.x)}, tc.x...)))
			if !errors.Is(err, tc.secondOrder) {
				t.Fatalf("GradGradCheck error = %v, want one wrapping %v", err, tc.secondOrder)
			}
			if !strings.HasPrefix(err.Error(), "gradcheck: second order: ") {
				t.Errorf("error %q lacks the second-order prefix", err)
			}
		})
	}
}

// A custom op that modifies its input, in its forward or its backward, is an
// error wrapping ErrMutatedInput that says where; the caller's inputs are
// untouched.
func TestCustomOpMutatesInput(t *testing.T) {
	tests := []struct {
		name     string
		fn       *Fn
		wantWhen map[string]string // check → the phase its error names
	}{
		{"in-place ReLU in the forward pass", &Fn{
			Name: "InPlaceReLU",
			Forward: func(in ...T) T {
				d := in[0].Data()
				for i, v := range d {
					d[i] = math.Max(v, 0)
				}
				return in[0]
			},
			Backward: func(c *Ctx, g V) []V {
				return []V{autograd.Mul(g, autograd.Const(tensor.Step(c.Output().Value())))}
			},
		}, map[string]string{"Check": "in the forward pass", "GradGradCheck": "while computing the first-order gradients"}},
		{"backward scales its saved input in place", &Fn{
			Name:    "SquareScalingInput",
			Forward: func(in ...T) T { return tensor.Mul(in[0], in[0]) },
			Backward: func(c *Ctx, g V) []V {
				x := c.Input(0).Value()
				x.AddInPlace(x) // "2x", computed where x lives
				return []V{autograd.Mul(g, autograd.Const(x.Clone()))}
			},
		}, map[string]string{"Check": "in the backward pass", "GradGradCheck": "while computing the first-order gradients"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inputs := ins(tns([]int{3}, 0.5, -1, 2))
			before := cloneData(inputs)
			for name, check := range map[string]func(gradcheck.Func, []T, ...gradcheck.Option) (gradcheck.Report, error){
				"Check": gradcheck.Check, "GradGradCheck": gradcheck.GradGradCheck,
			} {
				_, err := check(applyTo(tc.fn, true), inputs)
				if !errors.Is(err, gradcheck.ErrMutatedInput) {
					t.Errorf("%s error = %v, want one wrapping ErrMutatedInput", name, err)
					continue
				}
				if errors.Is(err, gradcheck.ErrMismatch) || errors.Is(err, gradcheck.ErrOrderDependent) {
					t.Errorf("%s error %v wraps another sentinel too", name, err)
				}
				for _, s := range []string{"input 0", tc.wantWhen[name]} {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("%s error %q lacks %q", name, err, s)
					}
				}
			}
			checkUnchanged(t, inputs, before)
		})
	}
}

// A panic in a custom op's backward (here the engine's, for a wrong number
// of gradients) is a *PanicError with the panic value and a stack, not a
// crash of the test binary.
func TestCustomOpPanicIsAnError(t *testing.T) {
	fn := &Fn{
		Name:    "TwoInputsOneGrad",
		Forward: func(in ...T) T { return tensor.Mul(in[0], in[1]) },
		Backward: func(c *Ctx, g V) []V {
			return []V{autograd.Mul(g, c.Input(1))}
		},
	}
	f := func(x []V) V { return autograd.Sum(fn.Apply(x[0], x[1])) }
	inputs := ins(tns([]int{2}, 1, 2), tns([]int{2}, 3, 4))
	for name, check := range map[string]func(gradcheck.Func, []T, ...gradcheck.Option) (gradcheck.Report, error){
		"Check": gradcheck.Check, "GradGradCheck": gradcheck.GradGradCheck,
	} {
		_, err := check(f, inputs)
		var pe *gradcheck.PanicError
		if !errors.As(err, &pe) {
			t.Errorf("%s error = %v (%T), want a *PanicError", name, err, err)
			continue
		}
		if len(pe.Stack) == 0 {
			t.Errorf("%s: PanicError.Stack is empty", name)
		}
		for _, s := range []string{"panic", "TwoInputsOneGrad", "1 gradients for 2 inputs"} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%s error %q lacks %q", name, err, s)
			}
		}
	}

	// A panic value that is an error stays reachable.
	shapeBug := func(x []V) V { return autograd.Sum(autograd.MatMul(x[0], x[0])) }
	_, err := gradcheck.Check(shapeBug, ins(tns([]int{2, 3}, 1, 2, 3, 4, 5, 6)))
	var se *tensor.ShapeError
	if !errors.As(err, &se) {
		t.Errorf("error %v does not unwrap to the *tensor.ShapeError panic value", err)
	}
}

// A function whose value differs between two evaluations at the same point
// is order-dependent too: an *OrderError with Input -1 naming the output
// element. In GradGradCheck the function is the first-order gradient, so a
// backward that keeps state shows up this way.
func TestOrderDependentValue(t *testing.T) {
	t.Run("forward with a call counter", func(t *testing.T) {
		calls := 0
		f := func(x []V) V {
			calls++
			return autograd.Scale(x[0], 1+float64(calls))
		}
		_, err := gradcheck.Check(f, ins(tns([]int{2}, 0.5, 4)))
		var oe *gradcheck.OrderError
		if !errors.As(err, &oe) || !errors.Is(err, gradcheck.ErrOrderDependent) {
			t.Fatalf("Check error = %v (%T), want an *OrderError", err, err)
		}
		// The first evaluation scales by 2, the second by 3.
		want := gradcheck.OrderError{Input: -1, Output: []int{0}, First: 1, Second: 1.5, Where: "output [0]"}
		if diff := cmp.Diff(want, *oe, equateEmpty, cmpopts.IgnoreUnexported(gradcheck.OrderError{})); diff != "" {
			t.Errorf("OrderError (-want +got):\n%s", diff)
		}
		if msg := err.Error(); !strings.Contains(msg, "output [0] was 1 at the first evaluation and 1.5 at the second") {
			t.Errorf("error %q does not describe the two values", msg)
		}
	})
	t.Run("second order: backward accumulating into a kept buffer", func(t *testing.T) {
		fn := orderCases()[0].fn()
		_, err := gradcheck.GradGradCheck(applyTo(fn, true), ins(tns([]int{3}, 0.5, -1, 2)), gradcheck.Names("x"))
		var oe *gradcheck.OrderError
		if !errors.As(err, &oe) {
			t.Fatalf("GradGradCheck error = %v (%T), want an *OrderError", err, err)
		}
		// The gradient is 2x·v (v the random grad output) the first time,
		// twice that the second.
		want := gradcheck.OrderError{Input: -1, Grad: 0, Output: []int{0}, First: oe.First, Second: 2 * oe.First, Where: "gradient of x element [0]"}
		if diff := cmp.Diff(want, *oe, equateEmpty, cmpopts.IgnoreUnexported(gradcheck.OrderError{})); diff != "" {
			t.Errorf("OrderError (-want +got):\n%s", diff)
		}
		if oe.First == 0 {
			t.Errorf("First = 0, want 2·x[0]·v[0] ≠ 0")
		}
		if !strings.HasPrefix(err.Error(), "gradcheck: second order: gradient depends on evaluation order: gradient of x element [0] was ") {
			t.Errorf("error = %q", err)
		}
	})
}
