package layers_test

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

var _ layers.Module[float64] = (*layers.MultiheadAttention[float64])(nil)

// TestNewMultiheadAttentionInit checks PyTorch's layout, names and
// initialisation: in_proj_weight within Xavier's bound √(6/(E+3E)),
// out_proj.weight within nn.Linear's 1/√E, zero biases.
func TestNewMultiheadAttentionInit(t *testing.T) {
	const e = 8
	m := layers.NewMultiheadAttention[float64](newRNG(3), e, 2)
	var names [][]int
	var got []string
	for _, p := range m.NamedParameters() {
		got = append(got, p.Name)
		names = append(names, p.Param.Value().Shape())
	}
	want := []string{"in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("names (-want +got):\n%s", d)
	}
	if d := cmp.Diff([][]int{{3 * e, e}, {3 * e}, {e, e}, {e}}, names); d != "" {
		t.Errorf("shapes (-want +got):\n%s", d)
	}
	bound := func(name string, x *tensor.Tensor[float64], b float64) {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range x.Data() {
			lo, hi = min(lo, v), max(hi, v)
		}
		if lo < -b || hi > b || hi-lo < b { // inside the bound, and spread over it
			t.Errorf("%s in [%g, %g], want spread over [-%g, %g]", name, lo, hi, b, b)
		}
	}
	bound("in_proj_weight", m.InProjWeight.Value(), math.Sqrt(6.0/(e+3*e)))
	bound("out_proj.weight", m.OutProj.Weight.Value(), 1/math.Sqrt(e))
	for _, b := range []*autograd.Var[float64]{m.InProjBias, m.OutProj.Bias} {
		for _, v := range b.Value().Data() {
			if v != 0 {
				t.Fatalf("%s has %v, want zeros", b.Name(), v)
			}
		}
	}
	if m.EmbedDim() != e || m.NumHeads != 2 {
		t.Errorf("EmbedDim %d, NumHeads %d", m.EmbedDim(), m.NumHeads)
	}
}

func TestMultiheadAttentionErrors(t *testing.T) {
	if e := argPanic(t, func() { layers.NewMultiheadAttention[float64](newRNG(1), 6, 4) }); e.Arg != "numHeads" {
		t.Errorf("ArgError names %q", e.Arg)
	}
	m := layers.NewMultiheadAttention[float64](newRNG(1), 4, 2)
	c := func(shape ...int) *autograd.Var[float64] { return autograd.Const(tensor.Zeros[float64](shape...)) }
	for name, f := range map[string]func(){
		"2-D input":              func() { m.Forward(c(3, 4)) },
		"E differs":              func() { m.Forward(c(1, 3, 5)) },
		"key and value S":        func() { m.Attend(c(1, 3, 4), c(1, 2, 4), c(1, 5, 4), nil, false) },
		"batch differs":          func() { m.Attend(c(1, 3, 4), c(2, 2, 4), c(2, 2, 4), nil, false) },
		"padding mask not [N S]": func() { m.Attend(c(1, 3, 4), c(1, 2, 4), c(1, 2, 4), tensor.FullMask(false, 1, 3), false) },
		"cache of another batch": func() {
			var kv layers.KVCache[float64]
			m.ForwardCached(c(1, 2, 4), &kv)
			m.ForwardCached(c(2, 1, 4), &kv)
		},
	} {
		t.Run(name, func(t *testing.T) {
			if se := shapePanic(t, f); se.Op != "MultiheadAttention (in_proj_weight)" {
				t.Errorf("error names %q: %v", se.Op, se)
			}
		})
	}
}

// TestMultiheadAttentionKVCache: a sequence fed piece by piece through a
// KVCache gives the rows of causal self-attention over the whole sequence,
// and the cache grows by each piece.
func TestMultiheadAttentionKVCache(t *testing.T) {
	rng := newRNG(5)
	m := layers.NewMultiheadAttention[float64](rng, 6, 3)
	for _, p := range m.Parameters() { // biases that are not 0, so that they are tested
		copy(p.Value().Data(), randTensor(rng, p.Value().Shape()...).Data())
	}
	x := randTensor(rng, 2, 5, 6)
	m.Causal = true
	full := m.Forward(autograd.Const(x))

	var kv layers.KVCache[float64]
	var pieces []*autograd.Var[float64]
	start := 0
	for _, l := range []int{2, 1, 2} {
		piece := autograd.Slice(autograd.Const(x), autograd.Range{Stop: tensor.End, Step: 1}, autograd.Range{Start: start, Stop: start + l, Step: 1})
		pieces = append(pieces, m.ForwardCached(piece, &kv))
		start += l
		if kv.Len() != start {
			t.Fatalf("cache holds %d positions after %d", kv.Len(), start)
		}
	}
	got := autograd.Concat(1, pieces...)
	if d := cmp.Diff(viewOf(full.Value()), viewOf(got.Value()), approx(1e-12)); d != "" {
		t.Errorf("cached pieces differ from the whole sequence (-whole +cached):\n%s", d)
	}
	kv.Reset()
	if kv.Len() != 0 {
		t.Errorf("Len %d after Reset", kv.Len())
	}
}
