package autograd_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/tensor"
)

// This file checks Einsum, Norm, Dot, Outer and Trace beyond what the op
// table and the torch references cover: hand-computed values, the errors,
// the subgradients at kinks, and that the einsum of a batched matmul is
// MatMul's numbers.

func seq(n int, start float64) []float64 {
	d := make([]float64, n)
	for i := range d {
		d[i] = start + float64(i)
	}
	return d
}

func TestEinsumValues(t *testing.T) {
	a := t64(seq(6, 1), 2, 3)  // [[1 2 3] [4 5 6]]
	b := t64(seq(6, 1), 3, 2)  // [[1 2] [3 4] [5 6]]
	sq := t64(seq(9, 1), 3, 3) // [[1 2 3] [4 5 6] [7 8 9]]
	v := t64([]float64{1, -1, 2}, 3)
	cases := []struct {
		subs string
		in   []*tensor.Tensor[float64]
		want tensorView
	}{
		{"ij,jk->ik", []*tensor.Tensor[float64]{a, b}, view([]int{2, 2}, 22, 28, 49, 64)},
		{"ij,jk", []*tensor.Tensor[float64]{a, b}, view([]int{2, 2}, 22, 28, 49, 64)},
		{"ji", []*tensor.Tensor[float64]{a}, view([]int{3, 2}, 1, 4, 2, 5, 3, 6)},
		{"ii", []*tensor.Tensor[float64]{sq}, view([]int{}, 15)},
		{"ii->i", []*tensor.Tensor[float64]{sq}, view([]int{3}, 1, 5, 9)},
		{" i i -> i ", []*tensor.Tensor[float64]{sq}, view([]int{3}, 1, 5, 9)},
		{"ij->j", []*tensor.Tensor[float64]{a}, view([]int{3}, 5, 7, 9)},
		{"ij->", []*tensor.Tensor[float64]{a}, view([]int{}, 21)},
		{"i,j->ij", []*tensor.Tensor[float64]{v, t64([]float64{1, 2}, 2)}, view([]int{3, 2}, 1, 2, -1, -2, 2, 4)},
		{"i,i", []*tensor.Tensor[float64]{v, v}, view([]int{}, 6)},
		{"ij,j->i", []*tensor.Tensor[float64]{a, v}, view([]int{2}, 5, 11)},
		{"ij,jk,k->i", []*tensor.Tensor[float64]{a, b, t64([]float64{1, -1}, 2)}, view([]int{2}, -6, -15)},
		// A size-1 index broadcasts, as in torch.
		{"ij,j->i", []*tensor.Tensor[float64]{a, t64([]float64{2}, 1)}, view([]int{2}, 12, 30)},
		// The ellipsis is aligned from the right and broadcast: [2 1]·… and [3]·….
		{"...j,...j->...", []*tensor.Tensor[float64]{t64(seq(2, 1), 2, 1, 1), t64(seq(3, 1), 3, 1)}, view([]int{2, 3}, 1, 2, 3, 2, 4, 6)},
		{"...ij->ij", []*tensor.Tensor[float64]{t64(seq(12, 1), 2, 2, 3)}, view([]int{2, 3}, 8, 10, 12, 14, 16, 18)},
		// A contraction over an empty axis is 0.
		{"ij,jk->ik", []*tensor.Tensor[float64]{tensor.Zeros[float64](2, 0), tensor.Zeros[float64](0, 2)}, view([]int{2, 2}, 0, 0, 0, 0)},
	}
	for _, c := range cases {
		t.Run(c.subs, func(t *testing.T) {
			defer failOnPanic(t)
			vs := make([]*V, len(c.in))
			for i, x := range c.in {
				vs[i] = autograd.Const(x)
			}
			checkTensor(t, c.subs, autograd.Einsum(c.subs, vs...).Value(), c.want, 1e-12)
		})
	}
}

