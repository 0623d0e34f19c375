package tensor_test

import (
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
)

// This file checks the shape kernels that write into a given tensor
// against the allocating ops they mirror: overwriting (beta 0, over a
// destination full of NaN, which must not leak through) and accumulating
// (beta 1, which must give Add(dst, op(x)) exactly). The kernels only move
// elements, so results are compared bit for bit.

// shpIntoCase is one row: the expected result of the allocating op and the
// kernel that writes it into dst with beta.
type shpIntoCase struct {
	name string
	want *tensor.Tensor[float64]
	into func(dst *tensor.Tensor[float64], beta float64)
	// noBeta: the kernel overwrites dst and takes no beta.
	noBeta bool
}

func shpIntoRand(rng *rand.Rand, shape ...int) *tensor.Tensor[float64] {
	return tensor.RandNormal[float64](rng, 0, 1, shape...)
}

func shpIntoCases() []shpIntoCase {
	rng := rand.New(rand.NewPCG(3, 5))
	x := shpIntoRand(rng, 2, 3, 4, 5)
	m := shpIntoRand(rng, 3, 4)
	row := shpIntoRand(rng, 1, 4)
	a, b, c := shpIntoRand(rng, 2, 1, 5), shpIntoRand(rng, 2, 3, 5), shpIntoRand(rng, 2, 0, 5)
	s1, s2 := shpIntoRand(rng, 3, 4), shpIntoRand(rng, 3, 4)
	w := shpIntoRand(rng, 6, 3)
	ids := []int{4, 0, 4, 5, 1, 2}
	rs := []tensor.Range{{Start: 1, Stop: tensor.End, Step: 2}, {Start: -2, Stop: tensor.End, Step: 1}, {Start: 0, Stop: 4, Step: 3}}
	padW := [][2]int{{1, 0}, {0, 2}, {2, 1}, {0, 0}}
	var cases []shpIntoCase
	add := func(name string, want *tensor.Tensor[float64], into func(dst *tensor.Tensor[float64], beta float64)) {
		cases = append(cases, shpIntoCase{name: name, want: want, into: into})
	}
	for _, axes := range [][]int{{0, 2, 1, 3}, {3, 2, 1, 0}, {-1, 0, 1, 2}, {0, 1, 2, 3}} {
		add("Permute "+cmpString(axes), tensor.Permute(x, axes...), func(d *tensor.Tensor[float64], beta float64) { tensor.PermuteInto(d, x, beta, axes...) })
	}
	add("Permute 2-D (Transpose)", tensor.Transpose(m), func(d *tensor.Tensor[float64], beta float64) { tensor.PermuteInto(d, m, beta, 1, 0) })
	add("Permute 0-D", tensor.Scalar(2.5), func(d *tensor.Tensor[float64], beta float64) { tensor.PermuteInto(d, tensor.Scalar(2.5), beta) })
	add("Slice strided", tensor.Slice(x, rs...), func(d *tensor.Tensor[float64], beta float64) { tensor.SliceInto(d, x, beta, rs...) })
	add("Slice empty", tensor.Slice(x, tensor.Range{Step: 1}), func(d *tensor.Tensor[float64], beta float64) { tensor.SliceInto(d, x, beta, tensor.Range{Step: 1}) })
	back := []tensor.Range{{Start: -1, Stop: tensor.End, Step: -1}, {Start: 2, Stop: tensor.End, Step: -2}}
	add("Slice backwards", tensor.Slice(x, back...), func(d *tensor.Tensor[float64], beta float64) { tensor.SliceInto(d, x, beta, back...) })
	xb := tensor.Slice(x, back...)
	add("ScatterSlice backwards", tensor.ScatterSlice(xb, x.Shape(), back...), func(d *tensor.Tensor[float64], beta float64) {
		if beta == 0 {
			d.Fill(0)
		}
		tensor.ScatterSliceInto(d, xb, beta, back...)
	})
	sl := tensor.Slice(x, rs...)
	add("ScatterSlice", tensor.ScatterSlice(sl, x.Shape(), rs...), func(d *tensor.Tensor[float64], beta float64) {
		if beta == 0 {
			d.Fill(0)
		}
		tensor.ScatterSliceInto(d, sl, beta, rs...)
	})
	add("Narrow (a piece of a Split)", tensor.Slice(x, tensor.Range{Stop: tensor.End, Step: 1}, tensor.Range{Start: 1, Stop: 3, Step: 1}),
		func(d *tensor.Tensor[float64], beta float64) { tensor.NarrowInto(d, x, 1, 1, beta) })
	piece := tensor.Slice(x, tensor.Range{Stop: tensor.End, Step: 1}, tensor.Range{Stop: tensor.End, Step: 1}, tensor.Range{Start: 2, Stop: 4, Step: 1})
	add("NarrowScatter", tensor.ScatterSlice(piece, x.Shape(), tensor.Range{Stop: tensor.End, Step: 1}, tensor.Range{Stop: tensor.End, Step: 1}, tensor.Range{Start: 2, Stop: 4, Step: 1}),
		func(d *tensor.Tensor[float64], beta float64) {
			if beta == 0 {
				d.Fill(0)
			}
			tensor.NarrowScatterInto(d, piece, -2, 2, beta)
		})
	for ax := range 3 {
		add("Select axis "+cmpString(ax), tensor.Squeeze(tensor.Slice(x, shpIntoAlong(ax, 1)...), ax),
			func(d *tensor.Tensor[float64], beta float64) { tensor.SelectInto(d, x, ax, 1, beta) })
	}
	add("BroadcastTo a row", tensor.BroadcastTo(row, 2, 3, 4), func(d *tensor.Tensor[float64], beta float64) { tensor.BroadcastToInto(d, row, beta) })
	add("BroadcastTo a middle axis", tensor.BroadcastTo(a, 2, 4, 5), func(d *tensor.Tensor[float64], beta float64) { tensor.BroadcastToInto(d, a, beta) })
	add("BroadcastTo same size", tensor.BroadcastTo(a, 1, 2, 1, 5), func(d *tensor.Tensor[float64], beta float64) { tensor.BroadcastToInto(d, a, beta) })
	cases = append(cases,
		shpIntoCase{name: "Pad", want: tensor.Pad(x, padW, -3), noBeta: true,
			into: func(d *tensor.Tensor[float64], _ float64) { tensor.PadInto(d, x, padW, -3) }},
		shpIntoCase{name: "Concat", want: tensor.Concat(1, a, b, c, a), noBeta: true,
			into: func(d *tensor.Tensor[float64], _ float64) { tensor.ConcatInto(d, 1, a, b, c, a) }},
		shpIntoCase{name: "Concat last axis", want: tensor.Concat(-1, s1, s2), noBeta: true,
			into: func(d *tensor.Tensor[float64], _ float64) { tensor.ConcatInto(d, -1, s1, s2) }},
		shpIntoCase{name: "Embedding", want: tensor.IndexSelect(w, 0, ids).Reshape(2, 3, 3), noBeta: true,
			into: func(d *tensor.Tensor[float64], _ float64) { tensor.EmbeddingInto(d, w, ids) }},
	)
	// The gradient of Embedding: rows of g added at their ids (4 twice)
	// into zeros; with padding 4, its two rows are skipped. (Into a
	// nonzero dst a repeated id adds twice in turn, which rounds otherwise
	// than adding a sum.)
	g := shpIntoRand(rng, 2, 3, 3)
	unpadded := tensor.IndexSelect(g.Reshape(6, 3), 0, []int{1, 3, 4, 5})
	cases = append(cases,
		shpIntoCase{name: "EmbeddingAdd", want: tensor.IndexAdd(g.Reshape(6, 3), 0, ids, 6), noBeta: true,
			into: func(d *tensor.Tensor[float64], _ float64) { d.Fill(0); tensor.EmbeddingAddInto(d, g, ids) }},
		shpIntoCase{name: "EmbeddingPaddedAdd", want: tensor.IndexAdd(unpadded, 0, []int{0, 5, 1, 2}, 6), noBeta: true,
			into: func(d *tensor.Tensor[float64], _ float64) { d.Fill(0); tensor.EmbeddingPaddedAddInto(d, g, ids, 4) }},
	)
	for _, ax := range []int{0, 1, 2, -1} {
		cases = append(cases, shpIntoCase{name: "Stack axis " + cmpString(ax), want: tensor.Stack(ax, s1, s2, s1), noBeta: true,
			into: func(d *tensor.Tensor[float64], _ float64) { tensor.StackInto(d, ax, s1, s2, s1) }})
	}
	return cases
}

