package autograd_test

import (
	"fmt"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

type V64 = autograd.Var[float64]

// JVP gives the value and the directional derivative in one forward
// sweep: for f(x) = x ∘ sin(x), J·t = (sin x + x cos x) ∘ t.
func ExampleJVP() {
	f := func(xs ...*V64) *V64 { return autograd.Mul(xs[0], autograd.Sin(xs[0])) }
	x := tensor.MustNew([]float64{0, 1, 2}, 3)
	t := tensor.MustNew([]float64{1, 1, 0.5}, 3)

	value, tangent := autograd.JVP(f, []*tensor.Tensor[float64]{x}, []*tensor.Tensor[float64]{t})
	fmt.Printf("f(x)  = %.4f\n", value.Data())
	fmt.Printf("J·t   = %.4f\n", tangent.Data())
	// Output:
	// f(x)  = [0.0000 0.8415 1.8186]
	// J·t   = [0.0000 1.3818 0.0385]
}

// VJP returns a pullback that maps any cotangent u to uᵀ·J, as often as
// needed, from one forward pass.
func ExampleVJP() {
	// f(x, y) = x·y (a matrix-vector product).
	f := func(xs ...*V64) *V64 { return autograd.MatMul(xs[0], xs[1]) }
	a := tensor.MustNew([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	v := tensor.MustNew([]float64{1, 0, -1}, 3)

	value, pullback := autograd.VJP(f, []*tensor.Tensor[float64]{a, v})
	fmt.Println("f =", value.Data())
	for _, u := range [][]float64{{1, 0}, {0, 1}} {
		g := pullback(tensor.MustNew(u, 2))
		fmt.Println("u =", u, "→ d/da", g[0].Data(), "d/dv", g[1].Data())
	}
	// Output:
	// f = [-2 -2]
	// u = [1 0] → d/da [1 0 -1 0 0 0] d/dv [1 2 3]
	// u = [0 1] → d/da [0 0 0 1 0 -1] d/dv [4 5 6]
}

// Jacobian lays out ∂out/∂in with the output's axes first; the mode picks
// rows (reverse) or columns (forward), or whichever needs fewer passes.
func ExampleJacobian() {
	// f(x) = [x₀·x₁, x₀ + x₁, x₁²]: three outputs of two inputs.
	f := func(xs ...*V64) *V64 {
		x0 := autograd.IndexSelect(xs[0], 0, []int{0})
		x1 := autograd.IndexSelect(xs[0], 0, []int{1})
		return autograd.Concat(0, autograd.Mul(x0, x1), autograd.Add(x0, x1), autograd.Square(x1))
	}
	x := tensor.MustNew([]float64{2, 3}, 2)
	for _, mode := range []autograd.JacobianMode{autograd.JacobianReverse, autograd.JacobianForward} {
		j := autograd.Jacobian(f, []*tensor.Tensor[float64]{x}, mode)[0]
		fmt.Println(mode, j.Shape(), j.Data())
	}
	// Output:
	// reverse [3 2] [3 2 1 1 0 6]
	// forward [3 2] [3 2 1 1 0 6]
}

// Hessian differentiates the recorded gradient forward (forward over
// reverse); HVP gives H·v without forming H.
func ExampleHessian() {
	// f(x) = x₀²·x₁ + x₁³: H = [[2x₁, 2x₀], [2x₀, 6x₁]].
	f := func(xs ...*V64) *V64 {
		x0 := autograd.IndexSelect(xs[0], 0, []int{0})
		x1 := autograd.IndexSelect(xs[0], 0, []int{1})
		return autograd.Sum(autograd.Add(autograd.Mul(autograd.Square(x0), x1), autograd.Pow(x1, 3)))
	}
	x := tensor.MustNew([]float64{1, 2}, 2)
	h := autograd.Hessian(f, []*tensor.Tensor[float64]{x})[0][0]
	fmt.Println("H   =", h.Shape(), h.Data())

	_, hv := autograd.HVP(f, []*tensor.Tensor[float64]{x}, []*tensor.Tensor[float64]{tensor.MustNew([]float64{1, -1}, 2)})
	fmt.Println("H·v =", hv[0].Data())
	// Output:
	// H   = [2 2] [4 2 2 12]
	// H·v = [2 -10]
}

// HVP is the product of the Hessian with a direction, at about the cost of
// a few gradients: what Newton-CG and curvature probes need.
func ExampleHVP() {
	// f(x) = Σ exp(x): H = diag(exp(x)), so H·v = exp(x) ∘ v.
	f := func(xs ...*V64) *V64 { return autograd.Sum(autograd.Exp(xs[0])) }
	x := tensor.MustNew([]float64{0, 1}, 2)
	v := tensor.MustNew([]float64{2, 1}, 2)
	value, hv := autograd.HVP(f, []*tensor.Tensor[float64]{x}, []*tensor.Tensor[float64]{v})
	fmt.Printf("f = %.4f, H·v = %.4f\n", value.Item(), hv[0].Data())
	// Output:
	// f = 3.7183, H·v = [2.0000 2.7183]
}

// BatchJacobian computes the Jacobian of every row of a row-wise function
// at once; with one loss per example it is the per-example gradient.
func ExampleBatchJacobian() {
	// One loss per row: Σⱼ xⱼ² · wⱼ with a shared w.
	w := tensor.MustNew([]float64{1, 2}, 2)
	losses := func(xs ...*V64) *V64 {
		return autograd.Sum(autograd.Mul(autograd.Square(xs[0]), autograd.Const(w)), 1)
	}
	batch := tensor.MustNew([]float64{1, 1, 2, -1, 0, 3}, 3, 2)
	g := autograd.BatchJacobian(losses, []*tensor.Tensor[float64]{batch}, autograd.JacobianAuto)[0]
	fmt.Println(g.Shape(), g.Data()) // row b: 2·x_b ∘ w
	// Output:
	// [3 2] [2 4 4 -4 0 12]
}
