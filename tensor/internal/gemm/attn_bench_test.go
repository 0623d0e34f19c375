package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// attnShapes are the per-head products of PackedSelfAttention in the
// transformer block of bench/ (batch 8, L 64, E 128, 4 heads of Dh 32),
// with the strides they have there: q, k and v are column blocks of the
// packed projection [N·L, 3E], the output gradient g of [N·L, E], the
// scores and probabilities L×L.
var attnShapes = []struct {
	name           string
	m, n, k        int
	transA, transB bool
	lda, ldb, ldc  int
	beta           float32
	part           Part // what the causal attention computes
}{
	{"qkT", 64, 64, 32, false, true, 384, 384, 64, 0, LowerC},  // scores = q·kᵀ
	{"pv", 64, 32, 64, false, false, 64, 384, 128, 0, LowerA},  // out = p·v
	{"gvT", 64, 64, 32, false, true, 128, 384, 64, 0, LowerC},  // dP = g·vᵀ
	{"dsK", 64, 32, 64, false, false, 64, 384, 384, 0, LowerA}, // dQ = dS·k
	{"dsTq", 64, 32, 64, true, false, 64, 384, 384, 0, UpperA}, // dK = dSᵀ·q
	{"pTg", 64, 32, 64, true, false, 64, 128, 384, 0, UpperA},  // dV = pᵀ·g
}

// BenchmarkGemmAttention times Gemm on attnShapes, operands strided as in
// the attention, whole and with the causal attention's Part, and reports
// GFLOP/s of the whole product.
func BenchmarkGemmAttention(b *testing.B) {
	for _, s := range attnShapes {
		for _, part := range []Part{Full, s.part} {
			b.Run(fmt.Sprintf("%s/%dx%dx%d/part=%d", s.name, s.m, s.n, s.k, part), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 2))
				rnd := func(n int) []float32 {
					x := make([]float32, n)
					for i := range x {
						x[i] = float32(rng.Float64()*2 - 1)
					}
					return x
				}
				ar, br := s.m, s.k
				if s.transA {
					ar = s.k
				}
				if s.transB {
					br = s.n
				}
				a, bb, c := rnd(ar*s.lda), rnd(br*s.ldb), rnd(s.m*s.ldc)
				b.ReportAllocs()
				for b.Loop() {
					gemm(kern32, part, s.transA, s.transB, s.m, s.n, s.k, 1, a, s.lda, bb, s.ldb, s.beta, c, s.ldc)
				}
				b.ReportMetric(2*float64(s.m)*float64(s.n)*float64(s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
