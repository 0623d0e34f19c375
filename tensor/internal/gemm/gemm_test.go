package gemm

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// guard is the value around and between the rows of every matrix in these
// tests: a kernel that reads it puts NaN into C, one that writes it changes
// its bits.
var guard = math.Float64frombits(0x7ff8_dead_beef_0001)

// matrix is an r×c matrix with row stride ld inside a larger slice of guard
// values. data is the matrix itself: its capacity ends at its last element,
// so a Go access past it panics.
type matrix[T exact] struct {
	r, c, ld int
	all      []T // guards, matrix, guards
	off      int // index of element (0, 0) in all
	data     []T
}

const guardLen = 67

func newMatrix[T exact](rng *rand.Rand, r, c, ld int) *matrix[T] {
	ext := extent(r, c, ld)
	all := make([]T, guardLen+ext+guardLen)
	for i := range all {
		all[i] = T(guard)
	}
	m := &matrix[T]{r: r, c: c, ld: ld, all: all, off: guardLen}
	m.data = all[guardLen : guardLen+ext : guardLen+ext]
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			m.data[i*ld+j] = T(rng.Float64()*2 - 1)
		}
	}
	return m
}

func (m *matrix[T]) at(i, j int) float64 { return float64(m.data[i*m.ld+j]) }

// checkGuards fails the test when an element outside the matrix changed.
func (m *matrix[T]) checkGuards(t *testing.T, name string) {
	t.Helper()
	for i, v := range m.all {
		k := i - m.off
		inside := k >= 0 && k < len(m.data) && k%m.ld < m.c
		if !inside && !sameBits(v, T(guard)) {
			t.Fatalf("%s: element %d outside the matrix was overwritten with %v", name, k, v)
		}
	}
}

func sameBits[T exact](x, y T) bool {
	switch x := any(x).(type) {
	case float32:
		return math.Float32bits(x) == math.Float32bits(any(y).(float32))
	default:
		return math.Float64bits(any(x).(float64)) == math.Float64bits(any(y).(float64))
	}
}

func eps[T exact]() float64 {
	var z T
	if _, ok := any(z).(float32); ok {
		return 0x1p-24
	}
	return 0x1p-53
}

type gemmCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float64
	cNaN           bool // C starts as NaN (with beta 0: must be ignored)
	pad            int  // extra elements per row in lda, ldb, ldc
}

func (tc gemmCase) String() string {
	return fmt.Sprintf("%v%v/%dx%dx%d/alpha=%g/beta=%g/nan=%v/pad=%d", tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, tc.beta, tc.cNaN, tc.pad)
}

// operandDims returns the rows and columns of A and B as stored: m×k and
// k×n, each the other way round when transposed.
func (tc gemmCase) operandDims() (ar, ac, br, bc int) {
	ar, ac, br, bc = tc.m, tc.k, tc.k, tc.n
	if tc.transA {
		ar, ac = ac, ar
	}
	if tc.transB {
		br, bc = bc, br
	}
	return ar, ac, br, bc
}

