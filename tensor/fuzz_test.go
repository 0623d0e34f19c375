package tensor_test

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"runtime"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

// FuzzNew feeds New, MustNew, Reshape and Zeros a data length and a shape
// decoded from the fuzzer's input, with negative, huge and overflowing
// dimensions among them (see fuzzShape). The contract checked:
//
//   - New never panics. It succeeds exactly when every dimension is
//     non-negative and the exact (unbounded) product of the dimensions
//     equals the data length; otherwise it returns a *tensor.ShapeError. A
//     tensor it returns has that shape and shares the data slice.
//   - MustNew succeeds when New does, with the same tensor, and otherwise
//     panics with New's *tensor.ShapeError, never another value.
//   - Reshape of a vector of the data to the shape (where one -1 may stand
//     for the inferred dimension) succeeds with the right shape or panics
//     with a *tensor.ShapeError. Where no product of dimensions exceeds
//     MaxInt it must decide exactly as arithmetic does; beyond, refusing is
//     allowed, a wrong success is not.
//   - None of them allocates more than a few kilobytes, whatever the shape
//     claims: they do not copy the data, so an absurd shape must be refused
//     before anything is allocated for it.
//   - Zeros, which does allocate, is called only when the shape is invalid
//     (it must panic with a *tensor.ShapeError, having allocated nothing) or
//     has at most 1<<16 elements (it must succeed).
//
// The seed corpus, testdata/fuzz/FuzzNew, runs with every go test. To fuzz:
//
//	go test ./tensor -run '^$' -fuzz FuzzNew -fuzztime 5m
func FuzzNew(f *testing.F) {
	f.Fuzz(func(t *testing.T, n uint16, shapeBytes []byte) {
		length := int(n) % 4097
		shape := fuzzShape(shapeBytes)
		data := make([]float64, length)
		for i := range data {
			data[i] = float64(i) + 0.5
		}
		want, wantOK := exactCount(shape)
		valid := wantOK && want.IsInt64() && want.Int64() == int64(length)

		var x *tensor.Tensor[float64]
		var err error
		var mustPanic any
		var reshaped *tensor.Tensor[float64]
		var reshapePanic any
		base := tensor.MustNew(data, length)
		allocated := bytesAllocated(func() {
			x, err = tensor.New(data, shape...)
			mustPanic = panicOf(func() { tensor.MustNew(data, shape...) })
			reshapePanic = panicOf(func() { reshaped = base.Reshape(shape...) })
		})
		if limit := 16<<10 + 256*len(shape); allocated > uint64(limit) {
			t.Errorf("New, MustNew and Reshape with shape %v (data length %d) allocated %d bytes, want at most %d", shape, length, allocated, limit)
		}

		// New.
		switch {
		case valid && err != nil:
			t.Fatalf("New(%d elements, %v) = error %v, want a tensor", length, shape, err)
		case !valid && err == nil:
			t.Fatalf("New(%d elements, %v) succeeded with shape %v, want an error (exact element count %v)", length, shape, x.Shape(), want)
		case err != nil:
			var se *tensor.ShapeError
			if !errors.As(err, &se) || x != nil {
				t.Fatalf("New(%d elements, %v) = %v, %v; want nil and a *tensor.ShapeError", length, shape, x, err)
			}
		default:
			checkTensor(t, "New", x, shape, data)
		}

		// MustNew.
		if valid != (mustPanic == nil) {
			t.Fatalf("MustNew(%d elements, %v) panicked with %v; New returned error %v", length, shape, mustPanic, err)
		}
		if mustPanic != nil {
			if e, ok := mustPanic.(*tensor.ShapeError); !ok || e.Error() != err.Error() {
				t.Fatalf("MustNew(%d elements, %v) panicked with %T %v, want New's error %v", length, shape, mustPanic, mustPanic, err)
			}
		}

		// Reshape.
		target, reshapeOK, decided := reshapeTarget(shape, length)
		switch {
		case reshapePanic != nil:
			if _, ok := reshapePanic.(*tensor.ShapeError); !ok {
				t.Fatalf("Reshape([%d] to %v) panicked with %T %v, want a *tensor.ShapeError", length, shape, reshapePanic, reshapePanic)
			}
			if reshapeOK && decided {
				t.Fatalf("Reshape([%d] to %v) panicked with %v, want shape %v", length, shape, reshapePanic, target)
			}
		case !reshapeOK:
			t.Fatalf("Reshape([%d] to %v) succeeded with shape %v, want a *tensor.ShapeError", length, shape, reshaped.Shape())
		default:
			checkTensor(t, "Reshape", reshaped, target, data)
		}

		// Zeros, only where it must not allocate much.
		switch {
		case !wantOK || !want.IsInt64():
			var z *tensor.Tensor[float64]
			var p any
			allocated := bytesAllocated(func() { p = panicOf(func() { z = tensor.Zeros[float64](shape...) }) })
			if _, ok := p.(*tensor.ShapeError); !ok {
				t.Fatalf("Zeros(%v) = %v, panic %T %v; want a *tensor.ShapeError panic", shape, z, p, p)
			}
			if limit := 16<<10 + 256*len(shape); allocated > uint64(limit) {
				t.Errorf("Zeros(%v) allocated %d bytes before refusing, want at most %d", shape, allocated, limit)
			}
		case want.Int64() <= 1<<16:
			var z *tensor.Tensor[float64]
			if p := panicOf(func() { z = tensor.Zeros[float64](shape...) }); p != nil {
				t.Fatalf("Zeros(%v) panicked with %v, want %v zeros", shape, p, want)
			}
			checkTensor(t, "Zeros", z, shape, make([]float64, want.Int64()))
		}

		// float32 takes the same path through New.
		data32 := make([]float32, length)
		if _, err32 := tensor.New(data32, shape...); (err32 == nil) != valid {
			t.Fatalf("New[float32](%d elements, %v) error %v, float64 error %v", length, shape, err32, err)
		}
	})
}

