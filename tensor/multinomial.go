package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"unsafe"
)

// Multinomial draws n category indices from each row of weights, [C] or
// [N C], as torch.multinomial: a row's C non-negative weights, which need
// not sum to 1, are its categories' relative probabilities (the output of
// Softmax, or counts). With replacement the n draws of a row are
// independent; without, each is made from the categories not drawn yet,
// so a row yields n distinct indices, in the order drawn. The result is
// [n] for [C] weights and [N n] for [N C]. It is how a language model
// samples its next token: Multinomial(rng, Softmax(logits/τ), 1, false).
//
// The draws depend on rng alone, so a seeded generator repeats them
// (torch's generator is another, so its numbers differ): with replacement
// one rng.Float64 per draw, without one rng.ExpFloat64 per non-zero
// weight of the row. A row's weights are summed in float64, and tiny or
// subnormal weights keep their proportions.
//
// It panics with a *ShapeError when weights is not 1-D or 2-D or has no
// category, and with an *ArgError for a nil rng, n < 1, a weight that is
// negative, NaN or infinite, a row whose weights sum to 0 (or overflow),
// more N·n draws than one allocation may hold (as Zeros), or,
// without replacement, n above the row's number of non-zero weights
// (checked before anything is drawn when n is above C).
func Multinomial[T Float](rng *rand.Rand, weights *Tensor[T], n int, replacement bool) *Index {
	const op = "Multinomial"
	if weights.Dims() != 1 && weights.Dims() != 2 || weights.Dim(-1) == 0 {
		panic(shapeErr(op, "weights must be [C] or [N C] with C > 0", weights.shape))
	}
	switch {
	case rng == nil:
		panic(&ArgError{Op: op, Arg: "rng", Value: rng, Reason: "must not be nil"})
	case n < 1:
		panic(&ArgError{Op: op, Arg: "n", Value: n, Reason: "must be at least 1"})
	}
	c := weights.Dim(-1)
	rows := weights.Len() / c
	if !replacement && n > c {
		panic(&ArgError{Op: op, Arg: "n", Value: n,
			Reason: fmt.Sprintf("must be at most the number of categories, %d, without replacement", c)})
	}
	if size, ok := numElements([]int{rows, n}); !ok || !fitsMemory(size, int(unsafe.Sizeof(0))) {
		panic(&ArgError{Op: op, Arg: "n", Value: n, Reason: fmt.Sprintf("too many draws for %d rows", rows)})
	}
	out := make([]int, rows*n)
	cum := make([]float64, c) // with replacement: a row's running sums over its total
	var keys []float64        // without: a row's keys, and the order they sort
	var order []int
	if !replacement {
		keys, order = make([]float64, c), make([]int, c)
	}
	for r := range rows {
		w := weights.data[r*c : (r+1)*c]
		nonzero, total := 0, 0.0
		for i, v := range w {
			if !(v >= 0) || math.IsInf(float64(v), 0) {
				panic(&ArgError{Op: op, Arg: fmt.Sprintf("weights[%d]", r*c+i), Value: v, Reason: "must be finite and non-negative"})
			}
			if v > 0 {
				nonzero++
			}
			total += float64(v)
		}
		if !(total > 0) || math.IsInf(total, 0) {
			panic(&ArgError{Op: op, Arg: fmt.Sprintf("weights row %d", r), Value: total, Reason: "must have a positive, finite sum"})
		}
		drawn := out[r*n : (r+1)*n]
		if replacement {
			drawWith(rng, drawn, cum, w, total)
			continue
		}
		if n > nonzero {
			panic(&ArgError{Op: op, Arg: "n", Value: n,
				Reason: fmt.Sprintf("row %d has %d non-zero weights, too few to draw that many without replacement", r, nonzero)})
		}
		drawWithout(rng, drawn, keys, order, w)
	}
	shape := []int{n}
	if weights.Dims() == 2 {
		shape = []int{rows, n}
	}
	return &Index{data: out, shape: shape}
}

// drawWith fills drawn with independent draws from the weights w, whose
// sum is total: the first category whose running sum, over the total,
// exceeds a uniform number in [0, 1). Dividing the sums rather than
// scaling the number keeps subnormal weights' proportions.
func drawWith[T Float](rng *rand.Rand, drawn []int, cum []float64, w []T, total float64) {
	s := 0.0
	for i, v := range w {
		s += float64(v)
		cum[i] = s / total // the last is 1, above every draw
	}
	for k := range drawn {
		u := rng.Float64()
		drawn[k] = sort.Search(len(cum), func(i int) bool { return cum[i] > u })
	}
}

// drawWithout fills drawn with distinct categories of the weights w, each
// drawn from those not drawn yet in proportion to their weights: with E_i
// standard exponential numbers, the categories in increasing order of
// E_i/w_i are distributed so (Efraimidis and Spirakis's keys), which takes
// one pass instead of one per draw. The keys are compared as logarithms,
// log E_i − log w_i, so that tiny or subnormal weights do not overflow
// them. A few draws keep the smallest keys in order as they come (a pass
// over the row, next to the model that computed it); many sort them all.
func drawWithout[T Float](rng *rand.Rand, drawn []int, keys []float64, order []int, w []T) {
	n := len(drawn)
	if n > 64 {
		m := 0
		for i, v := range w {
			if v > 0 {
				keys[m], order[m] = math.Log(rng.ExpFloat64())-logWeight(float64(v)), i
				m++
			}
		}
		sort.Sort(byKey{order[:m], keys[:m]})
		copy(drawn, order[:n])
		return
	}
	best := keys[:0] // the smallest keys so far, in increasing order, of the categories in drawn
	for i, v := range w {
		if v <= 0 {
			continue
		}
		key := math.Log(rng.ExpFloat64()) - logWeight(float64(v))
		if len(best) == n && key >= best[n-1] {
			continue
		}
		j := len(best)
		if j < n {
			best = append(best, 0)
		} else {
			j--
		}
		for ; j > 0 && best[j-1] > key; j-- {
			best[j], drawn[j] = best[j-1], drawn[j-1]
		}
		best[j], drawn[j] = key, i
	}
}

// logWeight is log w for a weight w > 0, also where w is subnormal, for
// which math.Log on amd64 is wrong (about -709 for any: -709.09 for
// 5e-324, whose log is -744.44).
func logWeight(w float64) float64 {
	if w < 0x1p-1022 {
		return math.Log(w*0x1p54) - 54*math.Ln2
	}
	return math.Log(w)
}

// byKey sorts categories and their keys together, by key.
type byKey struct {
	cats []int
	keys []float64
}

func (b byKey) Len() int           { return len(b.cats) }
func (b byKey) Less(i, j int) bool { return b.keys[i] < b.keys[j] }
func (b byKey) Swap(i, j int) {
	b.cats[i], b.cats[j] = b.cats[j], b.cats[i]
	b.keys[i], b.keys[j] = b.keys[j], b.keys[i]
}