// checkGemm runs one product with kern and compares it element by element
// with a float64 triple loop, within the rounding error bound
// 2(k+2)·eps·(|alpha|·Σ|a||b| + |beta·c|).
func checkGemm[T exact](t *testing.T, rng *rand.Rand, kern *kernel[T], tc gemmCase) {
	t.Helper()
	ar, ac, br, bc := tc.operandDims()
	a := newMatrix[T](rng, ar, ac, ac+tc.pad)
	b := newMatrix[T](rng, br, bc, bc+tc.pad)
	c := newMatrix[T](rng, tc.m, tc.n, tc.n+tc.pad)
	if tc.cNaN {
		for i := 0; i < tc.m; i++ {
			for j := 0; j < tc.n; j++ {
				c.data[i*c.ld+j] = T(math.NaN())
			}
		}
	}
	c0 := append([]T(nil), c.data...)
	// op(a) as m×k and op(b) transposed as n×k, dense float64.
	opA := make([]float64, tc.m*tc.k)
	opBt := make([]float64, tc.n*tc.k)
	for i := 0; i < tc.m; i++ {
		for p := 0; p < tc.k; p++ {
			if tc.transA {
				opA[i*tc.k+p] = a.at(p, i)
			} else {
				opA[i*tc.k+p] = a.at(i, p)
			}
		}
	}
	for j := 0; j < tc.n; j++ {
		for p := 0; p < tc.k; p++ {
			if tc.transB {
				opBt[j*tc.k+p] = b.at(j, p)
			} else {
				opBt[j*tc.k+p] = b.at(p, j)
			}
		}
	}
	gemm(kern, Full, tc.transA, tc.transB, tc.m, tc.n, tc.k, T(tc.alpha), a.data, a.ld, b.data, b.ld, T(tc.beta), c.data, c.ld)
	a.checkGuards(t, "a")
	b.checkGuards(t, "b")
	c.checkGuards(t, "c")
	e := eps[T]()
	bad := 0
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			var s, sabs float64
			ai, bj := opA[i*tc.k:(i+1)*tc.k], opBt[j*tc.k:(j+1)*tc.k]
			for p, av := range ai {
				x := av * bj[p]
				s += x
				sabs += math.Abs(x)
			}
			want := tc.alpha * s
			bound := math.Abs(tc.alpha) * sabs
			if tc.beta != 0 {
				c0v := float64(c0[i*c.ld+j])
				want += tc.beta * c0v
				bound += math.Abs(tc.beta * c0v)
			}
			bound = 2*float64(tc.k+2)*e*bound + 1e-300
			got := c.at(i, j)
			if !(math.Abs(got-want) <= bound) {
				if bad < 5 {
					t.Errorf("%s %v: c[%d,%d] = %v, want %v (error bound %.3g)", kern.name, tc, i, j, got, want, bound)
				}
				bad++
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%s %v: %d of %d elements wrong", kern.name, tc, bad, tc.m*tc.n)
	}
}

// variants returns each kernel this machine runs, once as configured, once
// with A always packed and once with A always read in place, and with small
// blocks (A packed and in place) so that every block edge is crossed by
// small products. Under the race detector only the small blocks are used:
// they take every path of the driver at a fraction of the cost.
func variants[T exact](kerns []*kernel[T]) []*kernel[T] {
	var out []*kernel[T]
	for _, k := range kerns {
		packed, direct, tiny := *k, *k, *k
		packed.name += " packed A"
		packed.directN = 0
		// Without the dot path, so that narrow A·Bᵀ also takes the packed one.
		packed.dot = nil
		direct.name += " direct A"
		direct.directN = math.MaxInt / 4
		tiny.name += " tiny blocks"
		tiny.mc, tiny.kc, tiny.nc = 2*k.mr, 7, 3*k.nr
		tiny.dot = nil
		tinyDirect := tiny
		tinyDirect.name += " direct A"
		tinyDirect.directN = math.MaxInt / 4
		if raceEnabled || testing.Short() {
			out = append(out, &tiny, &tinyDirect)
		} else {
			out = append(out, k, &packed, &direct, &tiny, &tinyDirect)
		}
	}
	return out
}

// interesting returns sizes around the edges of kern's tiles and blocks.
func interesting[T exact](kern *kernel[T]) (ms, ns, ks []int) {
	ms = []int{1, kern.mr - 1, kern.mr, kern.mr + 1, 2*kern.mr + 1, kern.mc - 1, kern.mc + 1, 97}
	// Remainders of a quarter, half and three quarters of NR take the
	// narrower AVX-512 kernels.
	ns = []int{1, kern.nr/4 + 1, kern.nr/2 + 1, 3*kern.nr/4 + 1, kern.nr - 1, kern.nr, kern.nr + 1, 2*kern.nr + 3, 89}
	ks = []int{1, 2, 5, kern.kc - 1, kern.kc, kern.kc + 1, 2*kern.kc + 3}
	return ms, ns, ks
}

func TestGemmShapes(t *testing.T) {
	t.Run("float64", func(t *testing.T) { testShapes(t, kernels64) })
	t.Run("float32", func(t *testing.T) { testShapes(t, kernels32) })
}

