package layers_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

// oneStepRef is testdata/rnn_one_step/one_step.json (see its gen.py).
type oneStepRef struct {
	InputSize  int     `json:"input_size"`
	HiddenSize int     `json:"hidden_size"`
	LR         float64 `json:"lr"`
	Steps      int     `json:"steps"`
	Cases      []struct {
		Name          string               `json:"name"`
		Kind          string               `json:"kind"`
		NumLayers     int                  `json:"num_layers"`
		Bidirectional bool                 `json:"bidirectional"`
		BatchFirst    bool                 `json:"batch_first"`
		Nonlinearity  string               `json:"nonlinearity"`
		X             refTensor            `json:"x"`
		Initial       map[string]refTensor `json:"initial"`
		Final         map[string]refTensor `json:"final"`
	} `json:"cases"`
}

type refTensor struct {
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

// TestRecurrentOneStepAdamW trains RNN, LSTM and GRU on a sequence of one
// time step with no initial state for two AdamW steps, from torch's
// weights, and wants torch's weights after them to 1e-12 relative. The
// gradient of every weight_hh (the reverse ones too) is then zero, and
// torch gives it so: AdamW decays the weight by lr·weight_decay and counts
// the step. RNN and LSTM skipped h0·W_hhᵀ for a zero h0, which left
// weight_hh with no gradient at all, so the optimizer skipped it.
func TestRecurrentOneStepAdamW(t *testing.T) {
	raw, err := os.ReadFile("testdata/rnn_one_step/one_step.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref oneStepRef
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Cases) == 0 {
		t.Fatal("no cases")
	}
	for _, c := range ref.Cases {
		t.Run(c.Name, func(t *testing.T) {
			o := layers.RecurrentOptions{NumLayers: c.NumLayers, Bidirectional: c.Bidirectional, BatchFirst: c.BatchFirst}
			if c.Nonlinearity == "relu" {
				o.Nonlinearity = layers.RNNReLU
			}
			rng := newRNG(1)
			var m layers.Module[float64]
			var loss func(x *autograd.Var[float64]) *autograd.Var[float64]
			meanSq := func(v *autograd.Var[float64]) *autograd.Var[float64] { return autograd.Mean(autograd.Mul(v, v)) }
			switch c.Kind {
			case "rnn":
				r := layers.NewRNN[float64](rng, ref.InputSize, ref.HiddenSize, o)
				m, loss = r, func(x *autograd.Var[float64]) *autograd.Var[float64] {
					out, hn := r.ForwardState(x, nil, nil)
					return autograd.Add(meanSq(out), meanSq(hn))
				}
			case "lstm":
				r := layers.NewLSTM[float64](rng, ref.InputSize, ref.HiddenSize, o)
				m, loss = r, func(x *autograd.Var[float64]) *autograd.Var[float64] {
					out, hn, cn := r.ForwardState(x, nil, nil, nil)
					return autograd.Add(autograd.Add(meanSq(out), meanSq(hn)), meanSq(cn))
				}
			case "gru":
				r := layers.NewGRU[float64](rng, ref.InputSize, ref.HiddenSize, o)
				m, loss = r, func(x *autograd.Var[float64]) *autograd.Var[float64] {
					out, hn := r.ForwardState(x, nil, nil)
					return autograd.Add(meanSq(out), meanSq(hn))
				}
			default:
				t.Fatalf("unknown kind %q", c.Kind)
			}
			named := m.NamedParameters()
			if len(named) != len(c.Initial) {
				t.Fatalf("%d parameters, torch %d", len(named), len(c.Initial))
			}
			for _, p := range named {
				w, ok := c.Initial[p.Name]
				if !ok || !cmp.Equal(w.Shape, p.Param.Shape()) {
					t.Fatalf("parameter %s %v: torch has %v", p.Name, p.Param.Shape(), w.Shape)
				}
				copy(p.Param.Value().Data(), w.Data)
			}
			x := autograd.Const(tensor.MustNew(c.X.Data, c.X.Shape...))
			opt, err := optim.NewAdamW(m.Parameters(), ref.LR)
			if err != nil {
				t.Fatal(err)
			}
			for range ref.Steps {
				opt.ZeroGrad()
				loss(x).Backward()
				for _, p := range named {
					if p.Param.Grad() == nil {
						t.Fatalf("%s has no gradient; torch gives it one", p.Name)
					}
				}
				if err := opt.Step(); err != nil {
					t.Fatal(err)
				}
			}
			for _, p := range named {
				w := c.Final[p.Name]
				if diff := cmp.Diff(view(w.Shape, w.Data...), viewOf(p.Param.Value()), approx(1e-12)); diff != "" {
					t.Errorf("%s after %d AdamW steps (-torch +adjoint):\n%s", p.Name, ref.Steps, diff)
				}
			}
		})
	}
}
