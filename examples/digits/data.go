package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/layers/data"
	"github.com/adjoint-go/adjoint/tensor"
)

// Facts about the data set and the fixed choices of the experiment.
const (
	side         = 8                  // images are side×side pixels
	classes      = 10                 // the digits 0..9
	maxPixel     = 16                 // pixel values are 0..16
	testFraction = 0.2                // share of the images held out for testing
	splitSeed    = 0x4469676974735370 // seeds the split, fixed ("DigitsSp")
)

// dataset is the embedded data, split into training and test images with
// pixels scaled to [0, 1], as [n, 1, side, side] tensors.
type dataset struct {
	xTrain, xTest *tensor.Tensor[float32]
	yTrain, yTest []int
}

// loadDigits reads the embedded CSV and splits it. The split is seeded by a
// constant, so the test images are the same in every run.
func loadDigits() (dataset, error) {
	var ds dataset
	tab, err := data.ReadCSV(bytes.NewReader(digitsCSVGz), data.CSVOptions{NoHeader: true})
	if err != nil {
		return ds, fmt.Errorf("embedded digits.csv.gz: %w", err)
	}
	x, labels, err := tab.FeaturesAndLabels(-1, classes)
	if err != nil {
		return ds, fmt.Errorf("embedded digits.csv.gz: %w", err)
	}
	if x.Cols() != side*side {
		return ds, fmt.Errorf("embedded digits.csv.gz: %d pixels per image, want %d", x.Cols(), side*side)
	}
	train, test, err := data.Split(x.Rows(), testFraction, rand.New(rand.NewPCG(splitSeed, 0)))
	if err != nil {
		return ds, fmt.Errorf("embedded digits.csv.gz: %w", err)
	}
	images := func(rows []int) (*tensor.Tensor[float32], error) {
		t, err := data.ToTensor[float32](x.Take(rows))
		if err != nil {
			return nil, fmt.Errorf("embedded digits.csv.gz: %w", err)
		}
		for i, v := range t.Data() {
			t.Data()[i] = v / maxPixel
		}
		return t.Reshape(len(rows), 1, side, side), nil
	}
	if ds.xTrain, err = images(train); err != nil {
		return ds, err
	}
	if ds.xTest, err = images(test); err != nil {
		return ds, err
	}
	ds.yTrain, ds.yTest = data.Gather(nil, labels, train), data.Gather(nil, labels, test)
	return ds, nil
}
