package tensor

import (
	"slices"
	"strings"
	"testing"
)

// overlapCase is a kernel called with a destination that shares memory
// with an operand, and the op its *ShapeError must name. The name's part
// after "/" and before "=", when there is one, is the buffer the error
// must blame (dst by default: "dst", "cols", "work" or "arg").
type overlapCase struct {
	name, op string
	f        func()
}

// blamed returns the buffer an overlapCase's error must name.
func (c overlapCase) blamed() string {
	_, sub, ok := strings.Cut(c.name, "/")
	who, _, eq := strings.Cut(sub, "=")
	if !ok || !eq {
		return "dst"
	}
	switch who {
	case "cols", "work", "arg":
		return who
	}
	return "dst"
}

// checkOverlapPanics runs each case and checks that it panics with a
// *ShapeError naming its op and saying that memory is shared: each of these
// kernels gave a silently wrong result (or an untyped panic) instead.
func checkOverlapPanics(t *testing.T, cases []overlapCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			se := shapePanic(t, c.f)
			if se == nil {
				return
			}
			who := c.blamed()
			want := who + " shares memory with an operand"
			if strings.HasSuffix(c.name, "/shifted") || strings.HasSuffix(c.name, "/shifted x") {
				want = "dst overlaps an operand without being it" // a kernel that may work in place
			}
			if se.Op != c.op || !strings.HasPrefix(se.Reason, want) {
				t.Errorf("panic %q: want op %s and %q", se.Error(), c.op, want)
			}
		})
	}
}

// identityTaps maps an axis of n onto itself, one tap of weight 1 each.
func identityTaps(n int) AxisTaps[float64] {
	a := AxisTaps[float64]{In: n, Step: 1, Lo: make([]int, n), N: make([]int, n), W0: make([]float64, n), W: make([]float64, n)}
	for i := range n {
		a.Lo[i], a.N[i], a.W0[i] = i, 1, 1
	}
	return a
}

// TestIndexKernelsRefuseSharedMemory: the gather, scatter, padding and
// resampling kernels refuse a destination that shares memory with their
// source, as the package documents.
func TestIndexKernelsRefuseSharedMemory(t *testing.T) {
	x := MustNew([]float64{1, 2, 3}, 3)
	sq := MustNew([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9}, 3, 3)
	id := [][]int{{0, 1, 2}, {0, 1, 2}}
	rows := identityTaps(3)
	idx := make([]int, 9)
	for i := range idx {
		idx[i] = i
	}
	// The second half of a buffer as a view: partial overlap counts too.
	buf := MustNew([]float64{1, 2, 3, 4, 5, 6}, 6)
	lo, hi := MustNew(buf.data[:3], 3), MustNew(buf.data[2:5], 3)
	checkOverlapPanics(t, []overlapCase{
		{"ScatterAddAlongInto", "ScatterAddAlongInto", func() { ScatterAddAlongInto(x, x, []int{1, 2, 0}, 0) }},
		{"ScatterAddAlongInto/partial", "ScatterAddAlongInto", func() { ScatterAddAlongInto(hi, lo, []int{1, 2, 0}, 0) }},
		{"GatherAlongInto", "GatherAlongInto", func() { GatherAlongInto(x, x, []int{1, 2, 0}, 0) }},
		{"PadMapAdjointInto", "PadMapAdjointInto", func() { PadMapAdjointInto(sq, sq, id, 1) }},
		{"Resample2DInto", "Resample2DInto", func() { Resample2DInto(sq, sq, rows, rows, 0) }},
		{"Resample2DAdjointInto", "Resample2DAdjointInto", func() { Resample2DAdjointInto(sq, sq, rows, rows, 1) }},
		{"WindowMax2DInto", "WindowMax2DInto", func() { WindowMax2DInto(sq, idx, sq, rows, rows) }},
		{"ScatterAddPlanesInto", "ScatterAddPlanesInto", func() { ScatterAddPlanesInto(sq, sq, idx, 0) }},
		{"ScatterPlanesInto", "ScatterPlanesInto", func() { ScatterPlanesInto(sq, sq, idx) }},
		{"GatherPlanesInto", "GatherPlanesInto", func() { GatherPlanesInto(sq, sq, idx) }},
	})
}

// TestScatterAddAlongIntoDistinctBuffers pins the value the shared-memory
// case got wrong ([7 3 6]): scattering [1 2 3] by [1 2 0] into a copy of
// itself gives [1+3 2+1 3+2].
func TestScatterAddAlongIntoDistinctBuffers(t *testing.T) {
	x := MustNew([]float64{1, 2, 3}, 3)
	dst := x.Clone()
	ScatterAddAlongInto(dst, x, []int{1, 2, 0}, 0)
	checkTensor(t, "ScatterAddAlongInto", dst, []int{3}, []float64{4, 3, 5}, 0)
}

