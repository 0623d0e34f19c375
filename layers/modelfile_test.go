package layers_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/safetensors"
	"github.com/adjoint-go/adjoint/tensor"
)

// The PyTorch side of these tests: layers/safetensors/testdata/
// torch_interop.py wrote the files below from
// torch.nn.Sequential(Linear(3, 4), ReLU(), Linear(4, 2)).
const (
	mfDir     = "safetensors/testdata"
	mfScript  = mfDir + "/torch_interop.py"
	mfTorch32 = mfDir + "/torch_mlp_f32.safetensors"
	mfTorch64 = mfDir + "/torch_mlp_f64.safetensors"
)

// mfTorchRef is torch_mlp.json: the fixed input, torch's forward outputs, and
// the state_dict's values.
type mfTorchRef struct {
	Input     [][]float64 `json:"input"`
	OutputF32 [][]float64 `json:"output_f32"`
	OutputF64 [][]float64 `json:"output_f64"`
	StateDict map[string]struct {
		Shape  []int     `json:"shape"`
		Values []float64 `json:"values"`
	} `json:"state_dict"`
}

func mfReadRef(t *testing.T) mfTorchRef {
	t.Helper()
	b, err := os.ReadFile(mfDir + "/torch_mlp.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref mfTorchRef
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	return ref
}

// mfMLP is the architecture of the torch model, with weights drawn from
// seed.
func mfMLP[T tensor.Float](seed uint64) *layers.Sequential[T] {
	rng := rand.New(rand.NewPCG(seed, 7))
	return layers.NewSequential[T](
		layers.NewLinear(rng, 3, 4, layers.XavierUniform[T]),
		layers.ReLU[T]{},
		layers.NewLinear(rng, 4, 2, layers.XavierUniform[T]),
	)
}

// mfRows turns rows into a [len(rows), len(rows[0])] tensor of T.
func mfRows[T tensor.Float](rows [][]float64) *tensor.Tensor[T] {
	var d []T
	for _, r := range rows {
		for _, v := range r {
			d = append(d, T(v))
		}
	}
	return tensor.MustNew(d, len(rows), len(rows[0]))
}

// mfForward runs m on the rows and returns the output as rows of float64.
func mfForward[T tensor.Float](m layers.Module[T], rows [][]float64) [][]float64 {
	y := m.Forward(autograd.Const(mfRows[T](rows))).Value()
	cols := y.Shape()[1]
	out := make([][]float64, y.Shape()[0])
	for i := range out {
		for _, v := range y.Data()[i*cols : (i+1)*cols] {
			out[i] = append(out[i], float64(v))
		}
	}
	return out
}

// mfState returns the model's parameters and buffers as name → shape and
// float64 values, for comparisons.
type mfTensor struct {
	Shape  []int
	Values []float64
}

func mfState[T tensor.Float](m layers.Module[T]) map[string]mfTensor {
	out := map[string]mfTensor{}
	add := func(name string, x *tensor.Tensor[T]) {
		v := make([]float64, x.Len())
		for i, e := range x.Data() {
			v[i] = float64(e)
		}
		out[name] = mfTensor{x.Shape(), v}
	}
	for _, p := range m.NamedParameters() {
		add(p.Name, p.Param.Value())
	}
	for _, b := range layers.BuffersOf(m) {
		add(b.Name, b.Buffer)
	}
	return out
}

// Tolerances for comparing Adjoint's forward pass with torch's on the same
// weights. In float64 both compute the same 3- and 4-term dot products and
// differ only in summation order: a few ulps of values below 4, far under
// 1e-12. In float32 an ulp of 1 is 1.2e-7; each output passes through two
// dot products (3 and 4 terms) and two bias additions, whose rounding errors
// in a different order (or fused by FMA) can add up to about 9 ulps of the
// largest partial sum (< 2), so 2e-6 absolute bounds it, while a wrong
// weight or a transposed layout changes the outputs by 1e-2 or more.
var (
	mfTol32 = cmpopts.EquateApprox(0, 2e-6)
	mfTol64 = cmpopts.EquateApprox(1e-12, 1e-14)
)

// TestLoadTorchFile loads the files PyTorch wrote into Adjoint models of
// both precisions: the parameters must be torch's exactly (F32 → float64 is
// exact, and the F64 file holds the float32 values widened, so F64 →
// float32 is exact too), and the forward pass must give torch's output.
func TestLoadTorchFile(t *testing.T) {
	ref := mfReadRef(t)
	want := map[string]mfTensor{}
	for name, v := range ref.StateDict {
		want[name] = mfTensor{v.Shape, v.Values}
	}
	for _, path := range []string{mfTorch32, mfTorch64} {
		t.Run(filepath.Base(path)+"/float32", func(t *testing.T) {
			m := mfMLP[float32](1)
			if err := layers.LoadFile(path, m); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, mfState(m)); diff != "" {
				t.Errorf("parameters (-torch +adjoint):\n%s", diff)
			}
			if diff := cmp.Diff(ref.OutputF32, mfForward(m, ref.Input), mfTol32); diff != "" {
				t.Errorf("forward (-torch +adjoint):\n%s", diff)
			}
		})
		t.Run(filepath.Base(path)+"/float64", func(t *testing.T) {
			m := mfMLP[float64](1)
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := layers.Load(bytes.NewReader(raw), m); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, mfState(m)); diff != "" {
				t.Errorf("parameters (-torch +adjoint):\n%s", diff)
			}
			if diff := cmp.Diff(ref.OutputF64, mfForward(m, ref.Input), mfTol64); diff != "" {
				t.Errorf("forward (-torch +adjoint):\n%s", diff)
			}
		})
	}
}

