package bench

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/adjoint-go/adjoint/layers/safetensors"
	"github.com/adjoint-go/adjoint/tensor"
)

// How PyTorch gets the same numbers: TestExportWorkloads writes each
// benchmarked workload to a safetensors file, which peers/torch_bench.py
// reads. A file holds
//
//	param.<name>   every parameter's initial value, under PyTorch's name
//	grad.<name>    its gradient after the first backward pass of the plain
//	               loop, before any update (train and grad workloads only;
//	               for the elementwise chain, the gradient of its input x)
//	data.<name>    the batch (labels and token ids as whole numbers)
//	__metadata__   workload (its name), kind (train, grad or infer),
//	               config (a JSON object of sizes), values (a JSON list of
//	               the check values of the first exportSteps steps of the
//	               plain loop: the loss before each Adam step, or for
//	               inference the sum of the squared logits)
//
// The script builds the same model in PyTorch from these tensors, runs the
// same steps and checks that its values agree with Adjoint's, and that its
// gradients after the first backward pass agree with grad.<name>. The
// losses alone would not catch a wrong gradient: Adam divides each update
// by the gradient's running RMS, so a gradient scaled by a constant moves
// the weights, and the next losses, almost as the right one does.

// exportEnv names the directory TestExportWorkloads writes to.
const exportEnv = "ADJOINT_BENCH_EXPORT"

// exportSteps is how many steps' values each file records.
const exportSteps = 3

// namedWorkload is a benchmarked workload and the name the export and
// peers/torch_bench.py know it by.
type namedWorkload struct {
	name  string
	kind  string // train, grad or infer
	bench string // the Go sub-benchmark of its plain form, without "/plain"
	mk    func() *workload
}

// benchWorkloads returns the workloads of issue 10, and the transformer
// block and LSTM written with the sequence layers (issue 12), at the
// benchmarks' sizes.
func benchWorkloads() []namedWorkload {
	return []namedWorkload{
		{"mlp_adam_64", "train", "MLPAdamStep/batch=64", func() *workload { return newMLPAdam(64) }},
		{"mlp_adam_256", "train", "MLPAdamStep/batch=256", func() *workload { return newMLPAdam(256) }},
		{"cnn_64", "train", "CNNStep/batch=64", func() *workload { return newCNN(64) }},
		{"gpt", "train", "GPTStep", func() *workload { return newGPTWorkload(8, 64) }},
		{"lstm", "train", "LSTMStep", func() *workload { return newLSTMWorkload(32, 32) }},
		{"elementwise", "grad", "Elementwise/n=1e6", func() *workload { return newElementwise(1_000_000) }},
		{"mlp_infer_256", "infer", "MLPInference/batch=256", func() *workload { return newMLPInference(256) }},
		{"seq_transformer", "train", "TransformerBlockStep", func() *workload { return newSeqTransformerWorkload(8, 64) }},
		{"seq_lstm", "train", "LSTMLayerStep", func() *workload {
			return newLSTMLayerWorkload(seqLSTMSteps, seqLSTMBatch, seqLSTMIn, seqLSTMHidden)
		}},
	}
}

// firstGrads runs the first forward and backward pass of the plain loop on
// a fresh workload from mk and returns every parameter's gradient then,
// before any update, in the order of its parameters, each named
// grad.<name>. An inference workload has none.
func firstGrads(mk func() *workload) (names []string, grads []*tensor.Tensor[float32]) {
	w := mk()
	if w.kind == inferStep {
		return nil, nil
	}
	r := newRunner(w, false)
	w.forward(r.in).Backward()
	for _, p := range w.params {
		names = append(names, "grad."+p.Name)
		grads = append(grads, p.Param.Grad())
	}
	return names, grads
}