func testShapes[T exact](t *testing.T, kerns []*kernel[T]) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, kern := range variants(kerns) {
		t.Run(kern.name, func(t *testing.T) {
			ms, ns, ks := interesting(kern)
			pick := func(xs []int) int { return xs[rng.IntN(len(xs))] }
			// Random transposes, scalars and padding, and every pair of
			// interesting sizes (m, n) and (m, k) with the third one picked
			// at random, keep the sweep affordable; the transposes are also
			// swept exhaustively below.
			var sizes [][3]int
			for _, m := range ms {
				for _, n := range ns {
					sizes = append(sizes, [3]int{m, n, pick(ks)})
				}
				for _, k := range ks {
					sizes = append(sizes, [3]int{m, pick(ns), k})
				}
			}
			for _, sz := range sizes {
				if sz[0] <= 0 || sz[1] <= 0 || sz[2] <= 0 {
					continue
				}
				tc := gemmCase{
					transA: rng.IntN(2) == 0, transB: rng.IntN(2) == 0,
					m: sz[0], n: sz[1], k: sz[2],
					alpha: []float64{1, -1.5, 0.25}[rng.IntN(3)],
					beta:  []float64{0, 1, -0.5}[rng.IntN(3)],
					pad:   []int{0, 0, 3}[rng.IntN(3)],
				}
				checkGemm(t, rng, kern, tc)
			}
			// Every transpose combination and scalar on a few awkward shapes.
			for _, sz := range [][3]int{{kern.mr + 1, kern.nr - 1, kern.kc + 1}, {2*kern.mr - 1, 2*kern.nr + 1, 3}, {1, 1, 1}, {7, 3, 2*kern.kc - 1}} {
				for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
					for _, ab := range [][2]float64{{1, 0}, {2, 1}, {-1, -2}, {0.5, 0}} {
						checkGemm(t, rng, kern, gemmCase{transA: tr[0], transB: tr[1], m: sz[0], n: sz[1], k: sz[2], alpha: ab[0], beta: ab[1], pad: 1})
					}
				}
			}
		})
	}
}

// TestGemmRandom multiplies random shapes up to a few blocks in each
// direction, with the kernels as Gemm uses them.
func TestGemmRandom(t *testing.T) {
	t.Run("float64", func(t *testing.T) { testRandom(t, kernels64) })
	t.Run("float32", func(t *testing.T) { testRandom(t, kernels32) })
}

func testRandom[T exact](t *testing.T, kerns []*kernel[T]) {
	rng := rand.New(rand.NewPCG(3, 4))
	iters := 30
	if testing.Short() || raceEnabled {
		iters = 6
	}
	for _, kern := range kerns {
		for range iters {
			tc := gemmCase{
				transA: rng.IntN(2) == 0, transB: rng.IntN(2) == 0,
				m: 1 + rng.IntN(kern.mc+2*kern.mr), n: 1 + rng.IntN(2*kern.nr+5), k: 1 + rng.IntN(kern.kc+7),
				alpha: rng.Float64()*4 - 2, beta: []float64{0, 1, rng.Float64()*4 - 2}[rng.IntN(3)],
				cNaN: rng.IntN(4) == 0,
				pad:  rng.IntN(3),
			}
			if tc.cNaN {
				tc.beta = 0
			}
			checkGemm(t, rng, kern, tc)
		}
	}
}

// TestGemmPrimes uses prime sizes well past every block size, with the
// default kernel, on several goroutines.
func TestGemmPrimes(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("large products")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, sz := range [][3]int{{509, 257, 131}, {131, 521, 263}, {263, 131, 509}, {1031, 67, 71}} {
		for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
			tc := gemmCase{transA: tr[0], transB: tr[1], m: sz[0], n: sz[1], k: sz[2], alpha: 1, beta: 0}
			checkGemm(t, rng, kern64, tc)
			checkGemm(t, rng, kern32, tc)
		}
	}
}

func TestGemmSpecialScalars(t *testing.T) {
	t.Run("float64", func(t *testing.T) { testSpecialScalars(t, kernels64) })
	t.Run("float32", func(t *testing.T) { testSpecialScalars(t, kernels32) })
}

