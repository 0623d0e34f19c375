package autograd

import "github.com/adjoint-go/adjoint/tensor"

// This file declares the op table's normalization layers beyond LayerNorm
// (which the reduce family declares): BatchNorm in its training and
// evaluation forms, GroupNorm and RMSNorm, each with its affine parameters,
// on odd shapes (a 4-D batch, a 2-D one, three groups of two channels).

// normOps returns the normalization entries.
func normOps() []OpInfo {
	m := func(name, torch string, shapes ...[]int) OpInfo {
		return OpInfo{Name: name, Family: FamilyReduce, Shapes: shapes, Domain: anyReal, Smooth: true, Torch: torch}
	}
	// BatchNormEval's running statistics, one tensor per element type made
	// once, so that a call allocates nothing.
	rm64, rv64 := tensor.MustNew([]float64{0.3, -0.2, 0.1}, 3), tensor.MustNew([]float64{0.5, 1.5, 2}, 3)
	rm32, rv32 := tensor.MustNew([]float32{0.3, -0.2, 0.1}, 3), tensor.MustNew([]float32{0.5, 1.5, 2}, 3)
	return []OpInfo{
		entry(m("BatchNorm", "torch.nn.functional.batch_norm(x, None, None, y, z, training=True, eps=1e-5)",
			[]int{3, 4, 2, 3}, []int{4}, []int{4}),
			func(xs ...*Var[float64]) *Var[float64] { y, _, _ := BatchNorm(xs[0], xs[1], xs[2], 1e-5); return y },
			func(xs ...*Var[float32]) *Var[float32] { y, _, _ := BatchNorm(xs[0], xs[1], xs[2], 1e-5); return y }).spread(normSpread).listed(DocActivations, "batch statistics; also returns the batch mean and unbiased variance for running stats"),
		entry(m("BatchNormEval", "torch.nn.functional.batch_norm(x, rm, rv, y, z, training=False, eps=1e-5), "+
			"rm = [0.3, -0.2, 0.1], rv = [0.5, 1.5, 2]", []int{5, 3}, []int{3}, []int{3}),
			func(xs ...*Var[float64]) *Var[float64] { return BatchNormEval(xs[0], rm64, rv64, xs[1], xs[2], 1e-5) },
			func(xs ...*Var[float32]) *Var[float32] { return BatchNormEval(xs[0], rm32, rv32, xs[1], xs[2], 1e-5) }).listed(DocActivations, "given running stats"),
		entry(m("GroupNorm", "torch.nn.functional.group_norm(x, 3, y, z, 1e-5)", []int{2, 6, 5}, []int{6}, []int{6}),
			func(xs ...*Var[float64]) *Var[float64] { return GroupNorm(xs[0], 3, xs[1], xs[2], 1e-5) },
			func(xs ...*Var[float32]) *Var[float32] { return GroupNorm(xs[0], 3, xs[1], xs[2], 1e-5) }).spread(normSpread).listed(DocActivations, "groups = 1 to C"),
		entry(m("RMSNorm", "x * torch.rsqrt(x.pow(2).mean((-2, -1), keepdim=True) + 1e-6) * y", []int{3, 2, 5}, []int{2, 5}),
			func(xs ...*Var[float64]) *Var[float64] { return RMSNorm(xs[0], 2, xs[1], 1e-6) },
			func(xs ...*Var[float32]) *Var[float32] { return RMSNorm(xs[0], 2, xs[1], 1e-6) }).spread(normSpread).listed(DocActivations, "torch 2.x's rms_norm"),
	}
}
