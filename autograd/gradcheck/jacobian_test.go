package gradcheck_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/tensor"
)

// tanhMatVec is Tanh(A·b) for A [2 3], b [3 1], output [2 1], with its
// Jacobian in closed form:
//
//	d out[o] / d A[i,k] = [i == o] (1 - tanh²(z_o)) b_k
//	d out[o] / d b[k]   = (1 - tanh²(z_o)) A[o,k]
func tanhMatVec(x []V) V { return autograd.Tanh(autograd.MatMul(x[0], x[1])) }

func tanhMatVecJacobian(in []T) []T {
	A, b := in[0].Data(), in[1].Data()
	jA := tensor.Zeros[float64](2, 1, 2, 3)
	jb := tensor.Zeros[float64](2, 1, 3, 1)
	for o := range 2 {
		z := 0.0
		for k := range 3 {
			z += A[o*3+k] * b[k]
		}
		d := 1 - math.Tanh(z)*math.Tanh(z)
		for k := range 3 {
			jA.Set(d*b[k], o, 0, o, k)
			jb.Set(d*A[o*3+k], o, 0, k, 0)
		}
	}
	return []T{jA, jb}
}

func tanhMatVecInputs() []T {
	return ins(tns([]int{2, 3}, 0.3, -0.2, 0.5, 0.1, 0.9, -0.7), tns([]int{3, 1}, 0.4, -1.1, 0.6))
}

// A correct closed form agrees with the backward pass to rounding, far
// below finite-difference accuracy.
func TestCheckJacobianPasses(t *testing.T) {
	inputs := tanhMatVecInputs()
	before := cloneData(inputs)
	rep, err := gradcheck.CheckJacobian(tanhMatVec, inputs, tanhMatVecJacobian, gradcheck.Atol(1e-14), gradcheck.Rtol(1e-12))
	if err != nil {
		t.Fatalf("CheckJacobian: %v", err)
	}
	checkUnchanged(t, inputs, before)
	if rep.Total != 2*(6+3) || rep.Failed != 0 {
		t.Errorf("Failed/Total = %d/%d, want 0/18", rep.Failed, rep.Total)
	}
	if rep.Reference != gradcheck.SuppliedJacobian || rep.Eps != 0 || rep.Order != 1 {
		t.Errorf("Reference, Eps, Order = %v, %g, %d; want expected, 0, 1", rep.Reference, rep.Eps, rep.Order)
	}
	checkWorstConsistent(t, rep)
}

// A wrong entry in the supplied Jacobian (or, equally, in the op) is named
// exactly, with the supplied value called "expected".
func TestCheckJacobianWrongEntry(t *testing.T) {
	tests := []struct {
		name       string
		input      int
		at         []int // index into that input's Jacobian tensor
		wantIndex  []int
		wantOutput []int
	}{
		{"d out[1] / d A[1,2]", 0, []int{1, 0, 1, 2}, []int{1, 2}, []int{1, 0}},
		{"d out[0] / d b[1]", 1, []int{0, 0, 1, 0}, []int{1, 0}, []int{0, 0}},
		{"an off-diagonal zero: d out[0] / d A[1,0]", 0, []int{0, 0, 1, 0}, []int{1, 0}, []int{0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var good, bad float64
			jac := func(in []T) []T {
				js := tanhMatVecJacobian(in)
				good = js[tc.input].At(tc.at...)
				bad = good*1.5 + 0.25
				js[tc.input].Set(bad, tc.at...)
				return js
			}
			rep, err := gradcheck.CheckJacobian(tanhMatVec, tanhMatVecInputs(), jac, gradcheck.Names("A", "b"))
			ge := asGradcheckError(t, err, rep)
			if !errors.Is(err, gradcheck.ErrMismatch) {
				t.Errorf("error does not wrap ErrMismatch")
			}
			if rep.Failed != 1 || rep.Total != 18 {
				t.Errorf("Failed/Total = %d/%d, want 1/18", rep.Failed, rep.Total)
			}
			want := gradcheck.Element{Input: tc.input, Index: tc.wantIndex, Output: tc.wantOutput,
				Analytic: good, Numeric: bad, AbsErr: math.Abs(bad - good), RelErr: math.Abs(bad-good) / math.Abs(bad)}
			if diff := cmp.Diff(want, *ge.Report.Worst, approxOpt); diff != "" {
				t.Errorf("Worst (-want +got):\n%s", diff)
			}
			name := []string{"A", "b"}[tc.input]
			for _, s := range []string{"1 of 18", "·|expected| (against the supplied Jacobian)", "worst: " + name + " element", ", expected "} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error lacks %q:\n%v", s, err)
				}
			}
			if strings.Contains(err.Error(), "numeric") || strings.Contains(err.Error(), "eps") {
				t.Errorf("error mentions finite differences:\n%v", err)
			}
		})
	}
}

