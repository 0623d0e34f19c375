package tensor

import "fmt"

// This file holds sorting along an axis: a stable argsort kernel that
// allocates nothing given its scratch, and Sort, Argsort and TopK on top of
// it.

// sortBefore reports whether a sorts strictly before b: in ascending order
// a < b, NaN last; descending a > b, NaN first (PyTorch's order, where NaN
// is larger than every number).
func sortBefore[T Float](a, b T, descending bool) bool {
	if descending {
		return a > b || (a != a && b == b)
	}
	return a < b || (b != b && a == a)
}

// ArgsortInto sets idx, of x's length and layout, to the positions along
// axis that sort each slice of x along axis: idx[..., i, ...] is the
// position of the slice's i-th smallest (largest when descending) element.
// The sort is stable: equal elements keep their order, so ties go to the
// lower position first in both directions. NaN sorts as larger than every
// number (last ascending, first descending), as in PyTorch. scratch must
// hold at least twice the length of the axis, apart from idx; nothing is
// allocated. It panics with a *ShapeError for an axis out of range, an idx
// or scratch that is too short, or an idx and scratch that share memory.
func ArgsortInto[T Float](idx []int, x *Tensor[T], axis int, descending bool, scratch []int) {
	const op = "ArgsortInto"
	_, outer, n, inner := alongAxis(op, x.shape, axis)
	if len(idx) != len(x.data) {
		panic(shapeErr(op, fmt.Sprintf("%d indices for %d elements", len(idx), len(x.data)), x.shape))
	}
	if len(scratch) < 2*n {
		panic(shapeErr(op, fmt.Sprintf("scratch of %d ints, want %d", len(scratch), 2*n), x.shape))
	}
	if overlaps(idx, scratch[:2*n]) {
		panic(shapeErr(op, "idx and scratch share memory", x.shape))
	}
	xd := x.data
	// float32 takes a radix sort of keys packed with positions: the same
	// positions, without the comparisons (sort_radix.go).
	if x32, ok := any(xd).([]float32); ok && radixable(n) {
		argsortRadix32(idx, x32, outer, n, inner, descending, scratch)
		return
	}
	perm, tmp := scratch[:n], scratch[n:2*n]
	for o := range outer {
		for k := range inner {
			base := o*n*inner + k
			for i := range perm {
				perm[i] = i
			}
			mergeSortAlong(perm, tmp, xd, base, inner, descending)
			for i, p := range perm {
				idx[base+i*inner] = p
			}
		}
	}
}

// ArgTopKInto sets idx, of x's shape with k along axis, to the positions
// along axis of the k largest elements of each slice of x (the k smallest
// unless largest), in sorted order: the first k positions of ArgsortInto
// with descending = largest (so ties go to the lower position, and NaN is
// the largest), found without sorting the whole slice: a heap of the k
// best seen, O(n log k) for a slice of n, which for k much smaller than n
// (a language model's top-k of its vocabulary) is nearly one pass. scratch
// must hold at least k ints, apart from idx; nothing is allocated. It
// panics with a *ShapeError for an axis out of range, k outside [0, n], an
// idx of the wrong length, or a scratch that is too short or shares memory
// with idx.
func ArgTopKInto[T Float](idx []int, x *Tensor[T], k, axis int, largest bool, scratch []int) {
	const op = "ArgTopKInto"
	_, outer, n, inner := alongAxis(op, x.shape, axis)
	switch {
	case k < 0 || k > n:
		panic(shapeErr(op, fmt.Sprintf("k %d outside [0, %d]", k, n), x.shape))
	case len(idx) != outer*k*inner:
		panic(shapeErr(op, fmt.Sprintf("%d indices for %d slices of %d", len(idx), outer*inner, k), x.shape))
	case len(scratch) < k:
		panic(shapeErr(op, fmt.Sprintf("scratch of %d ints, want %d", len(scratch), k), x.shape))
	case k > 0 && overlaps(idx, scratch[:k]):
		panic(shapeErr(op, "idx and scratch share memory", x.shape))
	}
	if k == 0 {
		return
	}
	h := topHeap[T]{pos: scratch[:k], x: x.data, stride: inner, desc: largest}
	for o := range outer {
		for j := range inner {
			h.base = o*n*inner + j
			for i := range h.pos {
				h.pos[i] = i
			}
			for i := k/2 - 1; i >= 0; i-- {
				h.down(i, k)
			}
			for p := k; p < n; p++ {
				// p comes after every position in the heap, so it displaces
				// the worst only when strictly before it.
				if sortBefore(h.key(p), h.key(h.pos[0]), largest) {
					h.pos[0] = p
					h.down(0, k)
				}
			}
			for end := k - 1; end > 0; end-- { // heapsort: the worst to the back
				h.pos[0], h.pos[end] = h.pos[end], h.pos[0]
				h.down(0, end)
			}
			out := o*k*inner + j
			for i, p := range h.pos {
				idx[out+i*inner] = p
			}
		}
	}
}

// topHeap is ArgTopKInto's heap of positions along one slice of x (the
// element of position p is x[base+p·stride]), the worst at the root: the
// one that comes last in the sorted order (ties: the higher position).
type topHeap[T Float] struct {
	pos          []int
	x            []T
	base, stride int
	desc         bool
}

func (h *topHeap[T]) key(p int) T { return h.x[h.base+p*h.stride] }

// after reports whether position p comes after q in the sorted order.
func (h *topHeap[T]) after(p, q int) bool {
	a, b := h.key(p), h.key(q)
	return sortBefore(b, a, h.desc) || !sortBefore(a, b, h.desc) && p > q
}

