package layers_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

func ExampleLinear() {
	// A layer from 3 to 2 features with weights chosen by hand
	// (Weight is [out, in], as in PyTorch).
	l := &layers.Linear[float64]{
		Weight: autograd.Param(tensor.MustNew([]float64{1, 0, -1, 0.5, 0.5, 0.5}, 2, 3)),
		Bias:   autograd.Param(tensor.MustNew([]float64{10, -1}, 2)),
	}
	x := autograd.Const(tensor.MustNew([]float64{1, 2, 3, 4, 5, 6}, 2, 3)) // a batch of 2
	y := l.Forward(x)                                                      // x·Wᵀ + b
	fmt.Println(y.Value())

	// With an initializer, NewLinear draws the weights from a seeded generator
	// and zeroes the bias (nil draws both as PyTorch does).
	rng := rand.New(rand.NewPCG(1, 2))
	l2 := layers.NewLinear[float64](rng, 3, 2, layers.HeNormal[float64])
	fmt.Println(l2.Weight.Shape(), l2.Bias.Value())

	// A batch with the wrong number of features panics with a *tensor.ShapeError.
	defer func() { fmt.Println(recover()) }()
	l.Forward(autograd.Const(tensor.Zeros[float64](2, 4)))
	// Output:
	// Tensor[2 2][[8 2] [8 6.5]]
	// [2 3] Tensor[2][0 0]
	// layers: Linear: input must be [... 3]: [2 4] x [2 3]
}

func ExampleSequential() {
	rng := rand.New(rand.NewPCG(1, 2))
	net := layers.NewSequential(
		layers.NewLinear[float64](rng, 4, 5, nil), // nil: PyTorch's U(±1/√in) for weight and bias
		layers.Sigmoid[float64]{},
		layers.NewLinear[float64](rng, 5, 1, nil),
	)
	for _, p := range net.Parameters() {
		fmt.Println(p.Name(), p.Shape())
	}

	x := autograd.Const(tensor.Ones[float64](3, 4)) // a batch of 3
	y := autograd.Const(tensor.Zeros[float64](3, 1))
	loss := layers.MSELoss[float64]{}.Loss(net.Forward(x), y)
	loss.Backward()
	fmt.Println(net.Forward(x).Shape(), net.Parameters()[0].Grad().Shape())
	// Output:
	// 0.weight [5 4]
	// 0.bias [5]
	// 2.weight [1 5]
	// 2.bias [1]
	// [3 1] [5 4]
}

func ExampleNewMLP() {
	// A classifier from 4 features to 3 classes with two hidden ReLU layers
	// (He initialisation before each ReLU, Xavier on the output layer).
	rng := rand.New(rand.NewPCG(1, 2))
	net := layers.NewMLP[float64](rng, []int{4, 16, 8, 3}, nil)
	for _, p := range net.NamedParameters() {
		fmt.Println(p.Name, p.Param.Shape())
	}

	x := autograd.Const(tensor.RandNormal(rng, 0, 1.0, 5, 4)) // a batch of 5
	logits := net.Forward(x)
	loss := autograd.CrossEntropy(logits, []int{0, 2, 1, 1, 0})
	loss.Backward()
	fmt.Println(logits.Shape(), net.Parameters()[0].Grad().Shape())
	// Output:
	// 0.weight [16 4]
	// 0.bias [16]
	// 2.weight [8 16]
	// 2.bias [8]
	// 4.weight [3 8]
	// 4.bias [3]
	// [5 3] [16 4]
}

func ExampleConv2D() {
	// A small convolutional network for 1x8x8 images: two 3x3 convolutions
	// (the first padded to keep the size), pooling, then a Linear layer.
	rng := rand.New(rand.NewPCG(1, 2))
	net := layers.NewSequential(
		layers.NewConv2D[float64](rng, 1, 4, [2]int{3, 3}, layers.Conv2DOptions{Padding: [2]int{1, 1}}, nil),
		layers.ReLU[float64]{},
		layers.NewMaxPool2D[float64](2), // 8x8 → 4x4
		layers.NewConv2D[float64](rng, 4, 6, [2]int{3, 3}, layers.Conv2DOptions{}, nil), // 4x4 → 2x2
		layers.ReLU[float64]{},
		layers.Flatten[float64]{}, // [N, 6·2·2]
		layers.NewLinear[float64](rng, 24, 10, nil),
	)
	x := autograd.Const(tensor.RandNormal(rng, 0, 1.0, 2, 1, 8, 8)) // NCHW, a batch of 2
	fmt.Println(net.Forward(x).Shape())
	for _, p := range net.NamedParameters() {
		fmt.Println(p.Name, p.Param.Shape())
	}

	// An input with the wrong number of channels names the layer.
	defer func() { fmt.Println(recover()) }()
	net.Forward(autograd.Const(tensor.Zeros[float64](2, 3, 8, 8)))
	// Output:
	// [2 10]
	// 0.weight [4 1 3 3]
	// 0.bias [4]
	// 3.weight [6 4 3 3]
	// 3.bias [6]
	// 6.weight [10 24]
	// 6.bias [10]
	// layers: Conv2D (0.weight): input has 3 channels, weight wants 1: [2 3 8 8] x [4 1 3 3]
}

