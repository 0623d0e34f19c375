package layers_test

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

// trainTorchRef is testdata/train_torch/train.json (see its gen.py).
type trainTorchRef struct {
	IDs     [][]int   `json:"ids"`
	Labels  []int     `json:"labels"`
	Steps   int       `json:"steps"`
	Losses  []float64 `json:"losses"`
	LRs     []float64 `json:"lrs"`
	Initial map[string]struct {
		Shape []int     `json:"shape"`
		Data  []float64 `json:"data"`
	} `json:"initial"`
	Final map[string]struct {
		Shape []int     `json:"shape"`
		Data  []float64 `json:"data"`
	} `json:"final"`
}

// TestTrainLikeTorch trains the 1-D CNN text classifier of
// testdata/train_torch/gen.py for eight steps from torch's initial weights:
// EmbeddingPadded, Permute, Conv1D with reflect and circular padding,
// PReLU, MaxPool1D, Tanhshrink, AvgPool1D in ceil mode, Linear and
// cross-entropy, with Adagrad (every option) under OneCycleLR. Each step's
// loss and learning rate, and every weight after the eight steps, must be
// torch's to 1e-12 relative, and the padding row must stay exactly zero.
func TestTrainLikeTorch(t *testing.T) {
	raw, err := os.ReadFile("testdata/train_torch/train.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref trainTorchRef
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	rng := newRNG(1)
	emb := layers.NewEmbeddingPadded[float64](rng, 20, 8, 0, nil)
	conv1 := layers.NewConv1D[float64](rng, 8, 6, 3, layers.Conv1DOptions{Padding: 1}, nil)
	conv1.PaddingMode = autograd.PadReflect
	act := layers.NewPReLU[float64](6, 0.25)
	conv2 := layers.NewConv1D[float64](rng, 6, 4, 3, layers.Conv1DOptions{Padding: 1}, nil)
	conv2.PaddingMode = autograd.PadCircular
	fc := layers.NewLinear[float64](rng, 4*3, 3, nil)
	net := layers.NewNamed[float64](
		layers.NamedModule[float64]{Name: "emb", Module: emb}, layers.NamedModule[float64]{Name: "conv1", Module: conv1},
		layers.NamedModule[float64]{Name: "act", Module: act}, layers.NamedModule[float64]{Name: "conv2", Module: conv2},
		layers.NamedModule[float64]{Name: "fc", Module: fc})
	for _, p := range net.NamedParameters() {
		w, ok := ref.Initial[p.Name]
		if !ok || !cmp.Equal(w.Shape, p.Param.Shape()) {
			t.Fatalf("parameter %s %v: torch has %v", p.Name, p.Param.Shape(), w.Shape)
		}
		copy(p.Param.Value().Data(), w.Data)
	}
	if len(net.NamedParameters()) != len(ref.Initial) {
		t.Fatalf("%d parameters, torch %d", len(net.NamedParameters()), len(ref.Initial))
	}
	var flat []float64
	for _, row := range ref.IDs {
		for _, id := range row {
			flat = append(flat, float64(id))
		}
	}
	ids := autograd.Const(tensor.MustNew(flat, len(ref.IDs), len(ref.IDs[0])))
	forward := func() *autograd.Var[float64] {
		h := layers.Permute[float64]{Axes: []int{0, 2, 1}}.Forward(emb.Forward(ids))
		h = (&layers.MaxPool1D[float64]{Kernel: 2}).Forward(act.Forward(conv1.Forward(h)))
		h = (&layers.AvgPool1D[float64]{Kernel: 2, CeilMode: true}).Forward(layers.Tanhshrink[float64]{}.Forward(conv2.Forward(h)))
		return autograd.CrossEntropy(fc.Forward(layers.Flatten[float64]{}.Forward(h)), ref.Labels)
	}

	opt, err := optim.NewAdagrad(net.Parameters(), 0.1, optim.LRDecay(0.01), optim.InitialAccumulator(0.1), optim.WeightDecay(0.01))
	if err != nil {
		t.Fatal(err)
	}
	schedule, err := optim.NewOneCycleLR(optim.OneCycleConfig{Max: 0.1, Total: ref.Steps})
	if err != nil {
		t.Fatal(err)
	}
	sched, err := optim.NewScheduler(opt, schedule)
	if err != nil {
		t.Fatal(err)
	}
	close := func(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }
	for step := range ref.Steps {
		if !close(opt.LR(), ref.LRs[step]) {
			t.Errorf("step %d: learning rate %v, torch %v", step, opt.LR(), ref.LRs[step])
		}
		loss := forward()
		if !close(loss.Item(), ref.Losses[step]) {
			t.Errorf("step %d: loss %.17g, torch %.17g", step, loss.Item(), ref.Losses[step])
		}
		loss.Backward()
		if err := opt.Step(); err != nil {
			t.Fatal(err)
		}
		opt.ZeroGrad()
		if err := sched.Step(); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range net.NamedParameters() {
		want := ref.Final[p.Name].Data
		for i, v := range p.Param.Value().Data() {
			if !close(v, want[i]) {
				t.Errorf("%s[%d] after %d steps: %.17g, torch %.17g", p.Name, i, ref.Steps, v, want[i])
				break
			}
		}
	}
	for _, v := range emb.Weight.Value().Data()[:8] {
		if v != 0 {
			t.Fatalf("the padding row moved: %v", emb.Weight.Value().Data()[:8])
		}
	}
}
