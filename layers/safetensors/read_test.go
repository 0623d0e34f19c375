package safetensors_test

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/layers/safetensors"
)

// lenOnly is a file of just a header length, with nothing after it.
func lenOnly(n uint64) []byte {
	return []byte{byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24), byte(n >> 32), byte(n >> 40), byte(n >> 48), byte(n >> 56)}
}

// entry is a header entry for tensor name.
func entry(name, dtype, shape, offsets string) string {
	return `"` + name + `":{"dtype":"` + dtype + `","shape":` + shape + `,"data_offsets":` + offsets + `}`
}

// TestReadDamaged reads damaged and hostile files: each must return an error
// that wraps ErrFormat, is a *FormatError naming the tensor at fault (if
// any), and says what is wrong; none may panic.
func TestReadDamaged(t *testing.T) {
	valid := entry("a", "F32", "[1]", "[0,4]")
	tests := []struct {
		name   string
		file   []byte
		tensor string // FormatError.Tensor
		want   string // in the message
	}{
		// The header length.
		{"empty", nil, "", "0 bytes long, too short for the 8-byte header length"},
		{"5 bytes", []byte{1, 2, 3, 4, 5}, "", "5 bytes long, too short"},
		{"header length larger than the file", append(lenOnly(100), `{"a":1}`...), "", "truncated header: its length is 100 bytes, but only 7 bytes follow"},
		{"header of gigabytes", lenOnly(5 << 30), "", "header length 5368709120 exceeds the limit of 100000000 bytes"},
		{"header length 2^64-1", lenOnly(1<<64 - 1), "", "header length 18446744073709551615 exceeds the limit"},
		{"header length 0", lenOnly(0), "", "does not start with '{'"},

		// The header's JSON.
		{"leading space", rawFile(` {}     `, ""), "", "does not start with '{'"},
		{"an array", rawFile(`[]      `, ""), "", "does not start with '{'"},
		{"not UTF-8", rawFile("{\"\xff\":1}", ""), "", "not valid UTF-8"},
		{"cut short", rawFile(`{"a":{"dtype":"F32"`, ""), "", "not valid JSON: it ends too early"},
		{"syntax error", rawFile(`{"a":{"dtype":"F32",}}`, ""), "", "not valid JSON: invalid character '}'"},
		{"garbage after the object", rawFile(`{}x     `, ""), "", `goes on after its JSON object with "x     ", which is not space padding`},
		{"a second object", rawFile(`{}{}    `, ""), "", `goes on after its JSON object with "{}    "`},
		{"NUL padding", rawFile("{}\x00\x00\x00\x00\x00\x00", ""), "", `with "\x00\x00\x00\x00\x00\x00", which is not space padding`},
		{"entry not an object", file(`{"a":[1]}`, ""), "a", "its header entry must be a JSON object, not an array"},
		{"entry a string", file(`{"a":"x"}`, ""), "a", "its header entry must be a JSON object, not the string \"x\""},

		// Names.
		{"duplicate names", file(`{`+valid+`,`+valid+`}`, f32One+f32One), "a", "the name appears twice"},
		{"duplicate names, one escaped", file(`{`+valid+`,`+entry(`\u0061`, "F32", "[1]", "[4,8]")+`}`, f32One+f32One), "a", "the name appears twice"},
		{"duplicate metadata", file(`{"__metadata__":{},"__metadata__":{}}`, ""), "__metadata__", "the name appears twice"},
		{"duplicate dtype key", file(`{"a":{"dtype":"F32","dtype":"F64","shape":[],"data_offsets":[0,4]}}`, f32One), "a", `key "dtype" appears twice`},
		{"duplicate metadata key", file(`{"__metadata__":{"k":"1","k":"2"}}`, ""), "", `__metadata__: key "k" appears twice`},
		{"duplicate metadata key, escaped", file(`{"__metadata__":{"j":"","\u006b":"1","i":"","k":"2"}}`, ""), "", `__metadata__: key "k" appears twice`},
		{"duplicate unknown key", file(`{"a":{"x":1,"dtype":"F32","shape":[],"data_offsets":[0,4],"x":{}}}`, f32One), "a", `key "x" appears twice`},
		{"metadata value a number", file(`{"__metadata__":{"k":1}}`, ""), "", `the value of "k" must be a string, not the number 1`},
		{"metadata an array", file(`{"__metadata__":["k"]}`, ""), "", "__metadata__ must be a JSON object, not an array"},

		// Dtypes.
		{"unknown dtype", file(`{`+entry("a", "F33", "[1]", "[0,4]")+`}`, f32One), "a", `unknown dtype "F33"`},
		{"sub-byte dtype", file(`{`+entry("a", "F4", "[2]", "[0,1]")+`}`, "00"), "a", `unknown dtype "F4"`},
		{"dtype a number", file(`{"a":{"dtype":32,"shape":[],"data_offsets":[0,4]}}`, f32One), "a", "dtype must be a string, not the number 32"},
		{"no dtype", file(`{"a":{"shape":[],"data_offsets":[0,4]}}`, f32One), "a", "no dtype"},

		// Shapes.
		{"no shape", file(`{"a":{"dtype":"F32","data_offsets":[0,4]}}`, f32One), "a", "no shape"},
		{"negative dimension", file(`{`+entry("a", "F32", "[-1]", "[0,4]")+`}`, f32One), "a", "shape holds a negative number, -1"},
		{"fractional dimension", file(`{`+entry("a", "F32", "[1.5]", "[0,4]")+`}`, f32One), "a", "shape holds 1.5, which is not an integer"},
		{"exponent dimension", file(`{`+entry("a", "F32", "[1e3]", "[0,4]")+`}`, f32One), "a", "shape holds 1e3, which is not an integer"},
		{"dimension over 64 bits", file(`{`+entry("a", "F32", "[18446744073709551616]", "[0,4]")+`}`, f32One), "a", "which overflows 64 bits"},
		{"dimension over MaxInt", file(`{`+entry("a", "F32", "[9223372036854775808]", "[0,4]")+`}`, f32One), "a", "shape dimension 9223372036854775808 is too large"},
		{"shape product overflows", file(`{`+entry("a", "F32", "[4294967296,4294967296]", "[0,4]")+`}`, f32One), "a", "has more elements than fit in memory"},
		{"byte count overflows", file(`{`+entry("a", "F64", "[4611686018427387904]", "[0,4]")+`}`, f32One), "a", "needs more bytes than fit in memory"},
		{"too many dimensions", file(`{`+entry("a", "F32", "["+strings.Repeat("1,", 64)+"1]", "[0,4]")+`}`, f32One), "a", "shape has more than 64 numbers"},
		{"shape a string", file(`{`+entry("a", "F32", `"1"`, "[0,4]")+`}`, f32One), "a", "shape must be a JSON array, not the string \"1\""},
		{"shape holds null", file(`{`+entry("a", "F32", "[null]", "[0,4]")+`}`, f32One), "a", "shape must hold integers, not null"},

		// Offsets.
		{"no data_offsets", file(`{"a":{"dtype":"F32","shape":[]}}`, f32One), "a", "no data_offsets"},
		{"one offset", file(`{`+entry("a", "F32", "[]", "[4]")+`}`, f32One), "a", "data_offsets must be [begin, end], not 1 numbers"},
		{"three offsets", file(`{`+entry("a", "F32", "[]", "[0,4,8]")+`}`, f32One), "a", "data_offsets has more than 2 numbers"},
		{"negative offset", file(`{`+entry("a", "F32", "[]", "[-4,0]")+`}`, f32One), "a", "data_offsets holds a negative number"},
		{"end before begin", file(`{`+entry("a", "F32", "[0]", "[4,0]")+`}`, f32One), "a", "data_offsets [4, 0] end before they begin"},
		{"offsets over 64 bits", file(`{`+entry("a", "F32", "[]", "[0,18446744073709551620]")+`}`, f32One), "a", "overflows 64 bits"},
		{"shape and offsets disagree", file(`{`+entry("a", "F32", "[2]", "[0,4]")+`}`, f32One), "a", "data_offsets [0, 4] hold 4 bytes, but shape [2] of F32 needs 8"},
		{"F64 bytes for an F32 shape", file(`{`+entry("a", "F32", "[1]", "[0,8]")+`}`, f64Pair[:16]), "a", "hold 8 bytes, but shape [1] of F32 needs 4"},

		// The byte buffer.
		{"offsets beyond the file", file(`{`+entry("a", "F32", "[2]", "[0,8]")+`}`, f32One), "", "truncated data: the header describes 8 bytes of tensor data, the file holds 4"},
		{"data cut short", file(`{`+valid+`}`, "0000"), "", "truncated data"},
		{"a huge tensor, no data", file(`{`+entry("a", "F32", "[1000000000000]", "[0,4000000000000]")+`}`, ""), "", "truncated data: the header describes 4000000000000 bytes"},
		{"overlapping tensors", file(`{`+entry("a", "F32", "[2]", "[0,8]")+`,`+entry("b", "F32", "[2]", "[4,12]")+`}`, f32One+f32One+f32One), "b", `bytes [4, 12) overlap those of tensor "a" [0, 8)`},
		{"two names for one range", file(`{`+entry("a", "F32", "[1]", "[0,4]")+`,`+entry("b", "F32", "[1]", "[0,4]")+`}`, f32One), "b", `overlap those of tensor "a"`},
		{"empty tensor inside another", file(`{`+entry("a", "F32", "[2]", "[0,8]")+`,`+entry("e", "F32", "[0]", "[4,4]")+`}`, f32One+f32One), "e", `bytes [4, 4) overlap`},
		{"hole between tensors", file(`{`+entry("a", "F32", "[1]", "[0,4]")+`,`+entry("b", "F32", "[1]", "[8,12]")+`}`, f32One+f32One+f32One), "", `bytes [4, 8) of the data belong to no tensor (the next tensor, "b", begins at 8)`},
		{"hole at the start", file(`{`+entry("a", "F32", "[1]", "[4,8]")+`}`, f32One+f32One), "", "bytes [0, 4) of the data belong to no tensor"},
		{"bytes after the last tensor", file(`{`+valid+`}`, f32One+"00"), "", "the file goes on after the 4 bytes of tensor data"},
		{"data but no tensors", file(`{}`, f32One), "", "goes on after the 0 bytes"},

		// Names that JSON decoders read differently.
		{"lone high surrogate", file(`{`+entry(`\ud800`, "F32", "[]", "[0,4]")+`}`, f32One), "", `unpaired UTF-16 surrogate \uD800 at byte 2`},
		{"lone low surrogate", file(`{`+entry(`x\uDC00`, "F32", "[]", "[0,4]")+`}`, f32One), "", `unpaired UTF-16 surrogate \uDC00`},
		{"high surrogate then a letter", file(`{`+entry(`\ud800\u0041`, "F32", "[]", "[0,4]")+`}`, f32One), "", `unpaired UTF-16 surrogate \uD800`},
		{"two halves reversed", file(`{`+entry(`\udc00\ud800`, "F32", "[]", "[0,4]")+`}`, f32One), "", `unpaired UTF-16 surrogate \uDC00`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := safetensors.Read(bytes.NewReader(tt.file))
			if err == nil {
				t.Fatalf("Read succeeded with tensors %v", f.Names())
			}
			if !errors.Is(err, safetensors.ErrFormat) {
				t.Errorf("error %v does not wrap ErrFormat", err)
			}
			var fe *safetensors.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T %v is not a *FormatError", err, err)
			}
			if fe.Tensor != tt.tensor {
				t.Errorf("FormatError.Tensor = %q, want %q (error: %v)", fe.Tensor, tt.tensor, err)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "safetensors: ") {
				t.Errorf("error = %q, want one starting with \"safetensors: \" and containing %q", err, tt.want)
			}
		})
	}
}

