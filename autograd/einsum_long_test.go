package autograd_test

import (
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/tensor"
)

// This file checks Einsum on long terms: an output, or an intermediate of
// a chain, with more than 16 indices (both once overflowed a fixed buffer
// with a runtime panic), up to the 64 distinct indices there can be. The
// errors at the limits that remain are rows of TestEinsumErrors.

// sizes returns a shape of n axes of size 1 but for the given ones.
func sizes(n int, at map[int]int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = 1
	}
	for a, d := range at {
		s[a] = d
	}
	return s
}

// outerData returns the elements of the outer product of xs, row-major.
func outerData(xs ...*tensor.Tensor[float64]) []float64 {
	d := []float64{1}
	for _, x := range xs {
		var next []float64
		for _, p := range d {
			for _, v := range x.Data() {
				next = append(next, p*v)
			}
		}
		d = next
	}
	return d
}

// TestEinsumLongOutput checks an implicit output of 18 indices, which
// torch.einsum gives as the outer product, and one of all 64.
func TestEinsumLongOutput(t *testing.T) {
	rng := newRand(1)
	cases := []struct {
		name, subs string
		shapes     [][]int
		out        []int
	}{
		// torch: einsum("abcdefghi,jklmnopqr", ones([1]*9), ones([1]*9)).shape == [1]*18.
		{"18 of size 1", "abcdefghi,jklmnopqr", [][]int{sizes(9, nil), sizes(9, nil)}, sizes(18, nil)},
		{"18", "abcdefghi,jklmnopqr", [][]int{sizes(9, map[int]int{0: 2, 8: 3}), sizes(9, map[int]int{4: 2})},
			sizes(18, map[int]int{0: 2, 8: 3, 13: 2})},
		{"18 explicit", "abcdefghi,jklmnopqr->abcdefghijklmnopqr", [][]int{sizes(9, map[int]int{1: 2}), sizes(9, map[int]int{8: 3})},
			sizes(18, map[int]int{1: 2, 17: 3})},
		// The ellipsis (12 dimensions) first, then A-Z and a-z.
		{"64", "...ABCDEFGHIJKLM,NOPQRSTUVWXYZ,abcdefghijklm,nopqrstuvwxyz",
			[][]int{sizes(25, map[int]int{0: 2, 24: 3}), sizes(13, map[int]int{0: 2}), sizes(13, nil), sizes(13, map[int]int{12: 2})},
			sizes(64, map[int]int{0: 2, 24: 3, 25: 2, 63: 2})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer failOnPanic(t)
			xs := make([]*tensor.Tensor[float64], len(c.shapes))
			vs := make([]*V, len(c.shapes))
			for i, s := range c.shapes {
				xs[i] = tensor.RandUniform(rng, -1.0, 1.0, s...)
				vs[i] = autograd.Const(xs[i])
			}
			checkTensor(t, c.subs, autograd.Einsum(c.subs, vs...).Value(), view(c.out, outerData(xs...)...), 1e-15)
			f := func(in []*V) *V { return autograd.Einsum(c.subs, in...) }
			gradcheck.Assert(t, f, xs)
			gradcheck.AssertGradGrad(t, f, xs)
		})
	}
}

// TestEinsumLongIntermediate checks chains whose left-to-right
// contraction keeps 18 indices after the first pair, although every
// operand and the output are short: Σ a²·Σ b², with its gradients 2a·Σ b²
// and 2b·Σ a².
func TestEinsumLongIntermediate(t *testing.T) {
	const subs = "abcdefghi,jklmnopqr,abcdefghi,jklmnopqr->"
	sumSq := func(x *tensor.Tensor[float64]) float64 {
		s := 0.0
		for _, v := range x.Data() {
			s += v * v
		}
		return s
	}
	scaled := func(x *tensor.Tensor[float64], k float64) tensorView {
		w := viewOf(x)
		for i := range w.Data {
			w.Data[i] *= k
		}
		return w
	}
	rng := newRand(2)
	cases := []struct {
		name string
		a, b *tensor.Tensor[float64]
		want float64 // when nonzero, torch's value
	}{
		// torch.einsum(subs, a, b, a, b) = 512, and a.grad = 2, b.grad = 1024.
		{"ones", tensor.Ones[float64](sizes(9, map[int]int{0: 2, 1: 2, 2: 2, 3: 2, 4: 2, 5: 2, 6: 2, 7: 2, 8: 2})...),
			tensor.Ones[float64](sizes(9, nil)...), 512},
		{"random", tensor.RandUniform(rng, -1.0, 1.0, sizes(9, map[int]int{0: 2, 5: 3, 8: 2})...),
			tensor.RandUniform(rng, -1.0, 1.0, sizes(9, map[int]int{1: 2, 7: 2})...), 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer failOnPanic(t)
			sa, sb := sumSq(c.a), sumSq(c.b)
			if c.want != 0 && sa*sb != c.want {
				t.Fatalf("Σa²·Σb² = %v, want torch's %v", sa*sb, c.want)
			}
			a, b := autograd.Param(c.a), autograd.Param(c.b)
			y := autograd.Einsum(subs, a, b, a, b)
			checkTensor(t, "value", y.Value(), view([]int{}, sa*sb), 1e-14)
			y.Backward()
			checkTensor(t, "a.Grad", a.Grad(), scaled(c.a, 2*sb), 1e-14)
			checkTensor(t, "b.Grad", b.Grad(), scaled(c.b, 2*sa), 1e-14)
		})
	}
	t.Run("gradcheck", func(t *testing.T) {
		defer failOnPanic(t)
		xs := []*tensor.Tensor[float64]{
			tensor.RandUniform(rng, -1.0, 1.0, sizes(9, map[int]int{0: 2, 4: 2})...),
			tensor.RandUniform(rng, -1.0, 1.0, sizes(9, map[int]int{8: 2})...),
			tensor.RandUniform(rng, -1.0, 1.0, sizes(9, map[int]int{2: 2})...),
			tensor.RandUniform(rng, -1.0, 1.0, sizes(9, map[int]int{3: 3})...),
		}
		// Different operands, and an output that keeps one index of each
		// pair, so that every gradient's chain is long too.
		f := func(in []*V) *V { return autograd.Einsum("abcdefghi,jklmnopqr,abcdefghi,jklmnopqr->ar", in...) }
		gradcheck.Assert(t, f, xs)
		gradcheck.AssertGradGrad(t, f, xs)
	})
}
