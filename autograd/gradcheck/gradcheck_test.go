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

type (
	V = *autograd.Var[float64]
	T = *tensor.Tensor[float64]
)

// tns builds a float64 tensor of the given shape.
func tns(shape []int, data ...float64) T { return tensor.MustNew(data, shape...) }

// ins gathers inputs for Check.
func ins(ts ...T) []T { return ts }

// oneHot returns the constant mask of x's shape with a 1 at flat index k,
// and its complement 1-m.
func oneHot(shape []int, k int) (m, notM V) {
	mt := tensor.Zeros[float64](shape...)
	mt.Data()[k] = 1
	return autograd.Const(mt), autograd.Const(tensor.Sub(tensor.Ones[float64](shape...), mt))
}

// squareWrongAt returns x² elementwise, with a derivative that is right (2x)
// everywhere except at flat element k, where it is x_k: there the square is
// written x·Detach(x), so the gradient flows through one factor only.
func squareWrongAt(x V, k int) V {
	m, notM := oneHot(x.Shape(), k)
	return autograd.Add(
		autograd.Mul(autograd.Mul(x, autograd.Detach(x)), m),
		autograd.Mul(autograd.Square(x), notM))
}

// cloneData copies the data of every input, to check later that Check left
// them alone.
func cloneData(inputs []T) [][]float64 {
	out := make([][]float64, len(inputs))
	for i, x := range inputs {
		out[i] = append([]float64(nil), x.Data()...)
	}
	return out
}

func checkUnchanged(t *testing.T, inputs []T, before [][]float64) {
	t.Helper()
	for i, x := range inputs {
		if diff := cmp.Diff(before[i], x.Data()); diff != "" {
			t.Errorf("Check modified the caller's input %d (-before +after):\n%s", i, diff)
		}
	}
}

var equateEmpty = cmpopts.EquateEmpty()

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// checkWorstConsistent asserts the invariants every Worst element must
// satisfy, whatever the function.
func checkWorstConsistent(t *testing.T, rep gradcheck.Report) {
	t.Helper()
	w := rep.Worst
	if w == nil {
		t.Fatalf("Worst = nil for a non-empty Jacobian (Total %d)", rep.Total)
	}
	if got := math.Abs(w.Analytic - w.Numeric); !math.IsNaN(got) && got != w.AbsErr {
		t.Errorf("Worst.AbsErr = %g, want |Analytic - Numeric| = %g", w.AbsErr, got)
	}
	if w.AbsErr > rep.MaxAbsErr {
		t.Errorf("Worst.AbsErr %g > MaxAbsErr %g", w.AbsErr, rep.MaxAbsErr)
	}
	if w.RelErr > rep.MaxRelErr {
		t.Errorf("Worst.RelErr %g > MaxRelErr %g", w.RelErr, rep.MaxRelErr)
	}
}

// asGradcheckError asserts that err is a *gradcheck.Error carrying rep.
func asGradcheckError(t *testing.T, err error, rep gradcheck.Report) *gradcheck.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("Check returned no error; report: %v", rep)
	}
	var ge *gradcheck.Error
	if !errors.As(err, &ge) {
		t.Fatalf("error %v (%T) is not a *gradcheck.Error", err, err)
	}
	if diff := cmp.Diff(rep, ge.Report, cmpopts.EquateNaNs()); diff != "" {
		t.Errorf("Error.Report differs from the returned report (-returned +in error):\n%s", diff)
	}
	if !strings.HasPrefix(err.Error(), "gradcheck: ") {
		t.Errorf("error %q lacks the \"gradcheck: \" prefix", err)
	}
	if !errors.Is(err, gradcheck.ErrMismatch) {
		t.Errorf("error %v does not wrap ErrMismatch", err)
	}
	return ge
}

