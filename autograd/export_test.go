package autograd

// This file exports, to the package's external tests only, what they need
// of the op tables beyond Ops.

// PointwiseWith returns the pointwise op named name applied with the
// parameters args (one per entry of its OpInfo.Params) in place of its
// OpInfo.Args, or nil when the pointwise table has no such op: the PyTorch
// reference cases check an op at other parameters too (Pow at several
// exponents).
func PointwiseWith(name string, args ...float64) func(x *Var[float64]) *Var[float64] {
	for k := range pointwiseKind(numPointwise) {
		if pointwise64[k].meta.Name == name {
			return func(x *Var[float64]) *Var[float64] { return pointwise(k, x, args...) }
		}
	}
	return nil
}
