package autograd

import "github.com/adjoint-go/adjoint/tensor"

// MSE returns the mean squared error mean((pred - target)²), PyTorch's
// default reduction. The shapes must be equal: silently broadcasting a [n 1]
// prediction against an [n] target is a classic bug, so it panics instead.
// It is built from Sub, Square and Mean, whose derivatives give
//
//	d/dpred = 2(pred - target)/n,  d/dtarget = -2(pred - target)/n
func MSE[T Float](pred, target *Var[T]) *Var[T] {
	if ps, ts := pred.value.Shape(), target.value.Shape(); !tensor.SameShape(ps, ts) {
		panic(shapeErr("MSE", "prediction and target shapes differ", ps, ts))
	}
	return Mean(Square(Sub(pred, target)))
}
