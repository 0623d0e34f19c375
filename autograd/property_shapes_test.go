package autograd_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// Adapters and draws of the random-graph generator: shapes, axes, ranges,
// and nodes fitted to the shape or domain an op needs.

// operand returns a node of the given shape: an existing one when there is
// one (the node itself may be picked twice), or one fitted from any node.
func (g *rgGraph) operand(shape []int) int {
	var same []int
	for i, v := range g.vals {
		if tensor.SameShape(v.Shape(), shape) {
			same = append(same, i)
		}
	}
	if len(same) > 0 && g.src.intn(2, "reuse a node of the shape") == 0 {
		return same[g.src.intn(len(same), "which node")]
	}
	return g.fit(g.pick(), shape)
}

// fit returns node i turned into the given shape by Reshape, Concat (of
// copies) and Slice: a differentiable, linear adapter.
func (g *rgGraph) fit(i int, shape []int) int {
	if tensor.SameShape(g.shape(i), shape) {
		return i
	}
	need := numel(shape)
	x, n := i, numel(g.shape(i))
	flat := func() {
		if len(g.shape(x)) != 1 {
			x = g.add("Reshape", fmt.Sprintf("Reshape(%s, -1)", g.nm(x)), func(a []*V) *V { return autograd.Reshape(a[0], -1) }, x)
		}
	}
	if n < need {
		flat()
		copies := (need + n - 1) / n
		if copies <= 4 {
			args := make([]int, copies)
			names := make([]string, copies)
			for k := range args {
				args[k], names[k] = x, g.nm(x)
			}
			x = g.add("Concat", fmt.Sprintf("Concat(0, %s)", strings.Join(names, ", ")), func(a []*V) *V { return autograd.Concat(0, a...) }, args...)
		} else {
			// Many copies (an op declared at a large shape): as rows of a
			// broadcast, flattened.
			nn := n
			x = g.add("BroadcastTo", fmt.Sprintf("Reshape(BroadcastTo(%s, [%d %d]), -1)", g.nm(x), copies, nn), func(a []*V) *V {
				return autograd.Reshape(autograd.BroadcastTo(a[0], copies, nn), -1)
			}, x)
		}
		n *= copies
	}
	if n > need {
		flat()
		step := 1
		if n >= 2*need && g.src.intn(2, "slice step 2") == 0 {
			step = 2
		}
		span := (need-1)*step + 1
		start := g.src.intn(n-span+1, "slice start")
		r := autograd.Range{Start: start, Stop: start + span, Step: step}
		x = g.add("Slice", fmt.Sprintf("Slice(%s, %s)", g.nm(x), rangeText(r)), func(a []*V) *V { return autograd.Slice(a[0], r) }, x)
	}
	if !tensor.SameShape(g.shape(x), shape) {
		s := slices.Clone(shape)
		x = g.add("Reshape", fmt.Sprintf("Reshape(%s, %s)", g.nm(x), ints(s)), func(a []*V) *V { return autograd.Reshape(a[0], s...) }, x)
	}
	return x
}

// rescale scales node i down by a constant when its values are large, so
// that the next ops stay in a range where finite differences are accurate.
func (g *rgGraph) rescale(i int) int {
	m := maxAbs(g.vals[i])
	if m <= rgMaxAbs {
		return i
	}
	k, _ := strconv.ParseFloat(strconv.FormatFloat(2/m, 'g', 3, 64), 64)
	return g.add("Scale", fmt.Sprintf("Scale(%s, %g)", g.nm(i), k), func(a []*V) *V { return autograd.Scale(a[0], k) }, i)
}

// randShape draws a shape of rank 0 to 3, dimensions 1 to 4, with at most
// limit elements.
func (g *rgGraph) randShape(limit int) []int {
	s := make([]int, g.src.intn(4, "rank"))
	for k := range s {
		s[k] = 1 + g.src.intn(4, "dim")
	}
	for k := len(s) - 1; numel(s) > limit; k-- {
		s[k] = 1
	}
	return s
}

// partner returns a shape that broadcasts with a: the same, a smaller one
// (a suffix, some axes 1), a mixed one (1s on both sides) or a larger one
// (new leading axes), keeping the broadcast result within rgMaxElems.
func (g *rgGraph) partner(a []int) []int {
	var b []int
	switch g.src.intn(4, "broadcast pattern") {
	case 0:
		b = slices.Clone(a)
	case 1: // a suffix of a, some axes 1
		b = slices.Clone(a[len(a)-g.src.intn(len(a)+1, "suffix length"):])
		for k := range b {
			if g.src.intn(2, "size-1 axis") == 0 {
				b[k] = 1
			}
		}
	case 2: // axis by axis: 1 against anything, anything against 1
		b = slices.Clone(a)
		for k, d := range a {
			if d == 1 {
				b[k] = 1 + g.src.intn(3, "dim against 1")
			} else if g.src.intn(2, "size-1 axis") == 0 {
				b[k] = 1
			}
		}
		b = b[g.src.intn(len(b)+1, "drop leading axes"):]
	default: // new leading axes
		lead := make([]int, 1+g.src.intn(2, "new leading axes"))
		for k := range lead {
			lead[k] = 1 + g.src.intn(3, "dim")
		}
		b = append(lead, a...)
	}
	if bs, ok := tensor.BroadcastShapes(a, b); !ok || numel(bs) > rgMaxElems {
		return slices.Clone(a)
	}
	return b
}

