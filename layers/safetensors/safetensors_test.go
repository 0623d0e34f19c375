package safetensors_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/layers/safetensors"
	"github.com/adjoint-go/adjoint/tensor"
)

// file assembles a safetensors file from its header text, padded with
// spaces to a multiple of 8 bytes as the reference does, and its data given
// in hex. It is written independently of the package's writer.
func file(header, dataHex string) []byte {
	for len(header)%8 != 0 {
		header += " "
	}
	return rawFile(header, dataHex)
}

// rawFile assembles a file with the header exactly as given (no padding).
func rawFile(header, dataHex string) []byte {
	data, err := hex.DecodeString(strings.ReplaceAll(dataHex, " ", ""))
	if err != nil {
		panic(err)
	}
	n := uint64(len(header))
	b := []byte{byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24), byte(n >> 32), byte(n >> 40), byte(n >> 48), byte(n >> 56)}
	return append(append(b, header...), data...)
}

// Tensor data in little-endian hex: float32 0 1 2 3 4 5; float64 1.5 -2;
// float32 1.
const (
	f32Range6 = "00000000 0000803f 00000040 00004040 00008040 0000a040"
	f64Pair   = "000000000000f83f 00000000000000c0"
	f32One    = "0000803f"
)

func range32(n int, shape ...int) *tensor.Tensor[float32] {
	d := make([]float32, n)
	for i := range d {
		d[i] = float32(i)
	}
	return tensor.MustNew(d, shape...)
}

// TestWriteBytes checks the exact bytes Write produces. The first four cases
// are the reference implementation's own test vectors (safetensors/src/
// tensor.rs: test_serialization, test_empty, test_serialization_forced_
// alignement); the others pin the ordering (element size, then name), the
// metadata and the string escaping.
func TestWriteBytes(t *testing.T) {
	tests := []struct {
		name    string
		tensors []safetensors.Named
		meta    map[string]string
		want    []byte
	}{
		{
			name:    "reference vector: one F32 tensor, no padding needed",
			tensors: []safetensors.Named{safetensors.Of("attn.0", range32(6, 1, 2, 3))},
			want:    rawFile(`{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}`, f32Range6),
		},
		{
			name: "reference vector: empty file",
			want: rawFile(`{}      `, ""),
		},
		{
			name: "reference vector: metadata only",
			meta: map[string]string{"framework": "pt"},
			want: rawFile(`{"__metadata__":{"framework":"pt"}}     `, ""),
		},
		{
			name:    "reference vector: 7 spaces align the data",
			tensors: []safetensors.Named{safetensors.Of("attn0", range32(6, 1, 1, 2, 3))},
			want:    rawFile(`{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       `, f32Range6),
		},
		{
			name: "F64 before F32, then by name, whatever the input order",
			tensors: []safetensors.Named{
				safetensors.Of("b", tensor.MustNew([]float32{1}, 1)),
				safetensors.Of("a", tensor.MustNew([]float32{1}, 1)),
				safetensors.Of("z", tensor.MustNew([]float64{1.5, -2}, 2)),
			},
			want: file(`{"z":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},`+
				`"a":{"dtype":"F32","shape":[1],"data_offsets":[16,20]},`+
				`"b":{"dtype":"F32","shape":[1],"data_offsets":[20,24]}}`,
				f64Pair+f32One+f32One),
		},
		{
			name: "names sort by bytes: 10 before 2",
			tensors: []safetensors.Named{
				safetensors.Of("2.bias", tensor.MustNew([]float32{1}, 1)),
				safetensors.Of("10.bias", tensor.MustNew([]float32{1}, 1)),
			},
			want: file(`{"10.bias":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},`+
				`"2.bias":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32One+f32One),
		},
		{
			name:    "metadata first, keys sorted; scalar and empty tensors",
			meta:    map[string]string{"z": "last", "a": "first"},
			tensors: []safetensors.Named{safetensors.Of("s", tensor.Scalar[float32](1)), safetensors.Of("e", tensor.Zeros[float64](0, 3))},
			want: file(`{"__metadata__":{"a":"first","z":"last"},`+
				`"e":{"dtype":"F64","shape":[0,3],"data_offsets":[0,0]},`+
				`"s":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}`, f32One),
		},
		{
			name:    "only JSON's mandatory escapes, as serde_json",
			tensors: []safetensors.Named{safetensors.Of("q\"b\\n\nt\tc\x01<é>", tensor.Scalar[float32](1))},
			meta:    map[string]string{"k": "a&b"},
			want:    file(`{"__metadata__":{"k":"a&b"},"q\"b\\n\nt\tc\u0001<é>":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}`, f32One),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := safetensors.Write(&buf, tt.tensors, tt.meta); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(tt.want), buf.String()); diff != "" {
				t.Errorf("bytes (-want +got):\n%s", diff)
			}
			if _, err := safetensors.Read(bytes.NewReader(buf.Bytes())); err != nil {
				t.Errorf("reading it back: %v", err)
			}
		})
	}
}

func TestWriteErrors(t *testing.T) {
	one := tensor.Scalar[float32](1)
	tests := []struct {
		name    string
		tensors []safetensors.Named
		meta    map[string]string
		want    string
	}{
		{"zero Named", []safetensors.Named{{}}, nil, `tensor 0 ("") holds no tensor`},
		{"nil tensor", []safetensors.Named{safetensors.Of[float64]("w", nil)}, nil, `tensor 0 ("w") holds no tensor`},
		{"empty name", []safetensors.Named{safetensors.Of("", one)}, nil, "tensor 0 has an empty name"},
		{"reserved name", []safetensors.Named{safetensors.Of("__metadata__", one)}, nil, `"__metadata__" is reserved`},
		{"duplicate", []safetensors.Named{safetensors.Of("w", one), safetensors.Of("w", tensor.Scalar(2.0))}, nil, `two tensors are named "w"`},
		{"name not UTF-8", []safetensors.Named{safetensors.Of("w\xff", one)}, nil, "not valid UTF-8"},
		{"metadata not UTF-8", nil, map[string]string{"k": "\xfe"}, `metadata "k"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := safetensors.Write(&buf, tt.tensors, tt.meta)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Write error = %v, want one containing %q", err, tt.want)
			}
			if buf.Len() != 0 {
				t.Errorf("Write wrote %d bytes before failing", buf.Len())
			}
		})
	}
}

