package tensor

import (
	"math"
	"testing"
)

// TestGELUAndGradInto checks that the fused GELU and derivative have the
// bits of GELUInto and that g·d has those of GELUGradInto, in both
// precisions, and that mismatched shapes panic with a *ShapeError.
func TestGELUAndGradInto(t *testing.T) {
	t.Run("float32", func(t *testing.T) { checkGELUAndGrad[float32](t) })
	t.Run("float64", func(t *testing.T) { checkGELUAndGrad[float64](t) })
}

func checkGELUAndGrad[T Float](t *testing.T) {
	const n = 301
	xs, gs := make([]T, n), make([]T, n)
	for i := range xs {
		xs[i] = T(float64(i-150) / 17)
		gs[i] = T(math.Sin(float64(i)))
	}
	xs[0], xs[1], xs[2] = T(math.Inf(1)), T(math.NaN()), T(math.Copysign(0, -1))
	x, _ := New(xs, 7, 43)
	g, _ := New(gs, 7, 43)
	y, d := Zeros[T](7, 43), Zeros[T](7, 43)
	GELUAndGradInto(y, d, x)
	wantY, wantG, prod := Zeros[T](7, 43), Zeros[T](7, 43), Zeros[T](7, 43)
	GELUInto(wantY, x)
	GELUGradInto(wantG, x, g)
	MulInto(prod, g, d)
	bits := func(v T) uint64 { return math.Float64bits(float64(v)) }
	for i := range xs {
		a, b := y.Data()[i], wantY.Data()[i]
		p, q := prod.Data()[i], wantG.Data()[i]
		if bits(a) != bits(b) && !(a != a && b != b) || bits(p) != bits(q) && !(p != p && q != q) {
			t.Fatalf("x=%v: GELU %v (want %v), g·d %v (want %v)", xs[i], a, b, p, q)
		}
	}
	defer func() {
		if _, ok := recover().(*ShapeError); !ok {
			t.Fatal("mismatched shapes: no *ShapeError")
		}
	}()
	GELUAndGradInto(y, Zeros[T](3), x)
}
