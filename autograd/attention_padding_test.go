package autograd_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestAttentionKeyPaddingMatchesKeepMask: AttentionOptions.KeyPadding pad
// gives what Mask set to its negation reshaped to [N, 1, 1, Lk] (or, with
// a Mask too, the conjunction of both) gives, bit for bit: the result, the
// fused gradients (Backward), the recorded ones (Grad with CreateGraph)
// and the forward-mode tangent (JVP), for ScaledDotProductAttentionWith
// and PackedSelfAttention, with and without causal, for every broadcast
// form of the padding mask, in both element types.
func TestAttentionKeyPaddingMatchesKeepMask(t *testing.T) {
	t.Run("float64", testKeyPaddingMatches[float64])
	t.Run("float32", testKeyPaddingMatches[float32])
}

func testKeyPaddingMatches[T autograd.Float](t *testing.T) {
	const n, h, l, dh = 2, 2, 5, 3
	e := h * dh
	rng := newRand(23)
	pd := make([]bool, n*l)
	for i := range pd {
		pd[i] = i%l != 0 && rng.IntN(3) == 0 // key 0 of each sequence kept
	}
	pd[1] = true
	extra := make([]bool, n*h*l*l) // a second keep mask of the scores' shape
	for i := range extra {
		extra[i] = i%l == 0 || rng.IntN(4) > 0
	}
	padOf := func(sh []int) *tensor.Mask {
		d := make([]bool, 0, n*l)
		switch {
		case len(sh) == 1 && sh[0] == l, len(sh) == 2 && sh[0] == 1 && sh[1] == l:
			d = append(d, pd[:l]...)
		case len(sh) == 2 && sh[1] == 1:
			d = append(d, false, true) // the second sequence padded whole: NaN
		default:
			d = append(d, pd...)
		}
		return tensor.MustMask(d, sh...)
	}
	// keepOf is the keep mask [N, H, L, L] of the padding mask pad (and of
	// extra when set).
	keepOf := func(pad *tensor.Mask, withExtra bool) *tensor.Mask {
		full := tensor.FullMask(true, n, h, l, l)
		fd, sh := full.Data(), pad.Shape()
		for i := range fd {
			pb, pj := i/(h*l*l), i%l
			if len(sh) == 1 || sh[0] == 1 {
				pb = 0
			}
			if sh[len(sh)-1] == 1 {
				pj = 0
			}
			fd[i] = !pad.Data()[pb*sh[len(sh)-1]+pj] && (!withExtra || extra[i])
		}
		return full
	}
	qkvData := make([]T, n*l*3*e)
	for i := range qkvData {
		qkvData[i] = T(rng.NormFloat64())
	}
	tangent := make([]T, len(qkvData))
	for i := range tangent {
		tangent[i] = T(rng.NormFloat64())
	}
	for _, sh := range [][]int{{n, l}, {l}, {1, l}, {n, 1}} {
		for _, causal := range []bool{false, true} {
			for _, withExtra := range []bool{false, true} {
				pad := padOf(sh)
				keep := keepOf(pad, withExtra)
				var mask *tensor.Mask
				if withExtra {
					mask = tensor.MustMask(extra, n, h, l, l)
				}
				got := autograd.AttentionOptions{Mask: mask, KeyPadding: pad, Causal: causal}
				want := autograd.AttentionOptions{Mask: keep, Causal: causal}
				attns := map[string]func(x *autograd.Var[T], o autograd.AttentionOptions) *autograd.Var[T]{
					"sdpa": func(x *autograd.Var[T], o autograd.AttentionOptions) *autograd.Var[T] {
						parts := autograd.Split(autograd.Reshape(x, n, l, 3*e), 2, e, e, e)
						hd := func(v *autograd.Var[T]) *autograd.Var[T] {
							return autograd.Permute(autograd.Reshape(v, n, l, h, dh), 0, 2, 1, 3)
						}
						return autograd.ScaledDotProductAttentionWith(hd(parts[0]), hd(parts[1]), hd(parts[2]), o)
					},
					"packed": func(x *autograd.Var[T], o autograd.AttentionOptions) *autograd.Var[T] {
						return autograd.PackedSelfAttention(x, n, h, o)
					},
				}
				for kind, f := range attns {
					t.Run(kind+"/"+caseName(sh, causal, withExtra), func(t *testing.T) {
						a := keyPaddingRun(f, got, qkvData, tangent, n*l, 3*e)
						b := keyPaddingRun(f, want, qkvData, tangent, n*l, 3*e)
						for i, what := range []string{"result", "fused gradient", "recorded gradient", "JVP value", "JVP tangent"} {
							if !bitsEqual(a[i], b[i]) {
								t.Errorf("the %s under KeyPadding differs from the one under the keep mask", what)
							}
						}
					})
				}
			}
		}
	}
}

