package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// maskView is what the mask tests compare: a mask's shape and flags.
type maskView struct {
	Shape []int
	Data  []bool
}

func maskViewOf(m *Mask) maskView { return maskView{Shape: m.Shape(), Data: m.Data()} }

// maskShapes are the operand shapes the broadcasting mask kernels are
// checked at: equal, a row over a batch, 0-d against anything, both sides
// broadcast, a leading axis added, and empty.
var maskShapes = []struct{ a, b []int }{
	{[]int{2, 3}, []int{2, 3}},
	{[]int{2, 3}, []int{3}},
	{[]int{}, []int{2, 3}},
	{[]int{2, 1}, []int{1, 3}},
	{[]int{2, 1, 4}, []int{3, 1}},
	{[]int{7}, []int{}},
	{[]int{0, 3}, []int{3}},
}

// naiveMask is naiveBinary for a predicate.
func naiveMask(out, aShape []int, a []float64, bShape []int, b []float64, f func(x, y float64) bool) []bool {
	v := naiveBinary(out, aShape, a, bShape, b, func(x, y float64) float64 {
		if f(x, y) {
			return 1
		}
		return 0
	})
	res := make([]bool, len(v))
	for i, x := range v {
		res[i] = x != 0
	}
	return res
}

// withSpecials returns data of n values from rng, with every fourth value
// replaced by one of 0, NaN, ±Inf or a value shared by both operands (so
// that equality and ties occur).
func withSpecials[T Float](rng *rand.Rand, n, phase int) []T {
	d := randData[T](rng, n)
	specials := []T{0, T(math.NaN()), T(math.Inf(1)), T(math.Inf(-1)), 1}
	for i := range d {
		if (i+phase)%4 == 0 {
			d[i] = specials[(i+phase)/4%len(specials)]
		}
	}
	return d
}

func TestCompare(t *testing.T) {
	t.Run("float64", testCompare[float64])
	t.Run("float32", testCompare[float32])
}

