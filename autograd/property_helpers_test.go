package autograd_test

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// Helpers of the random-graph tests on shapes, values and their printing.

// Helpers on shapes and values.

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func maxAbs(x *tensor.Tensor[float64]) float64 {
	m := 0.0
	for _, v := range x.Data() {
		m = math.Max(m, math.Abs(v))
	}
	return m
}

func minOf(x *tensor.Tensor[float64]) float64 {
	m := math.Inf(1)
	for _, v := range x.Data() {
		m = math.Min(m, v)
	}
	return m
}

func maxOf(x *tensor.Tensor[float64]) float64 {
	m := math.Inf(-1)
	for _, v := range x.Data() {
		m = math.Max(m, v)
	}
	return m
}

func matmulSize(as, bs []int) int {
	a2, b2 := as, bs
	if len(as) == 1 {
		a2 = []int{1, as[0]}
	}
	if len(bs) == 1 {
		b2 = []int{bs[0], 1}
	}
	batch, _ := tensor.BroadcastShapes(a2[:len(a2)-2], b2[:len(b2)-2])
	return numel(batch) * a2[len(a2)-2] * b2[len(b2)-1]
}

func divisors(n int) []int {
	var ds []int
	for d := 1; d <= n; d++ {
		if n%d == 0 {
			ds = append(ds, d)
		}
	}
	return ds
}

func flatIndex(idx, shape []int) int {
	k := 0
	for a, i := range idx {
		k = k*shape[a] + i
	}
	return k
}

func unravelIndex(k int, shape []int) []int {
	idx := make([]int, len(shape))
	for a := len(shape) - 1; a >= 0; a-- {
		idx[a] = k % shape[a]
		k /= shape[a]
	}
	return idx
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// axesText formats the axes of a reduction: "" for all of them.
func axesText(ax []int) string {
	if len(ax) == 0 {
		return ""
	}
	return fmt.Sprintf(", axes %v", ax)
}

func ints(s []int) string {
	if len(s) == 0 {
		return "[]"
	}
	return fmt.Sprint(s)
}

func (g *rgGraph) names(args []int) string {
	ns := make([]string, len(args))
	for k, a := range args {
		ns[k] = g.nm(a)
	}
	return strings.Join(ns, ", ")
}

func rangeText(r autograd.Range) string {
	stop := strconv.Itoa(r.Stop)
	if r.Stop == tensor.End {
		stop = "End"
	}
	return fmt.Sprintf("%d:%s:%d", r.Start, stop, r.Step)
}

func rangesText(rs []autograd.Range) string {
	ts := make([]string, len(rs))
	for k, r := range rs {
		ts[k] = rangeText(r)
	}
	return "[" + strings.Join(ts, ", ") + "]"
}

// compact formats a tensor's elements with 4 significant digits; of more
// than 24 elements, the first 12 and how many there are.
func compact(x *tensor.Tensor[float64]) string {
	d := x.Data()
	more := ""
	if len(d) > 24 {
		d, more = d[:12], fmt.Sprintf(" ... (%d elements)", len(d))
	}
	ts := make([]string, len(d))
	for k, v := range d {
		ts[k] = strconv.FormatFloat(v, 'g', 4, 64)
	}
	return "[" + strings.Join(ts, " ") + more + "]"
}
