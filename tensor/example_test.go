package tensor_test

import (
	"fmt"

	"github.com/adjoint-go/adjoint/tensor"
)

func ExampleNew() {
	data := []float64{1, 2, 3, 4, 5, 6}
	x, err := tensor.New(data, 2, 3)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(x)
	fmt.Println(x.Shape(), x.At(1, 2))

	// New shares its slice: a write to data shows through x.
	data[0] = 10
	fmt.Println(x.At(0, 0))

	// A slice that does not fit the shape is an error, not a panic.
	_, err = tensor.New([]float64{1, 2, 3}, 2, 2)
	fmt.Println(err)
	// Output:
	// Tensor[2 3][[1 2 3] [4 5 6]]
	// [2 3] 6
	// 10
	// tensor: New: data has 3 elements, shape needs 4: [2 2]
}

func ExampleAdd() {
	x := tensor.MustNew([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	row := tensor.MustNew([]float64{10, 20, 30}, 3)
	col := tensor.MustNew([]float64{100, 200}, 2, 1)

	fmt.Println(tensor.Add(x, row))                 // [3] is broadcast over the rows
	fmt.Println(tensor.Add(x, col))                 // [2 1] is broadcast over the columns
	fmt.Println(tensor.Add(col, row.Reshape(1, 3))) // [2 1] + [1 3] -> [2 3]
	fmt.Println(tensor.Add(x, tensor.Scalar(0.5)))  // a scalar broadcasts against anything
	// Output:
	// Tensor[2 3][[11 22 33] [14 25 36]]
	// Tensor[2 3][[101 102 103] [204 205 206]]
	// Tensor[2 3][[110 120 130] [210 220 230]]
	// Tensor[2 3][[1.5 2.5 3.5] [4.5 5.5 6.5]]
}

func ExampleMatMul() {
	x := tensor.MustNew([]float64{1, 2, 3, 4, 5, 6}, 2, 3)

	// x·xᵀ, reading xᵀ in place instead of copying it.
	fmt.Println(tensor.MatMul(x, x, false, true))
	// xᵀ·x.
	fmt.Println(tensor.MatMul(x, x, true, false))
	// Output:
	// Tensor[2 2][[14 32] [32 77]]
	// Tensor[3 3][[17 22 27] [22 29 36] [27 36 45]]
}

func ExampleSum() {
	x := tensor.MustNew([]float64{1, 2, 3, 4, 5, 6}, 2, 3)

	fmt.Println(tensor.Sum(x))            // everything, as a 0-d tensor
	fmt.Println(tensor.Sum(x, 0))         // down the columns
	fmt.Println(tensor.Sum(x, -1))        // along each row
	fmt.Println(tensor.SumKeepDims(x, 1)) // along each row, keeping the axis
	fmt.Println(tensor.Mean(x, 0))
	// Output:
	// Tensor[](21)
	// Tensor[3][5 7 9]
	// Tensor[2][6 15]
	// Tensor[2 1][[6] [15]]
	// Tensor[3][2.5 3.5 4.5]
}

func ExampleSumTo() {
	// SumTo undoes broadcasting: it sums a [2 3] gradient back to a bias
	// of shape [3].
	grad := tensor.MustNew([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	fmt.Println(tensor.SumTo(grad, 3))
	// Output:
	// Tensor[3][5 7 9]
}

func ExampleShapeError() {
	defer func() {
		fmt.Println(recover())
	}()
	a := tensor.Zeros[float64](3, 4)
	b := tensor.Zeros[float64](5, 2)
	tensor.MatMul(a, b, false, false)
	// Output:
	// tensor: MatMul: inner dimensions differ: [3 4] x [5 2]
}
