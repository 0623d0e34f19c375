package autograd_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestAttentionDropoutZeroIsPlain: with p = 0, ScaledDotProductAttentionWith
// is ScaledDotProductAttention bit for bit, result and gradients, and draws
// nothing from its RNG.
func TestAttentionDropoutZeroIsPlain(t *testing.T) {
	rng := newRand(3)
	xs := []*tensor.Tensor[float64]{randTensorAG(rng, 2, 3, 4), randTensorAG(rng, 2, 5, 4), randTensorAG(rng, 2, 5, 2)}
	run := func(with bool, r *rand.Rand) ([]float64, [][]float64) {
		q, k, v := autograd.Param(xs[0].Clone()), autograd.Param(xs[1].Clone()), autograd.Param(xs[2].Clone())
		var out *V
		if with {
			out = autograd.ScaledDotProductAttentionWith(q, k, v, autograd.AttentionOptions{Causal: true, RNG: r})
		} else {
			out = autograd.ScaledDotProductAttention(q, k, v, nil, true)
		}
		autograd.Sum(autograd.Mul(out, out)).Backward()
		return out.Value().Data(), [][]float64{q.Grad().Data(), k.Grad().Data(), v.Grad().Data()}
	}
	r := newRand(9)
	got, gotG := run(true, r)
	want, wantG := run(false, nil)
	if !bitsEqual(got, want) {
		t.Errorf("result %v, want %v bit for bit", got, want)
	}
	for i := range gotG {
		if !bitsEqual(gotG[i], wantG[i]) {
			t.Errorf("gradient %d differs from ScaledDotProductAttention's", i)
		}
	}
	if r.Uint64() != newRand(9).Uint64() {
		t.Errorf("p = 0 drew from the RNG")
	}
}

// bitsEqual reports whether a and b hold the same bits, element for element
// (NaN equal to a NaN of the same bits).
func bitsEqual[T autograd.Float](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(float64(a[i])) != math.Float64bits(float64(b[i])) {
			return false
		}
	}
	return true
}

// TestAttentionDropoutValues pins the dropout on values known by hand: two
// keys of equal score give weights 1/2 each; p = 0.5 scales the kept one
// to 1 and the dropped one to 0, so the row is the kept key's value. The
// gradient of v is Aᵀ·g, and a dropped weight passes no gradient to q or
// k (their row of dS is P ∘ (dP − ΣdP∘P) with dP = (g·vᵀ)∘Z).
func TestAttentionDropoutValues(t *testing.T) {
	q := autograd.Param(t64([]float64{0, 0}, 2, 1))
	k := autograd.Param(t64([]float64{5, -5}, 2, 1))
	v := autograd.Param(t64([]float64{1, 3}, 2, 1))
	keep := tensor.MustMask([]bool{true, false, false, true}, 2, 2)
	out := autograd.ScaledDotProductAttentionWith(q, k, v, autograd.AttentionOptions{Dropout: 0.5, Keep: keep})
	checkTensor(t, "result", out.Value(), view([]int{2, 1}, 1, 3), 1e-15)
	autograd.Sum(out).Backward()
	// A = [[1 0] [0 1]]: dv = Aᵀ·1 = [1 1].
	checkTensor(t, "dv", v.Grad(), view([]int{2, 1}, 1, 1), 1e-15)
	// Row 0: dP = [1·1·2, 0] = [2 0], P = [½ ½]: dS = ½·(2−1), ½·(0−1) = [½ −½];
	// dq0 = dS·k = ½·5 − ½·(−5) = 5; row 1: dP = [0, 6], dS = [−3/2 3/2]: dq1 = −15.
	checkTensor(t, "dq", q.Grad(), view([]int{2, 1}, 5, -15), 1e-13)
}

