package layers_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// The PyTorch cross-check of MultiheadAttention's options:
// testdata/attention/mha_options.json (written by gen_mha_options.py next
// to it) holds torch.nn.MultiheadAttention (batch_first, float64) with
// random weights, some with kdim and vdim other than E, its output and
// attention weights (need_weights=True, averaged or per head) on fixed
// inputs, and the gradients of the inputs and every parameter of
// sum(out ∘ W) and of sum(out ∘ W) + sum(weights ∘ WW).

type mhaOptionsGrads struct {
	Inputs []torchTensor          `json:"inputs"`
	Params map[string]torchTensor `json:"params"`
}

type mhaOptionsCase struct {
	Name          string                 `json:"name"`
	EmbedDim      int                    `json:"embed_dim"`
	NumHeads      int                    `json:"num_heads"`
	KDim          int                    `json:"kdim"`
	VDim          int                    `json:"vdim"`
	Bias          bool                   `json:"bias"`
	SelfAttention bool                   `json:"self_attention"`
	Causal        bool                   `json:"causal"`
	Average       bool                   `json:"average"`
	KeyPadding    []bool                 `json:"key_padding_mask"`
	ModelFile     string                 `json:"model_file"`
	Params        map[string]torchTensor `json:"params"`
	Inputs        []torchTensor          `json:"inputs"`
	Output        torchTensor            `json:"output"`
	Weights       torchTensor            `json:"weights"`
	GradOutput    torchTensor            `json:"grad_output"`
	GradWeights   torchTensor            `json:"grad_weights"`
	OutGrads      mhaOptionsGrads        `json:"out_grads"`
	AllGrads      mhaOptionsGrads        `json:"all_grads"`
}

func loadMHAOptionsCases(t *testing.T) []mhaOptionsCase {
	t.Helper()
	b, err := os.ReadFile("testdata/attention/mha_options.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Cases []mhaOptionsCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) < 7 {
		t.Fatalf("%d cases, want the whole file", len(f.Cases))
	}
	return f.Cases
}

// mhaFromTorch builds the layer of case c and gives it torch's weights:
// from the case's model file with layers.LoadFile when it has one, by
// their state_dict names otherwise, checking that the names and shapes
// are torch's.
func mhaFromTorch(t *testing.T, c mhaOptionsCase) *layers.MultiheadAttention[float64] {
	t.Helper()
	m := layers.NewMultiheadAttentionKV[float64](newRNG(1), c.EmbedDim, c.NumHeads, c.KDim, c.VDim)
	if !c.Bias {
		m.InProjBias, m.OutProj.Bias = nil, nil
	}
	named := m.NamedParameters()
	if len(named) != len(c.Params) {
		t.Fatalf("%d parameters, torch has %d", len(named), len(c.Params))
	}
	for _, p := range named {
		want, ok := c.Params[p.Name]
		if !ok {
			t.Fatalf("torch has no parameter %q", p.Name)
		}
		if !p.Param.Value().HasShape(want.Shape...) {
			t.Fatalf("%s: shape %v, torch %v", p.Name, p.Param.Value().Shape(), want.Shape)
		}
		if c.ModelFile == "" {
			p.Param.Value().CopyFrom(want.tensor())
		}
	}
	if c.ModelFile != "" {
		if err := layers.LoadFile(filepath.Join("testdata", "attention", c.ModelFile), layers.Module[float64](m)); err != nil {
			t.Fatal(err)
		}
		for _, p := range named {
			want := c.Params[p.Name]
			if d := cmp.Diff(want.view(), viewOf(p.Param.Value()), approx(0)); d != "" {
				t.Fatalf("%s loaded from torch's file differs from torch's (-torch +adjoint):\n%s", p.Name, d)
			}
		}
	}
	return m
}

// TestMultiheadAttentionOptionsMatchTorch runs each case twice, with
// torch's weights: through Attend (output and the gradients of
// sum(out ∘ W)) and through AttendWeights (output, weights and the
// gradients of sum(out ∘ W) + sum(weights ∘ WW)).
func TestMultiheadAttentionOptionsMatchTorch(t *testing.T) {
	opts := approx(1e-10)
	for _, c := range loadMHAOptionsCases(t) {
		for _, withWeights := range []bool{false, true} {
			name := c.Name + "/Attend"
			if withWeights {
				name = c.Name + "/AttendWeights"
			}
			t.Run(name, func(t *testing.T) {
				m := mhaFromTorch(t, c)
				ins := make([]*autograd.Var[float64], len(c.Inputs))
				for i, in := range c.Inputs {
					ins[i] = autograd.Param(in.tensor())
				}
				q, k, v := ins[0], ins[0], ins[0]
				if !c.SelfAttention {
					k, v = ins[1], ins[2]
				}
				var pad *tensor.Mask
				if c.KeyPadding != nil {
					pad = tensor.MustMask(c.KeyPadding, k.Value().Dim(0), k.Value().Dim(1))
				}
				var out, weights *autograd.Var[float64]
				want := c.OutGrads
				if withWeights {
					out, weights = m.AttendWeights(q, k, v, pad, c.Causal, !c.Average)
					want = c.AllGrads
				} else {
					out = m.Attend(q, k, v, pad, c.Causal)
				}
				if d := cmp.Diff(c.Output.view(), viewOf(out.Value()), opts); d != "" {
					t.Fatalf("output differs from torch (-torch +adjoint):\n%s", d)
				}
				loss := autograd.Sum(autograd.Mul(out, autograd.Const(c.GradOutput.tensor())))
				if withWeights {
					if d := cmp.Diff(c.Weights.view(), viewOf(weights.Value()), opts); d != "" {
						t.Fatalf("weights differ from torch (-torch +adjoint):\n%s", d)
					}
					loss = autograd.Add(loss, autograd.Sum(autograd.Mul(weights, autograd.Const(c.GradWeights.tensor()))))
				}
				loss.Backward()
				for i, in := range ins {
					if d := cmp.Diff(want.Inputs[i].view(), viewOf(in.Grad()), opts); d != "" {
						t.Errorf("gradient of input %d differs from torch (-torch +adjoint):\n%s", i, d)
					}
				}
				for _, p := range m.NamedParameters() {
					g := want.Params[p.Name]
					if d := cmp.Diff(g.view(), viewOf(p.Param.Grad()), opts); d != "" {
						t.Errorf("gradient of %s differs from torch (-torch +adjoint):\n%s", p.Name, d)
					}
				}
			})
		}
	}
}
