package tensor_test

import (
	"fmt"

	"github.com/adjoint-go/adjoint/tensor"
)

func ExampleArgmax() {
	// Scores of 3 samples over 4 classes.
	scores := tensor.MustNew([]float64{
		0.1, 2.0, 0.3, 2.0, // a tie: the first maximum wins
		5.0, 1.0, 0.0, 1.0,
		0.0, 0.0, 0.0, 9.0,
	}, 3, 4)
	fmt.Println(tensor.Argmax(scores, -1)) // one class per sample
	fmt.Println(tensor.Max(scores, -1))
	fmt.Println(tensor.Argmax(scores, 0)) // one sample per class
	fmt.Println(tensor.MaxMask(scores, -1))
	// Output:
	// [1 0 3]
	// Tensor[3][2 5 9]
	// [1 0 0 2]
	// Tensor[3 4][[0 1 0 0] [1 0 0 0] [0 0 0 1]]
}

func ExampleSoftmax() {
	// Subtracting each row's maximum keeps huge inputs finite.
	x := tensor.MustNew([]float64{1000, -1000, 0, 0, 0, 0}, 2, 3)
	fmt.Printf("%.4f\n", tensor.Softmax(x, 1).Data())
	fmt.Println(tensor.LogSoftmax(x, 1).Data()[:3])
	fmt.Println(tensor.LogSumExp(tensor.MustNew([]float64{1000, 1000}, 2)))
	// Output:
	// [1.0000 0.0000 0.0000 0.3333 0.3333 0.3333]
	// [0 -2000 -1000]
	// Tensor[](1000.6931471805599)
}