// TestSaveMatchesTorchBytes loads each torch file and saves the model again:
// the bytes must be the file PyTorch's side wrote, since both follow the
// reference layout (sorted names, compact JSON, space padding).
func TestSaveMatchesTorchBytes(t *testing.T) {
	for _, path := range []string{mfTorch32, mfTorch64} {
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if strings.Contains(path, "f32") {
			m := mfMLP[float32](2)
			if err := layers.LoadFile(path, m); err != nil {
				t.Fatal(err)
			}
			err = layers.Save(&buf, m)
		} else {
			m := mfMLP[float64](2)
			if err := layers.LoadFile(path, m); err != nil {
				t.Fatal(err)
			}
			err = layers.Save(&buf, m)
		}
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(want, buf.Bytes()) {
			t.Errorf("%s: Save wrote\n%q\nwant\n%q", path, buf.Bytes(), want)
		}
	}
}

// TestSaveBytes pins the exact bytes of a small model, written out by hand:
// the header (names sorted, so "10.bias" before "2.bias"; F32; the metadata)
// and the little-endian data.
func TestSaveBytes(t *testing.T) {
	lin := func(w, b []float32) *layers.Linear[float32] {
		return &layers.Linear[float32]{
			Weight: autograd.Param(tensor.MustNew(w, len(b), len(w)/len(b))),
			Bias:   autograd.Param(tensor.MustNew(b, len(b))),
		}
	}
	mods := []layers.Module[float32]{lin([]float32{1, -2}, []float32{0.5})}
	for range 9 {
		mods = append(mods, layers.ReLU[float32]{})
	}
	mods = append(mods, lin([]float32{2}, []float32{-1}))
	m := layers.NewSequential(mods...)

	header := `{"__metadata__":{"format":"pt"},` +
		`"0.bias":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},` +
		`"0.weight":{"dtype":"F32","shape":[1,2],"data_offsets":[4,12]},` +
		`"10.bias":{"dtype":"F32","shape":[1],"data_offsets":[12,16]},` +
		`"10.weight":{"dtype":"F32","shape":[1,1],"data_offsets":[16,20]}}`
	for len(header)%8 != 0 {
		header += " "
	}
	want := []byte{byte(len(header)), byte(len(header) >> 8), 0, 0, 0, 0, 0, 0}
	want = append(want, header...)
	for _, v := range []float32{0.5, 1, -2, -1, 2} {
		b := math.Float32bits(v)
		want = append(want, byte(b), byte(b>>8), byte(b>>16), byte(b>>24))
	}

	var buf bytes.Buffer
	if err := layers.Save(&buf, m); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, buf.Bytes()); diff != "" {
		t.Errorf("bytes (-want +got):\n%s\ngot %q", diff, buf.Bytes())
	}
}