// exportWorkload writes nw's workload to path: its initial parameters and
// batch, the parameters' gradients after the first backward pass, and the
// check values of the first exportSteps plain steps, which must equal those
// under an Arena (t fails otherwise).
func exportWorkload(t *testing.T, path string, nw namedWorkload) {
	t.Helper()
	w := nw.mk()
	var named []safetensors.Named
	for _, p := range w.params {
		named = append(named, safetensors.Of("param."+p.Name, p.Param.Value()))
	}
	gnames, grads := firstGrads(nw.mk)
	for i, g := range grads {
		named = append(named, safetensors.Of(gnames[i], g))
	}
	for name, d := range w.data {
		named = append(named, safetensors.Of("data."+name, d))
	}
	values := checkArenaMatchesPlain(t, nw.mk, exportSteps)
	config, err := json.Marshal(w.config)
	if err != nil {
		t.Fatal(err)
	}
	strs := make([]string, len(values))
	for i, v := range values {
		strs[i] = strconv.FormatFloat(v, 'g', -1, 64)
	}
	vals, err := json.Marshal(strs)
	if err != nil {
		t.Fatal(err)
	}
	meta := map[string]string{"workload": nw.name, "kind": nw.kind, "bench": nw.bench, "config": string(config), "values": string(vals)}
	if err := safetensors.WriteFile(path, named, meta); err != nil {
		t.Fatal(err)
	}
}

// TestExportWorkloads writes every benchmarked workload to the directory
// named by $ADJOINT_BENCH_EXPORT, for peers/torch_bench.py. Without it, it
// is skipped: the workloads at full size are too slow for every test run
// (TestExportRoundTrip checks the export on small ones).
func TestExportWorkloads(t *testing.T) {
	dir := os.Getenv(exportEnv)
	if dir == "" {
		t.Skip("set " + exportEnv + " to a directory to export the workloads for peers/torch_bench.py")
	}
	for _, nw := range benchWorkloads() {
		exportWorkload(t, filepath.Join(dir, nw.name+".safetensors"), nw)
	}
}

// TestExportRoundTrip exports small workloads of each kind and reads them
// back: every parameter, gradient and batch tensor, with its name and
// shape, and the metadata.
func TestExportRoundTrip(t *testing.T) {
	for _, nw := range []namedWorkload{
		{"cnn", "train", "", func() *workload { return newCNN(2) }},
		{"elementwise", "grad", "", func() *workload { return newElementwise(10) }},
		{"infer", "infer", "", func() *workload { return newMLPInference(2) }},
	} {
		path := filepath.Join(t.TempDir(), nw.name+".safetensors")
		exportWorkload(t, path, nw)
		f, err := safetensors.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		w := nw.mk()
		want := map[string]*tensor.Tensor[float32]{}
		for _, p := range w.params {
			want["param."+p.Name] = p.Param.Value()
		}
		for name, d := range w.data {
			want["data."+name] = d
		}
		gnames, grads := firstGrads(nw.mk)
		if (len(grads) == 0) != (nw.kind == "infer") {
			t.Errorf("%s: %d gradients for a workload of kind %s", nw.name, len(grads), nw.kind)
		}
		for i, g := range grads {
			want[gnames[i]] = g
		}
		names := f.Names()
		slices.Sort(names)
		if len(names) != len(want) {
			t.Errorf("%s: file holds %q, want %d tensors", nw.name, names, len(want))
		}
		for name, wt := range want {
			got, err := f.Float32(name)
			if err != nil {
				t.Errorf("%s: %v", nw.name, err)
				continue
			}
			if !slices.Equal(got.Shape(), wt.Shape()) || !slices.Equal(got.Data(), wt.Data()) {
				t.Errorf("%s: %s read back as %v, want shape %v", nw.name, name, got.Shape(), wt.Shape())
			}
		}
		meta := f.Metadata()
		var vals []string
		if err := json.Unmarshal([]byte(meta["values"]), &vals); err != nil || len(vals) != exportSteps {
			t.Errorf("%s: values %q (%v), want %d numbers", nw.name, meta["values"], err, exportSteps)
		}
		for _, v := range vals {
			if x, err := strconv.ParseFloat(v, 64); err != nil || math.IsNaN(x) {
				t.Errorf("%s: value %q", nw.name, v)
			}
		}
		if meta["workload"] != nw.name || meta["kind"] != nw.kind {
			t.Errorf("%s: metadata %v", nw.name, meta)
		}
	}
}
