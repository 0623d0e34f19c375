package autograd_test

import (
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// BenchmarkShapeOps times one training step of each shape op at the shapes
// of a small transformer block ([8 64 384] fused QKV activations, 4 heads)
// and of an LSTM step (batch 32, hidden 128), under a warmed Arena:
// forward, Backward, ZeroGrad. The input is an arena intermediate (a batch
// plus a parameter) so that the op's own derivative runs.
func BenchmarkShapeOps(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	inputOf := func(shape ...int) (func(ar *autograd.Arena[float32]) *autograd.Var[float32], *autograd.Var[float32]) {
		x := tensor.RandNormal[float32](rng, 0, 1, shape...)
		p := autograd.Param(tensor.RandNormal[float32](rng, 0, 1, shape...))
		return func(ar *autograd.Arena[float32]) *autograd.Var[float32] { return autograd.Add(ar.Const(x), p) }, p
	}
	qkv, pqkv := inputOf(8, 64, 384)
	heads, pheads := inputOf(8, 64, 4, 32)
	mat, pmat := inputOf(256, 128)
	xin, pxin := inputOf(32, 64)
	hin, phin := inputOf(32, 128)
	gates, pgates := inputOf(32, 512)
	row, prow := inputOf(1, 128)
	emb := layers.NewEmbedding[float32](rng, 1000, 128, nil)
	ids := tensor.Zeros[float32](8, 64)
	for i := range ids.Data() {
		ids.Data()[i] = float32(rng.IntN(1000))
	}
	benches := []struct {
		name   string
		params []*autograd.Var[float32]
		f      func(ar *autograd.Arena[float32]) *autograd.Var[float32]
	}{
		{"Split QKV [8 64 384] in 3", []*autograd.Var[float32]{pqkv}, func(ar *autograd.Arena[float32]) *autograd.Var[float32] {
			p := autograd.Split(qkv(ar), -1, 128, 128, 128)
			return autograd.Add(autograd.Add(p[0], p[1]), p[2])
		}},
		{"Split LSTM gates [32 512] in 4", []*autograd.Var[float32]{pgates}, func(ar *autograd.Arena[float32]) *autograd.Var[float32] {
			p := autograd.Split(gates(ar), 1, 128, 128, 128, 128)
			return autograd.Add(autograd.Add(p[0], p[1]), autograd.Add(p[2], p[3]))
		}},
		{"Concat x h [32 64]+[32 128]", []*autograd.Var[float32]{pxin, phin}, func(ar *autograd.Arena[float32]) *autograd.Var[float32] {
			return autograd.Concat(1, xin(ar), hin(ar))
		}},
		{"Permute heads [8 64 4 32]", []*autograd.Var[float32]{pheads}, func(ar *autograd.Arena[float32]) *autograd.Var[float32] {
			return autograd.Permute(heads(ar), 0, 2, 1, 3)
		}},
		{"Transpose [256 128]", []*autograd.Var[float32]{pmat}, func(ar *autograd.Arena[float32]) *autograd.Var[float32] {
			return autograd.Transpose(mat(ar))
		}},
		{"Slice [256 128] rows 16:240", []*autograd.Var[float32]{pmat}, func(ar *autograd.Arena[float32]) *autograd.Var[float32] {
			return autograd.Slice(mat(ar), autograd.Range{Start: 16, Stop: 240, Step: 1})
		}},
		{"Stack 3 [32 128]", []*autograd.Var[float32]{phin}, func(ar *autograd.Arena[float32]) *autograd.Var[float32] {
			h := hin(ar)
			return autograd.Stack(0, h, h, h)
		}},
		{"Pad [256 128]", []*autograd.Var[float32]{pmat}, func(ar *autograd.Arena[float32]) *autograd.Var[float32] {
			return autograd.Pad(mat(ar), [][2]int{{1, 1}, {0, 2}}, 0)
		}},
		{"Unsqueeze+Squeeze [256 128]", []*autograd.Var[float32]{pmat}, func(ar *autograd.Arena[float32]) *autograd.Var[float32] {
			return autograd.Squeeze(autograd.Unsqueeze(mat(ar), 0), 0)
		}},
		{"Expand [1 128] to [256 128]", []*autograd.Var[float32]{prow}, func(ar *autograd.Arena[float32]) *autograd.Var[float32] {
			return autograd.Expand(row(ar), 256, -1)
		}},
		{"SumTo [256 128] to [1 128]", []*autograd.Var[float32]{pmat}, func(ar *autograd.Arena[float32]) *autograd.Var[float32] {
			return autograd.SumTo(mat(ar), 1, 128)
		}},
		{"Embedding.Forward ids [8 64] dim 128", []*autograd.Var[float32]{emb.Weight}, func(ar *autograd.Arena[float32]) *autograd.Var[float32] {
			return emb.Forward(ar.Const(ids))
		}},
	}
	for _, bc := range benches {
		b.Run(bc.name, func(b *testing.B) {
			ar := autograd.NewArena[float32]()
			step := func() {
				ar.Reset()
				autograd.Sum(bc.f(ar)).Backward()
				autograd.ZeroGrad(bc.params...)
			}
			for range 3 {
				step()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				step()
			}
		})
	}
}
