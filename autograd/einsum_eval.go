package autograd

import (
	"fmt"
	"math/bits"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file evaluates an einSpec on plain tensors: Einsum's forward pass
// and its fused derivative. Two kernels do all the work: einMove, a strided
// copy that takes diagonals, sums labels away, permutes and broadcasts in
// one sweep, and tensor.BatchGemmFlat, the product of two operands laid out
// as [batch m k]·[batch k n]. Neither allocates; temporaries come from the
// Arena.

// labelSet is a set of labels, one bit per label.
type labelSet = uint64

// einEval computes the spec on the operands xs into dst (overwritten),
// whose shape is the output term's: the label sizes of the operands, or,
// for a spec of a derivative, the shape of the operand whose gradient it
// is. Temporaries come from ar (allocated when it is nil).
func einEval[T Float](ar *Arena[T], sp *einSpec, xs []*tensor.Tensor[T], dst *tensor.Tensor[T]) {
	var sz [einLabels]int
	einSizes(sp, xs, dst, &sz)
	if sp.n == 1 {
		einMove(dst, &sp.out, xs[0], &sp.in[0], &sz)
		return
	}
	// keep[j]: the labels still needed after contracting operand j in.
	var keep [einMaxOps]labelSet
	need := einEff(&sp.out, dst, &sz)
	for j := sp.n - 1; j >= 0; j-- {
		keep[j] = need
		need |= einEff(&sp.in[j], xs[j], &sz)
	}
	cur, tc := xs[0], sp.in[0]
	for j := 1; j < sp.n; j++ {
		var d *tensor.Tensor[T]
		if j == sp.n-1 {
			d = dst
		}
		var done bool
		cur, tc, done = einPair(ar, cur, &tc, xs[j], &sp.in[j], keep[j], &sz, d, &sp.out)
		if done {
			return
		}
	}
	einMove(dst, &sp.out, cur, &tc, &sz)
}

// einSizes sets each label's size: the broadcast of the sizes of its axes
// in the operands and in dst (1 against anything; the spec is valid).
func einSizes[T Float](sp *einSpec, xs []*tensor.Tensor[T], dst *tensor.Tensor[T], sz *[einLabels]int) {
	for i := range sz {
		sz[i] = -1
	}
	set := func(t *einTerm, x *tensor.Tensor[T]) {
		for a, l := range t.labels() {
			if s := sz[l]; s == -1 || s == 1 {
				sz[l] = x.Dim(a)
			}
		}
	}
	for i := range sp.n {
		set(&sp.in[i], xs[i])
	}
	set(&sp.out, dst)
}

// einEff returns the labels that x, of term t, has in full: those of its
// axes whose size is the label's (an axis of size 1 against a larger size
// is broadcast, or summed into, and does not count).
func einEff[T Float](t *einTerm, x *tensor.Tensor[T], sz *[einLabels]int) labelSet {
	var s labelSet
	for a, l := range t.labels() {
		if x.Dim(a) == sz[l] {
			s |= 1 << l
		}
	}
	return s
}

// einPlain reports whether x, of term t, is laid out in memory as a dense
// row-major array over the labels of order, so that it can be used as
// such without a copy: its axes of size above 1 carry, in order, exactly
// the labels of order of size above 1 (no diagonal, no label to sum).
func einPlain[T Float](t *einTerm, x *tensor.Tensor[T], order *einTerm, sz *[einLabels]int) bool {
	j := 0
	ol := order.labels()
	for a, l := range t.labels() {
		if x.Dim(a) == 1 {
			continue
		}
		for j < len(ol) && sz[ol[j]] == 1 {
			j++
		}
		if j == len(ol) || ol[j] != l {
			return false
		}
		j++
	}
	for ; j < len(ol); j++ {
		if sz[ol[j]] != 1 {
			return false
		}
	}
	return true
}

// einPair contracts a (term ta) with b (term tb) into a result whose
// labels are the batch labels (in both and in keep), then a's other kept
// labels, then b's; the labels of both not in keep are summed by the
// product, those of one only not in keep before it. When dst (of term
// tdst) is given and is laid out as that result, the product is written
// there and done is true; otherwise the result is a new tensor of the
// arena, with its term.
func einPair[T Float](ar *Arena[T], a *tensor.Tensor[T], ta *einTerm, b *tensor.Tensor[T], tb *einTerm,
	keep labelSet, sz *[einLabels]int, dst *tensor.Tensor[T], tdst *einTerm) (r *tensor.Tensor[T], tr einTerm, done bool) {
	ea, eb := einEff(ta, a, sz), einEff(tb, b, sz)
	batch, contr := ea&eb&keep, ea&eb&^keep
	ms, ns := ea&^eb&keep, eb&^ea&keep
	if n := bits.OnesCount64(batch | ms | ns); n > einMaxRank {
		panic(usage("Einsum", fmt.Sprintf("contracting the operands from left to right makes an intermediate of %d indices, more than %d: "+
			"order the operands so that indices are summed early, or split the einsum", n, einMaxRank)))
	}
	var bl, ml, kl, nl einTerm
	var seen labelSet
	for _, l := range ta.labels() {
		bit := labelSet(1) << l
		if seen&bit != 0 {
			continue
		}
		seen |= bit
		switch {
		case batch&bit != 0:
			bl.push(l)
		case ms&bit != 0:
			ml.push(l)
		case contr&bit != 0:
			kl.push(l)
		}
	}
	var seenB labelSet
	for _, l := range tb.labels() {
		if bit := labelSet(1) << l; ns&bit != 0 && seenB&bit == 0 {
			seenB |= bit
			nl.push(l)
		}
	}
	nb, m, k, n := einProd(&bl, sz), einProd(&ml, sz), einProd(&kl, sz), einProd(&nl, sz)
	av, transA := einLayout(ar, a, ta, &bl, &ml, &kl, sz)
	bv, transB := einLayout(ar, b, tb, &bl, &kl, &nl, sz)
	tr = einCat(&bl, &ml, &nl)
	if dst != nil && einPlain(tdst, dst, &tr, sz) {
		tensor.BatchGemmFlat(transA, transB, nb, m, n, k, 1, av, bv, 0, dst)
		return dst, tr, true
	}
	r = einAlloc(ar, &tr, sz)
	tensor.BatchGemmFlat(transA, transB, nb, m, n, k, 1, av, bv, 0, r)
	return r, tr, false
}

// einLayout returns x (of term t) as a dense array over the labels
// p+q+s, or over p+s+q with trans true, without a copy when its memory is
// already one of these, else gathered into a tensor of the arena in the
// first layout (diagonals taken, its other labels summed).
func einLayout[T Float](ar *Arena[T], x *tensor.Tensor[T], t, p, q, s *einTerm, sz *[einLabels]int) (*tensor.Tensor[T], bool) {
	want := einCat(p, q, s)
	if einPlain(t, x, &want, sz) {
		return x, false
	}
	if alt := einCat(p, s, q); einPlain(t, x, &alt, sz) {
		return x, true
	}
	y := einAlloc(ar, &want, sz)
	einMove(y, &want, x, t, sz)
	return y, false
}

// einCat returns the concatenation of terms.
func einCat(ts ...*einTerm) einTerm {
	var r einTerm
	for _, t := range ts {
		for _, l := range t.labels() {
			r.push(l)
		}
	}
	return r
}

// einProd returns the number of elements of a dense array over t's labels.
func einProd(t *einTerm, sz *[einLabels]int) int {
	p := 1
	for _, l := range t.labels() {
		p *= sz[l]
	}
	return p
}

// einAlloc returns an arena tensor of t's label sizes.
func einAlloc[T Float](ar *Arena[T], t *einTerm, sz *[einLabels]int) *tensor.Tensor[T] {
	var buf [einMaxRank]int
	shape := buf[:t.rank]
	for i, l := range t.labels() {
		shape[i] = sz[l]
	}
	return ar.tensor(shape...)
}

// einLoop is einMove's iteration space: one loop per label of size above
// 1, with the label's stride in the destination and in the source (the
// sum of the strides of the axes that carry it; 0 where it has none).
// The first no loops write distinct destination elements; the rest are
// summed into each.
type einLoop struct {
	size, ds, ss [einLabels]int
	no, n        int
}

// einMove sets dst (term td) to src (term ts) moved onto dst's labels: a
// label repeated in ts reads src's diagonal, one repeated in td writes
// dst's (zeros elsewhere), one of src that dst lacks (or has with size 1
// against a larger size) is summed, one of dst that src lacks is
// broadcast. It allocates nothing.
func einMove[T Float](dst *tensor.Tensor[T], td *einTerm, src *tensor.Tensor[T], ts *einTerm, sz *[einLabels]int) {
	var lp einLoop
	var dsBy, ssBy [einLabels]int
	var in labelSet
	strides := func(t *einTerm, x *tensor.Tensor[T], by *[einLabels]int) {
		st := 1
		for a := int(t.rank) - 1; a >= 0; a-- {
			l, d := t.lab[a], x.Dim(a)
			if d == sz[l] && d != 1 {
				by[l] += st
				in |= 1 << l
			}
			st *= d
		}
	}
	strides(td, dst, &dsBy)
	strides(ts, src, &ssBy)
	d, s := dst.Data(), src.Data()
	covered := 1
	for l := range einLabels {
		if in&(1<<l) == 0 {
			continue
		}
		if sz[l] == 0 {
			clear(d) // a sum of nothing, or nothing to write
			return
		}
		if dsBy[l] != 0 {
			lp.size[lp.no], lp.ds[lp.no], lp.ss[lp.no] = sz[l], dsBy[l], ssBy[l]
			lp.no++
			covered *= sz[l]
		}
	}
	lp.n = lp.no
	for l := range einLabels {
		if in&(1<<l) != 0 && dsBy[l] == 0 {
			lp.size[lp.n], lp.ss[lp.n] = sz[l], ssBy[l]
			lp.n++
		}
	}
	einSortLoops(&lp, 0, lp.no, &lp.ds)
	einSortLoops(&lp, lp.no, lp.n, &lp.ss)
	if len(d) == 0 {
		return
	}
	if covered < len(d) {
		clear(d)
	}
	var idx [einLabels]int
	doff, soff := 0, 0
	for {
		d[doff] = einSum(s, soff, &lp)
		a := lp.no - 1
		for ; a >= 0; a-- {
			idx[a]++
			doff += lp.ds[a]
			soff += lp.ss[a]
			if idx[a] < lp.size[a] {
				break
			}
			doff -= lp.ds[a] * lp.size[a]
			soff -= lp.ss[a] * lp.size[a]
			idx[a] = 0
		}
		if a < 0 {
			return
		}
	}
}

// einSum returns the sum of src over the summed loops of lp from soff, in
// row-major order of those loops (the first element itself when there are
// none, so that -0 stays -0).
func einSum[T Float](s []T, soff int, lp *einLoop) T {
	switch lp.n - lp.no {
	case 0:
		return s[soff]
	case 1:
		st, n := lp.ss[lp.no], lp.size[lp.no]
		acc := s[soff]
		for i := 1; i < n; i++ {
			acc += s[soff+i*st]
		}
		return acc
	}
	var idx [einLabels]int
	acc, first := T(0), true
	for {
		if first {
			acc, first = s[soff], false
		} else {
			acc += s[soff]
		}
		a := lp.n - 1
		for ; a >= lp.no; a-- {
			idx[a]++
			soff += lp.ss[a]
			if idx[a] < lp.size[a] {
				break
			}
			soff -= lp.ss[a] * lp.size[a]
			idx[a] = 0
		}
		if a < lp.no {
			return acc
		}
	}
}

// einSortLoops orders the loops lo..hi of lp by decreasing key (a stride),
// so that the innermost loop walks memory with the smallest step.
func einSortLoops(lp *einLoop, lo, hi int, key *[einLabels]int) {
	for i := lo + 1; i < hi; i++ {
		for j := i; j > lo && key[j] > key[j-1]; j-- {
			lp.size[j], lp.size[j-1] = lp.size[j-1], lp.size[j]
			lp.ds[j], lp.ds[j-1] = lp.ds[j-1], lp.ds[j]
			lp.ss[j], lp.ss[j-1] = lp.ss[j-1], lp.ss[j]
		}
	}
}
