package layers

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// MultiheadAttention is PyTorch's nn.MultiheadAttention with batch_first
// inputs [N, L, E]: the query, key and value are projected by one packed
// weight (or three, see below), split into NumHeads heads of E/NumHeads
// features, attended with autograd.ScaledDotProductAttention, joined and
// projected by OutProj.
// Self-attention (one Var as query, key and value) attends with
// autograd.PackedSelfAttention instead, which reads the heads from the
// packed projection and joins them without copies: the same values (to a
// few ulps when causal, see PackedSelfAttention).
//
// Its parameters have PyTorch's layout and names, so that a state_dict
// loads one to one: "in_proj_weight" [3E, E] (the query's rows, then the
// key's, then the value's), "in_proj_bias" [3E], "out_proj.weight" [E, E]
// and "out_proj.bias" [E]. A layer without biases (PyTorch's bias=False)
// has InProjBias and OutProj.Bias nil. A layer whose keys and values have
// kdim and vdim features other than E (NewMultiheadAttentionKV) has, as in
// PyTorch, separate projections "q_proj_weight" [E, E], "k_proj_weight"
// [E, kdim] and "v_proj_weight" [E, vdim] in place of in_proj_weight
// (InProjWeight nil), and the same in_proj_bias [3E]; it attends with
// Attend and AttendWeights only, self-attention needing kdim = vdim = E.
//
// Dropout on the attention weights (PyTorch's dropout argument) is off in
// a new layer: SetDropout turns it on. Like layers.Dropout, it acts only in
// training mode (a new layer is training; see SetTraining), drawing its
// masks from a generator of its own.
//
// AttendWeights returns the attention weights too (PyTorch's
// need_weights=True), averaged over the heads or per head.
//
// Not supported: add_bias_kv and add_zero_attn (PyTorch's bias_k, bias_v
// and the zero key). These append keys that every query keeps, beyond the
// key padding mask and the causal triangle, which the fused attention's
// options cannot express without a mask built on every call.
type MultiheadAttention[T Float] struct {
	NumHeads     int
	InProjWeight *autograd.Var[T] // [3E, E], or nil with separate projections
	InProjBias   *autograd.Var[T] // [3E], or nil
	OutProj      *Linear[T]       // E → E

	// QProjWeight, KProjWeight and VProjWeight are the separate
	// projections of a layer whose keys or values do not have E features
	// (PyTorch's kdim and vdim, see NewMultiheadAttentionKV), used when
	// InProjWeight is nil; nil in a layer with InProjWeight.
	QProjWeight *autograd.Var[T] // [E, E]
	KProjWeight *autograd.Var[T] // [E, kdim]
	VProjWeight *autograd.Var[T] // [E, vdim]

	// Causal makes Forward (self-attention) causal: position i attends
	// to positions j <= i only.
	Causal bool

	drop attnDropout
}

// attnDropout is MultiheadAttention's dropout: the probability, the mode
// and the generator of the masks, behind a lock.
type attnDropout struct {
	p    float64
	eval atomic.Bool // the zero value is training mode

	mu  sync.Mutex
	gen maskGen // its rng is nil without dropout
}

// SetDropout sets the probability p of dropping each attention weight in
// training mode (PyTorch's dropout; a kept weight is scaled by 1/(1−p)),
// and returns m. As NewDropout does, it draws two numbers from rng to
// seed a generator of the layer's own, so a seed reproduces the masks;
// the generator is locked, so concurrent Forward calls are race-free. It
// panics with an *ArgError unless 0 ≤ p < 1, or when p > 0 and rng is nil.
func (m *MultiheadAttention[T]) SetDropout(rng *rand.Rand, p float64) *MultiheadAttention[T] {
	if !(p >= 0 && p < 1) {
		argPanic(m.op(), "p", p, "must be in [0, 1)")
	}
	if p > 0 && rng == nil {
		argPanic(m.op(), "rng", nil, "must not be nil for dropout > 0")
	}
	m.drop.mu.Lock()
	defer m.drop.mu.Unlock()
	m.drop.p = p
	if p > 0 {
		m.drop.gen = newMaskGen(rng.Uint64(), rng.Uint64())
	}
	return m
}

