package autograd

import (
	"fmt"
	"math/bits"
	"strings"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds Einsum and the products written as one (Dot, Outer,
// Trace): the subscripts' parser and the op with its derivative. The
// evaluation (diagonals, sums, the batched GEMM of each pair of operands)
// is in einsum_eval.go.

// Einsum returns the Einstein summation of the operands that subscripts
// describes, as torch.einsum and numpy.einsum do: one comma-separated term
// of index letters (a-z, A-Z) per operand, one letter per axis, then
// optionally "->" and the output's letters. For example
//
//	"ij,jk->ik"      matrix product          "bij,bjk->bik"  batched matrix product
//	"ji"             transpose (implicit)    "ii"            trace (implicit: sum)
//	"ii->i"          diagonal                "i,j->ij"       outer product
//	"ij->j"          sum over axis 0         "...ij,...jk"   matmul over broadcast batches
//	"ij,jk,kl->il"   a chain of three
//
// An index repeated within one term takes that operand's diagonal along
// those axes (their sizes must match). An index that is not in the output
// is summed over. Without "->" the output is every index that occurs
// exactly once, in alphabetical order (upper case before lower case, as
// NumPy's rule), after the ellipsis dimensions. "..." stands for any number
// of leading or middle axes, aligned from the right across the operands and
// broadcast under NumPy's rules; an output without "..." sums them. An
// axis of size 1 broadcasts against the same index's size elsewhere, as in
// torch. Whitespace is ignored.
//
// Two operands are contracted with one batched GEMM: their indices are
// grouped into batch (in both and kept), rows, columns and summed ones, and
// an operand is permuted into that layout only when its memory is not
// already in it (either way round: "bij,bjk->bik" moves nothing, forwards
// or backwards). Three or more operands are contracted pairwise from left
// to right; an index is summed as soon as no later operand or the output
// has it, so an intermediate keeps every other index it has met, like
// torch.einsum's without opt_einsum: "ab,cd,ab,cd->" builds the [a b c d]
// outer product first.
//
// Einsum takes at most 16 operands, each of at most 16 axes, an ellipsis
// of at most 12 dimensions, and an output of at most 16 axes; each
// intermediate of a chain, and of the chains its derivatives contract,
// must have at most 16 indices too (torch.einsum has no such limits: order
// the operands so that indices are summed early, or split the einsum).
// The limit keeps an op's record of its subscripts small, which matters
// for the small ops built on it (Dot, Outer, Trace).
//
//	d/dxⱼ = Einsum of g and the other operands, whose output is xⱼ's term
//
// (an index repeated in xⱼ's term places the result on that diagonal, with
// zeros elsewhere; one that xⱼ had alone is broadcast back; one along which
// xⱼ was broadcast is summed), computed and recorded by the same machinery,
// so the derivative is itself differentiable to any order.
//
// It panics with an *autograd.UsageError naming the subscripts when they are
// malformed (a character other than a letter, ".", ",", "->" or a space; a
// term with two ellipses; an output index repeated or absent from the
// inputs), when the number of terms is not the number of operands, when
// there are none or more than 16, when the ellipsis has more than 12
// dimensions, or the output or an intermediate more than 16 axes (an
// intermediate of a derivative's chain panics so during the backward
// pass); and with a *tensor.ShapeError naming the subscripts and the
// shapes when a term's indices do not match its operand's axes, an operand
// has more than 16 axes, or an index has two sizes (neither of them 1).
func Einsum[T Float](subscripts string, operands ...*Var[T]) *Var[T] {
	checkOperands("Einsum", operands...)
	const op = "Einsum"
	defer relabel(op)
	var sp einSpec
	einParse(&sp, subscripts, operands)
	var sz [einLabels]int
	einCheckSizes(&sp, subscripts, operands, &sz)
	var buf [einMaxRank]int
	shape := buf[:0]
	for _, l := range sp.out.labels() {
		shape = append(shape, sz[l])
	}
	return einRecord(op, &sp, shape, operands)
}

// Dot returns the inner product Σᵢ aᵢbᵢ of two vectors of one length, as a
// 0-d result (torch.dot): Einsum("i,i->", a, b).
//
//	d/da = g·b,  d/db = g·a
//
// It panics with a *tensor.ShapeError when an operand is not 1-D or the
// lengths differ.
func Dot[T Float](a, b *Var[T]) *Var[T] {
	checkOperands2("Dot", a, b)
	const op = "Dot"
	av, bv := a.value, b.value
	if av.Dims() != 1 || bv.Dims() != 1 || av.Dim(0) != bv.Dim(0) {
		panic(shapeErr(op, "want two 1-D operands of equal length", av.Shape(), bv.Shape()))
	}
	sp := einSimple("", "i", "i")
	return einRecord(op, &sp, nil, []*Var[T]{a, b})
}

// Outer returns the outer product aᵢbⱼ of two vectors, an [len(a) len(b)]
// matrix (torch.outer): Einsum("i,j->ij", a, b).
//
//	d/da = g·b,  d/db = gᵀ·a
//
// It panics with a *tensor.ShapeError when an operand is not 1-D.
func Outer[T Float](a, b *Var[T]) *Var[T] {
	checkOperands2("Outer", a, b)
	const op = "Outer"
	av, bv := a.value, b.value
	if av.Dims() != 1 || bv.Dims() != 1 {
		panic(shapeErr(op, "want two 1-D operands", av.Shape(), bv.Shape()))
	}
	sp := einSimple("ij", "i", "j")
	return einRecord(op, &sp, []int{av.Dim(0), bv.Dim(0)}, []*Var[T]{a, b})
}

// Trace returns the sum of the diagonal x[i, i] of a matrix, as a 0-d
// result (torch.trace). A rectangular matrix is allowed: its diagonal has
// min(rows, columns) elements. It is Einsum("ii->", x), on the leading
// square block of a rectangular x.
//
//	d/dx = g·I  (the identity, zero-padded to x's shape)
//
// It panics with a *tensor.ShapeError when x is not 2-D.
func Trace[T Float](x *Var[T]) *Var[T] {
	checkOperands1("Trace", x)
	const op = "Trace"
	defer relabel(op)
	xv := x.value
	if xv.Dims() != 2 {
		panic(shapeErr(op, "want a 2-D operand", xv.Shape()))
	}
	if k := min(xv.Dim(0), xv.Dim(1)); xv.Dim(0) != xv.Dim(1) {
		x = Slice(x, Range{Start: 0, Stop: k, Step: 1}, Range{Start: 0, Stop: k, Step: 1})
	}
	sp := einSimple("", "ii")
	return einRecord(op, &sp, nil, []*Var[T]{x})
}

// The limits of a subscripts string: operands, axes per term, and the
// labels (52 letters, then the ellipsis dimensions), so that a set of
// labels is a uint64 and a spec lives in an op's state without allocating.
const (
	einMaxOps   = 16
	einMaxRank  = 16
	einLetters  = 52
	einLabels   = 64
	einMaxEllip = einLabels - einLetters
)

// einTerm is one term of a spec: the label of each axis. Labels 0-25 are
// 'A'-'Z', 26-51 'a'-'z' (so that label order is NumPy's alphabetical
// order), and 52 + i the i-th dimension of the broadcast ellipsis.
type einTerm struct {
	lab  [einMaxRank]int8
	rank int8
}

func (t *einTerm) labels() []int8 { return t.lab[:t.rank] }

func (t *einTerm) push(l int8) {
	t.lab[t.rank] = l
	t.rank++
}

// einSpec is a parsed subscripts string: the terms of the operands and of
// the output. Internally (in derivatives) the output term may repeat a
// label, which places the result on that diagonal; may have a label of no
// input, along which the result is broadcast; and may have an axis of size
// 1 for a label of another size, along which the result is summed. These
// are the adjoints of an input term's diagonal, summed label and broadcast
// axis, so the gradient of any spec is a spec.
type einSpec struct {
	n   int
	in  [einMaxOps]einTerm
	out einTerm
}

// grad sets gs to the spec of the gradient of operand j: the operands with
// g (of the output's term) in place of operand j, into operand j's term.
func (sp *einSpec) grad(j int, gs *einSpec) {
	*gs = *sp
	gs.in[j], gs.out = sp.out, sp.in[j]
}

// einSimple returns the spec of terms of letters (no ellipsis), written
// in the program itself.
func einSimple(out string, ins ...string) einSpec {
	sp := einSpec{n: len(ins)}
	for i, s := range ins {
		for _, c := range []byte(s) {
			sp.in[i].push(einLetter(c))
		}
	}
	for _, c := range []byte(out) {
		sp.out.push(einLetter(c))
	}
	return sp
}

// einLetter returns the label of an index letter, or -1.
func einLetter(c byte) int8 {
	switch {
	case c >= 'A' && c <= 'Z':
		return int8(c - 'A')
	case c >= 'a' && c <= 'z':
		return int8(c-'a') + 26
	}
	return -1
}

// einName returns how the subscripts write a label, for error messages.
func einName(l int8) string {
	switch {
	case l < 26:
		return string(rune('A' + l))
	case l < einLetters:
		return string(rune('a' + l - 26))
	}
	return fmt.Sprintf("...[%d]", l-einLetters)
}

// einScan walks one term of the subscripts (without its commas or arrow),
// calling letter for each index letter and returning whether it has an
// ellipsis. It panics with a UsageError for any other character, a "."
// that is not part of "...", or a second ellipsis.
func einScan(subs, term string, letter func(l int8)) (ellipsis bool) {
	for i := 0; i < len(term); i++ {
		c := term[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
		case c == '.':
			if !strings.HasPrefix(term[i:], "...") {
				panic(usage("Einsum", fmt.Sprintf("%q: a '.' that is not part of an ellipsis \"...\"", subs)))
			}
			if ellipsis {
				panic(usage("Einsum", fmt.Sprintf("%q: term %q has more than one ellipsis", subs, term)))
			}
			ellipsis = true
			i += 2
		case einLetter(c) >= 0:
			letter(einLetter(c))
		default:
			panic(usage("Einsum", fmt.Sprintf("%q: invalid character %q (indices are the letters a-z and A-Z)", subs, c)))
		}
	}
	return ellipsis
}

// einParse fills sp from the subscripts and the operands' ranks, panicking
// with a UsageError for malformed subscripts and a *tensor.ShapeError for
// a term that does not fit its operand. It allocates nothing unless it
// panics.
func einParse[T Float](sp *einSpec, subs string, xs []*Var[T]) {
	const op = "Einsum"
	if len(xs) == 0 {
		panic(usage(op, fmt.Sprintf("%q: no operands", subs)))
	}
	if len(xs) > einMaxOps {
		panic(usage(op, fmt.Sprintf("%q: %d operands, at most %d", subs, len(xs), einMaxOps)))
	}
	lhs, rhs, explicit := strings.Cut(subs, "->")
	if strings.Contains(rhs, "->") {
		panic(usage(op, fmt.Sprintf("%q: more than one \"->\"", subs)))
	}
	if strings.Contains(rhs, ",") {
		panic(usage(op, fmt.Sprintf("%q: the output after \"->\" is one term, without commas", subs)))
	}
	if n := strings.Count(lhs, ",") + 1; n != len(xs) {
		panic(usage(op, fmt.Sprintf("%q: %d input terms for %d operands", subs, n, len(xs))))
	}
	sp.n = len(xs)
	// First pass: each term's letters against its operand's rank, and the
	// number of ellipsis dimensions (the most any operand's ellipsis has).
	var hasEll [einMaxOps]bool
	ell, rest := 0, lhs
	for i := range sp.n {
		var term string
		term, rest, _ = strings.Cut(rest, ",")
		letters := 0
		hasEll[i] = einScan(subs, term, func(int8) { letters++ })
		r := xs[i].value.Dims()
		switch {
		case r > einMaxRank:
			panic(shapeErr(op, fmt.Sprintf("%q: operand %d has more than %d axes", subs, i, einMaxRank), xs[i].value.Shape()))
		case hasEll[i] && letters <= r:
			ell = max(ell, r-letters)
		case letters != r || hasEll[i]:
			panic(shapeErr(op, fmt.Sprintf("%q: term %d has %d indices for an operand of %d axes", subs, i, letters, r), einShapes(xs)...))
		}
	}
	if ell > einMaxEllip {
		panic(usage(op, fmt.Sprintf("%q: the ellipsis has %d dimensions, at most %d", subs, ell, einMaxEllip)))
	}
	// Second pass: the labels, the ellipsis aligned from the right.
	var count [einLetters]int
	anyEll, rest := false, lhs
	for i := range sp.n {
		var term string
		term, rest, _ = strings.Cut(rest, ",")
		t := &sp.in[i]
		k := xs[i].value.Dims() // ellipsis dimensions of this operand, once the letters are counted
		einScan(subs, term, func(int8) { k-- })
		for j := 0; j < len(term); j++ {
			c := term[j]
			if c == '.' {
				for e := range k {
					t.push(int8(einLetters + ell - k + e))
				}
				j += 2
				anyEll = true
				continue
			}
			if l := einLetter(c); l >= 0 {
				t.push(l)
				count[l]++
			}
		}
	}
	if !explicit {
		// NumPy's implicit output: the ellipsis, then every letter that
		// occurs once, in alphabetical order.
		axes := 0
		if anyEll {
			axes = ell
		}
		for _, c := range count {
			axes += b2i(c == 1)
		}
		if axes > einMaxRank {
			panic(usage(op, fmt.Sprintf("%q: the implicit output has %d axes, more than %d", subs, axes, einMaxRank)))
		}
		if anyEll {
			for e := range ell {
				sp.out.push(int8(einLetters + e))
			}
		}
		for l, c := range count {
			if c == 1 {
				sp.out.push(int8(l))
			}
		}
		return
	}
	var seen uint64
	outEll := einScan(subs, rhs, func(l int8) {
		if count[l] == 0 {
			panic(usage(op, fmt.Sprintf("%q: output index %s is in no input term", subs, einName(l))))
		}
		if seen&(1<<l) != 0 {
			panic(usage(op, fmt.Sprintf("%q: output index %s is repeated", subs, einName(l))))
		}
		seen |= 1 << l
	})
	if outEll && !anyEll {
		panic(usage(op, fmt.Sprintf("%q: the output has an ellipsis and no input term does", subs)))
	}
	if bits.OnesCount64(seen)+ell*b2i(outEll) > einMaxRank {
		panic(usage(op, fmt.Sprintf("%q: the output has more than %d axes", subs, einMaxRank)))
	}
	for j := 0; j < len(rhs); j++ {
		if rhs[j] == '.' {
			for e := range ell {
				sp.out.push(int8(einLetters + e))
			}
			j += 2
		} else if l := einLetter(rhs[j]); l >= 0 {
			sp.out.push(l)
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// einShapes returns the operands' shapes, for an error message.
func einShapes[T Float](xs []*Var[T]) [][]int {
	s := make([][]int, len(xs))
	for i, x := range xs {
		s[i] = x.value.Shape()
	}
	return s
}

// einCheckSizes fills sz with each label's size, the broadcast of its
// axes' sizes, and panics with a *tensor.ShapeError naming the subscripts
// when a label is repeated within a term with two sizes, or has two sizes
// across terms neither of which is 1.
func einCheckSizes[T Float](sp *einSpec, subs string, xs []*Var[T], sz *[einLabels]int) {
	for i := range sz {
		sz[i] = -1
	}
	for i := range sp.n {
		x := xs[i].value
		t := &sp.in[i]
		for a, l := range t.labels() {
			d := x.Dim(a)
			for b := range a {
				if t.lab[b] == l && x.Dim(b) != d {
					panic(shapeErr("Einsum", fmt.Sprintf("%q: index %s is repeated in operand %d with sizes %d and %d",
						subs, einName(l), i, x.Dim(b), d), einShapes(xs)...))
				}
			}
			switch s := sz[l]; {
			case s == -1 || s == 1:
				sz[l] = d
			case d != 1 && d != s:
				panic(shapeErr("Einsum", fmt.Sprintf("%q: index %s has sizes %d and %d, which do not broadcast",
					subs, einName(l), s, d), einShapes(xs)...))
			}
		}
	}
}

// einRecord computes the spec on the operands into a result of the given
// shape (from the operands' Arena) and records it as op, with the
// einsum's derivative.
func einRecord[T Float](op string, sp *einSpec, shape []int, xs []*Var[T]) *Var[T] {
	ar := arenaOf(xs...)
	out := ar.tensor(shape...)
	var vals [einMaxOps]*tensor.Tensor[T]
	for i, x := range xs {
		vals[i] = x.value
	}
	einEval(ar, sp, vals[:len(xs)], out)
	var d derivative[T]
	if needsGrad(xs...) {
		s := newState[einsumOp[T]](ar)
		s.spec = *sp
		d = s
	}
	return recordOp(op, out, d, xs...)
}

// einsumOp is the state of Einsum, Dot, Outer and Trace: the spec.
type einsumOp[T Float] struct{ spec einSpec }

func (*einsumOp[T]) slot() stateSlot { return slotEinsum }

// backward records, for each operand that needs it, the einsum of g and
// the other operands into the operand's term (einSpec.grad).
func (s *einsumOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	n := c.NumInputs()
	gs, xs := make([]*Var[T], n), make([]*Var[T], n)
	for j := range n {
		if !c.NeedsGrad(j) {
			continue
		}
		var gsp einSpec
		s.spec.grad(j, &gsp)
		for i := range n {
			xs[i] = c.Input(i)
		}
		xs[j] = g
		gs[j] = einRecord("Einsum", &gsp, c.node().inputs[j].value.Shape(), xs)
	}
	return gs
}

// vjp evaluates the same einsums on the plain tensors, straight into the
// gradient buffer when it is fresh, else into a scratch tensor that is
// then added, as the engine adds a recorded gradient.
func (s *einsumOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	n := c.NumInputs()
	var xs [einMaxOps]*tensor.Tensor[T]
	var gsp einSpec
	for j := range n {
		if !c.NeedsGrad(j) {
			continue
		}
		s.spec.grad(j, &gsp)
		for i := range n {
			xs[i] = c.node().inputs[i].value
		}
		xs[j] = g
		dst, beta := c.gradBuf(j)
		if beta == 0 {
			einEval(c.p.arena, &gsp, xs[:n], dst)
			continue
		}
		t := c.scratch(dst)
		einEval(c.p.arena, &gsp, xs[:n], t)
		d, ts := dst.Data(), t.Data()
		for i := range d {
			d[i] += ts[i]
		}
	}
}

// jvp of an einsum is its product rule: Σⱼ the same einsum with tⱼ in
// place of operand j (the einsum is linear in each operand; an operand
// given twice gets both terms).
func (s *einsumOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	n := c.NumInputs()
	var xs [einMaxOps]*tensor.Tensor[T]
	var res, tmp *tensor.Tensor[T]
	for j := range n {
		if ts[j] == nil {
			continue
		}
		for i := range n {
			xs[i] = c.node().inputs[i].value
		}
		xs[j] = ts[j]
		if res == nil {
			res = tensor.Zeros[T](c.out.value.Shape()...)
			einEval(nil, &s.spec, xs[:n], res)
			continue
		}
		if tmp == nil {
			tmp = tensor.Zeros[T](c.out.value.Shape()...)
		}
		einEval(nil, &s.spec, xs[:n], tmp)
		res.AddInPlace(tmp)
	}
	return res
}