// failWriter fails every write.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteReportsWriterError(t *testing.T) {
	big := tensor.Zeros[float64](100000) // more than the bufio buffer
	err := safetensors.Write(failWriter{}, []safetensors.Named{safetensors.Of("w", big)}, nil)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("error = %v, want the writer's", err)
	}
}

// bitsOf returns the bit patterns of a tensor's elements, so that NaN, -0
// and Inf compare exactly.
func bitsOf[T tensor.Float](x *tensor.Tensor[T]) []uint64 {
	out := make([]uint64, x.Len())
	for i, v := range x.Data() {
		switch v := any(v).(type) {
		case float32:
			out[i] = uint64(math.Float32bits(v))
		case float64:
			out[i] = math.Float64bits(v)
		}
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	special := []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), math.SmallestNonzeroFloat64, math.MaxFloat64, 1.0 / 3}
	f64 := tensor.MustNew(special, 7)
	f32 := tensor.MustNew([]float32{float32(math.NaN()), float32(math.Inf(-1)), math.SmallestNonzeroFloat32, -0.1, 1e30, 3, 4, 5}, 2, 2, 2)
	scalar := tensor.Scalar[float32](-7.25)
	empty := tensor.Zeros[float32](3, 0)
	meta := map[string]string{"format": "pt", "note": "round trip"}

	var buf bytes.Buffer
	err := safetensors.Write(&buf, []safetensors.Named{
		safetensors.Of("f32", f32), safetensors.Of("f64", f64),
		safetensors.Of("scalar", scalar), safetensors.Of("empty", empty),
	}, meta)
	if err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"f64", "empty", "f32", "scalar"}, f.Names()); diff != "" {
		t.Errorf("Names (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(meta, f.Metadata()); diff != "" {
		t.Errorf("Metadata (-want +got):\n%s", diff)
	}
	for name, want := range map[string]*tensor.Tensor[float32]{"f32": f32, "scalar": scalar, "empty": empty} {
		got, err := f.Float32(name)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want.Shape(), got.Shape()); diff != "" {
			t.Errorf("%s shape (-want +got):\n%s", name, diff)
		}
		if diff := cmp.Diff(bitsOf(want), bitsOf(got)); diff != "" {
			t.Errorf("%s bits (-want +got):\n%s", name, diff)
		}
	}
	got, err := f.Float64("f64")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(bitsOf(f64), bitsOf(got)); diff != "" {
		t.Errorf("f64 bits (-want +got):\n%s", diff)
	}
	info, ok := f.Info("empty")
	if diff := cmp.Diff(safetensors.Info{DType: safetensors.F32, Shape: []int{3, 0}}, info); !ok || diff != "" {
		t.Errorf("Info(empty) = %v, %v (-want +got):\n%s", info, ok, diff)
	}
	if _, ok := f.Info("nope"); ok {
		t.Error("Info(nope) found a tensor")
	}
}

