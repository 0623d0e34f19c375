package autograd_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestEmbeddingMatchesIndexSelect checks Embedding's values and the
// weight's gradient against IndexSelect of the flattened ids, with and
// without an Arena, and that the ids get no gradient.
func TestEmbeddingMatchesIndexSelect(t *testing.T) {
	rng := newRand(5)
	w := tensor.RandNormal[float64](rng, 0, 1, 5, 3)
	ids := []int{4, 0, 4, 1, 1, 2}
	idsF := tensor.MustNew([]float64{4, 0, 4, 1, 1, 2}, 2, 3)
	gw := tensor.RandNormal[float64](rng, 0, 1, 2, 3, 3) // loss weights

	ref := autograd.Param(w.Clone())
	want := autograd.IndexSelect(ref, 0, ids)
	autograd.Sum(autograd.Mul(want, autograd.Const(tensor.MustNew(gw.Data(), 6, 3)))).Backward()

	for _, arena := range []bool{false, true} {
		p := autograd.Param(w.Clone())
		var idv *autograd.Var[float64]
		if arena {
			ar := autograd.NewArena[float64]()
			idv = ar.Const(idsF)
		} else {
			idv = autograd.Const(idsF)
		}
		got := autograd.Embedding(p, idv)
		if diff := cmp.Diff([]int{2, 3, 3}, got.Value().Shape()); diff != "" {
			t.Errorf("arena %v: shape (-want +got):\n%s", arena, diff)
		}
		if diff := cmp.Diff(want.Value().Data(), got.Value().Data()); diff != "" {
			t.Errorf("arena %v: values (-want +got):\n%s", arena, diff)
		}
		autograd.Sum(autograd.Mul(got, autograd.Const(gw))).Backward()
		if diff := cmp.Diff(ref.Grad().Data(), p.Grad().Data(), cmpopts.EquateApprox(0, 1e-15)); diff != "" {
			t.Errorf("arena %v: weight gradient (-want +got):\n%s", arena, diff)
		}
	}
}

func TestEmbeddingPanics(t *testing.T) {
	w := autograd.Param(tensor.Zeros[float64](4, 2))
	ids := func(shape []int, xs ...float64) *autograd.Var[float64] {
		return autograd.Const(tensor.MustNew(xs, shape...))
	}
	tests := []struct {
		name   string
		weight *autograd.Var[float64]
		ids    *autograd.Var[float64]
		want   []string // in the message
	}{
		{"id too large", w, ids([]int{2, 2}, 0, 1, 2, 4), []string{"id 4", "position [1 1]", "out of range [0, 4)"}},
		{"negative id", w, ids([]int{3}, 0, -1, 2), []string{"id -1", "position [1]", "out of range"}},
		{"fractional id", w, ids([]int{1, 2}, 0, 2.5), []string{"id 2.5", "position [0 1]", "not a whole number"}},
		{"NaN id", w, ids([]int{2}, math.NaN(), 1), []string{"id NaN", "position [0]", "not a whole number"}},
		{"infinite id", w, ids([]int{1}, math.Inf(1)), []string{"id +Inf", "position [0]"}},
		{"weight not 2-D", autograd.Param(tensor.Zeros[float64](4)), ids([]int{1}, 0), []string{"2-D"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				err, ok := r.(error)
				var se *tensor.ShapeError
				if !ok || !errors.As(err, &se) {
					t.Fatalf("panic %v, want a *tensor.ShapeError", r)
				}
				if se.Op != "Embedding" {
					t.Errorf("op %q, want Embedding", se.Op)
				}
				for _, s := range tc.want {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("message %q does not contain %q", err.Error(), s)
					}
				}
			}()
			autograd.Embedding(tc.weight, tc.ids)
		})
	}
}

