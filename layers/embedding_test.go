package layers_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
)

var _ layers.Module[float32] = (*layers.Embedding[float32])(nil)

// table4x2 is an embedding of 4 rows of 2 features: row i is [10i, 10i+1].
func table4x2() *layers.Embedding[float64] {
	return &layers.Embedding[float64]{Weight: autograd.Param(mat(
		[]float64{0, 1}, []float64{10, 11}, []float64{20, 21}, []float64{30, 31})).SetName("weight")}
}

func TestEmbeddingLookup(t *testing.T) {
	tests := []struct {
		name string
		ids  []int
		want tensorView
	}{
		{"one", []int{2}, view([]int{1, 2}, 20, 21)},
		{"in order", []int{0, 1, 2, 3}, view([]int{4, 2}, 0, 1, 10, 11, 20, 21, 30, 31)},
		{"reversed with repeats", []int{3, 3, 0}, view([]int{3, 2}, 30, 31, 30, 31, 0, 1)},
		{"none", []int{}, view([]int{0, 2})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := table4x2().Lookup(tt.ids)
			if diff := cmp.Diff(tt.want, viewOf(got.Value()), approx(0)); diff != "" {
				t.Errorf("Lookup (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEmbeddingGradAccumulates checks that a row looked up several times
// gets the sum of the gradients at those positions, and unused rows zero.
func TestEmbeddingGradAccumulates(t *testing.T) {
	e := table4x2()
	out := e.Lookup([]int{1, 3, 1, 1})
	// Weight each looked-up row by its position + 1, so that the sum shows
	// which positions contributed: row 1 gets 1+3+4 = 8, row 3 gets 2.
	w := autograd.Const(mat([]float64{1, 1}, []float64{2, 2}, []float64{3, 3}, []float64{4, 4}))
	autograd.Sum(autograd.Mul(out, w)).Backward()
	want := view([]int{4, 2}, 0, 0, 8, 8, 0, 0, 2, 2)
	if diff := cmp.Diff(want, viewOf(e.Weight.Grad()), approx(0)); diff != "" {
		t.Errorf("weight gradient (-want +got):\n%s", diff)
	}
}

func TestEmbeddingForwardFloatIDs(t *testing.T) {
	tests := []struct {
		name string
		ids  *tensor.Tensor[float64]
		want tensorView
	}{
		{"[batch]", vec(3, 0), view([]int{2, 2}, 30, 31, 0, 1)},
		{"[batch seq]", mat([]float64{1, 2, 1}, []float64{0, 0, 3}), view([]int{2, 3, 2},
			10, 11, 20, 21, 10, 11, 0, 1, 0, 1, 30, 31)},
		{"[batch 1]", mat([]float64{2}), view([]int{1, 1, 2}, 20, 21)},
		{"negative zero", vec(math.Copysign(0, -1)), view([]int{1, 2}, 0, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := table4x2()
			got := e.Forward(autograd.Const(tt.ids))
			if diff := cmp.Diff(tt.want, viewOf(got.Value()), approx(0)); diff != "" {
				t.Errorf("Forward (-want +got):\n%s", diff)
			}
			// Forward and Lookup agree on the gradient too.
			autograd.Sum(got).Backward()
			counts := make([]float64, 8)
			for _, v := range tt.ids.Data() {
				counts[2*int(v)]++
				counts[2*int(v)+1]++
			}
			if diff := cmp.Diff(view([]int{4, 2}, counts...), viewOf(e.Weight.Grad()), approx(0)); diff != "" {
				t.Errorf("weight gradient (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEmbeddingBadIDs(t *testing.T) {
	tests := []struct {
		name   string
		call   func(e *layers.Embedding[float64])
		arg    string
		reason string
	}{
		{"Lookup negative", func(e *layers.Embedding[float64]) { e.Lookup([]int{0, -1}) }, "ids[1]", "out of range [0, 4)"},
		{"Lookup too big", func(e *layers.Embedding[float64]) { e.Lookup([]int{4}) }, "ids[0]", "out of range [0, 4)"},
		{"Forward too big", func(e *layers.Embedding[float64]) { e.Forward(autograd.Const(vec(1, 2, 7))) }, "ids[2]", "out of range"},
		{"Forward negative", func(e *layers.Embedding[float64]) { e.Forward(autograd.Const(vec(-1))) }, "ids[0]", "out of range"},
		{"Forward fraction", func(e *layers.Embedding[float64]) { e.Forward(autograd.Const(vec(1, 2.5))) }, "ids[1]", "not a whole number"},
		{"Forward NaN", func(e *layers.Embedding[float64]) { e.Forward(autograd.Const(vec(math.NaN()))) }, "ids[0]", "not a whole number"},
		{"Forward Inf", func(e *layers.Embedding[float64]) { e.Forward(autograd.Const(vec(math.Inf(1)))) }, "ids[0]", "not a whole number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := layers.NewSequential[float64](table4x2()).Layers[0].(*layers.Embedding[float64]) // labels the weight "0.weight"
			ae := argPanic(t, func() { tt.call(e) })
			if ae.Op != "Embedding (0.weight)" || ae.Arg != tt.arg || !strings.Contains(ae.Reason, tt.reason) {
				t.Errorf("got %q (Op %q, Arg %q), want Op %q, Arg %q, reason containing %q", ae, ae.Op, ae.Arg, "Embedding (0.weight)", tt.arg, tt.reason)
			}
		})
	}
	se := shapePanic(t, func() { table4x2().Forward(autograd.Const(tensor.Scalar(1.0))) })
	if !strings.Contains(se.Error(), "Embedding (weight)") {
		t.Errorf("scalar ids: %v does not name the layer", se)
	}
}

func TestNewEmbedding(t *testing.T) {
	e := layers.NewEmbedding[float64](newRNG(1), 1000, 20, nil)
	if diff := cmp.Diff([]int{1000, 20}, e.Weight.Shape()); diff != "" {
		t.Fatalf("weight shape (-want +got):\n%s", diff)
	}
	// nil init is N(0, 1), PyTorch's default: the sample moments of 20000
	// draws are within a few percent.
	var sum, sumSq float64
	for _, v := range e.Weight.Value().Data() {
		sum += v
		sumSq += v * v
	}
	n := float64(e.Weight.Value().Len())
	if mean, std := sum/n, math.Sqrt(sumSq/n-sum*sum/n/n); math.Abs(mean) > 0.03 || math.Abs(std-1) > 0.03 {
		t.Errorf("mean %v std %v, want N(0, 1)", mean, std)
	}
	if again := layers.NewEmbedding[float64](newRNG(1), 1000, 20, nil); !bitsEqual(e.Weight.Value(), again.Weight.Value()) {
		t.Errorf("same seed, different table")
	}
	// The initializer sees fanIn = dim, fanOut = num and the shape [num dim].
	var fans [2]int
	spy := func(_ *rand.Rand, fanIn, fanOut int, shape ...int) *tensor.Tensor[float64] {
		fans = [2]int{fanIn, fanOut}
		return tensor.Zeros[float64](shape...)
	}
	layers.NewEmbedding(newRNG(1), 7, 3, spy)
	if fans != [2]int{3, 7} {
		t.Errorf("fans %v, want [3 7]", fans)
	}
	names := []string{}
	for _, p := range e.NamedParameters() {
		names = append(names, p.Name)
	}
	if diff := cmp.Diff([]string{"weight"}, names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	for _, bad := range [][2]int{{0, 3}, {3, 0}, {-1, 2}} {
		se := shapePanic(t, func() { layers.NewEmbedding[float64](newRNG(1), bad[0], bad[1], nil) })
		if !strings.Contains(se.Error(), "NewEmbedding") {
			t.Errorf("%v: %v does not name NewEmbedding", bad, se)
		}
	}
}

func TestEmbeddingGradcheck(t *testing.T) {
	ids := []int{2, 0, 2, 1}
	f := func(in []*autograd.Var[float64]) *autograd.Var[float64] {
		return (&layers.Embedding[float64]{Weight: in[0]}).Lookup(ids)
	}
	gradcheck.Assert(t, f, []*tensor.Tensor[float64]{randTensor(newRNG(4), 3, 2)})
	g := func(in []*autograd.Var[float64]) *autograd.Var[float64] {
		return (&layers.Embedding[float64]{Weight: in[0]}).Forward(autograd.Const(mat([]float64{2, 0}, []float64{2, 1})))
	}
	gradcheck.Assert(t, g, []*tensor.Tensor[float64]{randTensor(newRNG(5), 3, 2)})
}

// TestEmbeddingForwardUnderArena checks that Forward on ids of an Arena
// gives Lookup's rows and gradient, step after step (the arena's memory,
// ids included, is reused by the second step).
func TestEmbeddingForwardUnderArena(t *testing.T) {
	ar := autograd.NewArena[float64]()
	for step := range 2 {
		e, ref := table4x2(), table4x2()
		ar.Reset()
		ids := tensor.MustNew([]float64{3, 1, 3, float64(step)}, 2, 2)
		got := e.Forward(ar.Const(ids))
		want := autograd.Reshape(ref.Lookup([]int{3, 1, 3, step}), 2, 2, 2)
		if diff := cmp.Diff(viewOf(want.Value()), viewOf(got.Value()), approx(0)); diff != "" {
			t.Errorf("step %d: Forward (-Lookup +Forward):\n%s", step, diff)
		}
		autograd.Sum(autograd.Square(got)).Backward()
		autograd.Sum(autograd.Square(want)).Backward()
		if diff := cmp.Diff(viewOf(ref.Weight.Grad()), viewOf(e.Weight.Grad()), approx(0)); diff != "" {
			t.Errorf("step %d: weight gradient (-Lookup +Forward):\n%s", step, diff)
		}
	}
}

// TestEmbeddingPadded: NewEmbeddingPadded zeroes the padding row (a
// negative padding counting from the end), Lookup and Forward look it up
// like any other row, and training leaves it at zeros while the other rows
// it was looked up beside move.
func TestEmbeddingPadded(t *testing.T) {
	for _, tc := range []struct{ given, want int }{{1, 1}, {-1, 3}, {0, 0}} {
		e := layers.NewEmbeddingPadded[float64](newRNG(2), 4, 2, tc.given, nil)
		if e.PaddingIdx == nil || *e.PaddingIdx != tc.want {
			t.Fatalf("padding %d: PaddingIdx %v, want %d", tc.given, e.PaddingIdx, tc.want)
		}
		for r := range 4 {
			row := e.Weight.Value().Data()[2*r : 2*r+2]
			if zero := row[0] == 0 && row[1] == 0; zero != (r == tc.want) {
				t.Errorf("padding %d: row %d = %v", tc.given, r, row)
			}
		}
	}

	e := layers.NewEmbeddingPadded[float64](newRNG(2), 4, 2, 1, nil)
	before := e.Weight.Value().Clone()
	opt, err := optim.NewSGD(e.Parameters(), 0.1)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		a := e.Lookup([]int{1, 0, 1})
		b := e.Forward(autograd.Const(tensor.MustNew([]float64{1, 2, 2, 1}, 2, 2)))
		if got := a.Value().Data()[:2]; got[0] != 0 || got[1] != 0 {
			t.Fatalf("Lookup of the padding row = %v, want zeros", got)
		}
		loss := autograd.Add(autograd.Sum(autograd.Square(a)), autograd.Sum(autograd.Exp(b)))
		loss.Backward()
		if g := e.Weight.Grad().Data(); g[2] != 0 || g[3] != 0 || g[0] == 0 || g[4] == 0 {
			t.Fatalf("weight gradient %v: want zeros in row 1 only", g)
		}
		if err := opt.Step(); err != nil {
			t.Fatal(err)
		}
		opt.ZeroGrad()
	}
	after := e.Weight.Value().Data()
	for i, v := range after {
		if moved := v != before.Data()[i]; moved != (i/2 == 0 || i/2 == 2) {
			t.Errorf("element %d (row %d) went from %v to %v", i, i/2, before.Data()[i], v)
		}
	}
	if got := e.Lookup(nil).Shape(); !cmp.Equal(got, []int{0, 2}) {
		t.Errorf("Lookup of no ids: shape %v, want [0 2]", got)
	}

	for _, bad := range []int{4, -5} {
		ae := argPanic(t, func() { layers.NewEmbeddingPadded[float64](newRNG(1), 4, 2, bad, nil) })
		if ae.Op != "NewEmbeddingPadded" || ae.Arg != "padding" || ae.Reason != "is out of range [-4, 4)" {
			t.Errorf("padding %d: %v", bad, ae)
		}
	}
}
