package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The references below use the textbook formulas (log(1+e^x), 1+erf, 1+tanh,
// ...), not the rewrites the kernels use, so that each rewrite is checked
// against the definition where the definition is accurate.

const (
	elemK = 0.7978845608028654 // √(2/π)
	elemC = 0.044715
)

var elemUnaryRefs = []struct {
	name string
	f    func(*Tensor[float64]) *Tensor[float64]
	f32  func(*Tensor[float32]) *Tensor[float32]
	ref  func(float64) float64
	lo   float64 // random inputs are drawn from [lo, hi)
	hi   float64
}{
	{"Sqrt", Sqrt[float64], Sqrt[float32], math.Sqrt, 0, 10},
	{"Abs", Abs[float64], Abs[float32], func(x float64) float64 {
		if x < 0 {
			return -x
		}
		return x
	}, -5, 5},
	{"Sign", Sign[float64], Sign[float32], func(x float64) float64 {
		if x > 0 {
			return 1
		}
		if x < 0 {
			return -1
		}
		return 0
	}, -5, 5},
	{"Log1p", Log1p[float64], Log1p[float32], func(x float64) float64 { return math.Log(1 + x) }, -0.9, 10},
	{"Expm1", Expm1[float64], Expm1[float32], func(x float64) float64 { return math.Exp(x) - 1 }, -5, 5},
	{"Sin", Sin[float64], Sin[float32], math.Sin, -7, 7},
	{"Cos", Cos[float64], Cos[float32], math.Cos, -7, 7},
	{"Softplus", Softplus[float64], Softplus[float32], func(x float64) float64 { return math.Log(1 + math.Exp(x)) }, -20, 20},
	{"NormCDF", NormCDF[float64], NormCDF[float32], func(x float64) float64 { return 0.5 * (1 + math.Erf(x/math.Sqrt2)) }, -3, 5},
	{"GELU", GELU[float64], GELU[float32], func(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }, -3, 5},
	{"GELUTanh", GELUTanh[float64], GELUTanh[float32], func(x float64) float64 {
		return 0.5 * x * (1 + math.Tanh(elemK*(x+elemC*x*x*x)))
	}, -3, 5},
	{"SiLU", SiLU[float64], SiLU[float32], func(x float64) float64 { return x / (1 + math.Exp(-x)) }, -10, 10},
	{"LeakyReLU 0.25", func(t *Tensor[float64]) *Tensor[float64] { return LeakyReLU(t, 0.25) },
		func(t *Tensor[float32]) *Tensor[float32] { return LeakyReLU(t, 0.25) },
		func(x float64) float64 { return max(x, 0) + 0.25*min(x, 0) }, -5, 5},
	{"ELU 1.5", func(t *Tensor[float64]) *Tensor[float64] { return ELU(t, 1.5) },
		func(t *Tensor[float32]) *Tensor[float32] { return ELU(t, 1.5) },
		func(x float64) float64 {
			if x > 0 {
				return x
			}
			return 1.5 * (math.Exp(x) - 1)
		}, -5, 5},
	{"Clamp [-1, 2]", func(t *Tensor[float64]) *Tensor[float64] { return Clamp(t, -1, 2) },
		func(t *Tensor[float32]) *Tensor[float32] { return Clamp(t, -1, 2) },
		func(x float64) float64 { return math.Min(math.Max(x, -1), 2) }, -5, 5},
}

// TestElemUnaryAgainstReference compares every unary kernel with its
// textbook formula on random inputs of several shapes, in both precisions.
func TestElemUnaryAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, u := range elemUnaryRefs {
		for _, shape := range [][]int{{}, {7}, {3, 4}, {2, 3, 5}, {0, 3}} {
			t.Run(fmt.Sprintf("%s/%v", u.name, shape), func(t *testing.T) {
				n := numel(shape)
				d := make([]float64, n)
				for i := range d {
					d[i] = float64(float32(u.lo + (u.hi-u.lo)*rng.Float64()))
				}
				want := make([]float64, n)
				for i, v := range d {
					want[i] = u.ref(v)
				}
				x := MustNew(append([]float64(nil), d...), shape...)
				checkTensor(t, "float64", u.f(x), shape, want, 1e-12)
				checkTensor(t, "input", x, shape, d, 0)

				d32 := make([]float32, n)
				for i, v := range d {
					d32[i] = float32(v)
				}
				checkTensor(t, "float32", u.f32(MustNew(d32, shape...)), shape, want, 1e-5)
			})
		}
	}
}