// At a kink finite differences fail, but the subgradient the op chose can
// be checked exactly against a supplied Jacobian.
func TestCheckJacobianAtKink(t *testing.T) {
	relu := func(x []V) V { return autograd.ReLU(x[0]) }
	x := tns([]int{3}, 1.5, 0, -0.5)
	if _, err := gradcheck.Check(relu, ins(x)); !errors.Is(err, gradcheck.ErrMismatch) {
		t.Fatalf("Check at the kink: %v, want a mismatch", err)
	}
	// diag(1, 0, 0): PyTorch's subgradient 0 at 0.
	diag := func(d ...float64) gradcheck.Jacobian {
		return func([]T) []T {
			j := tensor.Zeros[float64](3, 3)
			for i, v := range d {
				j.Set(v, i, i)
			}
			return []T{j}
		}
	}
	if _, err := gradcheck.CheckJacobian(relu, ins(x), diag(1, 0, 0), gradcheck.Atol(0), gradcheck.Rtol(0)); err != nil {
		t.Errorf("subgradient 0 at the kink: %v", err)
	}
	rep, err := gradcheck.CheckJacobian(relu, ins(x), diag(1, 1, 0), gradcheck.Atol(0), gradcheck.Rtol(0))
	if !errors.Is(err, gradcheck.ErrMismatch) || rep.Worst == nil || rep.Worst.Index[0] != 1 || rep.Worst.Output[0] != 1 {
		t.Errorf("subgradient 1 at the kink: err %v, worst %+v; want a mismatch at element [1], output [1]", err, rep.Worst)
	}
}

// A scalar output's Jacobian is the gradient, of the input's shape.
func TestCheckJacobianScalarOutput(t *testing.T) {
	f := func(x []V) V { return autograd.Sum(autograd.Mul(x[0], x[0])) }
	x := tns([]int{2, 2}, 1, -2, 3, 0.5)
	grad := func(in []T) []T { return []T{tensor.Scale(in[0], 2)} }
	if _, err := gradcheck.CheckJacobian(f, ins(x), grad, gradcheck.Atol(0), gradcheck.Rtol(0)); err != nil {
		t.Errorf("CheckJacobian: %v", err)
	}
}

// A malformed Jacobian is a plain error naming the input and the shapes.
func TestCheckJacobianMalformed(t *testing.T) {
	tests := []struct {
		name string
		jac  gradcheck.Jacobian
		want []string
	}{
		{"nil Jacobian func", nil, []string{"nil Jacobian"}},
		{"one tensor for two inputs", func(in []T) []T { return tanhMatVecJacobian(in)[:1] }, []string{"1 tensors for 2 inputs"}},
		{"wrong shape", func(in []T) []T {
			js := tanhMatVecJacobian(in)
			js[1] = js[1].Reshape(2, 3)
			return js
		}, []string{"b", "shape [2 3]", "want [2 1 3 1]", "output's shape [2 1]", "input's [3 1]"}},
		{"nil tensor", func(in []T) []T { return []T{tanhMatVecJacobian(in)[0], nil} }, []string{"b", "is nil", "want shape [2 1 3 1]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := gradcheck.CheckJacobian(tanhMatVec, tanhMatVecInputs(), tc.jac, gradcheck.Names("A", "b"))
			if err == nil {
				t.Fatal("CheckJacobian accepted a malformed Jacobian")
			}
			var ge *gradcheck.Error
			if errors.As(err, &ge) {
				t.Errorf("error is a *gradcheck.Error; want a plain error")
			}
			for _, s := range tc.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
		})
	}
}

// The Jacobian function receives copies: writing into them changes nothing.
func TestCheckJacobianGetsCopies(t *testing.T) {
	inputs := tanhMatVecInputs()
	before := cloneData(inputs)
	jac := func(in []T) []T {
		js := tanhMatVecJacobian(in)
		for _, x := range in {
			x.Fill(7)
		}
		return js
	}
	if _, err := gradcheck.CheckJacobian(tanhMatVec, inputs, jac); err != nil {
		t.Errorf("CheckJacobian: %v", err)
	}
	checkUnchanged(t, inputs, before)
}