func cmpString(v any) string { return cmp.Diff(nil, v) }

// shpIntoAlong returns ranges selecting index i of axis ax and all of the
// axes before it.
func shpIntoAlong(ax, i int) []tensor.Range {
	rs := make([]tensor.Range, ax+1)
	for k := range ax {
		rs[k] = tensor.Range{Stop: tensor.End, Step: 1}
	}
	rs[ax] = tensor.Range{Start: i, Stop: i + 1, Step: 1}
	return rs
}

func TestShapeIntoKernelsMatchAllocatingOps(t *testing.T) {
	for _, c := range shpIntoCases() {
		t.Run(c.name, func(t *testing.T) {
			nan := tensor.Full(nan64(), c.want.Shape()...)
			c.into(nan, 0)
			if err := shpSameBits(nan, c.want); err != "" {
				t.Errorf("beta 0: %s", err)
			}
			if c.noBeta {
				return
			}
			rng := rand.New(rand.NewPCG(9, 9))
			base := shpIntoRand(rng, c.want.Shape()...)
			acc := base.Clone()
			c.into(acc, 1)
			if err := shpSameBits(acc, tensor.Add(base, c.want)); err != "" {
				t.Errorf("beta 1: %s", err)
			}
		})
	}
}

func nan64() float64 { var z float64; return z / z }

