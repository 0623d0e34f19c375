package autograd_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// BenchmarkArenaOps runs one forward and backward step of each op of
// allocOps (alloc_reduce_test.go) under a warm Arena.
func BenchmarkArenaOps(b *testing.B) {
	for _, op := range allocOps[float32]() {
		b.Run(op.name, func(b *testing.B) {
			s := newAllocStep(op, 1)
			s.run()
			b.ReportAllocs()
			for b.Loop() {
				s.run()
			}
		})
	}
}

// gptBlock is a tiny GPT: one pre-norm transformer block (causal softmax
// attention over 4 heads through 4-D batched matmuls, a GELU MLP) and a
// classifier over a vocabulary, trained with cross-entropy.
type gptBlock struct {
	b, s, d, h, vocab int
	x                 *tensor.Tensor[float32] // [b s d] embedded tokens
	mask              *tensor.Tensor[float32] // [s s] causal mask: 0 or -Inf
	labels            []int
	ln1w, ln1b        *autograd.Var[float32]
	wq, wk, wv, wo    *autograd.Var[float32]
	bq, bk, bv, bo    *autograd.Var[float32]
	ln2w, ln2b        *autograd.Var[float32]
	w1, b1, w2, b2    *autograd.Var[float32]
	lnfw, lnfb        *autograd.Var[float32]
	wout, bout        *autograd.Var[float32]
}

func newGPTBlock() *gptBlock {
	rng := rand.New(rand.NewPCG(5, 6))
	g := &gptBlock{b: 8, s: 64, d: 128, h: 4, vocab: 256}
	mat := func(out, in int) *autograd.Var[float32] {
		k := float32(1 / math.Sqrt(float64(in)))
		return autograd.Param(tensor.RandUniform(rng, -k, k, out, in))
	}
	vec := func(n int, v float32) *autograd.Var[float32] { return autograd.Param(tensor.Full(v, n)) }
	d := g.d
	g.x = tensor.RandNormal[float32](rng, 0, 1, g.b, g.s, d)
	g.mask = tensor.Zeros[float32](g.s, g.s)
	for i := range g.s {
		for j := i + 1; j < g.s; j++ {
			g.mask.Set(float32(math.Inf(-1)), i, j)
		}
	}
	g.labels = make([]int, g.b*g.s)
	for i := range g.labels {
		g.labels[i] = rng.IntN(g.vocab)
	}
	g.ln1w, g.ln1b, g.ln2w, g.ln2b, g.lnfw, g.lnfb = vec(d, 1), vec(d, 0), vec(d, 1), vec(d, 0), vec(d, 1), vec(d, 0)
	g.wq, g.wk, g.wv, g.wo = mat(d, d), mat(d, d), mat(d, d), mat(d, d)
	g.bq, g.bk, g.bv, g.bo = vec(d, 0), vec(d, 0), vec(d, 0), vec(d, 0)
	g.w1, g.b1, g.w2, g.b2 = mat(4*d, d), vec(4*d, 0), mat(d, 4*d), vec(d, 0)
	g.wout, g.bout = mat(g.vocab, d), vec(g.vocab, 0)
	return g
}

func (g *gptBlock) params() []*autograd.Var[float32] {
	return []*autograd.Var[float32]{g.ln1w, g.ln1b, g.wq, g.wk, g.wv, g.wo, g.bq, g.bk, g.bv, g.bo,
		g.ln2w, g.ln2b, g.w1, g.b1, g.w2, g.b2, g.lnfw, g.lnfb, g.wout, g.bout}
}

// loss is the forward pass on x [b s d].
func (g *gptBlock) loss(x, mask *autograd.Var[float32]) *autograd.Var[float32] {
	b, s, d, h := g.b, g.s, g.d, g.h
	dh := d / h
	heads := func(v *autograd.Var[float32]) *autograd.Var[float32] { // [b·s d] → [b h s dh]
		return autograd.Permute(autograd.Reshape(v, b, s, h, dh), 0, 2, 1, 3)
	}
	x2 := autograd.Reshape(x, b*s, d)
	a := autograd.Reshape(autograd.LayerNorm(x, g.ln1w, g.ln1b, 1, 1e-5), b*s, d)
	q, k, v := heads(autograd.Linear(a, g.wq, g.bq)), heads(autograd.Linear(a, g.wk, g.bk)), heads(autograd.Linear(a, g.wv, g.bv))
	att := autograd.Add(autograd.Scale(autograd.MatMulT(q, k, false, true), float32(1/math.Sqrt(float64(dh)))), mask)
	o := autograd.MatMul(autograd.Softmax(att, -1), v) // [b h s dh]
	o = autograd.Reshape(autograd.Permute(o, 0, 2, 1, 3), b*s, d)
	x2 = autograd.Add(x2, autograd.Linear(o, g.wo, g.bo))
	m := autograd.GELU(autograd.Linear(autograd.LayerNorm(x2, g.ln2w, g.ln2b, 1, 1e-5), g.w1, g.b1))
	x2 = autograd.Add(x2, autograd.Linear(m, g.w2, g.b2))
	logits := autograd.Linear(autograd.LayerNorm(x2, g.lnfw, g.lnfb, 1, 1e-5), g.wout, g.bout)
	return autograd.CrossEntropy(logits, g.labels)
}

// BenchmarkGPTStep is one training step's forward and backward pass of
// gptBlock (no optimizer update), under a warm Arena.
func BenchmarkGPTStep(b *testing.B) {
	g := newGPTBlock()
	ar := autograd.NewArena[float32]()
	ps := g.params()
	step := func() {
		ar.Reset()
		g.loss(ar.Const(g.x), ar.Const(g.mask)).Backward()
		autograd.ZeroGrad(ps...)
	}
	step()
	b.ReportAllocs()
	for b.Loop() {
		step()
	}
}
