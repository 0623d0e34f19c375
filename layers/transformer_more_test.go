package layers_test

import (
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/internal/allocs"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
)

// positions returns positions [start, start+n) of x [N, L, d].
func positions[T tensor.Float](x *autograd.Var[T], start, n int) *autograd.Var[T] {
	return autograd.Slice(x, autograd.Range{Stop: tensor.End, Step: 1}, autograd.Range{Start: start, Stop: start + n, Step: 1})
}

// TestDecoderBlockCached: a GPT-style stack (token and position
// embeddings, two pre-LN GELU decoder blocks, a final norm, a tied output)
// fed one token at a time through per-block KV caches, the position
// embedding starting at the offset, gives the rows of the full causal
// forward; so does a post-LN block fed in pieces of 2 and 1. Both types.
func TestDecoderBlockCached(t *testing.T) {
	t.Run("float64", testDecoderBlockCached[float64])
	t.Run("float32", testDecoderBlockCached[float32])
}

func testDecoderBlockCached[T tensor.Float](t *testing.T) {
	rng := newRNG(11)
	cfg := layers.TransformerConfig{DModel: 8, NHead: 2, DimFeedforward: 16, Activation: "gelu", NormFirst: true, Dropout: 0.1}
	tok := layers.NewEmbedding[T](rng, 10, 8, layers.Normal[T](0, 0.5))
	pos := layers.NewPositionEmbedding[T](rng, 6, 8, layers.Normal[T](0, 0.5))
	stack := layers.NewTransformerEncoder[T](rng, cfg, 2, true)
	for _, l := range stack.Layers {
		l.Causal = true
	}
	head := layers.NewTiedOutput(tok, true)
	randomize(12, stack)
	model := layers.NewNamed(layers.NamedModule[T]{Name: "stack", Module: stack})
	layers.SetTraining[T](model, false) // no dropout: the rows must match
	ids := []int{3, 1, 4, 1, 5, 9, 2, 6, 5, 3}
	idVar := autograd.Const(tensor.MustNew([]T{3, 1, 4, 1, 5, 9, 2, 6, 5, 3}, 2, 5))
	full := head.Forward(stack.Forward(pos.Forward(tok.Forward(idVar)))) // [2 5 10]

	caches := stack.NewCaches()
	var rows []*autograd.Var[T]
	for p := range 5 {
		step := autograd.Const(tensor.MustNew([]T{T(ids[p]), T(ids[5+p])}, 2, 1))
		h := stack.ForwardCached(pos.AddAt(tok.Forward(step), p), caches)
		rows = append(rows, head.Forward(h))
	}
	got := autograd.Concat(1, rows...)
	tol := 10 * tolFor[T]()
	if d := cmp.Diff(viewOf(full.Value()), viewOf(got.Value()), approx(tol)); d != "" {
		t.Errorf("token-by-token logits differ from the full forward (-full +cached):\n%s", d)
	}
	if caches[1].Len() != 5 {
		t.Errorf("cache of layer 1 holds %d positions, want 5", caches[1].Len())
	}

	post := layers.NewDecoderBlock[T](rng, layers.TransformerConfig{DModel: 8, NHead: 4, DimFeedforward: 8})
	randomize(13, post)
	x := autograd.Const(convert[T](randTensor(rng, 3, 3, 8)))
	var kv layers.KVCache[T]
	pieces := autograd.Concat(1, post.ForwardCached(positions(x, 0, 2), &kv), post.ForwardCached(positions(x, 2, 1), &kv))
	if d := cmp.Diff(viewOf(post.Forward(x).Value()), viewOf(pieces.Value()), approx(tol)); d != "" {
		t.Errorf("post-LN block in pieces differs from Forward (-full +cached):\n%s", d)
	}
}

// TestTransformerDropoutModes: in training mode with dropout the layer's
// output depends on the draws (two calls differ, a layer built from the
// same seed repeats them), and in evaluation mode it equals the layer
// without dropout; SetTraining reaches the attention's dropout.
func TestTransformerDropoutModes(t *testing.T) {
	cfg := layers.TransformerConfig{DModel: 8, NHead: 2, DimFeedforward: 8, Dropout: 0.3}
	build := func(p float64) *layers.TransformerEncoderLayer[float64] {
		c := cfg
		c.Dropout = p
		l := layers.NewTransformerEncoderLayer[float64](newRNG(21), c)
		randomize(22, l)
		return l
	}
	x := autograd.Const(randTensor(newRNG(23), 2, 5, 8))
	a, b := build(0.3), build(0.3)
	a1, a2, b1 := a.Forward(x).Value(), a.Forward(x).Value(), b.Forward(x).Value()
	if bitsEqual(a1, a2) {
		t.Errorf("two training calls gave the same output")
	}
	if !bitsEqual(a1, b1) {
		t.Errorf("layers built from the same seed drew different masks")
	}
	layers.SetTraining[float64](a, false)
	if a.SelfAttn.Training() || a.Dropout1.Training() {
		t.Errorf("SetTraining did not reach the dropouts")
	}
	if plain := build(0).Forward(x).Value(); !bitsEqual(plain, a.Forward(x).Value()) {
		t.Errorf("evaluation mode differs from the layer without dropout")
	}
	// Attention dropout alone: only the attention is random.
	m := layers.NewMultiheadAttention[float64](newRNG(24), 8, 2).SetDropout(newRNG(25), 0.5)
	m1, m2 := m.Forward(x).Value(), m.Forward(x).Value()
	if bitsEqual(m1, m2) || m.DropoutP() != 0.5 {
		t.Errorf("attention dropout 0.5 in training gave equal outputs (p %g)", m.DropoutP())
	}
	m.SetTraining(false)
	if !bitsEqual(m.Forward(x).Value(), m.SetDropout(nil, 0).Forward(x).Value()) {
		t.Errorf("attention in evaluation mode differs from no dropout")
	}
}