func testSpecialScalars[T exact](t *testing.T, kerns []*kernel[T]) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, kern := range kerns {
		for _, sz := range [][3]int{{3, 2, 4}, {13, 70, 9}, {37, 5, 300}} {
			m, n, k := sz[0], sz[1], sz[2]
			// beta 0 ignores NaN in C, through every path (small, packed).
			checkGemm(t, rng, kern, gemmCase{m: m, n: n, k: k, alpha: 1, beta: 0, cNaN: true})
			checkGemm(t, rng, kern, gemmCase{transA: true, transB: true, m: m, n: n, k: k, alpha: -2, beta: 0, cNaN: true})

			// alpha 0: c = beta·c, and a and b are not read (NaN in them
			// does not propagate).
			nanA := make([]T, m*k)
			nanB := make([]T, k*n)
			for i := range nanA {
				nanA[i] = T(math.NaN())
			}
			for i := range nanB {
				nanB[i] = T(math.NaN())
			}
			c := make([]T, m*n)
			for i := range c {
				c[i] = T(i)
			}
			gemm(kern, Full, false, false, m, n, k, 0, nanA, k, nanB, n, 2, c, n)
			for i, v := range c {
				if float64(v) != 2*float64(i) {
					t.Fatalf("%s alpha 0 beta 2: c[%d] = %v, want %v", kern.name, i, v, 2*i)
				}
			}
			gemm(kern, Full, false, false, m, n, k, 0, nanA, k, nanB, n, 0, c, n)
			for i, v := range c {
				if v != 0 {
					t.Fatalf("%s alpha 0 beta 0: c[%d] = %v, want 0", kern.name, i, v)
				}
			}
			// k 0: c = beta·c.
			for i := range c {
				c[i] = T(math.NaN())
			}
			gemm(kern, Full, true, false, m, n, 0, 1, nil, m, nil, n, 0, c, n)
			for i, v := range c {
				if v != 0 {
					t.Fatalf("%s k 0 beta 0: c[%d] = %v, want 0", kern.name, i, v)
				}
			}

			// NaN in one row of A reaches only that row of C.
			a := newMatrix[T](rng, m, k, k)
			b := newMatrix[T](rng, k, n, n)
			a.data[(m/2)*k+k/2] = T(math.NaN())
			cc := make([]T, m*n)
			gemm(kern, Full, false, false, m, n, k, 1, a.data, k, b.data, n, 0, cc, n)
			for i := 0; i < m; i++ {
				for j := 0; j < n; j++ {
					if isNaN := cc[i*n+j] != cc[i*n+j]; isNaN != (i == m/2) {
						t.Fatalf("%s: c[%d,%d] = %v with NaN in row %d of a only", kern.name, i, j, cc[i*n+j], m/2)
					}
				}
			}
		}
	}
}

// TestGemmDeterministic checks that the result has the same bits whatever
// GOMAXPROCS is, so whatever the split across goroutines.
func TestGemmDeterministic(t *testing.T) {
	t.Run("float64", func(t *testing.T) { testDeterministic[float64](t) })
	t.Run("float32", func(t *testing.T) { testDeterministic[float32](t) })
}

func testDeterministic[T exact](t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	rng := rand.New(rand.NewPCG(9, 10))
	// Products of at least 2·parMinFlops are split: 2 ways from 268 MFLOP,
	// 4 from 537, so the larger sizes exercise the split.
	sizes := [][3]int{{200, 200, 200}, {97, 389, 301}, {389, 97, 301}, {13, 1000, 257}, {1000, 13, 257}, {600, 600, 400}, {1024, 512, 513}, {37, 4000, 1000}}
	procs := []int{1, 2, 3, 4, 8}
	if raceEnabled {
		sizes, procs = [][3]int{{200, 200, 200}, {600, 600, 400}}, []int{1, 2, 3}
	}
	for _, sz := range sizes {
		for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
			m, n, k := sz[0], sz[1], sz[2]
			ar, ac := m, k
			if tr[0] {
				ar, ac = k, m
			}
			br, bc := k, n
			if tr[1] {
				br, bc = n, k
			}
			a, b := newMatrix[T](rng, ar, ac, ac), newMatrix[T](rng, br, bc, bc)
			c0 := newMatrix[T](rng, m, n, n).data
			var ref []T
			for _, procs := range procs {
				runtime.GOMAXPROCS(procs)
				c := append([]T(nil), c0...)
				Gemm(tr[0], tr[1], m, n, k, T(0.75), a.data, ac, b.data, bc, T(-1.25), c, n)
				if ref == nil {
					ref = c
					continue
				}
				for i := range c {
					if !sameBits(c[i], ref[i]) {
						t.Fatalf("%v transA=%v transB=%v: GOMAXPROCS %d gives c[%d] = %v, GOMAXPROCS 1 gives %v", sz, tr[0], tr[1], procs, i, c[i], ref[i])
					}
				}
			}
		}
	}
}