// TestSaveLoadRoundTrip saves a model and loads it into another of the same
// architecture: every value comes back bit for bit, into the same tensors.
func TestSaveLoadRoundTrip(t *testing.T) {
	t.Run("float32", func(t *testing.T) { mfRoundTrip[float32](t) })
	t.Run("float64", func(t *testing.T) { mfRoundTrip[float64](t) })
}

func mfRoundTrip[T tensor.Float](t *testing.T) {
	src := mfMLP[T](10)
	for _, file := range []bool{false, true} {
		dst := mfMLP[T](11)
		before := map[string]*T{} // the first element of each tensor: Load must write in place
		for _, p := range dst.NamedParameters() {
			before[p.Name] = &p.Param.Value().Data()[0]
		}
		if diff := cmp.Diff(mfState(src), mfState(dst)); diff == "" {
			t.Fatal("the two models start equal: the test would prove nothing")
		}
		var err error
		if file {
			path := filepath.Join(t.TempDir(), "m.safetensors")
			if err = layers.SaveFile(path, src); err == nil {
				err = layers.LoadFile(path, dst)
			}
		} else {
			var buf bytes.Buffer
			if err = layers.Save(&buf, src); err == nil {
				err = layers.Load(&buf, dst)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(mfState(src), mfState(dst)); diff != "" {
			t.Errorf("file=%v: loaded state (-saved +loaded):\n%s", file, diff)
		}
		for _, p := range dst.NamedParameters() {
			if &p.Param.Value().Data()[0] != before[p.Name] {
				t.Errorf("file=%v: %s was replaced, not loaded in place", file, p.Name)
			}
		}
	}
}

// TestLoadConvertsFloatTypes loads a float64 model's file into a float32
// model (rounding to nearest) and back (exactly).
func TestLoadConvertsFloatTypes(t *testing.T) {
	src := mfMLP[float64](3)
	src.NamedParameters()[1].Param.Value().Data()[0] = 1.0 / 3 // not a float32
	var buf bytes.Buffer
	if err := layers.Save(&buf, src); err != nil {
		t.Fatal(err)
	}
	m32 := mfMLP[float32](4)
	if err := layers.Load(&buf, m32); err != nil {
		t.Fatal(err)
	}
	for i, p := range m32.NamedParameters() {
		for j, v := range p.Param.Value().Data() {
			if want := float32(src.NamedParameters()[i].Param.Value().Data()[j]); v != want {
				t.Fatalf("%s[%d] = %v, want %v", p.Name, j, v, want)
			}
		}
	}
	buf.Reset()
	if err := layers.Save(&buf, m32); err != nil {
		t.Fatal(err)
	}
	m64 := mfMLP[float64](5)
	if err := layers.Load(&buf, m64); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(mfState(m32), mfState(m64)); diff != "" {
		t.Errorf("F32 → float64 (-float32 model +float64 model):\n%s", diff)
	}
}

// mfRawFile assembles a safetensors file from a header (padded here) and
// data bytes, to give Load tensors that Save cannot write (other dtypes).
func mfRawFile(header string, data []byte) []byte {
	for len(header)%8 != 0 {
		header += " "
	}
	b := []byte{byte(len(header)), byte(len(header) >> 8), 0, 0, 0, 0, 0, 0}
	return append(append(b, header...), data...)
}

// TestLoadMismatch loads files into models they do not fit: the *LoadError
// lists every mismatch, and the model is left untouched.
func TestLoadMismatch(t *testing.T) {
	var saved bytes.Buffer
	if err := layers.Save(&saved, mfMLP[float32](1)); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	lin := func(in, out int) layers.Module[float32] { return layers.NewLinear[float32](rng, in, out, nil) }
	relu := layers.ReLU[float32]{}
	mixed := mfRawFile(`{"0.bias":{"dtype":"F16","shape":[4],"data_offsets":[0,8]},`+
		`"0.weight":{"dtype":"F32","shape":[3,4],"data_offsets":[8,56]},`+
		`"2.bias":{"dtype":"BF16","shape":[3],"data_offsets":[56,62]},`+
		`"3.bias":{"dtype":"F32","shape":[2],"data_offsets":[62,70]}}`, make([]byte, 70))

	tests := []struct {
		name  string
		file  []byte
		model layers.Module[float32]
		want  layers.LoadError
		msg   string // the whole message, for the first cases
	}{
		{
			name:  "wider hidden layer",
			file:  saved.Bytes(),
			model: layers.NewSequential(lin(3, 5), relu, lin(5, 2)),
			want: layers.LoadError{Shapes: []layers.ShapeMismatch{
				{Name: "0.weight", File: []int{4, 3}, Model: []int{5, 3}},
				{Name: "0.bias", File: []int{4}, Model: []int{5}},
				{Name: "2.weight", File: []int{2, 4}, Model: []int{2, 5}},
			}},
			msg: "layers: the file does not fit the model: 0 missing, 0 unexpected, 3 mis-shaped, 0 of the wrong dtype\n" +
				"\tshape of \"0.weight\": [4 3] in the file, [5 3] in the model\n" +
				"\tshape of \"0.bias\": [4] in the file, [5] in the model\n" +
				"\tshape of \"2.weight\": [2 4] in the file, [2 5] in the model",
		},
		{
			name:  "an extra layer",
			file:  saved.Bytes(),
			model: layers.NewSequential(lin(3, 4), relu, lin(4, 2), relu, lin(2, 1)),
			want:  layers.LoadError{Missing: []string{"4.weight", "4.bias"}},
			msg: "layers: the file does not fit the model: 2 missing, 0 unexpected, 0 mis-shaped, 0 of the wrong dtype\n" +
				"\tmissing from the file: \"4.weight\", \"4.bias\"",
		},
		{
			name:  "no activation layer: indices shift",
			file:  saved.Bytes(),
			model: layers.NewSequential(lin(3, 4), lin(4, 2)),
			want:  layers.LoadError{Missing: []string{"1.weight", "1.bias"}, Unexpected: []string{"2.bias", "2.weight"}},
		},
		{
			name:  "every kind at once",
			file:  mixed,
			model: layers.NewSequential(lin(3, 4), relu, lin(4, 2)),
			want: layers.LoadError{
				Missing:    []string{"2.weight"},
				Unexpected: []string{"3.bias"},
				Shapes: []layers.ShapeMismatch{
					{Name: "0.weight", File: []int{3, 4}, Model: []int{4, 3}},
					{Name: "2.bias", File: []int{3}, Model: []int{2}},
				},
				DTypes: []layers.DTypeMismatch{
					{Name: "0.bias", File: safetensors.F16, Model: safetensors.F32},
					{Name: "2.bias", File: safetensors.BF16, Model: safetensors.F32},
				},
			},
			msg: "layers: the file does not fit the model: 1 missing, 1 unexpected, 2 mis-shaped, 2 of the wrong dtype\n" +
				"\tmissing from the file: \"2.weight\"\n" +
				"\tunexpected in the file: \"3.bias\"\n" +
				"\tshape of \"0.weight\": [3 4] in the file, [4 3] in the model\n" +
				"\tshape of \"2.bias\": [3] in the file, [2] in the model\n" +
				"\tdtype of \"0.bias\": F16 in the file, F32 in the model (only F32 and F64 convert)\n" +
				"\tdtype of \"2.bias\": BF16 in the file, F32 in the model (only F32 and F64 convert)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := mfState(tt.model)
			err := layers.Load(bytes.NewReader(tt.file), tt.model)
			var le *layers.LoadError
			if !errors.As(err, &le) {
				t.Fatalf("Load error = %v, want a *LoadError", err)
			}
			if diff := cmp.Diff(&tt.want, le, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("LoadError (-want +got):\n%s", diff)
			}
			if tt.msg != "" && err.Error() != tt.msg {
				t.Errorf("message:\n%s\nwant:\n%s", err, tt.msg)
			}
			if diff := cmp.Diff(before, mfState(tt.model)); diff != "" {
				t.Errorf("a failed Load changed the model (-before +after):\n%s", diff)
			}
		})
	}

	// LoadFile names the file.
	path := filepath.Join(t.TempDir(), "small.safetensors")
	if err := os.WriteFile(path, saved.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	err := layers.LoadFile(path, layers.NewSequential(lin(3, 4)))
	want := "layers: " + path + " does not fit the model: 0 missing, 2 unexpected"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("LoadFile error = %v, want it to start with %q", err, want)
	}
}

// TestLoadDamaged loads damaged files: each is an error wrapping
// safetensors.ErrFormat, never a panic, and the model stays as it was. Every
// truncation of a valid file is tried.
func TestLoadDamaged(t *testing.T) {
	good, err := os.ReadFile(mfTorch32)
	if err != nil {
		t.Fatal(err)
	}
	m := mfMLP[float32](1)
	before := mfState(m)
	check := func(what string, b []byte) {
		t.Helper()
		err := layers.Load(bytes.NewReader(b), m)
		if !errors.Is(err, safetensors.ErrFormat) || !strings.HasPrefix(err.Error(), "layers: Load: safetensors: ") {
			t.Fatalf("%s: error = %v, want a format error", what, err)
		}
	}
	for n := range len(good) {
		check(fmt.Sprintf("truncated to %d bytes", n), good[:n])
	}
	check("a byte too many", append(bytes.Clone(good), 0))
	huge := bytes.Clone(good)
	huge[7] = 0x40 // a header length of 2^62
	check("header of exabytes", huge)
	overlap := bytes.Replace(bytes.Clone(good), []byte(`"data_offsets":[16,64]`), []byte(`"data_offsets":[12,60]`), 1)
	check("overlapping tensors", overlap)
	if diff := cmp.Diff(before, mfState(m)); diff != "" {
		t.Errorf("a failed Load changed the model (-before +after):\n%s", diff)
	}
	if err := layers.LoadFile(filepath.Join(t.TempDir(), "none.safetensors"), m); err == nil || !strings.Contains(err.Error(), "none.safetensors") {
		t.Errorf("LoadFile of a missing file: error = %v, want one naming it", err)
	}
}

// TestSaveLoadBuffers saves and loads a model with BatchNorm1d, whose
// running statistics are buffers: they travel with the parameters.
func TestSaveLoadBuffers(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	newNet := func() *layers.Sequential[float64] {
		return layers.NewSequential[float64](layers.NewLinear[float64](rng, 3, 2, nil), layers.NewBatchNorm1d[float64](2))
	}
	src := newNet()
	src.Forward(autograd.Const(tensor.RandNormal(rng, 1, 2.0, 8, 3))) // training: updates the running statistics

	saved, f := saveRead(t, src)
	wantNames := []string{"0.bias", "0.weight", "1.bias", "1.running_mean", "1.running_var", "1.weight"}
	if diff := cmp.Diff(wantNames, f.Names()); diff != "" {
		t.Errorf("names in the file (-want +got):\n%s", diff)
	}

	dst := newNet()
	if err := layers.Load(bytes.NewReader(saved), dst); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(mfState(src), mfState(dst)); diff != "" {
		t.Errorf("loaded state (-saved +loaded):\n%s", diff)
	}

	// PyTorch's BatchNorm also saves num_batches_tracked (I64), which
	// Adjoint does not keep as a buffer: Load skips it.
	named := []safetensors.Named{}
	for _, n := range f.Names() {
		x, _ := f.Float64(n)
		named = append(named, safetensors.Of(n, x))
	}
	named = append(named, safetensors.Of("1.num_batches_tracked", tensor.Scalar(1.0)))
	var buf bytes.Buffer
	if err := safetensors.Write(&buf, named, nil); err != nil {
		t.Fatal(err)
	}
	if err := layers.Load(&buf, newNet()); err != nil {
		t.Errorf("Load with num_batches_tracked: %v", err)
	}
}

// mfBadModule is a module whose parameter list a test controls.
type mfBadModule struct {
	layers.ReLU[float64]
	named []layers.NamedParam[float64]
}

func (m mfBadModule) NamedParameters() []layers.NamedParam[float64] { return m.named }

func TestSaveLoadBadModel(t *testing.T) {
	p := autograd.Param(tensor.Zeros[float64](2))
	tests := []struct {
		name  string
		named []layers.NamedParam[float64]
		want  string
	}{
		{"nil parameter", []layers.NamedParam[float64]{{Name: "w", Param: nil}}, `parameter "w" is nil`},
		{"duplicate names", []layers.NamedParam[float64]{{Name: "w", Param: p}, {Name: "w", Param: p}}, `the model has two tensors named "w"`},
		{"empty name", []layers.NamedParam[float64]{{Name: "", Param: p}}, "empty name"},
	}
	for _, tt := range tests {
		m := mfBadModule{named: tt.named}
		var buf bytes.Buffer
		if err := layers.Save(&buf, m); err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "layers: Save: ") {
			t.Errorf("%s: Save error = %v, want one containing %q", tt.name, err, tt.want)
		}
		if err := layers.SaveFile(filepath.Join(t.TempDir(), "m"), m); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: SaveFile error = %v, want one containing %q", tt.name, err, tt.want)
		}
	}
	var empty bytes.Buffer
	if err := layers.Save(&empty, mfBadModule{}); err != nil {
		t.Fatal(err)
	}
	for _, nilModel := range []layers.Module[float64]{nil, (*layers.Linear[float64])(nil)} {
		var buf bytes.Buffer
		if err := layers.Save(&buf, nilModel); err == nil || err.Error() != "layers: Save: the module is nil" {
			t.Errorf("Save(%#v): error = %v", nilModel, err)
		}
		if err := layers.Load(bytes.NewReader(empty.Bytes()), nilModel); err == nil || !strings.Contains(err.Error(), "the module is nil") {
			t.Errorf("Load(%#v): error = %v", nilModel, err)
		}
	}
	m := mfBadModule{named: []layers.NamedParam[float64]{{Name: "w", Param: p}, {Name: "w", Param: p}}}
	if err := layers.Load(&empty, m); err == nil || !strings.Contains(err.Error(), `the model has two tensors named "w"`) {
		t.Errorf("Load into a model with duplicate names: error = %v", err)
	}
}