// 1. Correct functions pass, with a coherent report.
func TestCheckCorrectFunctionsPass(t *testing.T) {
	tanh := math.Tanh
	sig := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
	a3 := []float64{0.1, -0.4, 0.7}
	b3 := []float64{1.5, 0.2, -2}
	A := []float64{0.3, -0.2, 0.5, 0.1, 0.9, -0.7}  // [2 3]
	B := []float64{0.4, -1.1, 0.6, 0.25, -0.3, 0.8} // [3 2]
	bias := []float64{0.2, -0.5, 1.1}               // [3]

	tests := []struct {
		name      string
		f         gradcheck.Func
		inputs    []T
		wantTotal int
		// want gives the exact Jacobian element d out[o] / d input[in][idx]
		// (nil to skip), to check that Worst names an element and its value.
		want func(in int, idx, o []int) float64
	}{
		{
			name: "Sum(Mul(Tanh(a), b))",
			f: func(x []V) V {
				return autograd.Sum(autograd.Mul(autograd.Tanh(x[0]), x[1]))
			},
			inputs:    ins(tns([]int{3}, a3...), tns([]int{3}, b3...)),
			wantTotal: 1 * (3 + 3),
			want: func(in int, idx, o []int) float64 {
				j := idx[0]
				if in == 0 {
					th := tanh(a3[j])
					return b3[j] * (1 - th*th)
				}
				return tanh(a3[j])
			},
		},
		{
			name: "Sigmoid(MatMul(A, B)) non-scalar [2 2]",
			f: func(x []V) V {
				return autograd.Sigmoid(autograd.MatMul(x[0], x[1]))
			},
			inputs:    ins(tns([]int{2, 3}, A...), tns([]int{3, 2}, B...)),
			wantTotal: 4 * (6 + 6),
			want: func(in int, idx, o []int) float64 {
				r, c := o[0], o[1]
				z := 0.0
				for k := range 3 {
					z += A[r*3+k] * B[k*2+c]
				}
				d := sig(z) * (1 - sig(z))
				if in == 0 { // d/dA[i,k] = [i==r] σ'(z) B[k,c]
					if idx[0] != r {
						return 0
					}
					return d * B[idx[1]*2+c]
				}
				// d/dB[k,c'] = [c'==c] σ'(z) A[r,k]
				if idx[1] != c {
					return 0
				}
				return d * A[r*3+idx[0]]
			},
		},
		{
			name: "Sigmoid(Add(a [2 3], b [3])) broadcasting",
			f: func(x []V) V {
				return autograd.Sigmoid(autograd.Add(x[0], x[1]))
			},
			inputs:    ins(tns([]int{2, 3}, A...), tns([]int{3}, bias...)),
			wantTotal: 6 * (6 + 3),
			want: func(in int, idx, o []int) float64 {
				r, c := o[0], o[1]
				s := sig(A[r*3+c] + bias[c])
				d := s * (1 - s)
				if in == 0 {
					if idx[0] != r || idx[1] != c {
						return 0
					}
					return d
				}
				if idx[0] != c {
					return 0
				}
				return d
			},
		},
		{
			name: "Sum(Mul(a [2 3], s [])) 0-d broadcast",
			f: func(x []V) V {
				return autograd.Sum(autograd.Mul(x[0], x[1]))
			},
			inputs:    ins(tns([]int{2, 3}, A...), tensor.Scalar(0.7)),
			wantTotal: 1 * (6 + 1),
			want: func(in int, idx, o []int) float64 {
				if in == 0 {
					return 0.7
				}
				s := 0.0
				for _, v := range A {
					s += v
				}
				return s
			},
		},
		{
			name: "MSE(Tanh(MatMulT(A, B, false, true)), target) with Transpose",
			f: func(x []V) V {
				// A [2 3] · (Bᵀ)ᵀ: x[1] is [2 3], transposed to [3 2] and back by MatMulT.
				h := autograd.Tanh(autograd.MatMulT(x[0], autograd.Transpose(x[1]), false, false))
				return autograd.MSE(h, autograd.Const(tns([]int{2, 2}, 0.1, -0.2, 0.3, 0.4)))
			},
			inputs:    ins(tns([]int{2, 3}, A...), tns([]int{3, 2}, B...).Reshape(2, 3)),
			wantTotal: 1 * (6 + 6),
		},
		{
			name: "Mean(Div(Exp(a), Add(Square(b), 1))) + Log, Pow, Neg, Scale, Sub, Reshape",
			f: func(x []V) V {
				q := autograd.Div(autograd.Exp(x[0]), autograd.Add(autograd.Square(x[1]), autograd.Scalar(1.0)))
				r := autograd.Sub(autograd.Log(autograd.Pow(autograd.Add(x[1], autograd.Scalar(3.0)), 1.5)), autograd.Neg(autograd.Scale(x[0], 0.5)))
				return autograd.Mean(autograd.Reshape(autograd.Mul(q, r), 3, 2), 1)
			},
			inputs:    ins(tns([]int{2, 3}, A...), tns([]int{2, 3}, B...)),
			wantTotal: 3 * (6 + 6),
		},
		{
			// Reshape returns a view sharing the input's data, so the
			// output aliases the perturbed input.
			name:      "Reshape(a [2 3], 6): output is a view of the input",
			f:         func(x []V) V { return autograd.Reshape(x[0], 6) },
			inputs:    ins(tns([]int{2, 3}, A...)),
			wantTotal: 6 * 6,
			want: func(in int, idx, o []int) float64 {
				if idx[0]*3+idx[1] == o[0] {
					return 1
				}
				return 0
			},
		},
		{
			name:      "identity: output is the input itself",
			f:         func(x []V) V { return x[0] },
			inputs:    ins(tns([]int{2, 2}, 1, 2, 3, 4)),
			wantTotal: 4 * 4,
			want: func(in int, idx, o []int) float64 {
				if idx[0] == o[0] && idx[1] == o[1] {
					return 1
				}
				return 0
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			before := cloneData(tc.inputs)
			rep, err := gradcheck.Check(tc.f, tc.inputs)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			checkUnchanged(t, tc.inputs, before)
			if rep.Failed != 0 {
				t.Errorf("Failed = %d, want 0", rep.Failed)
			}
			if rep.Total != tc.wantTotal {
				t.Errorf("Total = %d, want %d", rep.Total, tc.wantTotal)
			}
			if !(rep.MaxAbsErr < 1e-7) {
				t.Errorf("MaxAbsErr = %g, want < 1e-7", rep.MaxAbsErr)
			}
			if rep.Atol != 1e-5 || rep.Rtol != 1e-3 || rep.Eps != 1e-6 {
				t.Errorf("Atol, Rtol, Eps = %g, %g, %g; want defaults 1e-5, 1e-3, 1e-6", rep.Atol, rep.Rtol, rep.Eps)
			}
			checkWorstConsistent(t, rep)
			w := rep.Worst
			if w.Input < 0 || w.Input >= len(tc.inputs) {
				t.Fatalf("Worst.Input = %d, out of range", w.Input)
			}
			if got, want := len(w.Index), tc.inputs[w.Input].Dims(); got != want {
				t.Errorf("Worst.Index = %v has %d coordinates, want %d", w.Index, got, want)
			}
			if !near(w.Analytic, w.Numeric, 1e-7) {
				t.Errorf("Worst: analytic %g, numeric %g differ", w.Analytic, w.Numeric)
			}
			if tc.want != nil {
				if want := tc.want(w.Input, w.Index, w.Output); !near(w.Analytic, want, 1e-12) {
					t.Errorf("Worst (input %d element %v output %v): Analytic = %.15g, want %.15g",
						w.Input, w.Index, w.Output, w.Analytic, want)
				}
			}
		})
	}
}

