package gradcheck_test

import (
	"errors"
	"fmt"
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

// borderline returns Sum(x² - δ·x·Detach(x)·m), m one-hot at k: its true
// derivative at k is 2x_k(1-δ), its analytic one 2x_k - δx_k, so the
// absolute error there is δ|x_k| and the relative error δ/(2(1-δ)); every
// other element is exact.
func borderline(k int, delta float64) gradcheck.Func {
	return func(x []V) V {
		m, _ := oneHot(x[0].Shape(), k)
		wrong := autograd.Scale(autograd.Mul(autograd.Mul(x[0], autograd.Detach(x[0])), m), delta)
		return autograd.Sum(autograd.Sub(autograd.Square(x[0]), wrong))
	}
}

// 5. Options change the criterion.
func TestCheckTolerances(t *testing.T) {
	// At x_k = 1, δ = 0.01: analytic 1.99, numeric 1.98, abs err 0.01,
	// rel err 0.00505.
	inputs := ins(tns([]int{3}, 0.4, 1, -0.7))
	const k = 1
	tests := []struct {
		name string
		opts []gradcheck.Option
		pass bool
		atol float64
		rtol float64
	}{
		{"defaults fail", nil, false, 1e-5, 1e-3},
		{"rtol 1e-2 passes", []gradcheck.Option{gradcheck.Rtol(1e-2)}, true, 1e-5, 1e-2},
		{"rtol 4e-3 fails", []gradcheck.Option{gradcheck.Rtol(4e-3)}, false, 1e-5, 4e-3},
		{"atol 0.011 passes", []gradcheck.Option{gradcheck.Atol(0.011)}, true, 0.011, 1e-3},
		{"atol 0.005 fails", []gradcheck.Option{gradcheck.Atol(0.005)}, false, 0.005, 1e-3},
		{"atol 0, rtol 0.0051 passes", []gradcheck.Option{gradcheck.Atol(0), gradcheck.Rtol(0.0051)}, true, 0, 0.0051},
		{"atol 0, rtol 0.005 fails", []gradcheck.Option{gradcheck.Atol(0), gradcheck.Rtol(0.005)}, false, 0, 0.005},
		{"later option wins", []gradcheck.Option{gradcheck.Rtol(1e-2), gradcheck.Rtol(1e-3)}, false, 1e-5, 1e-3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep, err := gradcheck.Check(borderline(k, 0.01), inputs, tc.opts...)
			if tc.pass {
				if err != nil {
					t.Fatalf("Check: %v, want pass", err)
				}
				if rep.Failed != 0 {
					t.Errorf("Failed = %d, want 0", rep.Failed)
				}
			} else {
				asGradcheckError(t, err, rep)
				if rep.Failed != 1 {
					t.Errorf("Failed = %d, want 1", rep.Failed)
				}
			}
			if rep.Total != 3 {
				t.Errorf("Total = %d, want 3", rep.Total)
			}
			if rep.Atol != tc.atol || rep.Rtol != tc.rtol || rep.Eps != 1e-6 {
				t.Errorf("Atol, Rtol, Eps = %g, %g, %g; want %g, %g, 1e-6", rep.Atol, rep.Rtol, rep.Eps, tc.atol, tc.rtol)
			}
			// Passing or not, the borderline element is the worst.
			checkWorstConsistent(t, rep)
			w := rep.Worst
			if diff := cmp.Diff([]int{k}, w.Index); diff != "" {
				t.Errorf("Worst.Index (-want +got):\n%s", diff)
			}
			if !near(w.Analytic, 1.99, 1e-12) || !near(w.Numeric, 1.98, 1e-8) || !near(w.AbsErr, 0.01, 1e-8) {
				t.Errorf("Worst = %+v, want analytic 1.99, numeric 1.98, abs err 0.01", *w)
			}
		})
	}
}

