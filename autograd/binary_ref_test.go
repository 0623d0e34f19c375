package autograd

import (
	"math"
	"testing"
)

// TestBinaryTableMatchesReference runs every kernel of the binary table on
// every pair of a grid of edge values (signed zeros, subnormals, halves and
// integers whose quotients are exact multiples, huge values, infinities,
// NaN), in both element types, against its entry's float64 reference: the
// same bits (NaN for NaN, and the sign of a zero), after rounding the
// reference to the element type.
func TestBinaryTableMatchesReference(t *testing.T) {
	t.Run("float64", testBinaryReference[float64])
	t.Run("float32", testBinaryReference[float32])
}

func testBinaryReference[T Float](t *testing.T) {
	tiny, huge := math.SmallestNonzeroFloat64, 1e300
	if _, ok := any(T(0)).(float32); ok {
		tiny, huge = math.SmallestNonzeroFloat32, 3e38
	}
	inf := math.Inf(1)
	grid := []float64{0, math.Copysign(0, -1), tiny, -tiny, 0.5, -0.5, 1, -1, 2.5, -2.5, 3, -7, 7.5, 1e10, huge, -huge, inf, -inf, math.NaN()}
	for k := range binaryKind(numBinary) {
		d := binaryOf[T](k)
		if d.ref == nil || d.f == nil || d.da == nil || d.db == nil || d.back == nil {
			t.Errorf("%s: incomplete table entry", d.meta.Name)
			continue
		}
		bad := 0
		for _, x := range grid {
			for _, y := range grid {
				got, want := d.f(T(x), T(y)), T(d.ref(float64(T(x)), float64(T(y))))
				same := got == want && math.Signbit(float64(got)) == math.Signbit(float64(want)) || got != got && want != want
				if !same && bad < 10 {
					bad++
					t.Errorf("%s(%v, %v) = %v, reference %v", d.meta.Name, T(x), T(y), got, want)
				}
			}
		}
	}
}

// TestBinaryKernelValues pins values the references could share a mistake
// in: Python's sign rules of Mod and FloorDiv (including exact multiples,
// where a floor of the rounded quotient would be one off), C's of Fmod,
// and the sign bits Copysign reads.
func TestBinaryKernelValues(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	tests := []struct {
		k    binaryKind
		x, y float64
		want float64
	}{
		{opMod, -7, 2.5, 0.5},
		{opMod, 7, -2.5, -0.5},
		{opMod, -7, -2.5, -2},
		{opMod, 7.5, 2.5, 0},
		{opMod, -4, 2, math.Copysign(0, -1)}, // fmod's zero, a's sign (torch)
		{opMod, -1, inf, inf},
		{opMod, 1, -inf, -inf},
		{opMod, 1, inf, 1},
		{opMod, 1, 0, nan},
		{opMod, 0.1, 0.01, math.Mod(0.1, 0.01)}, // exact: not 0.1 - 0.01·floor(10.000000000000002)
		{opFmod, -7, 2.5, -2},
		{opFmod, 7, -2.5, 2},
		{opFmod, -1, inf, -1},
		{opFmod, inf, 2, nan},
		{opFloorDiv, -7, 2.5, -3},
		{opFloorDiv, 7, -2.5, -3},
		{opFloorDiv, 7.5, 2.5, 3},
		{opFloorDiv, 1, 0.1, 9}, // 1/0.1 rounds to 10, but 0.1 is a little above 1/10
		{opFloorDiv, -1, inf, -1},
		{opFloorDiv, 1, inf, 0},
		{opFloorDiv, -1, 0, -inf},
		{opFloorDiv, 0, -3, math.Copysign(0, -1)},
		{opFloorDiv, inf, 2, nan},
		{opCopysign, 2, math.Copysign(0, -1), -2},
		{opCopysign, -2, 0, 2},
		{opCopysign, 3, math.Copysign(nan, -1), -3},
		{opAtan2, 0, -1, math.Pi},
		{opAtan2, math.Copysign(0, -1), -1, -math.Pi},
		{opLogAddExp, -inf, -inf, -inf},
		{opLogAddExp, 1000, 1000, 1000 + math.Ln2},
		{opLogAddExp, -1000, -inf, -1000},
	}
	for _, tc := range tests {
		d := binaryOf[float64](tc.k)
		got := d.f(tc.x, tc.y)
		if !(got == tc.want && math.Signbit(got) == math.Signbit(tc.want) || got != got && tc.want != tc.want) {
			t.Errorf("%s(%v, %v) = %v, want %v", d.meta.Name, tc.x, tc.y, got, tc.want)
		}
	}
}

// TestBinaryDerivativeValues pins the fused derivatives at the points
// their doc comments single out.
func TestBinaryDerivativeValues(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	tests := []struct {
		k              binaryKind
		x, y           float64
		wantDa, wantDb float64
	}{
		{opAtan2, 0, 0, nan, nan},
		{opAtan2, 1, 1, 0.5, -0.5},
		{opMod, -7, 2.5, 1, 3},    // -floor(-2.8)
		{opMod, 7.5, 2.5, 1, -3},  // the piece to the right of the jump
		{opFmod, -7, 2.5, 1, 2},   // -trunc(-2.8)
		{opFloorDiv, 1, 0, 0, 0},  // 0 everywhere, even where the result is infinite
		{opCopysign, 0, -1, 0, 0}, // the subgradient at a = 0
		{opCopysign, -inf, 1, -1, 0},
		{opCopysign, 2, math.Copysign(0, -1), -1, 0},
		{opCopysign, nan, 1, nan, 0},
		{opLogAddExp, 0, 0, 0.5, 0.5},
		{opLogAddExp, inf, inf, nan, nan},
		{opLogAddExp, inf, 1, 1, 0},
	}
	for _, tc := range tests {
		d := binaryOf[float64](tc.k)
		o := d.f(tc.x, tc.y)
		da, db := d.da(tc.x, tc.y, o, 1), d.db(tc.x, tc.y, o, 1)
		for _, c := range [][2]float64{{da, tc.wantDa}, {db, tc.wantDb}} {
			if !(c[0] == c[1] || c[0] != c[0] && c[1] != c[1]) {
				t.Errorf("%s'(%v, %v) = (%v, %v), want (%v, %v)", d.meta.Name, tc.x, tc.y, da, db, tc.wantDa, tc.wantDb)
				break
			}
		}
	}
}
