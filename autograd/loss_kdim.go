package autograd

import "fmt"

// The class-index losses (CrossEntropy, CrossEntropyWith, CrossEntropySoft,
// NLL, NLLWith) also take PyTorch's K-dimensional inputs [N C d1 … dk],
// one prediction per position (a pixel of a segmentation, a token of a
// sequence laid out [N C L]): the class axis is moved last and the rest
// flattened, so every position is a row of [N·d1⋯dk, C] and every option
// works as for rows; ReduceNone returns the losses as [N d1 … dk].

// lossPositions returns x [N C d1 … dk] (k ≥ 1) as rows [N·d1⋯dk, C] (a
// Permute and a Reshape, from x's Arena) and true; other shapes come back
// as they are, with false.
func lossPositions[T Float](x *Var[T]) (*Var[T], bool) {
	r := x.value.Dims()
	if r <= 2 {
		return x, false
	}
	var buf [maxStackDims]int
	perm := append(buf[:0], 0)
	rows := x.value.Dim(0)
	for i := 2; i < r; i++ {
		perm = append(perm, i)
		rows *= x.value.Dim(i)
	}
	perm = append(perm, 1)
	return Reshape(Permute(x, perm...), rows, x.value.Dim(1)), true
}

// lossCheckPositions panics with a *tensor.ShapeError naming op and x's
// shape unless there is one label per position of x [N C d1 … dk], each
// in [0, C) or the ignored one (ignore, when not nil).
func lossCheckPositions[T Float](op, what string, x *Var[T], labels []int, ignore *int) {
	n := x.value.Dim(0)
	for i := 2; i < x.value.Dims(); i++ {
		n *= x.value.Dim(i)
	}
	if len(labels) != n {
		panic(shapeErr(op, fmt.Sprintf("%d labels for the %d positions of %s [N C d1 … dk] (one per element of [N d1 … dk])", len(labels), n, what), x.value.Shape()))
	}
	classes := x.value.Dim(1)
	for i, y := range labels {
		if (y < 0 || y >= classes) && (ignore == nil || y != *ignore) {
			panic(shapeErr(op, fmt.Sprintf("labels[%d] = %d is out of range for C = %d classes", i, y, classes), x.value.Shape()))
		}
	}
}

// lossUnrows returns the per-row losses of lossPositions' rows (ReduceNone) as
// [N d1 … dk], x's shape without its class axis; any other reduction's
// result as it is.
func lossUnrows[T Float](loss, x *Var[T], r Reduction) *Var[T] {
	if r != ReduceNone {
		return loss
	}
	var buf [maxStackDims]int
	shape := append(buf[:0], x.value.Dim(0))
	for i := 2; i < x.value.Dims(); i++ {
		shape = append(shape, x.value.Dim(i))
	}
	return Reshape(loss, shape...)
}