// TestReadAcceptsEdgeCases reads valid files that a strict reader might
// wrongly refuse.
func TestReadAcceptsEdgeCases(t *testing.T) {
	tests := []struct {
		name  string
		file  []byte
		names []string
	}{
		{"no padding", rawFile(`{}`, ""), nil},
		{"whitespace padding and inside", rawFile("{ \"a\" : {\"dtype\":\"F32\",\"shape\":[ ],\"data_offsets\":[0,4]} }\n\t\r ", f32One), []string{"a"}},
		{"unknown keys are skipped", file(`{"a":{"x":{"deep":[1,{"y":null}]},"dtype":"F32","shape":[],"data_offsets":[0,4]}}`, f32One), []string{"a"}},
		{"null metadata", file(`{"__metadata__":null}`, ""), nil},
		{"entries in any order", file(`{`+entry("b", "F32", "[1]", "[4,8]")+`,`+entry("a", "F32", "[1]", "[0,4]")+`}`, f32One+f32One), []string{"a", "b"}},
		{"empty tensors share an offset", file(`{`+entry("z", "F32", "[0]", "[0,0]")+`,`+entry("y", "F64", "[2,0]", "[0,0]")+`,`+entry("a", "F32", "[1]", "[0,4]")+`}`, f32One), []string{"y", "z", "a"}},
		{"other dtypes", file(`{`+entry("h", "BF16", "[2]", "[0,4]")+`,`+entry("b", "BOOL", "[4]", "[4,8]")+`}`, "00000000 01000100"), []string{"h", "b"}},
		{"empty name", file(`{`+entry("", "F32", "[]", "[0,4]")+`}`, f32One), []string{""}},
		{"FNUZ float8 dtypes", file(`{`+entry("e", "F8_E4M3FNUZ", "[2]", "[0,2]")+`,`+entry("f", "F8_E5M2FNUZ", "[2]", "[2,4]")+`}`, f32One), []string{"e", "f"}},
		{"surrogate pair and escaped backslashes", file(`{`+entry(`\ud83d\ude00\\ud800`, "F32", "[]", "[0,4]")+`}`, f32One), []string{"\U0001F600\\ud800"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := safetensors.Read(bytes.NewReader(tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Names(); strings.Join(got, ",") != strings.Join(tt.names, ",") || len(got) != len(tt.names) {
				t.Errorf("Names = %q, want %q", got, tt.names)
			}
		})
	}
}

// errReader returns its data, then err.
type errReader struct {
	data []byte
	err  error
}

func (r *errReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

// TestReadReaderErrors checks that an error of the reader is returned, not
// mistaken for a damaged file, wherever it happens.
func TestReadReaderErrors(t *testing.T) {
	full := file(`{`+entry("a", "F32", "[1]", "[0,4]")+`}`, f32One)
	broken := errors.New("connection reset")
	for _, at := range []int{0, 4, 8, 20, len(full) - 2, len(full)} {
		_, err := safetensors.Read(&errReader{data: full[:at], err: broken})
		if !errors.Is(err, broken) || errors.Is(err, safetensors.ErrFormat) {
			t.Errorf("error after %d bytes = %v, want the reader's error only", at, err)
		}
	}
	// An io.LimitReader that cuts the file reads as a truncated file.
	_, err := safetensors.Read(io.LimitReader(bytes.NewReader(full), int64(len(full)-1)))
	if !errors.Is(err, safetensors.ErrFormat) || !strings.Contains(err.Error(), "truncated data") {
		t.Errorf("limited read error = %v, want truncated data", err)
	}
}

// TestReadAllocatesWhatArrives checks that lengths a file only declares cost
// no memory: a header length just under MaxHeaderSize and a 4 TB tensor,
// with a few bytes behind them, allocate well under a megabyte.
func TestReadAllocatesWhatArrives(t *testing.T) {
	files := map[string][]byte{
		"99 MB header":  append(lenOnly(safetensors.MaxHeaderSize-1), `{"a":`...),
		"4 TB of data":  file(`{`+entry("a", "F32", "[1000000000000]", "[0,4000000000000]")+`}`, f32One),
		"1 GB metadata": append(lenOnly(safetensors.MaxHeaderSize), `{"__metadata__":{"k":"`...),
	}
	for name, raw := range files {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := safetensors.Read(bytes.NewReader(raw))
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Fatalf("%s: Read succeeded", name)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
			t.Errorf("%s: Read allocated %d bytes, want < 1 MiB", name, got)
		}
	}
}
