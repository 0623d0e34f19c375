package tensor_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

// TestGemmStrided: a product of column blocks of wider matrices, read and
// written in place, equals Gemm on copies of the blocks bit for bit, for
// every transposition and with beta 0 (NaN in c ignored) and 1; the
// elements of c outside its block are left alone.
func TestGemmStrided(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	fill := func(n int) []float32 {
		d := make([]float32, n)
		for i := range d {
			d[i] = float32(rng.NormFloat64())
		}
		return d
	}
	// block copies the r×c block at offset off of a matrix with row stride ld.
	block := func(d []float32, off, r, c, ld int) *tensor.Tensor[float32] {
		out := make([]float32, 0, r*c)
		for i := range r {
			out = append(out, d[off+i*ld:off+i*ld+c]...)
		}
		return tensor.MustNew(out, r, c)
	}
	const m, n, k = 13, 17, 9
	for _, ta := range []bool{false, true} {
		for _, tb := range []bool{false, true} {
			for _, beta := range []float32{0, 1} {
				ar, ac := m, k
				if ta {
					ar, ac = k, m
				}
				br, bc := k, n
				if tb {
					br, bc = n, k
				}
				lda, ldb, ldc := ac+5, bc+3, n+7
				a, b, c := fill(ar*lda), fill(br*ldb), fill(m*ldc)
				if beta == 0 {
					c[2] = float32(math.NaN()) // in the block: ignored
				}
				want := block(c, 2, m, n, ldc)
				tensor.Gemm(ta, tb, 1.5, block(a, 3, ar, ac, lda), block(b, 1, br, bc, ldb), beta, want)
				got := slices.Clone(c)
				tensor.GemmStrided(ta, tb, m, n, k, 1.5, a[3:], lda, b[1:], ldb, beta, got[2:], ldc)
				if gb := block(got, 2, m, n, ldc); !slices.Equal(gb.Data(), want.Data()) {
					t.Errorf("transA %t transB %t beta %g: block differs from Gemm's", ta, tb, beta)
				}
				for i := range got {
					if col := i%ldc - 2; (col < 0 || col >= n || i < 2) && got[i] != c[i] {
						t.Errorf("transA %t transB %t: element %d outside the block changed", ta, tb, i)
					}
				}
			}
		}
	}
}

// TestGemmStridedPanics: bad dimensions, strides, lengths and overlapping
// operands panic with a *tensor.ShapeError.
func TestGemmStridedPanics(t *testing.T) {
	buf := make([]float64, 100)
	other := make([]float64, 100)
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"negative m", func() { tensor.GemmStrided(false, false, -1, 2, 2, 1, buf, 2, other, 2, 0, make([]float64, 4), 2) }},
		{"lda short", func() { tensor.GemmStrided(false, false, 2, 2, 3, 1, buf, 2, other, 2, 0, make([]float64, 4), 2) }},
		{"a too short", func() { tensor.GemmStrided(false, false, 5, 2, 3, 1, buf[:10], 3, other, 2, 0, make([]float64, 10), 2) }},
		{"c overlaps a", func() { tensor.GemmStrided(false, false, 2, 2, 2, 1, buf, 4, other, 2, 0, buf[2:], 4) }},
		{"c overlaps b", func() { tensor.GemmStrided(false, true, 2, 2, 2, 1, buf, 2, other, 2, 0, other[1:], 2) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				err, _ := r.(error)
				var se *tensor.ShapeError
				if !errors.As(err, &se) || se.Op != "GemmStrided" {
					t.Errorf("panicked with %v, want a *tensor.ShapeError of GemmStrided", r)
				}
			}()
			tc.f()
		})
	}
}

// TestGemmStridedPart: with op(a) zero after its diagonal (GemmLowerA) or
// before it (GemmUpperA), GemmStridedPart equals GemmStrided bit for bit;
// with GemmLowerC it does on and below the diagonal of c, and above it
// an element is GemmStrided's or as it was; an unknown part panics with
// an *ArgError.
func TestGemmStridedPart(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const m, n, k, lda, ldb, ldc = 40, 40, 40, 45, 43, 47
	for _, part := range []tensor.GemmPart{tensor.GemmFull, tensor.GemmLowerC, tensor.GemmLowerA, tensor.GemmUpperA} {
		for _, ta := range []bool{false, true} {
			a, b, c := make([]float64, k*lda), make([]float64, k*ldb), make([]float64, m*ldc)
			for _, d := range [][]float64{a, b, c} {
				for i := range d {
					d[i] = rng.NormFloat64()
				}
			}
			for i := range m {
				for p := range k {
					if (part == tensor.GemmLowerA && p > i) || (part == tensor.GemmUpperA && p < i) {
						if ta {
							a[p*lda+i] = 0
						} else {
							a[i*lda+p] = 0
						}
					}
				}
			}
			want, got := slices.Clone(c), slices.Clone(c)
			tensor.GemmStrided(ta, false, m, n, k, 0.5, a, lda, b, ldb, 1, want, ldc)
			tensor.GemmStridedPart(part, ta, false, m, n, k, 0.5, a, lda, b, ldb, 1, got, ldc)
			for i := range got {
				if got[i] != want[i] && !(part == tensor.GemmLowerC && i%ldc > i/ldc && got[i] == c[i]) {
					t.Fatalf("part %d transA %t: element %d is %v, want %v", part, ta, i, got[i], want[i])
				}
			}
		}
	}
	defer func() {
		var ae *tensor.ArgError
		if err, _ := recover().(error); !errors.As(err, &ae) {
			t.Errorf("an unknown part panicked with %v, want a *tensor.ArgError", err)
		}
	}()
	tensor.GemmStridedPart(tensor.GemmPart(9), false, false, 1, 1, 1, 1, []float64{1}, 1, []float64{1}, 1, 0, []float64{0}, 1)
}