// TestElemUnarySpecialValues pins the values at and near the edges: ±0,
// ±Inf, NaN, tiny arguments where the naive formula loses every digit, and
// huge ones where it overflows.
func TestElemUnarySpecialValues(t *testing.T) {
	t.Run("float64", testElemUnarySpecialValues[float64])
	t.Run("float32", testElemUnarySpecialValues[float32])
}

func testElemUnarySpecialValues[T Float](t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tol := tolFor[T]()
	tests := []struct {
		name string
		f    func(*Tensor[T]) *Tensor[T]
		in   []float64
		want []float64
	}{
		{"Sqrt", Sqrt[T], []float64{0, 4, 1e-30, -1, inf, nan}, []float64{0, 2, 1e-15, nan, inf, nan}},
		{"Abs", Abs[T], []float64{-2, 0, 3, -inf, nan}, []float64{2, 0, 3, inf, nan}},
		{"Sign", Sign[T], []float64{-2, -1e-30, 0, 1e-30, inf, -inf, nan}, []float64{-1, -1, 0, 1, 1, -1, nan}},
		{"Log1p", Log1p[T], []float64{0, 1e-10, -1e-10, 1e-20, -1, -2, inf, nan},
			[]float64{0, 1e-10 - 5e-21, -1e-10 - 5e-21, 1e-20, -inf, nan, inf, nan}},
		{"Expm1", Expm1[T], []float64{0, 1e-10, -1e-10, 1e-20, -inf, nan},
			[]float64{0, 1e-10 + 5e-21, -1e-10 + 5e-21, 1e-20, -1, nan}},
		{"Softplus", Softplus[T], []float64{0, 1000, -1000, 50, -50, inf, -inf, nan},
			[]float64{math.Ln2, 1000, 0, 50, math.Exp(-50), inf, 0, nan}},
		{"Sin", Sin[T], []float64{0, math.Pi / 2, -math.Pi / 6, nan}, []float64{0, 1, -0.5, nan}},
		{"Cos", Cos[T], []float64{0, math.Pi, math.Pi / 3, nan}, []float64{1, -1, 0.5, nan}},
		{"NormCDF", NormCDF[T], []float64{0, -10, 10, -inf, inf, nan}, []float64{0.5, 7.61985302416047e-24, 1, 0, 1, nan}},
		{"GELU", GELU[T], []float64{0, 1, -1, 2, 10, -10, nan},
			[]float64{0, 0.8413447460685429, -0.15865525393145707, 1.9544997361036416, 10, -7.61985302416047e-23, nan}},
		{"GELUTanh", GELUTanh[T], []float64{0, 1, -1, 10, -10, nan},
			[]float64{0, 0.8411919906082768, -0.15880800939172324, 10, 0, nan}},
		{"SiLU", SiLU[T], []float64{0, 1, -1, 1000, -1000, nan},
			[]float64{0, 1 / (1 + math.Exp(-1)), -1 / (1 + math.E), 1000, 0, nan}},
		{"LeakyReLU 0.25", func(x *Tensor[T]) *Tensor[T] { return LeakyReLU(x, 0.25) }, []float64{-4, 0, 3, -inf, nan}, []float64{-1, 0, 3, -inf, nan}},
		{"ELU 2", func(x *Tensor[T]) *Tensor[T] { return ELU(x, 2) }, []float64{-1e-10, 0, 3, -inf, nan}, []float64{-2e-10, 0, 3, -2, nan}},
		{"Clamp [-1, 2]", func(x *Tensor[T]) *Tensor[T] { return Clamp(x, -1, 2) }, []float64{-3, -1, 0.5, 2, 5, -inf, inf, nan}, []float64{-1, -1, 0.5, 2, 2, -1, 2, nan}},
		{"Clamp lo > hi gives hi", func(x *Tensor[T]) *Tensor[T] { return Clamp(x, 3, 1) }, []float64{-3, 2, 5}, []float64{1, 1, 1}},
		{"Clamp NaN lo gives NaN", func(x *Tensor[T]) *Tensor[T] { return Clamp(x, T(nan), 1) }, []float64{-3, 0.5, 5}, []float64{nan, nan, nan}},
		{"Clamp NaN hi gives NaN", func(x *Tensor[T]) *Tensor[T] { return Clamp(x, -1, T(nan)) }, []float64{-3, 0.5, 5}, []float64{nan, nan, nan}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := make([]T, len(tc.in))
			for i, v := range tc.in {
				in[i] = T(v)
			}
			checkTensor(t, tc.name, tc.f(MustNew(in, len(in))), []int{len(in)}, tc.want, tol)
		})
	}
	// Tiny arguments keep their digits (relative accuracy, not absolute).
	tiny := MustNew([]T{T(1e-10)}, 1)
	for name, got := range map[string]T{"Expm1": Expm1(tiny).Data()[0], "Log1p": Log1p(tiny).Data()[0]} {
		if rel := math.Abs(float64(got)-1e-10) / 1e-10; rel > 1e-6 {
			t.Errorf("%s(1e-10) = %v, relative error %v", name, got, rel)
		}
	}
	// Softplus(±1000) is exact, not merely close.
	if s := Softplus(MustNew([]T{1000, -1000}, 2)).Data(); s[0] != 1000 || s[1] != 0 {
		t.Errorf("Softplus(±1000) = %v, want exactly [1000 0]", s)
	}
}