// DropoutP returns the probability of dropping an attention weight in
// training mode (0: no dropout).
func (m *MultiheadAttention[T]) DropoutP() float64 {
	m.drop.mu.Lock()
	defer m.drop.mu.Unlock()
	return m.drop.p
}

// SetTraining switches between training (on) and evaluation mode, which
// turns the dropout off; it is safe to call while other goroutines run
// Forward.
func (m *MultiheadAttention[T]) SetTraining(on bool) { m.drop.eval.Store(!on) }

// Training reports whether the layer is in training mode.
func (m *MultiheadAttention[T]) Training() bool { return !m.drop.eval.Load() }

// RNGState returns the state of the generator of the attention's dropout
// masks (nil when SetDropout has not given it one), for resuming training
// exactly: see the package function RNGState.
func (m *MultiheadAttention[T]) RNGState() []byte {
	m.drop.mu.Lock()
	defer m.drop.mu.Unlock()
	return m.drop.gen.state()
}

// SetRNGState restores a state that RNGState returned. It returns an error,
// and changes nothing, for bytes that are not such a state, or a state for
// a layer without a generator (nil state) when it has one, or the reverse.
func (m *MultiheadAttention[T]) SetRNGState(state []byte) error {
	m.drop.mu.Lock()
	defer m.drop.mu.Unlock()
	return m.drop.gen.setState(state)
}

// NewMultiheadAttention returns a layer of embedDim features in numHeads
// heads, initialised as PyTorch's: in_proj_weight XavierUniform (fan-in E,
// fan-out 3E), out_proj.weight as nn.Linear's (UniformFanIn, U(±1/√E)),
// both biases 0. It panics with a *tensor.ShapeError when a size is not
// positive, and with an *ArgError when numHeads does not divide embedDim.
func NewMultiheadAttention[T Float](rng *rand.Rand, embedDim, numHeads int) *MultiheadAttention[T] {
	const op = "NewMultiheadAttention"
	checkPositive(op, "[embedDim numHeads]", embedDim, numHeads)
	if embedDim%numHeads != 0 {
		argPanic(op, "numHeads", numHeads, fmt.Sprintf("must divide embedDim %d", embedDim))
	}
	e := embedDim
	return &MultiheadAttention[T]{
		NumHeads:     numHeads,
		InProjWeight: autograd.Param(XavierUniform[T](rng, e, 3*e, 3*e, e)).SetName("in_proj_weight"),
		InProjBias:   autograd.Param(tensor.Zeros[T](3 * e)).SetName("in_proj_bias"),
		OutProj: &Linear[T]{
			Weight: autograd.Param(UniformFanIn[T](rng, e, e, e, e)).SetName("out_proj.weight"),
			Bias:   autograd.Param(tensor.Zeros[T](e)).SetName("out_proj.bias"),
		},
	}
}

// EmbedDim returns E, the number of features.
func (m *MultiheadAttention[T]) EmbedDim() int {
	if m.InProjWeight == nil {
		return m.QProjWeight.Value().Dim(1)
	}
	return m.InProjWeight.Value().Dim(1)
}

// KDim returns the number of features of a key: PyTorch's kdim, E unless
// the layer has separate projections.
func (m *MultiheadAttention[T]) KDim() int {
	if m.InProjWeight == nil {
		return m.KProjWeight.Value().Dim(1)
	}
	return m.InProjWeight.Value().Dim(1)
}

// VDim returns the number of features of a value: PyTorch's vdim, E unless
// the layer has separate projections.
func (m *MultiheadAttention[T]) VDim() int {
	if m.InProjWeight == nil {
		return m.VProjWeight.Value().Dim(1)
	}
	return m.InProjWeight.Value().Dim(1)
}

// op names the layer in an error message, by its first weight's name.
func (m *MultiheadAttention[T]) op() string {
	if m.InProjWeight == nil {
		return layerOp("MultiheadAttention", m.QProjWeight)
	}
	return layerOp("MultiheadAttention", m.InProjWeight)
}

