package bench

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// The tiny GPT block: a vocabulary of 64 tokens, d_model 128, 4 heads of
// 32, an MLP hidden size of 512. The benchmark runs batch 8 of 64 tokens.
const (
	gptVocab  = 64
	gptDModel = 128
	gptHeads  = 4
	gptHidden = 4 * gptDModel
)

// gpt is a one-block decoder-only transformer with pre-LayerNorm, written
// with Adjoint's ops: token and learned position embeddings, x + attn(LN(x))
// with causal attention (the fused autograd.PackedSelfAttention, which
// reads the heads from the packed projection, as the PyTorch side uses its
// own fused scaled_dot_product_attention),
// x + MLP(LN(x)) with the exact GELU, a final LayerNorm and a Linear layer
// to the vocabulary. The field names are the parameter names of the
// PyTorch module in peers/torch_workloads.py.
type gpt struct {
	tok            *layers.Embedding[float32] // "tok.weight" [vocab d]
	pos            *autograd.Var[float32]     // "pos" [seq d]
	ln1, ln2, lnf  *layers.LayerNorm[float32]
	attn           *layers.Linear[float32] // d → 3d: q, k, v
	proj, fc1, fc2 *layers.Linear[float32]
	head           *layers.Linear[float32] // d → vocab
	batch, seq     int
	ids            *tensor.Tensor[float32] // [batch seq], token ids as whole numbers
	targets        []int                   // the next token at every position
}

// newGPT returns the tiny GPT block on a fixed random token sequence of
// batch rows of seq+1 tokens: the first seq are the input, the last seq
// the targets (next-token prediction). Weights and embeddings are drawn
// from N(0, 0.02) as GPT-2 does, biases are zero, LayerNorms start at
// weight 1 and bias 0, so the initial loss is close to log(vocab).
func newGPT(batch, seq int) *gpt {
	rng := rand.New(rand.NewPCG(4, 0x9e7))
	init := layers.Normal[float32](0, 0.02)
	g := &gpt{
		tok:   layers.NewEmbedding(rng, gptVocab, gptDModel, init),
		pos:   autograd.Param(init(rng, gptDModel, seq, seq, gptDModel)).SetName("pos"),
		ln1:   layers.NewLayerNorm[float32](gptDModel),
		attn:  layers.NewLinear(rng, gptDModel, 3*gptDModel, init),
		proj:  layers.NewLinear(rng, gptDModel, gptDModel, init),
		ln2:   layers.NewLayerNorm[float32](gptDModel),
		fc1:   layers.NewLinear(rng, gptDModel, gptHidden, init),
		fc2:   layers.NewLinear(rng, gptHidden, gptDModel, init),
		lnf:   layers.NewLayerNorm[float32](gptDModel),
		head:  layers.NewLinear(rng, gptDModel, gptVocab, init),
		batch: batch, seq: seq,
	}
	ids := make([]float32, batch*seq)
	g.targets = make([]int, batch*seq)
	for b := range batch {
		tok := rng.IntN(gptVocab)
		for t := range seq {
			ids[b*seq+t] = float32(tok)
			tok = rng.IntN(gptVocab)
			g.targets[b*seq+t] = tok
		}
	}
	g.ids = tensor.MustNew(ids, batch, seq)
	return g
}

// namedParams returns the parameters under PyTorch's names.
func (g *gpt) namedParams() []layers.NamedParam[float32] {
	var ps []layers.NamedParam[float32]
	add := func(prefix string, m layers.Module[float32]) {
		for _, p := range m.NamedParameters() {
			ps = append(ps, layers.NamedParam[float32]{Name: prefix + "." + p.Name, Param: p.Param})
		}
	}
	add("tok", g.tok)
	ps = append(ps, layers.NamedParam[float32]{Name: "pos", Param: g.pos})
	for _, m := range []struct {
		name string
		m    layers.Module[float32]
	}{{"ln1", g.ln1}, {"attn", g.attn}, {"proj", g.proj}, {"ln2", g.ln2}, {"fc1", g.fc1}, {"fc2", g.fc2}, {"lnf", g.lnf}, {"head", g.head}} {
		add(m.name, m.m)
	}
	return ps
}

