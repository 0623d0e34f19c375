package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkGemm times Gemm on square n×n products (C = A·B, Aᵀ·B, A·Bᵀ) and
// reports GFLOP/s. Run it with -cpu 1,2 to see the parallel split.
func BenchmarkGemm(b *testing.B) {
	for _, typ := range []string{"f32", "f64"} {
		for _, tr := range []struct {
			name           string
			transA, transB bool
		}{{"AB", false, false}, {"AtB", true, false}, {"ABt", false, true}} {
			for _, n := range []int{64, 128, 256, 512, 1024} {
				b.Run(fmt.Sprintf("%s/%s/n=%d", typ, tr.name, n), func(b *testing.B) {
					if typ == "f32" {
						benchGemm(b, kern32, tr.transA, tr.transB, n, n, n)
					} else {
						benchGemm(b, kern64, tr.transA, tr.transB, n, n, n)
					}
				})
			}
		}
	}
}

func benchGemm[T exact](b *testing.B, kern *kernel[T], transA, transB bool, m, n, k int) {
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
	b.ReportAllocs()
	for b.Loop() {
		gemm(kern, Full, transA, transB, m, n, k, 1, a, lda, bb, ldb, 0, c, n)
	}
	b.ReportMetric(2*float64(m)*float64(n)*float64(k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
