package autograd

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

// normJVPCase is an op applied to inputs, of which those move marks (all
// when nil) are Params, whose tangents are random.
type normJVPCase struct {
	name string
	ins  []*tensor.Tensor[float64]
	move []bool
	f    func(xs []*Var[float64]) *Var[float64]
}

// TestNormFamilyJVPVariants compares the forward rules of the reductions,
// scans and normalizations with genericJVP (the rule derived from their
// backward) on the variants the op table does not reach: every order of
// Norm, ties and NaN in Max, Min and the ±Inf norms, zeros in Prod and
// Cumprod, other axes, and the normalizations with and without their
// affine inputs, each of them alone moving.
func TestNormFamilyJVPVariants(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	r := func(shape ...int) *tensor.Tensor[float64] { return tensor.RandUniform(rng, -2.0, 2.0, shape...) }
	pos := func(shape ...int) *tensor.Tensor[float64] { return tensor.RandUniform(rng, 0.5, 2.0, shape...) }
	lit := func(data []float64, shape ...int) *tensor.Tensor[float64] {
		x, err := tensor.New(data, shape...)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	nan := math.NaN()
	ties := lit([]float64{1, 3, 3, 2, -5, -5, 0, -5, 4, 4, 4, 4}, 3, 4)
	zeros := lit([]float64{1.5, 0, 2, -1, 0, 3, 0, 0.5, -2, 1, 1.2, 0.7, 0, 0, 2}, 3, 5)
	cases := []normJVPCase{
		{"Max/all", []*tensor.Tensor[float64]{r(2, 3, 4)}, nil, func(x []*Var[float64]) *Var[float64] { return Max(x[0]) }},
		{"Max/ties", []*tensor.Tensor[float64]{ties}, nil, func(x []*Var[float64]) *Var[float64] { return Max(x[0], 1) }},
		{"Min/ties", []*tensor.Tensor[float64]{ties}, nil, func(x []*Var[float64]) *Var[float64] { return MinKeepDims(x[0], -1) }},
		{"Max/ties0", []*tensor.Tensor[float64]{ties}, nil, func(x []*Var[float64]) *Var[float64] { return Max(x[0], 0) }},
		{"Max/NaN", []*tensor.Tensor[float64]{lit([]float64{1, nan, 2, nan, 0, 1}, 2, 3)}, nil, func(x []*Var[float64]) *Var[float64] { return Max(x[0]) }},
		{"Max/axes02", []*tensor.Tensor[float64]{r(2, 3, 4)}, nil, func(x []*Var[float64]) *Var[float64] { return MaxKeepDims(x[0], 0, 2) }},
		{"LogSumExp/all", []*tensor.Tensor[float64]{r(2, 3, 4)}, nil, func(x []*Var[float64]) *Var[float64] { return LogSumExp(x[0]) }},
		{"LogSumExp/axes02", []*tensor.Tensor[float64]{r(2, 3, 4)}, nil, func(x []*Var[float64]) *Var[float64] { return LogSumExpKeepDims(x[0], 0, 2) }},
		{"LogSumExp/large", []*tensor.Tensor[float64]{lit([]float64{1e30, 1e30, 1e30 - 1e15, 3}, 2, 2)}, nil, func(x []*Var[float64]) *Var[float64] { return LogSumExp(x[0], 1) }},
		{"Variance/all", []*tensor.Tensor[float64]{r(2, 3, 4)}, nil, func(x []*Var[float64]) *Var[float64] { return Variance(x[0], 1) }},
		{"Variance/axes12", []*tensor.Tensor[float64]{r(2, 3, 4)}, nil, func(x []*Var[float64]) *Var[float64] { return Variance(x[0], 0, 1, 2) }},
		{"Std/axis2", []*tensor.Tensor[float64]{r(2, 3, 4)}, nil, func(x []*Var[float64]) *Var[float64] { return Std(x[0], 1, 2) }},
		{"Std/scaled", []*tensor.Tensor[float64]{lit([]float64{1e200, -3e200, 2e200, 5e199}, 4)}, nil, func(x []*Var[float64]) *Var[float64] { return Std(x[0], 0) }},
		{"Prod/zeros", []*tensor.Tensor[float64]{zeros}, nil, func(x []*Var[float64]) *Var[float64] { return Prod(x[0], 1) }},
		{"Prod/all", []*tensor.Tensor[float64]{pos(2, 3, 2)}, nil, func(x []*Var[float64]) *Var[float64] { return Prod(x[0]) }},
		{"Prod/axes02", []*tensor.Tensor[float64]{r(2, 3, 2)}, nil, func(x []*Var[float64]) *Var[float64] { return Prod(x[0], 0, 2) }},
		{"Cumprod/zeros", []*tensor.Tensor[float64]{zeros}, nil, func(x []*Var[float64]) *Var[float64] { return Cumprod(x[0], 1) }},
		{"Cumprod/axis0", []*tensor.Tensor[float64]{r(4, 2, 3)}, nil, func(x []*Var[float64]) *Var[float64] { return Cumprod(x[0], 0) }},
		{"LogCumSumExp/axis1", []*tensor.Tensor[float64]{r(2, 5, 3)}, nil, func(x []*Var[float64]) *Var[float64] { return LogCumSumExp(x[0], 1) }},
		{"LogCumSumExp/-Inf", []*tensor.Tensor[float64]{lit([]float64{math.Inf(-1), 1, 2, math.Inf(-1), 0.5, -1}, 2, 3)}, nil, func(x []*Var[float64]) *Var[float64] { return LogCumSumExp(x[0], -1) }},
		{"Softmax/axis1of3", []*tensor.Tensor[float64]{r(2, 3, 4)}, nil, func(x []*Var[float64]) *Var[float64] { return Softmax(x[0], 1) }},
		{"Softmax/last", []*tensor.Tensor[float64]{r(2, 3, 4)}, nil, func(x []*Var[float64]) *Var[float64] { return Softmax(x[0], -1) }},
		{"LogSoftmax/last", []*tensor.Tensor[float64]{r(2, 3, 4)}, nil, func(x []*Var[float64]) *Var[float64] { return LogSoftmax(x[0], -1) }},
		{"LogSoftmax/axis1of3", []*tensor.Tensor[float64]{r(2, 3, 4)}, nil, func(x []*Var[float64]) *Var[float64] { return LogSoftmax(x[0], 1) }},
		{"LayerNorm/plain", []*tensor.Tensor[float64]{r(3, 2, 4)}, nil, func(x []*Var[float64]) *Var[float64] { return LayerNorm(x[0], nil, nil, 2, 1e-5) }},
		{"LayerNorm/weight", []*tensor.Tensor[float64]{r(3, 4), r(4)}, nil, func(x []*Var[float64]) *Var[float64] { return LayerNorm(x[0], x[1], nil, 1, 1e-5) }},
		{"LayerNorm/bias", []*tensor.Tensor[float64]{r(3, 4), r(4)}, nil, func(x []*Var[float64]) *Var[float64] { return LayerNorm(x[0], nil, x[1], 1, 1e-5) }},
		{"LayerNorm/affine-only", []*tensor.Tensor[float64]{r(3, 4), r(4), r(4)}, []bool{false, true, true}, func(x []*Var[float64]) *Var[float64] { return LayerNorm(x[0], x[1], x[2], 1, 1e-5) }},
		{"LayerNorm/x-only", []*tensor.Tensor[float64]{r(3, 4), r(4), r(4)}, []bool{true, false, false}, func(x []*Var[float64]) *Var[float64] { return LayerNorm(x[0], x[1], x[2], 1, 1e-5) }},
		{"RMSNorm/plain", []*tensor.Tensor[float64]{r(3, 4)}, nil, func(x []*Var[float64]) *Var[float64] { return RMSNorm(x[0], 1, nil, 1e-6) }},
		{"RMSNorm/weight-only", []*tensor.Tensor[float64]{r(3, 4), r(4)}, []bool{false, true}, func(x []*Var[float64]) *Var[float64] { return RMSNorm(x[0], 1, x[1], 1e-6) }},
		{"BatchNorm/plain", []*tensor.Tensor[float64]{r(4, 3, 2)}, nil, func(x []*Var[float64]) *Var[float64] {
			y, _, _ := BatchNorm(x[0], nil, nil, 1e-5)
			return y
		}},
		{"BatchNorm/2d", []*tensor.Tensor[float64]{r(5, 3), r(3), r(3)}, nil, func(x []*Var[float64]) *Var[float64] {
			y, _, _ := BatchNorm(x[0], x[1], x[2], 1e-5)
			return y
		}},
		{"BatchNorm/affine-only", []*tensor.Tensor[float64]{r(4, 3, 2), r(3), r(3)}, []bool{false, true, true}, func(x []*Var[float64]) *Var[float64] {
			y, _, _ := BatchNorm(x[0], x[1], x[2], 1e-5)
			return y
		}},
		{"BatchNormEval/weight", []*tensor.Tensor[float64]{r(4, 3, 2), r(3)}, nil, func(x []*Var[float64]) *Var[float64] {
			return BatchNormEval(x[0], tensor.RandUniform(rng, -1.0, 1.0, 3), tensor.RandUniform(rng, 0.5, 2.0, 3), x[1], nil, 1e-5)
		}},
		{"BatchNormEval/plain", []*tensor.Tensor[float64]{r(4, 3, 2)}, nil, func(x []*Var[float64]) *Var[float64] {
			return BatchNormEval(x[0], tensor.RandUniform(rng, -1.0, 1.0, 3), tensor.RandUniform(rng, 0.5, 2.0, 3), nil, nil, 1e-5)
		}},
		{"GroupNorm/plain", []*tensor.Tensor[float64]{r(2, 4, 3)}, nil, func(x []*Var[float64]) *Var[float64] { return GroupNorm(x[0], 2, nil, nil, 1e-5) }},
		{"GroupNorm/weight", []*tensor.Tensor[float64]{r(2, 6, 2), r(6)}, nil, func(x []*Var[float64]) *Var[float64] { return GroupNorm(x[0], 3, x[1], nil, 1e-5) }},
		{"GroupNorm/affine-only", []*tensor.Tensor[float64]{r(2, 6, 2), r(6), r(6)}, []bool{false, true, true}, func(x []*Var[float64]) *Var[float64] { return GroupNorm(x[0], 6, x[1], x[2], 1e-5) }},
	}
	for _, p := range []float64{0, 0.5, 1, 1.5, 2, 3, math.Inf(1), math.Inf(-1)} {
		cases = append(cases,
			normJVPCase{"Norm/p=" + strconv.FormatFloat(p, 'g', -1, 64), []*tensor.Tensor[float64]{r(3, 4)}, nil, func(x []*Var[float64]) *Var[float64] { return Norm(x[0], p, 1) }},
			normJVPCase{"Norm/ties-zeros/p=" + strconv.FormatFloat(p, 'g', -1, 64), []*tensor.Tensor[float64]{lit([]float64{3, -3, 1, 0, 0, 0, -2, 2, 2, 0, 1, -0.5}, 3, 4)}, nil, func(x []*Var[float64]) *Var[float64] { return NormKeepDims(x[0], p, 1) }},
		)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			xs := make([]*Var[float64], len(tc.ins))
			for i, in := range tc.ins {
				if tc.move == nil || tc.move[i] {
					xs[i] = Param(in)
				} else {
					xs[i] = Const(in)
				}
			}
			if checkRuleSubsets(t, rng, tc.f(xs), jvpTol{rel: 1e-10, nan: true}) == 0 {
				t.Fatal("no input with a tangent")
			}
		})
	}
}
