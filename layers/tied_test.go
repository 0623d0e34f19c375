package layers_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/safetensors"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
)

// tiedModel is a tiny language model with its output tied to its
// embedding, named as GPT-2's state_dict: "wte.weight", "lm_head.bias"
// (when bias) and the tied "lm_head.weight".
func tiedModel(bias bool) (*layers.Named[float64], *layers.Embedding[float64], *layers.TiedOutput[float64]) {
	emb := layers.NewEmbedding[float64](newRNG(3), 3, 2, nil)
	copy(emb.Weight.Value().Data(), []float64{1, 0, 0, 2, 1, -1})
	out := layers.NewTiedOutput(emb, bias)
	return layers.NewNamed(layers.NamedModule[float64]{Name: "wte", Module: emb},
		layers.NamedModule[float64]{Name: "lm_head", Module: out}), emb, out
}

// TestTiedOutputValues: logits = h·Eᵀ + b, and the shared weight's gradient
// sums the lookup's and the projection's.
func TestTiedOutputValues(t *testing.T) {
	_, emb, out := tiedModel(true)
	copy(out.Bias.Value().Data(), []float64{0.5, 0, -0.5})
	h := emb.Lookup([]int{2})                           // [[1 −1]]
	logits := out.Forward(autograd.Reshape(h, 1, 1, 2)) // [1 1 3]
	// E = [[1 0] [0 2] [1 −1]]: h·Eᵀ = [1, −2, 2], + b.
	if d := cmp.Diff(view([]int{1, 1, 3}, 1.5, -2, 1.5), viewOf(logits.Value())); d != "" {
		t.Errorf("logits (-want +got):\n%s", d)
	}
	autograd.Sum(logits).Backward()
	// Projection: d/dE[r] = h = [1 −1] for every row; lookup of row 2: Σ_r E[r] = [2 1].
	if d := cmp.Diff(view([]int{3, 2}, 1, -1, 1, -1, 3, 0), viewOf(emb.Weight.Grad())); d != "" {
		t.Errorf("tied gradient (-want +got):\n%s", d)
	}
	if d := cmp.Diff(view([]int{3}, 1, 1, 1), viewOf(out.Bias.Grad())); d != "" {
		t.Errorf("bias gradient: %s", d)
	}
	shapePanic(t, func() { out.Forward(autograd.Const(tensor.Zeros[float64](2, 3))) })
	argPanic(t, func() { layers.NewTiedOutput[float64](nil, false) })
}

// TestTiedOutputModelFile: the shared weight is one parameter (listed
// once), Save writes it under both names with the same values, as a
// PyTorch state_dict of a tied model does, Load requires and reads both,
// and OmitWeight stores it once.
func TestTiedOutputModelFile(t *testing.T) {
	m, emb, out := tiedModel(true)
	var names []string
	for _, p := range m.NamedParameters() {
		names = append(names, p.Name)
	}
	if d := cmp.Diff([]string{"wte.weight", "lm_head.bias"}, names); d != "" {
		t.Errorf("parameters (-want +got):\n%s", d)
	}
	if ps := m.Parameters(); len(ps) != 2 || ps[0] != emb.Weight {
		t.Errorf("Parameters lists %d Vars, want the shared weight once and the bias", len(ps))
	}
	var buf bytes.Buffer
	if err := layers.Save[float64](&buf, m); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Read(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"lm_head.bias", "lm_head.weight", "wte.weight"}, slices.Sorted(slices.Values(f.Names()))); d != "" {
		t.Errorf("file names (-want +got):\n%s", d)
	}
	a, _ := f.Float64("wte.weight")
	b, _ := f.Float64("lm_head.weight")
	if !bitsEqual(a, b) || !bitsEqual(a, emb.Weight.Value()) {
		t.Errorf("the two names hold different values")
	}

	fresh, femb, _ := tiedModel(true)
	femb.Weight.Value().Fill(0)
	if err := layers.Load[float64](bytes.NewReader(buf.Bytes()), fresh); err != nil {
		t.Fatal(err)
	}
	if !bitsEqual(femb.Weight.Value(), emb.Weight.Value()) {
		t.Errorf("Load did not restore the tied weight")
	}

	// A file with the weight once (Hugging Face style, what OmitWeight
	// saves) loads into the two-name model too, and into an OmitWeight one.
	out.OmitWeight = true
	buf.Reset()
	if err := layers.Save[float64](&buf, m); err != nil {
		t.Fatal(err)
	}
	f, err = safetensors.Read(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"lm_head.bias", "wte.weight"}, slices.Sorted(slices.Values(f.Names()))); d != "" {
		t.Errorf("OmitWeight file names (-want +got):\n%s", d)
	}
	femb.Weight.Value().Fill(0)
	if err := layers.Load[float64](bytes.NewReader(buf.Bytes()), fresh); err != nil || !bitsEqual(femb.Weight.Value(), emb.Weight.Value()) {
		t.Errorf("loading a once-tied file into a two-name model: %v, or the weight not restored", err)
	}
	omit, _, oout := tiedModel(true)
	oout.OmitWeight = true
	if err := layers.Load[float64](bytes.NewReader(buf.Bytes()), omit); err != nil {
		t.Errorf("OmitWeight model: %v", err)
	}

	// Two names holding different values are refused, the model untouched.
	w := emb.Weight.Value().Clone()
	w.Data()[4] = 7
	var conflict bytes.Buffer
	if err := safetensors.Write(&conflict, []safetensors.Named{
		safetensors.Of("wte.weight", emb.Weight.Value()), safetensors.Of("lm_head.weight", w),
		safetensors.Of("lm_head.bias", tensor.Zeros[float64](3)),
	}, nil); err != nil {
		t.Fatal(err)
	}
	femb.Weight.Value().Fill(0)
	var le *layers.LoadError
	err = layers.Load[float64](bytes.NewReader(conflict.Bytes()), fresh)
	if !errors.As(err, &le) || !slices.Equal(le.Conflicting, []string{"lm_head.weight"}) || le.Missing != nil || le.Unexpected != nil {
		t.Errorf("loading differing copies of the tied weight: %v, want lm_head.weight conflicting", err)
	}
	if femb.Weight.Value().Data()[0] != 0 {
		t.Errorf("a refused Load changed the weight")
	}
}

