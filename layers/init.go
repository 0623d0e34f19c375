package layers

import (
	"math"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/tensor"
)

// Initializer draws a parameter tensor of the given shape from rng, scaled
// for a layer with fanIn inputs and fanOut outputs per unit, PyTorch's
// fans: for a Linear layer in and out; for a Conv2D layer (in/groups)·kh·kw
// and out·kh·kw; for a ConvTranspose2D layer, whose weight is
// [in, out/groups, kh, kw], (out/groups)·kh·kw and in·kh·kw (each
// constructor says which it passes). Every initializer draws only from rng,
// so a seed reproduces a network bit for bit; the constant ones (Zeros,
// Ones, Constant) draw nothing and leave rng where it was (it may be nil).
// The others panic with an *ArgError naming rng when it is nil, and so do
// the constructors that draw with them (NewLinear(nil, …) with a nil init).
//
// The functions below are Initializers as they are (XavierUniform[T]);
// Constant, Normal and Uniform build one from their arguments.
type Initializer[T Float] func(rng *rand.Rand, fanIn, fanOut int, shape ...int) *tensor.Tensor[T]

// XavierUniform (Glorot) draws from U(-a, a) with a = √(6/(fanIn+fanOut)),
// which keeps activation variance steady through sigmoid and tanh layers.
// Like the other initializers that use the fans, it panics with an
// *ArgError when one is not positive (torch divides by zero there).
func XavierUniform[T Float](rng *rand.Rand, fanIn, fanOut int, shape ...int) *tensor.Tensor[T] {
	checkRNG("XavierUniform", rng)
	checkFans("XavierUniform", fanIn, fanOut)
	a := T(math.Sqrt(6 / float64(fanIn+fanOut)))
	return tensor.RandUniform(rng, -a, a, shape...)
}

// XavierNormal (Glorot) draws from N(0, 2/(fanIn+fanOut)).
func XavierNormal[T Float](rng *rand.Rand, fanIn, fanOut int, shape ...int) *tensor.Tensor[T] {
	checkRNG("XavierNormal", rng)
	checkFans("XavierNormal", fanIn, fanOut)
	return tensor.RandNormal(rng, 0, T(math.Sqrt(2/float64(fanIn+fanOut))), shape...)
}

// HeUniform (Kaiming) draws from U(-a, a) with a = √(6/fanIn), the scale
// that keeps variance steady through ReLU layers.
func HeUniform[T Float](rng *rand.Rand, fanIn, fanOut int, shape ...int) *tensor.Tensor[T] {
	checkRNG("HeUniform", rng)
	checkFans("HeUniform", fanIn, 1)
	a := T(math.Sqrt(6 / float64(fanIn)))
	return tensor.RandUniform(rng, -a, a, shape...)
}

// HeNormal (Kaiming) draws from N(0, 2/fanIn).
func HeNormal[T Float](rng *rand.Rand, fanIn, fanOut int, shape ...int) *tensor.Tensor[T] {
	checkRNG("HeNormal", rng)
	checkFans("HeNormal", fanIn, 1)
	return tensor.RandNormal(rng, 0, T(math.Sqrt(2/float64(fanIn))), shape...)
}

// UniformFanIn draws from U(-a, a) with a = 1/√fanIn: PyTorch's default for
// the weights and biases of Linear and Conv2d (its kaiming_uniform_ with
// a = √5 comes to this bound). Linear, Conv1D, Conv2D and ConvTranspose2D
// use it for both weight and bias when given a nil Initializer; Embedding's
// nil default is Normal(0, 1), also PyTorch's.
func UniformFanIn[T Float](rng *rand.Rand, fanIn, fanOut int, shape ...int) *tensor.Tensor[T] {
	checkRNG("UniformFanIn", rng)
	checkFans("UniformFanIn", fanIn, 1)
	a := T(1 / math.Sqrt(float64(fanIn)))
	return tensor.RandUniform(rng, -a, a, shape...)
}

// checkRNG panics with an *ArgError naming op when rng is nil, which would
// otherwise crash at the first draw.
func checkRNG(op string, rng *rand.Rand) {
	if rng == nil {
		argPanic(op, "rng", nil, "must not be nil")
	}
}

// checkFans panics with an *ArgError naming op unless fanIn and fanOut
// are positive (an initializer that uses only fanIn passes 1 for fanOut).
func checkFans(op string, fanIn, fanOut int) {
	switch {
	case fanIn <= 0:
		argPanic(op, "fanIn", fanIn, "must be positive")
	case fanOut <= 0:
		argPanic(op, "fanOut", fanOut, "must be positive")
	}
}

// Zeros fills the tensor with 0, the usual bias; it draws nothing.
func Zeros[T Float](rng *rand.Rand, fanIn, fanOut int, shape ...int) *tensor.Tensor[T] {
	return tensor.Zeros[T](shape...)
}

// Ones fills the tensor with 1, the usual normalization weight; it draws
// nothing.
func Ones[T Float](rng *rand.Rand, fanIn, fanOut int, shape ...int) *tensor.Tensor[T] {
	return tensor.Ones[T](shape...)
}

// Constant returns an Initializer that fills the tensor with c and draws
// nothing.
func Constant[T Float](c T) Initializer[T] {
	return func(_ *rand.Rand, _, _ int, shape ...int) *tensor.Tensor[T] {
		return tensor.Full(c, shape...)
	}
}

// Normal returns an Initializer that draws from N(mean, std²) whatever the
// fans (Embedding's default is Normal(0, 1), as in PyTorch). It panics with
// an *ArgError if mean is not finite or std is negative or not finite.
func Normal[T Float](mean, std T) Initializer[T] {
	if math.IsNaN(float64(mean)) || math.IsInf(float64(mean), 0) {
		argPanic("Normal", "mean", mean, "must be finite")
	}
	if !(std >= 0) || math.IsInf(float64(std), 0) {
		argPanic("Normal", "std", std, "must be finite and non-negative")
	}
	return func(rng *rand.Rand, _, _ int, shape ...int) *tensor.Tensor[T] {
		checkRNG("Normal", rng)
		return tensor.RandNormal(rng, mean, std, shape...)
	}
}

// Uniform returns an Initializer that draws from U(lo, hi) whatever the
// fans. It panics with an *ArgError unless lo ≤ hi (NaN fails).
func Uniform[T Float](lo, hi T) Initializer[T] {
	if !(lo <= hi) {
		argPanic("Uniform", "[lo hi]", []T{lo, hi}, "must have lo <= hi")
	}
	return func(rng *rand.Rand, _, _ int, shape ...int) *tensor.Tensor[T] {
		checkRNG("Uniform", rng)
		return tensor.RandUniform(rng, lo, hi, shape...)
	}
}
