package layers_test

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
)

// The PyTorch cross-check: testdata/torchlayers/gen.py runs torch.nn
// modules and records their outputs, gradients and buffers step by step;
// this test rebuilds each module with Adjoint, loads the torch state by its
// state_dict names and replays the steps. See gen.py for the file's layout.

type torchTensor struct {
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

func (t *torchTensor) tensor() *tensor.Tensor[float64] {
	return tensor.MustNew(append([]float64(nil), t.Data...), t.Shape...)
}

func (t *torchTensor) view() tensorView { return tensorView{Shape: t.Shape, Data: t.Data} }

type torchConfig struct {
	Kind     string   `json:"kind"`
	Num      int      `json:"num"`
	Dim      int      `json:"dim"`
	In       int      `json:"in"`
	Out      int      `json:"out"`
	Eps      *float64 `json:"eps"`
	Momentum *float64 `json:"momentum"`
	Shape    []int    `json:"shape"`
	Kernel   []int    `json:"kernel"`
	Stride   []int    `json:"stride"`
	Padding  []int    `json:"padding"`
	Dilation []int    `json:"dilation"`
	Bias     *bool    `json:"bias"`
	Slope    float64  `json:"slope"`
	Alpha    float64  `json:"alpha"`
	Axis     int      `json:"axis"`
}

type torchStep struct {
	Training   bool                    `json:"training"`
	Input      torchTensor             `json:"input"`
	Output     torchTensor             `json:"output"`
	GradOutput torchTensor             `json:"grad_output"`
	InputGrad  *torchTensor            `json:"input_grad"`
	Grads      map[string]torchTensor  `json:"grads"`
	Buffers    map[string]*torchTensor `json:"buffers"`
}

type torchCase struct {
	Name    string                  `json:"name"`
	Config  torchConfig             `json:"config"`
	Params  map[string]torchTensor  `json:"params"`
	Buffers map[string]*torchTensor `json:"buffers"`
	Steps   []torchStep             `json:"steps"`
}

func pair(s []int) [2]int {
	if s == nil {
		return [2]int{}
	}
	return [2]int{s[0], s[1]}
}

// build returns the Adjoint module for a case's configuration.
func (c torchConfig) build(t *testing.T) layers.Module[float64] {
	rng := newRNG(1) // every value is overwritten by the torch state
	switch c.Kind {
	case "batchnorm1d":
		bn := layers.NewBatchNorm1d[float64](c.Num)
		if c.Eps != nil {
			bn.Eps = *c.Eps
		}
		if c.Momentum != nil {
			bn.Momentum = *c.Momentum
		}
		return bn
	case "layernorm":
		return layers.NewLayerNorm[float64](c.Shape...)
	case "conv2d":
		conv := layers.NewConv2D[float64](rng, c.In, c.Out, pair(c.Kernel),
			layers.Conv2DOptions{Stride: pair(c.Stride), Padding: pair(c.Padding), Dilation: pair(c.Dilation)}, nil)
		if c.Bias != nil && !*c.Bias {
			conv.Bias = nil
		}
		return conv
	case "maxpool2d":
		return &layers.MaxPool2D[float64]{Kernel: pair(c.Kernel), Stride: pair(c.Stride), Padding: pair(c.Padding)}
	case "avgpool2d":
		return &layers.AvgPool2D[float64]{Kernel: pair(c.Kernel), Stride: pair(c.Stride), Padding: pair(c.Padding)}
	case "embedding":
		return layers.NewEmbedding[float64](rng, c.Num, c.Dim, nil)
	case "sequential":
		return layers.NewSequential[float64](
			layers.NewLinear[float64](rng, 4, 6, nil),
			layers.NewBatchNorm1d[float64](6),
			layers.ReLU[float64]{},
			layers.NewSequential[float64](layers.NewLinear[float64](rng, 6, 5, nil), layers.NewLayerNorm[float64](5), layers.GELU[float64]{}),
			layers.NewLinear[float64](rng, 5, 2, nil),
		)
	case "leakyrelu":
		return layers.LeakyReLU[float64]{Slope: c.Slope}
	case "elu":
		return layers.ELU[float64]{Alpha: c.Alpha}
	case "gelu":
		return layers.GELU[float64]{}
	case "gelu_tanh":
		return layers.GELU[float64]{Tanh: true}
	case "silu":
		return layers.SiLU[float64]{}
	case "softplus":
		return layers.Softplus[float64]{}
	case "softmax":
		return layers.Softmax[float64]{Axis: c.Axis}
	case "logsoftmax":
		return layers.LogSoftmax[float64]{Axis: c.Axis}
	}
	t.Fatalf("unknown kind %q", c.Kind)
	return nil
}

func TestTorchLayers(t *testing.T) {
	raw, err := os.ReadFile("testdata/torchlayers/torchlayers.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Cases []torchCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Cases) < 19 {
		t.Fatalf("only %d cases in the file", len(file.Cases))
	}
	tol := approx(1e-10)
	for _, tc := range file.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			m := tc.Config.build(t)
			// The state_dict names are Adjoint's names.
			params := map[string]*autograd.Var[float64]{}
			for _, p := range m.NamedParameters() {
				params[p.Name] = p.Param
			}
			buffers := map[string]*tensor.Tensor[float64]{}
			for _, b := range layers.BuffersOf(m) {
				buffers[b.Name] = b.Buffer
			}
			if diff := cmp.Diff(sortedKeys(tc.Params), sortedKeys(params)); diff != "" {
				t.Fatalf("parameter names (-torch +adjoint):\n%s", diff)
			}
			if diff := cmp.Diff(sortedKeys(tc.Buffers), sortedKeys(buffers)); diff != "" {
				t.Fatalf("buffer names (-torch +adjoint):\n%s", diff)
			}
			for name, v := range tc.Params {
				params[name].Value().CopyFrom(v.tensor())
			}
			for name, v := range tc.Buffers {
				buffers[name].CopyFrom(v.tensor())
			}

			for i, st := range tc.Steps {
				layers.SetTraining(m, st.Training)
				var x *autograd.Var[float64]
				if st.InputGrad == nil {
					x = autograd.Const(st.Input.tensor()) // ids
				} else {
					x = autograd.Param(st.Input.tensor())
				}
				out := m.Forward(x)
				if diff := cmp.Diff(st.Output.view(), viewOf(out.Value()), tol); diff != "" {
					t.Fatalf("step %d (training %v): output (-torch +adjoint):\n%s", i, st.Training, diff)
				}
				autograd.Sum(autograd.Mul(out, autograd.Const(st.GradOutput.tensor()))).Backward()
				if st.InputGrad != nil {
					if diff := cmp.Diff(st.InputGrad.view(), viewOf(x.Grad()), tol); diff != "" {
						t.Errorf("step %d: input gradient (-torch +adjoint):\n%s", i, diff)
					}
				}
				for name, g := range st.Grads {
					if diff := cmp.Diff(g.view(), viewOf(params[name].Grad()), tol); diff != "" {
						t.Errorf("step %d: gradient of %s (-torch +adjoint):\n%s", i, name, diff)
					}
				}
				autograd.ZeroGrad(m.Parameters()...)
				for name, b := range st.Buffers {
					if diff := cmp.Diff(b.view(), viewOf(buffers[name]), tol); diff != "" {
						t.Errorf("step %d: buffer %s (-torch +adjoint):\n%s", i, name, diff)
					}
				}
			}
		})
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
