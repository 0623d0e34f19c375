package safetensors_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/layers/safetensors"
)

// members returns the members that member gives for 0, 1, 2..., joined
// by commas, up to about size bytes.
func members(size int, member func(i int) string) string {
	var b strings.Builder
	for i := 0; b.Len() < size; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(member(i))
	}
	return b.String()
}

// hostileHeader returns a file of a header of about size bytes, an object
// of the members that member gives, and no data.
func hostileHeader(size int, member func(i int) string) []byte {
	return rawFile("{"+members(size, member)+"}", "")
}

// TestReadHeaderMemory reads headers of a few megabytes made to be costly
// (the most tensors, the most dimensions, the most metadata keys per byte)
// and checks the bound of the package doc: Read allocates at most 6 bytes
// per byte of header in all, and the File it returns keeps at most 4 (the
// 8-byte int of a dimension written "0,"). Before the header had its own
// scanner, the 64-dimension file allocated 60 times its size.
func TestReadHeaderMemory(t *testing.T) {
	size, dup := 2<<20, 30000
	if raceEnabled {
		// An eighth of the size (and of the names before the duplicate):
		// the bounds are not checked under the race detector, which took
		// 13 s to parse the full headers on one goroutine; what it runs
		// still reads every kind of hostile header, and the counts of
		// tensors are checked at both sizes.
		size, dup = 256<<10, 3000
	}
	name := func(i int) string { return strconv.FormatInt(int64(i), 36) }
	dims64 := "[" + strings.Repeat("0,", safetensors.MaxDims-1) + "0]"
	tests := []struct {
		name  string
		file  []byte
		names int // tensors in the file; 0 for a refused one
		// raceNames is names at the race detector's smaller size.
		raceNames int
	}{
		{"64 dimensions", hostileHeader(size, func(i int) string {
			return `"` + name(i) + `":{"dtype":"U8","shape":` + dims64 + `,"data_offsets":[0,0]}`
		}), 11659, 1464},
		{"one dimension", hostileHeader(size, func(i int) string {
			return `"` + name(i) + `":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}`
		}), 38861, 4880},
		{"escaped names", hostileHeader(size, func(i int) string {
			return `"\u00e9` + name(i) + `":{"dtype":"BOOL","shape":[0],"data_offsets":[0,0]}`
		}), 33847, 4250},
		{"metadata", rawFile(`{"__metadata__":{`+members(size, func(i int) string {
			return `"` + name(i) + `":""`
		})+`},"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}`, ""), 1, 1},
		{"unknown keys", hostileHeader(size, func(i int) string {
			var b strings.Builder
			b.WriteString(`"` + name(i) + `":{"dtype":"U8","shape":[0],"data_offsets":[0,0]`)
			for j := range 1000 {
				b.WriteString(`,"` + name(j) + `":[0]`)
			}
			return b.String() + "}"
		}), 233, 30},
		{"duplicate name at the end", hostileHeader(size, func(i int) string {
			return `"` + name(i%dup) + `":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}`
		}), 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runtime.GC()
			var before, after, kept runtime.MemStats
			runtime.ReadMemStats(&before)
			f, err := safetensors.Read(bytes.NewReader(tt.file))
			runtime.ReadMemStats(&after)
			runtime.GC()
			runtime.ReadMemStats(&kept)
			want := tt.names
			if raceEnabled {
				want = tt.raceNames
			}
			if want > 0 {
				if err != nil {
					t.Fatal(err)
				}
				if got := len(f.Names()); got != want {
					t.Errorf("%d tensors, want %d", got, want)
				}
			} else if err == nil {
				t.Fatal("Read succeeded")
			}
			n := float64(len(tt.file))
			total := float64(after.TotalAlloc - before.TotalAlloc)
			held := float64(int64(kept.HeapAlloc) - int64(before.HeapAlloc))
			t.Logf("%d bytes: %.2f bytes allocated per byte, %.2f kept", len(tt.file), total/n, held/n)
			if raceEnabled {
				return // the bounds hold for the plain build, which go test checks
			}
			if total > 6*n {
				t.Errorf("Read allocated %.0f bytes for a header of %.0f, %.1f per byte; want at most 6", total, n, total/n)
			}
			if held > 4*n+1<<16 {
				t.Errorf("the File keeps %.0f bytes for a header of %.0f, %.1f per byte; want at most 4", held, n, held/n)
			}
			runtime.KeepAlive(f)
		})
	}
}

