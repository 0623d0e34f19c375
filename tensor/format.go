package tensor

import (
	"fmt"
	"strconv"
	"strings"
)

// SummaryThreshold is the largest number of elements String prints in
// full; a larger tensor is summarized (NumPy's threshold, 1000).
const SummaryThreshold = 1000

// SummaryEdgeItems is how many leading and trailing entries of each axis a
// summarized tensor shows around "..." (NumPy's edgeitems, 3).
const SummaryEdgeItems = 3

// Format implements fmt.Formatter, so that a tensor prints with the verbs
// of its elements:
//
//	%v, %s    String: every element, or a summary beyond SummaryThreshold elements
//	%+v, %+s  every element, whatever the size (a large tensor makes a long string)
//	%g %e %f  elements formatted with that verb (and %G, %E, %F), for
//	          example %.3f; width and the flags ' ', '-', '0' apply to
//	          each element, and '+' again means every element
//
// Any other verb prints as fmt does for a bad verb: %!d(tensor.Tensor=...).
func (t *Tensor[T]) Format(f fmt.State, verb rune) {
	full := f.Flag('+')
	limit := len(t.data) > SummaryThreshold && !full
	switch verb {
	case 'v', 's':
		if _, ok := f.Precision(); !ok {
			if _, ok := f.Width(); !ok {
				fmt.Fprint(f, t.format(limit, nil))
				return
			}
		}
		verb = 'g'
	case 'g', 'G', 'e', 'E', 'f', 'F':
	default:
		fmt.Fprintf(f, "%%!%c(tensor.Tensor=%s)", verb, t.format(limit, nil))
		return
	}
	elemFmt := elementFormat(f, verb)
	// Each element as its own type T, so that a float32 prints as a float32
	// does (%g of 0.1 is 0.1, not 0.10000000149011612).
	fmt.Fprint(f, t.format(limit, func(b *strings.Builder, x float64) { fmt.Fprintf(b, elemFmt, T(x)) }))
}

// elementFormat rebuilds the directive f describes, without '+', for one
// element.
func elementFormat(f fmt.State, verb rune) string {
	var b strings.Builder
	b.WriteByte('%')
	for _, c := range " -0#" {
		if f.Flag(int(c)) {
			b.WriteRune(c)
		}
	}
	if w, ok := f.Width(); ok {
		b.WriteString(strconv.Itoa(w))
	}
	if p, ok := f.Precision(); ok {
		b.WriteByte('.')
		b.WriteString(strconv.Itoa(p))
	}
	b.WriteRune(verb)
	return b.String()
}

// format writes the tensor as String does: summarized when summarize is
// set, each element by elem, or in Go's shortest form for T when elem is
// nil.
func (t *Tensor[T]) format(summarize bool, elem func(*strings.Builder, float64)) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Tensor%v", t.shape)
	if len(t.data) == 0 { // also bounds the walk below: [MaxInt 0] is a valid empty shape
		b.WriteString("[]")
		return b.String()
	}
	// By width, not by type assertion, so that a type defined on float32
	// prints as %g prints it (shortest float32 form) and not with float64
	// digits.
	bits := 64
	if is32[T]() {
		bits = 32
	}
	var num [32]byte
	put := func(x T) {
		if elem != nil {
			elem(&b, float64(x))
			return
		}
		b.Write(strconv.AppendFloat(num[:0], float64(x), 'g', -1, bits))
	}
	if len(t.shape) == 0 {
		b.WriteByte('(')
		put(t.data[0])
		b.WriteByte(')')
		return b.String()
	}
	var rec func(axis, off int)
	rec = func(axis, off int) {
		b.WriteByte('[')
		n := t.shape[axis]
		stride := 1
		for _, d := range t.shape[axis+1:] {
			stride *= d
		}
		skipFrom, skipTo := n, n // indices [skipFrom, skipTo) are elided
		if summarize && n > 2*SummaryEdgeItems {
			skipFrom, skipTo = SummaryEdgeItems, n-SummaryEdgeItems
		}
		for i := 0; i < n; i++ {
			if i == skipFrom {
				b.WriteString(" ...")
				i = skipTo - 1
				continue
			}
			if i > 0 {
				b.WriteByte(' ')
			}
			if axis == len(t.shape)-1 {
				put(t.data[off+i])
			} else {
				rec(axis+1, off+i*stride)
			}
		}
		b.WriteByte(']')
	}
	rec(0, 0)
	return b.String()
}
