package parallel

import "github.com/adjoint-go/adjoint/tensor"

// span is a half-open range [lo, hi) of rows, micro-batches or elements.
type span struct{ lo, hi int }

func (s span) len() int { return s.hi - s.lo }

// split divides n items into k consecutive parts whose sizes differ by at
// most one, the larger ones first: part i has ⌈n/k⌉ items for i < n mod k
// and ⌊n/k⌋ after. It is how a batch's rows are divided into micro-batches,
// micro-batches among workers, and a gradient's elements among reducers.
func split(n, k, i int) span {
	q, r := n/k, n%k
	lo := i*q + min(i, r)
	hi := lo + q
	if i < r {
		hi++
	}
	return span{lo, hi}
}

// The micro-batch slots are added together in the one fixed order of the
// package, element by element: a pairwise tree over the slot index,
// slots[i] += slots[i+s] for s = 1, 2, 4, ... and i a multiple of 2s, so
// that the total ends in slots[0]. Every element's sum depends only on the
// slots' values and their count, never on who computed a slot or which
// reducer owns the element: that is what makes the result the same bits
// for any number of workers or ranks.
//
// An addition whose whole block of micro-batches, [i, i+2s), is computed by
// one worker (or rank) is made by that worker right after it computes the
// block's last micro-batch, while the data is in its caches (and at the
// first level without writing slot i+1 at all: the gradient is added
// straight into slot i). reach[i] records it: the additions into slot i
// with s < reach[i] are made that way, the others by treeSum, so reach[i]
// is 1 when none is. The order of the additions is the tree's either way.

// localReach returns reach for micro-batches owned as owns says (each
// worker's or rank's consecutive micro-batches), without the additions at
// s >= limit.
func localReach(micro int, owns []span, limit int) []int {
	owner := make([]int, micro)
	for w, o := range owns {
		for j := o.lo; j < o.hi; j++ {
			owner[j] = w
		}
	}
	reach := make([]int, micro)
	for i := range reach {
		reach[i] = 1
		for s := 1; i%(2*s) == 0 && i+s < micro && s < limit; s *= 2 {
			if owner[min(i+2*s, micro)-1] != owner[i] {
				break
			}
			reach[i] = 2 * s
		}
	}
	return reach
}

// topLevel returns the s of the tree's last addition, slots[0] +=
// slots[s] (the largest power of two below micro), or 0 for one slot.
func topLevel(micro int) int {
	s := 0
	for t := 1; t < micro; t *= 2 {
		s = t
	}
	return s
}

// blocks views slots (of equal lengths) as tensors of blockLen elements
// (the last one shorter), built once, so that treeSum adds them with
// tensor.AddInto's vectorized loop without making a tensor per addition.
type blocks[T tensor.Float] struct {
	n     int                   // elements per slot
	views [][]*tensor.Tensor[T] // views[i][b]: block b of slot i
}

const blockLen = 4096

func newBlocks[T tensor.Float](slots [][]T) *blocks[T] {
	bs := &blocks[T]{views: make([][]*tensor.Tensor[T], len(slots))}
	if len(slots) > 0 {
		bs.n = len(slots[0])
	}
	for i, s := range slots {
		for lo := 0; lo < len(s); lo += blockLen {
			bs.views[i] = append(bs.views[i], view(s[lo:min(lo+blockLen, len(s))]))
		}
	}
	return bs
}

// view is a 1-D tensor on s, sharing its memory.
func view[T tensor.Float](s []T, shape ...int) *tensor.Tensor[T] {
	if shape == nil {
		shape = []int{len(s)}
	}
	return tensor.MustNew(s, shape...)
}

// treeSum makes the tree's additions that reach leaves to it, those with
// reach[i] <= s < limit, on blocks [lo, hi) of every slot, whole tree one
// block at a time so that each block of a slot is read from memory once
// rather than once per level.
func treeSum[T tensor.Float](bs *blocks[T], reach []int, lo, hi, limit int) {
	n := len(bs.views)
	for b := lo; b < hi; b++ {
		for s := 1; s < n && s < limit; s *= 2 {
			for i := 0; i+s < n; i += 2 * s {
				if s < reach[i] {
					continue
				}
				d := bs.views[i][b]
				tensor.AddInto(d, d, bs.views[i+s][b])
			}
		}
	}
}

// numBlocks is how many blocks of blockLen n elements make.
func numBlocks(n int) int { return (n + blockLen - 1) / blockLen }

// mix is SplitMix64's finalizer: it turns consecutive or structured inputs
// into well-spread 64-bit seeds.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// microSeed is the seed of the random layers (Reseeder) for micro-batch mb
// of step step, for the layer that comes k-th in the model: a function of
// these numbers only, never of the worker.
func microSeed(seed uint64, step, mb, k int) uint64 {
	return mix(mix(mix(seed^0x70617261)+uint64(step)) + uint64(mb)<<20 + uint64(k))
}