func testCompare[T Float](t *testing.T) {
	preds := map[Comparison]func(x, y float64) bool{
		CmpEqual:        func(x, y float64) bool { return x == y },
		CmpNotEqual:     func(x, y float64) bool { return x != y },
		CmpLess:         func(x, y float64) bool { return x < y },
		CmpLessEqual:    func(x, y float64) bool { return x <= y },
		CmpGreater:      func(x, y float64) bool { return x > y },
		CmpGreaterEqual: func(x, y float64) bool { return x >= y },
	}
	named := map[Comparison]func(a, b *Tensor[T]) *Mask{
		CmpEqual: Equal[T], CmpNotEqual: NotEqual[T], CmpLess: Less[T],
		CmpLessEqual: LessEqual[T], CmpGreater: Greater[T], CmpGreaterEqual: GreaterEqual[T],
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for c, pred := range preds {
		for _, s := range maskShapes {
			t.Run(fmt.Sprintf("%v/%v %v", c, s.a, s.b), func(t *testing.T) {
				a := MustNew(withSpecials[T](rng, numel(s.a), 0), s.a...)
				b := MustNew(withSpecials[T](rng, numel(s.b), 1), s.b...)
				out, _ := BroadcastShapes(s.a, s.b)
				want := maskView{out, naiveMask(out, s.a, toF64(a.Data()), s.b, toF64(b.Data()), pred)}
				if d := cmp.Diff(want, maskViewOf(named[c](a, b))); d != "" {
					t.Errorf("%v mismatch (-want +got):\n%s", c, d)
				}
				// Into, over a destination holding stale flags.
				dst := FullMask(true, out...)
				CompareInto(dst, c, a, b)
				if d := cmp.Diff(want, maskViewOf(dst)); d != "" {
					t.Errorf("CompareInto(%v) mismatch (-want +got):\n%s", c, d)
				}
			})
		}
	}
}

// TestCompareNaN pins the IEEE rules: NaN is unequal to everything,
// itself included, and unordered; -0 equals +0.
func TestCompareNaN(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	a := MustNew([]float64{nan, nan, 1, inf, 0, -inf}, 6)
	b := MustNew([]float64{nan, 1, nan, inf, math.Copysign(0, -1), inf}, 6)
	tests := []struct {
		c    Comparison
		want []bool
	}{
		{CmpEqual, []bool{false, false, false, true, true, false}},
		{CmpNotEqual, []bool{true, true, true, false, false, true}},
		{CmpLess, []bool{false, false, false, false, false, true}},
		{CmpLessEqual, []bool{false, false, false, true, true, true}},
		{CmpGreater, []bool{false, false, false, false, false, false}},
		{CmpGreaterEqual, []bool{false, false, false, true, true, false}},
	}
	for _, tc := range tests {
		if d := cmp.Diff(tc.want, Compare(tc.c, a, b).Data()); d != "" {
			t.Errorf("%v with NaN and infinities (-want +got):\n%s", tc.c, d)
		}
	}
}

func TestLogical(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	flags := func(n int) []bool {
		d := make([]bool, n)
		for i := range d {
			d[i] = rng.IntN(2) == 0
		}
		return d
	}
	ops := []struct {
		name string
		f    func(a, b *Mask) *Mask
		into func(dst, a, b *Mask)
		ref  func(x, y float64) bool
	}{
		{"LogicalAnd", LogicalAnd, LogicalAndInto, func(x, y float64) bool { return x != 0 && y != 0 }},
		{"LogicalOr", LogicalOr, LogicalOrInto, func(x, y float64) bool { return x != 0 || y != 0 }},
	}
	asF := func(m *Mask) []float64 { return toF64(FromMask[float64](m).Data()) }
	for _, op := range ops {
		for _, s := range maskShapes {
			a, b := MustMask(flags(numel(s.a)), s.a...), MustMask(flags(numel(s.b)), s.b...)
			out, _ := BroadcastShapes(s.a, s.b)
			want := maskView{out, naiveMask(out, s.a, asF(a), s.b, asF(b), op.ref)}
			if d := cmp.Diff(want, maskViewOf(op.f(a, b))); d != "" {
				t.Errorf("%s %v %v (-want +got):\n%s", op.name, s.a, s.b, d)
			}
			dst := FullMask(true, out...)
			op.into(dst, a, b)
			if d := cmp.Diff(want, maskViewOf(dst)); d != "" {
				t.Errorf("%sInto %v %v (-want +got):\n%s", op.name, s.a, s.b, d)
			}
		}
	}
	m := MustMask([]bool{true, false, false}, 3)
	if d := cmp.Diff([]bool{false, true, true}, LogicalNot(m).Data()); d != "" {
		t.Errorf("LogicalNot (-want +got):\n%s", d)
	}
	LogicalNotInto(m, m) // in place
	if d := cmp.Diff([]bool{false, true, true}, m.Data()); d != "" {
		t.Errorf("LogicalNotInto in place (-want +got):\n%s", d)
	}
}

func TestAnyAll(t *testing.T) {
	// [2 3]: rows TFF and FFF; columns TF, FF, FF.
	m := MustMask([]bool{true, false, false, false, false, false}, 2, 3)
	full := FullMask(true, 2, 3)
	full.Data()[4] = false
	m3 := MustMask([]bool{true, true, false, true, true, true, true, true, true, true, true, true}, 2, 3, 2)
	tests := []struct {
		name string
		got  *Mask
		want maskView
	}{
		{"Any all axes", Any(m), maskView{[]int{}, []bool{true}}},
		{"Any axis 1", Any(m, 1), maskView{[]int{2}, []bool{true, false}}},
		{"Any axis -2", Any(m, -2), maskView{[]int{3}, []bool{true, false, false}}},
		{"Any axes 0 1", Any(m, 0, 1), maskView{[]int{}, []bool{true}}},
		{"Any none true", Any(FullMask(false, 4)), maskView{[]int{}, []bool{false}}},
		{"All all axes", All(full), maskView{[]int{}, []bool{false}}},
		{"All axis 0", All(full, 0), maskView{[]int{3}, []bool{true, false, true}}},
		{"All axis 1", All(full, 1), maskView{[]int{2}, []bool{true, false}}},
		{"All 3-D axes 0 2", All(m3, 0, 2), maskView{[]int{3}, []bool{true, false, true}}},
		{"All 3-D axis 1", All(m3, 1), maskView{[]int{2, 2}, []bool{false, true, true, true}}},
		{"Any 3-D axis -1", Any(LogicalNot(m3), -1), maskView{[]int{2, 3}, []bool{false, true, false, false, false, false}}},
		{"Any of nothing", Any(FullMask(true, 2, 0), 1), maskView{[]int{2}, []bool{false, false}}},
		{"All of nothing", All(FullMask(false, 0, 3), 0), maskView{[]int{3}, []bool{true, true, true}}},
		{"All 0-d", All(MustMask([]bool{false})), maskView{[]int{}, []bool{false}}},
	}
	for _, tc := range tests {
		if d := cmp.Diff(tc.want, maskViewOf(tc.got)); d != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, d)
		}
	}
	wantShapePanic(t, "tensor: Any: axis 2 out of range: [2 3]", func() { Any(m, 2) })
	wantShapePanic(t, "tensor: All: axis -1 repeated: [2 3]", func() { All(m, 1, -1) })
	wantShapePanic(t, "tensor: Any: destination does not have the reduced shape: [3] x [2 3]",
		func() { AnyInto(FullMask(false, 3), m, 1) })
}