// fuzzShape decodes a shape: one tag byte per dimension (at most 64), whose
// low 3 bits choose the kind and whose high 5 bits v parameterize it:
//
//	0-3  v itself, 0 to 31 (small dimensions, zero included)
//	4    -1-v, -1 to -32 (negative; -1 is Reshape's inferred dimension)
//	5    the next 8 bytes as a signed little-endian integer (anything)
//	6    1<<(2v mod 63) (powers of two up to 1<<62: products overflow)
//	7    an extreme value (MaxInt, MinInt, MaxInt/2+1, 2³²±1, ...)
func fuzzShape(b []byte) []int {
	extremes := []int{math.MaxInt, math.MinInt, math.MaxInt/2 + 1, 1<<32 + 1, 1<<32 - 1, math.MaxInt / 3, 3, math.MaxInt - 1}
	var s []int
	for len(b) > 0 && len(s) < 64 {
		tag := b[0]
		b = b[1:]
		v := int(tag >> 3)
		switch tag & 7 {
		case 0, 1, 2, 3:
			s = append(s, v)
		case 4:
			s = append(s, -1-v)
		case 5:
			var u uint64
			for i := 0; i < 8 && len(b) > 0; i++ {
				u |= uint64(b[0]) << (8 * i)
				b = b[1:]
			}
			s = append(s, int(int64(u)))
		case 6:
			s = append(s, 1<<(2*v%63))
		default:
			s = append(s, extremes[v%len(extremes)])
		}
	}
	return s
}

// exactCount returns the exact product of shape's dimensions, and false
// when a dimension is negative.
func exactCount(shape []int) (*big.Int, bool) {
	n := big.NewInt(1)
	for _, d := range shape {
		if d < 0 {
			return nil, false
		}
		n.Mul(n, big.NewInt(int64(d)))
	}
	return n, true
}

// reshapeTarget returns the shape that reshaping n elements to shape gives
// (with a -1 inferred), and whether that is valid. decided is false when
// the arithmetic leaves int (a product of the known dimensions beyond
// MaxInt), where Reshape may refuse a shape that is valid in exact
// arithmetic.
func reshapeTarget(shape []int, n int) (target []int, ok, decided bool) {
	target = slices.Clone(shape)
	infer := -1
	known := big.NewInt(1)
	maxInt := big.NewInt(math.MaxInt)
	decided = true
	for i, d := range shape {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d < 0:
			return nil, false, true
		default:
			known.Mul(known, big.NewInt(int64(d)))
			if known.Cmp(maxInt) > 0 {
				decided = false
			}
		}
	}
	if infer < 0 {
		return target, known.IsInt64() && known.Int64() == int64(n), decided
	}
	if known.Sign() == 0 {
		return nil, false, decided // -1 is ambiguous when the other dimensions hold nothing
	}
	q, r := new(big.Int).QuoRem(big.NewInt(int64(n)), known, new(big.Int))
	if r.Sign() != 0 {
		return nil, false, decided
	}
	target[infer] = int(q.Int64())
	return target, true, decided
}

// checkTensor checks a tensor that should have the given shape and
// elements, and (for New and Reshape) share want's backing array.
func checkTensor(t *testing.T, op string, x *tensor.Tensor[float64], shape []int, want []float64) {
	t.Helper()
	if x == nil {
		t.Fatalf("%s returned a nil tensor for shape %v", op, shape)
	}
	got := x.Shape()
	if !slices.Equal(got, shape) || x.Dims() != len(shape) || x.Len() != len(want) || len(x.Data()) != len(want) {
		t.Fatalf("%s: shape %v (dims %d), %d elements; want shape %v, %d elements", op, got, x.Dims(), x.Len(), shape, len(want))
	}
	if len(got) > 0 {
		got[0]++ // Shape returns a copy
		if x.Shape()[0] != shape[0] {
			t.Fatalf("%s: changing the slice Shape returned changed the tensor's shape", op)
		}
	}
	if op != "Zeros" && len(want) > 0 && &x.Data()[0] != &want[0] {
		t.Fatalf("%s copied the data; it must share the slice", op)
	}
	if !slices.Equal(x.Data(), want) {
		t.Fatalf("%s: elements differ from the data", op)
	}
	c := x.Clone()
	if !slices.Equal(c.Shape(), shape) || !slices.Equal(c.Data(), want) {
		t.Fatalf("%s: Clone has shape %v, want %v", op, c.Shape(), shape)
	}
	// String must return for every accepted shape, including empty tensors
	// with a huge axis ([MaxInt 0]).
	_ = fmt.Sprint(x)
}

// panicOf runs f and returns what it panicked with, or nil.
func panicOf(f func()) (p any) {
	defer func() { p = recover() }()
	f()
	return nil
}

// bytesAllocated returns the bytes the process allocated while f ran.
func bytesAllocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
