package gemm

// The tuning sweeps that chose the blocking sizes and the packing policy.
// They print GFLOP/s and are skipped unless GEMM_TUNE is set:
//
//	GEMM_TUNE=1 go test -run 'Tune' -v ./tensor/internal/gemm/
//	GEMM_TUNE=1 GEMM_N="512 1024" go test -run TuneBlocking -v -timeout 30m ./tensor/internal/gemm/
//
// They time in CPU time of the calling thread and keep the fastest of
// several runs, interleaving the configurations being compared, because the
// development machines are shared: wall-clock medians swing by 2× when other
// work runs on the same cores, while the fastest thread-time run is stable to
// a few percent.

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func tuneSizes(def ...int) []int {
	if os.Getenv("GEMM_N") == "" {
		return def
	}
	var sizes []int
	for _, f := range strings.Fields(os.Getenv("GEMM_N")) {
		var n int
		fmt.Sscan(f, &n)
		sizes = append(sizes, n)
	}
	return sizes
}

// minTime runs f reps times and returns the fastest run in thread CPU time.
func minTime(reps int, f func()) time.Duration {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	best := time.Duration(1 << 62)
	for range reps {
		t0 := threadTime()
		f()
		if d := threadTime() - t0; d < best {
			best = d
		}
	}
	return best
}

func threadTime() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		panic(err)
	}
	return time.Duration(ts.Nano())
}

func skipUnlessTuning(t *testing.T) {
	if os.Getenv("GEMM_TUNE") == "" {
		t.Skip("set GEMM_TUNE=1 to run the tuning sweeps")
	}
}

// TestTuneKernel times each micro-kernel alone on a packed sliver in L1:
// the ceiling for the whole product.
func TestTuneKernel(t *testing.T) {
	skipUnlessTuning(t)
	for _, kc := range []int{64, 128, 256, 512} {
		for _, k := range kernels64 {
			tuneKernel(k, kc)
		}
		for _, k := range kernels32 {
			tuneKernel(k, kc)
		}
	}
}

func tuneKernel[T exact](kern *kernel[T], kc int) {
	rng := rand.New(rand.NewPCG(1, 2))
	a := make([]T, kern.mr*kc)
	b := make([]T, kern.nr*kc)
	c := make([]T, kern.mr*kern.nr)
	for i := range a {
		a[i] = T(rng.Float64())
	}
	for i := range b {
		b[i] = T(rng.Float64())
	}
	const calls = 200
	d := minTime(50, func() {
		for range calls {
			kern.micro(kc, a, 1, kern.mr, b, c, kern.nr, 1, 1, kern.mr, kern.nr, tileAccum, nil)
		}
	})
	flops := 2 * float64(kern.mr*kern.nr*kc) * calls
	fmt.Printf("%-12s kc=%4d  %6.1f GFLOP/s\n", kern.name, kc, flops/d.Seconds()/1e9)
}

// tuneGemm returns the best GFLOP/s of one goroutine's product with kern.
func tuneGemm[T exact](kern *kernel[T], transA, transB bool, m, n, k int) float64 {
	rng := rand.New(rand.NewPCG(1, 2))
	rnd := func(n int) []T {
		s := make([]T, n)
		for i := range s {
			s[i] = T(rng.Float64()*2 - 1)
		}
		return s
	}
	a, bb, c := rnd(m*k), rnd(k*n), rnd(m*n)
	lda, ldb := k, n
	if transA {
		lda = m
	}
	if transB {
		ldb = k
	}
	p := problem[T]{transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1, a: a, b: bb, c: c, lda: lda, ldb: ldb, ldc: n}
	var ws workspace[T]
	flops := 2 * float64(m) * float64(n) * float64(k)
	reps := max(3, min(200, int(2e9/flops)))
	d := minTime(reps, func() { p.run(kern, &ws, 0, m, 0, n) })
	return flops / d.Seconds() / 1e9
}

var tuneForms = [][2]bool{{false, false}, {false, true}, {true, false}}

// TestTunePack times the packing routines, in ns per element.
func TestTunePack(t *testing.T) {
	skipUnlessTuning(t)
	tunePack(6, 32, blockTransposer[float64]{})
	tunePack(6, 32, kern64.transpose)
	tunePack(6, 64, blockTransposer[float32]{})
	tunePack(6, 64, kern32.transpose)
}

func tunePack[T exact](mr, nr int, tr blockTransposer[T]) {
	const n, kc = 512, 256
	src := make([]T, n*n)
	dst := make([]T, n*kc+nr*kc)
	for _, trans := range []bool{false, true} {
		d := minTime(50, func() { packA(dst, src, n, trans, 0, n-2, 0, kc, mr) })
		fmt.Printf("packA mr=%d trans=%v: %.2f ns/element\n", mr, trans, float64(d.Nanoseconds())/float64(n*kc))
		d = minTime(50, func() { packB(dst, src, n, trans, 0, kc, 0, n-2, nr, tr, nil) })
		fmt.Printf("packB nr=%d trans=%v transposer=%v: %.2f ns/element\n", nr, trans, tr.fn != nil, float64(d.Nanoseconds())/float64(n*kc))
	}
}