// TestAttentionDropoutRNG: the same generator state gives the same mask
// bit for bit, a mask whose dropped fraction is near p, drawn with the
// rule of layers.Dropout (one Float64 per weight, row-major, dropped when
// below p): an explicit Keep mask from the same draws gives the same
// result.
func TestAttentionDropoutRNG(t *testing.T) {
	rng := newRand(5)
	q := autograd.Const(randTensorAG(rng, 4, 16, 8))
	k := autograd.Const(randTensorAG(rng, 4, 16, 8))
	v := autograd.Const(randTensorAG(rng, 4, 16, 8))
	const p = 0.3
	run := func(seed uint64) []float64 {
		o := autograd.AttentionOptions{Dropout: p, RNG: newRand(seed)}
		return autograd.ScaledDotProductAttentionWith(q, k, v, o).Value().Data()
	}
	a, b, c := run(11), run(11), run(12)
	if !bitsEqual(a, b) {
		t.Errorf("the same seed gave different results")
	}
	if bitsEqual(a, c) {
		t.Errorf("different seeds gave the same result")
	}
	draws := newRand(11)
	keep := make([]bool, 4*16*16)
	dropped := 0
	for i := range keep {
		keep[i] = draws.Float64() >= p
		if !keep[i] {
			dropped++
		}
	}
	if f := float64(dropped) / float64(len(keep)); math.Abs(f-p) > 0.05 {
		t.Errorf("dropped fraction %g, want near %g", f, p)
	}
	fixed := autograd.ScaledDotProductAttentionWith(q, k, v,
		autograd.AttentionOptions{Dropout: p, Keep: tensor.MustMask(keep, 4, 16, 16)}).Value().Data()
	if !bitsEqual(a, fixed) {
		t.Errorf("the RNG's mask differs from the Keep mask of the same draws")
	}
}

// TestAttentionDropoutGradcheck checks first and second derivatives with a
// fixed dropout mask where the table entry does not reach: self-attention
// (one Var as q, k and v), 2-D inputs, and a fully dropped row.
func TestAttentionDropoutGradcheck(t *testing.T) {
	rng := newRand(8)
	draw := func(shape ...int) *tensor.Tensor[float64] { return randTensorAG(rng, shape...) }
	tests := []struct {
		name string
		xs   []*tensor.Tensor[float64]
		f    func(x []*V) *V
	}{
		{"self-attention, causal, p 0.4", []*tensor.Tensor[float64]{draw(2, 4, 3)},
			func(x []*V) *V {
				keep := tensor.MustMask([]bool{true, true, false, true, false, true, true, true,
					true, false, true, true, true, true, false, true,
					false, true, true, true, true, true, true, false,
					true, true, true, false, true, false, true, true}, 2, 4, 4)
				return autograd.ScaledDotProductAttentionWith(x[0], x[0], x[0], autograd.AttentionOptions{Causal: true, Dropout: 0.4, Keep: keep})
			}},
		{"2-D, a row dropped whole, p 0.5", []*tensor.Tensor[float64]{draw(3, 2), draw(4, 2), draw(4, 3)},
			func(x []*V) *V {
				keep := tensor.MustMask([]bool{false, false, false, false, true, false, true, true, true, true, false, true}, 3, 4)
				return autograd.ScaledDotProductAttentionWith(x[0], x[1], x[2], autograd.AttentionOptions{Dropout: 0.5, Keep: keep})
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gradcheck.Assert(t, tc.f, tc.xs)
			gradcheck.AssertGradGrad(t, tc.f, tc.xs)
		})
	}
}

// TestAttentionDropoutErrors: a p outside [0, 1), or p > 0 with neither an
// RNG nor a Keep mask, is a *UsageError; a Keep mask not of the scores'
// shape a *tensor.ShapeError; both name the op.
func TestAttentionDropoutErrors(t *testing.T) {
	c := func(shape ...int) *V { return autograd.Const(tensor.Zeros[float64](shape...)) }
	q, k, v := c(2, 3, 4), c(2, 5, 4), c(2, 5, 2)
	for _, o := range []autograd.AttentionOptions{{Dropout: 1, RNG: newRand(1)}, {Dropout: -0.1}, {Dropout: math.NaN()}, {Dropout: 0.2}} {
		err := mustPanicError(t, func() { autograd.ScaledDotProductAttentionWith(q, k, v, o) })
		var ue *autograd.UsageError
		if !errors.As(err, &ue) || ue.Op != "ScaledDotProductAttentionWith" {
			t.Errorf("dropout %v: %v, want a *UsageError of ScaledDotProductAttentionWith", o.Dropout, err)
		}
	}
	se := mustShapeError(t, func() {
		autograd.ScaledDotProductAttentionWith(q, k, v, autograd.AttentionOptions{Dropout: 0.2, Keep: tensor.FullMask(true, 2, 5, 3)})
	})
	if se.Op != "ScaledDotProductAttentionWith" {
		t.Errorf("Keep of the wrong shape: op %q", se.Op)
	}
}