// axes draws the axes of a reduction over shape: none (all axes) or a
// non-empty subset, each possibly written as a negative axis.
func (g *rgGraph) axes(shape []int) []int {
	r := len(shape)
	if r == 0 || g.src.intn(3, "reduce all axes") == 0 {
		return nil
	}
	var ax []int
	for k := range r {
		if g.src.intn(2, "reduce axis") == 0 {
			ax = append(ax, k)
		}
	}
	if len(ax) == 0 {
		ax = []int{g.src.intn(r, "axis")}
	}
	for k := range ax {
		if g.src.intn(2, "negative axis") == 0 {
			ax[k] -= r
		}
	}
	if g.src.intn(2, "shuffle axes") == 0 {
		slices.Reverse(ax)
	}
	return ax
}

// axis draws one axis of a rank-r shape, possibly negative.
func (g *rgGraph) axis(r int) int {
	a := g.src.intn(r, "axis")
	if g.src.intn(2, "negative axis") == 0 {
		a -= r
	}
	return a
}

// atLeast1D returns node i, fitted to a vector when it is 0-d.
func (g *rgGraph) atLeast1D(i int) int {
	if len(g.shape(i)) > 0 {
		return i
	}
	return g.fit(i, []int{2 + g.src.intn(3, "length")})
}

// matrix returns node i, reshaped to a matrix of the same elements when it
// is not 2-D.
func (g *rgGraph) matrix(i int) int {
	if len(g.shape(i)) == 2 {
		return i
	}
	n := numel(g.shape(i))
	ds := divisors(n)
	d := ds[g.src.intn(len(ds), "rows")]
	return g.fit(i, []int{d, n / d})
}

// reducedCount is the number of elements each slice of a reduction over
// axes (nil: all) of shape averages.
func reducedCount(shape, axes []int) int {
	if len(axes) == 0 {
		return numel(shape)
	}
	n := 1
	for _, a := range axes {
		if a < 0 {
			a += len(shape)
		}
		n *= shape[a]
	}
	return n
}

// nchw returns a 4-D [N C H W] node: an existing one or one fitted from
// any node.
func (g *rgGraph) nchw() int {
	x := g.pick()
	if len(g.shape(x)) == 4 && g.src.intn(2, "use 4-D node") == 0 {
		return x
	}
	return g.fit(x, []int{1 + g.src.intn(2, "N"), 1 + g.src.intn(2, "C"), 2 + g.src.intn(3, "H"), 2 + g.src.intn(3, "W")})
}

// logits returns node x, fitted to [N C] or [C] unless it has one of those
// shapes already, and class labels for it.
func (g *rgGraph) logits(x int) (int, []int) {
	s := g.shape(x)
	if !(len(s) == 2 || len(s) == 1) || g.src.intn(3, "refit logits") == 0 {
		s = []int{2 + g.src.intn(3, "classes")}
		if g.src.intn(2, "batch of samples") == 0 {
			s = []int{1 + g.src.intn(3, "samples"), 2 + g.src.intn(3, "classes")}
		}
		x = g.fit(x, s)
	}
	n, c := 1, s[len(s)-1]
	if len(s) == 2 {
		n = s[0]
	}
	labels := make([]int, n)
	for k := range labels {
		labels[k] = g.src.intn(c, "label")
	}
	return x, labels
}

// randRange draws a non-empty Range over an axis of size n, in the many
// spellings Python allows (negative start, negative or past-the-end stop,
// End, steps 1 to 3).
func (g *rgGraph) randRange(n int) autograd.Range {
	step := 1 + g.src.intn(3, "step")
	start := g.src.intn(n, "start")
	count := 1 + g.src.intn((n-1-start)/step+1, "count")
	stop := start + (count-1)*step + 1
	switch g.src.intn(4, "stop spelling") {
	case 0:
		if stop == n || start+count*step >= n {
			stop = tensor.End
		}
	case 1:
		if stop < n {
			stop -= n // negative, counting from the end
		}
	case 2:
		if start+count*step >= n {
			stop = n + 3 // past the end, clamped
		}
	}
	if g.src.intn(2, "negative start") == 0 {
		start -= n
	}
	return autograd.Range{Start: start, Stop: stop, Step: step}
}

// factorShape draws a shape with n elements, of rank 0 (only for n = 1) to 4.
func (g *rgGraph) factorShape(n int) []int {
	var primes []int
	for m, p := n, 2; m > 1; {
		if m%p == 0 {
			primes = append(primes, p)
			m /= p
		} else {
			p++
		}
	}
	rank := g.src.intn(3, "rank") + 1
	if n == 1 && g.src.intn(2, "0-d") == 0 {
		return []int{}
	}
	s := make([]int, rank)
	for k := range s {
		s[k] = 1
	}
	for _, p := range primes {
		s[g.src.intn(rank, "factor")] *= p
	}
	if g.src.intn(3, "extra size-1 axis") == 0 {
		s = slices.Insert(s, g.src.intn(len(s)+1, "where"), 1)
	}
	if g.src.intn(2, "-1") == 0 {
		s[g.src.intn(len(s), "which -1")] = -1
	}
	return s
}