// 2, 3, 4. A wrong derivative is caught and located exactly.
func TestCheckWrongGradientLocated(t *testing.T) {
	x23 := []float64{0.5, -1.2, 2.0, 0.3, 1.7, -0.8}
	tests := []struct {
		name       string
		f          gradcheck.Func
		inputs     []T
		wantTotal  int
		wantFailed int
		wantInput  int
		wantIndex  []int
		wantOutput []int
		analytic   float64
		numeric    float64
		wantMsg    []string
	}{
		{
			// Every element is off by a factor of 2; the worst (largest
			// AbsErr / (atol + rtol|numeric|)) is the largest |x|.
			name:       "Sum(x·Detach(x)) off by 2 everywhere",
			f:          func(x []V) V { return autograd.Sum(autograd.Mul(x[0], autograd.Detach(x[0]))) },
			inputs:     ins(tns([]int{2, 3}, x23...)),
			wantTotal:  6,
			wantFailed: 6,
			wantInput:  0,
			wantIndex:  []int{0, 2},
			wantOutput: []int{},
			analytic:   2.0,
			numeric:    4.0,
			wantMsg:    []string{"6 of 6", "input 0", "element [0 2]", "output []", "analytic 2", "numeric 4"},
		},
		{
			name:       "one element of a 2-D input wrong",
			f:          func(x []V) V { return autograd.Sum(squareWrongAt(x[0], 4)) },
			inputs:     ins(tns([]int{2, 3}, x23...)),
			wantTotal:  6,
			wantFailed: 1,
			wantInput:  0,
			wantIndex:  []int{1, 1},
			wantOutput: []int{},
			analytic:   1.7,
			numeric:    3.4,
			wantMsg:    []string{"1 of 6", "input 0", "element [1 1]", "analytic 1.7", "numeric 3.4"},
		},
		{
			name:       "one element of a 1-D input wrong",
			f:          func(x []V) V { return autograd.Sum(squareWrongAt(x[0], 0)) },
			inputs:     ins(tns([]int{4}, -0.6, 0.9, 1.3, -2.2)),
			wantTotal:  4,
			wantFailed: 1,
			wantIndex:  []int{0},
			wantOutput: []int{},
			analytic:   -0.6,
			numeric:    -1.2,
			wantMsg:    []string{"1 of 4", "input 0", "element [0]", "analytic -0.6", "numeric -1.2"},
		},
		{
			name: "wrong element in input 1 of 3",
			f: func(x []V) V {
				return autograd.Sum(autograd.Add(
					autograd.Mul(autograd.Tanh(x[0]), squareWrongAt(x[1], 2)),
					autograd.Mul(x[2], x[1])))
			},
			inputs:     ins(tns([]int{3}, 0.4, -0.3, 0.9), tns([]int{3}, 1.1, 0.6, -1.4), tns([]int{3}, 0.2, 0.5, -0.1)),
			wantTotal:  9,
			wantFailed: 1,
			wantInput:  1,
			wantIndex:  []int{2},
			wantOutput: []int{},
			// d/dx1[2] = tanh(0.9)·(2·x1) + x2 analytically with x1 instead of 2·x1.
			analytic: math.Tanh(0.9)*-1.4 + -0.1,
			numeric:  math.Tanh(0.9)*2*-1.4 + -0.1,
			wantMsg:  []string{"1 of 9", "input 1", "element [2]"},
		},
		{
			name: "wrong element in input 2 of 3 (2-D)",
			f: func(x []V) V {
				return autograd.Sum(autograd.Mul(autograd.Add(x[0], x[1]), squareWrongAt(x[2], 3)))
			},
			inputs:     ins(tns([]int{2, 2}, 1, 2, 3, 4), tns([]int{2, 2}, 0.5, 0.5, 0.5, 0.5), tns([]int{2, 2}, 0.3, -0.7, 1.2, 0.9)),
			wantTotal:  12,
			wantFailed: 1,
			wantInput:  2,
			wantIndex:  []int{1, 1},
			wantOutput: []int{},
			analytic:   4.5 * 0.9,
			numeric:    4.5 * 2 * 0.9,
			wantMsg:    []string{"1 of 12", "input 2", "element [1 1]"},
		},
		{
			// The output is the transpose of x², so input element [1 2]
			// lands in output element [2 1].
			name:       "non-scalar output: transpose",
			f:          func(x []V) V { return autograd.Transpose(squareWrongAt(x[0], 5)) },
			inputs:     ins(tns([]int{2, 3}, x23...)),
			wantTotal:  6 * 6,
			wantFailed: 1,
			wantInput:  0,
			wantIndex:  []int{1, 2},
			wantOutput: []int{2, 1},
			analytic:   -0.8,
			numeric:    -1.6,
			wantMsg:    []string{"1 of 36", "input 0", "element [1 2]", "output [2 1]"},
		},
		{
			name:       "non-scalar output: reshape to [6]",
			f:          func(x []V) V { return autograd.Reshape(squareWrongAt(x[0], 3), 6) },
			inputs:     ins(tns([]int{2, 3}, x23...)),
			wantTotal:  6 * 6,
			wantFailed: 1,
			wantIndex:  []int{1, 0},
			wantOutput: []int{3},
			analytic:   0.3,
			numeric:    0.6,
			wantMsg:    []string{"1 of 36", "element [1 0]", "output [3]"},
		},
		{
			name: "non-scalar output, second input wrong: MatMul(x0, x1²)",
			f: func(x []V) V {
				return autograd.MatMul(x[0], squareWrongAt(x[1], 1))
			},
			// x0 [1 2], x1 [2 2]; out[0,c] = Σ_k x0[k] x1[k,c]²; element x1[0,1]
			// only reaches out[0,1]: d = x0[0]·2·x1[0,1] (analytic x0[0]·x1[0,1]).
			inputs:     ins(tns([]int{1, 2}, 1.5, -0.5), tns([]int{2, 2}, 0.2, 1.1, -0.4, 0.7)),
			wantTotal:  2 * (2 + 4),
			wantFailed: 1,
			wantInput:  1,
			wantIndex:  []int{0, 1},
			wantOutput: []int{0, 1},
			analytic:   1.5 * 1.1,
			numeric:    1.5 * 2 * 1.1,
			wantMsg:    []string{"1 of 12", "input 1", "element [0 1]", "output [0 1]"},
		},
		{
			// No gradient flows at all (the output does not require one):
			// analytic 0, numeric 1 everywhere.
			name:       "fully detached output",
			f:          func(x []V) V { return autograd.Detach(autograd.Sum(x[0])) },
			inputs:     ins(tns([]int{3}, 0.1, 0.2, 0.3)),
			wantTotal:  3,
			wantFailed: 3,
			wantIndex:  []int{0},
			wantOutput: []int{},
			analytic:   0,
			numeric:    1,
			wantMsg:    []string{"3 of 3", "input 0", "element [0]"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			before := cloneData(tc.inputs)
			rep, err := gradcheck.Check(tc.f, tc.inputs)
			ge := asGradcheckError(t, err, rep)
			checkUnchanged(t, tc.inputs, before)
			if rep.Failed != tc.wantFailed || rep.Total != tc.wantTotal {
				t.Errorf("Failed/Total = %d/%d, want %d/%d", rep.Failed, rep.Total, tc.wantFailed, tc.wantTotal)
			}
			checkWorstConsistent(t, rep)
			w := ge.Report.Worst
			if w.Input != tc.wantInput {
				t.Errorf("Worst.Input = %d, want %d", w.Input, tc.wantInput)
			}
			if diff := cmp.Diff(tc.wantIndex, w.Index, equateEmpty); diff != "" {
				t.Errorf("Worst.Index (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantOutput, w.Output, equateEmpty); diff != "" {
				t.Errorf("Worst.Output (-want +got):\n%s", diff)
			}
			if !near(w.Analytic, tc.analytic, 1e-12) {
				t.Errorf("Worst.Analytic = %.15g, want %.15g", w.Analytic, tc.analytic)
			}
			if !near(w.Numeric, tc.numeric, 1e-6) {
				t.Errorf("Worst.Numeric = %.15g, want ≈ %.15g", w.Numeric, tc.numeric)
			}
			if want := math.Abs(tc.analytic - tc.numeric); !near(w.AbsErr, want, 1e-6) {
				t.Errorf("Worst.AbsErr = %g, want ≈ %g", w.AbsErr, want)
			}
			if want := math.Abs(tc.analytic-tc.numeric) / math.Abs(tc.numeric); !near(w.RelErr, want, 1e-6) {
				t.Errorf("Worst.RelErr = %g, want ≈ %g", w.RelErr, want)
			}
			msg := err.Error()
			for _, s := range append([]string{"analytic", "numeric", "worst"}, tc.wantMsg...) {
				if !strings.Contains(msg, s) {
					t.Errorf("error message lacks %q:\n%s", s, msg)
				}
			}
		})
	}
}

// A zero numeric derivative with a non-zero analytic one has an infinite
// relative error and always fails, whatever the tolerance.
func TestCheckZeroNumericNonZeroAnalytic(t *testing.T) {
	// x - Detach(x) is identically 0, but its analytic gradient is 1.
	f := func(x []V) V { return autograd.Sum(autograd.Sub(x[0], autograd.Detach(x[0]))) }
	rep, err := gradcheck.Check(f, ins(tns([]int{2}, 0.3, -0.9)), gradcheck.Atol(0.5), gradcheck.Rtol(10))
	asGradcheckError(t, err, rep)
	if rep.Failed != 2 || rep.Total != 2 {
		t.Errorf("Failed/Total = %d/%d, want 2/2", rep.Failed, rep.Total)
	}
	if rep.Worst == nil {
		t.Fatal("Worst = nil")
	}
	if w := rep.Worst; w.Analytic != 1 || w.Numeric != 0 || w.AbsErr != 1 || !math.IsInf(w.RelErr, 1) {
		t.Errorf("Worst = %+v, want analytic 1, numeric 0, abs err 1, rel err +Inf", *w)
	}
	if !math.IsInf(rep.MaxRelErr, 1) || rep.MaxAbsErr != 1 {
		t.Errorf("MaxAbsErr, MaxRelErr = %g, %g; want 1, +Inf", rep.MaxAbsErr, rep.MaxRelErr)
	}
}

// 11. An output that does not depend on an input has a zero gradient both
// ways, which passes.
func TestCheckIndependentInputs(t *testing.T) {
	tests := []struct {
		name      string
		f         gradcheck.Func
		inputs    []T
		wantTotal int
	}{
		{"second input unused", func(x []V) V { return autograd.Sum(autograd.Tanh(x[0])) },
			ins(tns([]int{3}, 0.1, 0.2, 0.3), tns([]int{2, 2}, 1, 2, 3, 4)), 1 * (3 + 4)},
		{"first input unused, non-scalar output", func(x []V) V { return autograd.Sigmoid(x[1]) },
			ins(tns([]int{3}, 0.1, 0.2, 0.3), tns([]int{2}, -1, 1)), 2 * (3 + 2)},
		{"input multiplied by zero", func(x []V) V {
			return autograd.Sum(autograd.Add(autograd.Mul(x[0], autograd.Scalar(0.0)), x[1]))
		}, ins(tns([]int{2}, 5, 6), tns([]int{2}, 1, 2)), 1 * (2 + 2)},
		{"constant output", func(x []V) V { return autograd.Scalar(3.0) },
			ins(tns([]int{2}, 5, 6)), 2},
		{"output detached from the input", func(x []V) V { return autograd.Detach(autograd.Mul(autograd.Scalar(0.0), x[0])) },
			ins(tns([]int{2}, 5, 6)), 2 * 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep, err := gradcheck.Check(tc.f, tc.inputs)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if rep.Failed != 0 || rep.Total != tc.wantTotal {
				t.Errorf("Failed/Total = %d/%d, want 0/%d", rep.Failed, rep.Total, tc.wantTotal)
			}
			checkWorstConsistent(t, rep)
		})
	}
}

