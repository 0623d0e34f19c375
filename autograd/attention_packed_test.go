package autograd_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// unfusedPacked is PackedSelfAttention's definition in unfused ops: qkv
// [N·L, 3E] split, each part reshaped to [N, L, H, Dh] and permuted to
// [N, H, L, Dh], attended, and the heads joined back to [N·L, E].
func unfusedPacked[T autograd.Float](qkv *autograd.Var[T], n, h int, o autograd.AttentionOptions) *autograd.Var[T] {
	rows, e := qkv.Shape()[0], qkv.Shape()[1]/3
	l := rows / n
	parts := autograd.Split(qkv, 1, e, e, e)
	heads := func(v *autograd.Var[T]) *autograd.Var[T] {
		return autograd.Permute(autograd.Reshape(v, n, l, h, e/h), 0, 2, 1, 3)
	}
	a := autograd.ScaledDotProductAttentionWith(heads(parts[0]), heads(parts[1]), heads(parts[2]), o)
	return autograd.Reshape(autograd.Permute(a, 0, 2, 1, 3), rows, e)
}

// TestPackedSelfAttentionMatchesUnfused: the packed attention gives the
// unfused composition's result and gradient, bit for bit without causal
// (the same products, softmax and derivative kernels on the same values),
// to 16 ulps with it (the causal softmax sums only the kept keys'
// exponentials): without a mask, causal, under a key-padding mask and
// under dropout drawn from a generator (the same draws in the same order),
// in both element types, plain and under an Arena.
func TestPackedSelfAttentionMatchesUnfused(t *testing.T) {
	t.Run("float64", testPackedMatchesUnfused[float64])
	t.Run("float32", testPackedMatchesUnfused[float32])
}

func testPackedMatchesUnfused[T autograd.Float](t *testing.T) {
	const n, l, h, e = 3, 7, 2, 8
	rng := newRand(11)
	xd := make([]T, n*l*3*e)
	for i := range xd {
		xd[i] = T(rng.NormFloat64())
	}
	pad := make([]bool, n*l)
	for i := range pad {
		pad[i] = i%l == 0 || rng.IntN(3) > 0 // key 0 of each sequence kept
	}
	keep := tensor.MustMask(pad, n, 1, 1, l)
	cases := []struct {
		name string
		o    func() autograd.AttentionOptions
	}{
		{"plain", func() autograd.AttentionOptions { return autograd.AttentionOptions{} }},
		{"causal", func() autograd.AttentionOptions { return autograd.AttentionOptions{Causal: true} }},
		{"mask", func() autograd.AttentionOptions { return autograd.AttentionOptions{Mask: keep} }},
		{"mask causal dropout", func() autograd.AttentionOptions {
			return autograd.AttentionOptions{Mask: keep, Causal: true, Dropout: 0.3, RNG: rand.New(rand.NewPCG(5, 6))}
		}},
	}
	for _, tc := range cases {
		for _, arena := range []bool{false, true} {
			name := tc.name
			if arena {
				name += "/arena"
			}
			t.Run(name, func(t *testing.T) {
				run := func(f func(*autograd.Var[T]) *autograd.Var[T]) (out, grad []T) {
					x := autograd.Param(tensor.MustNew(slices.Clone(xd), n*l, 3*e))
					var ar *autograd.Arena[T]
					if arena {
						ar = autograd.NewArena[T]()
						x = ar.Param(tensor.MustNew(slices.Clone(xd), n*l, 3*e))
					}
					y := f(x)
					w := make([]T, n*l*e)
					for i := range w {
						w[i] = T(i%5) - 2
					}
					autograd.Sum(autograd.Mul(y, autograd.Const(tensor.MustNew(w, n*l, e)))).Backward()
					out = slices.Clone(y.Value().Data())
					grad = slices.Clone(x.Grad().Data())
					if ar != nil {
						ar.Reset()
					}
					return out, grad
				}
				got, gotGrad := run(func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.PackedSelfAttention(x, n, h, tc.o()) })
				want, wantGrad := run(func(x *autograd.Var[T]) *autograd.Var[T] { return unfusedPacked(x, n, h, tc.o()) })
				if !tc.o().Causal {
					if !slices.Equal(got, want) {
						t.Errorf("result differs from the unfused attention's:\n got %v\nwant %v", got, want)
					}
					if !slices.Equal(gotGrad, wantGrad) {
						t.Errorf("gradient differs from the unfused attention's:\n got %v\nwant %v", gotGrad, wantGrad)
					}
					return
				}
				// The causal softmax sums fewer exponentials: a few ulps.
				for i := range got {
					if !closeULPs(got[i], want[i], 16) {
						t.Errorf("result[%d] %v, unfused %v", i, got[i], want[i])
					}
				}
				for i := range gotGrad {
					if !closeULPs(gotGrad[i], wantGrad[i], 16) {
						t.Errorf("gradient[%d] %v, unfused %v", i, gotGrad[i], wantGrad[i])
					}
				}
			})
		}
	}
}

