package gradcheck_test

import (
	"errors"
	"fmt"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/tensor"
)

// Check a correct function: every element of the Jacobian agrees.
func ExampleCheck() {
	f := func(x []*autograd.Var[float64]) *autograd.Var[float64] {
		return autograd.Sum(autograd.Mul(autograd.Tanh(x[0]), x[1]))
	}
	a := tensor.MustNew([]float64{0.1, -0.4, 0.7}, 3)
	b := tensor.MustNew([]float64{1.5, 0.2, -2}, 3)

	rep, err := gradcheck.Check(f, []*tensor.Tensor[float64]{a, b})
	fmt.Println("error:", err)
	fmt.Println("failed:", rep.Failed, "of", rep.Total)
	fmt.Println("max abs err < 1e-6:", rep.MaxAbsErr < 1e-6)
	// Output:
	// error: <nil>
	// failed: 0 of 6
	// max abs err < 1e-6: true
}

// A wrong derivative is caught and located. Here x·Detach(x) stands in for a
// buggy op: its value is x², but gradient flows through one factor only, so
// the analytic derivative is x instead of 2x.
func ExampleCheck_wrongGradient() {
	f := func(x []*autograd.Var[float64]) *autograd.Var[float64] {
		return autograd.Sum(autograd.Mul(x[0], autograd.Detach(x[0])))
	}
	x := tensor.MustNew([]float64{0.5, -1, 3, 2}, 2, 2)

	_, err := gradcheck.Check(f, []*tensor.Tensor[float64]{x})
	var ge *gradcheck.Error
	if errors.As(err, &ge) {
		w := ge.Report.Worst
		fmt.Println("failed:", ge.Report.Failed, "of", ge.Report.Total)
		fmt.Println("worst: input", w.Input, "element", w.Index)
		fmt.Printf("analytic %.3f, numeric %.3f\n", w.Analytic, w.Numeric)
	}
	// Output:
	// failed: 4 of 4
	// worst: input 0 element [1 0]
	// analytic 3.000, numeric 6.000
}

// Loosen the tolerances for a function known to be slightly inexact.
func ExampleRtol() {
	// x³ with a coarse step: the central difference is 3x² + eps² = 3.01 at
	// x = 1, against the exact 3.
	f := func(x []*autograd.Var[float64]) *autograd.Var[float64] {
		return autograd.Sum(autograd.Pow(x[0], 3))
	}
	x := []*tensor.Tensor[float64]{tensor.MustNew([]float64{1}, 1)}

	_, err := gradcheck.Check(f, x, gradcheck.Eps(0.1))
	fmt.Println("eps 0.1 passes:", err == nil)
	_, err = gradcheck.Check(f, x, gradcheck.Eps(0.1), gradcheck.Rtol(0.01))
	fmt.Println("eps 0.1, rtol 0.01 passes:", err == nil)
	// Output:
	// eps 0.1 passes: false
	// eps 0.1, rtol 0.01 passes: true
}
