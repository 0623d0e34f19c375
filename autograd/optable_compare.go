package autograd

import "github.com/adjoint-go/adjoint/tensor"

// This file declares the op table's compare family: comparisons, logical
// operations and tests of values, whose results are masks with no
// gradient. Each entry is Constant, and its Apply returns the mask as a
// constant of 1s and 0s (maskVar), from the inputs' Arena. The logical
// operations and the Any and All reductions take masks, not Vars, so they
// are package tensor's functions; their entries apply them (through the
// Into forms, on masks of the Arena) to masks made by comparing the
// inputs.

// compareOps returns the compare family's entries.
func compareOps() []OpInfo {
	cmp := func(name, torch string, f64 func(a, b *Var[float64]) *tensor.Mask, f32 func(a, b *Var[float32]) *tensor.Mask) OpInfo {
		return maskEntry(OpInfo{Name: name, Shapes: [][]int{{2, 1, 3}, {4, 1}}, Torch: torch},
			func(xs []*Var[float64]) *tensor.Mask { return f64(xs[0], xs[1]) },
			func(xs []*Var[float32]) *tensor.Mask { return f32(xs[0], xs[1]) })
	}
	test := func(name, torch string, f64 func(x *Var[float64]) *tensor.Mask, f32 func(x *Var[float32]) *tensor.Mask) OpInfo {
		return maskEntry(OpInfo{Name: name, Shapes: [][]int{{2, 1, 3}}, Torch: torch},
			func(xs []*Var[float64]) *tensor.Mask { return f64(xs[0]) },
			func(xs []*Var[float32]) *tensor.Mask { return f32(xs[0]) })
	}
	// The logical operations combine x < y, of shape [2 1 3], and y < z,
	// of shape [4 3]: the result is [2 4 3].
	logical := func(name, torch string, or bool) OpInfo {
		return maskEntry(OpInfo{Name: name, Shapes: [][]int{{2, 1, 3}, {3}, {4, 1}}, Torch: torch},
			func(xs []*Var[float64]) *tensor.Mask { return logicalOf(name, xs, or) },
			func(xs []*Var[float32]) *tensor.Mask { return logicalOf(name, xs, or) })
	}
	return []OpInfo{
		cmp("Equal", "torch.eq(x, y)", Equal[float64], Equal[float32]),
		cmp("NotEqual", "torch.ne(x, y)", NotEqual[float64], NotEqual[float32]),
		cmp("Less", "torch.lt(x, y)", Less[float64], Less[float32]),
		cmp("LessEqual", "torch.le(x, y)", LessEqual[float64], LessEqual[float32]),
		cmp("Greater", "torch.gt(x, y)", Greater[float64], Greater[float32]),
		cmp("GreaterEqual", "torch.ge(x, y)", GreaterEqual[float64], GreaterEqual[float32]),
		logical("LogicalAnd", "torch.logical_and(x < y, y < z)", false).listed(DocMasks, ""),
		logical("LogicalOr", "torch.logical_or(x < y, y < z)", true).listed(DocMasks, ""),
		maskEntry(OpInfo{Name: "LogicalNot", Shapes: [][]int{{2, 1, 3}, {4, 1}}, Torch: "torch.logical_not(x < y)"},
			func(xs []*Var[float64]) *tensor.Mask { return logicalNotOf(xs) },
			func(xs []*Var[float32]) *tensor.Mask { return logicalNotOf(xs) }).listed(DocMasks, ""),
		maskEntry(OpInfo{Name: "Any", Shapes: [][]int{{2, 4, 3}, {3}}, Torch: "torch.any(x < y, dim=1)"},
			func(xs []*Var[float64]) *tensor.Mask {
				return reduceMaskOf(arenaOf(xs...), Less(xs[0], xs[1]), true, 1)
			},
			func(xs []*Var[float32]) *tensor.Mask {
				return reduceMaskOf(arenaOf(xs...), Less(xs[0], xs[1]), true, 1)
			}).listed(DocMasks, ""),
		maskEntry(OpInfo{Name: "All", Shapes: [][]int{{2, 4, 3}, {3}}, Torch: "torch.all(torch.all(x <= y, dim=2), dim=0)"},
			func(xs []*Var[float64]) *tensor.Mask {
				return reduceMaskOf(arenaOf(xs...), LessEqual(xs[0], xs[1]), false, 0, -1)
			},
			func(xs []*Var[float32]) *tensor.Mask {
				return reduceMaskOf(arenaOf(xs...), LessEqual(xs[0], xs[1]), false, 0, -1)
			}).listed(DocMasks, ""),
		test("IsNaN", "torch.isnan(x)", IsNaN[float64], IsNaN[float32]),
		test("IsInf", "torch.isinf(x)", IsInf[float64], IsInf[float32]),
		test("IsFinite", "torch.isfinite(x)", IsFinite[float64], IsFinite[float32]),
		cmp("IsClose", "torch.isclose(x, y, rtol=0.5, atol=0.1, equal_nan=True)",
			func(a, b *Var[float64]) *tensor.Mask { return IsClose(a, b, 0.5, 0.1, true) },
			func(a, b *Var[float32]) *tensor.Mask { return IsClose(a, b, 0.5, 0.1, true) }),
	}
}

// maskEntry completes a compare entry whose op f64 and f32 compute a mask
// from the inputs: Apply returns it as a constant of 1s and 0s.
func maskEntry(m OpInfo, f64 func(xs []*Var[float64]) *tensor.Mask, f32 func(xs []*Var[float32]) *tensor.Mask) OpInfo {
	m.Family, m.Domain, m.Constant = FamilyCompare, anyReal, true
	return entry(m,
		func(xs ...*Var[float64]) *Var[float64] { return maskVar(arenaOf(xs...), f64(xs)) },
		func(xs ...*Var[float32]) *Var[float32] { return maskVar(arenaOf(xs...), f32(xs)) })
}

// logicalOf is the LogicalAnd (or false) and LogicalOr (or true) entries:
// (x < y) op (y < z), into a mask of the inputs' Arena.
func logicalOf[T Float](op string, xs []*Var[T], or bool) *tensor.Mask {
	a, b := Less(xs[0], xs[1]), Less(xs[1], xs[2])
	var buf [maxStackDims]int
	out := arenaMask(arenaOf(xs...), bcastShape(op, buf[:0], a, b))
	if or {
		tensor.LogicalOrInto(out, a, b)
	} else {
		tensor.LogicalAndInto(out, a, b)
	}
	return out
}

// logicalNotOf is the LogicalNot entry: ¬(x < y), in place.
func logicalNotOf[T Float](xs []*Var[T]) *tensor.Mask {
	m := Less(xs[0], xs[1])
	tensor.LogicalNotInto(m, m)
	return m
}

// reduceMaskOf is the Any (any true) and All (any false) entries: m
// reduced over axes into a mask of ar.
func reduceMaskOf[T Float](ar *Arena[T], m *tensor.Mask, any bool, axes ...int) *tensor.Mask {
	var red uint64
	for _, a := range axes {
		if a < 0 {
			a += m.Dims()
		}
		red |= 1 << a
	}
	var buf [maxStackDims]int
	shape := buf[:0]
	for i := range m.Dims() {
		if red&(1<<i) == 0 {
			shape = append(shape, m.Dim(i))
		}
	}
	out := arenaMask(ar, shape)
	if any {
		tensor.AnyInto(out, m, axes...)
	} else {
		tensor.AllInto(out, m, axes...)
	}
	return out
}
