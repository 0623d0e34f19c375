package layers_test

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/internal/allocs"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestNewMultiheadAttentionKVInit checks PyTorch's names, order, shapes
// and initialisation of a layer with kdim and vdim other than E: separate
// projections within Xavier's bounds √(6/(fanIn+fanOut)), out_proj.weight
// within nn.Linear's 1/√E, zero biases; and that kdim = vdim = E gives
// NewMultiheadAttention's layer, draw for draw.
func TestNewMultiheadAttentionKVInit(t *testing.T) {
	const e, kd, vd = 8, 3, 20
	m := layers.NewMultiheadAttentionKV[float64](newRNG(3), e, 2, kd, vd)
	var names []string
	var shapes [][]int
	for _, p := range m.NamedParameters() {
		names = append(names, p.Name)
		shapes = append(shapes, p.Param.Value().Shape())
	}
	want := []string{"q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"}
	if d := cmp.Diff(want, names); d != "" {
		t.Errorf("names (-want +got):\n%s", d)
	}
	if d := cmp.Diff([][]int{{e, e}, {e, kd}, {e, vd}, {3 * e}, {e, e}, {e}}, shapes); d != "" {
		t.Errorf("shapes (-want +got):\n%s", d)
	}
	if m.InProjWeight != nil {
		t.Errorf("InProjWeight is set, want nil with separate projections")
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
	bound("q_proj_weight", m.QProjWeight.Value(), math.Sqrt(6.0/(e+e)))
	bound("k_proj_weight", m.KProjWeight.Value(), math.Sqrt(6.0/(kd+e)))
	bound("v_proj_weight", m.VProjWeight.Value(), math.Sqrt(6.0/(vd+e)))
	bound("out_proj.weight", m.OutProj.Weight.Value(), 1/math.Sqrt(e))
	for _, b := range []*autograd.Var[float64]{m.InProjBias, m.OutProj.Bias} {
		for _, v := range b.Value().Data() {
			if v != 0 {
				t.Fatalf("%s has %v, want zeros", b.Name(), v)
			}
		}
	}
	if m.EmbedDim() != e || m.KDim() != kd || m.VDim() != vd {
		t.Errorf("EmbedDim %d, KDim %d, VDim %d, want %d %d %d", m.EmbedDim(), m.KDim(), m.VDim(), e, kd, vd)
	}
	if len(m.Parameters()) != 6 {
		t.Errorf("%d parameters, want 6", len(m.Parameters()))
	}

	same := layers.NewMultiheadAttentionKV[float64](newRNG(3), e, 2, e, e)
	plain := layers.NewMultiheadAttention[float64](newRNG(3), e, 2)
	if same.InProjWeight == nil || same.KDim() != e || same.VDim() != e {
		t.Fatalf("kdim = vdim = E: want the packed in_proj_weight")
	}
	for i, p := range plain.Parameters() {
		if !bitsEqual(p.Value(), same.Parameters()[i].Value()) {
			t.Errorf("kdim = vdim = E: %s differs from NewMultiheadAttention's", p.Name())
		}
	}
}

// TestMultiheadAttentionKVErrors: the constructor refuses sizes that are
// not positive and heads that do not divide E; a layer with kdim or vdim
// other than E refuses self-attention (Forward, ForwardCached, a
// TransformerEncoderLayer's) and inputs of the wrong widths, each with a
// *tensor.ShapeError naming the layer by its first weight.
func TestMultiheadAttentionKVErrors(t *testing.T) {
	if se := shapePanic(t, func() { layers.NewMultiheadAttentionKV[float64](newRNG(1), 4, 2, 0, 3) }); se.Op != "NewMultiheadAttentionKV" {
		t.Errorf("error names %q", se.Op)
	}
	if e := argPanic(t, func() { layers.NewMultiheadAttentionKV[float64](newRNG(1), 6, 4, 2, 3) }); e.Arg != "numHeads" {
		t.Errorf("ArgError names %q", e.Arg)
	}
	m := layers.NewMultiheadAttentionKV[float64](newRNG(1), 4, 2, 4, 3) // kdim = E, vdim not
	c := func(shape ...int) *autograd.Var[float64] { return autograd.Const(tensor.Zeros[float64](shape...)) }
	enc := layers.NewTransformerEncoderLayer[float64](newRNG(1), layers.TransformerConfig{DModel: 4, NHead: 2, DimFeedforward: 8})
	enc.SelfAttn = m
	for name, f := range map[string]func(){
		"Forward":                func() { m.Forward(c(1, 3, 4)) },
		"ForwardCached":          func() { m.ForwardCached(c(1, 3, 4), &layers.KVCache[float64]{}) },
		"self-attention":         func() { m.Attend(c(1, 3, 4), c(1, 3, 4), c(1, 3, 4), nil, false) },
		"AttendWeights self":     func() { x := c(1, 3, 4); m.AttendWeights(x, x, x, nil, false, false) },
		"value of E features":    func() { m.Attend(c(1, 3, 4), c(1, 2, 4), c(1, 2, 4), nil, false) },
		"key of vdim features":   func() { m.Attend(c(1, 3, 4), c(1, 2, 3), c(1, 2, 3), nil, false) },
		"query of vdim features": func() { m.AttendWeights(c(1, 3, 3), c(1, 2, 4), c(1, 2, 3), nil, false, true) },
		"padding mask not [N S]": func() {
			m.AttendWeights(c(1, 3, 4), c(1, 2, 4), c(1, 2, 3), tensor.FullMask(false, 1, 3), false, false)
		},
		"TransformerEncoderLayer": func() { enc.Forward(c(1, 3, 4)) },
	} {
		t.Run(name, func(t *testing.T) {
			if se := shapePanic(t, f); se.Op != "MultiheadAttention (q_proj_weight)" {
				t.Errorf("error names %q: %v", se.Op, se)
			}
		})
	}
	// The right widths work.
	if y := m.Attend(c(2, 3, 4), c(2, 5, 4), c(2, 5, 3), nil, true); !y.Value().HasShape(2, 3, 4) {
		t.Errorf("Attend gives %v, want [2 3 4]", y.Value().Shape())
	}
}

// TestMultiheadAttentionKVHandBuilt: a layer built by hand with separate
// projections whose widths are all E (which PyTorch's constructor never
// makes) attends to itself through the unpacked path, as a TransformerEncoderLayer's
// SelfAttn too, and gives the packed layer's results when its projections
// are the packed weight's rows.
func TestMultiheadAttentionKVHandBuilt(t *testing.T) {
	rng := newRNG(4)
	packed := layers.NewMultiheadAttention[float64](rng, 6, 3)
	copy(packed.InProjBias.Value().Data(), randTensor(rng, 18).Data())
	w := autograd.Split(packed.InProjWeight, 0, 6, 6, 6)
	sep := &layers.MultiheadAttention[float64]{
		NumHeads:    3,
		QProjWeight: autograd.Param(w[0].Value().Clone()).SetName("q_proj_weight"),
		KProjWeight: autograd.Param(w[1].Value().Clone()).SetName("k_proj_weight"),
		VProjWeight: autograd.Param(w[2].Value().Clone()).SetName("v_proj_weight"),
		InProjBias:  packed.InProjBias,
		OutProj:     packed.OutProj,
		Causal:      true,
	}
	packed.Causal = true
	x := autograd.Const(randTensor(rng, 2, 4, 6))
	if d := cmp.Diff(viewOf(packed.Forward(x).Value()), viewOf(sep.Forward(x).Value()), approx(1e-12)); d != "" {
		t.Errorf("Forward differs from the packed layer's (-packed +separate):\n%s", d)
	}
	cfg := layers.TransformerConfig{DModel: 6, NHead: 3, DimFeedforward: 8}
	enc := layers.NewTransformerEncoderLayer[float64](newRNG(5), cfg)
	want := enc.Forward(x).Value()
	enc.SelfAttn = &layers.MultiheadAttention[float64]{
		NumHeads: 3, InProjBias: enc.SelfAttn.InProjBias, OutProj: enc.SelfAttn.OutProj,
		QProjWeight: autograd.Slice(enc.SelfAttn.InProjWeight, autograd.Range{Start: 0, Stop: 6, Step: 1}),
		KProjWeight: autograd.Slice(enc.SelfAttn.InProjWeight, autograd.Range{Start: 6, Stop: 12, Step: 1}),
		VProjWeight: autograd.Slice(enc.SelfAttn.InProjWeight, autograd.Range{Start: 12, Stop: 18, Step: 1}),
	}
	if d := cmp.Diff(viewOf(want), viewOf(enc.Forward(x).Value()), approx(1e-12)); d != "" {
		t.Errorf("TransformerEncoderLayer differs with separate projections (-packed +separate):\n%s", d)
	}
}

// TestMultiheadAttentionKVSaveLoad: a layer with kdim and vdim other than
// E saves under PyTorch's names and loads back into another (strict), its
// dropout generator state too; the packed layer refuses the file, naming
// what differs.
func TestMultiheadAttentionKVSaveLoad(t *testing.T) {
	src := layers.NewMultiheadAttentionKV[float64](newRNG(1), 4, 2, 3, 5).SetDropout(newRNG(2), 0.3)
	var buf bytes.Buffer
	if err := layers.Save[float64](&buf, src); err != nil {
		t.Fatal(err)
	}
	dst := layers.NewMultiheadAttentionKV[float64](newRNG(9), 4, 2, 3, 5).SetDropout(newRNG(8), 0.3)
	if err := layers.Load[float64](bytes.NewReader(buf.Bytes()), dst); err != nil {
		t.Fatal(err)
	}
	for i, p := range src.Parameters() {
		if !bitsEqual(p.Value(), dst.Parameters()[i].Value()) {
			t.Errorf("%s differs after Load", p.Name())
		}
	}
	if err := dst.SetRNGState(src.RNGState()); err != nil {
		t.Fatal(err)
	}
	q, k, v := autograd.Const(randTensor(newRNG(3), 2, 3, 4)), autograd.Const(randTensor(newRNG(4), 2, 5, 3)), autograd.Const(randTensor(newRNG(5), 2, 5, 5))
	if !bitsEqual(src.Attend(q, k, v, nil, false).Value(), dst.Attend(q, k, v, nil, false).Value()) {
		t.Errorf("the loaded layer, with the same dropout state, attends differently")
	}
	packed := layers.NewMultiheadAttention[float64](newRNG(1), 4, 2)
	err := layers.Load[float64](bytes.NewReader(buf.Bytes()), packed)
	var le *layers.LoadError
	if !errors.As(err, &le) {
		t.Fatalf("Load into the packed layer: %v, want a *LoadError", err)
	}
	if d := cmp.Diff([]string{"in_proj_weight"}, le.Missing); d != "" {
		t.Errorf("missing (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"k_proj_weight", "q_proj_weight", "v_proj_weight"}, le.Unexpected); d != "" {
		t.Errorf("unexpected (-want +got):\n%s", d)
	}
}

// kvCols returns the first n features of x [N, L, F].
func kvCols(x *autograd.Var[float32], n int) *autograd.Var[float32] {
	all := autograd.Range{Stop: tensor.End, Step: 1}
	return autograd.Slice(x, all, all, autograd.Range{Start: 0, Stop: n, Step: 1})
}

// kvLayer returns a layer of E = 8 in 2 heads, kdim 3 and vdim 6, with
// dropout p (none for 0).
func kvLayer(p float64) *layers.MultiheadAttention[float32] {
	m := layers.NewMultiheadAttentionKV[float32](newRNG(11), 8, 2, 3, 6)
	if p > 0 {
		m.SetDropout(newRNG(12), p)
	}
	return m
}

// kvRow is a row of testArenaRows with inputs [2 5 8].
func kvRow(name string, build func() layers.Module[float32]) moduleRow {
	seq := func() *tensor.Tensor[float32] { return rand32(2, 2, 5, 8) }
	return moduleRow{typ: name, name: name, build: func() (layers.Module[float32], *tensor.Tensor[float32]) { return build(), seq() }}
}

// kvRows are rows for the checks of every module (testArenaRows) that a
// layer with kdim and vdim other than E takes, through Attend (its
// Forward refuses): queries [2 5 8], keys [2 5 3] and values [2 5 6]
// made from them, plain, and with a key padding mask, causal and dropout.
func kvRows() []moduleRow {
	pad := tensor.MustMask([]bool{
		false, true, false, false, true,
		false, false, true, true, true,
	}, 2, 5)
	return []moduleRow{
		kvRow("MultiheadAttention/kdim vdim", func() layers.Module[float32] {
			m := kvLayer(0)
			return padded{m, func(x *autograd.Var[float32]) *autograd.Var[float32] {
				return m.Attend(x, autograd.Tanh(kvCols(x, 3)), kvCols(x, 6), nil, false)
			}}
		}),
		kvRow("MultiheadAttention/kdim vdim padded causal dropout", func() layers.Module[float32] {
			m := kvLayer(0.25)
			return padded{m, func(x *autograd.Var[float32]) *autograd.Var[float32] {
				return m.Attend(x, autograd.Tanh(kvCols(x, 3)), kvCols(x, 6), pad, true)
			}}
		}),
	}
}

// TestMultiheadAttentionKVArenaAllocatesNothing is
// TestEveryModuleArenaAllocatesNothing for kvRows: a warm evaluation and
// a warm training step allocate nothing under an Arena, and give the
// numbers of the same computation without one.
func TestMultiheadAttentionKVArenaAllocatesNothing(t *testing.T) {
	if underRace {
		t.Skip("the race detector's instrumentation allocates")
	}
	testArenaRows(t, kvRows())
}

// TestMultiheadAttentionKVAppendsParameters is
// TestEveryModuleAppendsParameters for a layer with kdim and vdim other
// than E (whose Forward, which everyModule's rows call, refuses):
// AppendParameters, Parameters and NamedParameters list the same
// parameters in the same order, and appending into a kept slice
// allocates nothing.
func TestMultiheadAttentionKVAppendsParameters(t *testing.T) {
	m := kvLayer(0.25)
	var named []*autograd.Var[float32]
	for _, np := range m.NamedParameters() {
		named = append(named, np.Param)
	}
	ps := layers.AppendParameters(nil, layers.Module[float32](m))
	if len(named) != 6 || !samePtrs(ps, named) || !samePtrs(m.Parameters(), named) {
		t.Fatalf("AppendParameters lists %d parameters, Parameters %d, NamedParameters %d: want the same 6 in the same order",
			len(ps), len(m.Parameters()), len(named))
	}
	if underRace {
		return // the race detector's instrumentation allocates
	}
	if n := allocs.Count(1000, func() { ps = m.AppendParameters(ps[:0]) }); n != 0 {
		t.Errorf("1000 calls of AppendParameters into a kept slice allocate %d times, want 0", n)
	}
}