func TestGemmBadArguments(t *testing.T) {
	s := func(n int) []float64 { return make([]float64, n) } // capacity n: a read past the end panics
	buf := s(100)
	tests := []struct {
		name string
		f    func()
	}{
		{"negative m", func() { Gemm(false, false, -1, 2, 2, 1, s(4), 2, s(4), 2, 0, s(4), 2) }},
		{"negative k", func() { Gemm(false, false, 2, 2, -2, 1, s(4), 2, s(4), 2, 0, s(4), 2) }},
		{"lda too small", func() { Gemm(false, false, 2, 2, 3, 1, s(6), 2, s(6), 2, 0, s(4), 2) }},
		{"lda too small transposed", func() { Gemm(true, false, 3, 2, 2, 1, s(6), 2, s(4), 2, 0, s(6), 2) }},
		{"ldb too small", func() { Gemm(false, true, 2, 3, 2, 1, s(4), 2, s(6), 1, 0, s(6), 3) }},
		{"ldc too small", func() { Gemm(false, false, 2, 3, 2, 1, s(4), 2, s(6), 3, 0, s(6), 2) }},
		{"ldc zero", func() { Gemm(false, false, 0, 0, 0, 1, nil, 0, []float64(nil), 1, 0, nil, 0) }},
		{"a short", func() { Gemm(false, false, 2, 2, 2, 1, s(3), 2, s(4), 2, 0, s(4), 2) }},
		{"b short", func() { Gemm(false, false, 2, 2, 2, 1, s(4), 2, s(3), 2, 0, s(4), 2) }},
		{"c short", func() { Gemm(false, false, 2, 2, 2, 1, s(4), 2, s(4), 2, 0, s(3), 2) }},
		{"c short with stride", func() { Gemm(false, false, 2, 2, 2, 1, s(4), 2, s(4), 2, 0, s(5), 4) }},
		{"c is a", func() { Gemm(false, false, 2, 2, 2, 1, buf[:4], 2, s(4), 2, 0, buf[:4], 2) }},
		{"c overlaps b", func() { Gemm(false, false, 2, 2, 2, 1, s(4), 2, buf[10:14], 2, 0, buf[13:17], 2) }},
		{"c overlaps a, alpha 0", func() { Gemm(false, false, 2, 2, 2, 0, buf[20:24], 2, s(4), 2, 0, buf[20:24], 2) }},
		{"huge ld", func() { Gemm(false, false, 3, 2, 2, 1, s(6), math.MaxInt/2, s(4), 2, 0, s(6), 2) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantGemmError(t, tc.f) })
	}

	// Adjacent, non-overlapping and empty slices are fine.
	Gemm(false, false, 2, 2, 2, 1, buf[30:34], 2, buf[34:38], 2, 0, buf[38:42], 2)
	Gemm(false, false, 0, 2, 2, 1, nil, 2, buf[34:38], 2, 0, nil, 2)
	// a and b may share memory.
	Gemm(false, true, 2, 2, 2, 1, buf[50:54], 2, buf[50:54], 2, 0, buf[60:64], 2)
}

