package gradcheck_test

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/tensor"
)

// smooth is tanh(W·x + b) ∘ x[:2] of three inputs, with broadcasting.
func smooth(in []V) V {
	h := autograd.Tanh(autograd.Add(autograd.MatMul(in[0], in[1]), in[2]))
	return autograd.Mul(h, autograd.Exp(autograd.Sum(in[1], 0)))
}

func TestCheckJVPPasses(t *testing.T) {
	w := tns([]int{2, 3}, 0.5, -1, 0.25, 2, 0.1, -0.3)
	x := tns([]int{3, 2}, 0.3, -0.7, 1.1, 0.2, -0.4, 0.9)
	b := tns([]int{2}, 0.1, -0.2)
	inputs := ins(w, x, b)
	before := cloneData(inputs)
	rep, err := gradcheck.CheckJVP(smooth, inputs, gradcheck.Names("W", "x", "b"))
	if err != nil {
		t.Fatalf("CheckJVP: %v", err)
	}
	if want := 4 * (6 + 6 + 2); rep.Total != want || rep.Failed != 0 {
		t.Errorf("Total %d, Failed %d; want %d and 0", rep.Total, rep.Failed, want)
	}
	if rep.MaxAbsErr > 1e-8 || rep.Worst == nil {
		t.Errorf("MaxAbsErr %g (want < 1e-8), Worst %v", rep.MaxAbsErr, rep.Worst)
	}
	checkUnchanged(t, inputs, before)
	if !gradcheck.AssertJVP(t, smooth, inputs) {
		t.Error("AssertJVP returned false for a correct function")
	}
}

// TestCheckJVPFindsWrongDerivative: x·Detach(x) at one element has half
// the derivative there, in forward mode as in reverse; CheckJVP names it.
func TestCheckJVPFindsWrongDerivative(t *testing.T) {
	x := tns([]int{2, 2}, 1, 2, 3, 4)
	f := func(in []V) V { return squareWrongAt(in[0], 2) }
	rep, err := gradcheck.CheckJVP(f, ins(x), gradcheck.Names("x"))
	if !errors.Is(err, gradcheck.ErrMismatch) {
		t.Fatalf("err = %v, want one wrapping ErrMismatch", err)
	}
	var ge *gradcheck.Error
	if !errors.As(err, &ge) || ge.Report.Failed != rep.Failed {
		t.Fatalf("err = %#v, want a *gradcheck.Error carrying the report", err)
	}
	// The report itself says forward mode, so that its Text (as a suite
	// prints it) says it too.
	if !rep.Forward || !strings.HasPrefix(err.Error(), "gradcheck: forward mode: 1 of 16 Jacobian elements") ||
		!strings.HasPrefix(rep.Text(), "forward mode: 1 of 16 Jacobian elements") || !strings.Contains(err.Error(), "x element [1 0]") {
		t.Errorf("Forward %v, error %q, Text %q; want forward mode named first, and the element", rep.Forward, err, rep.Text())
	}
	w := rep.Worst
	if rep.Failed != 1 || w == nil || !cmp.Equal(w.Index, []int{1, 0}) || !cmp.Equal(w.Output, []int{1, 0}) {
		t.Fatalf("Failed %d, Worst %+v; want 1 failure at element [1 0], output [1 0]", rep.Failed, w)
	}
	if !approxEq(w.Analytic, 3, 1e-12) || !approxEq(w.Numeric, 6, 1e-6) {
		t.Errorf("worst analytic %v, numeric %v; want 3 (x) and 6 (2x)", w.Analytic, w.Numeric)
	}
}

// approxEq reports whether a is within tol of b.
func approxEq(a, b, tol float64) bool { return a-b <= tol && b-a <= tol }

// TestCheckJVPRawBackward: a custom op whose Backward is written on raw
// tensors has no forward rule; CheckJVP reports the panic naming it.
func TestCheckJVPRawBackward(t *testing.T) {
	double := &autograd.Function[float64]{
		Name:    "RawDouble",
		Forward: func(in ...T) T { return tensor.Scale(in[0], 2) },
		Backward: func(c *autograd.Context[float64], g V) []V {
			return []V{autograd.Const(tensor.Scale(g.Value(), 2))}
		},
	}
	f := func(in []V) V { return double.Apply(in[0]) }
	x := tns([]int{3}, 1, 2, 3)
	gradcheck.Assert(t, f, ins(x)) // reverse mode is right
	_, err := gradcheck.CheckJVP(f, ins(x))
	var pe *gradcheck.PanicError
	var ue *autograd.UsageError
	if !errors.As(err, &pe) || !errors.As(err, &ue) || ue.Op != "RawDouble" {
		t.Fatalf("err = %v, want a *PanicError wrapping a *UsageError naming RawDouble", err)
	}
}

func TestCheckJVPFaults(t *testing.T) {
	x := tns([]int{2}, 1, 2)
	for _, tc := range []struct {
		name string
		f    gradcheck.Func
		opts []gradcheck.Option
		want string
		is   error
	}{
		{"nil output", func(in []V) V { return nil }, nil, "returned nil", nil},
		{"mutated input", func(in []V) V {
			in[0].Value().Data()[0] += 1
			return autograd.Square(in[0])
		}, nil, "", gradcheck.ErrMutatedInput},
		{"bad options", func(in []V) V { return in[0] }, []gradcheck.Option{gradcheck.Eps(-1)}, "invalid options", nil},
		// A value that changes from call to call (a random op) is reported
		// as such, not as wrong forward-mode derivatives.
		{"value changes between calls", func() gradcheck.Func {
			calls := 0
			return func(in []V) V {
				calls++
				return autograd.Scale(in[0], float64(calls))
			}
		}(), nil, "gradcheck: forward mode: gradient depends on evaluation order: output [0] was 1 at the first evaluation and 2 at the second", gradcheck.ErrOrderDependent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := gradcheck.CheckJVP(tc.f, ins(x.Clone()), tc.opts...)
			switch {
			case err == nil:
				t.Fatal("CheckJVP passed")
			case tc.is != nil && !errors.Is(err, tc.is):
				t.Errorf("err = %v, want one wrapping %v", err, tc.is)
			case !strings.Contains(err.Error(), tc.want):
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// TestCheckJVPTableOps checks forward mode against finite differences for
// a few ops of each kind of forward rule: a pointwise op, an elementwise
// one that broadcasts, a product, and ops that use the rule derived from
// their backward (softmax, a reduction, a shape op).
func TestCheckJVPTableOps(t *testing.T) {
	want := map[string]bool{"Tanh": true, "Atan2": true, "MatMul": true, "Softmax": true, "Max": true, "Concat": true, "LogSumExp": true}
	seen := 0
	for _, op := range autograd.Ops() {
		if !want[op.Name] {
			continue
		}
		seen++
		shapes := op.Shapes
		if shapes == nil {
			shapes = [][]int{{2, 3}}
		}
		rng := newTestRand(uint64(seen))
		xs := make([]T, len(shapes))
		for i, s := range shapes {
			lo, hi := op.Domain[0], op.Domain[1]
			xs[i] = tensor.RandUniform(rng, lo+(hi-lo)/4, hi-(hi-lo)/4, s...)
		}
		t.Run(op.Name, func(t *testing.T) {
			gradcheck.AssertJVP(t, func(in []V) V { return op.Apply64(in...) }, xs)
		})
	}
	if seen < 5 {
		t.Errorf("found %d of the ops %v in the table", seen, want)
	}
}

// newTestRand returns a deterministic generator.
func newTestRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 17)) }
