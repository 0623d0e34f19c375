package main

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/safetensors"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// smallConfig is a model small enough to check by hand.
func smallConfig(model string) config {
	return config{model: model, layers: 2, dim: 8, heads: 2, context: 6}
}

// TestModelNames checks that each model's parameters have the names and
// shapes of the PyTorch module its documentation gives, which is what lets
// torch's load_state_dict read a file saved with -save, and that Forward
// maps [N, T] ids to [N·T, 256] logits.
func TestModelNames(t *testing.T) {
	type param struct {
		Name  string
		Shape []int
	}
	block := func(i string) []param {
		p := "blocks.layers." + i + "."
		return []param{
			{p + "self_attn.in_proj_weight", []int{24, 8}}, {p + "self_attn.in_proj_bias", []int{24}},
			{p + "self_attn.out_proj.weight", []int{8, 8}}, {p + "self_attn.out_proj.bias", []int{8}},
			{p + "linear1.weight", []int{32, 8}}, {p + "linear1.bias", []int{32}},
			{p + "linear2.weight", []int{8, 32}}, {p + "linear2.bias", []int{8}},
			{p + "norm1.weight", []int{8}}, {p + "norm1.bias", []int{8}},
			{p + "norm2.weight", []int{8}}, {p + "norm2.bias", []int{8}},
		}
	}
	lstm := func(i string) []param {
		return []param{
			{"lstm.weight_ih_l" + i, []int{32, 8}}, {"lstm.weight_hh_l" + i, []int{32, 8}},
			{"lstm.bias_ih_l" + i, []int{32}}, {"lstm.bias_hh_l" + i, []int{32}},
		}
	}
	tests := []struct {
		model string
		want  []param
	}{
		{"gpt", append(append(append([]param{{"tok_emb.weight", []int{256, 8}}, {"pos_emb.weight", []int{6, 8}}},
			block("0")...), block("1")...), param{"blocks.norm.weight", []int{8}}, param{"blocks.norm.bias", []int{8}})},
		{"lstm", append(append(append([]param{{"embed.weight", []int{256, 8}}}, lstm("0")...), lstm("1")...),
			param{"head.weight", []int{256, 8}}, param{"head.bias", []int{256}})},
	}
	for _, tt := range tests {
		t.Run(tt.model, func(t *testing.T) {
			m, err := newModel(smallConfig(tt.model), rand.New(rand.NewPCG(1, 2)))
			if err != nil {
				t.Fatal(err)
			}
			var got []param
			for _, p := range m.NamedParameters() {
				got = append(got, param{p.Name, p.Param.Value().Shape()})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("named parameters (-want +got):\n%s", diff)
			}
			if n, want := len(m.Parameters()), len(tt.want); n != want {
				t.Errorf("%d parameters, want %d", n, want)
			}
			out := m.Forward(autograd.Const(tensor.Zeros[float32](3, 5)))
			if diff := cmp.Diff([]int{15, vocab}, out.Value().Shape()); diff != "" {
				t.Errorf("output shape (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := newModel(config{model: "rnn"}, rand.New(rand.NewPCG(1, 2))); err == nil {
		t.Error(`newModel("rnn"): no error`)
	}
}

// randomIDs returns n·t random byte values as whole-number float32s.
func randomIDs(rng *rand.Rand, n, t int) []float32 {
	ids := make([]float32, n*t)
	for i := range ids {
		ids[i] = float32(rng.IntN(vocab))
	}
	return ids
}

// TestCausal checks that both models only look back: changing the byte at
// position k of a window leaves the logits of positions before k exactly
// as they were, and changes those from k on.
func TestCausal(t *testing.T) {
	for _, model := range modelNames() {
		t.Run(model, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 4))
			m, err := newModel(smallConfig(model), rng)
			if err != nil {
				t.Fatal(err)
			}
			const n, steps, k = 2, 6, 3
			ids := randomIDs(rng, n, steps)
			before := m.Forward(autograd.Const(tensor.MustNew(ids, n, steps))).Value().Data()
			ids[steps+k] = float32((int(ids[steps+k]) + 1) % vocab) // row 1, position k
			after := m.Forward(autograd.Const(tensor.MustNew(ids, n, steps))).Value().Data()
			for pos := range n * steps {
				row := func(d []float32) []float32 { return d[pos*vocab : (pos+1)*vocab] }
				same := cmp.Equal(row(before), row(after))
				if wantSame := pos < steps+k; same != wantSame {
					t.Errorf("position %d of row %d: logits unchanged %v, want %v", pos%steps, pos/steps, same, wantSame)
				}
			}
		})
	}
}

// TestGenerators checks that feeding a model piece by piece, as sampling
// does, gives the logits of Forward over the whole text so far: the gpt's
// KV caches, and its restart from the last half context when the context
// is full; the LSTM's carried states.
func TestGenerators(t *testing.T) {
	for _, model := range modelNames() {
		t.Run(model, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, 6))
			cfg := smallConfig(model)
			m, err := newModel(cfg, rng)
			if err != nil {
				t.Fatal(err)
			}
			text := make([]int, 20)
			for i := range text {
				text[i] = rng.IntN(vocab)
			}
			g := m.generator(autograd.NewInferenceArena[float32]())
			start := 0 // the gpt's window: text[start:i+1]
			for i, piece := 0, 3; i < len(text); i, piece = i+piece, 1 {
				got := g.feed(text[i : i+piece])
				i := i + piece - 1 // the last byte fed
				if model == "gpt" && i+1-start > cfg.context {
					start = i + 1 - cfg.context/2
				}
				window := text[start : i+1]
				want := lastRow(m.Forward(idsConst(nil, window)))
				if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-5)); diff != "" {
					t.Fatalf("after byte %d (window %d..%d): logits (-Forward +fed):\n%s", i, start, i, diff)
				}
			}
			if model == "gpt" && start == 0 {
				t.Error("the gpt's context never filled up")
			}
		})
	}
}