func TestEinsumErrors(t *testing.T) {
	m := autograd.Const(tensor.Zeros[float64](2, 3))
	sq := autograd.Const(tensor.Zeros[float64](3, 3))
	v := autograd.Const(tensor.Zeros[float64](3))
	seventeen := make([]*V, 17)
	for i := range seventeen {
		seventeen[i] = v
	}
	// ones returns a constant of n axes of size 1.
	ones := func(n int) *V {
		s := make([]int, n)
		for i := range s {
			s[i] = 1
		}
		return autograd.Const(tensor.Zeros[float64](s...))
	}
	cases := []struct {
		subs  string
		xs    []*V
		shape bool   // a *tensor.ShapeError, else a *autograd.UsageError
		msg   string // in the message
	}{
		{"ij,jk->ik", []*V{m}, false, "2 input terms for 1 operands"},
		{"ij->ij", []*V{m, m}, false, "1 input terms for 2 operands"},
		{"ij", nil, false, "no operands"},
		{"i1->i", []*V{m}, false, "invalid character"},
		{"i.j->ij", []*V{m}, false, "not part of an ellipsis"},
		{"......->", []*V{m}, false, "more than one ellipsis"},
		{"ij->ik", []*V{m}, false, "output index k is in no input term"},
		{"ij->ii", []*V{m}, false, "output index i is repeated"},
		{"ij->i->j", []*V{m}, false, "more than one"},
		{"ij->...", []*V{m}, false, "ellipsis and no input term does"},
		{"ijk", []*V{m}, true, "term 0 has 3 indices for an operand of 2 axes"},
		{"i", []*V{m}, true, "term 0 has 1 indices"},
		{"ii", []*V{m}, true, "index i is repeated in operand 0 with sizes 2 and 3"},
		{"ij,ij->", []*V{m, sq}, true, "index i has sizes 2 and 3"},
		// The limits Einsum's doc states.
		{strings.Repeat("i,", 16) + "i", seventeen, false, "17 operands, at most 16"},
		{"...->", []*V{ones(13)}, false, "the ellipsis has 13 dimensions, at most 12"},
		{strings.Repeat("i", 17), []*V{ones(17)}, true, "operand 0 has more than 16 axes"},
		// An output of 18 indices: once a runtime index error when implicit.
		{"abcdefghi,jklmnopqr", []*V{ones(9), ones(9)}, false, "the implicit output has 18 axes, more than 16"},
		{"abcdefghi,jklmnopqr->abcdefghijklmnopqr", []*V{ones(9), ones(9)}, false, "the output has more than 16 axes"},
	}
	for _, c := range cases {
		t.Run(c.subs, func(t *testing.T) {
			err := mustPanicError(t, func() { autograd.Einsum(c.subs, c.xs...) })
			var se *tensor.ShapeError
			var ue *autograd.UsageError
			switch {
			case c.shape && !errors.As(err, &se):
				t.Errorf("panicked with %T (%v), want *tensor.ShapeError", err, err)
			case !c.shape && !errors.As(err, &ue):
				t.Errorf("panicked with %T (%v), want *autograd.UsageError", err, err)
			}
			if !strings.Contains(err.Error(), c.msg) || !strings.Contains(err.Error(), "Einsum") ||
				!strings.Contains(err.Error(), c.subs) {
				t.Errorf("error %q does not name Einsum, the subscripts %q and %q", err, c.subs, c.msg)
			}
		})
	}
}

// TestEinsumLongIntermediate: contracting left to right, the first two
// operands of "abcdefghi,jklmnopqr,abcdefghi,jklmnopqr->" make an
// intermediate of 18 indices, more than an intermediate holds: a
// *UsageError saying how to reorder (once a runtime index error); the
// same operands in another order contract.
func TestEinsumLongIntermediate(t *testing.T) {
	a := autograd.Const(tensor.Full(2.0, 1, 1, 1, 1, 1, 1, 1, 1, 1))
	b := autograd.Const(tensor.Full(1.0, 1, 1, 1, 1, 1, 1, 1, 1, 1))
	err := mustPanicError(t, func() { autograd.Einsum("abcdefghi,jklmnopqr,abcdefghi,jklmnopqr->", a, b, a, b) })
	var ue *autograd.UsageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "Einsum: contracting the operands from left to right makes an intermediate of 18 indices") {
		t.Errorf("panicked with %T (%v), want a *autograd.UsageError about the intermediate", err, err)
	}
	if got := autograd.Einsum("abcdefghi,abcdefghi,jklmnopqr,jklmnopqr->", a, a, b, b).Value().Item(); got != 4 {
		t.Errorf("reordered: %v, want 4", got)
	}
}

func TestProductErrors(t *testing.T) {
	v3, v4, m := autograd.Const(tensor.Zeros[float64](3)), autograd.Const(tensor.Zeros[float64](4)), autograd.Const(tensor.Zeros[float64](2, 3))
	for name, f := range map[string]func(){
		"Dot":   func() { autograd.Dot(v3, v4) },
		"Outer": func() { autograd.Outer(v3, m) },
		"Trace": func() { autograd.Trace(v3) },
	} {
		if se := mustShapeError(t, f); se.Op != name {
			t.Errorf("%s: error names %q", name, se.Op)
		}
	}
	if err := mustPanicError(t, func() { autograd.Norm(m, -1) }); !strings.Contains(err.Error(), "Norm: order p = -1") {
		t.Errorf("Norm(x, -1): %v", err)
	}
	if se := mustShapeError(t, func() { autograd.Norm(m, 2, 2) }); se.Op != "Norm" {
		t.Errorf("Norm(x, 2, axis 2): %v", se)
	}
	empty := autograd.Const(tensor.Zeros[float64](2, 0))
	mustShapeError(t, func() { autograd.Norm(empty, float64(math.Inf(1)), 1) })
	checkTensor(t, "Norm of nothing", autograd.Norm(empty, 2, 1).Value(), view([]int{2}, 0, 0), 0)
}