// Eps is the finite-difference step: for x³ the central difference is
// exactly 3x² + eps², so a coarse step fails and a fine one passes.
func TestCheckEps(t *testing.T) {
	cube := func(x []V) V { return autograd.Sum(autograd.Pow(x[0], 3)) }
	tests := []struct {
		name        string
		opts        []gradcheck.Option
		pass        bool
		eps         float64
		wantNumeric float64
	}{
		{"default 1e-6", nil, true, 1e-6, 3},
		{"1e-3", []gradcheck.Option{gradcheck.Eps(1e-3)}, true, 1e-3, 3 + 1e-6},
		{"0.1 fails", []gradcheck.Option{gradcheck.Eps(0.1)}, false, 0.1, 3.01},
		{"0.1 with atol 0.02 passes", []gradcheck.Option{gradcheck.Eps(0.1), gradcheck.Atol(0.02)}, true, 0.1, 3.01},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep, err := gradcheck.Check(cube, ins(tns([]int{1}, 1)), tc.opts...)
			if tc.pass && err != nil {
				t.Fatalf("Check: %v, want pass", err)
			}
			if !tc.pass {
				asGradcheckError(t, err, rep)
			}
			if rep.Eps != tc.eps {
				t.Errorf("Eps = %g, want %g", rep.Eps, tc.eps)
			}
			checkWorstConsistent(t, rep)
			if w := rep.Worst; w.Analytic != 3 || !near(w.Numeric, tc.wantNumeric, 1e-9) {
				t.Errorf("Worst analytic %.15g, numeric %.15g; want 3, %.15g", w.Analytic, w.Numeric, tc.wantNumeric)
			}
		})
	}
}

// With a step that is a power of two, a linear function's central
// difference is exact, so zero tolerances are valid and pass.
func TestCheckZeroTolerancesExact(t *testing.T) {
	f := func(x []V) V { return autograd.Sum(autograd.Scale(x[0], 2)) }
	rep, err := gradcheck.Check(f, ins(tns([]int{2}, 0.5, -0.25)),
		gradcheck.Eps(math.Ldexp(1, -20)), gradcheck.Atol(0), gradcheck.Rtol(0))
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if rep.Failed != 0 || rep.Total != 2 || rep.MaxAbsErr != 0 || rep.MaxRelErr != 0 {
		t.Errorf("report %v, want 0 of 2 failed with zero errors", rep)
	}
}

// 5. Invalid options are plain errors, found before f is ever called.
func TestCheckInvalidOptions(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name string
		opt  gradcheck.Option
	}{
		{"eps 0", gradcheck.Eps(0)},
		{"eps negative", gradcheck.Eps(-1e-6)},
		{"eps NaN", gradcheck.Eps(nan)},
		{"eps +Inf", gradcheck.Eps(inf)},
		{"atol negative", gradcheck.Atol(-1e-5)},
		{"atol NaN", gradcheck.Atol(nan)},
		{"atol +Inf", gradcheck.Atol(inf)},
		{"rtol negative", gradcheck.Rtol(-1e-3)},
		{"rtol NaN", gradcheck.Rtol(nan)},
		{"rtol +Inf", gradcheck.Rtol(inf)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			f := func(x []V) V { calls++; return autograd.Sum(x[0]) }
			_, err := gradcheck.Check(f, ins(tns([]int{2}, 1, 2)), tc.opt)
			if err == nil {
				t.Fatal("Check accepted an invalid option")
			}
			var ge *gradcheck.Error
			if errors.As(err, &ge) {
				t.Errorf("error %v is a *gradcheck.Error; want a plain error", err)
			}
			if !strings.Contains(err.Error(), "invalid options") {
				t.Errorf("error %q does not say the options are invalid", err)
			}
			if calls != 0 {
				t.Errorf("f called %d times before the options were validated", calls)
			}
		})
	}
}