// logits is the forward pass of the token ids: [batch·seq vocab].
func (g *gpt) logits(in feed, ids *tensor.Tensor[float32]) *autograd.Var[float32] {
	n := g.batch * g.seq
	x := g.tok.Forward(in(ids))             // [batch seq d]
	x = autograd.Add(x, g.pos)              // + [seq d]
	x = autograd.Reshape(x, n, gptDModel)   // [batch·seq d]
	qkv := g.attn.Forward(g.ln1.Forward(x)) // [batch·seq 3d]
	// softmax(q·kᵀ/√(d/heads) + causal mask)·v per head, the heads read
	// from qkv and joined into [batch·seq d] by the one op
	y := autograd.PackedSelfAttention(qkv, g.batch, gptHeads, autograd.AttentionOptions{Causal: true})
	x = autograd.Add(x, g.proj.Forward(y))
	h := layers.GELU[float32]{}.Forward(g.fc1.Forward(g.ln2.Forward(x)))
	x = autograd.Add(x, g.fc2.Forward(h))
	return g.head.Forward(g.lnf.Forward(x))
}

// loss is the mean next-token cross-entropy of the batch.
func (g *gpt) loss(in feed) *autograd.Var[float32] {
	return autograd.CrossEntropy(g.logits(in, g.ids), g.targets)
}

// newGPTWorkload is one training step of the tiny GPT block with Adam.
func newGPTWorkload(batch, seq int) *workload {
	g := newGPT(batch, seq)
	return &workload{
		kind:    trainStep,
		params:  g.namedParams(),
		data:    map[string]*tensor.Tensor[float32]{"ids": g.ids, "targets": labelTensor(g.targets)},
		config:  map[string]int{"batch": batch, "seq": seq, "vocab": gptVocab, "d_model": gptDModel, "heads": gptHeads, "hidden": gptHidden},
		forward: g.loss,
	}
}

// BenchmarkGPTStep times one training step of the tiny GPT block (d_model
// 128, 4 heads, seq 64, batch 8, MLP hidden 512 with GELU, vocabulary 64):
// forward, the next-token cross-entropy, Backward, an Adam step over its
// 0.22M parameters, ZeroGrad.
func BenchmarkGPTStep(b *testing.B) {
	benchWorkload(b, func() *workload { return newGPTWorkload(8, 64) })
}

// TestGPTStepTrains checks the GPT step on a small batch: the first loss
// equals a plain float64 computation of the same block, near log(vocab)
// (the logits start near 0), the plain loop and the Arena give the same
// losses bit for bit, and 6 steps bring it below 0.6 of its start.
func TestGPTStepTrains(t *testing.T) {
	want := refGPTLoss(newGPT(2, 8))
	if v := math.Log(gptVocab); math.Abs(want-v) > 0.1 {
		t.Errorf("reference initial loss %g, want near log 64 = %g", want, v)
	}
	losses := checkArenaMatchesPlain(t, func() *workload { return newGPTWorkload(2, 8) }, 6)
	assertClose(t, "initial loss", losses[:1], []float64{want}, 1e-5)
	checkTrains(t, losses, 0.6)
}

