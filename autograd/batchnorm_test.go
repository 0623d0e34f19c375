package autograd_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/tensor"
)

// This file checks BatchNorm, BatchNormEval, GroupNorm and RMSNorm in the
// configurations the op table's one entry each does not reach: without
// affine parameters, with only one of them, 2-D and 4-D inputs, groups 1
// and C, and an input used twice.

// normCase is a configuration of one of the normalization ops. affine is
// 0 for none, 1 for a weight, 2 for weight and bias, 3 for a bias only.
type normCase struct {
	name   string
	op     string // "BatchNorm", "BatchNormEval", "GroupNorm", "RMSNorm"
	shape  []int
	affine int
	groups int // GroupNorm's groups; RMSNorm's normalized axes
}

var normCases = []normCase{
	{"BatchNorm/4-D affine", "BatchNorm", []int{2, 3, 2, 3}, 2, 0},
	{"BatchNorm/2-D weight", "BatchNorm", []int{5, 3}, 1, 0},
	{"BatchNorm/3-D bias", "BatchNorm", []int{3, 2, 4}, 3, 0},
	{"BatchNorm/4-D plain", "BatchNorm", []int{2, 2, 3, 1}, 0, 0},
	{"BatchNormEval/4-D affine", "BatchNormEval", []int{2, 3, 2, 2}, 2, 0},
	{"BatchNormEval/2-D weight", "BatchNormEval", []int{4, 3}, 1, 0},
	{"BatchNormEval/3-D plain", "BatchNormEval", []int{2, 3, 3}, 0, 0},
	{"GroupNorm/1 group affine", "GroupNorm", []int{2, 4, 3}, 2, 1},
	{"GroupNorm/C groups weight", "GroupNorm", []int{2, 4, 2, 2}, 1, 4},
	{"GroupNorm/2-D 3 groups bias", "GroupNorm", []int{3, 6}, 3, 3},
	{"GroupNorm/2 groups plain", "GroupNorm", []int{3, 4, 5}, 0, 2},
	{"RMSNorm/last axis weight", "RMSNorm", []int{3, 7}, 1, 1},
	{"RMSNorm/two axes plain", "RMSNorm", []int{2, 3, 4}, 0, 2},
	{"RMSNorm/1-D weight", "RMSNorm", []int{6}, 1, 1},
}

// normRunning are BatchNormEval's running statistics for c channels.
func normRunning[T autograd.Float](c int) (mean, variance *tensor.Tensor[T]) {
	mean, variance = tensor.Zeros[T](c), tensor.Zeros[T](c)
	for i := range c {
		mean.Data()[i] = T(0.1*float64(i) - 0.2)
		variance.Data()[i] = T(0.5 + 0.25*float64(i))
	}
	return mean, variance
}

// setup returns the case's inputs (x, then its affine parameters) and a
// scalar function of them: a weighted sum, y ∘ y ∘ x, so that the gradient
// of y is not uniform (a plain sum of a normalized group has gradient 0).
func (tc normCase) setup(rng *rand.Rand) ([]*tensor.Tensor[float64], func([]*V) *V) {
	inputs := []*tensor.Tensor[float64]{tensor.RandNormal[float64](rng, 0.3, 1, tc.shape...)}
	pshape := []int{tc.shape[min(1, len(tc.shape)-1)]}
	if tc.op == "RMSNorm" {
		pshape = tc.shape[len(tc.shape)-tc.groups:]
	}
	if tc.affine == 1 || tc.affine == 2 {
		inputs = append(inputs, tensor.RandNormal[float64](rng, 1, 0.5, pshape...))
	}
	if tc.affine >= 2 {
		inputs = append(inputs, tensor.RandNormal[float64](rng, 0, 0.5, pshape...))
	}
	f := func(v []*V) *V {
		y := applyNorm(tc, v)
		return autograd.Sum(autograd.Mul(y, autograd.Mul(y, v[0])))
	}
	return inputs, f
}