// mfTorchPython returns the path of a Python that has torch, or skips.
func mfTorchPython(t *testing.T) string {
	t.Helper()
	py, err := exec.LookPath("/usr/bin/python3")
	if err != nil {
		t.Skip("no /usr/bin/python3: skipping the PyTorch cross-check")
	}
	if out, err := exec.Command(py, "-c", "import numpy, torch").CombinedOutput(); err != nil {
		t.Skipf("/usr/bin/python3 cannot import torch and numpy (%v: %s): skipping the PyTorch cross-check", err, bytes.TrimSpace(out))
	}
	return py
}

// TestTorchLoadsAdjointFile saves Adjoint models (with weights of Adjoint's
// own drawing) and has PyTorch read them with the generator script's --check
// mode: torch's load_state_dict(strict=True) must accept the file, the file
// must be byte for byte what the script's writer makes of the same tensors,
// and torch's forward pass must give Adjoint's output. Skipped without
// /usr/bin/python3 and torch.
func TestTorchLoadsAdjointFile(t *testing.T) {
	py := mfTorchPython(t)
	ref := mfReadRef(t)
	dir := t.TempDir()

	m32, m64 := mfMLP[float32](21), mfMLP[float64](22)
	cases := []struct {
		name  string
		save  func(path string) error
		want  [][]float64
		dtype string
		tol   cmp.Option
	}{
		{"float32", func(p string) error { return layers.SaveFile(p, m32) }, mfForward(m32, ref.Input), "F32", mfTol32},
		{"float64", func(p string) error { return layers.SaveFile(p, m64) }, mfForward(m64, ref.Input), "F64", mfTol64},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.name+".safetensors")
			if err := c.save(path); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(py, mfScript, "--check", path)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%s --check: %v\n%s", mfScript, err, stderr.String())
			}
			var got struct {
				DType     string            `json:"dtype"`
				Names     []string          `json:"names"`
				Metadata  map[string]string `json:"metadata"`
				Canonical bool              `json:"canonical"`
				Output    [][]float64       `json:"output"`
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("parsing %q: %v", out, err)
			}
			if got.DType != c.dtype || !got.Canonical || got.Metadata["format"] != "pt" {
				t.Errorf("torch read dtype %q, canonical %v, metadata %v; want %s, true, format pt", got.DType, got.Canonical, got.Metadata, c.dtype)
			}
			if diff := cmp.Diff([]string{"0.bias", "0.weight", "2.bias", "2.weight"}, got.Names); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(c.want, got.Output, c.tol); diff != "" {
				t.Errorf("forward (-adjoint +torch):\n%s", diff)
			}
		})
	}
}
