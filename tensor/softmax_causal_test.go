package tensor_test

import (
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

// TestSoftmaxCausalRows: the causal softmax equals Softmax of the scores
// with −∞ above each diagonal to 8 ulps (float32 and float64, rows of
// several lengths, in place too), and a NaN row is NaN throughout; each
// row is Softmax of its kept keys alone bit for bit.
func TestSoftmaxCausalRows(t *testing.T) {
	t.Run("float32", testSoftmaxCausal[float32])
	t.Run("float64", testSoftmaxCausal[float64])
}

func testSoftmaxCausal[T tensor.Float](t *testing.T) {
	for _, l := range []int{1, 3, 17, 64, 150} {
		const mats = 3
		x := make([]T, mats*l*l)
		for i := range x {
			x[i] = T(math.Sin(float64(i)*0.77) * 4)
		}
		if l == 17 {
			x[l*l+5*l+2] = T(math.NaN())   // matrix 1, row 5: NaN
			x[2*l*l+3*l+9] = T(math.NaN()) // above the diagonal: ignored
		}
		masked := make([]T, len(x))
		for r := 0; r*l < len(x); r++ {
			for j := range l {
				v := x[r*l+j]
				if j > r%l {
					v = T(math.Inf(-1))
				}
				masked[r*l+j] = v
			}
		}
		want := tensor.Softmax(tensor.MustNew(masked, mats, l, l), -1).Data()
		got := make([]T, len(x))
		tensor.SoftmaxCausalRows(got, x, l)
		inPlace := append([]T(nil), x...)
		tensor.SoftmaxCausalRows(inPlace, inPlace, l)
		for i := range want {
			w, g := float64(want[i]), float64(got[i])
			if math.IsNaN(w) != math.IsNaN(g) || (!math.IsNaN(w) && math.Abs(w-g) > 8*ulpOf[T](w)) {
				t.Fatalf("L %d: element %d is %v, want %v", l, i, g, w)
			}
			if !(got[i] == inPlace[i] || (got[i] != got[i] && inPlace[i] != inPlace[i])) {
				t.Fatalf("L %d: in place element %d is %v, not %v", l, i, inPlace[i], got[i])
			}
		}
	}
	// Each row is Softmax of its kept keys, bit for bit, then zeros.
	for _, l := range []int{5, 64, 300} {
		x := make([]T, 2*l*l)
		for i := range x {
			x[i] = T(math.Cos(float64(i)*0.31) * 6)
		}
		got := make([]T, len(x))
		tensor.SoftmaxCausalRows(got, x, l)
		for r := 0; r*l < len(x); r++ {
			k := r%l + 1
			want := tensor.Softmax(tensor.MustNew(append([]T(nil), x[r*l:r*l+k]...), k), -1).Data()
			for j, v := range got[r*l : (r+1)*l] {
				if (j < k && v != want[j]) || (j >= k && v != 0) {
					t.Fatalf("L %d, row %d: element %d is %v, not Softmax of the row's keys", l, r, j, v)
				}
			}
		}
	}
	for _, bad := range []func(){
		func() { tensor.SoftmaxCausalRows(make([]T, 5), make([]T, 5), 2) },
		func() { tensor.SoftmaxCausalRows(make([]T, 4), make([]T, 8), 2) },
		func() { tensor.SoftmaxCausalRows(make([]T, 4), make([]T, 4), -2) },
	} {
		func() {
			defer func() {
				if _, ok := recover().(*tensor.ShapeError); !ok {
					t.Errorf("want a *tensor.ShapeError panic")
				}
			}()
			bad()
		}()
	}
}

// ulpOf is the spacing of T's values at |v|.
func ulpOf[T tensor.Float](v float64) float64 {
	var z T
	if _, ok := any(z).(float32); ok {
		f := float32(math.Abs(v))
		return float64(math.Nextafter32(f, float32(math.Inf(1))) - f)
	}
	return math.Nextafter(math.Abs(v), math.Inf(1)) - math.Abs(v)
}

// BenchmarkSoftmaxCausalRows times the causal softmax on the scores of
// the transformer block of bench/ (batch 8, 4 heads, L 64: 32 matrices of
// 64×64, float32).
func BenchmarkSoftmaxCausalRows(b *testing.B) {
	const mats, l = 32, 64
	x := make([]float32, mats*l*l)
	for i := range x {
		x[i] = float32(math.Sin(float64(i)*0.77) * 4)
	}
	y := make([]float32, len(x))
	b.ReportAllocs()
	for b.Loop() {
		tensor.SoftmaxCausalRows(y, x, l)
	}
}
