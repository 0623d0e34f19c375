package autograd_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// The package documentation's example: one backward pass through a matmul,
// a sigmoid and a sum fills the gradient of the parameter.
func ExampleVar_Backward() {
	w := autograd.Param(tensor.MustNew([]float64{0.5, -1}, 2, 1))
	x := autograd.Const(tensor.MustNew([]float64{1, 2, 3, 4}, 2, 2))
	loss := autograd.Sum(autograd.Sigmoid(autograd.MatMul(x, w)))
	loss.Backward()

	fmt.Printf("loss = %.6f\n", loss.Item())
	fmt.Println("grad shape:", w.Grad().Shape())
	for _, g := range w.Grad().Data() {
		fmt.Printf("%.6f\n", g)
	}
	fmt.Println("x has no gradient:", x.Grad() == nil)
	// Output:
	// loss = 0.258284
	// grad shape: [2 1]
	// 0.359458
	// 0.578708
	// x has no gradient: true
}

// Gradients of gradients: with CreateGraph the first derivative is itself a
// differentiable Var, so differentiating it again gives the second.
func ExampleGrad_secondDerivative() {
	x := autograd.Param(tensor.Scalar(2.0))
	y := autograd.Pow(x, 3) // x³

	dy := autograd.Grad([]*autograd.Var[float64]{y}, []*autograd.Var[float64]{x}, autograd.CreateGraph())[0]
	d2y := autograd.Grad([]*autograd.Var[float64]{dy}, []*autograd.Var[float64]{x})[0]

	fmt.Println("y   =", y.Item())   // 8
	fmt.Println("y'  =", dy.Item())  // 3x² = 12
	fmt.Println("y'' =", d2y.Item()) // 6x = 12
	fmt.Println("x.Grad() untouched:", x.Grad() == nil)
	// Output:
	// y   = 8
	// y'  = 12
	// y'' = 12
	// x.Grad() untouched: true
}

// WriteDOT draws the graph in Graphviz format (render it with dot -Tsvg).
func ExampleWriteDOT() {
	w := autograd.Param(tensor.MustNew([]float64{0.5, -1}, 2, 1)).SetName("w")
	x := autograd.Const(tensor.MustNew([]float64{1, 2, 3, 4}, 2, 2)).SetName("x")
	loss := autograd.Sum(autograd.Sigmoid(autograd.MatMul(x, w)))

	var sb strings.Builder
	if err := autograd.WriteDOT(&sb, loss); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	lines := strings.Split(strings.TrimSpace(sb.String()), "\n")
	for _, l := range lines[:4] {
		fmt.Println(l)
	}
	fmt.Println("edges:", strings.Count(sb.String(), "->"))
	// Output:
	// digraph "adjoint" {
	// 	n0 [label="x\n[2 2] float64", shape="box"];
	// 	n1 [label="w\n[2 1] float64", fillcolor="lightblue", shape="box", style="filled"];
	// 	n2 [label="MatMul\n[2 1] float64", shape="ellipse"];
	// edges: 4
}