// wantGemmError runs f, which must panic with a *gemm.Error.
func wantGemmError(t *testing.T, f func()) {
	t.Helper()
	defer func() {
		r := recover()
		err, ok := r.(error)
		var ge *Error
		if !ok || !errors.As(err, &ge) {
			t.Fatalf("panic %v (%T), want a *gemm.Error", r, r)
		}
	}()
	f()
}

// TestGemmNamedType runs Gemm on a named float type, as package tensor may.
func TestGemmNamedType(t *testing.T) {
	type myFloat float32
	a := []myFloat{1, 2, 3, 4, 5, 6}
	b := []myFloat{7, 8, 9, 10, 11, 12}
	c := make([]myFloat, 4)
	Gemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2)
	if want := []myFloat{58, 64, 139, 154}; fmt.Sprint(c) != fmt.Sprint(want) {
		t.Errorf("c = %v, want %v", c, want)
	}
}

func TestGemmAllocs(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("large products; and the race detector makes sync.Pool drop items at random")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		for _, n := range []int{16, 100, 300} {
			a, b, c := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
			Gemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n) // warm the pool
			allocs := testing.AllocsPerRun(20, func() { Gemm(false, true, n, n, n, 1, a, n, b, n, 0, c, n) })
			// A GC may empty the pool during the run, which costs an
			// allocation once in a while.
			if allocs > 0.5 {
				t.Errorf("GOMAXPROCS %d n=%d: %v allocations per Gemm, want 0", procs, n, allocs)
			}
		}
	}
}

func TestKernelName(t *testing.T) {
	if KernelName[float64]() != kern64.name || KernelName[float32]() != kern32.name {
		t.Errorf("KernelName = %q, %q", KernelName[float64](), KernelName[float32]())
	}
	t.Logf("kernels: float64 %s, float32 %s", kern64.name, kern32.name)
}