func TestIsNaNInfFinite(t *testing.T) {
	t.Run("float64", testIsNaNInfFinite[float64])
	t.Run("float32", testIsNaNInfFinite[float32])
}

func testIsNaNInfFinite[T Float](t *testing.T) {
	nan, inf := T(math.NaN()), T(math.Inf(1))
	tiny := T(math.SmallestNonzeroFloat32)
	x := MustNew([]T{0, -1, nan, inf, -inf, tiny, 3e38, -nan}, 2, 4)
	tests := []struct {
		name string
		got  *Mask
		want []bool
	}{
		{"IsNaN", IsNaN(x), []bool{false, false, true, false, false, false, false, true}},
		{"IsInf", IsInf(x), []bool{false, false, false, true, true, false, false, false}},
		{"IsFinite", IsFinite(x), []bool{true, true, false, false, false, true, true, false}},
	}
	for _, tc := range tests {
		if d := cmp.Diff(maskView{[]int{2, 4}, tc.want}, maskViewOf(tc.got)); d != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, d)
		}
	}
	dst := FullMask(true, 2, 4)
	IsNaNInto(dst, x)
	IsInfInto(dst, x)
	IsFiniteInto(dst, x)
	if d := cmp.Diff(tests[2].want, dst.Data()); d != "" {
		t.Errorf("IsFiniteInto (-want +got):\n%s", d)
	}
	wantShapePanic(t, "tensor: IsNaN: destination does not have the tensor's shape: [8] x [2 4]",
		func() { IsNaNInto(FullMask(false, 8), x) })
}