// TestTuneDirect compares packing A with reading it in place.
func TestTuneDirect(t *testing.T) {
	skipUnlessTuning(t)
	for _, n := range tuneSizes(64, 128, 256, 512, 1024) {
		for _, tr := range tuneForms {
			best := map[string]float64{}
			for range 5 {
				for _, direct := range []bool{false, true} {
					k64, k32 := *kern64, *kern32
					if direct {
						k64.directN, k32.directN = 1<<30, 1<<30
					} else {
						k64.directN, k32.directN = 0, 0
					}
					key := fmt.Sprint(direct)
					best["f64 "+key] = max(best["f64 "+key], tuneGemm(&k64, tr[0], tr[1], n, n, n))
					best["f32 "+key] = max(best["f32 "+key], tuneGemm(&k32, tr[0], tr[1], n, n, n))
				}
			}
			fmt.Printf("n=%4d transA=%-5v transB=%-5v  f64 packed %6.1f in place %6.1f   f32 packed %6.1f in place %6.1f GFLOP/s\n",
				n, tr[0], tr[1], best["f64 false"], best["f64 true"], best["f32 false"], best["f32 true"])
		}
	}
}

// TestTuneBlocking sweeps KC and MC (for float32 twice the float64 MC, the
// same bytes), with the packing policy as configured.
func TestTuneBlocking(t *testing.T) {
	skipUnlessTuning(t)
	type cfg struct{ kc, mc int }
	var cfgs []cfg
	for _, kc := range []int{128, 192, 256, 384} {
		for _, mc := range []int{48, 96, 192, 288} {
			cfgs = append(cfgs, cfg{kc, mc})
		}
	}
	for _, n := range tuneSizes(256, 512, 1024) {
		b64, b32 := map[cfg]float64{}, map[cfg]float64{}
		for range 3 {
			for _, c := range cfgs {
				k64, k32 := *kern64, *kern32
				k64.kc, k64.mc, k32.kc, k32.mc = c.kc, c.mc, c.kc, 2*c.mc
				for _, tr := range tuneForms {
					b64[c] = max(b64[c], tuneGemm(&k64, tr[0], tr[1], n, n, n))
					b32[c] = max(b32[c], tuneGemm(&k32, tr[0], tr[1], n, n, n))
				}
			}
		}
		for _, c := range cfgs {
			fmt.Printf("n=%4d kc=%3d mc=%3d (f32 %3d)  f64 %6.1f  f32 %6.1f GFLOP/s (best of AB, ABt, AtB)\n", n, c.kc, c.mc, 2*c.mc, b64[c], b32[c])
		}
	}
}

// TestTuneParallel compares GOMAXPROCS 1 and 2 in wall-clock time (fastest
// of many runs, interleaved), to place parMinFlops.
func TestTuneParallel(t *testing.T) {
	skipUnlessTuning(t)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, n := range tuneSizes(48, 64, 80, 96, 128, 192, 256, 512) {
		a, b, c := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
		a64, b64, c64 := make([]float64, n*n), make([]float64, n*n), make([]float64, n*n)
		best := map[string]time.Duration{}
		for range 20 {
			for _, procs := range []int{1, 2} {
				runtime.GOMAXPROCS(procs)
				for _, f64 := range []bool{false, true} {
					key := fmt.Sprint(procs, f64)
					reps := max(5, int(2e7/float64(n*n*n)))
					for range reps {
						t0 := time.Now()
						if f64 {
							Gemm(false, false, n, n, n, 1, a64, n, b64, n, 0, c64, n)
						} else {
							Gemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n)
						}
						d := time.Since(t0)
						if best[key] == 0 || d < best[key] {
							best[key] = d
						}
					}
				}
			}
		}
		g := func(key string) float64 { return 2 * float64(n*n*n) / best[key].Seconds() / 1e9 }
		fmt.Printf("n=%4d  f32 1 proc %6.1f  2 procs %6.1f   f64 1 proc %6.1f  2 procs %6.1f GFLOP/s\n", n, g("1 false"), g("2 false"), g("1 true"), g("2 true"))
	}
}

// TestTuneSmall compares the unpacked loops with the packed path on tiny
// products, to place smallMNK.
func TestTuneSmall(t *testing.T) {
	skipUnlessTuning(t)
	for _, sz := range [][3]int{{4, 4, 4}, {5, 4, 6}, {6, 6, 6}, {8, 8, 8}, {10, 10, 10}, {12, 12, 12}, {16, 16, 16}, {20, 20, 20}, {32, 32, 32}, {64, 4, 64}, {4, 64, 4}} {
		m, k, n := sz[0], sz[1], sz[2]
		for _, f32 := range []bool{false, true} {
			var dSmall, dPacked time.Duration
			if f32 {
				dSmall, dPacked = tuneSmall[float32](kern32, m, k, n)
			} else {
				dSmall, dPacked = tuneSmall[float64](kern64, m, k, n)
			}
			fmt.Printf("%dx%dx%d f32=%v: loops %v, packed %v\n", m, k, n, f32, dSmall, dPacked)
		}
	}
}

func tuneSmall[T exact](kern *kernel[T], m, k, n int) (small, packed time.Duration) {
	a, b, c := make([]T, m*k), make([]T, k*n), make([]T, m*n)
	p := problem[T]{m: m, n: n, k: k, alpha: 1, a: a, b: b, c: c, lda: k, ldb: n, ldc: n}
	const calls = 1000
	small = minTime(20, func() {
		for range calls {
			p.small()
		}
	}) / calls
	packed = minTime(20, func() {
		for range calls {
			ws := getWorkspace[T]()
			p.run(kern, ws, 0, m, 0, n)
			putWorkspace(ws)
		}
	}) / calls
	return small, packed
}