// TestGemmConcurrentCalls runs products from several goroutines at once, each
// split across goroutines of its own, sharing the pools.
func TestGemmConcurrentCalls(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	runtime.GOMAXPROCS(4)
	n := 160
	if raceEnabled {
		n = 100
	}
	rng := rand.New(rand.NewPCG(15, 16))
	a, b := newMatrix[float64](rng, n, n, n), newMatrix[float64](rng, n, n, n)
	want := make([]float64, n*n)
	Gemm(false, false, n, n, n, 1, a.data, n, b.data, n, 0, want, n)
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			c := make([]float64, n*n)
			for range 5 {
				Gemm(false, false, n, n, n, 1, a.data, n, b.data, n, 0, c, n)
				for i := range c {
					if c[i] != want[i] {
						errs <- fmt.Errorf("goroutine %d: c[%d] = %v, want %v", g, i, c[i], want[i])
						return
					}
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestGemmParallelPanic checks that a panic in a region computed by another
// goroutine reaches the caller, after every region is done.
func TestGemmParallelPanic(t *testing.T) {
	kern := *kern64
	kern.name = "panics on the last column"
	kern.micro = func(k int, a []float64, rsA, csA int, b, c []float64, ldc int, alpha, beta float64, rows, cols, flags int, bias []float64) {
		if cols < kern.nr {
			panic("boom")
		}
		kern64.micro(k, a, rsA, csA, b, c, ldc, alpha, beta, rows, cols, flags, bias)
	}
	n := kern.nr*4 + 1
	rng := rand.New(rand.NewPCG(17, 18))
	a, b, c := newMatrix[float64](rng, n, n, n), newMatrix[float64](rng, n, n, n), newMatrix[float64](rng, n, n, n)
	for _, w := range []int{2, 3} {
		func() {
			defer func() {
				if r := recover(); r != "boom" {
					t.Errorf("%d goroutines: recovered %v, want boom", w, r)
				}
			}()
			p := problem[float64]{m: n, n: n, k: n, alpha: 1, a: a.data, b: b.data, c: c.data, lda: n, ldb: n, ldc: n}
			p.parallel(&kern, w)
		}()
	}
}

// TestBlockTransposers checks the AVX-512 block transposes against index
// arithmetic, on strided rows inside guard values.
func TestBlockTransposers(t *testing.T) {
	testBlockTransposer(t, kernels64)
	testBlockTransposer(t, kernels32)
}

func testBlockTransposer[T exact](t *testing.T, kerns []*kernel[T]) {
	rng := rand.New(rand.NewPCG(19, 20))
	for _, kern := range kerns {
		tr := kern.transpose
		if tr.fn == nil {
			continue
		}
		for _, blocks := range []int{1, 2, 5} {
			w := tr.w
			lds, ldd := blocks*w+3, w+5
			src := newMatrix[T](rng, w, blocks*w, lds)
			dst := newMatrix[T](rng, blocks*w, w, ldd)
			tr.fn(src.data, lds, dst.data, ldd, blocks)
			dst.checkGuards(t, kern.name+" transpose dst")
			for i := 0; i < w; i++ {
				for j := 0; j < blocks*w; j++ {
					if got, want := dst.at(j, i), src.at(i, j); got != want {
						t.Fatalf("%s, %d blocks: dst[%d,%d] = %v, want src[%d,%d] = %v", kern.name, blocks, j, i, got, i, j, want)
					}
				}
			}
		}
	}
}

// TestRowCopiers checks the AVX-512 row copies of packB against index
// arithmetic, on strided rows inside guard values, with even and odd row
// counts (the assembly copies two rows per iteration), and that they refuse
// rows outside their slices.
func TestRowCopiers(t *testing.T) {
	testRowCopier(t, kernels64)
	testRowCopier(t, kernels32)
}

func testRowCopier[T exact](t *testing.T, kerns []*kernel[T]) {
	rng := rand.New(rand.NewPCG(21, 22))
	// The portable copiers of the narrow kernels, in every build.
	kerns = append(kerns[:len(kerns):len(kerns)],
		&kernel[T]{name: "copyRows8", nr: 8, copyRows: copyRows8[T]},
		&kernel[T]{name: "copyRows16", nr: 16, copyRows: copyRows16[T]},
		&kernel[T]{name: "copyRows32", nr: 32, copyRows: copyRows32[T]})
	for _, kern := range kerns {
		if kern.copyRows == nil {
			continue
		}
		nr := kern.nr
		for _, rows := range []int{1, 2, 3, 8, 11} {
			lds := nr + 5
			src := newMatrix[T](rng, rows, nr, lds)
			dst := newMatrix[T](rng, rows, nr, nr)
			kern.copyRows(dst.data, src.data, lds, rows)
			dst.checkGuards(t, kern.name+" copyRows dst")
			for i := 0; i < rows; i++ {
				for j := 0; j < nr; j++ {
					if got, want := dst.at(i, j), src.at(i, j); got != want {
						t.Fatalf("%s, %d rows: dst[%d,%d] = %v, want %v", kern.name, rows, i, j, got, want)
					}
				}
			}
		}
		func() {
			defer func() {
				if _, ok := recover().(*Error); !ok {
					t.Errorf("%s: copyRows past the end of src did not panic with an *Error", kern.name)
				}
			}()
			kern.copyRows(make([]T, 4*nr), make([]T, 3*nr), nr, 4)
		}()
	}
}

// TestSplitThreshold pins where products start to be split, so that the
// sizes of TestGemmDeterministic keep exercising the parallel path.
func TestSplitThreshold(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	runtime.GOMAXPROCS(4)
	for _, c := range []struct {
		m, n, k, want int
	}{
		{200, 200, 200, 1},   // 16 MFLOP
		{64, 256, 784, 1},    // 26 MFLOP: the MLP's first layer at batch 64
		{256, 256, 784, 1},   // 103 MFLOP: the same layer at batch 256
		{512, 512, 512, 2},   // 268 MFLOP
		{600, 600, 400, 2},   // 288 MFLOP
		{1024, 512, 513, 4},  // 538 MFLOP
		{2, 2, 100000000, 1}, // a single tile has nothing to split
	} {
		p := problem[float32]{m: c.m, n: c.n, k: c.k}
		if got := p.workers(kern32); got != c.want {
			t.Errorf("%d×%d×%d: %d goroutines, want %d", c.m, c.n, c.k, got, c.want)
		}
	}
}