// refGPTLoss computes the GPT block's loss in float64 with plain loops, one
// position at a time, from the same parameters: the independent reference.
func refGPTLoss(g *gpt) float64 {
	cache := map[*autograd.Var[float32]][]float64{}
	val := func(v *autograd.Var[float32]) []float64 { // v's values in float64, converted once
		if out, ok := cache[v]; ok {
			return out
		}
		out := make([]float64, len(v.Value().Data()))
		for i, x := range v.Value().Data() {
			out[i] = float64(x)
		}
		cache[v] = out
		return out
	}
	d, hd := gptDModel, gptDModel/gptHeads
	linear := func(l *layers.Linear[float32], x []float64) []float64 {
		w, b := val(l.Weight), val(l.Bias)
		out := make([]float64, len(b))
		for o := range out {
			out[o] = b[o]
			for i, xi := range x {
				out[o] += w[o*len(x)+i] * xi
			}
		}
		return out
	}
	norm := func(l *layers.LayerNorm[float32], x []float64) []float64 {
		var mean, vr float64
		for _, v := range x {
			mean += v / float64(len(x))
		}
		for _, v := range x {
			vr += (v - mean) * (v - mean) / float64(len(x))
		}
		w, b := val(l.Weight), val(l.Bias)
		out := make([]float64, len(x))
		for i, v := range x {
			out[i] = (v-mean)/math.Sqrt(vr+float64(l.Eps))*w[i] + b[i]
		}
		return out
	}
	add := func(a, b []float64) []float64 {
		out := make([]float64, len(a))
		for i := range a {
			out[i] = a[i] + b[i]
		}
		return out
	}
	tok, pos := val(g.tok.Weight), val(g.pos)
	var loss float64
	for b := range g.batch {
		xs, qkv := make([][]float64, g.seq), make([][]float64, g.seq)
		for t := range g.seq {
			id := int(g.ids.Data()[b*g.seq+t])
			xs[t] = add(tok[id*d:(id+1)*d], pos[t*d:(t+1)*d])
			qkv[t] = linear(g.attn, norm(g.ln1, xs[t]))
		}
		for t := range g.seq {
			y := make([]float64, d)
			for h := range gptHeads {
				q := qkv[t][h*hd : (h+1)*hd]
				scores := make([]float64, t+1) // causal: positions up to t
				top := math.Inf(-1)
				for s := range scores {
					k := qkv[s][d+h*hd : d+(h+1)*hd]
					for i := range q {
						scores[s] += q[i] * k[i] / math.Sqrt(float64(hd))
					}
					top = max(top, scores[s])
				}
				var z float64
				for s := range scores {
					scores[s] = math.Exp(scores[s] - top)
					z += scores[s]
				}
				for s := range scores {
					v := qkv[s][2*d+h*hd : 2*d+(h+1)*hd]
					for i := range v {
						y[h*hd+i] += scores[s] / z * v[i]
					}
				}
			}
			x := add(xs[t], linear(g.proj, y))
			h := linear(g.fc1, norm(g.ln2, x))
			for i, v := range h {
				h[i] = v * 0.5 * math.Erfc(-v/math.Sqrt2)
			}
			logits := linear(g.head, norm(g.lnf, add(x, linear(g.fc2, h))))
			l, _ := refCrossEntropy([][]float64{logits}, []int{g.targets[b*g.seq+t]})
			loss += l / float64(g.batch*g.seq)
		}
	}
	return loss
}

// TestGPTAttentionIsCausal checks the mask: changing the last token of
// every row changes the logits at the last position and at no other.
func TestGPTAttentionIsCausal(t *testing.T) {
	g := newGPT(2, 8)
	before := g.logits(autograd.Const[float32], g.ids).Value().Data()
	ids := g.ids.Clone()
	for b := range g.batch {
		v := &ids.Data()[b*g.seq+g.seq-1]
		*v = float32((int(*v) + 1) % gptVocab)
	}
	after := g.logits(autograd.Const[float32], ids).Value().Data()
	row := g.seq * gptVocab
	for b := range g.batch {
		early := (g.seq - 1) * gptVocab
		assertClose(t, "logits before the changed token", after[b*row:b*row+early], before[b*row:b*row+early], 1e-6)
		if slices.Equal(after[b*row+early:(b+1)*row], before[b*row+early:(b+1)*row]) {
			t.Errorf("row %d: changing the last token left its logits unchanged", b)
		}
	}
}
