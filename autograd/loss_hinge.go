package autograd

import (
	"fmt"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds PyTorch's margin and soft-margin classification losses
// not covered elsewhere: SoftMargin, HingeEmbedding, MultiLabelSoftMargin
// and MultiMargin. They compose differentiable ops, each with its fused
// derivative, as PyTorch defines them; where a hinge is exactly 0 the
// subgradient is ReLU's, 0.

// SoftMargin returns PyTorch's soft_margin_loss of predictions x and
// targets y (±1, or any real) of one shape, reduced like MSE:
// log(1 + exp(-y·x)) elementwise, computed as -logσ(y·x), which does not
// overflow. y is differentiable too (torch 1.13 refuses a target that
// needs a gradient). It panics with a *tensor.ShapeError when the shapes
// differ or the reduction is unknown.
func SoftMargin[T Float](x, y *Var[T], reduction ...Reduction) *Var[T] {
	checkOperands2("SoftMargin", x, y)
	const op = "SoftMargin"
	redCheckPair(op, "input", x, y)
	r := redReduction(op, reduction)
	return redReduce(Neg(LogSigmoid(Mul(y, x))), r)
}

// HingeEmbedding returns PyTorch's hinge_embedding_loss of x (typically a
// distance) and labels y of the same shape, reduced like MSE: elementwise
//
//	x                    where y = 1
//	max(0, margin - x)   where y = -1
//
// (and their sum for any other label, as torch computes it). y is a
// constant: only x gets a gradient, -1 where y = -1 and margin - x > 0
// (0 at margin - x = 0, where torch's clamp takes -1), 1 where y = 1.
// torch's default margin is 1. It panics with a *tensor.ShapeError when the
// shapes differ or the reduction is unknown.
func HingeEmbedding[T Float](x, y *Var[T], margin T, reduction ...Reduction) *Var[T] {
	checkOperands2("HingeEmbedding", x, y)
	const op = "HingeEmbedding"
	redCheckPair(op, "input", x, y)
	r := redReduction(op, reduction)
	ar := arenaOf(x, y)
	y = arenaConst(ar, y.value) // compared only, never differentiated
	hinge := MaskedFill(ReLU(Sub(lossScalar(ar, margin), x)), Equal(y, lossScalar(ar, T(1))), 0)
	self := MaskedFill(x, Equal(y, lossScalar(ar, T(-1))), 0)
	return redReduce(Add(hinge, self), r)
}

// MultiLabelSoftMargin returns PyTorch's multilabel_soft_margin_loss of
// logits x, [N C] (or [C] for one sample), and targets y of x's shape in
// [0, 1] (differentiable, as in PyTorch): for each sample, over its C
// classes,
//
//	-(1/C)·Σ_c w_c·(y_c·logσ(x_c) + (1 - y_c)·logσ(-x_c))
//
// with weight w ([C], nil for all 1), then the mean over the samples (the
// default), their sum, or one loss per sample ([N], 0-d for [C]) with
// ReduceNone. It panics with a *tensor.ShapeError when x is not [N C] or
// [C], y's shape differs, the weight is not [C], or the reduction is
// unknown.
func MultiLabelSoftMargin[T Float](x, y *Var[T], weight *tensor.Tensor[T], reduction ...Reduction) *Var[T] {
	checkOperands2("MultiLabelSoftMargin", x, y)
	const op = "MultiLabelSoftMargin"
	redCheckPair(op, "input", x, y)
	r := redReduction(op, reduction)
	if d := x.value.Dims(); d != 1 && d != 2 {
		panic(shapeErr(op, "input must be [N C] or [C]", x.value.Shape()))
	}
	classes := x.value.Dim(-1)
	if weight != nil && !weight.HasShape(classes) {
		panic(shapeErr(op, fmt.Sprintf("weight must be [%d], one per class", classes), x.value.Shape(), weight.Shape()))
	}
	ar := arenaOf(x, y)
	x, y = ar.step(x), ar.step(y)
	l := Neg(Add(Mul(y, LogSigmoid(x)), Mul(Sub(lossScalar(ar, T(1)), y), LogSigmoid(Neg(x)))))
	if weight != nil {
		l = Mul(l, arenaConst(ar, weight))
	}
	return redReduce(Div(Sum(l, -1), lossScalar(ar, T(classes))), r)
}

// MultiMargin returns PyTorch's multi_margin_loss of scores x, [N C] (or
// [C] for one sample), and one class label per sample: for sample n with
// label y,
//
//	(1/C)·Σ_{i≠y} w_y·max(0, margin - x_y + x_i)^p
//
// with p 1 or 2 and the weight w ([C], nil for all 1) applied after the
// power, as torch's kernel does; then the mean over the samples (the
// default), their sum, or one loss per sample ([N], 0-d for [C], as torch
// with a 0-d target) with ReduceNone. torch's defaults are p 1 and margin
// 1. A hinge of exactly 0 has gradient 0, as in torch. It panics with a
// *tensor.ShapeError when x is not [N C] or [C] with C > 0, there is not
// one label per sample, a label is out of range, p is not 1 or 2, the
// weight is not [C], or the reduction is unknown.
func MultiMargin[T Float](x *Var[T], labels []int, p int, margin T, weight *tensor.Tensor[T], reduction ...Reduction) *Var[T] {
	checkOperands1("MultiMargin", x)
	const op = "MultiMargin"
	r := redReduction(op, reduction)
	xv := x.value
	if xv.Dims() != 1 && xv.Dims() != 2 || xv.Dim(-1) == 0 {
		panic(shapeErr(op, "input must be [N C] or [C] with C > 0", xv.Shape()))
	}
	rows, classes := 1, xv.Dim(-1)
	if xv.Dims() == 2 {
		rows = xv.Dim(0)
	}
	if len(labels) != rows {
		panic(shapeErr(op, fmt.Sprintf("%d labels for %d samples", len(labels), rows), xv.Shape()))
	}
	if p != 1 && p != 2 {
		panic(shapeErr(op, fmt.Sprintf("p must be 1 or 2, got %d", p), xv.Shape()))
	}
	if weight != nil && !weight.HasShape(classes) {
		panic(shapeErr(op, fmt.Sprintf("weight must be [%d], one per class", classes), xv.Shape(), weight.Shape()))
	}
	ar := arenaOf(x)
	// Each sample's score of its label, and of every other class, picked
	// from the flat scores.
	own, others := ar.intsN(rows), ar.intsN(rows*(classes-1))
	for i, y := range labels {
		if y < 0 || y >= classes {
			panic(shapeErr(op, fmt.Sprintf("labels[%d] = %d is out of range for C = %d classes", i, y, classes), xv.Shape()))
		}
		own[i] = i*classes + y
		o := others[i*(classes-1):]
		for c, k := 0, 0; c < classes; c++ {
			if c != y {
				o[k] = i*classes + c
				k++
			}
		}
	}
	flat := Reshape(x, -1)
	xy := Reshape(IndexSelect(flat, 0, own), rows, 1)
	xo := Reshape(IndexSelect(flat, 0, others), rows, classes-1)
	h := ReLU(Add(Sub(lossScalar(ar, margin), xy), xo))
	if p == 2 {
		h = Square(h)
	}
	if weight != nil {
		wy := ar.tensor(rows, 1)
		for i, y := range labels {
			wy.Data()[i] = weight.Data()[y]
		}
		h = Mul(h, arenaConst(ar, wy))
	}
	l := Div(Sum(h, -1), lossScalar(ar, T(classes)))
	if xv.Dims() == 1 {
		l = Reshape(l)
	}
	return redReduce(l, r)
}
