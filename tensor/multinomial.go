package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
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
// (torch's generator is another, so its numbers differ). Each draw takes
// one rng.Float64; a row's weights are summed in float64.
//
// It panics with a *ShapeError when weights is not 1-D or 2-D or has no
// category, and with an *ArgError for a nil rng, n < 1, a weight that is
// negative, NaN or infinite, a row whose weights sum to 0 (or overflow),
// or, without replacement, n above the row's number of non-zero weights.
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
	out := make([]int, rows*n)
	cum := make([]float64, c) // a row's running sums of the weights not drawn yet
	for r := range rows {
		w := weights.data[r*c : (r+1)*c]
		nonzero := 0
		for i, v := range w {
			if !(v >= 0) || math.IsInf(float64(v), 0) {
				panic(&ArgError{Op: op, Arg: fmt.Sprintf("weights[%d]", r*c+i), Value: v, Reason: "must be finite and non-negative"})
			}
			if v > 0 {
				nonzero++
			}
		}
		if !replacement && n > nonzero {
			panic(&ArgError{Op: op, Arg: "n", Value: n,
				Reason: fmt.Sprintf("row %d has %d non-zero weights, too few to draw that many without replacement", r, nonzero)})
		}
		drawn := out[r*n : (r+1)*n]
		total := cumulate(cum, w, nil)
		if !(total > 0) || math.IsInf(total, 0) {
			panic(&ArgError{Op: op, Arg: fmt.Sprintf("weights row %d", r), Value: total, Reason: "must have a positive, finite sum"})
		}
		for k := range drawn {
			if !replacement && k > 0 {
				total = cumulate(cum, w, drawn[:k])
			}
			drawn[k] = pick(cum, rng.Float64()*total)
		}
	}
	shape := []int{n}
	if weights.Dims() == 2 {
		shape = []int{rows, n}
	}
	return &Index{data: out, shape: shape}
}

// cumulate sets cum to the running sums of w in float64, the categories in
// skip counting 0, and returns the total.
func cumulate[T Float](cum []float64, w []T, skip []int) float64 {
	s := 0.0
	for i, v := range w {
		if v > 0 && !contains(skip, i) {
			s += float64(v)
		}
		cum[i] = s
	}
	return s
}

// contains reports whether xs holds x.
func contains(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// pick returns the category whose span of the running sums cum holds u,
// for u in [0, total): the first with cum > u, which has a weight above
// 0 (a category of weight 0 does not raise the sum).
func pick(cum []float64, u float64) int {
	i := sort.Search(len(cum), func(i int) bool { return cum[i] > u })
	if i == len(cum) { // u rounded up to the total: the last category with weight
		for i = len(cum) - 1; i > 0 && cum[i] == cum[i-1]; i-- {
		}
	}
	return i
}
