package tensor

import "fmt"

// This file holds ScatterReduce, torch.scatter_reduce, and the weights of
// its derivative, on the offsets of index_offsets.go.

// ScatterReduceWork returns the number of ints of work space that
// ScatterReduceInto and ScatterReduceWeights need for an input of n elements
// and m scattered ones.
func ScatterReduceWork(n, m int) int { return n + 1 + m }

// idxGroups sorts the pairs by destination (a counting sort, stable): on
// return, the pairs writing to element i are order[start[i]:start[i+1]],
// in their original order. work has ScatterReduceWork(n, len(xo)) ints.
func idxGroups(work []int, n int, xo []int) (start, order []int) {
	start, order = work[:n+1], work[n+1:n+1+len(xo)]
	clear(start)
	for _, i := range xo {
		start[i+1]++
	}
	for i := range n {
		start[i+1] += start[i]
	}
	for p, i := range xo {
		order[start[i]] = p
		start[i]++
	}
	for i := n; i > 0; i-- {
		start[i] = start[i-1]
	}
	start[0] = 0
	return start, order
}

// ScatterReduceCheck panics with a *ShapeError naming op unless reduce is
// one of "sum", "prod", "mean", "amax" and "amin".
func ScatterReduceCheck(op, reduce string) {
	switch reduce {
	case "sum", "prod", "mean", "amax", "amin":
	default:
		panic(shapeErr(op, fmt.Sprintf("unknown reduction %q: want sum, prod, mean, amax or amin", reduce)))
	}
}

// scatterReduceOffsets panics with a *ShapeError naming op unless every
// offset of xo is inside x and every offset of so inside src.
func scatterReduceOffsets[T Float](op string, x, src *Tensor[T], xo, so []int) {
	for p, i := range xo {
		if i < 0 || i >= len(x.data) {
			panic(shapeErr(op, fmt.Sprintf("offset xo[%d] = %d outside the %d elements of x", p, i, len(x.data)), x.shape, src.shape))
		}
		if j := so[p]; j < 0 || j >= len(src.data) {
			panic(shapeErr(op, fmt.Sprintf("offset so[%d] = %d outside the %d elements of src", p, j, len(src.data)), x.shape, src.shape))
		}
	}
}

// idxSame reports whether a and b are equal or both NaN: a NaN maximum is
// attained by the NaN members.
func idxSame[T Float](a, b T) bool { return a == b || a != a && b != b }

// ScatterReduceInto sets dst (of x's shape) to x with the elements
// src[so[p]] reduced into position xo[p] (flat offsets, as AxisOffsets and
// BoxOffsets give them) with reduce, as torch.scatter_reduce: each element
// that some pair writes to becomes the reduction of its pairs' values, in
// order, and of its own value when includeSelf; the others keep x's value.
// "mean" divides by the number of values reduced; "amax" and "amin"
// propagate NaN. work has ScatterReduceWork(x.Len(), len(xo)) ints. dst
// may be x, not src. It panics with a *ShapeError for an unknown
// reduction, shapes that do not fit, an offset outside x or src, or a dst
// that shares memory with src or overlaps x without being it.
func ScatterReduceInto[T Float](dst, x, src *Tensor[T], xo, so []int, reduce string, includeSelf bool, work []int) {
	const op = "ScatterReduceInto"
	noOverlap(op, dst, src)
	sameOrApartInto(op, dst, x) // dst may be x: element i is read before it is written
	ScatterReduceCheck(op, reduce)
	if !SameShape(dst.shape, x.shape) || len(xo) != len(so) || len(work) < ScatterReduceWork(len(x.data), len(xo)) {
		panic(shapeErr(op, "destination, offsets or work space do not fit", x.shape, dst.shape, src.shape))
	}
	scatterReduceOffsets(op, x, src, xo, so)
	start, order := idxGroups(work, len(x.data), xo)
	copy(dst.data, x.data)
	s := src.data
	for i := range x.data {
		ps := order[start[i]:start[i+1]]
		if len(ps) == 0 {
			continue
		}
		acc, k := x.data[i], 0
		if !includeSelf {
			acc, k = s[so[ps[0]]], 1
		}
		for _, p := range ps[k:] {
			v := s[so[p]]
			switch reduce {
			case "sum", "mean":
				acc += v
			case "prod":
				acc *= v
			case "amax":
				if v > acc || v != v {
					acc = v
				}
			case "amin":
				if v < acc || v != v {
					acc = v
				}
			}
			if acc != acc && (reduce == "amax" || reduce == "amin") {
				break
			}
		}
		if reduce == "mean" {
			c := len(ps)
			if includeSelf {
				c++
			}
			acc /= T(c)
		}
		dst.data[i] = acc
	}
}

