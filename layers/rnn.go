package layers

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync/atomic"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds what RNN, LSTM and GRU share: their options, their
// parameters and the loop over layers, directions and time steps. Each
// layer and direction projects its whole input sequence with one product
// (x [L·N, in]·W_ihᵀ + b_ih), then runs one product h·W_hhᵀ + b_hh and the
// cell's gate math per time step (rnn_gates.go).

// Nonlinearity is the activation of an RNN or RNNCell, PyTorch's
// nonlinearity argument: RNNTanh (the zero value) or RNNReLU.
type Nonlinearity int

// The nonlinearities of RNN and RNNCell.
const (
	RNNTanh Nonlinearity = iota // h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh), PyTorch's "tanh"
	RNNReLU                     // h' = relu(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh), PyTorch's "relu"
)

// String returns PyTorch's name of the nonlinearity, "tanh" or "relu".
func (n Nonlinearity) String() string {
	switch n {
	case RNNTanh:
		return "tanh"
	case RNNReLU:
		return "relu"
	}
	return "Nonlinearity(" + strconv.Itoa(int(n)) + ")"
}

// RecurrentOptions are the options of NewRNN, NewLSTM and NewGRU, PyTorch's
// keyword arguments; the zero value is PyTorch's defaults (one layer, one
// direction, [L, N, in] inputs, biases, tanh, no dropout).
type RecurrentOptions struct {
	NumLayers     int  // stacked layers, each reading the previous one's output; 0 means 1
	Bidirectional bool // a second, reverse direction per layer, its output beside the forward one's
	BatchFirst    bool // inputs and outputs [N, L, ·] instead of [L, N, ·] (PyTorch's batch_first)
	NoBias        bool // no bias_ih and bias_hh (PyTorch's bias=False)

	// Nonlinearity is RNN's activation (LSTM and GRU ignore it).
	Nonlinearity Nonlinearity

	// Dropout, in [0, 1), drops elements of every layer's output except
	// the last one's while training, as a Dropout layer would (its masks
	// come from a generator seeded from the constructor's rng).
	Dropout float64
}

// RecurrentWeights are the parameters of one layer and direction of an
// RNN, LSTM or GRU, with PyTorch's layouts: WeightIH [G·H, in] (in is the
// input size for layer 0, D·H above it), WeightHH [G·H, H], BiasIH and
// BiasHH [G·H] (nil without biases), where G is 1 for RNN, 4 for LSTM (the
// gates i, f, g, o, in PyTorch's order) and 3 for GRU (r, z, n).
type RecurrentWeights[T Float] struct {
	WeightIH, WeightHH, BiasIH, BiasHH *autograd.Var[T]
}

// cellKind is the cell a recurrent layer runs.
type cellKind int

const (
	kindRNN cellKind = iota
	kindLSTM
	kindGRU
)

// gates returns G, the number of gate blocks of H rows in the weights.
func (k cellKind) gates() int { return [...]int{1, 4, 3}[k] }

// name returns the layer's name for messages.
func (k cellKind) name() string { return [...]string{"RNN", "LSTM", "GRU"}[k] }

// recurrent is the body of RNN, LSTM and GRU.
type recurrent[T Float] struct {
	kind         cellKind
	act          Nonlinearity
	in, hidden   int
	layers, dirs int
	batchFirst   bool

	// weights holds one entry per layer and direction, in PyTorch's order:
	// layer 0, layer 0 reverse, layer 1, ... (index layer·D + direction).
	weights []RecurrentWeights[T]
	drop    *Dropout[T] // nil without dropout

	// lastMasks holds the masks of the last lengths a call had, so that a
	// loop over batches of the same lengths builds them once.
	lastMasks *atomic.Pointer[lengthMasks]
}

// lengthMasks are the masks stepMasks builds for lengths and steps. They
// are never written after they are made, so calls in several goroutines
// may share them.
type lengthMasks struct {
	lengths []int
	steps   int
	masks   []*tensor.Mask
	pad     *tensor.Mask
	padRows *tensor.Mask
}