// elemBinaryKernels are the broadcasting binary kernels with their naive
// references.
func elemBinaryKernels[T Float]() []struct {
	name string
	f    func(a, b *Tensor[T]) *Tensor[T]
	ref  func(x, y float64) float64
} {
	return []struct {
		name string
		f    func(a, b *Tensor[T]) *Tensor[T]
		ref  func(x, y float64) float64
	}{
		{"Maximum", Maximum[T], math.Max},
		{"Minimum", Minimum[T], math.Min},
		{"PowTensor", PowTensor[T], math.Pow},
	}
}

var elemBroadcastShapes = []struct{ a, b []int }{
	{[]int{}, []int{}},
	{[]int{5}, []int{5}},
	{[]int{2, 3}, []int{2, 3}},
	{[]int{}, []int{2, 3}},
	{[]int{2, 3}, []int{}},
	{[]int{3}, []int{2, 3}},
	{[]int{2, 1}, []int{1, 3}},
	{[]int{2, 1, 4}, []int{3, 1}},
	{[]int{4, 1, 3}, []int{2, 1}},
	{[]int{0, 3}, []int{3}},
}

// TestElemBinaryBroadcast compares Maximum, Minimum and PowTensor with an
// index-by-index reference over every broadcasting pattern.
func TestElemBinaryBroadcast(t *testing.T) {
	t.Run("float64", testElemBinaryBroadcast[float64])
	t.Run("float32", testElemBinaryBroadcast[float32])
}

