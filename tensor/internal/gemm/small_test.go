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
	ar, ac := tc.m, tc.k
	if tc.transA {
		ar, ac = ac, ar
	}
	br, bc := tc.k, tc.n
	if tc.transB {
		br, bc = bc, br
	}
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