// TestReadHeaderJSON checks that Read's JSON scanner reads what
// encoding/json reads: every escape, number and nesting of JSON in names,
// metadata and skipped keys, and refuses what it refuses.
func TestReadHeaderJSON(t *testing.T) {
	const one = `"dtype":"F32","shape":[],"data_offsets":[0,4]`
	accepted := []string{
		`{"a\"\\\/\b\f\n\r\tz":{` + one + `}}`,
		`{"\u0041\u00e9\u20ac\ud83d\ude00":{` + one + `}}`,
		`{"__metadata__":{"k\u0000":"v\n\u00e9","":"","\\":"\/"},"a":{` + one + `}}`,
		`{"a":{"x":[-0,0.5,1e9,-1.5E-3,2e+1,true,false,null,"s",{},[],{"y":[[{}]]}],` + one + `}}`,
		"{\t\"a\"\r:\n{ \"dtype\" : \"F\\u0033\\u0032\" , \"shape\" : [ ] , \"data_offsets\" : [ 0 , 4 ] } }\n",
		`{"a":{"x":` + strings.Repeat("[", 9998) + strings.Repeat("]", 9998) + `,` + one + `}}`,
	}
	for _, h := range accepted {
		f, err := safetensors.Read(bytes.NewReader(file(h, f32One)))
		if err != nil {
			t.Errorf("Read(%.60q): %v", h, err)
			continue
		}
		var want map[string]json.RawMessage
		if err := json.Unmarshal([]byte(h), &want); err != nil {
			t.Fatalf("encoding/json refuses %.60q: %v", h, err)
		}
		var wantMeta map[string]string
		if m, ok := want["__metadata__"]; ok {
			delete(want, "__metadata__")
			if err := json.Unmarshal(m, &wantMeta); err != nil {
				t.Fatal(err)
			}
		}
		if diff := cmp.Diff(slices.Sorted(maps.Keys(want)), f.Names()); diff != "" {
			t.Errorf("%.60q: names (-encoding/json +Read):\n%s", h, diff)
		}
		if diff := cmp.Diff(wantMeta, f.Metadata()); diff != "" {
			t.Errorf("%.60q: metadata (-encoding/json +Read):\n%s", h, diff)
		}
	}

	refused := map[string]string{
		`{"a":{` + one + `},}`:               `invalid character '}' looking for beginning of object key string`,
		`{"a" {` + one + `}}`:                `invalid character '{' after object key`,
		`{"a":{` + one + `} "b":1}`:          `invalid character '"' after object key:value pair`,
		`{"a":{"x":[1 2],` + one + `}}`:      `invalid character '2' after array element`,
		`{"a":{"x":[1,],` + one + `}}`:       `invalid character ']' looking for beginning of value`,
		`{"a":{"x":01,` + one + `}}`:         `invalid character '1' after object key:value pair`,
		`{"a":{"x":1.,` + one + `}}`:         `invalid character ',' after decimal point in numeric literal`,
		`{"a":{"x":1e,` + one + `}}`:         `invalid character ',' in exponent of numeric literal`,
		`{"a":{"x":-a,` + one + `}}`:         `invalid character 'a' in numeric literal`,
		`{"a":{"x":+1,` + one + `}}`:         `invalid character '+' looking for beginning of value`,
		`{"a":{"x":tru,` + one + `}}`:        `invalid character ',' in literal true`,
		`{"a":{"x":'s',` + one + `}}`:        `invalid character '\'' looking for beginning of value`,
		`{"a\x":{` + one + `}}`:              `invalid character 'x' in string escape code`,
		`{"a\u00g0":{` + one + `}}`:          `invalid character 'g' in \u hexadecimal character escape`,
		"{\"a\tb\":{" + one + "}}":           `invalid character '\t' in string literal`,
		`{"a":{"x":{"y" 1},` + one + `}}`:    `invalid character '1' after object key`,
		`{"a":{"x":[[[}]]],` + one + `}}`:    `invalid character '}' looking for beginning of value`,
		`{"a":{"x":{"y":1]],` + one + `}}`:   `invalid character ']' after object key:value pair`,
		`{"a":{"dtype":"F32","shape":[],"da`: `it ends too early`,
		`{"a":{"x":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `,` + one + `}}`: `arrays and objects nest more than 10000 deep`,
		`{"a":{"x":"é` + "\x7f" + `",` + one + `}z`:                                             `invalid character 'z' after object key:value pair`,
	}
	for h, want := range refused {
		_, err := safetensors.Read(bytes.NewReader(file(h, f32One)))
		if !errors.Is(err, safetensors.ErrFormat) || !strings.Contains(err.Error(), "the header is not valid JSON: "+want) {
			t.Errorf("Read(%.60q) error = %v, want a format error with %q", h, err, want)
		}
		if json.Valid([]byte(h)) {
			t.Errorf("encoding/json accepts %.60q", h)
		}
	}
}
