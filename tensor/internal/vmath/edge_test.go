package vmath

import (
	"math"
	"testing"
)

// edgeInputs are the special and threshold arguments of every kernel: ±0,
// the smallest subnormal and normal numbers, the largest finite number,
// ±Inf, NaN and the overflow and underflow thresholds of exp in both
// precisions (which also bound σ, softplus and expm1).
func edgeInputs(f64 bool) []float64 {
	inf, nan := math.Inf(1), math.NaN()
	var v []float64
	if f64 {
		v = []float64{0x1p-1074, 0x1p-1022, math.MaxFloat64, 709.782712893384, 709.7827128933841, 709.78, 745.1332191019411, 745.1332191019412, 708.3964185322641, 38.4, 26.55, 37.5}
	} else {
		v = []float64{0x1p-149, 0x1p-126, math.MaxFloat32, 88.72283, 88.72284, 103.97208, 103.97209, 87.33655, 14.1, 10.05, 13.5}
	}
	v = append(v, 1, 0.5, 1e-8, 2, 20, 1000)
	out := []float64{0, math.Copysign(0, -1), inf, -inf, nan}
	for _, x := range v {
		out = append(out, x, -x)
	}
	return out
}

// TestEdgeCases runs the edge inputs through the exported kernels, the
// portable loops and every assembly variant, and checks each result against
// the reference: within the stated bound, NaN for NaN, and the sign of a
// zero result as package math gives it.
func TestEdgeCases(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testEdgeCases(t, kernels32(), asmImpls32()) })
	t.Run("float64", func(t *testing.T) { testEdgeCases(t, kernels64(), asmImpls64()) })
}

func testEdgeCases[T float32 | float64](t *testing.T, ks, asm []impl[T]) {
	f64 := isF64[T]()
	in := edgeInputs(f64)
	x := make([]T, len(in))
	g := make([]T, len(in))
	for i, v := range in {
		x[i], g[i] = T(v), 1
	}
	for _, k := range ks {
		paths := append([]impl[T]{k}, asmFor(asm, k.name)...)
		for pi, p := range paths {
			got := make([]T, len(x))
			n := len(x)
			switch {
			case pi == 0 && k.grad != nil:
				k.api3(got, x, g)
			case pi == 0:
				k.api(got, x)
			case p.grad != nil:
				n = p.grad(got, x, g)
			default:
				n = p.unary(got, x)
			}
			for i := range n {
				ref, scale := refs[k.name](float64(x[i]), 1)
				e := ulpErr(float64(got[i]), ref, scale, slack(k.name, float64(x[i]), ref, f64), f64)
				if e > k.ulps {
					t.Errorf("%s (%s): x = %v: got %v, want %v (%.3g ulp)", k.name, p.isa, x[i], got[i], ref, e)
				}
				if ref == 0 && got[i] == 0 && k.grad == nil && math.Signbit(ref) != math.Signbit(float64(got[i])) {
					t.Errorf("%s (%s): x = %v: got %v, want %v", k.name, p.isa, x[i], got[i], ref)
				}
			}
		}
	}
}

// TestLengthsAndAliasing checks every length from 0 to 70 (the vector
// loops' tails) and dst = x, against the portable loop.
func TestLengthsAndAliasing(t *testing.T) {
	lengths := make([]int, 71)
	for n := range lengths {
		lengths[n] = n
	}
	x := func(i int) float64 { return float64(i)*0.37 - 9 }
	t.Run("float32", func(t *testing.T) { testLengths(t, kernels32(), lengths, x) })
	t.Run("float64", func(t *testing.T) { testLengths(t, kernels64(), lengths, x) })
}

// testLengths runs every kernel of ks in place (dst = x) at each length,
// on x[i] = x(i) and g[i] in {1, 2, 3}, and compares with its portable loop.
func testLengths[T float32 | float64](t *testing.T, ks []impl[T], lengths []int, xf func(i int) float64) {
	for _, k := range ks {
		for _, n := range lengths {
			x, g := make([]T, n), make([]T, n)
			for i := range x {
				x[i], g[i] = T(xf(i)), T(1+float64(i%3))
			}
			want, got := make([]T, n), append([]T(nil), x...)
			if k.grad != nil {
				k.grad(want, x, g)
				k.api3(got, got, g)
			} else {
				k.unary(want, x)
				k.api(got, got)
			}
			if i := firstDiff(got, want); i >= 0 {
				t.Fatalf("%s, n = %d, in place: element %d is %v, want %v", k.name, n, i, got[i], want[i])
			}
		}
	}
}