func testElemBinaryBroadcast[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, k := range elemBinaryKernels[T]() {
		for _, s := range elemBroadcastShapes {
			t.Run(fmt.Sprintf("%s/%v,%v", k.name, s.a, s.b), func(t *testing.T) {
				a := randData[T](rng, numel(s.a))
				if k.name == "PowTensor" {
					for i := range a {
						a[i] = T(0.25 + math.Abs(float64(a[i]))) // positive bases
					}
				}
				b := randData[T](rng, numel(s.b))
				out, _ := BroadcastShapes(s.a, s.b)
				want := naiveBinary(out, s.a, toF64(a), s.b, toF64(b), k.ref)
				got := k.f(MustNew(a, s.a...), MustNew(b, s.b...))
				checkTensor(t, k.name, got, out, want, tolFor[T]())
			})
		}
	}
}

func TestElemBinarySpecialValues(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	a := MustNew([]float64{1, nan, 2, 3, math.Copysign(0, -1), 0, -inf}, 7)
	b := MustNew([]float64{2, 1, nan, 3, 0, math.Copysign(0, -1), 5}, 7)
	checkTensor(t, "Maximum", Maximum(a, b), []int{7}, []float64{2, nan, nan, 3, 0, 0, 5}, 0)
	checkTensor(t, "Minimum", Minimum(a, b), []int{7}, []float64{1, nan, nan, 3, 0, 0, -inf}, 0)
	if v := Maximum(a, b).Data()[4]; math.Signbit(v) {
		t.Errorf("Maximum(-0, +0) = -0, want +0")
	}
	if v := Minimum(a, b).Data()[5]; !math.Signbit(v) {
		t.Errorf("Minimum(+0, -0) = +0, want -0")
	}
	x := MustNew([]float64{0, 0, -2, -2, 2, nan, 0}, 7)
	y := MustNew([]float64{0, 2, 2, 0.5, -1, 0, -1}, 7)
	checkTensor(t, "PowTensor", PowTensor(x, y), []int{7}, []float64{1, 0, 4, nan, 0.5, 1, inf}, 0)
}

// TestElemWhere compares Where with an index-by-index reference for every
// broadcasting pattern and random masks.
func TestElemWhere(t *testing.T) {
	t.Run("float64", testElemWhere[float64])
	t.Run("float32", testElemWhere[float32])
}

func testElemWhere[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, s := range elemBroadcastShapes {
		t.Run(fmt.Sprintf("%v,%v", s.a, s.b), func(t *testing.T) {
			a, b := randData[T](rng, numel(s.a)), randData[T](rng, numel(s.b))
			out, _ := BroadcastShapes(s.a, s.b)
			mask := make([]bool, numel(out))
			for i := range mask {
				mask[i] = rng.IntN(2) == 0
			}
			fa := naiveBroadcast(s.a, toF64(a), out)
			fb := naiveBroadcast(s.b, toF64(b), out)
			want := make([]float64, len(mask))
			for i, m := range mask {
				want[i] = fb[i]
				if m {
					want[i] = fa[i]
				}
			}
			checkTensor(t, "Where", Where(mask, MustNew(a, s.a...), MustNew(b, s.b...)), out, want, 0)
		})
	}
	all := Where([]bool{true, true}, MustNew([]T{1, 2}, 2), Scalar(T(9)))
	none := Where([]bool{false, false}, MustNew([]T{1, 2}, 2), Scalar(T(9)))
	checkTensor(t, "all true", all, []int{2}, []float64{1, 2}, 0)
	checkTensor(t, "all false", none, []int{2}, []float64{9, 9}, 0)
}

func TestElemShapePanics(t *testing.T) {
	a, b := Zeros[float64](2, 3), Zeros[float64](4)
	wantShapePanic(t, "tensor: Maximum: shapes do not broadcast: [2 3] x [4]", func() { Maximum(a, b) })
	wantShapePanic(t, "tensor: Minimum: shapes do not broadcast: [2 3] x [4]", func() { Minimum(a, b) })
	wantShapePanic(t, "tensor: PowTensor: shapes do not broadcast: [2 3] x [4]", func() { PowTensor(a, b) })
	wantShapePanic(t, "tensor: Where: shapes do not broadcast: [2 3] x [4]", func() { Where(make([]bool, 6), a, b) })
	wantShapePanic(t, "tensor: Where: mask has 3 elements, the broadcast shape [2 3] has 6: [2 3] x [3]",
		func() { Where(make([]bool, 3), a, Zeros[float64](3)) })
	wantShapePanic(t, "tensor: Where: mask has 0 elements, the broadcast shape [] has 1: [] x []",
		func() { Where(nil, Scalar(1.0), Scalar(2.0)) })
}

