package tensor

import (
	"math"
	"testing"
)

// TestTranscendInto checks every Into kernel of transcend.go against a
// float64 formula, in place (dst = x) and into a fresh tensor, and that a
// destination of the wrong shape panics with a *ShapeError.
func TestTranscendInto(t *testing.T) {
	t.Run("float64", testTranscendInto[float64])
	t.Run("float32", testTranscendInto[float32])
}

func testTranscendInto[T Float](t *testing.T) {
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	phi := func(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }
	dens := func(x float64) float64 { return math.Exp(-x*x/2) / math.Sqrt(2*math.Pi) }
	gtanh := func(x float64) float64 { return 0.5 * x * (1 + math.Tanh(0.7978845608028654*(x+0.044715*x*x*x))) }
	in := []float64{-3, -1.5, -0.25, 0, 0.125, 0.7, 2, 4.5}
	pos := []float64{1e-3, 0.25, 1, 2.5, 10, 1e6}
	g := []float64{1.5, -2, 0.5, 1, -0.75, 3, 2, -1}
	unary := []struct {
		name string
		f    func(dst, x *Tensor[T])
		ref  func(float64) float64
		in   []float64
	}{
		{"ExpInto", ExpInto[T], math.Exp, in},
		{"LogInto", LogInto[T], math.Log, pos},
		{"Log1pInto", Log1pInto[T], math.Log1p, append([]float64{-0.5, -1e-3}, pos...)},
		{"Expm1Into", Expm1Into[T], math.Expm1, in},
		{"ErfInto", ErfInto[T], math.Erf, in},
		{"NormCDFInto", NormCDFInto[T], phi, in},
		{"GELUInto", GELUInto[T], func(x float64) float64 { return x * phi(x) }, in},
		{"GELUTanhInto", GELUTanhInto[T], gtanh, in},
		{"SiLUInto", SiLUInto[T], func(x float64) float64 { return x * sig(x) }, in},
		{"SoftplusInto", SoftplusInto[T], func(x float64) float64 { return math.Log1p(math.Exp(x)) }, in},
		{"SigmoidInto", SigmoidInto[T], sig, in},
		{"TanhInto", TanhInto[T], math.Tanh, in},
	}
	tol := tolFor[T]()
	for _, tc := range unary {
		t.Run(tc.name, func(t *testing.T) {
			want := make([]float64, len(tc.in))
			for i, v := range tc.in {
				want[i] = tc.ref(v)
			}
			x := MustNew(fromF64[T](tc.in), 2, len(tc.in)/2)
			dst := Zeros[T](2, len(tc.in)/2)
			tc.f(dst, x)
			checkTensor(t, tc.name, dst, []int{2, len(tc.in) / 2}, want, tol)
			tc.f(x, x) // in place
			checkTensor(t, tc.name+" in place", x, []int{2, len(tc.in) / 2}, want, tol)
			if se := shapePanic(t, func() { tc.f(Zeros[T](len(tc.in)), x) }); se != nil && se.Op != tc.name {
				t.Errorf("%s: ShapeError names %q", tc.name, se.Op)
			}
		})
	}
	grads := []struct {
		name string
		f    func(dst, x, g *Tensor[T])
		ref  func(float64) float64 // derivative of the function at x
	}{
		{"GELUGradInto", GELUGradInto[T], func(x float64) float64 { return phi(x) + x*dens(x) }},
		{"GELUTanhGradInto", GELUTanhGradInto[T], func(x float64) float64 {
			const h = 1e-5 // central difference of the float64 formula
			return (gtanh(x+h) - gtanh(x-h)) / (2 * h)
		}},
		{"SiLUGradInto", SiLUGradInto[T], func(x float64) float64 { return sig(x) * (1 + x*(1-sig(x))) }},
		{"SoftplusGradInto", SoftplusGradInto[T], sig},
		{"ErfGradInto", ErfGradInto[T], func(x float64) float64 { return 2 / math.SqrtPi * math.Exp(-x*x) }},
		{"NormCDFGradInto", NormCDFGradInto[T], dens},
	}
	for _, tc := range grads {
		t.Run(tc.name, func(t *testing.T) {
			want := make([]float64, len(in))
			for i, v := range in {
				want[i] = g[i] * tc.ref(v)
			}
			x, gt := MustNew(fromF64[T](in), len(in)), MustNew(fromF64[T](g), len(in))
			dst := Zeros[T](len(in))
			tc.f(dst, x, gt)
			checkTensor(t, tc.name, dst, []int{len(in)}, want, max(tol, 1e-8))
			tc.f(gt, x, gt) // dst may be g
			checkTensor(t, tc.name+" into g", gt, []int{len(in)}, want, max(tol, 1e-8))
			shapePanic(t, func() { tc.f(dst, x, Zeros[T](len(in)+1)) })
			shapePanic(t, func() { tc.f(Zeros[T](1), x, gt) })
		})
	}
	// Erf, the allocating form.
	checkTensor(t, "Erf", Erf(MustNew(fromF64[T]([]float64{-1, 0, 0.5}), 3)), []int{3}, []float64{math.Erf(-1), 0, math.Erf(0.5)}, tol)
}

// TestTranscendGradEdges checks the derivative Into kernels at ±Inf, at
// huge finite x and at NaN, times g = 1 and g = +Inf: the derivatives of
// GELU, GELUTanh and SiLU are NaN at ±Inf (1 + Inf·0 and Inf·0, as in the
// engine's composed derivatives and PyTorch), those of Softplus, Erf and
// NormCDF their limits, and an infinite g times a zero derivative is NaN.
func TestTranscendGradEdges(t *testing.T) {
	t.Run("float64", func(t *testing.T) { testTranscendGradEdges[float64](t, math.MaxFloat64) })
	t.Run("float32", func(t *testing.T) { testTranscendGradEdges[float32](t, math.MaxFloat32) })
}

func testTranscendGradEdges[T Float](t *testing.T, huge float64) {
	inf, nan := math.Inf(1), math.NaN()
	x := []float64{inf, -inf, huge, -huge, nan, inf, -inf, huge, -huge, 0}
	g := []float64{1, 1, 1, 1, 1, inf, inf, inf, inf, inf}
	tests := []struct {
		name string
		f    func(dst, x, g *Tensor[T])
		want []float64
	}{
		{"GELUGradInto", GELUGradInto[T], []float64{nan, nan, 1, 0, nan, nan, nan, inf, nan, inf}},
		{"GELUTanhGradInto", GELUTanhGradInto[T], []float64{nan, nan, 1, 0, nan, nan, nan, inf, nan, inf}},
		{"SiLUGradInto", SiLUGradInto[T], []float64{nan, nan, 1, 0, nan, nan, nan, inf, nan, inf}},
		{"SoftplusGradInto", SoftplusGradInto[T], []float64{1, 0, 1, 0, nan, inf, nan, inf, nan, inf}},
		{"ErfGradInto", ErfGradInto[T], []float64{0, 0, 0, 0, nan, nan, nan, nan, nan, inf}},
		{"NormCDFGradInto", NormCDFGradInto[T], []float64{0, 0, 0, 0, nan, nan, nan, nan, nan, inf}},
	}
	for _, tc := range tests {
		dst := Zeros[T](len(x))
		tc.f(dst, MustNew(fromF64[T](x), len(x)), MustNew(fromF64[T](g), len(g)))
		checkTensor(t, tc.name, dst, []int{len(x)}, tc.want, 0)
	}
}

func fromF64[T Float](v []float64) []T {
	out := make([]T, len(v))
	for i, x := range v {
		out[i] = T(x)
	}
	return out
}
