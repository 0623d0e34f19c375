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

// Check second derivatives: a backward that detaches x is right to first
// order, but its own derivative with respect to x is lost. (A backward
// computed on raw tensors, its gradients wrapped in Const, loses all of
// it: autograd refuses it with a *UsageError naming the Function, which
// GradGradCheck returns as a *PanicError.)
func ExampleGradGradCheck() {
	cube := &autograd.Function[float64]{
		Name:    "Cube",
		Forward: func(in ...*tensor.Tensor[float64]) *tensor.Tensor[float64] { return tensor.Pow(in[0], 3) },
		Backward: func(c *autograd.Context[float64], g *autograd.Var[float64]) []*autograd.Var[float64] {
			// 3x²·g with x detached: a constant to the engine.
			x := autograd.Detach(c.Input(0))
			return []*autograd.Var[float64]{autograd.Mul(g, autograd.Scale(autograd.Square(x), 3))}
		},
	}
	f := func(x []*autograd.Var[float64]) *autograd.Var[float64] { return autograd.Sum(cube.Apply(x[0])) }
	x := []*tensor.Tensor[float64]{tensor.MustNew([]float64{0.5, -2}, 2)}

	_, err := gradcheck.Check(f, x)
	fmt.Println("first order:", err)
	_, err = gradcheck.GradGradCheck(f, x, gradcheck.Names("x"))
	var ge *gradcheck.Error
	if errors.As(err, &ge) {
		w := ge.Report.Worst
		fmt.Println("second order: failed", ge.Report.Failed, "of", ge.Report.Total)
		fmt.Printf("worst: %s element %v, gradient of x element %v: analytic %g, numeric %.3f\n",
			ge.Report.Names[w.Input], w.Index, w.Output, w.Analytic, w.Numeric)
	}
	// Output:
	// first order: <nil>
	// second order: failed 2 of 6
	// worst: x element [1], gradient of x element [1]: analytic 0, numeric 7.863
}

// Check a backward pass against a Jacobian derived by hand. No finite
// differences are taken, so even the subgradient at a kink can be checked,
// with zero tolerances.
func ExampleCheckJacobian() {
	relu := func(x []*autograd.Var[float64]) *autograd.Var[float64] { return autograd.ReLU(x[0]) }
	x := []*tensor.Tensor[float64]{tensor.MustNew([]float64{2, 0, -1}, 3)}
	// d relu(x)_o / d x_k = [o == k][x_k > 0]: subgradient 0 at the kink.
	jac := func(in []*tensor.Tensor[float64]) []*tensor.Tensor[float64] {
		j := tensor.Zeros[float64](3, 3)
		for k, v := range in[0].Data() {
			if v > 0 {
				j.Set(1, k, k)
			}
		}
		return []*tensor.Tensor[float64]{j}
	}
	_, err := gradcheck.Check(relu, x)
	fmt.Println("finite differences at the kink fail:", err != nil)
	rep, err := gradcheck.CheckJacobian(relu, x, jac, gradcheck.Atol(0), gradcheck.Rtol(0))
	fmt.Println("supplied Jacobian:", err, rep.Failed, "of", rep.Total)
	// Output:
	// finite differences at the kink fail: true
	// supplied Jacobian: <nil> 0 of 9
}

// A suite case, checked directly (in a test, pass a table of them to Run).
// Inputs are drawn from a domain with a seed, so failures are reproducible.
func ExampleCase_Check() {
	c := gradcheck.Case{
		Name: "Log·y",
		F: func(x []*autograd.Var[float64]) *autograd.Var[float64] {
			return autograd.Sum(autograd.Mul(autograd.Log(x[0]), x[1]))
		},
		Inputs: []gradcheck.Input{
			gradcheck.Random(gradcheck.Positive, 2, 3).Named("x"), // Log needs x > 0
			gradcheck.Fixed(tensor.MustNew([]float64{1, -1, 2}, 3)).Named("y"),
		},
		SecondOrder: true,
	}
	fmt.Println(c.Check())
	// Output:
	// <nil>
}

// Hold an input constant (a target, labels, a mask), as PyTorch's
// requires_grad=False: f gets it as a constant, and the check
// differentiates with respect to the other inputs only.
func ExampleConstants() {
	mse := func(x []*autograd.Var[float64]) *autograd.Var[float64] {
		return autograd.MSE(x[0], x[1]) // prediction, target
	}
	pred := tensor.MustNew([]float64{0.5, -1, 2}, 3)
	target := tensor.MustNew([]float64{1, 0, 2}, 3)
	rep, err := gradcheck.Check(mse, []*tensor.Tensor[float64]{pred, target}, gradcheck.Constants(1))
	fmt.Println("error:", err)
	fmt.Println("elements compared:", rep.Total, "(the prediction's only)")
	// Output:
	// error: <nil>
	// elements compared: 3 (the prediction's only)
}

// A function with several outputs is checked as one: flatten each output
// with Reshape and join them with Concat. Reports index the joined output:
// here its elements 0 and 1 are sin(x), and element 2 is the sum of
// squares, written x·Detach(x) so that its gradient is x instead of 2x.
func ExampleCheck_severalOutputs() {
	f := func(x []*autograd.Var[float64]) *autograd.Var[float64] {
		sines := autograd.Sin(x[0])                                      // shape [2]
		sumSq := autograd.Sum(autograd.Mul(x[0], autograd.Detach(x[0]))) // shape [], with a bug
		return autograd.Concat(0, autograd.Reshape(sines, -1), autograd.Reshape(sumSq, 1))
	}
	x := tensor.MustNew([]float64{0.5, -1}, 2)
	rep, _ := gradcheck.Check(f, []*tensor.Tensor[float64]{x})
	fmt.Println("failed:", rep.Failed, "of", rep.Total)
	fmt.Println("worst: output", rep.Worst.Output, "(the sum of squares), input element", rep.Worst.Index)
	// Output:
	// failed: 2 of 6
	// worst: output [2] (the sum of squares), input element [1]
}

// swish is written once, generic over the element type, so that a model's
// float32 op and the float64 instance a check needs are the same code.
func swish[T autograd.Float](x *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Mul(x, autograd.Sigmoid(x))
}

// Check an op a model uses in float32: checks run in float64 (in float32 a
// finite difference is noise), so write the op generic and check its
// float64 instance. An autograd.Function is made generic the same way, by
// a func newOp[T autograd.Float]() *autograd.Function[T].
func ExampleCheck_float32Op() {
	f := func(x []*autograd.Var[float64]) *autograd.Var[float64] { return swish(x[0]) }
	_, err := gradcheck.Check(f, []*tensor.Tensor[float64]{tensor.MustNew([]float64{-1.5, 0, 2}, 3)})
	fmt.Println("float64 instance:", err)

	h := autograd.Param(tensor.MustNew([]float32{-1.5, 0, 2}, 3)) // the model's float32 use
	fmt.Printf("float32 instance: %.4f\n", swish(h).Value().Data())
	// Output:
	// float64 instance: <nil>
	// float32 instance: [-0.2736 0.0000 1.7616]
}
