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

// treeSum adds the micro-batch slots together in the one fixed order of
// the package, element by element over [lo, hi): a pairwise tree over the
// slot index, slots[i] += slots[i+s] for s = 1, 2, 4, ... and i a multiple
// of 2s, so that the total ends in slots[0]. Every element's sum depends
// only on the slots' values and their count, never on who computed a slot
// or which reducer owns the element: that is what makes the result the
// same bits for any number of workers or ranks. It overwrites the slots.
//
// It goes through the elements in blocks of treeBlock, running the whole
// tree on a block while the block's slots are in the L1 cache, so that
// each slot is read from memory once rather than once per level.
//
// fused[j] marks an odd j whose first-level addition slots[j-1] +=
// slots[j] was already made when micro-batch j was computed (by the worker
// that computed j-1 just before, adding into slot j-1 instead of writing
// slot j): treeSum skips it.
func treeSum[T tensor.Float](slots [][]T, fused []bool, lo, hi int) {
	for b := lo; b < hi; b += treeBlock {
		e := min(b+treeBlock, hi)
		for s := 1; s < len(slots); s *= 2 {
			for i := 0; i+s < len(slots); i += 2 * s {
				if s == 1 && fused[i+1] {
					continue
				}
				addTo(slots[i][b:e], slots[i+s][b:e])
			}
		}
	}
}

// addTo adds src to dst element by element (one rounding each), four at a
// time.
func addTo[T tensor.Float](dst, src []T) {
	src = src[:len(dst)]
	k := 0
	for ; k+4 <= len(dst); k += 4 {
		d, s := dst[k:k+4:k+4], src[k:k+4:k+4]
		d[0] += s[0]
		d[1] += s[1]
		d[2] += s[2]
		d[3] += s[3]
	}
	for ; k < len(dst); k++ {
		dst[k] += src[k]
	}
}

// treeBlock is how many elements of every slot treeSum sums at a time:
// 8 slots of 512 float64 are 32 KiB, within a core's L1 data cache.
const treeBlock = 512

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

// fusedPairs returns fused for treeSum: the odd micro-batches j whose
// left neighbour j-1 is computed by the same worker or rank, owns being
// every worker's (or rank's) consecutive micro-batches.
func fusedPairs(micro int, owns []span) []bool {
	fused := make([]bool, micro)
	for _, o := range owns {
		for j := o.lo + 1; j < o.hi; j++ {
			if j%2 == 1 {
				fused[j] = true
			}
		}
	}
	return fused
}
