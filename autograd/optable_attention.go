package autograd

import "github.com/adjoint-go/adjoint/tensor"

// This file declares the op table's attention entry: scaled dot-product
// attention, in the linalg family (it is two products around a softmax).

// attentionOps returns the attention entries. The one entry adds the
// attention without a mask to the causal attention under a key-padding
// mask, so that the checks cover both paths: batch and head axes [2 2],
// Lq 3 ≠ Lk 5, D 4 ≠ Dv 3, and a mask [2 1 1 5] that broadcasts over the
// heads and queries. Every query keeps key 0, so no row is fully masked.
// ScaledDotProductAttentionWith's entry is the causal, masked attention
// with dropout 0.25 under a fixed dropout mask of the scores' shape, the
// mask given as the key padding mask [2 5] (AttentionOptions.KeyPadding,
// true = ignore), so that the checks cover that path too, as
// PackedSelfAttention's masked term does.
func attentionOps() []OpInfo {
	keep := tensor.MustMask([]bool{
		true, true, false, true, false,
		true, false, true, true, true,
	}, 2, 1, 1, 5)
	pad := notMask(keep, 2, 5)
	dk := make([]bool, 2*2*3*5)
	for i := range dk {
		dk[i] = (i*7)%4 != 1 // a quarter dropped, spread over rows and heads
	}
	dropKeep := tensor.MustMask(dk, 2, 2, 3, 5)
	// PackedSelfAttention's: a key padding mask [2 5] (true = ignore) that
	// keeps key 0 of each sequence, and a dropout keep mask of its scores' shape
	// [2 2 5 5] that drops a quarter of them.
	packedPad := notMask(tensor.MustMask([]bool{
		true, false, true, true, false,
		true, true, false, true, true,
	}, 2, 1, 1, 5), 2, 5)
	pd := make([]bool, 2*2*5*5)
	for i := range pd {
		pd[i] = (i*5)%4 != 3
	}
	packedDrop := tensor.MustMask(pd, 2, 2, 5, 5)
	return []OpInfo{
		entry(OpInfo{
			Name: "ScaledDotProductAttention", Family: FamilyLinalg, Domain: anyReal, Smooth: true,
			Shapes: [][]int{{2, 2, 3, 4}, {2, 2, 5, 4}, {2, 2, 5, 3}},
			Torch: "softmax(x @ y.mT / 2, -1) @ z + softmax((x @ y.mT / 2).masked_fill(~(mask & " +
				"torch.ones(3, 5).tril().bool()), -inf), -1) @ z",
			DocGroup: DocAttention, DocNote: "softmax(q·kᵀ/√D + mask)·v, fused on the batched GEMM; boolean mask, true = take part; causal; batch and head axes",
		},
			func(xs ...*Var[float64]) *Var[float64] { return attnTwice(xs, keep) },
			func(xs ...*Var[float32]) *Var[float32] { return attnTwice(xs, keep) }),
		entry(OpInfo{
			Name: "ScaledDotProductAttentionWith", Family: FamilyLinalg, Domain: anyReal, Smooth: true,
			Shapes: [][]int{{2, 2, 3, 4}, {2, 2, 5, 4}, {2, 2, 5, 3}},
			Torch: "(softmax((x @ y.mT / 2).masked_fill(~(mask & torch.ones(3, 5).tril().bool()), -inf), -1) " +
				"* drop_keep / 0.75) @ z",
			DocGroup: DocAttention, DocNote: "its options in a struct: a key padding mask (PyTorch's key_padding_mask, true = ignore), and dropout on the weights from an explicit `*rand.Rand` or a fixed mask",
		},
			func(xs ...*Var[float64]) *Var[float64] { return attnDropped(xs, pad, dropKeep) },
			func(xs ...*Var[float32]) *Var[float32] { return attnDropped(xs, pad, dropKeep) }),
		entry(OpInfo{
			Name: "PackedSelfAttention", Family: FamilyLinalg, Domain: anyReal, Smooth: true,
			Shapes: [][]int{{2, 5, 18}},
			Torch: "sum(merge(sdpa(*heads(x), m)) for m in (None, causal, (mask & causal, dropout 0.25 keep " +
				"drop_keep))) where heads splits x [2 5 18] into q, k, v [2 2 5 3] and merge joins [2 2 5 3] into [2 5 6]",
			DocGroup: DocAttention, DocNote: "multi-head self-attention on the packed q, k, v projection [N·L, 3E] → [N·L, E], heads read and written in place with strided GEMMs",
		},
			func(xs ...*Var[float64]) *Var[float64] { return packedThrice(xs[0], packedPad, packedDrop) },
			func(xs ...*Var[float32]) *Var[float32] { return packedThrice(xs[0], packedPad, packedDrop) }),
	}
}

// packedThrice is the packed attention entry's function on qkv [2 5 18]
// (2 sequences of 5 positions, E 6 in 2 heads of 3): plain attention,
// causal attention on the [10 18] layout (which takes the causal fill of
// the scores without a mask), and the causal attention under the key
// padding mask pad with dropout 0.25 under the fixed dropout mask dk,
// summed.
func packedThrice[T Float](x *Var[T], pad, dk *tensor.Mask) *Var[T] {
	plain := PackedSelfAttention(x, 2, 2, AttentionOptions{})
	causal := Reshape(PackedSelfAttention(Reshape(x, 10, 18), 2, 2, AttentionOptions{Causal: true}), 2, 5, 6)
	dropped := PackedSelfAttention(x, 2, 2, AttentionOptions{KeyPadding: pad, Causal: true, Dropout: 0.25, Keep: dk})
	return Add(Add(plain, causal), dropped)
}

// attnDropped is the dropout entry's function: causal attention under the
// key padding mask pad with dropout 0.25 under the fixed dropout mask dk
// (true = kept), so that the table checks the dropout's fused and
// recorded derivatives deterministically.
func attnDropped[T Float](xs []*Var[T], pad, dk *tensor.Mask) *Var[T] {
	return ScaledDotProductAttentionWith(xs[0], xs[1], xs[2], AttentionOptions{KeyPadding: pad, Causal: true, Dropout: 0.25, Keep: dk})
}

// notMask returns the negation of m, reshaped to shape: a keep mask as
// the key padding mask it stands for.
func notMask(m *tensor.Mask, shape ...int) *tensor.Mask {
	d := make([]bool, m.Len())
	for i, b := range m.Data() {
		d[i] = !b
	}
	return tensor.MustMask(d, shape...)
}

// attnTwice is the attention entry's function: plain attention plus
// causal attention under the mask keep.
func attnTwice[T Float](xs []*Var[T], keep *tensor.Mask) *Var[T] {
	return Add(ScaledDotProductAttention(xs[0], xs[1], xs[2], nil, false),
		ScaledDotProductAttention(xs[0], xs[1], xs[2], keep, true))
}