// checkSelf panics with a *tensor.ShapeError naming the layer unless it
// can attend x to itself: unless its keys and values have E features.
func (m *MultiheadAttention[T]) checkSelf(x *autograd.Var[T]) {
	if m.InProjWeight != nil {
		return
	}
	if e, kd, vd := m.EmbedDim(), m.KDim(), m.VDim(); kd != e || vd != e {
		shapePanic(m.op(), fmt.Sprintf("self-attention needs keys and values of E = %d features, the layer takes kdim %d and vdim %d: use Attend", e, kd, vd),
			x.Value().Shape())
	}
}

// Forward is self-attention: Attend(x, x, x, nil, m.Causal) for x [N, L, E].
// It panics with a *tensor.ShapeError naming the layer when the layer's
// keys or values do not have E features (NewMultiheadAttentionKV), as
// PyTorch's would fail.
func (m *MultiheadAttention[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	m.checkSelf(x)
	return m.Attend(x, x, x, nil, m.Causal)
}

// Attend returns the attention of query [N, L, E] to key [N, S, kdim] and
// value [N, S, vdim], as [N, L, E] (kdim and vdim are E unless the layer
// has separate projections, see NewMultiheadAttentionKV). keyPadding
// (nil: none) is PyTorch's key_padding_mask [N, S]: true marks a key to
// ignore (note: the opposite of ScaledDotProductAttention's mask, as in
// PyTorch). causal lets query i attend to keys j <= i only. A query whose keys are all masked gives
// NaN, as in PyTorch. Empty inputs work as in PyTorch too: N or L = 0
// gives an empty result (and the parameters zero gradients), and S = 0
// gives out_proj.bias at every position, the weighted sum of no values
// being 0. When query, key and value are one Var (self-attention), the
// three projections are one product, and autograd.PackedSelfAttention
// reads the heads from it and joins them without copies.
//
// It panics with a *tensor.ShapeError naming the layer when the inputs or
// the mask do not fit.
func (m *MultiheadAttention[T]) Attend(query, key, value *autograd.Var[T], keyPadding *tensor.Mask, causal bool) *autograd.Var[T] {
	n, l, s := m.check(query, key, value)
	if query == key && key == value && m.InProjWeight != nil {
		e := m.EmbedDim()
		return autograd.Reshape(m.selfAttendFlat(flat(query, e), n, l, keyPadding, causal), n, l, e)
	}
	m.checkPadding(keyPadding, n, s)
	q, k, v := m.project(query, key, value)
	return m.attend(q, k, v, n, l, autograd.AttentionOptions{KeyPadding: keyPadding, Causal: causal})
}

// checkPadding panics unless PyTorch's key padding mask keyPadding (nil:
// none) is [N, S]. The attention takes it as it is
// (autograd.AttentionOptions.KeyPadding), with no keep mask to build.
func (m *MultiheadAttention[T]) checkPadding(keyPadding *tensor.Mask, n, s int) {
	if keyPadding != nil && !keyPadding.HasShape(n, s) {
		shapePanic(m.op(), fmt.Sprintf("key padding mask must be [%d %d]", n, s), keyPadding.Shape())
	}
}

// selfAttendFlat is self-attention on x [N·L, E], n sequences of l
// positions side by side, returned in the same layout: the three
// projections are one product, and autograd.PackedSelfAttention reads the
// heads from it and joins them in the output projection's layout. x must
// be [N·L, E] (TransformerEncoderLayer checks it).
//
// An empty batch (n = 0, no rows) is attended as one sequence of no
// positions, which has the same (no) rows: PackedSelfAttention takes a
// positive batch, and the parameters still get their (zero) gradients,
// as in PyTorch. Its key padding mask [0, S] has no entries to apply.
func (m *MultiheadAttention[T]) selfAttendFlat(x *autograd.Var[T], n, l int, keyPadding *tensor.Mask, causal bool) *autograd.Var[T] {
	m.checkPadding(keyPadding, n, l)
	if m.InProjWeight == nil {
		// Separate projections (a hand-built layer, given as a
		// TransformerEncoderLayer's SelfAttn): the unpacked path.
		e := m.EmbedDim()
		m.checkSelf(x)
		x3 := autograd.Reshape(x, n, l, e)
		return flat(m.Attend(x3, x3, x3, keyPadding, causal), e)
	}
	if n == 0 {
		n, keyPadding = 1, nil
	}
	qkv := autograd.Linear(x, m.InProjWeight, m.InProjBias) // [N·L, 3E]
	return m.OutProj.Forward(m.packed(qkv, n, autograd.AttentionOptions{KeyPadding: keyPadding, Causal: causal}))
}

// check panics unless query is [N, L, E], key [N, S, kdim] and value
// [N, S, vdim], and returns N, L and S.
func (m *MultiheadAttention[T]) check(query, key, value *autograd.Var[T]) (n, l, s int) {
	e, kd, vd := m.EmbedDim(), m.KDim(), m.VDim()
	q, k, v := query.Value(), key.Value(), value.Value()
	ok := q.Dims() == 3 && k.Dims() == 3 && v.Dims() == 3 && q.Dim(2) == e && k.Dim(2) == kd && v.Dim(2) == vd &&
		k.Dim(0) == q.Dim(0) && v.Dim(0) == q.Dim(0) && v.Dim(1) == k.Dim(1)
	if !ok {
		want := fmt.Sprintf("want query [N L %d], key and value [N S %d]", e, e)
		if kd != e || vd != e {
			want = fmt.Sprintf("want query [N L %d], key [N S %d] and value [N S %d]", e, kd, vd)
		}
		shapePanic(m.op(), want, q.Shape(), k.Shape(), v.Shape())
	}
	return q.Dim(0), q.Dim(1), k.Dim(1)
}

// project returns the query, key and value projected by in_proj and split
// into heads, each [N, H, len, E/H].
func (m *MultiheadAttention[T]) project(query, key, value *autograd.Var[T]) (q, k, v *autograd.Var[T]) {
	e := m.EmbedDim()
	if m.InProjWeight == nil {
		return m.projectSeparate(query, key, value)
	}
	if query == key && key == value {
		qv := query.Value()
		p := m.heads(autograd.Linear(flat(query, e), m.InProjWeight, m.InProjBias), qv.Dim(0), qv.Dim(1), 3)
		qkv := autograd.Split(p, 1, m.NumHeads, m.NumHeads, m.NumHeads)
		return qkv[0], qkv[1], qkv[2]
	}
	w, b := m.InProjWeight, m.InProjBias
	if ar := stepArena(query, key, value); ar != nil {
		// Split's only input is a parameter: through Use, its pieces come
		// from the step's arena too, so that a warm step allocates nothing.
		w = ar.Use(w)
		if b != nil {
			b = ar.Use(b)
		}
	}
	ws := autograd.Split(w, 0, e, e, e)
	bs := []*autograd.Var[T]{nil, nil, nil}
	if b != nil {
		bs = autograd.Split(b, 0, e, e, e)
	}
	proj := func(x *autograd.Var[T], i int) *autograd.Var[T] {
		xv := x.Value()
		return m.heads(autograd.Linear(flat(x, e), ws[i], bs[i]), xv.Dim(0), xv.Dim(1), 1)
	}
	return proj(query, 0), proj(key, 1), proj(value, 2)
}

// projectSeparate is project for a layer with separate projections
// (QProjWeight, KProjWeight, VProjWeight) and the in_proj_bias [3E] that
// they share, as PyTorch's _in_projection.
func (m *MultiheadAttention[T]) projectSeparate(query, key, value *autograd.Var[T]) (q, k, v *autograd.Var[T]) {
	e := m.EmbedDim()
	bs := []*autograd.Var[T]{nil, nil, nil}
	if b := m.InProjBias; b != nil {
		if ar := stepArena(query, key, value); ar != nil {
			b = ar.Use(b) // as in project: the pieces from the step's arena
		}
		bs = autograd.Split(b, 0, e, e, e)
	}
	proj := func(x, w, b *autograd.Var[T]) *autograd.Var[T] {
		xv := x.Value()
		return m.heads(autograd.Linear(flat(x, xv.Dim(2)), w, b), xv.Dim(0), xv.Dim(1), 1)
	}
	return proj(query, m.QProjWeight, bs[0]), proj(key, m.KProjWeight, bs[1]), proj(value, m.VProjWeight, bs[2])
}

// stepArena returns the Arena of the first of vs that has one, or nil.
func stepArena[T Float](vs ...*autograd.Var[T]) *autograd.Arena[T] {
	for _, v := range vs {
		if ar := v.Arena(); ar != nil {
			return ar
		}
	}
	return nil
}

// heads reshapes a projection [N·L, parts·E] of n sequences of l
// positions to [N, parts·H, L, E/H]: the heads of each part (query, key,
// value) side by side on axis 1.
func (m *MultiheadAttention[T]) heads(x *autograd.Var[T], n, l, parts int) *autograd.Var[T] {
	h := parts * m.NumHeads
	return autograd.Permute(autograd.Reshape(x, n, l, h, x.Value().Dim(1)/h), 0, 2, 1, 3)
}

// attend attends the heads q [N, H, L, Dh] to k and v [N, H, S, Dh] under
// o's masks (its KeyPadding [N S], Causal or CausalLowerRight; o's
// dropout is the layer's, see sdpa), joins the heads and projects the
// result to [N, L, E].
func (m *MultiheadAttention[T]) attend(q, k, v *autograd.Var[T], n, l int, o autograd.AttentionOptions) *autograd.Var[T] {
	return m.join(m.sdpa(q, k, v, o), n, l)
}

// join joins the heads a [N, H, L, Dh] of n sequences of l positions and
// projects them by OutProj to [N, L, E].
func (m *MultiheadAttention[T]) join(a *autograd.Var[T], n, l int) *autograd.Var[T] {
	e := m.EmbedDim()
	joined := autograd.Reshape(autograd.Permute(a, 0, 2, 1, 3), n*l, e)
	return autograd.Reshape(m.OutProj.Forward(joined), n, l, e)
}

// sdpa is autograd.ScaledDotProductAttentionWith under o's masks, with the
// layer's dropout in training mode (the generator locked while it draws).
func (m *MultiheadAttention[T]) sdpa(q, k, v *autograd.Var[T], o autograd.AttentionOptions) *autograd.Var[T] {
	if !m.drop.eval.Load() {
		m.drop.mu.Lock()
		defer m.drop.mu.Unlock()
		if m.drop.p > 0 {
			o.Dropout, o.RNG = m.drop.p, m.drop.gen.rng
		}
	}
	return autograd.ScaledDotProductAttentionWith(q, k, v, o)
}

// packed is autograd.PackedSelfAttention of the projection qkv [N·L, 3E]
// of n sequences under o's masks, with the layer's dropout in training
// mode (the generator locked while it draws), as sdpa: [N·L, E].
func (m *MultiheadAttention[T]) packed(qkv *autograd.Var[T], n int, o autograd.AttentionOptions) *autograd.Var[T] {
	if m.drop.eval.Load() {
		return autograd.PackedSelfAttention(qkv, n, m.NumHeads, o)
	}
	m.drop.mu.Lock()
	defer m.drop.mu.Unlock()
	if m.drop.p > 0 {
		o.Dropout, o.RNG = m.drop.p, m.drop.gen.rng
	}
	return autograd.PackedSelfAttention(qkv, n, m.NumHeads, o)
}

// flat reshapes x [N, L, E] to [N·L, E].
func flat[T Float](x *autograd.Var[T], e int) *autograd.Var[T] {
	return autograd.Reshape(x, -1, e)
}

// Parameters returns in_proj_weight (or q_proj_weight, k_proj_weight and
// v_proj_weight), in_proj_bias, out_proj.weight and out_proj.bias (the
// biases only when present).
func (m *MultiheadAttention[T]) Parameters() []*autograd.Var[T] { return m.AppendParameters(nil) }

// AppendParameters appends the parameters, in the order of Parameters, to
// dst and returns the extended slice; it allocates nothing when dst has
// room (see the package function AppendParameters).
func (m *MultiheadAttention[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] {
	if m.InProjWeight == nil {
		dst = append(dst, m.QProjWeight, m.KProjWeight, m.VProjWeight)
	} else {
		dst = append(dst, m.InProjWeight)
	}
	if m.InProjBias != nil {
		dst = append(dst, m.InProjBias)
	}
	return m.OutProj.AppendParameters(dst)
}

// NamedParameters returns the parameters with PyTorch's names, in
// nn.MultiheadAttention's order: "in_proj_weight" (or "q_proj_weight",
// "k_proj_weight", "v_proj_weight"), "in_proj_bias", "out_proj.weight",
// "out_proj.bias".
func (m *MultiheadAttention[T]) NamedParameters() []NamedParam[T] {
	out := []NamedParam[T]{{"in_proj_weight", m.InProjWeight}}
	if m.InProjWeight == nil {
		out = []NamedParam[T]{{"q_proj_weight", m.QProjWeight}, {"k_proj_weight", m.KProjWeight}, {"v_proj_weight", m.VProjWeight}}
	}
	if m.InProjBias != nil {
		out = append(out, NamedParam[T]{"in_proj_bias", m.InProjBias})
	}
	return append(out, prefixed("out_proj", m.OutProj.NamedParameters())...)
}

// KVCache holds the keys and values a MultiheadAttention has projected for
// the positions it has already seen, each [N, H, S, E/H], so that a
// generating model feeds only its new positions at each step
// (ForwardCached) instead of the whole sequence again. The zero value is
// an empty cache. A cache belongs to one layer and one batch; under an
// Arena its Vars live until the arena's next Reset, so Reset both once per
// sequence.
type KVCache[T Float] struct {
	Keys, Values *autograd.Var[T] // nil while empty
}

// Len returns the number of positions the cache holds.
func (c *KVCache[T]) Len() int {
	if c.Keys == nil {
		return 0
	}
	return c.Keys.Value().Dim(2)
}

// Reset empties the cache, for a new sequence.
func (c *KVCache[T]) Reset() { c.Keys, c.Values = nil, nil }

// ForwardCached is causal self-attention over a sequence that arrives in
// pieces: x [N, L, E] are the next L positions, which attend to every
// position in cache and to the new positions up to their own; their keys
// and values are then appended to cache. Feeding a sequence piece by piece
// gives the rows of Forward with Causal set on the whole sequence.
//
// For generation the inputs are constants, so no graph is recorded; with
// inputs that need a gradient the cache holds Vars of the graph, and
// gradients flow through it to the earlier steps.
//
// Under an inference Arena, Reset the arena with the cache, once per
// sequence (not between pieces: the cache holds Vars of the arena, which
// a Reset recycles): a warm decoding of pieces of the same shapes then
// allocates nothing, the growing keys and values included. Without an
// Arena each call allocates its results, the cache's among them.
//
// It panics with a *tensor.ShapeError naming the layer when x is not
// [N, L, E] or its N differs from the cache's, or the layer's keys or
// values do not have E features (as Forward), and with an *ArgError when
// the cache holds keys of an Arena that has been Reset since.
func (m *MultiheadAttention[T]) ForwardCached(x *autograd.Var[T], cache *KVCache[T]) *autograd.Var[T] {
	m.checkSelf(x)
	if cache.Keys != nil && (cache.Keys.Stale() || cache.Values.Stale()) {
		argPanic(m.op(), "cache", "stale",
			"holds keys and values of an Arena that has been Reset since: Reset the Arena once per sequence, with the caches (KVCache.Reset), not between pieces")
	}
	n, l, _ := m.check(x, x, x)
	past := cache.Len()
	if past > 0 && cache.Keys.Value().Dim(0) != n {
		shapePanic(m.op(), "the batch differs from the cache's", x.Value().Shape(), cache.Keys.Value().Shape())
	}
	q, k, v := m.project(x, x, x)
	if past > 0 {
		k, v = autograd.Concat(2, cache.Keys, k), autograd.Concat(2, cache.Values, v)
	}
	cache.Keys, cache.Values = k, v
	// New position i is position past+i of the sequence: it keeps keys
	// j <= past+i, the causal triangle at the bottom right.
	return m.attend(q, k, v, n, l, autograd.AttentionOptions{CausalLowerRight: true})
}
