package main

import (
	"fmt"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/layers"
)

// The MLP's hidden layer: its width, and the dropout after it, which
// lifts its test accuracy by about a point (a net this wide otherwise
// memorizes the 1438 training images within a few epochs).
const (
	hiddenMLP  = 256
	dropoutMLP = 0.2
)

// newModel builds the named architecture (one of modelNames) with weights
// drawn from rng. Both take [N, 1, 8, 8] images and return [N, 10] logits.
// Their parameter names are those of the same torch.nn.Sequential:
//
//	cnn: Conv2d(1, 16, 3, padding=1), ReLU(), MaxPool2d(2),
//	     Conv2d(16, 32, 3, padding=1), ReLU(), MaxPool2d(2),
//	     Flatten(), Linear(128, 10)
//	mlp: Flatten(), Linear(64, 256), ReLU(), Dropout(0.2), Linear(256, 10)
func newModel(kind string, rng *rand.Rand) (*layers.Sequential[float32], error) {
	switch kind {
	case "cnn":
		pad1 := layers.Conv2DOptions{Padding: [2]int{1, 1}}
		const c1, c2 = 16, 32
		return layers.NewSequential(
			layers.NewConv2D(rng, 1, c1, [2]int{3, 3}, pad1, layers.HeUniform[float32]),
			layers.ReLU[float32]{},
			layers.NewMaxPool2D[float32](2), // 8×8 → 4×4
			layers.NewConv2D(rng, c1, c2, [2]int{3, 3}, pad1, layers.HeUniform[float32]),
			layers.ReLU[float32]{},
			layers.NewMaxPool2D[float32](2), // 4×4 → 2×2
			layers.Flatten[float32]{},
			layers.NewLinear(rng, c2*(side/4)*(side/4), classes, layers.XavierUniform[float32]),
		), nil
	case "mlp":
		mlp := layers.NewMLP[float32](rng, []int{side * side, hiddenMLP, classes}, nil, layers.MLPDropout(dropoutMLP))
		return layers.NewSequential(append([]layers.Module[float32]{layers.Flatten[float32]{}}, mlp.Layers...)...), nil
	}
	return nil, fmt.Errorf("unknown model %q, want one of %q", kind, modelNames())
}

// describe returns a one-line summary of a model: its layers and its number
// of trainable parameters.
func describe(kind string, net *layers.Sequential[float32]) string {
	n := 0
	for _, p := range net.Parameters() {
		n += p.Value().Len()
	}
	arch := map[string]string{
		"cnn": "Conv2D(1→16, 3×3) ReLU MaxPool2D(2) Conv2D(16→32, 3×3) ReLU MaxPool2D(2) Flatten Linear(128→10)",
		"mlp": fmt.Sprintf("Flatten Linear(64→%d) ReLU Dropout(%g) Linear(%d→10)", hiddenMLP, dropoutMLP, hiddenMLP),
	}[kind]
	return fmt.Sprintf("model %s: %s; %d parameters", kind, arch, n)
}
