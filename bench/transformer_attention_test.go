package bench

import (
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// unfusedSelfAttention is the multi-head self-attention of the packed
// projection qkv [n·l, 3d] without PackedSelfAttention: split, each part
// reshaped and permuted to [n, heads, l, d/heads] (copies), attended,
// permuted and reshaped back to [n·l, d]. The path MultiheadAttention and
// the GPT block took before PackedSelfAttention.
func unfusedSelfAttention(qkv *autograd.Var[float32], n, heads int, causal bool) *autograd.Var[float32] {
	rows, d := qkv.Value().Dim(0), qkv.Value().Dim(1)/3
	parts := autograd.Split(qkv, 1, d, d, d)
	split := func(v *autograd.Var[float32]) *autograd.Var[float32] {
		return autograd.Permute(autograd.Reshape(v, n, rows/n, heads, d/heads), 0, 2, 1, 3)
	}
	a := autograd.ScaledDotProductAttention(split(parts[0]), split(parts[1]), split(parts[2]), nil, causal)
	return autograd.Reshape(autograd.Permute(a, 0, 2, 1, 3), rows, d)
}

// BenchmarkSelfAttention times the attention part of the transformer
// block alone (BenchmarkTransformerBlockStep's shapes: batch 8, seq 64,
// d_model 128, 4 heads, causal), forward and backward under a warm Arena,
// from the packed projection [512 384] to the output projection's input
// [512 128]: "unfused" splits, permutes and joins the heads with copies
// around ScaledDotProductAttention, "packed" is PackedSelfAttention.
func BenchmarkSelfAttention(b *testing.B) {
	const n, l, d, heads = 8, 64, gptDModel, gptHeads
	rng := rand.New(rand.NewPCG(7, 7))
	x := tensor.RandNormal[float32](rng, 0, 1, n*l, 3*d)
	w := autograd.Const(tensor.RandNormal[float32](rng, 0, 1, n*l, d))
	for _, bc := range []struct {
		name string
		f    func(*autograd.Var[float32]) *autograd.Var[float32]
	}{
		{"unfused", func(q *autograd.Var[float32]) *autograd.Var[float32] { return unfusedSelfAttention(q, n, heads, true) }},
		{"packed", func(q *autograd.Var[float32]) *autograd.Var[float32] {
			return autograd.PackedSelfAttention(q, n, heads, autograd.AttentionOptions{Causal: true})
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ar := autograd.NewArena[float32]()
			qkv := ar.Param(x)
			step := func() {
				ar.Reset()
				autograd.Sum(autograd.Mul(bc.f(qkv), w)).Backward()
			}
			for range 3 {
				step()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				step()
			}
		})
	}
}
