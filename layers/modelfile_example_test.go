package layers_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

func ExampleSave() {
	newNet := func(seed uint64) *layers.Sequential[float32] {
		rng := rand.New(rand.NewPCG(seed, 0))
		return layers.NewSequential(
			layers.NewLinear(rng, 3, 4, layers.HeUniform[float32]),
			layers.ReLU[float32]{},
			layers.NewLinear(rng, 4, 2, layers.XavierUniform[float32]),
		)
	}
	trained := newNet(1)

	// Save writes the named parameters (and buffers) in the safetensors
	// format: to a bytes.Buffer here, to a file with SaveFile.
	var file bytes.Buffer
	if err := layers.Save(&file, trained); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(file.Len(), "bytes")

	// Load copies them into a model of the same architecture, in place.
	restored := newNet(2)
	w := restored.Layers[2].(*layers.Linear[float32]).Weight.Value() // "2.weight"
	fmt.Println("before:", w)
	if err := layers.Load(&file, restored); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("after: ", w)

	x := autograd.Const(tensor.MustNew([]float32{1, -2, 0.5}, 1, 3))
	fmt.Printf("%.4f\n%.4f\n", trained.Forward(x).Value().Data(), restored.Forward(x).Value().Data())
	// Output:
	// 392 bytes
	// before: Tensor[2 4][[-0.08852553 0.59791243 0.5134553 -0.90169334] [-0.10926294 0.06555486 0.7503818 -0.5516496]]
	// after:  Tensor[2 4][[-0.35888022 -0.7786727 -0.3054213 -0.70108837] [0.3684585 -0.2772565 -0.9678258 -0.62057924]]
	// [-1.7293 -2.9897]
	// [-1.7293 -2.9897]
}

// Loading a file into a model it does not fit changes nothing and lists
// every mismatch.
func ExampleLoad_mismatch() {
	rng := rand.New(rand.NewPCG(1, 0))
	var file bytes.Buffer
	small := layers.NewSequential(layers.NewLinear[float64](rng, 3, 4, nil), layers.ReLU[float64]{}, layers.NewLinear[float64](rng, 4, 2, nil))
	if err := layers.Save(&file, small); err != nil {
		fmt.Println(err)
		return
	}

	other := layers.NewSequential(layers.NewLinear[float64](rng, 3, 8, nil), layers.ReLU[float64]{}, layers.NewLinear[float64](rng, 8, 1, nil), layers.Sigmoid[float64]{}, layers.NewLinear[float64](rng, 1, 1, nil))
	err := layers.Load(&file, other)
	fmt.Println(err)

	var le *layers.LoadError
	if errors.As(err, &le) {
		fmt.Println(le.Missing, len(le.Shapes))
	}
	// Output:
	// layers: the file does not fit the model: 2 missing, 0 unexpected, 4 mis-shaped, 0 of the wrong dtype
	// 	missing from the file: "4.weight", "4.bias"
	// 	shape of "0.weight": [4 3] in the file, [8 3] in the model
	// 	shape of "0.bias": [4] in the file, [8] in the model
	// 	shape of "2.weight": [2 4] in the file, [1 8] in the model
	// 	shape of "2.bias": [2] in the file, [1] in the model
	// [4.weight 4.bias] 4
}

// LoadNonStrict loads a pretrained part of a model, as torch's
// load_state_dict(strict=False): here an encoder trained under a 10-class
// head, into a model with a new 2-class classifier.
func ExampleLoadNonStrict() {
	rng := rand.New(rand.NewPCG(1, 0))
	pretrained := layers.NewNamed(
		layers.NamedModule[float32]{Name: "encoder", Module: layers.NewLinear[float32](rng, 4, 3, nil)},
		layers.NamedModule[float32]{Name: "head", Module: layers.NewLinear[float32](rng, 3, 10, nil)},
	)
	var file bytes.Buffer
	if err := layers.Save(&file, pretrained); err != nil {
		fmt.Println(err)
		return
	}

	encoder := layers.NewLinear[float32](rng, 4, 3, nil)
	model := layers.NewNamed(
		layers.NamedModule[float32]{Name: "encoder", Module: encoder},
		layers.NamedModule[float32]{Name: "classifier", Module: layers.NewLinear[float32](rng, 3, 2, nil)},
	)
	missing, unexpected, err := layers.LoadNonStrict(&file, model)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("missing:   ", missing)
	fmt.Println("unexpected:", unexpected)
	trained := pretrained.Child("encoder").(*layers.Linear[float32]).Weight.Value()
	fmt.Println("encoder loaded:", tensor.SameBits(trained, encoder.Weight.Value()))
	// Output:
	// missing:    [classifier.weight classifier.bias]
	// unexpected: [head.bias head.weight]
	// encoder loaded: true
}
