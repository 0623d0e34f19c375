// Package data gets a data set ready for training: it reads numeric CSV files
// into a Table, splits the rows into training and test sets, scales the
// features with statistics of the training split only, and cuts the training
// set into shuffled minibatches.
//
// A regression data set with a header row, features and a target picked by
// name:
//
//	tab, err := data.ReadCSV(f, data.CSVOptions{Columns: []string{"RM", "LSTAT", "MEDV"}})
//	if err != nil {
//		return err // "data: line 58, column 2 (LSTAT): "abc" is not a number"
//	}
//	x, _ := tab.Select("RM", "LSTAT")
//	y, _ := tab.Select("MEDV")
//
// A classification data set without a header, gzipped (recognized by its
// magic bytes), with the label in the last column:
//
//	tab, err := data.ReadCSVFile("digits.csv.gz", data.CSVOptions{NoHeader: true})
//	x, labels, err := tab.FeaturesAndLabels(-1, 10)
//
// Then split, and fit scalers on the training rows alone, so that nothing of
// the test set leaks into training:
//
//	rng := rand.New(rand.NewPCG(seed, 0))
//	train, test, err := data.Split(x.Rows(), 0.2, rng)
//	std := data.FitStandardizer(x.Take(train))
//	xs, err := std.Transform(x.Take(train)) // checks the columns' names
//	xTrain, err := data.ToTensor[float32](xs) // 1e39 is too large for float32
//	yTrain := data.Gather(nil, labels, train)
//
// And train on minibatches, reshuffled every epoch from the same rng, so that
// a seed reproduces the run:
//
//	batches, err := data.NewBatches(len(train), 32, rng, data.BatchOptions{})
//	var xb *tensor.Tensor[float32]
//	var yb []int
//	for range epochs {
//		for idx := range batches.Epoch() {
//			xb = data.GatherRows(xb, xTrain, idx) // reuses xb's memory
//			yb = data.Gather(yb, yTrain, idx)
//			loss := autograd.CrossEntropy(net.Forward(autograd.Const(xb)), yb)
//			...
//		}
//	}
//
// Errors follow the rest of Adjoint. Anything that comes from outside the
// program returns an error and never panics: CSV bytes (the error names the
// line and the column, by number and name: a *CSVError), sizes that
// usually come from flags (split fractions, batch sizes, scaler ranges), and
// a table to transform whose columns are not the ones a scaler was fitted
// on (in number, or by name when both tables have names). Misuse inside the
// program, such as a row index out of range or a table of the wrong width
// for InverseTransform, panics with a *tensor.ShapeError whose Pkg is
// "data".
//
// Everything random takes an explicit *rand.Rand; the package has no global
// state. Tables and fitted scalers are read-only and safe to share between
// goroutines; a Batches is not.
package data
