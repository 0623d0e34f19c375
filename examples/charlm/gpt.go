package main

import (
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
)

// gpt is a decoder-only transformer over bytes, built of layers'
// Embedding, PositionEmbedding, TransformerEncoder (pre-LN decoder blocks
// and a final LayerNorm) and TiedOutput. Its names are those of this
// PyTorch module's state_dict, so that torch's load_state_dict reads a
// file saved with -save:
//
//	class GPT(nn.Module):
//	    def __init__(self, layers, d, heads, context):
//	        super().__init__()
//	        self.tok_emb = nn.Embedding(256, d)
//	        self.pos_emb = nn.Embedding(context, d)
//	        self.blocks = nn.TransformerEncoder(nn.TransformerEncoderLayer(
//	            d, heads, 4*d, dropout=0.0, activation="gelu",
//	            batch_first=True, norm_first=True), layers, norm=nn.LayerNorm(d))
//	        self.head = nn.Linear(d, 256, bias=False)
//	        self.head.weight = self.tok_emb.weight  # tied
//
//	    def forward(self, ids):  # [N, T] → [N·T, 256]
//	        t = ids.shape[1]
//	        x = self.tok_emb(ids) + self.pos_emb(torch.arange(t))
//	        mask = nn.Transformer.generate_square_subsequent_mask(t)
//	        return self.head(self.blocks(x, mask=mask)).flatten(0, 1)
//
// The output layer is the byte embedding itself (weight tying), which
// saves vocab·d parameters and helps a small model: a byte's input and
// output vectors learn together. The file holds the tied weight under both
// of its names, "tok_emb.weight" and "head.weight", as PyTorch's
// state_dict does.
type gpt struct {
	tokEmb  *layers.Embedding[float32]          // "tok_emb.weight" [vocab d]
	posEmb  *layers.PositionEmbedding[float32]  // "pos_emb.weight" [context d]
	blocks  *layers.TransformerEncoder[float32] // "blocks.layers.0.self_attn.in_proj_weight", ..., "blocks.norm.bias"
	head    *layers.TiedOutput[float32]         // tok_emb.weight again, saved as "head.weight"
	context int
}

// newGPT returns a gpt of the given depth, width, heads and longest
// context. The embeddings are drawn from N(0, 0.02), as GPT-2's (with
// PyTorch's N(0, 1) the tied output layer would start with logits of
// about ±√d), the blocks as PyTorch initializes them.
func newGPT(rng *rand.Rand, nLayers, d, heads, context int) *gpt {
	emb := layers.Normal[float32](0, 0.02)
	tok := layers.NewEmbedding(rng, vocab, d, emb)
	return &gpt{
		tokEmb: tok,
		posEmb: layers.NewPositionEmbedding(rng, context, d, emb),
		blocks: layers.NewTransformerEncoder[float32](rng, layers.TransformerConfig{
			DModel: d, NHead: heads, DimFeedforward: 4 * d, Activation: "gelu", NormFirst: true, Causal: true,
		}, nLayers, true),
		head:    layers.NewTiedOutput(tok, false),
		context: context,
	}
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
	x := g.posEmb.AddAt(g.tokEmb.Forward(ids), start) // [N T d]
	if caches == nil {
		x = g.blocks.Forward(x)
	} else {
		x = g.blocks.ForwardCached(x, caches)
	}
	return g.head.Forward(autograd.Reshape(x, -1, x.Value().Dim(2)))
}

// Children returns the parts under their names, which makes the gpt a
// layers.Container: model files find the head's tied weight through it.
func (g *gpt) Children() []layers.NamedModule[float32] {
	return []layers.NamedModule[float32]{{Name: "tok_emb", Module: g.tokEmb}, {Name: "pos_emb", Module: g.posEmb}, {Name: "blocks", Module: g.blocks}, {Name: "head", Module: g.head}}
}

// NamedParameters returns the parameters with the PyTorch module's names:
// "tok_emb.weight", "pos_emb.weight", "blocks.layers.0.self_attn.in_proj_weight",
// ..., "blocks.norm.bias" (the head has none of its own).
func (g *gpt) NamedParameters() []layers.NamedParam[float32] {
	var out []layers.NamedParam[float32]
	for _, c := range g.Children() {
		out = append(out, prefixed(c.Name, c.Module.NamedParameters())...)
	}
	return out
}

// Parameters returns the parameters in the order of NamedParameters.
func (g *gpt) Parameters() []*autograd.Var[float32] { return params(g.NamedParameters()) }

// generator returns a generator that feeds the gpt through per-block caches
// of keys and values, so that each new byte costs one position, not the
// whole context.
func (g *gpt) generator(ar *autograd.Arena[float32]) generator {
	return &gptGenerator{g: g, ar: ar, caches: g.blocks.NewCaches()}
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