// newRecurrent checks the options and draws every weight and bias from
// U(−1/√H, 1/√H), PyTorch's initialisation, in PyTorch's parameter order.
func newRecurrent[T Float](op string, kind cellKind, rng *rand.Rand, inputSize, hiddenSize int, o RecurrentOptions) recurrent[T] {
	layers := o.NumLayers
	if layers == 0 {
		layers = 1
	}
	checkPositive(op, "[inputSize hiddenSize numLayers]", inputSize, hiddenSize, layers)
	if !(o.Dropout >= 0 && o.Dropout < 1) {
		argPanic(op, "Dropout", o.Dropout, "must be in [0, 1)")
	}
	if o.Nonlinearity != RNNTanh && o.Nonlinearity != RNNReLU {
		argPanic(op, "Nonlinearity", o.Nonlinearity, "must be RNNTanh or RNNReLU")
	}
	r := recurrent[T]{kind: kind, act: o.Nonlinearity, in: inputSize, hidden: hiddenSize, layers: layers, dirs: 1, batchFirst: o.BatchFirst,
		lastMasks: new(atomic.Pointer[lengthMasks])}
	if o.Bidirectional {
		r.dirs = 2
	}
	g, h := kind.gates()*hiddenSize, hiddenSize
	for l := range layers {
		in := inputSize
		if l > 0 {
			in = r.dirs * h
		}
		for d := range r.dirs {
			sfx := "_l" + strconv.Itoa(l)
			if d == 1 {
				sfx += "_reverse"
			}
			w := RecurrentWeights[T]{
				WeightIH: autograd.Param(UniformFanIn[T](rng, h, g, g, in)).SetName("weight_ih" + sfx),
				WeightHH: autograd.Param(UniformFanIn[T](rng, h, g, g, h)).SetName("weight_hh" + sfx),
			}
			if !o.NoBias {
				w.BiasIH = autograd.Param(UniformFanIn[T](rng, h, g, g)).SetName("bias_ih" + sfx)
				w.BiasHH = autograd.Param(UniformFanIn[T](rng, h, g, g)).SetName("bias_hh" + sfx)
			}
			r.weights = append(r.weights, w)
		}
	}
	if o.Dropout > 0 {
		r.drop = NewDropout[T](rng, o.Dropout)
	}
	return r
}

// InputSize returns the number of input features.
func (r *recurrent[T]) InputSize() int { return r.in }

// HiddenSize returns H, the number of features of the hidden state.
func (r *recurrent[T]) HiddenSize() int { return r.hidden }

// NumLayers returns the number of stacked layers.
func (r *recurrent[T]) NumLayers() int { return r.layers }

// NumDirections returns 2 for a bidirectional layer, else 1.
func (r *recurrent[T]) NumDirections() int { return r.dirs }

// BatchFirst reports whether inputs and outputs are [N, L, ·].
func (r *recurrent[T]) BatchFirst() bool { return r.batchFirst }

// Weights returns the parameters of layer l (from 0) in direction d (0
// forward, 1 reverse): the layer's own record, so that replacing a Var in
// it (or writing into a Var's value) changes the layer. It panics with an
// *ArgError when l or d is out of range.
func (r *recurrent[T]) Weights(l, d int) *RecurrentWeights[T] {
	if l < 0 || l >= r.layers || d < 0 || d >= r.dirs {
		argPanic(r.kind.name()+".Weights", "[layer direction]", []int{l, d}, fmt.Sprintf("out of range for %d layers and %d directions", r.layers, r.dirs))
	}
	return &r.weights[l*r.dirs+d]
}

// Parameters returns the parameters in the order of NamedParameters.
func (r *recurrent[T]) Parameters() []*autograd.Var[T] { return r.AppendParameters(nil) }

