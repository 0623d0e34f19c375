package data_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/adjoint-go/adjoint/layers/data"
	"github.com/adjoint-go/adjoint/tensor"
)

// The whole preparation of a data set: read, split, scale with training
// statistics, and draw shuffled minibatches as tensors.
func Example() {
	const houses = `RM,LSTAT,MEDV
6.575,4.98,24
6.421,9.14,21.6
7.185,4.03,34.7
6.998,2.94,33.4
7.147,5.33,36.2
6.43,5.21,28.7
`
	tab, err := data.ReadCSV(strings.NewReader(houses), data.CSVOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	x, _ := tab.Select("RM", "LSTAT")
	y, _ := tab.Select("MEDV")

	rng := rand.New(rand.NewPCG(1, 2))
	train, test, err := data.Split(tab.Rows(), 1.0/3, rng)
	if err != nil {
		fmt.Println(err)
		return
	}
	std := data.FitStandardizer(x.Take(train)) // training rows only
	xs, err := std.Transform(x.Take(train))
	if err != nil {
		fmt.Println(err) // another file's columns, in another order
		return
	}
	xTrain, err := data.ToTensor[float64](xs)
	if err != nil {
		fmt.Println(err)
		return
	}
	yTrain, err := data.ToTensor[float64](y.Take(train))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(train), "train,", len(test), "test; features", xTrain.Shape())

	batches, err := data.NewBatches(len(train), 3, rng, data.BatchOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	var xb, yb *tensor.Tensor[float64]
	for epoch := range 2 {
		for idx := range batches.Epoch() {
			xb = data.GatherRows(xb, xTrain, idx)
			yb = data.GatherRows(yb, yTrain, idx)
			fmt.Println("epoch", epoch, "batch", xb.Shape(), yb.Shape())
		}
	}
	// Output:
	// 4 train, 2 test; features [4 2]
	// epoch 0 batch [3 2] [3 1]
	// epoch 0 batch [1 2] [1 1]
	// epoch 1 batch [3 2] [3 1]
	// epoch 1 batch [1 2] [1 1]
}

// Columns are picked by name from the header, in any order; values in the
// other columns are not even parsed.
func ExampleReadCSV() {
	const in = `town,RM,MEDV
Boston,6.575,24
"Salem, MA",6.421,21.6
`
	tab, err := data.ReadCSV(strings.NewReader(in), data.CSVOptions{Columns: []string{"MEDV", "RM"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tab.Names())
	for i := range tab.Rows() {
		fmt.Println(tab.Row(i), "from line", tab.Line(i))
	}
	// Output:
	// [MEDV RM]
	// [24 6.575] from line 2
	// [21.6 6.421] from line 3
}

// A bad value is reported with its line and its column, by number and by
// name; errors.As gives the position as numbers.
func ExampleCSVError() {
	const in = "RM,LSTAT,MEDV\n6.575,4.98,24\n6.421,n/a,21.6\n"
	_, err := data.ReadCSV(strings.NewReader(in), data.CSVOptions{})
	fmt.Println(err)
	var ce *data.CSVError
	if errors.As(err, &ce) {
		fmt.Println(ce.Line, ce.Column, ce.Name)
	}
	// Output:
	// data: line 3, column 2 (LSTAT): "n/a" is not a number
	// 3 2 LSTAT
}

// The digits data: gzipped, no header, 64 pixels and then the digit. The
// gzip stream is recognized by its magic bytes.
func ExampleReadCSVFile() {
	tab, err := data.ReadCSVFile("testdata/digits5.csv.gz", data.CSVOptions{NoHeader: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	pixels, digits, err := tab.FeaturesAndLabels(-1, 10)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(pixels.Rows(), "images of", pixels.Cols(), "pixels; digits", digits)
	// Output:
	// 5 images of 64 pixels; digits [0 1 2 3 4]
}

// A seeded split: the same seed gives the same sets.
func ExampleSplit() {
	train, test, err := data.Split(10, 0.3, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("train", train)
	fmt.Println("test ", test)

	_, _, err = data.Split(3, 0.1, rand.New(rand.NewPCG(1, 2)))
	fmt.Println(err)
	// Output:
	// train [6 9 1 8 0 5 7]
	// test  [4 2 3]
	// data: Split: 3 rows with a test fraction of 0.1 leave 3 for training and 0 for testing; neither may be empty
}

// Fit on the training rows, then transform any rows with those statistics.
// The constant column maps to 0.
func ExampleFitStandardizer() {
	train, _ := data.FromRows([]string{"a", "const"}, [][]float64{{1, 5}, {2, 5}, {3, 5}})
	test, _ := data.FromRows([]string{"a", "const"}, [][]float64{{4, 5}})
	s := data.FitStandardizer(train)
	fmt.Printf("mean %.3g, std %.3g\n", s.Mean, s.Std)
	z, err := s.Transform(test)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%.3g\n", z.Row(0))
	fmt.Printf("%.3g\n", s.InverseTransform(z).Row(0))
	// Output:
	// mean [2 5], std [0.816 1]
	// [2.45 0]
	// [4 5]
}

// Scale targets into the range a sigmoid can reach, and read predictions
// back in the target's units.
func ExampleFitMinMax() {
	prices, _ := data.FromRows([]string{"MEDV"}, [][]float64{{10}, {50}, {20}})
	s, err := data.FitMinMax(prices, 0.05, 0.95)
	if err != nil {
		fmt.Println(err)
		return
	}
	scaled, err := s.Transform(prices)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%.3g\n", scaled.Column(0))
	fmt.Printf("%.3g\n", s.InverseValue(0, 0.5)) // a network's output, in k$
	// Output:
	// [0.05 0.95 0.275]
	// 30
}

// Every epoch reshuffles; each index appears exactly once per epoch.
func ExampleNewBatches() {
	batches, err := data.NewBatches(7, 3, rand.New(rand.NewPCG(1, 2)), data.BatchOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(batches.Len(), "batches per epoch")
	for epoch := range 2 {
		for idx := range batches.Epoch() {
			fmt.Print(idx, " ")
		}
		fmt.Println("end of epoch", epoch)
	}
	// Output:
	// 3 batches per epoch
	// [1 4 0] [2 6 3] [5] end of epoch 0
	// [3 5 4] [6 1 0] [2] end of epoch 1
}

// Gather a minibatch of rows and its labels, one-hot encoded.
func ExampleGatherRows() {
	x := tensor.MustNew([]float32{
		0, 0,
		1, 1,
		2, 2,
		3, 3,
	}, 4, 2)
	labels := []int{0, 1, 1, 2}
	idx := []int{3, 1}

	xb := data.GatherRows(nil, x, idx)
	yb := data.OneHot[float32](nil, data.Gather(nil, labels, idx), 3)
	fmt.Println(xb.Data(), yb.Shape(), yb.Data())
	// Output:
	// [3 3 1 1] [2 3] [0 0 1 0 1 0]
}

// One-hot targets for losses that take probabilities.
func ExampleOneHot() {
	y := data.OneHot[float64](nil, []int{2, 0}, 3)
	fmt.Println(y.Shape(), y.Data())
	// Output:
	// [2 3] [0 0 1 1 0 0]
}