// TestEinsumGradients compares Einsum's derivatives with finite
// differences, first and second order, on subscripts the op table's entry
// does not use.
func TestEinsumGradients(t *testing.T) {
	cases := []struct {
		subs   string
		shapes [][]int
	}{
		{"ii->i", [][]int{{3, 3}}},
		{"iij->ji", [][]int{{2, 2, 3}}},
		{"ij,j->i", [][]int{{3, 4}, {1}}},
		{"i...j,j", [][]int{{2, 3, 4}, {4}}},
		{"...ij,...jk", [][]int{{2, 1, 3, 4}, {3, 4, 2}}},
		{"ab,bc,cd,de->ae", [][]int{{2, 3}, {3, 2}, {2, 4}, {4, 2}}},
		{"i,i,i", [][]int{{3}, {3}, {3}}},
		{"bij,bjk->bik", [][]int{{2, 3, 4}, {2, 4, 2}}},
		{"bji,bkj->bki", [][]int{{2, 4, 3}, {2, 2, 4}}},
	}
	for ci, c := range cases {
		t.Run(c.subs, func(t *testing.T) {
			defer failOnPanic(t)
			rng := newRand(uint64(ci))
			xs := make([]*tensor.Tensor[float64], len(c.shapes))
			for i, s := range c.shapes {
				xs[i] = tensor.RandUniform(rng, -1.0, 1.0, s...)
			}
			f := func(in []*V) *V { return autograd.Einsum(c.subs, in...) }
			gradcheck.Assert(t, f, xs)
			gradcheck.AssertGradGrad(t, f, xs)
		})
	}
}

// TestEinsumIsMatMul checks that the einsum of a batched product and its
// gradients are MatMul's, bit for bit: the same GEMM, with no operand
// copied.
func TestEinsumIsMatMul(t *testing.T) {
	rng := newRand(5)
	a, b := tensor.RandUniform(rng, -1.0, 1.0, 3, 5, 7), tensor.RandUniform(rng, -1.0, 1.0, 3, 7, 4)
	w := tensor.RandUniform(rng, -1.0, 1.0, 3, 5, 4)
	run := func(f func(x, y *V) *V) []tensorView {
		x, y := autograd.Param(a.Clone()), autograd.Param(b.Clone())
		out := f(x, y)
		autograd.Sum(autograd.Mul(out, autograd.Const(w))).Backward()
		return []tensorView{viewOf(out.Value()), viewOf(x.Grad()), viewOf(y.Grad())}
	}
	ein := run(func(x, y *V) *V { return autograd.Einsum("bij,bjk->bik", x, y) })
	mm := run(autograd.MatMul[float64])
	if d := cmp.Diff(mm, ein); d != "" {
		t.Errorf("Einsum(bij,bjk->bik) differs from MatMul (-MatMul +Einsum):\n%s", d)
	}
}

func TestTraceTall(t *testing.T) {
	x := autograd.Param(t64(seq(15, 1), 5, 3))
	tr := autograd.Trace(x)
	checkTensor(t, "Trace", tr.Value(), view([]int{}, 1+5+9), 0)
	autograd.Scale(tr, 2).Backward()
	checkTensor(t, "dTrace/dx", x.Grad(), view([]int{5, 3}, 2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0), 0)
}