func TestIsClose(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	a := MustNew([]float64{1, 1, 1e10, 0, nan, nan, inf, inf, -inf, 1e308, 2}, 11)
	b := MustNew([]float64{1, 1 + 1e-9, 1.00001e10, 1e-9, nan, 1, inf, -inf, 1, -1e308, 2.1}, 11)
	tests := []struct {
		name       string
		rtol, atol float64
		equalNaN   bool
		want       []bool
	}{
		// torch.isclose's defaults: rtol 1e-5, atol 1e-8.
		{"defaults", 1e-5, 1e-8, false, []bool{true, true, true, true, false, false, true, false, false, false, false}},
		{"equal NaN", 1e-5, 1e-8, true, []bool{true, true, true, true, true, false, true, false, false, false, false}},
		{"exact", 0, 0, false, []bool{true, false, false, false, false, false, true, false, false, false, false}},
		{"wide", 0.1, 0, false, []bool{true, true, true, false, false, false, true, false, false, false, true}},
	}
	for _, tc := range tests {
		if d := cmp.Diff(tc.want, IsClose(a, b, tc.rtol, tc.atol, tc.equalNaN).Data()); d != "" {
			t.Errorf("IsClose %s (-want +got):\n%s", tc.name, d)
		}
	}
	// Not symmetric: the relative tolerance scales with b.
	x, y := Scalar(1.0), Scalar(1.15)
	if IsClose(x, y, 0.14, 0, false).Data()[0] != true || IsClose(y, x, 0.14, 0, false).Data()[0] != false {
		t.Errorf("IsClose(1, 1.15, rtol 0.14) should hold and IsClose(1.15, 1, rtol 0.14) should not")
	}
	// Broadcasting, float32.
	got := IsClose(MustNew([]float32{1, 2, 3, 4, 5, 6}, 2, 3), MustNew([]float32{1, 2.5, 3.0000001}, 3), 1e-5, 1e-8, false)
	if d := cmp.Diff(maskView{[]int{2, 3}, []bool{true, false, true, false, false, false}}, maskViewOf(got)); d != "" {
		t.Errorf("IsClose broadcast (-want +got):\n%s", d)
	}
	for _, tol := range [][2]float64{{-1, 0}, {0, math.NaN()}} {
		func() {
			defer func() {
				ae, ok := recover().(*ArgError)
				if !ok || ae.Op != "IsClose" || ae.Reason != "must be non-negative" {
					t.Errorf("IsClose with rtol %v, atol %v: panic %v, want an *ArgError", tol[0], tol[1], ae)
				}
			}()
			IsClose(x, y, tol[0], tol[1], false)
		}()
	}
	func() {
		defer func() {
			if ae, ok := recover().(*ArgError); !ok || ae.Error() != "tensor: Compare: c = 9: not a Comparison" {
				t.Errorf("Compare with Comparison(9): panic %v, want an *ArgError", ae)
			}
		}()
		Compare(Comparison(9), x, y)
	}()
}

func TestFromMask(t *testing.T) {
	m := MustMask([]bool{true, false, true, true}, 2, 2)
	checkTensor(t, "FromMask", FromMask[float32](m), []int{2, 2}, []float64{1, 0, 1, 1}, 0)
	if m.Count() != 3 || !m.HasShape(2, 2) || m.HasShape(4) {
		t.Errorf("Count %d, HasShape(2, 2) %t, HasShape(4) %t", m.Count(), m.HasShape(2, 2), m.HasShape(4))
	}
	wantShapePanic(t, "tensor: FromMask: destination does not have the mask's shape: [4] x [2 2]",
		func() { FromMaskInto(Zeros[float64](4), m) })
}

func TestMaskBroadcastErrors(t *testing.T) {
	a, b := Zeros[float64](2, 3), Zeros[float64](4)
	wantShapePanic(t, "tensor: Less: shapes do not broadcast: [2 3] x [4]", func() { Less(a, b) })
	wantShapePanic(t, "tensor: Equal: destination does not have the broadcast shape: [2 2 3] x [2 3] x [3]",
		func() { CompareInto(FullMask(false, 2, 2, 3), CmpEqual, a, Zeros[float64](3)) })
	wantShapePanic(t, "tensor: LogicalOr: shapes do not broadcast to the destination's: [2 3] x [2 3] x [4]",
		func() { LogicalOrInto(FullMask(false, 2, 3), FullMask(false, 2, 3), FullMask(false, 4)) })
}

// TestMaskIntoAllocatesNothing checks that the Into kernels allocate
// nothing, broadcasting or not.
func TestMaskIntoAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	a, b := Zeros[float32](4, 1, 3), Zeros[float32](5, 3)
	dst, m, red, nb := FullMask(false, 4, 5, 3), FullMask(true, 4, 5, 3), FullMask(false, 5), FullMask(false, 5, 3)
	n := testing.AllocsPerRun(20, func() {
		CompareInto(dst, CmpLess, a, b)
		LogicalAndInto(dst, dst, m)
		LogicalNotInto(dst, dst)
		IsCloseInto(dst, a, b, 1e-5, 1e-8, true)
		AnyInto(red, m, 0, 2)
		AllInto(red, dst, 0, -1)
		IsNaNInto(nb, b)
	})
	if n != 0 {
		t.Errorf("%v allocations per run, want 0", n)
	}
}
