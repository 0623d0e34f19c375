package safetensors_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/layers/safetensors"
)

// FuzzRead feeds Read arbitrary bytes. It must never panic, and every error
// must be a format error (a bytes.Reader never fails); a header Read calls
// invalid JSON, encoding/json must refuse too. A file it accepts must be
// consistent: encoding/json reads the same names and metadata from its
// header, every name has an Info, F32 and F64 tensors decode to their
// declared shapes, other dtypes refuse typed access, and a file of F32 and
// F64 tensors written back with Write reads back bit for bit.
//
// The seed corpus is testdata/fuzz/FuzzRead plus the files of testdata;
// run it longer with
//
//	go test ./layers/safetensors -run '^$' -fuzz FuzzRead -fuzztime 2m
func FuzzRead(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.safetensors")
	for _, path := range seeds {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(file(`{"__metadata__":{"k":"v"},`+entry("a", "F64", "[2]", "[0,16]")+`,`+entry("b", "F32", "[]", "[16,20]")+`}`, f64Pair+f32One))
	f.Add(file(`{`+entry("h", "BF16", "[2]", "[0,4]")+`,`+entry("e", "F32", "[0,2]", "[4,4]")+`}`, "00000000"))
	f.Add(file(`{"__metadata__":{"k\u00e9":"v\"\\\/"}, "\ud83d\ude00\t":{"x": {"a": [1.5e3, -0, true, null]}, "dtype":"F\u0033\u0032","shape":[],"data_offsets":[0,4]}}`, f32One))

	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := safetensors.Read(bytes.NewReader(b))
		if err != nil {
			var fe *safetensors.FormatError
			if !errors.Is(err, safetensors.ErrFormat) || !errors.As(err, &fe) {
				t.Fatalf("error %T %v is not a *FormatError", err, err)
			}
			if strings.Contains(err.Error(), "not valid JSON") && json.Valid(b[8:8+binary.LittleEndian.Uint64(b)]) {
				t.Fatalf("Read: %v, but encoding/json accepts the header", err)
			}
			return
		}
		sameAsEncodingJSON(t, file, b[8:8+binary.LittleEndian.Uint64(b)])
		type decoded struct {
			shape []int
			bits  []uint64
		}
		values := map[string]decoded{}
		var named []safetensors.Named
		rewritable := true
		for _, n := range file.Names() {
			info, ok := file.Info(n)
			if !ok {
				t.Fatalf("Names lists %q but Info does not find it", n)
			}
			switch info.DType {
			case safetensors.F32:
				x, err := file.Float32(n)
				if err != nil {
					t.Fatalf("Float32(%q): %v", n, err)
				}
				values[n] = decoded{x.Shape(), bitsOf(x)}
				named = append(named, safetensors.Of(n, x))
			case safetensors.F64:
				x, err := file.Float64(n)
				if err != nil {
					t.Fatalf("Float64(%q): %v", n, err)
				}
				values[n] = decoded{x.Shape(), bitsOf(x)}
				named = append(named, safetensors.Of(n, x))
			default:
				if _, err := file.Float32(n); err == nil {
					t.Fatalf("Float32(%q) decoded a %s tensor", n, info.DType)
				}
				rewritable = false
			}
			if d, ok := values[n]; ok && !slices.Equal(d.shape, info.Shape) {
				t.Fatalf("%q: decoded shape %v, Info says %v", n, d.shape, info.Shape)
			}
			if n == "" {
				rewritable = false // Write refuses empty names
			}
		}
		if !rewritable {
			return
		}
		var buf bytes.Buffer
		if err := safetensors.Write(&buf, named, file.Metadata()); err != nil {
			t.Fatalf("Write of a file just read: %v", err)
		}
		again, err := safetensors.Read(&buf)
		if err != nil {
			t.Fatalf("Read of a file just written: %v", err)
		}
		if diff := cmp.Diff(file.Metadata(), again.Metadata()); len(file.Metadata()) > 0 && diff != "" {
			t.Fatalf("metadata changed (-before +after):\n%s", diff)
		}
		for n, want := range values {
			var got decoded
			if x, err := again.Float32(n); err == nil {
				got = decoded{x.Shape(), bitsOf(x)}
			} else if x, err := again.Float64(n); err == nil {
				got = decoded{x.Shape(), bitsOf(x)}
			} else {
				t.Fatalf("%q lost in the round trip: %v", n, err)
			}
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(decoded{})); diff != "" {
				t.Fatalf("%q changed in the round trip (-before +after):\n%s", n, diff)
			}
		}
	})
}

// sameAsEncodingJSON checks that encoding/json reads header, which Read
// accepted as f's, with f's names and metadata.
func sameAsEncodingJSON(t *testing.T, f *safetensors.File, header []byte) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(header, &top); err != nil {
		t.Fatalf("Read accepted a header that encoding/json refuses: %v", err)
	}
	var meta map[string]string
	if raw, ok := top["__metadata__"]; ok {
		delete(top, "__metadata__")
		if err := json.Unmarshal(raw, &meta); err != nil {
			t.Fatalf("Read accepted a __metadata__ that encoding/json refuses: %v", err)
		}
	}
	if diff := cmp.Diff(slices.Sorted(maps.Keys(top)), slices.Sorted(slices.Values(f.Names()))); diff != "" {
		t.Fatalf("names (-encoding/json +Read):\n%s", diff)
	}
	if diff := cmp.Diff(meta, f.Metadata()); diff != "" {
		t.Fatalf("metadata (-encoding/json +Read):\n%s", diff)
	}
}