// shpSameBits returns "" when a and b have one shape and the same bits.
func shpSameBits(a, b *tensor.Tensor[float64]) string {
	if diff := cmp.Diff(b.Shape(), a.Shape()); diff != "" {
		return "shape (-want +got):\n" + diff
	}
	for i, v := range a.Data() {
		if w := b.Data()[i]; v != w && !(v != v && w != w) {
			return cmp.Diff(b.Data(), a.Data())
		}
	}
	return ""
}

func TestShapeIntoKernelsAllocateNothing(t *testing.T) {
	if intoRaceEnabled {
		t.Skip("the race detector allocates")
	}
	for _, c := range shpIntoCases() {
		dst := tensor.Zeros[float64](c.want.Shape()...)
		if n := testing.AllocsPerRun(10, func() { c.into(dst, 1) }); n != 0 {
			t.Errorf("%s: %v allocations, want 0", c.name, n)
		}
	}
}

func TestShapeIntoKernelsPanic(t *testing.T) {
	x := tensor.Zeros[float64](2, 3)
	tests := []struct {
		name string
		f    func()
	}{
		{"Permute not a permutation", func() { tensor.PermuteInto(tensor.Zeros[float64](3, 2), x, 0, 0, 0) }},
		{"Permute wrong destination", func() { tensor.PermuteInto(tensor.Zeros[float64](2, 3), x, 0, 1, 0) }},
		{"Slice wrong destination", func() { tensor.SliceInto(tensor.Zeros[float64](2, 2), x, 0, tensor.Range{Stop: 1, Step: 1}) }},
		{"ScatterSlice wrong source", func() { tensor.ScatterSliceInto(x, tensor.Zeros[float64](2, 2), 0, tensor.Range{Stop: 1, Step: 1}) }},
		{"Narrow past the end", func() { tensor.NarrowInto(tensor.Zeros[float64](2, 2), x, 1, 2, 0) }},
		{"Concat of no tensors", func() { tensor.ConcatInto(x, 0) }},
		{"Concat wrong destination", func() { tensor.ConcatInto(x, 0, x, x) }},
		{"Stack of different shapes", func() { tensor.StackInto(tensor.Zeros[float64](2, 2, 3), 0, x, tensor.Zeros[float64](3, 2)) }},
		{"Select out of range", func() { tensor.SelectInto(tensor.Zeros[float64](2), x, 1, 3, 0) }},
		{"BroadcastTo no broadcast", func() { tensor.BroadcastToInto(tensor.Zeros[float64](2, 2), x, 0) }},
		{"Pad negative width", func() { tensor.PadInto(x, x, [][2]int{{0, 0}, {-1, 1}}, 0) }},
		{"Embedding id out of range", func() { tensor.EmbeddingInto(tensor.Zeros[float64](1, 3), x, []int{2}) }},
		// dst sharing memory with an operand would read overwritten elements.
		{"Permute in place", func() { sq := tensor.Zeros[float64](3, 3); tensor.PermuteInto(sq, sq, 0, 1, 0) }},
		{"Slice into its source", func() {
			v := tensor.Zeros[float64](5)
			tensor.SliceInto(v, v, 0, tensor.Range{Start: -1, Stop: tensor.End, Step: -1})
		}},
		{"Concat into memory an operand shares", func() {
			big := tensor.Zeros[float64](4, 3)
			tensor.ConcatInto(big, 0, x, tensor.MustNew(big.Data()[6:], 2, 3))
		}},
		{"EmbeddingPaddedAdd id out of range", func() { tensor.EmbeddingPaddedAddInto(x, tensor.Zeros[float64](1, 3), []int{-1}, -1) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if _, ok := recover().(*tensor.ShapeError); !ok {
					t.Errorf("did not panic with a *tensor.ShapeError")
				}
			}()
			tc.f()
		})
	}
}