// TestTransformerErrors: typed errors for bad configurations and inputs.
func TestTransformerErrors(t *testing.T) {
	rng := newRNG(1)
	for _, cfg := range []layers.TransformerConfig{
		{DModel: 6, NHead: 4}, {DModel: 4, NHead: 2, Dropout: 1}, {DModel: 4, NHead: 2, Activation: "tanh"}, {DModel: 4, NHead: 2, LayerNormEps: -1},
	} {
		argPanic(t, func() { layers.NewTransformerEncoderLayer[float64](rng, cfg) })
	}
	shapePanic(t, func() { layers.NewTransformerEncoderLayer[float64](rng, layers.TransformerConfig{DModel: 0, NHead: 1}) })
	l := layers.NewTransformerEncoderLayer[float64](rng, layers.TransformerConfig{DModel: 4, NHead: 2, DimFeedforward: 4})
	se := shapePanic(t, func() { l.Forward(autograd.Const(tensor.Zeros[float64](2, 3, 5))) })
	if se.Op != "TransformerEncoderLayer (self_attn.in_proj_weight)" {
		t.Errorf("op %q", se.Op)
	}
	shapePanic(t, func() { l.Encode(autograd.Const(tensor.Zeros[float64](2, 3, 4)), tensor.FullMask(false, 3, 2), false) })
	argPanic(t, func() { layers.NewMultiheadAttention[float64](rng, 4, 2).SetDropout(nil, 0.1) })
	stack := layers.NewTransformerEncoder[float64](rng, layers.TransformerConfig{DModel: 4, NHead: 2, DimFeedforward: 4}, 2, false)
	shapePanic(t, func() {
		stack.ForwardCached(autograd.Const(tensor.Zeros[float64](1, 1, 4)), make([]layers.KVCache[float64], 1))
	})
}

// TestTransformerEncoderNames: the stack's names are PyTorch's
// nn.TransformerEncoder's, the final norm last.
func TestTransformerEncoderNames(t *testing.T) {
	e := layers.NewTransformerEncoder[float32](newRNG(2), layers.TransformerConfig{DModel: 4, NHead: 2, DimFeedforward: 4, LayerNormEps: 1e-6}, 2, true)
	ps := e.NamedParameters()
	if len(ps) != 26 || ps[0].Name != "layers.0.self_attn.in_proj_weight" || ps[12].Name != "layers.1.self_attn.in_proj_weight" ||
		ps[24].Name != "norm.weight" || ps[25].Name != "norm.bias" {
		t.Errorf("names %v", ps)
	}
	if e.Norm.Eps != 1e-6 {
		t.Errorf("final norm eps %g", e.Norm.Eps)
	}
	if ps[12].Param.Name() != "layers.1.self_attn.in_proj_weight" {
		t.Errorf("label %q", ps[12].Param.Name())
	}
}

// TestTransformerEncoderLayerArenaAllocatesNothing: a training step of the
// pre-LN GELU causal layer (forward, loss, Backward, ZeroGrad) under a
// warm Arena allocates nothing, and gives the plain step's loss.
func TestTransformerEncoderLayerArenaAllocatesNothing(t *testing.T) {
	l := layers.NewDecoderBlock[float32](newRNG(31), layers.TransformerConfig{DModel: 16, NHead: 4, DimFeedforward: 32, Activation: "gelu", NormFirst: true})
	xt := convert[float32](randTensor(newRNG(32), 2, 8, 16))
	ps := l.Parameters()
	ar := autograd.NewArena[float32]()
	var loss float32
	step := func() {
		ar.Reset()
		out := autograd.Mean(autograd.Square(l.Forward(ar.Const(xt))))
		out.Backward()
		loss = out.Item()
		autograd.ZeroGrad(ps...)
	}
	for range 3 {
		step()
	}
	if n := allocs.Count(5, step); n != 0 && !underRace {
		t.Errorf("%d allocations in 5 warm steps under an Arena, want 0", n)
	}
	plain := autograd.Mean(autograd.Square(l.Forward(autograd.Const(xt)))).Item()
	if plain != loss {
		t.Errorf("loss %v under the arena, %v plain", loss, plain)
	}
}