// TestPackedSelfAttentionLayouts: a 3-D qkv [N, L, 3E] gives [N, L, E],
// the 2-D layout's rows reshaped; a batch of empty sequences gives an
// empty result.
func TestPackedSelfAttentionLayouts(t *testing.T) {
	rng := newRand(3)
	d := make([]float64, 2*4*12)
	for i := range d {
		d[i] = rng.NormFloat64()
	}
	flat := autograd.PackedSelfAttention(autograd.Const(t64(d, 8, 12)), 2, 2, autograd.AttentionOptions{Causal: true})
	three := autograd.PackedSelfAttention(autograd.Const(t64(d, 2, 4, 12)), 2, 2, autograd.AttentionOptions{Causal: true})
	if !slices.Equal(three.Shape(), []int{2, 4, 4}) || !slices.Equal(flat.Shape(), []int{8, 4}) {
		t.Fatalf("shapes %v and %v, want [2 4 4] and [8 4]", three.Shape(), flat.Shape())
	}
	if !slices.Equal(three.Value().Data(), flat.Value().Data()) {
		t.Errorf("[N L 3E] gives %v, [N·L 3E] %v", three.Value().Data(), flat.Value().Data())
	}
	x := autograd.Param(t64(nil, 0, 12))
	y := autograd.PackedSelfAttention(x, 2, 2, autograd.AttentionOptions{Causal: true})
	if !slices.Equal(y.Shape(), []int{0, 4}) {
		t.Errorf("empty input gives %v, want [0 4]", y.Shape())
	}
}

// TestPackedSelfAttentionPanics: shapes that are not a packed projection
// panic with a *tensor.ShapeError naming the op, and bad counts or dropout
// with a *autograd.UsageError.
func TestPackedSelfAttentionPanics(t *testing.T) {
	x := func(shape ...int) *autograd.Var[float64] { return autograd.Const(tensor.Zeros[float64](shape...)) }
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"1-D", func() { autograd.PackedSelfAttention(x(12), 1, 2, autograd.AttentionOptions{}) }},
		{"last axis not 3E", func() { autograd.PackedSelfAttention(x(4, 10), 1, 2, autograd.AttentionOptions{}) }},
		{"heads do not divide E", func() { autograd.PackedSelfAttention(x(4, 9), 1, 2, autograd.AttentionOptions{}) }},
		{"rows not whole sequences", func() { autograd.PackedSelfAttention(x(5, 12), 2, 2, autograd.AttentionOptions{}) }},
		{"3-D batch differs", func() { autograd.PackedSelfAttention(x(2, 3, 12), 3, 2, autograd.AttentionOptions{}) }},
		{"mask does not broadcast", func() {
			autograd.PackedSelfAttention(x(2, 3, 12), 2, 2, autograd.AttentionOptions{Mask: tensor.FullMask(true, 2, 1, 1, 4)})
		}},
		{"keep of another shape", func() {
			autograd.PackedSelfAttention(x(2, 3, 12), 2, 2, autograd.AttentionOptions{Dropout: 0.5, Keep: tensor.FullMask(true, 2, 2, 3, 4)})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if se := mustShapeError(t, tc.f); se.Op != "PackedSelfAttention" {
				t.Errorf("error names %q: %v", se.Op, se)
			}
		})
	}
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"heads 0", func() { autograd.PackedSelfAttention(x(4, 12), 1, 0, autograd.AttentionOptions{}) }},
		{"batch 0", func() { autograd.PackedSelfAttention(x(4, 12), 0, 2, autograd.AttentionOptions{}) }},
		{"dropout 1", func() { autograd.PackedSelfAttention(x(4, 12), 1, 2, autograd.AttentionOptions{Dropout: 1}) }},
		{"dropout without RNG", func() { autograd.PackedSelfAttention(x(4, 12), 1, 2, autograd.AttentionOptions{Dropout: 0.5}) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ue *autograd.UsageError
			if err := mustPanicError(t, tc.f); !errors.As(err, &ue) {
				t.Errorf("panicked with %T (%v), want *autograd.UsageError", err, err)
			}
		})
	}
}