// 6. A function that modifies its input is an error wrapping ErrMutatedInput.
func TestCheckMutatedInput(t *testing.T) {
	tests := []struct {
		name      string
		f         gradcheck.Func
		wantInput string
	}{
		{"write into input 0", func(x []V) V {
			x[0].Value().Data()[0] = 42
			return autograd.Sum(x[0])
		}, "input 0"},
		{"fill input 1", func(x []V) V {
			x[1].Value().Fill(0)
			return autograd.Sum(autograd.Mul(x[0], x[1]))
		}, "input 1"},
		{"write NaN", func(x []V) V {
			x[0].Value().Data()[1] = math.NaN()
			return autograd.Sum(x[0])
		}, "input 0"},
		{"accumulate into input after use", func(x []V) V {
			out := autograd.Sum(autograd.Square(x[0]))
			x[0].Value().Data()[0] += 1e-9
			return out
		}, "input 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			inputs := ins(tns([]int{2}, 1, 2), tns([]int{2}, 3, 4))
			before := cloneData(inputs)
			_, err := gradcheck.Check(tc.f, inputs)
			if !errors.Is(err, gradcheck.ErrMutatedInput) {
				t.Fatalf("Check error = %v, want one wrapping ErrMutatedInput", err)
			}
			var ge *gradcheck.Error
			if errors.As(err, &ge) {
				t.Errorf("error is a *gradcheck.Error; want a plain error")
			}
			if !strings.Contains(err.Error(), tc.wantInput) {
				t.Errorf("error %q does not name %s", err, tc.wantInput)
			}
			checkUnchanged(t, inputs, before)
		})
	}
}

// 6. A function that modifies its inputs only while the finite differences
// are taken (inputs are constants then) is caught too: otherwise the
// numeric Jacobian silently comes from the wrong point.
func TestCheckMutatedInputDuringFiniteDifferences(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(x []V)
	}{
		{"input 0, element 0", func(x []V) { x[0].Value().Data()[0] += 1 }},
		{"input 0, element 1", func(x []V) { x[0].Value().Data()[1] = 5 }},
		{"input 1 (not the perturbed one)", func(x []V) { x[1].Value().Data()[0] *= 2 }},
		{"input 1, only while input 0 is perturbed", func(x []V) {
			if x[0].Value().Data()[0] != 1 {
				x[1].Value().Data()[1] = -x[1].Value().Data()[1]
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := func(x []V) V {
				if !x[0].RequiresGrad() { // only while finite differences are taken
					tc.mutate(x)
				}
				return autograd.Sum(autograd.Mul(autograd.Square(x[0]), x[1]))
			}
			_, err := gradcheck.Check(f, ins(tns([]int{2}, 1, 2), tns([]int{2}, 3, 4)))
			if !errors.Is(err, gradcheck.ErrMutatedInput) {
				t.Errorf("Check error = %v, want one wrapping ErrMutatedInput", err)
			}
		})
	}
}

// 7. A function returning nil is an error, in either pass.
func TestCheckNilOutput(t *testing.T) {
	tests := []struct {
		name string
		f    gradcheck.Func
	}{
		{"always nil", func(x []V) V { return nil }},
		{"nil during finite differences", func(x []V) V {
			if !x[0].RequiresGrad() {
				return nil
			}
			return autograd.Sum(x[0])
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := gradcheck.Check(tc.f, ins(tns([]int{2}, 1, 2)))
			if err == nil {
				t.Fatal("Check accepted a function returning nil")
			}
			var ge *gradcheck.Error
			if errors.As(err, &ge) {
				t.Errorf("error is a *gradcheck.Error; want a plain error")
			}
			if !strings.Contains(err.Error(), "nil") {
				t.Errorf("error %q does not mention nil", err)
			}
		})
	}
}

// An output whose shape depends on the point cannot be differentiated: the
// error names the shape it changed to.
func TestCheckOutputShapeChanges(t *testing.T) {
	tests := []struct {
		name string
		f    gradcheck.Func
	}{
		// At x = 0 the output is a scalar; at x+eps it becomes [1].
		{"changes at +eps", func(x []V) V {
			if x[0].Value().Data()[0] > 0 {
				return autograd.Mul(x[0], x[0])
			}
			return autograd.Sum(x[0])
		}},
		// At x = 0 and x+eps a scalar; at x-eps [1].
		{"changes at -eps", func(x []V) V {
			if x[0].Value().Data()[0] < 0 {
				return autograd.Mul(x[0], x[0])
			}
			return autograd.Sum(x[0])
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := gradcheck.Check(tc.f, ins(tns([]int{1}, 0)))
			if err == nil {
				t.Fatal("Check accepted an output whose shape changes")
			}
			var ge *gradcheck.Error
			if errors.As(err, &ge) {
				t.Errorf("error is a *gradcheck.Error; want a plain error")
			}
			for _, s := range []string{"shape changed", "input 0", "[]", "[1]"} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
		})
	}
}