// TestLengthMismatch checks the panic value for slices of different lengths.
func TestLengthMismatch(t *testing.T) {
	defer func() {
		e, ok := recover().(*LengthError)
		if !ok || e.Op != "GELUGrad32" || e.G != 2 {
			t.Errorf("panic value %v, want a *LengthError for GELUGrad32", e)
		}
	}()
	GELUGrad32(make([]float32, 3), make([]float32, 3), make([]float32, 2))
}

// TestGradEdges pins every derivative kernel at the edges to values stated
// here, not taken from a reference: f'(x) at ±0 and ±tiny, at the largest
// finite numbers (the limits 1 and 0), at ±Inf and at NaN, each times g in
// {1, -2, 0, NaN, ±Inf}. At ±Inf the derivatives of GELU, GELUTanh and SiLU
// are NaN (1 + Inf·0 and Inf·0), as the engine's composed derivatives and
// PyTorch give; those of Softplus (σ), Erf and NormCDF (multiples of
// e^(-x²) and e^(-x²/2)) are their limits. The result must be g·f'(x) in
// IEEE arithmetic, so that an infinite g meets a zero derivative as NaN.
// Signs of zero are not compared.
func TestGradEdges(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testGradEdges(t, kernels32(), asmImpls32(), math.MaxFloat32, 0x1p-149) })
	t.Run("float64", func(t *testing.T) { testGradEdges(t, kernels64(), asmImpls64(), math.MaxFloat64, 0x1p-1074) })
}

func testGradEdges[T float32 | float64](t *testing.T, ks, asm []impl[T], huge, tiny float64) {
	inf, nan := math.Inf(1), math.NaN()
	xs := []float64{0, math.Copysign(0, -1), tiny, -tiny, huge, -huge, inf, -inf, nan}
	// f'(x) at each of xs, by kernel.
	want := map[string][]float64{
		"GELUGrad":     {0.5, 0.5, 0.5, 0.5, 1, 0, nan, nan, nan},
		"GELUTanhGrad": {0.5, 0.5, 0.5, 0.5, 1, 0, nan, nan, nan},
		"SiLUGrad":     {0.5, 0.5, 0.5, 0.5, 1, 0, nan, nan, nan},
		"SoftplusGrad": {0.5, 0.5, 0.5, 0.5, 1, 0, 1, 0, nan},
		"ErfGrad":      {2 / math.SqrtPi, 2 / math.SqrtPi, 2 / math.SqrtPi, 2 / math.SqrtPi, 0, 0, 0, 0, nan},
		"NormCDFGrad":  {1 / math.Sqrt(2*math.Pi), 1 / math.Sqrt(2*math.Pi), 1 / math.Sqrt(2*math.Pi), 1 / math.Sqrt(2*math.Pi), 0, 0, 0, 0, nan},
	}
	gs := []float64{1, -2, 0, nan, inf, -inf}
	// Every pair of x and g, repeated to a multiple of 16 elements so that
	// the AVX2 loops cover all of them.
	var x, g []T
	for len(x) == 0 || len(x)%16 != 0 {
		for _, xv := range xs {
			for _, gv := range gs {
				x, g = append(x, T(xv)), append(g, T(gv))
			}
		}
	}
	seen := 0
	for _, k := range ks {
		if k.grad == nil {
			continue
		}
		fp, ok := want[k.name]
		if !ok {
			t.Errorf("%s: no edge values stated for this derivative kernel", k.name)
			continue
		}
		seen++
		// The exported function, the portable loop and each assembly variant.
		paths := []impl[T]{{isa: "exported", grad: gradPrefix(k.api3)}, k}
		for _, p := range append(paths, asmFor(asm, k.name)...) {
			got := make([]T, len(x))
			if n := p.grad(got, x, g); n != len(x) {
				t.Fatalf("%s (%s) covered %d of %d elements", k.name, p.isa, n, len(x))
			}
			for i := range got {
				w := T(fp[i/len(gs)%len(xs)]) * g[i]
				if got[i] != w && !(w != w && got[i] != got[i]) {
					t.Errorf("%s (%s): x = %v, g = %v: got %v, want %v", k.name, p.isa, x[i], g[i], got[i], w)
				}
			}
		}
	}
	if seen != len(want) {
		t.Errorf("%d derivative kernels, %d with stated edge values", seen, len(want))
	}
}