// An empty Jacobian (inputs with no elements) passes with Worst nil, as in
// PyTorch; no input at all is an error (TestNoInputs).
func TestCheckEmptyJacobian(t *testing.T) {
	tests := []struct {
		name   string
		f      gradcheck.Func
		inputs []T
	}{
		{"empty input", func(x []V) V { return autograd.Sum(x[0]) }, ins(tns([]int{0}))},
		{"empty inputs", func(x []V) V { return autograd.Add(autograd.Sum(x[0]), autograd.Sum(x[1])) }, ins(tns([]int{0}), tns([]int{2, 0}))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := gradcheck.Check(tc.f, tc.inputs)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if rep.Total != 0 || rep.Failed != 0 || rep.Worst != nil {
				t.Errorf("report %v, Worst %v; want Total 0, Failed 0, Worst nil", rep, rep.Worst)
			}
		})
	}
}

// No input at all leaves nothing to differentiate: every checker and a
// Case refuse it, before calling f, as PyTorch's gradcheck does, instead of
// passing "0 of 0"; inputs with no elements still pass.
func TestNoInputs(t *testing.T) {
	calls := 0
	f := func(x []V) V {
		calls++
		if len(x) == 0 {
			return autograd.Const(tensor.Scalar(1.0))
		}
		return autograd.Sum(autograd.Square(x[0]))
	}
	jac := func(in []T) []T { return []T{tensor.Scale(in[0], 2)} }
	checkers := map[string]func(in []T) error{
		"Check":         func(in []T) error { _, err := gradcheck.Check(f, in); return err },
		"CheckJVP":      func(in []T) error { _, err := gradcheck.CheckJVP(f, in); return err },
		"GradGradCheck": func(in []T) error { _, err := gradcheck.GradGradCheck(f, in); return err },
		"CheckJacobian": func(in []T) error { _, err := gradcheck.CheckJacobian(f, in, jac); return err },
		"Case": func(in []T) error {
			c := gradcheck.Case{Name: "c", F: f, Jacobian: jac, SecondOrder: true, ForwardMode: true}
			for _, x := range in {
				c.Inputs = append(c.Inputs, gradcheck.Fixed(x))
			}
			return c.Check()
		},
	}
	for name, check := range checkers {
		t.Run(name, func(t *testing.T) {
			calls = 0
			op := name
			if name == "Case" {
				op = `case "c"`
			}
			want := "gradcheck: " + op + ": no input to differentiate: a check needs at least one input (of any size, empty included)"
			for _, in := range [][]T{nil, {}} {
				if err := check(in); err == nil || err.Error() != want {
					t.Errorf("%d inputs: error %v, want %q", len(in), err, want)
				}
			}
			if calls != 0 {
				t.Errorf("f called %d times without inputs", calls)
			}
			if err := check(ins(tns([]int{0}))); err != nil {
				t.Errorf("an empty input: %v, want a pass", err)
			}
		})
	}
}
