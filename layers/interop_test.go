package layers_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// The PyTorch interop proof (issue 12): testdata/interop/gen.py builds
// torch.nn modules, loads the safetensors files Adjoint wrote
// (adjoint_<case>.safetensors) with load_state_dict(strict=True), and
// records outputs and gradients; it also writes torch's own state as
// torch_<case>.safetensors. TestInterop replays every case with Adjoint,
// in float64 and float32, and loads torch's files. gen.py's doc describes
// the files; testdata/interop/README.md the steps to add a family.

var updateInterop = flag.Bool("update-interop", false,
	"write the missing testdata/interop/adjoint_*.safetensors from the cases' configs")

const interopDir = "testdata/interop"

// interopForward runs a case's module on its inputs and returns the outputs
// in the order gen_<family>.py's forward returns them.
type interopForward[T layers.Float] func(in []*autograd.Var[T]) []*autograd.Var[T]

// interopBuilder builds a family's module from a case's config, drawing
// its initial weights from rng (they are replaced when a file is loaded),
// and the forward that runs it.
type interopBuilder[T layers.Float] func(t *testing.T, cfg json.RawMessage, rng *rand.Rand) (layers.Module[T], interopForward[T])

// interopFamily is a family's Go side: its builder in both element types.
type interopFamily struct {
	build64 interopBuilder[float64]
	build32 interopBuilder[float32]
}

// interopFamilies maps a family (gen_<family>.py) to its Go side; each
// interop_<family>_test.go registers its own in an init function.
var interopFamilies = map[string]interopFamily{}

type interopResults struct {
	Inputs      []torchTensor          `json:"inputs"`
	Outputs     []torchTensor          `json:"outputs"`
	GradOutputs []torchTensor          `json:"grad_outputs"`
	InputGrads  []torchTensor          `json:"input_grads"`
	ParamGrads  map[string]torchTensor `json:"param_grads"`
}

type interopCase struct {
	Name       string                 `json:"name"`
	Family     string                 `json:"family"`
	Config     json.RawMessage        `json:"config"`
	Training   bool                   `json:"training"`
	TorchDType string                 `json:"torch_dtype"`
	TorchState map[string]torchTensor `json:"torch_state"`
	Results    *interopResults        `json:"results"`
}

