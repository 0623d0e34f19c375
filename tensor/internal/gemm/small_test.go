package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// refSmall is the plain triple loop small's blocks must match bit for bit:
// each element 0 + a·b + a·b + … in order of k, then alpha·s (+ beta·c, or
// alpha·s alone when beta is 0, ignoring C).
func refSmall[T exact](p *problem[T]) {
	sa, sk, tk, tj := p.strides()
	for i := 0; i < p.m; i++ {
		for j := 0; j < p.n; j++ {
			var s T
			for q := 0; q < p.k; q++ {
				s += p.a[i*sa+q*sk] * p.b[j*tj+q*tk]
			}
			e := i*p.ldc + j
			if p.beta == 0 {
				p.c[e] = p.alpha * s
			} else {
				p.c[e] = p.alpha*s + p.beta*p.c[e]
			}
		}
	}
}

// TestSmallMatchesReference runs every shape up to 9×9×9 with m·n·k at most
// smallMNK (and beyond, since small is correct at any size), both
// transposes, padded rows, several alpha and beta, NaN and Inf among the
// operands and NaN in a C that beta 0 ignores, in float32 and float64:
// small's blocks (2×4, 1×4, 4×1, 1×1) give the reference loop's bits, and
// write nothing outside C.
func TestSmallMatchesReference(t *testing.T) {
	testSmall[float32](t)
	testSmall[float64](t)
}

func testSmall[T exact](t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	scalars := [][2]float64{{1, 0}, {1, 1}, {-0.5, 0.25}, {2, 0}}
	n := 0
	for m := 0; m <= 9; m++ {
		for nn := 0; nn <= 9; nn++ {
			for k := 0; k <= 9; k++ {
				for _, tr := range [4][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
					sc := scalars[n%len(scalars)]
					pad := n % 3
					special := n%5 == 0
					n++
					tc := gemmCase{transA: tr[0], transB: tr[1], m: m, n: nn, k: k, alpha: sc[0], beta: sc[1], pad: pad, cNaN: sc[1] == 0 && n%2 == 0}
					checkSmall[T](t, rng, tc, special)
				}
			}
		}
	}
}

func checkSmall[T exact](t *testing.T, rng *rand.Rand, tc gemmCase, special bool) {
	t.Helper()
	ar, ac, br, bc := tc.operandDims()
	a := newMatrix[T](rng, ar, ac, max(1, ac+tc.pad))
	b := newMatrix[T](rng, br, bc, max(1, bc+tc.pad))
	c := newMatrix[T](rng, tc.m, tc.n, max(1, tc.n+tc.pad))
	if special && len(a.data) > 0 && len(b.data) > 0 {
		a.data[0] = T(math.NaN())
		b.data[len(b.data)-1] = T(math.Inf(1))
	}
	if tc.cNaN {
		for i := 0; i < tc.m; i++ {
			for j := 0; j < tc.n; j++ {
				c.data[i*c.ld+j] = T(math.NaN())
			}
		}
	}
	want := append([]T(nil), c.data...)
	ref := problem[T]{transA: tc.transA, transB: tc.transB, m: tc.m, n: tc.n, k: tc.k, alpha: T(tc.alpha), beta: T(tc.beta),
		a: a.data, b: b.data, c: want, lda: a.ld, ldb: b.ld, ldc: c.ld}
	refSmall(&ref)
	p := ref
	p.c = c.data
	p.small()
	for e := range want {
		if !sameBits(c.data[e], want[e]) {
			t.Fatalf("%v: element %d = %v, reference loop %v", tc, e, c.data[e], want[e])
		}
	}
	c.checkGuards(t, tc.String())
	a.checkGuards(t, tc.String())
	b.checkGuards(t, tc.String())
}

// TestValidMatrix compares validMatrix with the division it replaces,
// (length-c)/ld ≥ r-1, on small values exhaustively and on values near
// the int range, where (r-1)·ld overflows.
func TestValidMatrix(t *testing.T) {
	ref := func(length, r, c, ld int) bool {
		if ld < max(1, c) {
			return false
		}
		if r > 0 && c > 0 {
			return !((length-c)/ld < r-1 || length < c)
		}
		return true
	}
	for length := 0; length <= 20; length++ {
		for r := 0; r <= 6; r++ {
			for c := 0; c <= 6; c++ {
				for ld := 0; ld <= 8; ld++ {
					if got, want := validMatrix(length, r, c, ld), ref(length, r, c, ld); got != want {
						t.Fatalf("validMatrix(%d, %d, %d, %d) = %v, want %v", length, r, c, ld, got, want)
					}
				}
			}
		}
	}
	const big = math.MaxInt
	for _, tc := range [][4]int{
		{big, 2, 1, big}, {big, 3, 1, big / 2}, {big, 2, 1, big - 1}, {big - 1, 2, 1, big - 1},
		{100, big, 1, big}, {big, big, 1, 1}, {big, big, 2, 2}, {big, 1 << 32, 4, 1 << 31}, {big, 1 << 33, 4, 1 << 31},
	} {
		if got, want := validMatrix(tc[0], tc[1], tc[2], tc[3]), ref(tc[0], tc[1], tc[2], tc[3]); got != want {
			t.Errorf("validMatrix%v = %v, want %v", tc, got, want)
		}
	}
}