// torchRef is torch_mlp.json, written by testdata/torch_interop.py.
type torchRef struct {
	StateDict map[string]struct {
		Shape  []int
		Values []float64
	} `json:"state_dict"`
}

func readTorchRef(t *testing.T) torchRef {
	t.Helper()
	b, err := os.ReadFile("testdata/torch_mlp.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref torchRef
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	return ref
}

// TestReadTorchFiles reads the files PyTorch wrote (through the generator
// script) and checks every value against the script's JSON, exactly: the
// float32 values are printed as float64 reprs, which convert back exactly.
func TestReadTorchFiles(t *testing.T) {
	ref := readTorchRef(t)
	for _, name := range []string{"torch_mlp_f32.safetensors", "torch_mlp_f64.safetensors"} {
		t.Run(name, func(t *testing.T) {
			f, err := safetensors.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"0.bias", "0.weight", "2.bias", "2.weight"}, f.Names()); diff != "" {
				t.Errorf("Names (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(map[string]string{"format": "pt"}, f.Metadata()); diff != "" {
				t.Errorf("Metadata (-want +got):\n%s", diff)
			}
			for tn, want := range ref.StateDict {
				var shape []int
				var got []float64
				if strings.HasSuffix(name, "f32.safetensors") {
					x, err := f.Float32(tn)
					if err != nil {
						t.Fatal(err)
					}
					shape = x.Shape()
					for _, v := range x.Data() {
						got = append(got, float64(v))
					}
				} else {
					x, err := f.Float64(tn)
					if err != nil {
						t.Fatal(err)
					}
					shape, got = x.Shape(), x.Data()
				}
				if diff := cmp.Diff(want.Shape, shape); diff != "" {
					t.Errorf("%s shape (-want +got):\n%s", tn, diff)
				}
				if diff := cmp.Diff(want.Values, got); diff != "" {
					t.Errorf("%s values (-want +got):\n%s", tn, diff)
				}
			}
		})
	}
}