func ExampleEmbedding() {
	// A table of 3 vectors of 2 features, set by hand.
	e := &layers.Embedding[float64]{Weight: autograd.Param(tensor.MustNew([]float64{0, 0, 1, 10, 2, 20}, 3, 2))}

	// Lookup takes integer ids; a repeated id gets the sum of the gradients.
	rows := e.Lookup([]int{2, 1, 2})
	fmt.Println(rows.Value())
	autograd.Sum(rows).Backward()
	fmt.Println(e.Weight.Grad())

	// Forward takes float-encoded ids of shape [batch, seq], for use in a
	// Sequential: the result is [batch, seq, dim].
	ids := autograd.Const(tensor.MustNew([]float64{0, 1, 2, 2}, 2, 2))
	fmt.Println(e.Forward(ids).Shape())
	// Output:
	// Tensor[3 2][[2 20] [1 10] [2 20]]
	// Tensor[3 2][[0 0] [1 1] [2 2]]
	// [2 2 2]
}

func ExampleSetTraining() {
	rng := rand.New(rand.NewPCG(1, 2))
	sum := &layers.Linear[float64]{ // every output is the sum of the 3 inputs
		Weight: autograd.Param(tensor.Ones[float64](4, 3)),
		Bias:   autograd.Param(tensor.Zeros[float64](4)),
	}
	net := layers.NewSequential[float64](sum, layers.NewDropout[float64](rng, 0.5))
	x := autograd.Const(tensor.Ones[float64](1, 3))

	// A new network is training: Dropout zeroes each output with
	// probability 0.5 and doubles the others, with a fresh mask every call.
	fmt.Println(net.Forward(x).Value())
	fmt.Println(net.Forward(x).Value())

	// In evaluation mode Dropout is the identity.
	layers.SetTraining(net, false)
	fmt.Println(net.Forward(x).Value())

	layers.SetTraining(net, true) // and back
	fmt.Println(net.Layers[1].(*layers.Dropout[float64]).Training())
	// Output:
	// Tensor[1 4][[0 6 6 0]]
	// Tensor[1 4][[0 0 6 6]]
	// Tensor[1 4][[3 3 3 3]]
	// true
}

func ExampleNamed() {
	rng := rand.New(rand.NewPCG(1, 2))
	type child = layers.NamedModule[float64]
	encoder := layers.NewNamed(
		child{Name: "fc1", Module: layers.NewLinear[float64](rng, 8, 4, nil)},
		child{Name: "norm", Module: layers.NewBatchNorm1d[float64](4)},
		child{Name: "act", Module: layers.Tanh[float64]{}},
	)
	net := layers.NewNamed(
		child{Name: "encoder", Module: encoder},
		child{Name: "head", Module: layers.NewLinear[float64](rng, 4, 1, nil)},
	)
	for _, p := range net.NamedParameters() {
		fmt.Println("param ", p.Name, p.Param.Shape())
	}
	for _, b := range net.NamedBuffers() {
		fmt.Println("buffer", b.Name, b.Buffer.Shape())
	}
	// Output:
	// param  encoder.fc1.weight [4 8]
	// param  encoder.fc1.bias [4]
	// param  encoder.norm.weight [4]
	// param  encoder.norm.bias [4]
	// param  head.weight [1 4]
	// param  head.bias [1]
	// buffer encoder.norm.running_mean [4]
	// buffer encoder.norm.running_var [4]
}

func ExampleFreeze() {
	// A trained network (here, hand-set weights) prepared for inference.
	fc := &layers.Linear[float64]{
		Weight: autograd.Param(tensor.MustNew([]float64{1, -1, 2, 0.5}, 2, 2)),
		Bias:   autograd.Param(tensor.MustNew([]float64{0, -3}, 2)),
	}
	net := layers.NewSequential[float64](fc, layers.ReLU[float64]{})
	frozen := layers.Freeze(net)

	x := tensor.MustNew([]float64{3, 1, 1, 1}, 2, 2)
	y := frozen.Forward(autograd.Const(x)) // allocates the output alone
	fmt.Println(y.Value(), y.RequiresGrad())

	// In a loop, an inference Arena makes each warm call allocate nothing.
	ar := autograd.NewInferenceArena[float64]()
	for range 2 {
		ar.Reset()
		fmt.Println(frozen.Forward(ar.Const(x)).Value()) // valid until the next Reset
	}

	// The frozen copy keeps the weights it was made with.
	fc.Weight.Value().Fill(0)
	fmt.Println(frozen.Forward(autograd.Const(x)).Value(), net.Forward(autograd.Const(x)).Value())
	// Output:
	// Tensor[2 2][[2 3.5] [0 0]] false
	// Tensor[2 2][[2 3.5] [0 0]]
	// Tensor[2 2][[2 3.5] [0 0]]
	// Tensor[2 2][[2 3.5] [0 0]] Tensor[2 2][[0 0] [0 0]]
}
