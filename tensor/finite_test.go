package tensor

import (
	"errors"
	"math"
	"testing"
)

// TestAllFiniteHasNaN places a NaN, +Inf or -Inf at every position of
// tensors whose lengths straddle the unrolled loop and the block size, in
// both element types, and checks both predicates there.
func TestAllFiniteHasNaN(t *testing.T) {
	for _, n := range []int{1, 3, 4, 5, 255, 256, 257, 1000} {
		checkFinite[float64](t, n)
		checkFinite[float32](t, n)
	}
	if !AllFinite(Zeros[float64](0)) || HasNaN(Zeros[float32](0)) {
		t.Error("an empty tensor must be all finite and hold no NaN")
	}
	big := []float64{math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, math.Copysign(0, -1)}
	if !AllFiniteSlice(big) || HasNaNSlice(big) {
		t.Error("extreme finite float64 values reported as non-finite")
	}
	big32 := []float32{math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32}
	if !AllFiniteSlice(big32) || HasNaNSlice(big32) {
		t.Error("extreme finite float32 values reported as non-finite")
	}
}

func checkFinite[T Float](t *testing.T, n int) {
	t.Helper()
	x := Full(T(1.5), n)
	if !AllFinite(x) || HasNaN(x) {
		t.Fatalf("n=%d %T: finite tensor: AllFinite %v HasNaN %v", n, T(0), AllFinite(x), HasNaN(x))
	}
	bad := []struct {
		v        float64
		wantNaN  bool
		describe string
	}{{math.NaN(), true, "NaN"}, {math.Inf(1), false, "+Inf"}, {math.Inf(-1), false, "-Inf"}}
	for _, b := range bad {
		for i := range n {
			d := x.Data()
			d[i] = T(b.v)
			if AllFinite(x) {
				t.Errorf("n=%d %T: AllFinite true with %s at %d", n, T(0), b.describe, i)
			}
			if got := HasNaN(x); got != b.wantNaN {
				t.Errorf("n=%d %T: HasNaN = %v with %s at %d, want %v", n, T(0), got, b.describe, i, b.wantNaN)
			}
			d[i] = 1.5
		}
	}
}

func TestAllFiniteAllocatesNothing(t *testing.T) {
	x := Full(float32(2), 4096)
	if n := testing.AllocsPerRun(20, func() { AllFinite(x); HasNaN(x) }); n != 0 {
		t.Errorf("AllFinite+HasNaN allocate %v times, want 0", n)
	}
}

func BenchmarkAllFinite(b *testing.B) {
	x := Full(float32(2), 1<<20)
	b.SetBytes(4 << 20)
	for b.Loop() {
		if !AllFinite(x) {
			b.Fatal("finite tensor reported non-finite")
		}
	}
}

// A nil tensor is a programmer error: a typed panic naming the function,
// not a nil dereference.
func TestAllFiniteHasNaNNil(t *testing.T) {
	for _, c := range []struct {
		name, want string
		f          func()
	}{
		{"AllFinite", "tensor: AllFinite: t = <nil>: must not be nil", func() { AllFinite[float64](nil) }},
		{"HasNaN", "tensor: HasNaN: t = <nil>: must not be nil", func() { HasNaN[float32](nil) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				var ae *ArgError
				err, _ := recover().(error)
				if !errors.As(err, &ae) || err.Error() != c.want {
					t.Errorf("panic %v, want *ArgError %q", err, c.want)
				}
			}()
			c.f()
		})
	}
}

// TestSameBits: same shape and bits; NaNs with one payload are the same,
// 0 and −0 are not, nor are equal data under another shape; float32 too.
func TestSameBits(t *testing.T) {
	nan := math.NaN()
	other := math.Float64frombits(math.Float64bits(nan) ^ 1) // another payload
	a := MustNew([]float64{1, nan, 0, -2}, 2, 2)
	for _, c := range []struct {
		b    *Tensor[float64]
		want bool
	}{
		{MustNew([]float64{1, nan, 0, -2}, 2, 2), true},
		{MustNew([]float64{1, nan, math.Copysign(0, -1), -2}, 2, 2), false},
		{MustNew([]float64{1, other, 0, -2}, 2, 2), false},
		{MustNew([]float64{1, nan, 0, -2}, 4), false},
		{MustNew([]float64{1, nan, 0, math.Nextafter(-2, 0)}, 2, 2), false},
	} {
		if got := SameBits(a, c.b); got != c.want {
			t.Errorf("SameBits(%v, %v) = %v, want %v", a.Data(), c.b.Data(), got, c.want)
		}
	}
	f := MustNew([]float32{float32(nan), 0}, 2)
	if !SameBits(f, f.Clone()) || SameBits(f, MustNew([]float32{float32(nan), float32(math.Copysign(0, -1))}, 2)) {
		t.Errorf("SameBits of float32 tensors")
	}
}