// 8. A kink is seen: ReLU at exactly 0 has the one-sided slopes 0 and 1, the
// central difference 0.5, and the chosen subgradient 0.
func TestCheckReLUKinkFails(t *testing.T) {
	f := func(x []V) V { return autograd.Sum(autograd.ReLU(x[0])) }
	rep, err := gradcheck.Check(f, ins(tns([]int{3}, 1.5, 0, -0.5)))
	asGradcheckError(t, err, rep)
	if rep.Failed != 1 || rep.Total != 3 {
		t.Errorf("Failed/Total = %d/%d, want 1/3", rep.Failed, rep.Total)
	}
	checkWorstConsistent(t, rep)
	w := rep.Worst
	if diff := cmp.Diff([]int{1}, w.Index); diff != "" {
		t.Errorf("Worst.Index (-want +got):\n%s", diff)
	}
	if w.Analytic != 0 || !near(w.Numeric, 0.5, 1e-9) {
		t.Errorf("Worst analytic %g, numeric %g; want 0, 0.5", w.Analytic, w.Numeric)
	}

	// Away from the kink the same function passes.
	if _, err := gradcheck.Check(f, ins(tns([]int{3}, 1.5, 0.01, -0.5))); err != nil {
		t.Errorf("ReLU away from 0: %v", err)
	}
}

