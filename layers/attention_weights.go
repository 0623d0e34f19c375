package layers

import (
	"math"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// AttendWeights is Attend that also returns the attention weights, as
// PyTorch 1.13's forward with need_weights=True: out is Attend's [N, L, E],
// and weights is [N, L, S], the mean of the heads' weights
// (average_attn_weights=True), or with perHead [N, H, L, S], each head's
// (average_attn_weights=False). Row i of a head's weights is the softmax
// of query i's scores against the keys, masked by keyPadding and causal as
// in Attend, so it sums to 1, with 0 at every masked key (NaN in a row
// whose keys are all masked, as in PyTorch); the weights of no keys
// (S = 0) are empty.
//
// In training mode with dropout (SetDropout), the weights returned are
// those after dropout, as PyTorch 1.13 returns them: each 0 or scaled by
// 1/(1−p), the weights that multiplied the values. The mask is drawn as
// Attend draws it, one number of the layer's generator per weight of
// [N, H, L, S], so that the same generator state gives Attend's output.
//
// Both results are differentiable, out and weights through the same
// graph, so that a loss may use either or both (an attention-entropy
// penalty, a supervised alignment). For this the attention is composed of
// autograd operations (MatMul, MaskedFill, Softmax, Dropout, Mean) rather
// than Attend's fused ones: the same values to rounding, but it stores the
// scores and weights. Under an Arena a warm step without masks allocates
// nothing; with keyPadding or causal it allocates its mask [N, 1, L, S]
// (or, for the padding alone, a view of keyPadding) on each call. Use
// Attend when the weights are not needed.
//
// It panics as Attend does.
func (m *MultiheadAttention[T]) AttendWeights(query, key, value *autograd.Var[T], keyPadding *tensor.Mask, causal, perHead bool) (out, weights *autograd.Var[T]) {
	n, l, s := m.check(query, key, value)
	m.checkPadding(keyPadding, n, s)
	q, k, v := m.project(query, key, value) // [N H L Dh], [N H S Dh]
	dh := m.EmbedDim() / m.NumHeads
	// As PyTorch: the queries scaled by 1/√Dh, then multiplied.
	scores := autograd.MatMulT(autograd.Scale(q, T(1/math.Sqrt(float64(dh)))), k, false, true) // [N H L S]
	if ignore := ignoreMask(keyPadding, n, l, s, causal); ignore != nil {
		scores = autograd.MaskedFill(scores, ignore, T(math.Inf(-1)))
	}
	w := m.dropWeights(autograd.Softmax(scores, -1))
	out = m.join(autograd.MatMul(w, v), n, l)
	if perHead {
		return out, w
	}
	return out, autograd.Mean(w, 1)
}

// ignoreMask returns the mask of the scores [N, H, L, S] to ignore (true:
// set to −∞), broadcast along the heads: the keys keyPadding marks (nil:
// none) and, when causal, key j > i for query i. It returns nil when
// neither is set.
func ignoreMask(keyPadding *tensor.Mask, n, l, s int, causal bool) *tensor.Mask {
	switch {
	case !causal && keyPadding == nil:
		return nil
	case !causal:
		return tensor.MustMask(keyPadding.Data(), n, 1, 1, s)
	}
	d := make([]bool, n*l*s)
	for b := range n {
		for i := range l {
			row := d[(b*l+i)*s : (b*l+i+1)*s]
			if keyPadding != nil {
				copy(row, keyPadding.Data()[b*s:(b+1)*s])
			}
			for j := i + 1; j < s; j++ {
				row[j] = true
			}
		}
	}
	return tensor.MustMask(d, n, 1, l, s)
}

// dropWeights returns the attention weights w after the layer's dropout:
// w itself in evaluation mode or without dropout, and otherwise
// autograd.Dropout with the layer's generator (locked while it draws),
// which draws its mask as the fused attention does.
func (m *MultiheadAttention[T]) dropWeights(w *autograd.Var[T]) *autograd.Var[T] {
	if m.drop.eval.Load() {
		return w
	}
	m.drop.mu.Lock()
	defer m.drop.mu.Unlock()
	if m.drop.p > 0 {
		return autograd.Dropout(w, m.drop.p, m.drop.gen.rng)
	}
	return w
}