// caseName names a case of TestAttentionKeyPaddingMatchesKeepMask.
func caseName(sh []int, causal, extra bool) string {
	name := fmt.Sprint("pad", sh)
	if causal {
		name += "/causal"
	}
	if extra {
		name += "/mask"
	}
	return name
}

// keyPaddingRun returns, for f under o on qkv (rows × cols, data xd): the
// result, qkv's gradient by Backward of a weighted sum, the same gradient
// by Grad with CreateGraph (the recorded derivative), and JVP's value and
// tangent along td.
func keyPaddingRun[T autograd.Float](f func(*autograd.Var[T], autograd.AttentionOptions) *autograd.Var[T], o autograd.AttentionOptions, xd, td []T, rows, cols int) [5][]T {
	weighted := func(y *autograd.Var[T]) *autograd.Var[T] {
		w := make([]T, len(y.Value().Data()))
		for i := range w {
			w[i] = T(i%7) - 3
		}
		return autograd.Sum(autograd.Mul(y, autograd.Const(tensor.MustNew(w, y.Shape()...))))
	}
	var res [5][]T
	x := autograd.Param(tensor.MustNew(slices.Clone(xd), rows, cols))
	y := f(x, o)
	res[0] = slices.Clone(y.Value().Data())
	weighted(y).Backward()
	res[1] = slices.Clone(x.Grad().Data())
	x2 := autograd.Param(tensor.MustNew(slices.Clone(xd), rows, cols))
	g := autograd.Grad([]*autograd.Var[T]{weighted(f(x2, o))}, []*autograd.Var[T]{x2}, autograd.CreateGraph())
	res[2] = slices.Clone(g[0].Value().Data())
	v, tv := autograd.JVP(func(xs ...*autograd.Var[T]) *autograd.Var[T] { return f(xs[0], o) },
		[]*tensor.Tensor[T]{tensor.MustNew(slices.Clone(xd), rows, cols)},
		[]*tensor.Tensor[T]{tensor.MustNew(slices.Clone(td), rows, cols)})
	res[3], res[4] = slices.Clone(v.Data()), slices.Clone(tv.Data())
	return res
}

// TestAttentionKeyPaddingShapePanics: a key padding mask that is not
// [N, Lk] or [Lk] (an axis of size 1 broadcasting) panics with a
// *tensor.ShapeError naming the op.
func TestAttentionKeyPaddingShapePanics(t *testing.T) {
	q := autograd.Const(tensor.Zeros[float64](2, 2, 3, 4))
	qkv := autograd.Const(tensor.Zeros[float64](2, 5, 18))
	for _, sh := range [][]int{{2, 4}, {3, 5}, {5, 2}, {2, 1, 5}, {}, {6}} {
		pad := tensor.FullMask(false, sh...)
		for op, f := range map[string]func(){
			"ScaledDotProductAttentionWith": func() {
				autograd.ScaledDotProductAttentionWith(q, autograd.Const(tensor.Zeros[float64](2, 2, 5, 4)),
					autograd.Const(tensor.Zeros[float64](2, 2, 5, 4)), autograd.AttentionOptions{KeyPadding: pad})
			},
			"PackedSelfAttention": func() {
				autograd.PackedSelfAttention(qkv, 2, 2, autograd.AttentionOptions{KeyPadding: pad, Causal: true})
			},
		} {
			err, _ := panicValue(f).(error)
			var se *tensor.ShapeError
			if !errors.As(err, &se) {
				t.Errorf("%s with a key padding mask %v: panic %v, want a *tensor.ShapeError", op, sh, err)
				continue
			}
			if se.Op != op {
				t.Errorf("%s with a key padding mask %v: the error names %q", op, sh, se.Op)
			}
		}
	}
}

