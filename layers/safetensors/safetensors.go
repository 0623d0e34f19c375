// Package safetensors reads and writes the safetensors file format, the
// format PyTorch and Hugging Face use to store named tensors safely: unlike a
// pickle, a safetensors file is data only, so loading one runs no code.
//
// A file is three parts:
//
//	8 bytes   N, the length of the header, a little-endian uint64
//	N bytes   a JSON object {"name": {"dtype": "F32", "shape": [4, 3], "data_offsets": [0, 48]}, ...}
//	          with an optional "__metadata__" object of string values,
//	          starting with '{' and padded with spaces
//	the rest  the tensors' bytes: little-endian, row-major, packed
//
// The data_offsets of a tensor are relative to the start of the byte buffer.
// Together the tensors cover the buffer exactly, with no gaps and no
// overlaps, so a reader never holds more than the file.
//
// Write a file from tensors of either precision:
//
//	err := safetensors.Write(w, []safetensors.Named{
//		safetensors.Of("weight", w32), // *tensor.Tensor[float32]: F32
//		safetensors.Of("scale", s64),  // *tensor.Tensor[float64]: F64
//	}, map[string]string{"format": "pt"})
//
// and read it back, by name and type:
//
//	f, err := safetensors.Read(r)
//	w32, err := f.Float32("weight")
//
// Write lays a file out as the reference implementation does: tensors
// sorted by decreasing element size, then by name, so that every tensor is
// aligned to its element size; compact JSON with __metadata__ first (its
// keys sorted here, for determinism); the header padded with spaces to a
// multiple of 8 bytes. The same tensors therefore always give the same
// bytes: those the reference writes, but for the order of several metadata
// keys, which it leaves to a hash map.
//
// Read treats its input as hostile. A damaged or malicious file (truncated,
// a header length larger than the file or than MaxHeaderSize, invalid JSON,
// duplicate names, an unknown dtype, a shape that overflows or does not
// match its byte range, offsets out of range, overlapping tensors, gaps)
// returns an error that says what is wrong and where. Read never panics,
// refuses a header longer than MaxHeaderSize or a shape of more than
// MaxDims dimensions before spending memory on it, and otherwise allocates
// in proportion to the bytes it actually reads (at most 6 bytes per byte of
// header, of which it keeps 4: see Read), never to the lengths the file
// declares. It accepts every whole-byte dtype of the format and keeps
// it; typed access exists for F32 and F64, the types Adjoint computes with,
// and returns an error naming the dtype for the others (F16, BF16, I64...).
//
// A File is immutable once read: any number of goroutines may use it at
// once. There is no package-level mutable state.
package safetensors

import (
	"errors"
	"fmt"

	"github.com/adjoint-go/adjoint/tensor"
)

// MaxHeaderSize is the largest JSON header Read accepts, and Write writes:
// 100 MB, the limit of the reference implementation. It refuses a hostile
// header length before anything is allocated; real headers are kilobytes.
const MaxHeaderSize = 100_000_000

// DType names the element type of a tensor in a file: "F32", "F64", "F16",
// "BF16", "I64", ... as spelled in the format.
type DType string

// The element types of the format. Adjoint reads and writes F32 and F64;
// Read accepts files with any of the others (and keeps their dtypes in
// Info), but Float32 and Float64 return an error for them.
const (
	F64    DType = "F64"     // IEEE 754 binary64
	F32    DType = "F32"     // IEEE 754 binary32
	F16    DType = "F16"     // IEEE 754 binary16
	BF16   DType = "BF16"    // bfloat16
	I64    DType = "I64"     // signed 64-bit integer
	I32    DType = "I32"     // signed 32-bit integer
	I16    DType = "I16"     // signed 16-bit integer
	I8     DType = "I8"      // signed 8-bit integer
	U64    DType = "U64"     // unsigned 64-bit integer
	U32    DType = "U32"     // unsigned 32-bit integer
	U16    DType = "U16"     // unsigned 16-bit integer
	U8     DType = "U8"      // unsigned 8-bit integer
	Bool   DType = "BOOL"    // one byte per boolean
	F8E5M2 DType = "F8_E5M2" // 8-bit float, 5 exponent bits
	F8E4M3 DType = "F8_E4M3" // 8-bit float, 4 exponent bits
	F8E8M0 DType = "F8_E8M0" // 8-bit scale, exponent only
	C64    DType = "C64"     // complex64: two binary32

	F8E5M2FNUZ DType = "F8_E5M2FNUZ" // 8-bit float, 5 exponent bits, no −0 or infinities
	F8E4M3FNUZ DType = "F8_E4M3FNUZ" // 8-bit float, 4 exponent bits, no −0 or infinities
)

// Size returns the number of bytes of one element, or 0 for a dtype this
// package does not know (sub-byte types such as F4 included).
func (d DType) Size() int {
	switch d {
	case F64, I64, U64, C64:
		return 8
	case F32, I32, U32:
		return 4
	case F16, BF16, I16, U16:
		return 2
	case I8, U8, Bool, F8E5M2, F8E4M3, F8E8M0, F8E5M2FNUZ, F8E4M3FNUZ:
		return 1
	}
	return 0
}

// Named is one named tensor to write, built with Of. Its zero value holds no
// tensor and Write rejects it.
type Named struct {
	name string
	f32  *tensor.Tensor[float32]
	f64  *tensor.Tensor[float64]
}

// Of names a float32 tensor (written as F32) or a float64 tensor (F64) for
// Write. The tensor is read when Write runs, not copied now.
func Of[T tensor.Float](name string, t *tensor.Tensor[T]) Named {
	if t32, ok := any(t).(*tensor.Tensor[float32]); ok {
		return Named{name: name, f32: t32}
	}
	return Named{name: name, f64: any(t).(*tensor.Tensor[float64])} // tensor.Float is float32 or float64
}

// Name returns the tensor's name.
func (n Named) Name() string { return n.name }

// DType returns F32 or F64, or "" for a Named that holds no tensor.
func (n Named) DType() DType {
	switch {
	case n.f32 != nil:
		return F32
	case n.f64 != nil:
		return F64
	}
	return ""
}

// shape returns the tensor's shape and its number of elements.
func (n Named) shape() ([]int, int) {
	if n.f32 != nil {
		return n.f32.Shape(), n.f32.Len()
	}
	return n.f64.Shape(), n.f64.Len()
}

// Info describes a tensor of a file without decoding it.
type Info struct {
	DType DType
	Shape []int
}

// ErrFormat is wrapped by every error that Read returns because the bytes
// are not a valid safetensors file (as opposed to an error of the
// underlying reader): errors.Is(err, ErrFormat).
var ErrFormat = errors.New("invalid safetensors file")

// FormatError describes what is wrong with a file: the tensor concerned
// (empty when the problem is not about one tensor) and the reason. It wraps
// ErrFormat.
type FormatError struct {
	Tensor string
	Reason string
}

// Error returns "safetensors: tensor "name": reason" or
// "safetensors: reason".
func (e *FormatError) Error() string {
	if e.Tensor != "" {
		return fmt.Sprintf("safetensors: tensor %q: %s", e.Tensor, e.Reason)
	}
	return "safetensors: " + e.Reason
}

// Unwrap returns ErrFormat.
func (e *FormatError) Unwrap() error { return ErrFormat }

// formatErr returns a *FormatError about the named tensor ("" for none).
func formatErr(name, format string, args ...any) error {
	return &FormatError{Tensor: name, Reason: fmt.Sprintf(format, args...)}
}