// TestConvPoolKernelsRefuseSharedMemory: the convolution and pooling
// kernels refuse an output (or a columns or work buffer they write) that
// shares memory with what they read. Before, they gave wrong results, or
// panicked with the matrix kernel's own error, which names neither the op
// nor the shapes.
func TestConvPoolKernelsRefuseSharedMemory(t *testing.T) {
	pw := Window2D{Kernel: [2]int{1, 1}, Stride: [2]int{1, 1}, Dilation: [2]int{1, 1}}
	same := Window2D{Kernel: [2]int{3, 3}, Stride: [2]int{1, 1}, Padding: [2]int{1, 1}, Dilation: [2]int{1, 1}}
	k2 := Window2D{Kernel: [2]int{2, 2}, Stride: [2]int{1, 1}, Dilation: [2]int{1, 1}}
	img := func() *Tensor[float64] { return MustNew([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3) }
	x, g := img(), img()
	w1 := MustNew([]float64{2}, 1, 1, 1, 1)
	w2 := MustNew([]float64{1, 2, 3, 4}, 1, 1, 2, 2)
	g2 := MustNew([]float64{1, 2, 3, 4}, 1, 1, 2, 2)
	// x and the columns of a 2×2 window (4 taps × 4 positions) over one buffer.
	buf := make([]float64, 25)
	for i := range buf {
		buf[i] = float64(i)
	}
	bx, bcols := MustNew(buf[:9], 1, 1, 3, 3), MustNew(buf[5:21], 4, 4)
	cols := Zeros[float64](4, 4)
	arg := Zeros[float64](1, 1, 3, 3) // valid maxima: MaxPool2DInto's own
	MaxPool2DInto(Zeros[float64](1, 1, 3, 3), arg, img(), same)
	checkOverlapPanics(t, []overlapCase{
		{"Im2ColInto", "Im2ColInto", func() { Im2ColInto(x.Reshape(1, 9), x, pw) }},
		{"Col2ImAddInto", "Col2ImAddInto", func() { Col2ImAddInto(x, x.Reshape(1, 9), pw) }},
		{"Conv2DInto/out=x", "Conv2DInto", func() { Conv2DInto(x, x, w1, nil, nil, pw) }},
		{"Conv2DInto/out=w", "Conv2DInto", func() { Conv2DInto(g2, x, g2, nil, cols, k2) }},
		{"Conv2DInto/out=cols", "Conv2DInto", func() { Conv2DInto(MustNew(buf[:4], 1, 1, 2, 2), x, w2, nil, MustNew(buf[:16], 4, 4), k2) }},
		{"Conv2DInto/cols=x", "Conv2DInto", func() { Conv2DInto(Zeros[float64](1, 1, 2, 2), bx, w2, nil, bcols, k2) }},
		{"Conv2DWeightGradInto/dw=g", "Conv2DWeightGradInto", func() { Conv2DWeightGradInto(g2, x, g2, cols, nil, k2, 0) }},
		{"Conv2DWeightGradInto/cols=x", "Conv2DWeightGradInto", func() { Conv2DWeightGradInto(Zeros[float64](1, 1, 2, 2), bx, g2, bcols, nil, k2, 0) }},
		{"Conv2DWeightGradInto/work=g", "Conv2DWeightGradInto", func() { Conv2DWeightGradInto(Zeros[float64](1, 1, 2, 2), x, g2, cols, g2, k2, 0) }},
		{"Conv2DInputGradInto/dx=g", "Conv2DInputGradInto", func() { Conv2DInputGradInto(g, g, w1, nil, pw) }},
		{"Conv2DInputGradInto/work=g", "Conv2DInputGradInto", func() {
			Conv2DInputGradInto(Zeros[float64](1, 1, 3, 3), MustNew(buf[:4], 1, 1, 2, 2), w2, MustNew(buf[:16], 16), k2)
		}},
		{"Conv2DBiasGradInto", "Conv2DBiasGradInto", func() { Conv2DBiasGradInto(MustNew(g.data[:1], 1), g, 0) }},
		{"ConvTranspose2DInto", "ConvTranspose2DInto", func() { ConvTranspose2DInto(x, x, w1, nil, nil, pw) }},
		{"ConvTranspose2DInputGradInto", "ConvTranspose2DInputGradInto", func() { ConvTranspose2DInputGradInto(g, g, w1, nil, pw) }},
		{"ConvTranspose2DWeightGradInto", "ConvTranspose2DWeightGradInto", func() {
			ConvTranspose2DWeightGradInto(MustNew(x.data[:1], 1, 1, 1, 1), x, g, nil, nil, pw, 0)
		}},
		{"MaxPool2DInto/out=x", "MaxPool2DInto", func() { MaxPool2DInto(x, nil, x, same) }},
		{"MaxPool2DInto/arg=x", "MaxPool2DInto", func() { MaxPool2DInto(Zeros[float64](1, 1, 3, 3), x, x, same) }},
		{"MaxPool2DScatterInto", "MaxPool2DScatterInto", func() { MaxPool2DScatterInto(g, g, arg, same, 0) }},
		{"MaxPool2DGatherInto", "MaxPool2DGatherInto", func() { MaxPool2DGatherInto(g, g, arg, same) }},
		{"AvgPool2DInto", "AvgPool2DInto", func() { AvgPool2DInto(x, x, same) }},
		{"AvgPool2DGradInto", "AvgPool2DGradInto", func() { AvgPool2DGradInto(g, g, same, 0) }},
	})
}

// TestReductionsAndMasksRefuseSharedMemory: the reductions, the fused
// softmax cross-entropy, argsort's scratch, the scatter-reduce kernels and
// the mask kernels refuse a destination that shares memory with what they
// read (or, where they may work in place, that overlaps it without being
// it). Each of these gave a silently wrong result before.
func TestReductionsAndMasksRefuseSharedMemory(t *testing.T) {
	buf := []float64{1, 2, 3, 4, 5, 6, 7}
	x := MustNew(buf[:6], 2, 3)
	logits := MustNew([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	m := MustMask([]bool{true, false, true, true, false, false}, 2, 3)
	idx := make([]int, 6)
	checkOverlapPanics(t, []overlapCase{
		{"SumToInto", "SumToInto", func() { SumToInto(MustNew(buf[:3], 1, 3), x, 1, 0) }},
		{"SumToInto/shifted", "SumToInto", func() { SumToInto(MustNew(buf[1:7], 2, 3), x, 1, 0) }},
		{"SoftmaxCrossEntropy", "SoftmaxCrossEntropy", func() { SoftmaxCrossEntropy(logits, logits, []int{0, 2}, make([]float64, 2)) }},
		{"ScatterReduceInto/shifted x", "ScatterReduceInto", func() {
			ScatterReduceInto(MustNew(buf[1:7], 6), MustNew(buf[:6], 6), Full(1.0, 2), []int{0, 5}, []int{0, 1}, "sum", true,
				make([]int, ScatterReduceWork(6, 2)))
		}},
	})
	wantShapePanic(t, "tensor: SoftmaxCrossEntropy: losses share memory with logits or probs: [2 3] x [2]", func() {
		SoftmaxCrossEntropy(Zeros[float64](2, 3), logits, []int{0, 2}, logits.data[4:])
	})
	wantShapePanic(t, "tensor: ArgsortInto: idx and scratch share memory: [2 3]", func() { ArgsortInto(idx, x, 1, false, idx) })
	wantShapePanic(t, "tensor: ScatterReduceWeights: weights share memory with each other or with x, src or out: [6] x [2] x [6]", func() {
		x6 := Full(1.0, 6)
		ScatterReduceWeights(x6.data, make([]float64, 2), x6, Full(1.0, 2), Full(1.0, 6), []int{0, 5}, []int{0, 1}, "sum", true,
			make([]int, ScatterReduceWork(6, 2)))
	})
	wantShapePanic(t, "tensor: Any: dst shares memory with the mask: give it a mask of its own: [2] x [2 3]", func() {
		AnyInto(MustMask(m.data[:2], 2), m, 1)
	})
	wantShapePanic(t, "tensor: All: dst shares memory with the mask: give it a mask of its own: [3] x [2 3]", func() {
		AllInto(MustMask(m.data[3:], 3), m, 0)
	})
	wantShapePanic(t, "tensor: LogicalAnd: dst overlaps an operand without being it: [2 3] x [2 3] x [3]", func() {
		LogicalAndInto(m, m, MustMask(m.data[:3], 3))
	})
	wantShapePanic(t, "tensor: LogicalNot: dst overlaps the mask without being it: [2 3] x [2 3]", func() {
		all := []bool{true, false, true, true, false, false, true}
		LogicalNotInto(MustMask(all[1:], 2, 3), MustMask(all[:6], 2, 3))
	})
}

// TestMaskAndSumInPlace: the kernels that may work in place still do,
// with the values of a separate destination.
func TestMaskAndSumInPlace(t *testing.T) {
	m := MustMask([]bool{true, false, true, true, false, false}, 2, 3)
	o := MustMask([]bool{true, true, false, true, false, true}, 2, 3)
	LogicalAndInto(m, m, o)
	if got, want := m.data, []bool{true, false, false, true, false, false}; !slices.Equal(got, want) {
		t.Errorf("LogicalAndInto in place = %v, want %v", got, want)
	}
	LogicalNotInto(m, m)
	if got, want := m.data, []bool{false, true, true, false, true, true}; !slices.Equal(got, want) {
		t.Errorf("LogicalNotInto in place = %v, want %v", got, want)
	}
	x := MustNew([]float64{1, 2, 3, 4}, 2, 2)
	SumToInto(x, x, 2, 1) // equal sizes: 1·x + 2·x
	checkTensor(t, "SumToInto in place", x, []int{2, 2}, []float64{3, 6, 9, 12}, 0)
	// ScatterReduceInto with dst = x.
	y := MustNew([]float64{1, 2, 3, 4}, 4)
	ScatterReduceInto(y, y, MustNew([]float64{10, 20}, 2), []int{3, 0}, []int{0, 1}, "sum", true, make([]int, ScatterReduceWork(4, 2)))
	checkTensor(t, "ScatterReduceInto in place", y, []int{4}, []float64{21, 2, 3, 14}, 0)
}