// TestTiedOutputOmitWeightLoadsTorch loads torch's state_dict of a tied
// model (testdata/interop/torch_tied_lm_head.safetensors: "wte.weight",
// "lm_head.weight" and "lm_head.bias") into a model whose TiedOutput has
// OmitWeight set: as the type's doc says, OmitWeight changes only what
// Save writes, so the file loads (it failed with 'unexpected in the file:
// "lm_head.weight"'), copies under both names must still agree, and Save
// still writes the weight once.
func TestTiedOutputOmitWeightLoadsTorch(t *testing.T) {
	emb := layers.NewEmbedding[float64](newRNG(3), 5, 4, nil)
	out := layers.NewTiedOutput(emb, true)
	out.OmitWeight = true
	m := layers.NewNamed(layers.NamedModule[float64]{Name: "wte", Module: emb},
		layers.NamedModule[float64]{Name: "lm_head", Module: out})
	const path = "testdata/interop/torch_tied_lm_head.safetensors"
	if err := layers.LoadFile[float64](path, m); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		got  *tensor.Tensor[float64]
	}{{"wte.weight", emb.Weight.Value()}, {"lm_head.weight", emb.Weight.Value()}, {"lm_head.bias", out.Bias.Value()}} {
		want, err := f.Float64(c.name)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(viewOf(want), viewOf(c.got)); d != "" {
			t.Errorf("%s after LoadFile (-torch +model):\n%s", c.name, d)
		}
	}

	var buf bytes.Buffer
	if err := layers.Save[float64](&buf, m); err != nil {
		t.Fatal(err)
	}
	saved, err := safetensors.Read(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"lm_head.bias", "wte.weight"}, slices.Sorted(slices.Values(saved.Names()))); d != "" {
		t.Errorf("OmitWeight file names (-want +got):\n%s", d)
	}

	// The file with lm_head.weight alone loads too, and copies under the
	// two names that differ are refused, as without OmitWeight.
	w, _ := f.Float64("wte.weight")
	b, _ := f.Float64("lm_head.bias")
	var only bytes.Buffer
	if err := safetensors.Write(&only, []safetensors.Named{safetensors.Of("lm_head.weight", w), safetensors.Of("lm_head.bias", b)}, nil); err != nil {
		t.Fatal(err)
	}
	emb.Weight.Value().Fill(0)
	if err := layers.Load[float64](bytes.NewReader(only.Bytes()), m); err != nil || !bitsEqual(emb.Weight.Value(), w) {
		t.Errorf("loading lm_head.weight alone: %v, or the weight not restored", err)
	}
	other := w.Clone()
	other.Data()[3] = 9
	var conflict bytes.Buffer
	if err := safetensors.Write(&conflict, []safetensors.Named{
		safetensors.Of("wte.weight", w), safetensors.Of("lm_head.weight", other), safetensors.Of("lm_head.bias", b)}, nil); err != nil {
		t.Fatal(err)
	}
	var le *layers.LoadError
	if err := layers.Load[float64](bytes.NewReader(conflict.Bytes()), m); !errors.As(err, &le) || !slices.Equal(le.Conflicting, []string{"lm_head.weight"}) {
		t.Errorf("loading differing copies: %v, want lm_head.weight conflicting", err)
	}
}

// TestTiedOutputGradcheck checks the tied projection's gradients in
// float64: the hidden states, the shared weight (through the projection
// and a lookup) and the bias.
func TestTiedOutputGradcheck(t *testing.T) {
	rng := newRNG(6)
	f := func(in []*autograd.Var[float64]) *autograd.Var[float64] {
		emb := &layers.Embedding[float64]{Weight: in[1]}
		out := &layers.TiedOutput[float64]{Embedding: emb, Bias: in[2]}
		logits := out.Forward(in[0]) // [2 3 5]
		return autograd.Add(autograd.Sum(autograd.Mul(logits, logits)), autograd.Sum(autograd.Square(emb.Lookup([]int{4, 0, 4}))))
	}
	gradcheck.Assert(t, f, []*tensor.Tensor[float64]{randTensor(rng, 2, 3, 4), randTensor(rng, 5, 4), randTensor(rng, 5)})
}