// TestRewriteTorchFileIsIdentical reads a file PyTorch wrote and writes its
// tensors back: the bytes are the same, since both writers follow the
// reference layout.
func TestRewriteTorchFileIsIdentical(t *testing.T) {
	for _, name := range []string{"torch_mlp_f32.safetensors", "torch_mlp_f64.safetensors"} {
		raw, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		f, err := safetensors.Read(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		var named []safetensors.Named
		for _, n := range f.Names() {
			if x, err := f.Float32(n); err == nil {
				named = append(named, safetensors.Of(n, x))
			} else if x, err := f.Float64(n); err == nil {
				named = append(named, safetensors.Of(n, x))
			} else {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		if err := safetensors.Write(&buf, named, f.Metadata()); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(raw, buf.Bytes()) {
			t.Errorf("%s: rewritten bytes differ:\n got %q\nwant %q", name, buf.Bytes(), raw)
		}
	}
}

func TestTypedAccessErrors(t *testing.T) {
	raw := file(`{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"i":{"dtype":"I64","shape":[],"data_offsets":[4,12]},`+
		`"s":{"dtype":"F32","shape":[],"data_offsets":[12,16]},"d":{"dtype":"F64","shape":[],"data_offsets":[16,24]}}`,
		"003c 00c0 0700000000000000"+f32One+"000000000000f03f")
	f, err := safetensors.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if info, _ := f.Info("h"); info.DType != safetensors.F16 || info.DType.Size() != 2 {
		t.Errorf("Info(h) = %+v, want F16 of size 2", info)
	}
	tests := []struct {
		name string
		get  func() error
		want string
	}{
		{"missing", func() error { _, err := f.Float32("w"); return err }, `no tensor named "w"`},
		{"F64 as F32", func() error { _, err := f.Float32("d"); return err }, `tensor "d" is F64, not F32`},
		{"F32 as F64", func() error { _, err := f.Float64("s"); return err }, `tensor "s" is F32, not F64`},
		{"F16", func() error { _, err := f.Float32("h"); return err }, `tensor "h" is F16, not F32: unsupported dtype`},
		{"I64", func() error { _, err := f.Float64("i"); return err }, `tensor "i" is I64, not F64: unsupported dtype`},
	}
	for _, tt := range tests {
		if err := tt.get(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error = %v, want one containing %q", tt.name, err, tt.want)
		}
	}
	if x, err := f.Float64("d"); err != nil || x.Item() != 1 {
		t.Errorf("Float64(d) = %v, %v; want 1", x, err)
	}
}

func TestWriteFileReadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	w := range32(6, 2, 3)
	if err := os.WriteFile(path, []byte("an older file"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := safetensors.WriteFile(path, []safetensors.Named{safetensors.Of("w", w)}, nil); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.Float32("w")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(w.Data(), got.Data()); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
	// The file it replaced was private: the new one is too.
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, %v; want 0600, the replaced file's", st.Mode(), err)
	}
	// A new file gets 0644; one of 0640 keeps it.
	other := filepath.Join(dir, "new.safetensors")
	for _, want := range []os.FileMode{0o644, 0o640} {
		if err := safetensors.WriteFile(other, []safetensors.Named{safetensors.Of("w", w)}, nil); err != nil {
			t.Fatal(err)
		}
		if st, err := os.Stat(other); err != nil || st.Mode().Perm() != want {
			t.Errorf("mode = %v, %v; want %v", st.Mode(), err, want)
		}
		if err := os.Chmod(other, 0o640); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Remove(other); err != nil {
		t.Fatal(err)
	}

	// A failed write leaves the old file alone and no temporary file behind.
	err = safetensors.WriteFile(path, []safetensors.Named{safetensors.Of("w", w), safetensors.Of("w", w)}, nil)
	if err == nil {
		t.Fatal("WriteFile with duplicate names succeeded")
	}
	if _, err := safetensors.ReadFile(path); err != nil {
		t.Errorf("the previous file was damaged: %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("directory holds %d entries, want 1", len(ents))
	}

	if err := safetensors.WriteFile(filepath.Join(dir, "no", "such", "dir"), nil, nil); err == nil {
		t.Error("WriteFile into a missing directory succeeded")
	}
	_, err = safetensors.ReadFile(filepath.Join(dir, "missing.safetensors"))
	if err == nil || !strings.Contains(err.Error(), "missing.safetensors") {
		t.Errorf("ReadFile(missing) error = %v, want one naming the file", err)
	}
	bad := filepath.Join(dir, "bad.safetensors")
	if err := os.WriteFile(bad, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = safetensors.ReadFile(bad)
	if !errors.Is(err, safetensors.ErrFormat) || !strings.Contains(err.Error(), "bad.safetensors") {
		t.Errorf("ReadFile(bad) error = %v, want a format error naming the file", err)
	}
}

// TestConcurrentAccess reads one File from several goroutines (run with
// -race).
func TestConcurrentAccess(t *testing.T) {
	f, err := safetensors.ReadFile("testdata/torch_mlp_f32.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for _, n := range f.Names() {
				if _, err := f.Float32(n); err != nil {
					t.Error(err)
				}
				f.Info(n)
			}
			f.Metadata()
		})
	}
	wg.Wait()
}

// TestRoundTripLarge writes files whose header and data are longer than
// the 64 KiB that Read first reads at a time: Read took the first bytes of
// the data into a header over 64 KiB (and refused it as not UTF-8), and
// missed bytes after data over 64 KiB (review). Both read back exactly,
// and a byte after the data is still refused.
func TestRoundTripLarge(t *testing.T) {
	big := make([]float32, 50_000) // 200 KB of data
	for i := range big {
		big[i] = float32(i) / 7
	}
	x := tensor.MustNew(big, 250, 200)
	meta := map[string]string{"long": strings.Repeat("a", 70_000)} // a header over 64 KiB
	var buf bytes.Buffer
	if err := safetensors.Write(&buf, []safetensors.Named{safetensors.Of("x", x)}, meta); err != nil {
		t.Fatal(err)
	}
	file := buf.Bytes()
	f, err := safetensors.Read(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(meta, f.Metadata()); diff != "" {
		t.Errorf("Metadata (-want +got):\n%s", diff)
	}
	got, err := f.Float32("x")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(bitsOf(x), bitsOf(got)); diff != "" {
		t.Errorf("x bits (-want +got):\n%s", diff)
	}
	_, err = safetensors.Read(bytes.NewReader(append(file[:len(file):len(file)], 0)))
	if err == nil || !strings.Contains(err.Error(), "goes on after") {
		t.Errorf("a byte after the data: got %v, want an error saying the file goes on", err)
	}
}
