package layers_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// A small GPT from the transformer layers: token and learned position
// embeddings, causal pre-LN GELU blocks with a final LayerNorm, and an
// output projection tied to the token embedding. It is trained on whole
// sequences with Forward, and generates one token at a time with
// ForwardCached, whose logits are the rows of the full forward.
func ExampleNewDecoderBlock() {
	rng := rand.New(rand.NewPCG(1, 2))
	const vocab, d, maxLen = 16, 8, 12
	cfg := layers.TransformerConfig{DModel: d, NHead: 2, DimFeedforward: 4 * d, Activation: "gelu", NormFirst: true, Causal: true}
	tok := layers.NewEmbedding(rng, vocab, d, layers.Normal[float64](0, 0.02))
	pos := layers.NewPositionEmbedding(rng, maxLen, d, layers.Normal[float64](0, 0.02))
	blocks := layers.NewTransformerEncoder[float64](rng, cfg, 2, true) // NewDecoderBlock layers, stacked
	head := layers.NewTiedOutput(tok, false)
	model := layers.NewNamed( // the names of the model file
		layers.NamedModule[float64]{Name: "wte", Module: tok},
		layers.NamedModule[float64]{Name: "wpe", Module: pos},
		layers.NamedModule[float64]{Name: "h", Module: blocks},
		layers.NamedModule[float64]{Name: "lm_head", Module: head})
	gpt := func(ids *tensor.Tensor[float64], start int, caches []layers.KVCache[float64]) *autograd.Var[float64] {
		x := pos.AddAt(tok.Forward(autograd.Const(ids)), start) // [N L d]
		if caches == nil {
			return head.Forward(blocks.Forward(x))
		}
		return head.Forward(blocks.ForwardCached(x, caches))
	}

	// Training: next-token cross-entropy of a batch [1, 5].
	ids := tensor.MustNew([]float64{3, 1, 4, 1, 5}, 1, 5)
	logits := gpt(ids, 0, nil) // [1 5 vocab]
	loss := autograd.CrossEntropy(autograd.Reshape(logits, 5, vocab), []int{1, 4, 1, 5, 9})
	loss.Backward()
	fmt.Println("logits", logits.Shape(), "loss near log(vocab):", math.Abs(loss.Item()-math.Log(vocab)) < 0.1)

	// Generation: evaluation mode, one KV cache per block, one position at a time.
	layers.SetTraining[float64](model, false)
	caches := blocks.NewCaches()
	match := true
	for p := range 5 {
		step := gpt(tensor.MustNew([]float64{ids.Data()[p]}, 1, 1), p, caches) // [1 1 vocab]
		for j, v := range step.Value().Data() {
			match = match && math.Abs(v-logits.Value().Data()[p*vocab+j]) < 1e-12
		}
	}
	fmt.Println("cached logits equal the full forward's:", match)
	fmt.Println("parameters:", len(model.Parameters()), "first:", model.NamedParameters()[0].Name, "then:", model.NamedParameters()[2].Name)
	// Output:
	// logits [1 5 16] loss near log(vocab): true
	// cached logits equal the full forward's: true
	// parameters: 28 first: wte.weight then: h.layers.0.self_attn.in_proj_weight
}