// TestNormSubgradients pins down the gradients at Norm's kinks: 0 at a
// zero vector for p = 2 (and any p), ties of the ±Inf norms sharing the
// gradient evenly, and a zero gradient for the count p = 0: PyTorch's
// choices.
func TestNormSubgradients(t *testing.T) {
	inf := math.Inf(1)
	cases := []struct {
		name     string
		x        []float64
		p        float64
		want     float64
		wantGrad []float64
	}{
		{"p=2 at zero", []float64{0, 0, 0}, 2, 0, []float64{0, 0, 0}},
		{"p=2", []float64{3, 0, -4}, 2, 5, []float64{0.6, 0, -0.8}},
		{"p=1 with a zero", []float64{1, 0, -3}, 1, 4, []float64{1, 0, -1}},
		{"p=3 at zero", []float64{0, 0, 0}, 3, 0, []float64{0, 0, 0}},
		{"p=0.5 with a zero", []float64{1, 0, 4}, 0.5, 9, []float64{3, 0, 1.5}},
		{"p=+Inf tie", []float64{1, -3, 3}, inf, 3, []float64{0, -0.5, 0.5}},
		{"p=-Inf tie", []float64{2, -1, 1}, -inf, 1, []float64{0, -0.5, 0.5}},
		{"p=-Inf at zeros", []float64{0, 0, 0}, -inf, 0, []float64{0, 0, 0}},
		{"p=0 counts", []float64{1, 0, -3}, 0, 2, []float64{0, 0, 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, create := range []bool{false, true} {
				x := autograd.Param(t64(c.x, len(c.x)))
				n := autograd.Norm(x, c.p)
				checkTensor(t, "Norm", n.Value(), view([]int{}, c.want), 1e-12)
				var g *tensor.Tensor[float64]
				if create { // the recorded derivative
					g = autograd.Grad([]*V{n}, []*V{x}, autograd.CreateGraph())[0].Value()
				} else { // the fused one
					n.Backward()
					g = x.Grad()
				}
				checkTensor(t, "dNorm/dx", g, view([]int{len(c.x)}, c.wantGrad...), 1e-12)
			}
		})
	}
}

// TestNormFrobenius checks that the 2-norm over a matrix's two axes is its
// Frobenius norm, per matrix of a batch, and that the keep-dims form keeps
// them.
func TestNormFrobenius(t *testing.T) {
	x := autograd.Const(t64([]float64{1, 2, 2, 4, 0, 3, 4, 0}, 2, 2, 2))
	checkTensor(t, "Norm", autograd.Norm(x, 2, -2, -1).Value(), view([]int{2}, 5, 5), 1e-12)
	checkTensor(t, "NormKeepDims", autograd.NormKeepDims(x, 2, 1, 2).Value(), view([]int{2, 1, 1}, 5, 5), 1e-12)
}

// TestNormFloat32Accurate: a float32 norm of many elements is accurate to
// float32's precision (the sums were float32, added one after another: the
// 2-norm of 2²² values of 0.1 came out 206.68 for 204.80), and a float32
// 2-norm of elements whose squares overflow float32 is finite.
func TestNormFloat32Accurate(t *testing.T) {
	n := 1 << 22
	if raceEnabled {
		// 2²⁰ values under the race detector, whose instrumented loops made
		// the test 6 s long: float32 sums one after another are still far
		// off there (1% for 2²⁰ values of 0.1), so the bound still
		// catches them.
		n = 1 << 20
	}
	d := make([]float32, n)
	for i := range d {
		d[i] = 0.1
	}
	x := autograd.Const(tensor.MustNew(d, n))
	v := float64(float32(0.1))
	for _, c := range []struct {
		p    float32
		want float64
	}{{1, float64(n) * v}, {2, math.Sqrt(float64(n)) * v}, {3, math.Cbrt(float64(n)) * v}, {0, float64(n)}} {
		got := float64(autograd.Norm(x, c.p).Item())
		if rel := math.Abs(got-c.want) / c.want; rel > 1e-6 {
			t.Errorf("float32 Norm(p = %g) of %d × 0.1 = %.7g, want %.7g (relative error %.2g)", c.p, n, got, c.want, rel)
		}
	}
	big := autograd.Const(tensor.MustNew([]float32{3e20, -4e20}, 2))
	if got := autograd.Norm(big, 2).Item(); math.Abs(float64(got)-5e20)/5e20 > 1e-7 {
		t.Errorf("float32 2-norm of [3e20 -4e20] = %g, want 5e20", got)
	}
}

// TestEinsumSameOperandTwice checks that an operand given twice gets both
// gradients added, by the fused derivative (the second into a scratch
// tensor, then added) and the recorded one: d/dx Σᵢⱼ xᵢⱼ² = 2x.
func TestEinsumSameOperandTwice(t *testing.T) {
	data := []float64{1, -2, 3, 0.5, 4, -1}
	want := view([]int{2, 3}, 2, -4, 6, 1, 8, -2)
	x := autograd.Param(t64(data, 2, 3))
	autograd.Einsum("ij,ij->", x, x).Backward()
	checkTensor(t, "fused", x.Grad(), want, 1e-15)
	y := autograd.Param(t64(data, 2, 3))
	g := autograd.Grad([]*V{autograd.Einsum("ij,ij", y, y)}, []*V{y}, autograd.CreateGraph())[0]
	checkTensor(t, "recorded", g.Value(), want, 1e-15)
}
