package layers

import (
	"math"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/tensor"
)

// Initializer draws a parameter tensor of the given shape from rng, scaled
// for a layer with fanIn inputs and fanOut outputs per unit.
type Initializer[T Float] func(rng *rand.Rand, fanIn, fanOut int, shape ...int) *tensor.Tensor[T]

// XavierUniform (Glorot) draws from U(-a, a) with a = √(6/(fanIn+fanOut)),
// which keeps activation variance steady through sigmoid and tanh layers.
func XavierUniform[T Float](rng *rand.Rand, fanIn, fanOut int, shape ...int) *tensor.Tensor[T] {
	a := T(math.Sqrt(6 / float64(fanIn+fanOut)))
	return tensor.RandUniform(rng, -a, a, shape...)
}

// XavierNormal (Glorot) draws from N(0, 2/(fanIn+fanOut)).
func XavierNormal[T Float](rng *rand.Rand, fanIn, fanOut int, shape ...int) *tensor.Tensor[T] {
	return tensor.RandNormal(rng, 0, T(math.Sqrt(2/float64(fanIn+fanOut))), shape...)
}

// HeUniform (Kaiming) draws from U(-a, a) with a = √(6/fanIn), the scale
// that keeps variance steady through ReLU layers.
func HeUniform[T Float](rng *rand.Rand, fanIn, fanOut int, shape ...int) *tensor.Tensor[T] {
	a := T(math.Sqrt(6 / float64(fanIn)))
	return tensor.RandUniform(rng, -a, a, shape...)
}

// HeNormal (Kaiming) draws from N(0, 2/fanIn).
func HeNormal[T Float](rng *rand.Rand, fanIn, fanOut int, shape ...int) *tensor.Tensor[T] {
	return tensor.RandNormal(rng, 0, T(math.Sqrt(2/float64(fanIn))), shape...)
}
