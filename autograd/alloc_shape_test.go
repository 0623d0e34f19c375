package autograd_test

import (
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// This file proves that the convolution, pooling, indexing and shape ops
// (and MatMul with a vector operand)
// allocate nothing in a steady-state training step under an Arena: forward,
// Backward and ZeroGrad, for each op at a representative shape, in float32
// and float64. Inputs that need a gradient of their own are made
// intermediate results of the arena (a constant batch plus a parameter), so
// that the op's derivative with respect to them runs too.

// shpAllocCase is one row: the parameters of the step and its forward pass,
// whose result the step sums into the loss.
type shpAllocCase[T tensor.Float] struct {
	name   string
	params []*autograd.Var[T]
	f      func(ar *autograd.Arena[T]) *autograd.Var[T]
}

// shpAllocRand returns a tensor of normal values.
func shpAllocRand[T tensor.Float](rng *rand.Rand, shape ...int) *tensor.Tensor[T] {
	return tensor.RandNormal[T](rng, 0, 1, shape...)
}

// shpAllocInput returns a function that makes, under an arena, a batch of the
// given shape that needs a gradient (the batch plus a parameter), and that
// parameter.
func shpAllocInput[T tensor.Float](rng *rand.Rand, shape ...int) (func(ar *autograd.Arena[T]) *autograd.Var[T], *autograd.Var[T]) {
	x := shpAllocRand[T](rng, shape...)
	p := autograd.Param(shpAllocRand[T](rng, shape...))
	return func(ar *autograd.Arena[T]) *autograd.Var[T] { return autograd.Add(ar.Const(x), p) }, p
}

func shapeAllocCases[T tensor.Float]() []shpAllocCase[T] {
	rng := rand.New(rand.NewPCG(7, 11))
	var cases []shpAllocCase[T]
	add := func(name string, f func(ar *autograd.Arena[T]) *autograd.Var[T], params ...*autograd.Var[T]) {
		cases = append(cases, shpAllocCase[T]{name, params, f})
	}
	param := func(shape ...int) *autograd.Var[T] { return autograd.Param(shpAllocRand[T](rng, shape...)) }

	// Convolution and pooling.
	img, pimg := shpAllocInput[T](rng, 4, 3, 8, 8)
	w, b := param(5, 3, 3, 3), param(5)
	add("Conv2D 3x3 padding 1 with bias", func(ar *autograd.Arena[T]) *autograd.Var[T] {
		return autograd.Conv2D(img(ar), w, b, autograd.Conv2DOptions{Padding: [2]int{1, 1}})
	}, pimg, w, b)
	add("Conv2D stride 2 without bias", func(ar *autograd.Arena[T]) *autograd.Var[T] {
		return autograd.Conv2D(img(ar), w, nil, autograd.Conv2DOptions{Stride: [2]int{2, 2}})
	}, pimg, w)
	w1 := param(4, 3, 1, 1)
	add("Conv2D pointwise", func(ar *autograd.Arena[T]) *autograd.Var[T] {
		return autograd.Conv2D(img(ar), w1, nil, autograd.Conv2DOptions{})
	}, pimg, w1)
	batch := shpAllocRand[T](rng, 4, 3, 8, 8)
	add("Conv2D of a constant batch", func(ar *autograd.Arena[T]) *autograd.Var[T] {
		return autograd.Conv2D(ar.Const(batch), w, b, autograd.Conv2DOptions{Padding: [2]int{1, 1}})
	}, w, b)
	add("MaxPool2D 2x2", func(ar *autograd.Arena[T]) *autograd.Var[T] {
		return autograd.MaxPool2D(img(ar), [2]int{2, 2}, [2]int{}, [2]int{})
	}, pimg)
	add("MaxPool2D 3x3 stride 1 padding 1, input used twice", func(ar *autograd.Arena[T]) *autograd.Var[T] {
		h := img(ar)
		return autograd.Add(autograd.Sum(autograd.MaxPool2D(h, [2]int{3, 3}, [2]int{1, 1}, [2]int{1, 1})), autograd.Sum(h))
	}, pimg)
	add("AvgPool2D 3x3 stride 2 padding 1", func(ar *autograd.Arena[T]) *autograd.Var[T] {
		return autograd.AvgPool2D(img(ar), [2]int{3, 3}, [2]int{2, 2}, [2]int{1, 1})
	}, pimg)

	// Indexing.
	table, ptable := shpAllocInput[T](rng, 10, 16)
	ids := []int{3, 1, 3, 0, 9, 3, 2, 1}
	add("IndexSelect rows with repeated ids (an embedding lookup)", func(ar *autograd.Arena[T]) *autograd.Var[T] {
		return autograd.IndexSelect(table(ar), 0, ids)
	}, ptable)
	add("IndexSelect columns", func(ar *autograd.Arena[T]) *autograd.Var[T] {
		return autograd.IndexSelect(table(ar), 1, []int{15, 0, 7})
	}, ptable)
	add("IndexSelect of a table used twice", func(ar *autograd.Arena[T]) *autograd.Var[T] {
		h := table(ar)
		return autograd.Add(autograd.Sum(autograd.IndexSelect(h, 0, ids)), autograd.Sum(h))
	}, ptable)

	// Embedding: a batch of ids, into a parameter table and into a table
	// the step computes (tied weights: the table is used twice).
	weight := param(10, 16)
	idsT := tensor.MustNew([]T{3, 1, 3, 0, 9, 3, 2, 1}, 2, 4)
	add("Embedding of a batch of ids [2 4]", func(ar *autograd.Arena[T]) *autograd.Var[T] {
		return autograd.Embedding(weight, ar.Const(idsT))
	}, weight)
	add("Embedding into a table used twice", func(ar *autograd.Arena[T]) *autograd.Var[T] {
		h := table(ar)
		return autograd.Add(autograd.Sum(autograd.Embedding(h, ar.Const(idsT))), autograd.Sum(h))
	}, ptable)

	// Shape ops.
	add("Reshape", func(ar *autograd.Arena[T]) *autograd.Var[T] { return autograd.Reshape(img(ar), 4, -1) }, pimg)
	empty := tensor.Zeros[T](0, 8)
	add("Reshape of an empty batch to [-1 4]", func(ar *autograd.Arena[T]) *autograd.Var[T] {
		return autograd.Add(autograd.Sum(autograd.Reshape(ar.Const(empty), -1, 4)), autograd.Sum(img(ar)))
	}, pimg)
	add("Permute to heads", func(ar *autograd.Arena[T]) *autograd.Var[T] { return autograd.Permute(img(ar), 0, 2, 1, 3) }, pimg)
	add("Transpose", func(ar *autograd.Arena[T]) *autograd.Var[T] { return autograd.Transpose(table(ar)) }, ptable)
	add("Squeeze and Unsqueeze", func(ar *autograd.Arena[T]) *autograd.Var[T] {
		return autograd.Squeeze(autograd.Unsqueeze(img(ar), 1), 1)
	}, pimg)
	add("Slice strided", func(ar *autograd.Arena[T]) *autograd.Var[T] {
		return autograd.Slice(img(ar), autograd.Range{Stop: tensor.End, Step: 1}, autograd.Range{Start: 1, Stop: 3, Step: 1}, autograd.Range{Start: 0, Stop: tensor.End, Step: 2})
	}, pimg)
	add("Slice of an input used twice", func(ar *autograd.Arena[T]) *autograd.Var[T] {
		h := img(ar)
		return autograd.Add(autograd.Sum(autograd.Slice(h, autograd.Range{Start: 1, Stop: 3, Step: 1})), autograd.Sum(h))
	}, pimg)
	add("Pad", func(ar *autograd.Arena[T]) *autograd.Var[T] {
		return autograd.Pad(img(ar), [][2]int{{0, 0}, {0, 0}, {1, 1}, {2, 0}}, 0)
	}, pimg)
	qkv, pqkv := shpAllocInput[T](rng, 2, 8, 48)
	add("Split of a fused QKV projection, each piece used", func(ar *autograd.Arena[T]) *autograd.Var[T] {
		p := autograd.Split(qkv(ar), -1, 16, 16, 16)
		return autograd.Add(autograd.Add(autograd.Mul(p[0], p[1]), p[2]), p[0])
	}, pqkv)
	add("Split with an unused piece", func(ar *autograd.Arena[T]) *autograd.Var[T] {
		p := autograd.Split(qkv(ar), 1, 3, 5)
		return p[1]
	}, pqkv)
	xh, pxh := shpAllocInput[T](rng, 4, 24)
	hh, phh := shpAllocInput[T](rng, 4, 8)
	add("Concat of x and h (an LSTM step)", func(ar *autograd.Arena[T]) *autograd.Var[T] {
		return autograd.Concat(1, xh(ar), hh(ar))
	}, pxh, phh)
	add("Stack", func(ar *autograd.Arena[T]) *autograd.Var[T] {
		h := hh(ar)
		return autograd.Stack(1, h, h, h)
	}, phh)
	row, prow := shpAllocInput[T](rng, 1, 8)
	add("Expand and BroadcastTo", func(ar *autograd.Arena[T]) *autograd.Var[T] {
		r := row(ar)
		return autograd.Add(autograd.Expand(r, 4, -1), autograd.BroadcastTo(r, 4, 8))
	}, prow)
	add("SumTo", func(ar *autograd.Arena[T]) *autograd.Var[T] { return autograd.SumTo(hh(ar), 1, 8) }, phh)

	// MatMul with a vector operand (it allocated 26 to 29 times a step).
	vec, pvec := shpAllocInput[T](rng, 4)
	mat, pmat := shpAllocInput[T](rng, 4, 5)
	tall, ptall := shpAllocInput[T](rng, 3, 4)
	bat, pbat := shpAllocInput[T](rng, 2, 4, 5)
	add("MatMul [4]·[4 5]", func(ar *autograd.Arena[T]) *autograd.Var[T] { return autograd.MatMul(vec(ar), mat(ar)) }, pvec, pmat)
	add("MatMul [3 4]·[4]", func(ar *autograd.Arena[T]) *autograd.Var[T] { return autograd.MatMul(tall(ar), vec(ar)) }, ptall, pvec)
	add("MatMul [4]·[4]", func(ar *autograd.Arena[T]) *autograd.Var[T] { return autograd.MatMul(vec(ar), vec(ar)) }, pvec)
	add("MatMul [4]·[2 4 5]", func(ar *autograd.Arena[T]) *autograd.Var[T] { return autograd.MatMul(vec(ar), bat(ar)) }, pvec, pbat)
	wv, wm := param(4), param(4, 5) // vector Params, which have no arena of their own
	add("MatMul [3 4]·Param [4]", func(ar *autograd.Arena[T]) *autograd.Var[T] { return autograd.MatMul(tall(ar), wv) }, ptall, wv)
	add("MatMul Param [4]·[2 4 5]", func(ar *autograd.Arena[T]) *autograd.Var[T] { return autograd.MatMul(wv, bat(ar)) }, wv, pbat)
	add("MatMul [4]·Param [4 5]", func(ar *autograd.Arena[T]) *autograd.Var[T] { return autograd.MatMul(vec(ar), wm) }, pvec, wm)
	return cases
}

func TestShapeOpsAllocateNothingUnderArena(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	t.Run("float32", func(t *testing.T) { shpAllocCheck(t, shapeAllocCases[float32]()) })
	t.Run("float64", func(t *testing.T) { shpAllocCheck(t, shapeAllocCases[float64]()) })
}

// shpAllocCheck runs each case's step three times to warm an arena, then
// fails unless the step allocates nothing.
func shpAllocCheck[T tensor.Float](t *testing.T, cases []shpAllocCase[T]) {
	for _, c := range cases {
		ar := autograd.NewArena[T]()
		step := func() {
			ar.Reset()
			autograd.Sum(c.f(ar)).Backward()
			autograd.ZeroGrad(c.params...)
		}
		for range 3 {
			step()
		}
		if n := testing.AllocsPerRun(20, step); n != 0 {
			t.Errorf("%s: %v allocations per step, want 0", c.name, n)
		}
	}
}
