package autograd

import (
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file declares the op table's binary family: elementwise operations
// of two inputs that broadcast (NumPy rules), checked at shapes that do,
// with the entries of the binary table (binary_ops.go), Lerp, the ops that
// select with a mask, and Dropout (a product with a random mask; its
// entry seeds a new generator at each call, so that repeated calls are one
// function).

// binaryOps returns the binary family's entries.
func binaryOps() []OpInfo {
	bin := func(name, torch string, domain [2]float64, f64 func(a, b *Var[float64]) *Var[float64], f32 func(a, b *Var[float32]) *Var[float32]) OpInfo {
		m := OpInfo{Name: name, Family: FamilyBinary, Shapes: [][]int{{2, 3}, {3}}, Domain: domain, Smooth: true, Torch: torch}
		return entry(m, func(xs ...*Var[float64]) *Var[float64] { return f64(xs[0], xs[1]) },
			func(xs ...*Var[float32]) *Var[float32] { return f32(xs[0], xs[1]) })
	}
	// Where's mask broadcasts too: [2 1 3] with [2 3] and [3] gives [2 2 3].
	mask := tensor.MustMask([]bool{true, false, true, false, false, true}, 2, 1, 3)
	fillMask := tensor.MustMask([]bool{true, false, true}, 1, 3)
	// Dropout's generators, reseeded at each call (without allocating, for
	// the allocation checks).
	pcg64, pcg32 := rand.NewPCG(3, 5), rand.NewPCG(3, 5)
	rng64, rng32 := rand.New(pcg64), rand.New(pcg32)
	ops := []OpInfo{
		bin("Add", "x + y", anyReal, Add[float64], Add[float32]),
		bin("Sub", "x - y", anyReal, Sub[float64], Sub[float32]),
		bin("Mul", "x * y", anyReal, Mul[float64], Mul[float32]),
		bin("Div", "x / y", positiveReal, Div[float64], Div[float32]),
		bin("Maximum", "torch.maximum(x, y)", anyReal, Maximum[float64], Maximum[float32]).ties(TiesBetween),
		bin("Minimum", "torch.minimum(x, y)", anyReal, Minimum[float64], Minimum[float32]).ties(TiesBetween),
		bin("PowVar", "torch.pow(x, y)", positiveReal, PowVar[float64], PowVar[float32]),
		bin("Where", "torch.where(torch.tensor([[[True, False, True]], [[False, False, True]]]), x, y)", anyReal,
			func(a, b *Var[float64]) *Var[float64] { return Where(mask, a, b) },
			func(a, b *Var[float32]) *Var[float32] { return Where(mask, a, b) }).listed(DocSelection, ""),
		entry(OpInfo{Name: "MaskedFill", Family: FamilyBinary, Shapes: [][]int{{2, 1, 3}}, Domain: anyReal, Smooth: true,
			Torch: "x.masked_fill(torch.tensor([[True, False, True]]), 0.5)"},
			func(xs ...*Var[float64]) *Var[float64] { return MaskedFill(xs[0], fillMask, 0.5) },
			func(xs ...*Var[float32]) *Var[float32] { return MaskedFill(xs[0], fillMask, 0.5) }).listed(DocSelection, ""),
		entry(OpInfo{Name: "Dropout", Family: FamilyBinary, Shapes: [][]int{{3, 4}}, Domain: anyReal, Smooth: true,
			Torch: "x * keep / 0.7, keep from Go's rand.New(rand.NewPCG(3, 5)).Float64() >= 0.3 in row-major order"},
			func(xs ...*Var[float64]) *Var[float64] { pcg64.Seed(3, 5); return Dropout(xs[0], 0.3, rng64) },
			func(xs ...*Var[float32]) *Var[float32] { pcg32.Seed(3, 5); return Dropout(xs[0], 0.3, rng32) }).
			listed(DocSelection, "inverted dropout from an explicit `*rand.Rand`"),
		entry(OpInfo{Name: "Lerp", Family: FamilyBinary, Shapes: [][]int{{2, 1, 3}, {3}, {4, 1}}, Domain: anyReal, Smooth: true,
			Torch: "torch.lerp(x, y, z)"},
			func(xs ...*Var[float64]) *Var[float64] { return Lerp(xs[0], xs[1], xs[2]) },
			func(xs ...*Var[float32]) *Var[float32] { return Lerp(xs[0], xs[1], xs[2]) }).listed("", "tensor weight"),
	}
	return append(ops, binaryTableOps()...)
}