// loadInteropCases reads every <family>.json of testdata/interop.
func loadInteropCases(t *testing.T) []interopCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(interopDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no interop cases in %s (%v)", interopDir, err)
	}
	var all []interopCase
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Cases []interopCase `json:"cases"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		all = append(all, doc.Cases...)
	}
	return all
}

func interopRNG(name string) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(crc32.ChecksumIEEE([]byte(name))), 0x1e7e40))
}

// TestInterop checks every case of testdata/interop against PyTorch.
func TestInterop(t *testing.T) {
	for _, c := range loadInteropCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			fam, ok := interopFamilies[c.Family]
			if !ok {
				t.Fatalf("family %q has no Go side (interop_%s_test.go)", c.Family, c.Family)
			}
			adjFile := filepath.Join(interopDir, "adjoint_"+c.Name+".safetensors")
			if _, err := os.Stat(adjFile); err != nil {
				if !*updateInterop {
					t.Fatalf("%s is missing: run go test ./layers -run TestInterop -update-interop, then gen.py", adjFile)
				}
				m, _ := fam.build64(t, c.Config, interopRNG(c.Name))
				if err := layers.SaveFile(adjFile, m); err != nil {
					t.Fatal(err)
				}
				t.Logf("wrote %s: now run /usr/bin/python3 %s/gen.py", adjFile, interopDir)
			}
			if c.Results == nil {
				t.Fatalf("no PyTorch results for %s: run /usr/bin/python3 %s/gen.py", c.Name, interopDir)
			}
			t.Run("float64", func(t *testing.T) { replayInterop(t, c, adjFile, fam.build64, 1e-9) })
			t.Run("float32", func(t *testing.T) { replayInterop(t, c, adjFile, fam.build32, 1e-5) })
			t.Run("torch_file", func(t *testing.T) {
				loadTorchInterop(t, c, fam.build64)
				loadTorchInterop(t, c, fam.build32)
			})
		})
	}
}

// replayInterop loads Adjoint's file into a fresh module, runs the case and
// compares the outputs and gradients with PyTorch's.
func replayInterop[T layers.Float](t *testing.T, c interopCase, file string, build interopBuilder[T], tol float64) {
	m, fwd := build(t, c.Config, interopRNG("other"+c.Name))
	if err := layers.LoadFile(file, m); err != nil {
		t.Fatal(err)
	}
	layers.SetTraining(m, c.Training)
	r := c.Results
	ins := make([]*autograd.Var[T], len(r.Inputs))
	for i, x := range r.Inputs {
		ins[i] = autograd.Param(convert[T](x.tensor()))
	}
	outs := fwd(ins)
	if len(outs) != len(r.Outputs) {
		t.Fatalf("%d outputs, torch has %d", len(outs), len(r.Outputs))
	}
	opts := approx(tol)
	var loss *autograd.Var[T]
	for i, o := range outs {
		if d := cmp.Diff(r.Outputs[i].view(), viewOf(o.Value()), opts); d != "" {
			t.Errorf("output %d differs from torch (-torch +adjoint):\n%s", i, d)
		}
		term := autograd.Sum(autograd.Mul(o, autograd.Const(convert[T](r.GradOutputs[i].tensor()))))
		if loss == nil {
			loss = term
		} else {
			loss = autograd.Add(loss, term)
		}
	}
	loss.Backward()
	for i, in := range ins {
		if d := cmp.Diff(r.InputGrads[i].view(), gradView(in), opts); d != "" {
			t.Errorf("gradient of input %d differs from torch (-torch +adjoint):\n%s", i, d)
		}
	}
	named := m.NamedParameters()
	if got, want := slices.Sorted(slices.Values(paramNames(named))), sortedKeys(r.ParamGrads); !slices.Equal(got, want) {
		t.Fatalf("parameters %q, torch has %q", got, want)
	}
	for _, p := range named {
		want := r.ParamGrads[p.Name]
		if d := cmp.Diff(want.view(), gradView(p.Param), opts); d != "" {
			t.Errorf("gradient of %s differs from torch (-torch +adjoint):\n%s", p.Name, d)
		}
	}
}

// gradView is v's gradient, or zeros of v's shape when nothing reached v
// (torch reports such a gradient as None; gen.py writes zeros).
func gradView[T layers.Float](v *autograd.Var[T]) tensorView {
	if g := v.Grad(); g != nil {
		return viewOf(g)
	}
	return viewOf(tensor.Zeros[T](v.Value().Shape()...))
}

// loadTorchInterop loads PyTorch's own file into a fresh module and checks
// every parameter and buffer against the values gen.py listed.
func loadTorchInterop[T layers.Float](t *testing.T, c interopCase, build interopBuilder[T]) {
	m, _ := build(t, c.Config, interopRNG("torch"+c.Name))
	file := filepath.Join(interopDir, "torch_"+c.Name+".safetensors")
	if err := layers.LoadFile(file, m); err != nil {
		t.Fatalf("%T: %v", *new(T), err)
	}
	check := func(name string, got *tensor.Tensor[T]) {
		want, ok := c.TorchState[name]
		if !ok {
			t.Errorf("%s is not in torch's state_dict", name)
			return
		}
		// A float32 model holds an F64 file's values rounded: compare after
		// rounding the reference the same way.
		if d := cmp.Diff(viewOf(convert[T](want.tensor())), viewOf(got)); d != "" {
			t.Errorf("%T %s differs from torch's file (-torch +adjoint):\n%s", *new(T), name, d)
		}
	}
	for _, p := range m.NamedParameters() {
		check(p.Name, p.Param.Value())
	}
	for _, b := range layers.BuffersOf(m) {
		check(b.Name, b.Buffer)
	}
}

// decodeInteropConfig decodes a case's config strictly into C.
func decodeInteropConfig[C any](t *testing.T, raw json.RawMessage) C {
	t.Helper()
	var c C
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("config %s: %v", raw, err)
	}
	return c
}

// TestInteropFamiliesHaveCases keeps the registry and the files in step: a
// Go family without cases is a test that silently checks nothing.
func TestInteropFamiliesHaveCases(t *testing.T) {
	seen := map[string]int{}
	for _, c := range loadInteropCases(t) {
		seen[c.Family]++
	}
	for fam := range interopFamilies {
		if seen[fam] < 3 {
			t.Errorf("family %q has %d interop cases, want at least 3", fam, seen[fam])
		}
	}
}
