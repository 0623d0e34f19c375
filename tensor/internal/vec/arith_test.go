package vec

import (
	"math/rand/v2"
	"testing"
)

// TestArithMatchesScalar checks Arith, ArithScalar, ScalarArith and Axpby
// (the kernel the dispatch picks) against their scalar loops bit for bit,
// special values included, for every length up to 70 and a long one; dst
// as a separate slice and in place. The elements around the slices must
// not change.
func TestArithMatchesScalar(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testArith[float32](t) })
	t.Run("float64", func(t *testing.T) { testArith[float64](t) })
}

func testArith[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	ops := []Op{OpAdd, OpSub, OpMul, OpDiv}
	for _, n := range testLengths() {
		xw, x := mixed[T](rng, n)
		yw, y := mixed[T](rng, n)
		dw, d := guarded[T](rng, n, false)
		guards := ends(xw, yw, dw)
		want := make([]T, n)
		s := T(rng.NormFloat64())
		for _, op := range ops {
			arithGo(op, want, x, y)
			Arith(op, d, x, y)
			sameBits(t, "Arith", n, want, d)
			copy(d, x)
			Arith(op, d, d, y)
			sameBits(t, "Arith in place", n, want, d)

			arithScalarGo(op, want, x, s)
			ArithScalar(op, d, x, s)
			sameBits(t, "ArithScalar", n, want, d)
			scalarArithGo(op, want, s, x)
			ScalarArith(op, d, s, x)
			sameBits(t, "ScalarArith", n, want, d)
		}
		for _, ab := range [][2]T{{1, 1}, {-0.5, 1}, {0.3, 0.7}, {2, 0}} {
			copy(d, y)
			copy(want, y)
			Axpby(d, x, ab[0], ab[1])
			axpbyGo(want, x, ab[0], ab[1])
			sameBits(t, "Axpby", n, want, d)
		}
		sameBits(t, "the guards", n, guards, ends(xw, yw, dw))
	}
}

// TestArithValues checks the four operations on numbers worked by hand,
// five elements (a vector and a tail in AVX2's float64).
func TestArithValues(t *testing.T) {
	x := []float64{1, 2, 3, 4, 5}
	y := []float64{2, 4, 8, 16, 32}
	d := make([]float64, 5)
	for _, c := range []struct {
		op   Op
		want []float64
	}{
		{OpAdd, []float64{3, 6, 11, 20, 37}},
		{OpSub, []float64{-1, -2, -5, -12, -27}},
		{OpMul, []float64{2, 8, 24, 64, 160}},
		{OpDiv, []float64{0.5, 0.5, 0.375, 0.25, 0.15625}},
	} {
		Arith(c.op, d, x, y)
		for i := range d {
			if d[i] != c.want[i] {
				t.Errorf("op %d: got %v, want %v", c.op, d, c.want)
				break
			}
		}
	}
	ScalarArith(OpSub, d, 1, x)
	if d[4] != -4 {
		t.Errorf("1 − x = %v", d)
	}
	ArithScalar(OpDiv, d, x, 2)
	if d[4] != 2.5 {
		t.Errorf("x / 2 = %v", d)
	}
	copy(d, y)
	Axpby(d, x, 2, 0.5) // d = y/2 + 2x
	if d[0] != 3 || d[4] != 26 {
		t.Errorf("axpby = %v", d)
	}
}

func BenchmarkArith(b *testing.B) {
	for _, n := range []int{128, 235146} {
		x, y, d := make([]float32, n), make([]float32, n), make([]float32, n)
		b.Run("vector/"+itoa(n), func(b *testing.B) {
			b.SetBytes(int64(12 * n))
			for b.Loop() {
				Arith(OpAdd, d, x, y)
			}
		})
		b.Run("scalar/"+itoa(n), func(b *testing.B) {
			b.SetBytes(int64(12 * n))
			for b.Loop() {
				arithGo(OpAdd, d, x, y)
			}
		})
	}
}

// itoa formats n for a benchmark's name.
func itoa(n int) string {
	var b []byte
	for {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
		if n == 0 {
			return string(b)
		}
	}
}
