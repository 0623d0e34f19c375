package autograd_test

import (
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestScaledDotProductAttentionValues pins the result on inputs whose
// softmax is known: the 1/√D scale, the mask's convention (true keeps a
// key), causal's top-left triangle, and both together.
func TestScaledDotProductAttentionValues(t *testing.T) {
	e2 := math.Exp(2)
	p0 := e2 / (e2 + 1) // softmax([2 0])[0]
	tests := []struct {
		name    string
		q, k, v *tensor.Tensor[float64]
		mask    *tensor.Mask
		causal  bool
		want    tensorView
	}{
		{"scores 4/√4 and 0", t64([]float64{1, 1, 1, 1}, 1, 4), t64([]float64{1, 1, 1, 1, 0, 0, 0, 0}, 2, 4),
			t64([]float64{1, 3}, 2, 1), nil, false, view([]int{1, 1}, p0+3*(1-p0))},
		{"equal scores average the values", t64([]float64{0, 0}, 2, 1), t64([]float64{5, -5}, 2, 1),
			t64([]float64{1, 3}, 2, 1), nil, false, view([]int{2, 1}, 2, 2)},
		{"mask keeps key 0 only", t64([]float64{0, 0}, 2, 1), t64([]float64{5, -5}, 2, 1),
			t64([]float64{1, 3}, 2, 1), tensor.MustMask([]bool{true, false}, 2), false, view([]int{2, 1}, 1, 1)},
		{"causal", t64([]float64{0, 0}, 2, 1), t64([]float64{5, -5}, 2, 1),
			t64([]float64{1, 3}, 2, 1), nil, true, view([]int{2, 1}, 1, 2)},
		{"causal, Lq 2 < Lk 3, mask per query", t64([]float64{0, 0}, 2, 1), t64([]float64{1, 2, 3}, 3, 1),
			t64([]float64{1, 3, 5}, 3, 1), tensor.MustMask([]bool{true, true, true, false, true, true}, 2, 3), true,
			view([]int{2, 1}, 1, 3)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := autograd.ScaledDotProductAttention(autograd.Const(tc.q), autograd.Const(tc.k), autograd.Const(tc.v), tc.mask, tc.causal)
			checkTensor(t, "result", got.Value(), tc.want, 1e-14)
		})
	}
}

// TestScaledDotProductAttentionFullyMaskedRow: a query with every key
// masked out gets NaN, in its row of the result and in the gradients it
// reaches (as PyTorch's math kernel), and the other rows stay exact.
func TestScaledDotProductAttentionFullyMaskedRow(t *testing.T) {
	q := autograd.Param(t64([]float64{0.1, 0.2, 0.3, 0.4}, 2, 2))
	k := autograd.Param(t64([]float64{0.5, -0.5, 1, 0}, 2, 2))
	v := autograd.Param(t64([]float64{1, 2, 3, 4}, 2, 2))
	mask := tensor.MustMask([]bool{true, true, false, false}, 2, 2) // query 1 keeps nothing
	out := autograd.ScaledDotProductAttention(q, k, v, mask, false)
	d := out.Value().Data()
	if math.IsNaN(d[0]) || math.IsNaN(d[1]) || !math.IsNaN(d[2]) || !math.IsNaN(d[3]) {
		t.Errorf("result %v: want row 0 finite, row 1 NaN", d)
	}
	autograd.Sum(out).Backward()
	qg := q.Grad().Data()
	if math.IsNaN(qg[0]) || math.IsNaN(qg[1]) || !math.IsNaN(qg[2]) || !math.IsNaN(qg[3]) {
		t.Errorf("dq %v: want row 0 finite, row 1 NaN", qg)
	}
}

// TestScaledDotProductAttentionGradcheck checks first and second
// derivatives where the table entry does not reach: one Var as query, key
// and value (self-attention, whose gradients add up), 2-D inputs, and a
// constant key.
func TestScaledDotProductAttentionGradcheck(t *testing.T) {
	rng := newRand(7)
	draw := func(shape ...int) *tensor.Tensor[float64] { return randTensorAG(rng, shape...) }
	causalKeep := tensor.MustMask([]bool{true, false, true, true}, 4)
	tests := []struct {
		name string
		xs   []*tensor.Tensor[float64]
		f    func(x []*V) *V
	}{
		{"self-attention, causal, one Var", []*tensor.Tensor[float64]{draw(2, 4, 3)},
			func(x []*V) *V { return autograd.ScaledDotProductAttention(x[0], x[0], x[0], causalKeep, true) }},
		{"2-D, no mask", []*tensor.Tensor[float64]{draw(3, 2), draw(4, 2), draw(4, 3)},
			func(x []*V) *V { return autograd.ScaledDotProductAttention(x[0], x[1], x[2], nil, false) }},
		{"constant key", []*tensor.Tensor[float64]{draw(2, 3, 2), draw(2, 3, 1)},
			func(x []*V) *V {
				k := autograd.Const(t64([]float64{0.3, -0.2, 0.9, 0.1, -0.7, 0.4, 0.5, 0.6, -0.1, 0.2, 0.8, -0.9}, 2, 3, 2))
				return autograd.ScaledDotProductAttention(x[0], k, x[1], nil, true)
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gradcheck.Assert(t, tc.f, tc.xs)
			gradcheck.AssertGradGrad(t, tc.f, tc.xs)
		})
	}
}

// TestScaledDotProductAttentionShapeErrors: every misfit names the op.
func TestScaledDotProductAttentionShapeErrors(t *testing.T) {
	c := func(shape ...int) *V { return autograd.Const(tensor.Zeros[float64](shape...)) }
	tests := []struct {
		name    string
		q, k, v *V
		mask    *tensor.Mask
	}{
		{"1-D", c(4), c(4), c(4), nil},
		{"ranks differ", c(2, 3, 4), c(3, 4), c(3, 4), nil},
		{"batch differs", c(2, 3, 4), c(3, 3, 4), c(3, 3, 4), nil},
		{"D differs", c(3, 4), c(3, 5), c(3, 4), nil},
		{"Lk differs", c(3, 4), c(5, 4), c(6, 4), nil},
		{"mask does not broadcast", c(3, 4), c(5, 4), c(5, 2), tensor.FullMask(true, 3, 4)},
		{"mask larger than the scores", c(3, 4), c(5, 4), c(5, 2), tensor.FullMask(true, 2, 3, 5)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			se := mustShapeError(t, func() { autograd.ScaledDotProductAttention(tc.q, tc.k, tc.v, tc.mask, false) })
			if se.Op != "ScaledDotProductAttention" {
				t.Errorf("error names %q: %v", se.Op, se)
			}
		})
	}
}
