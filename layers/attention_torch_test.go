package layers_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// The PyTorch cross-check of MultiheadAttention: testdata/attention/mha.json
// holds torch.nn.MultiheadAttention (batch_first) with random weights, its
// output on fixed inputs, and the gradients of sum(out ∘ W) for the inputs
// and every parameter. autograd/testdata/torchref/gen_attention.py writes
// it when run on its own (see its doc).

type mhaCase struct {
	Name          string                 `json:"name"`
	EmbedDim      int                    `json:"embed_dim"`
	NumHeads      int                    `json:"num_heads"`
	Bias          bool                   `json:"bias"`
	SelfAttention bool                   `json:"self_attention"`
	Causal        bool                   `json:"causal"`
	KeyPadding    []bool                 `json:"key_padding_mask"`
	Params        map[string]torchTensor `json:"params"`
	Inputs        []torchTensor          `json:"inputs"`
	Output        torchTensor            `json:"output"`
	GradOutput    torchTensor            `json:"grad_output"`
	InputGrads    []torchTensor          `json:"input_grads"`
	ParamGrads    map[string]torchTensor `json:"param_grads"`
}

func loadMHACases(t *testing.T) []mhaCase {
	t.Helper()
	b, err := os.ReadFile("testdata/attention/mha.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Cases        []mhaCase `json:"cases"`
		Generator    string    `json:"generator"`
		TorchVersion string    `json:"torch_version"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) < 3 {
		t.Fatalf("%d cases, want the whole file", len(f.Cases))
	}
	return f.Cases
}

// TestMultiheadAttentionMatchesTorch loads each case's torch weights by
// their state_dict names and compares the output and every gradient.
func TestMultiheadAttentionMatchesTorch(t *testing.T) {
	opts := approx(1e-10)
	for _, c := range loadMHACases(t) {
		t.Run(c.Name, func(t *testing.T) {
			m := layers.NewMultiheadAttention[float64](newRNG(1), c.EmbedDim, c.NumHeads)
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
				p.Param.Value().CopyFrom(want.tensor())
			}
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
			var out *autograd.Var[float64]
			if c.SelfAttention && pad == nil {
				m.Causal = c.Causal
				out = m.Forward(q)
			} else {
				out = m.Attend(q, k, v, pad, c.Causal)
			}
			if d := cmp.Diff(c.Output.view(), viewOf(out.Value()), opts); d != "" {
				t.Fatalf("output differs from torch (-torch +adjoint):\n%s", d)
			}
			autograd.Sum(autograd.Mul(out, autograd.Const(c.GradOutput.tensor()))).Backward()
			for i, in := range ins {
				if d := cmp.Diff(c.InputGrads[i].view(), viewOf(in.Grad()), opts); d != "" {
					t.Errorf("gradient of input %d differs from torch (-torch +adjoint):\n%s", i, d)
				}
			}
			for _, p := range named {
				want := c.ParamGrads[p.Name]
				if d := cmp.Diff(want.view(), viewOf(p.Param.Grad()), opts); d != "" {
					t.Errorf("gradient of %s differs from torch (-torch +adjoint):\n%s", p.Name, d)
				}
			}
		})
	}
}