// ScatterReduceWeights writes the partial derivatives of ScatterReduceInto's
// result out (computed from x, src, xo, so) into wx, one per element of x
// (d out[i] / d x[i]), and wsrc, one per pair p (d out[xo[p]] / d
// src[so[p]]), as PyTorch defines them:
//
//	sum:       1 for x (0 where pairs write and not includeSelf), 1 for src
//	mean:      1/count where pairs write (x only when includeSelf), 1 for x elsewhere
//	prod:      the product of the other values reduced into the element
//	amax/amin: 1/ties for each value equal to the result (the gradient is
//	           split evenly among ties, as torch does), 0 for the others
//
// An element no pair writes to has weight 1 for x. work is as for
// ScatterReduceInto. It panics with a *ShapeError for an unknown reduction,
// shapes that do not fit, an offset outside x or src, or weights that
// share memory with each other or with x, src or out.
func ScatterReduceWeights[T Float](wx, wsrc []T, x, src, out *Tensor[T], xo, so []int, reduce string, includeSelf bool, work []int) {
	const op = "ScatterReduceWeights"
	ScatterReduceCheck(op, reduce)
	if len(wx) != len(x.data) || len(wsrc) != len(xo) || len(xo) != len(so) || len(work) < ScatterReduceWork(len(x.data), len(xo)) ||
		!SameShape(out.shape, x.shape) {
		panic(shapeErr(op, "weights, result, offsets or work space do not fit", x.shape, src.shape, out.shape))
	}
	shared := overlaps(wx, wsrc)
	for _, w := range [2][]T{wx, wsrc} {
		shared = shared || overlaps(w, x.data) || overlaps(w, src.data) || overlaps(w, out.data)
	}
	if shared {
		panic(shapeErr(op, "weights share memory with each other or with x, src or out", x.shape, src.shape, out.shape))
	}
	scatterReduceOffsets(op, x, src, xo, so)
	start, order := idxGroups(work, len(x.data), xo)
	s := src.data
	for i, xv := range x.data {
		ps := order[start[i]:start[i+1]]
		wx[i] = 1
		if len(ps) == 0 {
			continue
		}
		if !includeSelf {
			wx[i] = 0
		}
		switch reduce {
		case "sum":
			for _, p := range ps {
				wsrc[p] = 1
			}
		case "mean":
			c := len(ps)
			if includeSelf {
				c++
			}
			w := 1 / T(c)
			if includeSelf {
				wx[i] = w
			}
			for _, p := range ps {
				wsrc[p] = w
			}
		case "prod":
			// Exclusive products, by a forward pass of prefix products and
			// a backward pass of suffix products: exact with zeros.
			pre := T(1)
			if includeSelf {
				pre = xv
			}
			for _, p := range ps {
				wsrc[p] = pre
				pre *= s[so[p]]
			}
			suf := T(1)
			for k := len(ps) - 1; k >= 0; k-- {
				p := ps[k]
				wsrc[p] *= suf
				suf *= s[so[p]]
			}
			if includeSelf {
				wx[i] = suf
			}
		case "amax", "amin":
			r := out.data[i]
			ties := 0
			if includeSelf && idxSame(xv, r) {
				ties++
			}
			for _, p := range ps {
				if idxSame(s[so[p]], r) {
					ties++
				}
			}
			w := 1 / T(max(ties, 1))
			if includeSelf {
				wx[i] = 0
				if idxSame(xv, r) {
					wx[i] = w
				}
			}
			for _, p := range ps {
				wsrc[p] = 0
				if idxSame(s[so[p]], r) {
					wsrc[p] = w
				}
			}
		}
	}
}

// ScatterReduce returns x with src's elements reduced into the positions
// index holds along axis, as torch.scatter_reduce(x, axis, index, src,
// reduce, include_self=includeSelf): reduce is "sum", "prod", "mean",
// "amax" or "amin" (see ScatterReduceInto). It panics with a *ShapeError as
// Scatter does, or for an unknown reduction.
func ScatterReduce[T Float](x *Tensor[T], axis int, index *Index, src *Tensor[T], reduce string, includeSelf bool) *Tensor[T] {
	ScatterReduceCheck("ScatterReduce", reduce)
	xo, so := scatterOffsets("ScatterReduce", x, axis, index, src)
	out := Zeros[T](x.shape...)
	ScatterReduceInto(out, x, src, xo, so, reduce, includeSelf, make([]int, ScatterReduceWork(len(x.data), len(xo))))
	return out
}
