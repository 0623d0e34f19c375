package main

import (
	"math/rand/v2"
	"strconv"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// gpt is a decoder-only transformer over bytes. Its parameter names are
// those of this PyTorch module, so that torch's load_state_dict reads a
// file saved with -save:
//
//	class GPT(nn.Module):
//	    def __init__(self, layers, d, heads, context):
//	        super().__init__()
//	        self.tok_emb = nn.Embedding(256, d)
//	        self.pos_emb = nn.Embedding(context, d)
//	        self.blocks = nn.ModuleList(nn.TransformerEncoderLayer(
//	            d, heads, 4*d, dropout=0.0, activation="gelu",
//	            batch_first=True, norm_first=True) for _ in range(layers))
//	        self.norm = nn.LayerNorm(d)
//
//	    def forward(self, ids):  # [N, T] → [N·T, 256]
//	        t = ids.shape[1]
//	        x = self.tok_emb(ids) + self.pos_emb(torch.arange(t))
//	        mask = nn.Transformer.generate_square_subsequent_mask(t)
//	        for b in self.blocks:
//	            x = b(x, src_mask=mask, is_causal=True)
//	        return (self.norm(x) @ self.tok_emb.weight.T).flatten(0, 1)
//
// The output layer is the byte embedding itself (weight tying), which
// saves vocab·d parameters and helps a small model: a byte's input and
// output vectors learn together.
type gpt struct {
	tokEmb  *layers.Embedding[float32] // "tok_emb.weight" [vocab d], also the output layer
	posEmb  *layers.Embedding[float32] // "pos_emb.weight" [context d]
	blocks  []*decoderBlock
	norm    *layers.LayerNorm[float32] // "norm"
	context int
}

// decoderBlock is a pre-LayerNorm transformer block with causal
// self-attention, PyTorch's nn.TransformerEncoderLayer with norm_first=True
// and GELU, its parameters under the same names:
//
//	x = x + self_attn(norm1(x))        (causal)
//	x = x + linear2(GELU(linear1(norm2(x))))
type decoderBlock struct {
	norm1, norm2     *layers.LayerNorm[float32]
	selfAttn         *layers.MultiheadAttention[float32]
	linear1, linear2 *layers.Linear[float32]
}

// newGPT returns a gpt of the given depth, width, heads and longest
// context. The embeddings are drawn from N(0, 0.02), as GPT-2's (with
// PyTorch's N(0, 1) the tied output layer would start with logits of
// about ±√d), the attention and the MLP as PyTorch initializes them.
func newGPT(rng *rand.Rand, nLayers, d, heads, context int) *gpt {
	emb := layers.Normal[float32](0, 0.02)
	g := &gpt{
		tokEmb:  layers.NewEmbedding(rng, vocab, d, emb),
		posEmb:  layers.NewEmbedding(rng, context, d, emb),
		norm:    layers.NewLayerNorm[float32](d),
		context: context,
	}
	for range nLayers {
		attn := layers.NewMultiheadAttention[float32](rng, d, heads)
		attn.Causal = true
		g.blocks = append(g.blocks, &decoderBlock{
			norm1:    layers.NewLayerNorm[float32](d),
			selfAttn: attn,
			norm2:    layers.NewLayerNorm[float32](d),
			linear1:  layers.NewLinear(rng, d, 4*d, layers.UniformFanIn[float32]),
			linear2:  layers.NewLinear(rng, 4*d, d, layers.UniformFanIn[float32]),
		})
	}
	return g
}

// Forward maps ids [N, T] (T at most the context) to logits [N·T, vocab].
func (g *gpt) Forward(ids *autograd.Var[float32]) *autograd.Var[float32] {
	return g.forward(ids, 0, nil)
}

// forward runs ids [N, T], the positions start, start+1, ... of their
// sequences, through the model. With caches (one per block) the blocks
// attend to the keys and values of the earlier positions kept there, and
// add those of ids; without, ids are the whole sequence so far.
func (g *gpt) forward(ids *autograd.Var[float32], start int, caches []layers.KVCache[float32]) *autograd.Var[float32] {
	n, t := ids.Value().Dim(0), ids.Value().Dim(1)
	pos := make([]float32, t)
	for i := range pos {
		pos[i] = float32(start + i)
	}
	x := autograd.Add(g.tokEmb.Forward(ids), g.posEmb.Forward(autograd.Const(tensor.MustNew(pos, t)))) // [N T d] + [T d]
	for i, b := range g.blocks {
		var c *layers.KVCache[float32]
		if caches != nil {
			c = &caches[i]
		}
		x = b.forward(x, c)
	}
	d := x.Value().Dim(2)
	return autograd.Linear(autograd.Reshape(g.norm.Forward(x), n*t, d), g.tokEmb.Weight, nil)
}

// forward applies the block to x [N, T, d]; with a cache, as the next
// positions of the sequences it holds.
func (b *decoderBlock) forward(x *autograd.Var[float32], cache *layers.KVCache[float32]) *autograd.Var[float32] {
	h := b.norm1.Forward(x)
	if cache == nil {
		h = b.selfAttn.Forward(h)
	} else {
		h = b.selfAttn.ForwardCached(h, cache)
	}
	x = autograd.Add(x, h)
	s := x.Value().Shape()
	h = autograd.Reshape(b.norm2.Forward(x), -1, s[2])
	h = b.linear2.Forward(autograd.GELU(b.linear1.Forward(h)))
	return autograd.Add(x, autograd.Reshape(h, s...))
}

// NamedParameters returns the parameters with the PyTorch module's names:
// "tok_emb.weight", "pos_emb.weight", "blocks.0.self_attn.in_proj_weight",
// ..., "norm.bias".
func (g *gpt) NamedParameters() []layers.NamedParam[float32] {
	out := append(prefixed("tok_emb", g.tokEmb.NamedParameters()), prefixed("pos_emb", g.posEmb.NamedParameters())...)
	for i, b := range g.blocks {
		out = append(out, prefixed("blocks."+strconv.Itoa(i), b.namedParameters())...)
	}
	return append(out, prefixed("norm", g.norm.NamedParameters())...)
}

// namedParameters returns the block's parameters in
// nn.TransformerEncoderLayer's order and names.
func (b *decoderBlock) namedParameters() []layers.NamedParam[float32] {
	var out []layers.NamedParam[float32]
	for _, c := range []struct {
		name string
		m    layers.Module[float32]
	}{{"self_attn", b.selfAttn}, {"linear1", b.linear1}, {"linear2", b.linear2}, {"norm1", b.norm1}, {"norm2", b.norm2}} {
		out = append(out, prefixed(c.name, c.m.NamedParameters())...)
	}
	return out
}

// Parameters returns the parameters in the order of NamedParameters.
func (g *gpt) Parameters() []*autograd.Var[float32] { return params(g.NamedParameters()) }

// generator returns a generator that feeds the gpt through per-block caches
// of keys and values, so that each new byte costs one position, not the
// whole context.
func (g *gpt) generator(ar *autograd.Arena[float32]) generator {
	return &gptGenerator{g: g, ar: ar, caches: make([]layers.KVCache[float32], len(g.blocks))}
}

// gptGenerator is the gpt's generator. When the context is full it starts
// again from the last half context of bytes (the positions are learned only
// up to the context).
type gptGenerator struct {
	g       *gpt
	ar      *autograd.Arena[float32] // the inputs' arena
	caches  []layers.KVCache[float32]
	history []int // the last bytes fed, at most a context of them
}

// feed implements generator.
func (s *gptGenerator) feed(ids []int) []float32 {
	ctx := s.g.context
	s.history = append(s.history, ids...)
	if len(s.history) > ctx {
		s.history = append(s.history[:0], s.history[len(s.history)-ctx:]...)
	}
	start := s.caches[0].Len()
	if start+len(ids) > ctx {
		keep := min(len(s.history), max(ctx/2, len(ids)))
		ids, start = s.history[len(s.history)-keep:], 0
		for i := range s.caches {
			s.caches[i].Reset()
		}
	}
	return lastRow(s.g.forward(idsConst(s.ar, ids), start, s.caches))
}