// TestElemKernelsDoNotAliasOrMutate checks that the binary kernels and Where
// leave their operands alone and return fresh tensors.
func TestElemKernelsDoNotAliasOrMutate(t *testing.T) {
	a := MustNew([]float64{1, -2, 3}, 3)
	b := MustNew([]float64{0.5, 0.5, 0.5}, 3)
	for name, out := range map[string]*Tensor[float64]{
		"Maximum":   Maximum(a, b),
		"Minimum":   Minimum(a, b),
		"PowTensor": PowTensor(b, a),
		"Where":     Where([]bool{true, false, true}, a, b),
		"Clamp":     Clamp(a, -1, 1),
		"Abs":       Abs(a),
	} {
		out.Data()[0] = 999
		if d := cmp.Diff([]float64{1, -2, 3}, a.Data()); d != "" {
			t.Errorf("%s: first operand changed (-want +got):\n%s", name, d)
		}
		if d := cmp.Diff([]float64{0.5, 0.5, 0.5}, b.Data()); d != "" {
			t.Errorf("%s: second operand changed (-want +got):\n%s", name, d)
		}
	}
}

// Clamp limits values to an interval; Where picks between two tensors by a
// mask laid out in the broadcast shape.
func ExampleClamp() {
	x := MustNew([]float64{-3, -0.5, 0.25, 4}, 4)
	fmt.Println(Clamp(x, -1, 1).Data())

	a := MustNew([]float64{1, 2, 3}, 3) // broadcasts against the [2 1] column
	b := MustNew([]float64{-10, -20}, 2, 1)
	fmt.Println(Where([]bool{true, false, true, false, true, false}, a, b))
	// Output:
	// [-1 -0.5 0.25 1]
	// Tensor[2 3][[1 -10 3] [-20 2 -20]]
}

// TestPowSubnormalBase: Pow and PowTensor of a float64 subnormal base and a
// fractional exponent, at powers of two whose results are known exactly;
// math.Pow on amd64 is off by up to a factor of ten there (it reads the
// base's logarithm with math.Log, Go issue 56600). math.Pow of a normal
// base is itself accurate only to about |y·ln x| units of 2⁻⁵³ (5e-15
// relative here), hence the tolerance.
func TestPowSubnormalBase(t *testing.T) {
	cases := []struct{ x, y, want float64 }{
		{0x1p-1050, 0.25, math.Ldexp(math.Sqrt2, -263)},
		{0x1p-1050, -0.75, math.Ldexp(math.Sqrt2, 787)},
		{0x1p-1074, 0.5, 0x1p-537},
		{0x1p-1074, -0.5, 0x1p537},
		{0x1p-1040, 1.5, 0}, // 2⁻¹⁵⁶⁰ underflows
		{0x1p-1030, -1.5, math.Inf(1)},
		{0x1p-1074, 2, 0}, // integer exponents never took the logarithm
		{-0x1p-1050, 0.5, math.NaN()},
	}
	for _, c := range cases {
		got := []float64{Pow(Scalar(c.x), c.y).Item(), PowTensor(Scalar(c.x), Scalar(c.y)).Item()}
		for i, g := range got {
			if d := cmp.Diff(c.want, g, cmpopts.EquateApprox(1e-13, 0), cmpopts.EquateNaNs()); d != "" {
				t.Errorf("%s(%g, %g) (-want +got):\n%s", []string{"Pow", "PowTensor"}[i], c.x, c.y, d)
			}
		}
	}
}
