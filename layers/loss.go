package layers

import "github.com/adjoint-go/adjoint/autograd"

// Reduction says how a loss combines per-element errors; it is autograd's.
type Reduction = autograd.Reduction

const (
	// Mean averages the per-element losses (PyTorch's default).
	Mean = autograd.ReduceMean
	// Sum adds them up.
	Sum = autograd.ReduceSum
	// None keeps one loss per element.
	None = autograd.ReduceNone
	// BatchMean divides the sum by the batch size: KLDivLoss's
	// "batchmean", the only loss that takes it.
	BatchMean = autograd.ReduceBatchMean
)

// MSELoss is the squared error between a prediction and a target of the same
// shape, averaged (Reduction Mean, the default), summed, or kept per element.
type MSELoss[T Float] struct {
	Reduction Reduction
}

// Loss returns the reduced squared error. It panics with a
// *tensor.ShapeError naming MSELoss when the shapes differ.
func (l MSELoss[T]) Loss(pred, target *autograd.Var[T]) *autograd.Var[T] {
	if !pred.Value().SameShapeAs(target.Value()) { // without copying the shapes
		shapePanic("MSELoss", "prediction and target shapes differ", pred.Shape(), target.Shape())
	}
	return autograd.MSE(pred, target, l.Reduction)
}
