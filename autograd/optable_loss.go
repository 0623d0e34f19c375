package autograd

// This file declares the op table's loss family, each loss checked with
// its default (mean) reduction.

// lossOps returns the loss family's entries.
func lossOps() []OpInfo {
	pair := func(name, torch string, domain [2]float64, f64 func(a, b *Var[float64], r ...Reduction) *Var[float64], f32 func(a, b *Var[float32], r ...Reduction) *Var[float32]) OpInfo {
		m := OpInfo{Name: name, Family: FamilyLoss, Shapes: [][]int{{3, 4}, {3, 4}}, Domain: domain, Smooth: true, Torch: torch}
		return entry(m, func(xs ...*Var[float64]) *Var[float64] { return f64(xs[0], xs[1]) },
			func(xs ...*Var[float32]) *Var[float32] { return f32(xs[0], xs[1]) })
	}
	labels := []int{0, 3, 1}
	probs := [2]float64{0.2, 0.8}
	return []OpInfo{
		pair("MSE", "torch.nn.functional.mse_loss(x, y)", anyReal, MSE[float64], MSE[float32]),
		pair("L1", "torch.nn.functional.l1_loss(x, y)", anyReal, L1[float64], L1[float32]),
		entry(OpInfo{Name: "Huber", Family: FamilyLoss, Shapes: [][]int{{3, 4}, {3, 4}}, Domain: anyReal, Smooth: true,
			Torch: "torch.nn.functional.huber_loss(x, y, delta=0.5)"},
			func(xs ...*Var[float64]) *Var[float64] { return Huber(xs[0], xs[1], 0.5) },
			func(xs ...*Var[float32]) *Var[float32] { return Huber(xs[0], xs[1], 0.5) }),
		pair("BCE", "torch.nn.functional.binary_cross_entropy(x, y)", probs, BCE[float64], BCE[float32]),
		pair("BCEWithLogits", "torch.nn.functional.binary_cross_entropy_with_logits(x, y)", anyReal, BCEWithLogits[float64], BCEWithLogits[float32]),
		entry(OpInfo{Name: "CrossEntropy", Family: FamilyLoss, Shapes: [][]int{{3, 4}}, Domain: anyReal, Smooth: true,
			Torch: "torch.nn.functional.cross_entropy(x, torch.tensor([0, 3, 1]))"},
			func(xs ...*Var[float64]) *Var[float64] { return CrossEntropy(xs[0], labels) },
			func(xs ...*Var[float32]) *Var[float32] { return CrossEntropy(xs[0], labels) }),
		entry(OpInfo{Name: "NLL", Family: FamilyLoss, Shapes: [][]int{{3, 4}}, Domain: anyReal, Smooth: true,
			Torch: "torch.nn.functional.nll_loss(x, torch.tensor([0, 3, 1]))"},
			func(xs ...*Var[float64]) *Var[float64] { return NLL(xs[0], labels) },
			func(xs ...*Var[float32]) *Var[float32] { return NLL(xs[0], labels) }),
	}
}