// AppendParameters appends the parameters, in the order of Parameters, to
// dst and returns the extended slice; it allocates nothing when dst has
// room (see the package function AppendParameters).
func (r *recurrent[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] {
	for i := range r.weights {
		dst = r.weights[i].appendParams(dst)
	}
	return dst
}

// NamedParameters returns PyTorch's names, in its state_dict's order: for
// each layer k, "weight_ih_lk", "weight_hh_lk", "bias_ih_lk", "bias_hh_lk",
// then the same with the suffix "_reverse" for a bidirectional layer (the
// biases only when present).
func (r *recurrent[T]) NamedParameters() []NamedParam[T] {
	var out []NamedParam[T]
	for i, w := range r.weights {
		sfx := "_l" + strconv.Itoa(i/r.dirs)
		if i%r.dirs == 1 {
			sfx += "_reverse"
		}
		out = append(out, NamedParam[T]{"weight_ih" + sfx, w.WeightIH}, NamedParam[T]{"weight_hh" + sfx, w.WeightHH})
		if w.BiasIH != nil {
			out = append(out, NamedParam[T]{"bias_ih" + sfx, w.BiasIH})
		}
		if w.BiasHH != nil {
			out = append(out, NamedParam[T]{"bias_hh" + sfx, w.BiasHH})
		}
	}
	return out
}

// DropoutP returns the probability of dropping an element of every layer's
// output but the last one's in training mode (Dropout of its options; 0:
// none).
func (r *recurrent[T]) DropoutP() float64 {
	if r.drop == nil {
		return 0
	}
	return r.drop.P()
}

// SetTraining switches the dropout between layers on (training, the
// default) or off; without dropout the layer behaves the same either way.
func (r *recurrent[T]) SetTraining(on bool) {
	if r.drop != nil {
		r.drop.SetTraining(on)
	}
}

// Training reports whether the layer is in training mode (always true
// without dropout).
func (r *recurrent[T]) Training() bool { return r.drop == nil || r.drop.Training() }

// RNGState returns the state of the generator of the dropout between
// layers (nil without dropout), for resuming training exactly: see the
// package function RNGState.
func (r *recurrent[T]) RNGState() []byte {
	if r.drop == nil {
		return nil
	}
	return r.drop.RNGState()
}

// SetRNGState restores a state that RNGState returned. It returns an error,
// and changes nothing, for bytes that are not such a state, or a non-nil
// state for a layer without dropout (or the reverse).
func (r *recurrent[T]) SetRNGState(state []byte) error {
	if r.drop == nil {
		if state != nil {
			return fmt.Errorf("layers: %s: SetRNGState: a generator's state for a layer without dropout", r.kind.name())
		}
		return nil
	}
	return r.drop.SetRNGState(state)
}

// op names the layer in an error message, with its first weight's name.
func (r *recurrent[T]) op() string { return layerOp(r.kind.name(), r.weights[0].WeightIH) }

// run is the whole computation: x [L, N, in] (or [N, L, in]), the initial
// states h0 and c0 ([layers·D, N, H], nil: zeros; c0 only for LSTM) and
// the lengths (nil: every row has L steps) give the output and the final
// states.
func (r *recurrent[T]) run(x, h0, c0 *autograd.Var[T], lengths []int) (out, hn, cn *autograd.Var[T]) {
	xv := x.Value() // x.Shape() would copy
	// An empty batch (N = 0) is fine, as in torch; an empty sequence is not.
	timeAxis := 0
	if r.batchFirst {
		timeAxis = 1
	}
	if xv.Dims() != 3 || xv.Dim(2) != r.in || xv.Dim(timeAxis) == 0 {
		want := fmt.Sprintf("input must be [L N %d] with L > 0", r.in)
		if r.batchFirst {
			want = fmt.Sprintf("input must be [N L %d] with L > 0 (batch first)", r.in)
		}
		shapePanic(r.op(), want, xv.Shape())
	}
	if r.batchFirst {
		x = autograd.Permute(x, 1, 0, 2)
	}
	steps, n, hs := x.Value().Dim(0), x.Value().Dim(1), r.hidden
	states := r.layers * r.dirs
	r.checkState("h0", h0, states, n, xv)
	r.checkState("c0", c0, states, n, xv)
	masks, pad, padRows := r.stepMasks(lengths, steps, n)

	layerIn := autograd.Reshape(x, steps*n, r.in)
	var zero *autograd.Var[T] // [N H] zeros, for the states not given
	if h0 == nil || (r.kind == kindLSTM && c0 == nil) {
		zero = zeroState(layerIn, n, hs)
	}
	var hFinal, cFinal, seq joiner[T]
	var dirOut [2]*autograd.Var[T]
	for l := range r.layers {
		if padRows != nil {
			// A padded position never reaches a valid output, but its
			// values enter every step's product; zeroing them, as a packed
			// sequence that holds none would, keeps a NaN or Inf in the
			// padding from turning the gradients into NaN (0·NaN).
			layerIn = autograd.MaskedFill(layerIn, padRows, 0)
		}
		for d := range r.dirs {
			k := l*r.dirs + d
			h, c := initialState(h0, k, n, hs, zero), initialState(c0, k, n, hs, zero)
			seq = joiner[T]{reverse: d == 1}
			h, c = r.direction(&seq, r.weights[k], layerIn, h, c, zero, masks, steps, n, d == 1)
			dirOut[d] = seq.result()
			hFinal.push(0, h)
			if r.kind == kindLSTM {
				cFinal.push(0, c)
			}
		}
		out = dirOut[0]
		if r.dirs == 2 {
			out = autograd.Concat(2, dirOut[0], dirOut[1])
		}
		if r.drop != nil && l < r.layers-1 {
			out = r.drop.Forward(out)
		}
		layerIn = autograd.Reshape(out, steps*n, r.dirs*hs)
	}
	if pad != nil {
		out = autograd.MaskedFill(out, pad, 0)
	}
	if r.batchFirst {
		out = autograd.Permute(out, 1, 0, 2)
	}
	hn = hFinal.result()
	if r.kind == kindLSTM {
		cn = cFinal.result()
	}
	return out, hn, cn
}

// checkState panics unless s is nil or [states, n, H].
func (r *recurrent[T]) checkState(name string, s *autograd.Var[T], states, n int, x *tensor.Tensor[T]) {
	if s != nil && !s.Value().HasShape(states, n, r.hidden) {
		shapePanic(r.op(), fmt.Sprintf("%s must be [%d %d %d] (layers·directions, batch, hidden)", name, states, n, r.hidden), s.Shape(), x.Shape())
	}
}

// direction runs one layer in one direction over the sequence xIn
// [L·N, in] from the states h and c (which may be zero, the zero state),
// pushes each step's output to seq and returns the final states.
func (r *recurrent[T]) direction(seq *joiner[T], w RecurrentWeights[T], xIn, h, c, zero *autograd.Var[T], masks []*tensor.Mask, steps, n int, reverse bool) (hOut, cOut *autograd.Var[T]) {
	bias := w.BiasIH
	if r.kind != kindGRU && w.BiasIH != nil && w.BiasHH != nil {
		// RNN and LSTM add both biases to the same sum: b_ih + b_hh joins
		// the projection of every step at once, so that a step's product
		// h·W_hhᵀ has no bias to add, nor (in Backward) to sum over the
		// batch. GRU's reset gate multiplies b_hh's n block alone.
		// Under an Arena the sum comes from xIn's (Arena.Use: an op on
		// parameters alone would allocate).
		if ar := xIn.Arena(); ar != nil {
			bias = ar.Use(bias)
		}
		bias = autograd.Add(bias, w.BiasHH)
		w.BiasHH = nil
	}
	proj := autograd.Linear(xIn, w.WeightIH, bias) // [L·N, G·H], every step at once
	split := stepSplitter[T]{n: n, reverse: reverse}
	split.push(proj, steps)
	// A zero initial state lets the first step skip h·W_hhᵀ, except in a
	// sequence of one step whose W_hh trains: no later step would then
	// give W_hh a gradient, where PyTorch gives it zeros (and an
	// optimizer's weight decay and step count act on it).
	skip := steps > 1 || !w.WeightHH.RequiresGrad()
	for s := range steps {
		t := s
		if reverse {
			t = steps - 1 - s
		}
		xt := split.next()
		hNew, cNew := r.step(xt, h, c, w, skip && h == zero)
		seq.push(0, hNew)
		if m := maskAt(masks, t); m != nil {
			// Rows past their length keep their state: their final state
			// is the one at their last step, and the reverse direction
			// starts from h0 at each row's last element.
			hNew = autograd.Where(m, hNew, h)
			if cNew != nil {
				cNew = autograd.Where(m, cNew, c)
			}
		}
		h, c = hNew, cNew
	}
	return h, c
}

// step is one time step of the cell from the projected input xt
// (x·W_ihᵀ + b_ih, [N, G·H]): the new h, and for LSTM the new c. When h
// is zeros (hZero), RNN and LSTM skip the product h·W_hhᵀ.
func (r *recurrent[T]) step(xt, h, c *autograd.Var[T], w RecurrentWeights[T], hZero bool) (hNew, cNew *autograd.Var[T]) {
	if r.kind == kindGRU {
		// GRUCellState takes gh whole, [N, 3H]: no shortcut.
		return gruStep(xt, autograd.Linear(h, w.WeightHH, w.BiasHH), h), nil
	}
	var pre *autograd.Var[T]
	switch {
	case !hZero:
		pre = autograd.Add(xt, autograd.Linear(h, w.WeightHH, w.BiasHH))
	case w.BiasHH != nil:
		pre = autograd.Add(xt, w.BiasHH)
	default:
		pre = xt
	}
	if r.kind == kindLSTM {
		return lstmStep(pre, c)
	}
	return rnnStep(r.act, pre), nil
}

// initialState returns state k of s ([layers·D, N, H]) as [N, H], or zero
// when s is nil.
func initialState[T Float](s *autograd.Var[T], k, n, hs int, zero *autograd.Var[T]) *autograd.Var[T] {
	if s == nil {
		return zero
	}
	return autograd.Reshape(autograd.Slice(s, autograd.Range{Start: k, Stop: k + 1, Step: 1}), n, hs)
}

// zeroState returns zeros [n, hs] made from x [rows ≥ n, in] by cropping
// it away and padding with 0: the result comes from x's Arena, so that a
// step under an Arena allocates nothing for its zero initial states.
func zeroState[T Float](x *autograd.Var[T], n, hs int) *autograd.Var[T] {
	xs := x.Value()
	return autograd.Pad(x, [][2]int{{0, n - xs.Dim(0)}, {-xs.Dim(1), hs}}, 0)
}

// stepMasks checks lengths (one per batch row, each in [1, steps]) and
// returns, for each time step t at which some row has ended, the mask
// [N, 1] of the rows still running (t < length), nil at the other steps,
// and the mask [L, N, 1] of the padded positions (t ≥ length), also as
// padRows [L·N, 1]. All are nil when lengths is nil or every row has all
// the steps. The masks of the previous call are reused when its lengths and
// steps were the same.
func (r *recurrent[T]) stepMasks(lengths []int, steps, n int) (masks []*tensor.Mask, pad, padRows *tensor.Mask) {
	if lengths == nil {
		return nil, nil, nil
	}
	if len(lengths) != n {
		argPanic(r.op(), "len(lengths)", len(lengths), fmt.Sprintf("must be the batch size %d", n))
	}
	shortest := steps
	for i, l := range lengths {
		if l < 1 || l > steps {
			argPanic(r.op(), "lengths["+strconv.Itoa(i)+"]", l, fmt.Sprintf("must be in [1, %d] (the sequence length)", steps))
		}
		shortest = min(shortest, l)
	}
	if shortest == steps {
		return nil, nil, nil
	}
	if last := r.lastMasks.Load(); last != nil && last.steps == steps && slices.Equal(last.lengths, lengths) {
		return last.masks, last.pad, last.padRows
	}
	masks = make([]*tensor.Mask, steps)
	padded := make([]bool, steps*n)
	for t := shortest; t < steps; t++ {
		keep := make([]bool, n)
		for b, l := range lengths {
			keep[b] = t < l
			padded[t*n+b] = t >= l
		}
		masks[t] = tensor.MustMask(keep, n, 1)
	}
	pad = tensor.MustMask(padded, steps, n, 1)
	padRows = tensor.MustMask(padded, steps*n, 1)
	r.lastMasks.Store(&lengthMasks{lengths: slices.Clone(lengths), steps: steps, masks: masks, pad: pad, padRows: padRows})
	return masks, pad, padRows
}

// maskAt returns masks[t], or nil when masks is nil.
func maskAt(masks []*tensor.Mask, t int) *tensor.Mask {
	if masks == nil {
		return nil
	}
	return masks[t]
}
