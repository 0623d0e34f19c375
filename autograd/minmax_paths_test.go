package autograd_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestMaxMinAgainstReference compares Max and Min, values and gradients,
// with a naive reference over random shapes and sets of axes, so that each
// of the kernels' layouts is taken (slices that are strided runs, slices
// side by side in columns, wider than one chunk of 256, and the general
// walk), with ties and NaNs: ties share the gradient, the first NaN takes
// it all. The loss adds x·e, so that the gradient buffer already holds a
// contribution when Max's arrives (or is the first, by the engine's order).
func TestMaxMinAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	shapes := [][]int{{7}, {3, 5}, {4, 300}, {300, 3}, {2, 3, 4}, {3, 1, 4, 2}, {2, 260, 2}}
	for _, shape := range shapes {
		r := len(shape)
		for mask := 1; mask < 1<<r; mask++ {
			var axes []int
			for a := range r {
				if mask&(1<<a) != 0 {
					axes = append(axes, a)
				}
			}
			for _, isMax := range []bool{true, false} {
				name := fmt.Sprintf("%v over %v max %v", shape, axes, isMax)
				xt := tensor.Zeros[float64](shape...)
				for i := range xt.Data() {
					if v := rng.IntN(9); v == 8 {
						xt.Data()[i] = math.NaN()
					} else {
						xt.Data()[i] = float64(v % 3)
					}
				}
				x := autograd.Param(xt)
				var y *autograd.Var[float64]
				if isMax {
					y = autograd.Max(x, axes...)
				} else {
					y = autograd.Min(x, axes...)
				}
				c := tensor.RandNormal(rng, 0.0, 1, y.Value().Shape()...)
				e := tensor.RandNormal(rng, 0.0, 1, shape...)
				autograd.Add(autograd.Sum(autograd.Mul(y, autograd.Const(c))), autograd.Sum(autograd.Mul(x, autograd.Const(e)))).Backward()
				wantY, wantG := extremumReference(xt, shape, mask, isMax, c.Data())
				for i := range wantG {
					wantG[i] += e.Data()[i]
				}
				// approxEqual first: the same verdicts as the diffs, without
				// their reflection.
				if !approxEqual(wantY, y.Value().Data(), 0, 0) {
					if d := cmp.Diff(wantY, y.Value().Data(), cmpopts.EquateNaNs()); d != "" {
						t.Errorf("%s: values (-want +got):\n%s", name, d)
					}
				}
				if !approxEqual(wantG, x.Grad().Data(), 0, 1e-15) {
					if d := cmp.Diff(wantG, x.Grad().Data(), cmpopts.EquateApprox(0, 1e-15), cmpopts.EquateNaNs()); d != "" {
						t.Errorf("%s: gradient (-want +got):\n%s", name, d)
					}
				}
			}
		}
	}
}

// extremumReference returns the extremum of each slice of x (row-major
// over the kept axes) and the gradient of Σ c·extremum: c shared among the
// ties of a slice, or all of it at its first NaN.
func extremumReference(x *tensor.Tensor[float64], shape []int, mask int, isMax bool, c []float64) ([]float64, []float64) {
	n := x.Len()
	key := func(i int) int { // the kept index of element i
		k, rem := 0, i
		div := n
		for a, d := range shape {
			div /= d
			coord := rem / div
			rem %= div
			if mask&(1<<a) == 0 {
				k = k*d + coord
			}
		}
		return k
	}
	slices := len(c)
	best := make([]float64, slices)
	seen := make([]bool, slices)
	for i, v := range x.Data() {
		k := key(i)
		switch b := best[k]; {
		case !seen[k]:
			best[k], seen[k] = v, true
		case b != b:
		case v != v:
			best[k] = v
		case isMax && v > b, !isMax && v < b:
			best[k] = v
		}
	}
	count := make([]int, slices)
	for i, v := range x.Data() {
		if v == best[key(i)] {
			count[key(i)]++
		}
	}
	grad := make([]float64, n)
	nanDone := make([]bool, slices)
	for i, v := range x.Data() {
		k := key(i)
		switch {
		case v == best[k]:
			grad[i] = c[k] / float64(count[k])
		case v != v && best[k] != best[k] && !nanDone[k]:
			grad[i], nanDone[k] = c[k], true
		}
	}
	return best, grad
}