// 9. NaN never passes, and the worst element is a NaN one.
func TestCheckNaN(t *testing.T) {
	tests := []struct {
		name       string
		f          gradcheck.Func
		x          T
		wantFailed int
		wantTotal  int
		wantOutput []int
	}{
		{
			// Log(-1) is NaN, so the sum is NaN at every perturbation: every
			// numeric derivative is NaN.
			name:       "Sum(Log(x)) with a negative x",
			f:          func(x []V) V { return autograd.Sum(autograd.Log(x[0])) },
			x:          tns([]int{2}, -1, 2),
			wantFailed: 2,
			wantTotal:  2,
			wantOutput: []int{},
		},
		{
			// Only output element 0 is NaN: its row fails, the other passes.
			name:       "Log(x) elementwise with a negative x",
			f:          func(x []V) V { return autograd.Log(x[0]) },
			x:          tns([]int{2}, -1, 2),
			wantFailed: 2,
			wantTotal:  4,
			wantOutput: []int{0},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Loose tolerances must not make NaN pass.
			rep, err := gradcheck.Check(tc.f, ins(tc.x), gradcheck.Atol(1e6), gradcheck.Rtol(1e6))
			asGradcheckError(t, err, rep)
			if rep.Failed != tc.wantFailed || rep.Total != tc.wantTotal {
				t.Errorf("Failed/Total = %d/%d, want %d/%d", rep.Failed, rep.Total, tc.wantFailed, tc.wantTotal)
			}
			if !math.IsInf(rep.MaxAbsErr, 1) {
				t.Errorf("MaxAbsErr = %g, want +Inf for a NaN element", rep.MaxAbsErr)
			}
			w := rep.Worst
			if w == nil {
				t.Fatalf("Worst = nil although %d of %d elements failed; error: %v", rep.Failed, rep.Total, err)
			}
			if !math.IsNaN(w.Numeric) {
				t.Errorf("Worst = %+v, want the NaN element (a failing one)", *w)
			}
			if diff := cmp.Diff(tc.wantOutput, w.Output, equateEmpty); diff != "" {
				t.Errorf("Worst.Output (-want +got):\n%s", diff)
			}
			if !strings.Contains(err.Error(), "NaN") {
				t.Errorf("error %q does not show the NaN", err)
			}
		})
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

// An empty Jacobian (an input with no elements) passes with Worst nil.
func TestCheckEmptyJacobian(t *testing.T) {
	tests := []struct {
		name   string
		f      gradcheck.Func
		inputs []T
	}{
		{"empty input", func(x []V) V { return autograd.Sum(x[0]) }, ins(tns([]int{0}))},
		{"no inputs", func(x []V) V { return autograd.Scalar(1.0) }, nil},
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

// fakeTB records what Assert reports; any other testing.TB method panics
// (the embedded interface is nil), so Assert may use only Helper and Errorf.
type fakeTB struct {
	testing.TB
	errs    []string
	helpers int
}

func (f *fakeTB) Helper() { f.helpers++ }
func (f *fakeTB) Errorf(format string, args ...any) {
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}

// 10. Assert reports failures with Errorf and returns whether the check passed.
func TestAssert(t *testing.T) {
	x := tns([]int{2, 3}, 0.5, -1.2, 2.0, 0.3, 1.7, -0.8)
	tests := []struct {
		name    string
		f       gradcheck.Func
		opts    []gradcheck.Option
		want    bool
		wantMsg []string
	}{
		{"correct", func(x []V) V { return autograd.Sum(autograd.Square(x[0])) }, nil, true, nil},
		{"wrong at [1 1]", func(x []V) V { return autograd.Sum(squareWrongAt(x[0], 4)) }, nil, false,
			[]string{"gradcheck: 1 of 6", "input 0", "element [1 1]", "analytic", "numeric"}},
		{"borderline fails by default", borderline(4, 0.01), nil, false, []string{"1 of 6", "element [1 1]"}},
		{"options are passed on", borderline(4, 0.01), []gradcheck.Option{gradcheck.Rtol(1e-2)}, true, nil},
		{"invalid option", func(x []V) V { return autograd.Sum(x[0]) }, []gradcheck.Option{gradcheck.Eps(0)}, false,
			[]string{"invalid options"}},
		{"mutating function", func(x []V) V {
			x[0].Value().Data()[0] = 0
			return autograd.Sum(x[0])
		}, nil, false, []string{gradcheck.ErrMutatedInput.Error()}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tb := &fakeTB{}
			got := gradcheck.Assert(tb, tc.f, ins(x.Clone()), tc.opts...)
			if got != tc.want {
				t.Errorf("Assert = %v, want %v", got, tc.want)
			}
			if tb.helpers == 0 {
				t.Errorf("Assert did not call tb.Helper")
			}
			if tc.want {
				if len(tb.errs) != 0 {
					t.Errorf("Assert reported %q for a passing check", tb.errs)
				}
				return
			}
			if len(tb.errs) != 1 {
				t.Fatalf("Assert called Errorf %d times, want once: %q", len(tb.errs), tb.errs)
			}
			for _, s := range tc.wantMsg {
				if !strings.Contains(tb.errs[0], s) {
					t.Errorf("Errorf message lacks %q:\n%s", s, tb.errs[0])
				}
			}
		})
	}
}

// Report.String names the counts, tolerances and the worst element.
func TestReportString(t *testing.T) {
	rep := gradcheck.Report{
		Total: 12, Failed: 2, MaxAbsErr: 0.5, MaxRelErr: 0.25,
		Atol: 1e-5, Rtol: 1e-3, Eps: 1e-6,
		Worst: &gradcheck.Element{Input: 1, Index: []int{0, 2}, Output: []int{3},
			Analytic: 1.5, Numeric: 2, AbsErr: 0.5, RelErr: 0.25},
	}
	want := "2 of 12 Jacobian elements outside atol 1e-05 + rtol 0.001·|numeric| (eps 1e-06); " +
		"max abs err 0.5, max rel err 0.25; " +
		"worst: input 1 element [0 2], output [3]: analytic 1.5, numeric 2 (abs err 0.5, rel err 0.25)"
	if got := rep.String(); got != want {
		t.Errorf("String() =\n%s\nwant\n%s", got, want)
	}
	if got := (&gradcheck.Error{Report: rep}).Error(); got != "gradcheck: "+want {
		t.Errorf("Error() = %q, want the report behind \"gradcheck: \"", got)
	}

	wantText := "2 of 12 Jacobian elements outside atol 1e-05 + rtol 0.001·|numeric| (eps 1e-06)\n" +
		"\tworst: input 1 element [0 2], output [3]\n" +
		"\t\tanalytic 1.5, numeric 2 (abs err 0.5, rel err 0.25)\n" +
		"\tmax abs err 0.5, max rel err 0.25"
	if got := rep.Text(); got != wantText {
		t.Errorf("Text() =\n%s\nwant\n%s", got, wantText)
	}

	// Names, second order, and a supplied Jacobian change the wording only.
	named := rep
	named.Names = []string{"x", "beta"}
	if got, want := named.String(), "worst: beta element [0 2], output [3]: "; !strings.Contains(got, want) {
		t.Errorf("String() with Names = %q, want it to contain %q", got, want)
	}
	named.Names = []string{"x", ""}
	if got, want := named.String(), "worst: input 1 element [0 2]"; !strings.Contains(got, want) {
		t.Errorf("String() with an empty name = %q, want it to contain %q", got, want)
	}
	second := rep
	second.Order, second.Names = 2, []string{"x", "grad output"}
	second.Worst = &gradcheck.Element{Input: 1, Index: []int{1}, Grad: 0, Output: []int{0, 1}, Analytic: 0, Numeric: 3, AbsErr: 3, RelErr: 1}
	if got, want := second.String(), "second order: 2 of 12 Jacobian elements outside atol 1e-05 + rtol 0.001·|numeric| (eps 1e-06); "+
		"max abs err 0.5, max rel err 0.25; worst: grad output element [1], gradient of x element [0 1]: analytic 0, numeric 3 (abs err 3, rel err 1)"; got != want {
		t.Errorf("second-order String() =\n%s\nwant\n%s", got, want)
	}
	supplied := rep
	supplied.Reference, supplied.Eps = gradcheck.SuppliedJacobian, 0
	if got, want := supplied.String(), "2 of 12 Jacobian elements outside atol 1e-05 + rtol 0.001·|expected| (against the supplied Jacobian); "+
		"max abs err 0.5, max rel err 0.25; worst: input 1 element [0 2], output [3]: analytic 1.5, expected 2 (abs err 0.5, rel err 0.25)"; got != want {
		t.Errorf("supplied-Jacobian String() =\n%s\nwant\n%s", got, want)
	}
	if gradcheck.FiniteDifferences.String() != "numeric" || gradcheck.SuppliedJacobian.String() != "expected" {
		t.Errorf("Reference strings = %q, %q; want numeric, expected", gradcheck.FiniteDifferences, gradcheck.SuppliedJacobian)
	}

	rep.Worst = nil
	if got := rep.String(); strings.Contains(got, "worst") {
		t.Errorf("String() with Worst nil = %q, mentions a worst element", got)
	}
	if got := rep.Text(); strings.Contains(got, "worst") {
		t.Errorf("Text() with Worst nil = %q, mentions a worst element", got)
	}
}

// Check keeps no state between calls: concurrent checks agree.
func TestCheckConcurrent(t *testing.T) {
	f := func(x []V) V { return autograd.Sum(squareWrongAt(x[0], 2)) }
	x := tns([]int{4}, 0.1, 0.2, 0.3, 0.4)
	want, _ := gradcheck.Check(f, ins(x))
	errs := make(chan string, 8)
	for range 8 {
		go func() {
			rep, _ := gradcheck.Check(f, ins(x))
			errs <- cmp.Diff(want, rep)
		}()
	}
	for range 8 {
		if diff := <-errs; diff != "" {
			t.Errorf("concurrent Check differs (-first +concurrent):\n%s", diff)
		}
	}
}
