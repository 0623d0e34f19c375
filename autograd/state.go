package autograd

// An operation whose derivative needs more than its inputs and output (its
// options, integer arguments, tensors saved by the forward pass) declares
// them as the fields of a struct of its own, its state, and keeps a pointer
// to it in its node as the node's derivative: the state type is also the
// type whose methods are the op's backward and vjp. Under an Arena the
// states are reused step after step like tensors and nodes, so that an op
// with parameters allocates nothing in a steady state.

// stateSlot numbers the state types, so that an Arena keeps one pool per
// type in an array rather than a map. Each state type returns its own slot
// from its slot method; add a constant here for a new one.
type stateSlot int

const (
	slotScale stateSlot = iota
	slotPointwise
	slotCrossEntropy
	// Convolution, pooling, indexing and shape ops:
	slotConv2D
	slotConv2DGrad
	slotPool
	slotIndexSelect
	slotPermute
	slotSlice
	slotPad
	slotStack
	slotSplit
	slotSplitGroup
	slotReshape
	slotEmbedding

	// Reductions, softmax, normalization, losses, binary ops:
	slotSoftmax
	slotReduceAxes
	slotExtremum
	slotLogSumExp
	slotVariance
	slotLayerNorm
	slotLoss
	slotNLL
	slotWhere

	// The newer families, a section each (one line per state type):
	// binary and compare:
	slotMask // not a state: the Arena's pool of masks (mask.go)
	slotMaskedFill

	// cumulative and sorting:
	slotReorder
	slotCumprod
	slotLogCumSumExp
	slotProd
	slotArgsort // not an op's state: Argsort's Index under an Arena

	// indexing:
	slotIndex
	slotScatterProd

	// linear algebra:
	slotEinsum
	slotNorm

	// convolution:
	slotConvTranspose
	slotConvTransposeGrad

	// pooling, resampling and padding:
	slotResample
	slotPadMap

	// losses:
	slotCrossEntropyWith
	slotLossWith
	slotKLDiv
	slotMarginRanking
	slotCosineSimilarity

	// attention:
	slotAttention

	// norms:
	slotBatchNorm
	slotGroupNorm
	slotRMSNorm

	// recurrent:
	slotLSTMState
	slotLSTMOutput
	slotGRUState

	// dropout:
	slotDropout

	// indices:
	slotInts // not a state: the Arena's pool of index slices (Argmax, Argmin; minmax.go)

	// custom ops:
	slotFunction

	// checkpointing:
	slotCheckpointArgs // not a state: Checkpoint's argument slices under an inference Arena (checkpoint.go)

	numStateSlots // keep last
)

// stateType is the constraint of newState: a pointer to a state struct S
// that names its slot. The slot method must not read its receiver (it is
// called on a nil pointer).
type stateType[S any] interface {
	*S
	slot() stateSlot
}

// newState returns a zeroed state of type S for an op's node: the arena's
// next one of that type, or a new one when ar is nil.
func newState[S any, P stateType[S], T Float](ar *Arena[T]) P {
	if ar == nil {
		return P(new(S))
	}
	k := P(nil).slot()
	pool, _ := ar.states[k].(*statePool[S])
	if pool == nil {
		pool = new(statePool[S])
		ar.states[k] = pool
	}
	if pool.n == len(pool.items) {
		pool.items = append(pool.items, new(S))
	}
	s := pool.items[pool.n]
	pool.n++
	var zero S
	*s = zero
	return P(s)
}

// statePool is an Arena's pool of one state type.
type statePool[S any] struct {
	items []*S
	n     int // how many are handed out this step
}

func (p *statePool[S]) reset() { p.n = 0 }

// resetter is what an Arena needs of a pool at Reset.
type resetter interface{ reset() }

// needsGrad reports whether any of inputs requires a gradient and none
// comes from an inference Arena, that is, whether an op on them records a
// node (and so needs its state).
func needsGrad[T Float](inputs ...*Var[T]) bool {
	req := false
	for _, in := range inputs {
		if in.arena != nil && in.arena.noGrad {
			return false
		}
		req = req || in.requiresGrad
	}
	return req
}