// applyNorm calls the case's op on x = v[0] and its affine parameters.
func applyNorm[T autograd.Float](tc normCase, v []*autograd.Var[T]) *autograd.Var[T] {
	var w, b *autograd.Var[T]
	switch tc.affine {
	case 1:
		w = v[1]
	case 2:
		w, b = v[1], v[2]
	case 3:
		b = v[1]
	}
	switch tc.op {
	case "BatchNorm":
		y, _, _ := autograd.BatchNorm(v[0], w, b, 1e-5)
		return y
	case "BatchNormEval":
		rm, rv := normRunning[T](tc.shape[1])
		return autograd.BatchNormEval(v[0], rm, rv, w, b, 1e-5)
	case "GroupNorm":
		return autograd.GroupNorm(v[0], tc.groups, w, b, 1e-5)
	}
	return autograd.RMSNorm(v[0], tc.groups, w, 1e-6)
}

func TestNormsGradcheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 21))
	for _, tc := range normCases {
		t.Run(tc.name, func(t *testing.T) {
			inputs, f := tc.setup(rng)
			gradcheck.Assert(t, f, inputs)
			gradcheck.AssertGradGrad(t, f, inputs)
		})
	}
}

// TestNormsFusedMatchesRecorded checks that the fused backward gives the
// bits of the recorded one (Grad with CreateGraph), in float64 and in
// float32 (where every rounding shows), and with x also used as an
// operand of the loss, so that its gradient accumulates.
func TestNormsFusedMatchesRecorded(t *testing.T) {
	rng := rand.New(rand.NewPCG(22, 22))
	for _, tc := range normCases {
		t.Run(tc.name, func(t *testing.T) {
			inputs, f := tc.setup(rng)
			checkFusedMatchesRecorded(t, inputs, f)
			in32 := make([]*tensor.Tensor[float32], len(inputs))
			for i, x := range inputs {
				in32[i] = tensor.MustNew(narrow(x.Data()), x.Shape()...)
			}
			grads := func(opts ...autograd.Option) [][]float32 {
				ps := make([]*autograd.Var[float32], len(in32))
				for i, x := range in32 {
					ps[i] = autograd.Param(x)
				}
				y := applyNorm(tc, ps)
				loss := autograd.Sum(autograd.Mul(y, autograd.Mul(y, ps[0])))
				var out [][]float32
				for _, g := range autograd.Grad([]*autograd.Var[float32]{loss}, ps, opts...) {
					out = append(out, g.Value().Data())
				}
				return out
			}
			fused, recorded := grads(), grads(autograd.CreateGraph())
			for i := range fused {
				for k, v := range recorded[i] {
					if math.Float32bits(fused[i][k]) != math.Float32bits(v) {
						t.Fatalf("float32 input %d element %d: fused %v, recorded %v", i, k, fused[i][k], v)
					}
				}
			}
		})
	}
}

// TestNormsArenaAllocatesNothing checks forward and Backward of every
// configuration under a warm Arena.
func TestNormsArenaAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	rng := rand.New(rand.NewPCG(23, 23))
	for _, tc := range normCases {
		t.Run(tc.name, func(t *testing.T) {
			inputs, _ := tc.setup(rng)
			ps := make([]*V, len(inputs))
			for i, x := range inputs {
				ps[i] = autograd.Param(x)
			}
			args := make([]*V, len(ps))
			var rm, rv *tensor.Tensor[float64]
			if tc.op == "BatchNormEval" {
				rm, rv = normRunning[float64](tc.shape[1])
			}
			ar, one := autograd.NewArena[float64](), tensor.Ones[float64]()
			step := func() {
				ar.Reset()
				for i, p := range ps {
					args[i] = autograd.Mul(ar.Const(one), p)
				}
				var y *V
				if rm != nil {
					var w, b *V
					switch tc.affine {
					case 1:
						w = args[1]
					case 2:
						w, b = args[1], args[2]
					}
					y = autograd.BatchNormEval(args[0], rm, rv, w, b, 1e-5)
				} else {
					y = applyNorm(tc, args)
				}
				autograd.Sum(autograd.Mul(y, args[0])).Backward()
				autograd.ZeroGrad(ps...)
			}
			for range 3 {
				step()
			}
			if n := testing.AllocsPerRun(10, step); n != 0 {
				t.Errorf("%v allocations per step under a warm Arena, want 0", n)
			}
		})
	}
}