// down restores the heap below i within pos[:n].
func (h *topHeap[T]) down(i, n int) {
	for {
		c := 2*i + 1
		if c >= n {
			return
		}
		if c+1 < n && h.after(h.pos[c+1], h.pos[c]) {
			c++
		}
		if !h.after(h.pos[c], h.pos[i]) {
			return
		}
		h.pos[i], h.pos[c] = h.pos[c], h.pos[i]
		i = c
	}
}

// mergeSortAlong sorts perm (positions along an axis; the element of
// position p is x[base+p·stride]) stably, bottom-up, through tmp: runs of 8
// by insertion, then merges of doubling width.
func mergeSortAlong[T Float](perm, tmp []int, x []T, base, stride int, desc bool) {
	n := len(perm)
	key := func(p int) T { return x[base+p*stride] }
	const run = 8
	for lo := 0; lo < n; lo += run {
		hi := min(lo+run, n)
		for i := lo + 1; i < hi; i++ {
			p := perm[i]
			v := key(p)
			j := i
			for ; j > lo && sortBefore(v, key(perm[j-1]), desc); j-- {
				perm[j] = perm[j-1]
			}
			perm[j] = p
		}
	}
	src, dst := perm, tmp
	for w := run; w < n; w *= 2 {
		for lo := 0; lo < n; lo += 2 * w {
			mid, hi := min(lo+w, n), min(lo+2*w, n)
			i, j, o := lo, mid, lo
			for i < mid && j < hi {
				// The right element goes first only when strictly before:
				// equal elements keep their order.
				if sortBefore(key(src[j]), key(src[i]), desc) {
					dst[o] = src[j]
					j++
				} else {
					dst[o] = src[i]
					i++
				}
				o++
			}
			o += copy(dst[o:], src[i:mid])
			copy(dst[o:], src[j:hi])
		}
		src, dst = dst, src
	}
	if n > 0 && &src[0] != &perm[0] {
		copy(perm, src)
	}
}

// Argsort returns the positions that sort x along axis (see ArgsortInto:
// stable, NaN as the largest), as an Index of x's shape.
func Argsort[T Float](x *Tensor[T], axis int, descending bool) *Index {
	_, _, n, _ := alongAxis("Argsort", x.shape, axis)
	idx := make([]int, len(x.data))
	ArgsortInto(idx, x, axis, descending, make([]int, 2*n))
	return &Index{data: idx, shape: append([]int{}, x.shape...)}
}

// GatherAlongInto sets dst[..., i, ...] = x[..., idx[..., i, ...], ...]
// along axis: dst and idx have x's shape except along axis, where they
// may have any length m (Sort takes all of an argsort, TopK its first k).
// It panics with a *ShapeError when the shapes disagree, an index is out
// of range, or dst shares memory with x.
func GatherAlongInto[T Float](dst *Tensor[T], x *Tensor[T], idx []int, axis int) {
	noOverlap("GatherAlongInto", dst, x)
	alongMove("GatherAlongInto", dst, x, idx, axis, false)
}

// ScatterAddAlongInto adds src[..., i, ...] into dst[..., idx[..., i, ...],
// ...] along axis, in order (the adjoint of GatherAlongInto): src and idx
// have dst's shape except along axis. It panics as GatherAlongInto does,
// also when dst shares memory with src.
func ScatterAddAlongInto[T Float](dst *Tensor[T], src *Tensor[T], idx []int, axis int) {
	noOverlap("ScatterAddAlongInto", dst, src)
	alongMove("ScatterAddAlongInto", src, dst, idx, axis, true)
}

// alongMove is GatherAlongInto (part[..., i, ...] = whole[..., idx, ...])
// and, when scatter, ScatterAddAlongInto (whole[..., idx, ...] +=
// part[..., i, ...]): part and idx have whole's shape except along axis.
// It walks part a row of inner elements at a time, within the block of
// whole the row selects from.
func alongMove[T Float](op string, part, whole *Tensor[T], idx []int, axis int, scatter bool) {
	ax, outer, n, inner := alongAxis(op, whole.shape, axis)
	m := alongCheck(op, part.shape, whole.shape, ax, len(idx))
	pd, wd := part.data, whole.data
	for o := range outer {
		w := wd[o*n*inner : (o+1)*n*inner]
		for i := range m {
			row := (o*m + i) * inner
			ir, pr := idx[row:row+inner], pd[row:row+inner]
			for _, p := range ir {
				if uint(p) >= uint(n) {
					panic(shapeErr(op, fmt.Sprintf("index %d out of range for an axis of %d", p, n), whole.shape))
				}
			}
			if scatter {
				for k, p := range ir {
					w[p*inner+k] += pr[k]
				}
			} else {
				for k, p := range ir {
					pr[k] = w[p*inner+k]
				}
			}
		}
	}
}

// alongCheck checks that part has whole's shape except along ax and that
// there is one index per element of part, and returns part's length along
// ax.
func alongCheck(op string, part, whole []int, ax, nidx int) int {
	ok := len(part) == len(whole) || (len(whole) == 0 && len(part) <= 1)
	n := 1
	for i := range part {
		n *= part[i]
		ok = ok && (i == ax || (i < len(whole) && part[i] == whole[i]))
	}
	if !ok || n != nidx {
		panic(shapeErr(op, fmt.Sprintf("shapes differ other than along axis %d, or %d indices", ax, nidx), whole, part))
	}
	if len(part) == 0 {
		return 1
	}
	return part[ax]
}

// Sort returns x sorted along axis, ascending or descending, and the
// positions the values come from (see ArgsortInto: stable, NaN as the
// largest).
func Sort[T Float](x *Tensor[T], axis int, descending bool) (*Tensor[T], *Index) {
	idx := Argsort(x, axis, descending)
	out := Zeros[T](x.shape...)
	GatherAlongInto(out, x, idx.data, axis)
	return out, idx
}