// TestLSTMMatchesReference checks the LSTM model's logits against a plain
// float64 computation of the same equations, one sample and one unit at a
// time, with PyTorch's gate order (input, forget, cell, output).
func TestLSTMMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	m := newLSTMModel(rng, 2, 5)
	const n, steps = 2, 4
	ids := randomIDs(rng, n, steps)
	got := m.Forward(autograd.Const(tensor.MustNew(ids, n, steps))).Value().Data()

	f64 := func(v *autograd.Var[float32]) []float64 {
		out := make([]float64, v.Value().Len())
		for i, x := range v.Value().Data() {
			out[i] = float64(x)
		}
		return out
	}
	sigmoid := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	// affine returns w·x + b for w [rows len(x)].
	affine := func(w, b, x []float64) []float64 {
		out := make([]float64, len(b))
		for r := range out {
			out[r] = b[r]
			for k, v := range x {
				out[r] += w[r*len(x)+k] * v
			}
		}
		return out
	}
	emb := f64(m.embed.Weight)
	d := 5
	var want []float64
	for s := range n {
		xs := make([][]float64, steps)
		for t := range steps {
			id := int(ids[s*steps+t])
			xs[t] = emb[id*d : (id+1)*d]
		}
		for l := range m.lstm.NumLayers() {
			w := m.lstm.Weights(l, 0)
			wih, whh, bih, bhh := f64(w.WeightIH), f64(w.WeightHH), f64(w.BiasIH), f64(w.BiasHH)
			h, c := make([]float64, d), make([]float64, d)
			for t, x := range xs {
				zi, zh := affine(wih, bih, x), affine(whh, bhh, h)
				hNew := make([]float64, d)
				for j := range d {
					i := sigmoid(zi[j] + zh[j])
					f := sigmoid(zi[d+j] + zh[d+j])
					g := math.Tanh(zi[2*d+j] + zh[2*d+j])
					o := sigmoid(zi[3*d+j] + zh[3*d+j])
					c[j] = f*c[j] + i*g
					hNew[j] = o * math.Tanh(c[j])
				}
				h, xs[t] = hNew, hNew
			}
		}
		for _, x := range xs {
			want = append(want, affine(f64(m.head.Weight), f64(m.head.Bias), x)...)
		}
	}
	gotF := make([]float64, len(got))
	for i, v := range got {
		gotF[i] = float64(v)
	}
	if diff := cmp.Diff(want, gotF, cmpopts.EquateApprox(0, 1e-5)); diff != "" {
		t.Errorf("logits (-reference +model):\n%s", diff)
	}
}

// TestGPTFileTied checks the gpt's model file: every parameter under its
// name, and the tied weight twice, as "tok_emb.weight" and "head.weight"
// with the same values, which is what PyTorch's state_dict of the tied
// module holds.
func TestGPTFileTied(t *testing.T) {
	m, err := newModel(smallConfig("gpt"), rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := layers.Save(&buf, m); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, p := range m.NamedParameters() {
		want = append(want, p.Name)
	}
	want = append(want, "head.weight")
	if diff := cmp.Diff(want, f.Names(), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("tensors in the file (-want +got):\n%s", diff)
	}
	tok, err := f.Float32("tok_emb.weight")
	if err != nil {
		t.Fatal(err)
	}
	head, err := f.Float32("head.weight")
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(tok.Data(), head.Data()) || !cmp.Equal(tok.Data(), m.(*gpt).tokEmb.Weight.Value().Data()) {
		t.Error("head.weight is not tok_emb.weight in the file")
	}
}