// TestEmbeddingPadded: the padding row (looked up twice, and given as −1
// for the last row) gets no gradient, the others the gradient of
// Embedding; the recorded pass (CreateGraph) and the fused one agree
// bit for bit, with and without an Arena; and the forward-mode Jacobian
// is the reverse-mode one, whose padding columns are zero.
func TestEmbeddingPadded(t *testing.T) {
	rng := newRand(6)
	w := tensor.RandNormal[float64](rng, 0, 1, 5, 3)
	idsF := tensor.MustNew([]float64{4, 0, 4, 1, 1, 2}, 2, 3)
	gw := tensor.RandNormal[float64](rng, 0, 1, 2, 3, 3)

	ref := autograd.Param(w.Clone())
	autograd.Sum(autograd.Mul(autograd.Embedding(ref, autograd.Const(idsF)), autograd.Const(gw))).Backward()
	want := ref.Grad().Clone()
	for j := range 3 {
		want.Set(0, 4, j)
	}
	for _, arena := range []bool{false, true} {
		for _, pad := range []int{4, -1} {
			p := autograd.Param(w.Clone())
			idv := autograd.Const(idsF)
			if arena {
				idv = autograd.NewArena[float64]().Const(idsF)
			}
			out := autograd.EmbeddingPadded(p, idv, pad)
			if diff := cmp.Diff(autograd.Embedding(p, idv).Value().Data(), out.Value().Data()); diff != "" {
				t.Errorf("arena %v, padding %d: values differ from Embedding's (-want +got):\n%s", arena, pad, diff)
			}
			loss := autograd.Sum(autograd.Mul(out, autograd.Const(gw)))
			recorded := autograd.Grad([]*autograd.Var[float64]{loss}, []*autograd.Var[float64]{p}, autograd.CreateGraph())[0]
			loss.Backward()
			if diff := cmp.Diff(want.Data(), p.Grad().Data()); diff != "" {
				t.Errorf("arena %v, padding %d: gradient (-want +got):\n%s", arena, pad, diff)
			}
			if diff := cmp.Diff(p.Grad().Data(), recorded.Value().Data()); diff != "" {
				t.Errorf("arena %v, padding %d: recorded gradient differs from the fused one (-fused +recorded):\n%s", arena, pad, diff)
			}
		}
	}

	f := func(xs ...*autograd.Var[float64]) *autograd.Var[float64] {
		return autograd.EmbeddingPadded(xs[0], autograd.Const(idsF), 4)
	}
	rev := autograd.Jacobian(f, []*tensor.Tensor[float64]{w}, autograd.JacobianReverse)[0]
	fwd := autograd.Jacobian(f, []*tensor.Tensor[float64]{w}, autograd.JacobianForward)[0]
	if diff := cmp.Diff(rev.Data(), fwd.Data()); diff != "" {
		t.Errorf("forward-mode Jacobian differs from reverse-mode (-reverse +forward):\n%s", diff)
	}
	// Row 4 of the table is elements 12..14 of its flattened input.
	for i, v := range rev.Data() {
		if in := i % 15; in >= 12 && v != 0 {
			t.Fatalf("Jacobian element %d (input %d, the padding row) = %v, want 0", i, in, v)
		}
	}
}

func TestEmbeddingPaddedPanics(t *testing.T) {
	w := autograd.Param(tensor.Zeros[float64](4, 2))
	ids := autograd.Const(tensor.MustNew([]float64{0, 3}, 2))
	for _, tc := range []struct {
		pad  int
		want string
	}{{4, "padding id 4 out of range [-4, 4)"}, {-5, "padding id -5 out of range [-4, 4)"}} {
		func() {
			defer func() {
				var se *tensor.ShapeError
				if err, ok := recover().(error); !ok || !errors.As(err, &se) || se.Op != "EmbeddingPadded" || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("padding %d: panic %v, want a *tensor.ShapeError of EmbeddingPadded containing %q", tc.pad, err, tc.want)
				}
			}()
			autograd.EmbeddingPadded(w, ids, tc.pad)
		}()
	}
	defer func() {
		var se *tensor.ShapeError
		if err, ok := recover().(error); !ok || !errors.As(err, &se) || se.Op != "EmbeddingPadded" || !strings.Contains(err.Error(), "id 5 at position [1]") {
			t.Errorf("id out of range: panic %v, want a *tensor.ShapeError of EmbeddingPadded naming the id", err)
		}
	}()
	autograd.EmbeddingPadded(w, autograd.Const(tensor.MustNew([]float64{0, 5}, 2)), 0)
}
