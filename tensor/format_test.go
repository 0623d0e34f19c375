package tensor

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func arange(n int, shape ...int) *Tensor[float64] {
	d := make([]float64, n)
	for i := range d {
		d[i] = float64(i)
	}
	return MustNew(d, shape...)
}

// TestStringSummarizes checks NumPy's summary: more than 1000 elements
// print 3 items at each end of every axis longer than 6 around "...".
func TestStringSummarizes(t *testing.T) {
	tests := []struct {
		name string
		x    *Tensor[float64]
		want string
	}{
		{"1000 elements print in full", arange(1000, 1000), "Tensor[1000][" + joinRange(0, 1000) + "]"},
		{"1001 elements", arange(1001, 1001), "Tensor[1001][0 1 2 ... 998 999 1000]"},
		{"matrix", arange(2000, 2, 1000), "Tensor[2 1000][[0 1 2 ... 997 998 999] [1000 1001 1002 ... 1997 1998 1999]]"},
		{"both axes", arange(10000, 100, 100),
			"Tensor[100 100][[0 1 2 ... 97 98 99] [100 101 102 ... 197 198 199] [200 201 202 ... 297 298 299] ... " +
				"[9700 9701 9702 ... 9797 9798 9799] [9800 9801 9802 ... 9897 9898 9899] [9900 9901 9902 ... 9997 9998 9999]]"},
		{"short axes kept", arange(1008, 7, 144, 1).Reshape(1008, 1),
			"Tensor[1008 1][[0] [1] [2] ... [1005] [1006] [1007]]"},
		{"axis of exactly 6 kept", arange(1200, 6, 200),
			"Tensor[6 200][[0 1 2 ... 197 198 199] [200 201 202 ... 397 398 399] [400 401 402 ... 597 598 599] " +
				"[600 601 602 ... 797 798 799] [800 801 802 ... 997 998 999] [1000 1001 1002 ... 1197 1198 1199]]"},
	}
	for _, tc := range tests {
		if got := tc.x.String(); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
	// The case: a 1000×1000 gradient printed 11 MB.
	if n := len(Zeros[float32](1000, 1000).String()); n > 200 {
		t.Errorf("1000×1000 String() is %d bytes, want a short summary", n)
	}
}

func joinRange(lo, hi int) string {
	parts := make([]string, 0, hi-lo)
	for i := lo; i < hi; i++ {
		parts = append(parts, fmt.Sprint(i))
	}
	return strings.Join(parts, " ")
}

// TestFormatVerbs checks the verbs: %v is String, %+v prints every
// element, %.2f and friends format each element, and a bad verb says so.
func TestFormatVerbs(t *testing.T) {
	small := MustNew([]float64{1, -2.5, math.Pi}, 3)
	s32 := MustNew([]float32{0.1, 3}, 2)
	big := arange(1001, 1001)
	tests := []struct {
		format string
		x      any
		want   string
	}{
		{"%v", small, "Tensor[3][1 -2.5 3.141592653589793]"},
		{"%s", s32, "Tensor[2][0.1 3]"},
		{"%.2f", small, "Tensor[3][1.00 -2.50 3.14]"},
		{"%6.1f", s32, "Tensor[2][   0.1    3.0]"},
		{"%g", s32, "Tensor[2][0.1 3]"}, // a float32 as a float32, not 0.10000000149011612
		{"%5v", s32, "Tensor[2][  0.1     3]"},
		{"%G", MustNew([]float32{1e-7, 0.1}, 2), "Tensor[2][1E-07 0.1]"},
		{"%.3e", small, "Tensor[3][1.000e+00 -2.500e+00 3.142e+00]"},
		{"%.3g", small, "Tensor[3][1 -2.5 3.14]"},
		{"%.1v", small, "Tensor[3][1 -2 3]"},
		{"%v", big, "Tensor[1001][0 1 2 ... 998 999 1000]"},
		{"%.1f", big, "Tensor[1001][0.0 1.0 2.0 ... 998.0 999.0 1000.0]"},
		{"%d", small, "%!d(tensor.Tensor=Tensor[3][1 -2.5 3.141592653589793])"},
	}
	for _, tc := range tests {
		if got := fmt.Sprintf(tc.format, tc.x); got != tc.want {
			t.Errorf("Sprintf(%q):\n got %s\nwant %s", tc.format, got, tc.want)
		}
	}
	full := fmt.Sprintf("%+v", big)
	if want := "Tensor[1001][" + joinRange(0, 1001) + "]"; full != want {
		t.Errorf("%%+v of 1001 elements is not the full print: %.80s...", full)
	}
	if got, want := fmt.Sprintf("%+.0f", big), "Tensor[1001]["+joinRange(0, 1001)+"]"; got != want {
		t.Errorf("%%+.0f is not the full print: %.80s...", got)
	}
}

// namedF32 is a type defined on float32, as a user's own element type
// may be.
type namedF32 float32

// TestFormatNamedFloat32 checks that a type defined on float32 prints as
// a float32 under %v and %s, as it does under %g: its width, not its name,
// decides the precision (it printed 0.10000000149011612 under %v).
func TestFormatNamedFloat32(t *testing.T) {
	x := MustNew([]namedF32{0.1, 3, 1e-7}, 3)
	want := "Tensor[3][0.1 3 1e-07]"
	for _, format := range []string{"%v", "%s", "%g", "%+v"} {
		if diff := cmp.Diff(want, fmt.Sprintf(format, x)); diff != "" {
			t.Errorf("Sprintf(%q) (-want +got):\n%s", format, diff)
		}
	}
	if diff := cmp.Diff("Tensor[](0.1)", Scalar(namedF32(0.1)).String()); diff != "" {
		t.Errorf("String of a scalar (-want +got):\n%s", diff)
	}
}

func TestFormatScalarAndEmpty(t *testing.T) {
	for _, tc := range []struct{ format, want string }{
		{"%.2f", "Tensor[](2.50)"},
		{"%+v", "Tensor[](2.5)"},
	} {
		if got := fmt.Sprintf(tc.format, Scalar(2.5)); got != tc.want {
			t.Errorf("Sprintf(%q, scalar) = %q, want %q", tc.format, got, tc.want)
		}
	}
	if got := fmt.Sprintf("%.2f", Zeros[float32](3, 0)); got != "Tensor[3 0][]" {
		t.Errorf("empty: %q", got)
	}
}