// TestAttentionCausalLowerRightMatchesMask: AttentionOptions.CausalLowerRight
// gives what the keep mask [Lq, Lk] of j <= i + Lk − Lq gives, bit for bit
// (result, Backward, Grad with CreateGraph, JVP), for Lq < Lk (decoding
// with a cache), Lq = Lk and Lq > Lk (NaN rows), alone and with Causal;
// and PackedSelfAttention takes it as Causal.
func TestAttentionCausalLowerRightMatchesMask(t *testing.T) {
	t.Run("float64", testLowerRight[float64])
	t.Run("float32", testLowerRight[float32])
}

func testLowerRight[T autograd.Float](t *testing.T) {
	const n, h, d = 2, 2, 3
	rng := newRand(29)
	for _, sz := range [][2]int{{2, 5}, {1, 4}, {4, 4}, {5, 3}} {
		for _, causal := range []bool{false, true} {
			lq, lk := sz[0], sz[1]
			rows := n * h * (lq + 2*lk)
			xd, td := make([]T, rows*d), make([]T, rows*d)
			for i := range xd {
				xd[i], td[i] = T(rng.NormFloat64()), T(rng.NormFloat64())
			}
			keep := make([]bool, lq*lk)
			for i := range lq {
				for j := range lk {
					keep[i*lk+j] = j <= i+lk-lq && (!causal || j <= i)
				}
			}
			f := func(x *autograd.Var[T], o autograd.AttentionOptions) *autograd.Var[T] {
				p := autograd.Split(autograd.Reshape(x, n, h, lq+2*lk, d), 2, lq, lk, lk)
				return autograd.ScaledDotProductAttentionWith(p[0], p[1], p[2], o)
			}
			a := keyPaddingRun(f, autograd.AttentionOptions{CausalLowerRight: true, Causal: causal}, xd, td, rows, d)
			b := keyPaddingRun(f, autograd.AttentionOptions{Mask: tensor.MustMask(keep, lq, lk)}, xd, td, rows, d)
			for i, what := range []string{"result", "fused gradient", "recorded gradient", "JVP value", "JVP tangent"} {
				if !bitsEqual(a[i], b[i]) {
					t.Errorf("Lq %d Lk %d causal %v: the %s differs from the mask's", lq, lk, causal, what)
				}
			}
		}
	}
	const l, e = 4, 6
	xd, td := make([]T, n*l*3*e), make([]T, n*l*3*e)
	for i := range xd {
		xd[i], td[i] = T(rng.NormFloat64()), T(rng.NormFloat64())
	}
	packed := func(x *autograd.Var[T], o autograd.AttentionOptions) *autograd.Var[T] {
		return autograd.PackedSelfAttention(x, n, h, o)
	}
	a := keyPaddingRun(packed, autograd.AttentionOptions{CausalLowerRight: true}, xd, td, n*l, 3*e)
	b := keyPaddingRun(packed, autograd.AttentionOptions{Causal: true}, xd, td, n*l, 3*e)
	for i, what := range []string{"result", "fused gradient", "recorded gradient", "JVP value", "JVP tangent"} {
		if !bitsEqual(a[i], b[i]) {
			t.Errorf("PackedSelfAttention: the %s under CausalLowerRight differs from Causal's", what)
		}
	}
}
