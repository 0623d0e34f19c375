package tensor

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// elemKernel is an elementwise kernel (or a scan) under test: f writes
// into dst from the operands ops (one or two, of dst's shape), each of
// which may be dst itself. An accumulating kernel (acc) adds into dst.
type elemKernel struct {
	name  string
	arity int
	f     func(dst *Tensor[float64], ops ...*Tensor[float64])
	acc   bool
}

func elemKernels() []elemKernel {
	u := func(name string, f func(dst, x *Tensor[float64])) elemKernel {
		return elemKernel{name, 1, func(d *Tensor[float64], o ...*Tensor[float64]) { f(d, o[0]) }, false}
	}
	b := func(name string, f func(dst, x, y *Tensor[float64])) elemKernel {
		return elemKernel{name, 2, func(d *Tensor[float64], o ...*Tensor[float64]) { f(d, o[0], o[1]) }, false}
	}
	mulAdd := b("MulAddInto", MulAddInto[float64])
	mulAdd.acc = true
	return []elemKernel{mulAdd,
		b("AddInto", AddInto[float64]), b("SubInto", SubInto[float64]), b("MulInto", MulInto[float64]),
		u("ScaleInto", func(d, x *Tensor[float64]) { ScaleInto(d, x, 3) }),
		u("SigmoidInto", SigmoidInto[float64]), u("TanhInto", TanhInto[float64]), u("ReLUInto", ReLUInto[float64]),
		b("SigmoidGradInto", SigmoidGradInto[float64]), b("TanhGradInto", TanhGradInto[float64]),
		b("ReLUGradInto", ReLUGradInto[float64]),
		u("ExpInto", ExpInto[float64]), u("LogInto", LogInto[float64]), u("Log1pInto", Log1pInto[float64]),
		u("Expm1Into", Expm1Into[float64]), u("ErfInto", ErfInto[float64]), u("NormCDFInto", NormCDFInto[float64]),
		u("GELUInto", GELUInto[float64]), u("GELUTanhInto", GELUTanhInto[float64]), u("SiLUInto", SiLUInto[float64]),
		u("SoftplusInto", SoftplusInto[float64]),
		b("GELUGradInto", GELUGradInto[float64]), b("GELUTanhGradInto", GELUTanhGradInto[float64]),
		b("SiLUGradInto", SiLUGradInto[float64]), b("SoftplusGradInto", SoftplusGradInto[float64]),
		b("ErfGradInto", ErfGradInto[float64]), b("NormCDFGradInto", NormCDFGradInto[float64]),
		u("CumsumInto", func(d, x *Tensor[float64]) { CumsumInto(d, x, 1, false) }),
		u("CumprodInto", func(d, x *Tensor[float64]) { CumprodInto(d, x, 0) }),
		u("CumExtremumInto", func(d, x *Tensor[float64]) { CumExtremumInto(d, make([]int, len(x.data)), x, 1, true) }),
		u("LogCumSumExpInto", func(d, x *Tensor[float64]) { LogCumSumExpInto(d, x, 1) }),
		u("TrilInto", func(d, x *Tensor[float64]) { TrilInto(d, x, 0) }),
		u("TriuInto", func(d, x *Tensor[float64]) { TriuInto(d, x, 1) }),
		u("SoftmaxInto", func(d, x *Tensor[float64]) { SoftmaxInto(d, x, 1) }),
	}
}

// TestElementwiseInPlace: each elementwise kernel (and scan) gives, with
// dst the operand itself, the bits it gives into a dst of its own (one
// holding the operand's values, for MulAddInto, which adds into it).
func TestElementwiseInPlace(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	operand := func() *Tensor[float64] {
		x := Zeros[float64](4, 37) // past a vector step, with a tail
		for i := range x.data {
			x.data[i] = rng.Float64()*2 + 0.1 // positive: Log is finite
		}
		return x
	}
	for _, k := range elemKernels() {
		ops := make([]*Tensor[float64], k.arity)
		for i := range ops {
			ops[i] = operand()
		}
		for i := range ops {
			want := Zeros[float64](4, 37)
			if k.acc {
				want = ops[i].Clone() // what dst = operand i adds into
			}
			k.f(want, ops...)
			in := make([]*Tensor[float64], k.arity)
			for j := range in {
				in[j] = ops[j].Clone()
			}
			k.f(in[i], in...)
			for e := range want.data {
				if math.Float64bits(in[i].data[e]) != math.Float64bits(want.data[e]) {
					t.Fatalf("%s with dst = operand %d: element %d = %v, want %v", k.name, i, e, in[i].data[e], want.data[e])
				}
			}
		}
	}
}

// TestElementwiseShiftedOverlap: each elementwise kernel (and scan)
// refuses a dst that overlaps an operand without being it, which would
// read elements it already wrote.
func TestElementwiseShiftedOverlap(t *testing.T) {
	for _, k := range elemKernels() {
		for i := range k.arity {
			buf := make([]float64, 2*37+1)
			for e := range buf {
				buf[e] = 0.5 + float64(e%7)/8
			}
			ops := make([]*Tensor[float64], k.arity)
			for j := range ops {
				ops[j] = Full(0.25, 2, 37)
			}
			ops[i] = MustNew(buf[1:], 2, 37)
			dst := MustNew(buf[:2*37], 2, 37)
			se := shapePanic(t, func() { k.f(dst, ops...) })
			if se != nil && (!strings.HasPrefix(k.name, se.Op) || se.Reason != "dst overlaps an operand without being it") {
				t.Errorf("%s, operand %d: %v", k.name, i, se)
			}
		}
	}
	// A broadcast operand at dst's start is not dst, although it starts
	// where dst does: dst's first row would overwrite it.
	x := MustNew([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	row := MustNew(x.data[:3], 3)
	wantShapePanic(t, "tensor: AddInto: dst overlaps an operand without being it: [2 3] x [3]", func() { AddInto(x, x, row) })
}

// TestGELUAndGradIntoOverlap: dst and d may each be x but not share memory
// with each other.
func TestGELUAndGradIntoOverlap(t *testing.T) {
	x := MustNew([]float64{-1, 0.5, 2}, 3)
	wantShapePanic(t, "tensor: GELUAndGradInto: dst shares memory with an operand: give it a tensor of its own: [3] x [3]",
		func() { d := Zeros[float64](3); GELUAndGradInto(d, d, x) })
	dst, d := Zeros[float64](3), Zeros[float64](3)
	GELUAndGradInto(dst, d, x)
	xd := x.Clone()
	GELUAndGradInto(xd, Zeros[float64](3), xd)
	checkTensor(t, "GELU in place", xd, []int{3}, viewOf(dst).Data, 0)
	xg := x.Clone()
	GELUAndGradInto(Zeros[float64](3), xg, xg)
	checkTensor(t, "GELU's derivative in place", xg, []int{3}, viewOf(d).Data, 0)
}

// TestElementwiseChecksAllocateNothing: the shape and overlap checks of
// the elementwise kernels allocate nothing (a training step under an
// arena must not).
func TestElementwiseChecksAllocateNothing(t *testing.T) {
	x, y := Full(0.5, 3, 5), Full(0.25, 3, 5)
	row := Full(1.0, 5)
	for _, k := range elemKernels() {
		ops := []*Tensor[float64]{x, y}[:k.arity]
		dst := Zeros[float64](3, 5)
		if n := testing.AllocsPerRun(20, func() { k.f(dst, ops...) }); n != 0 && k.name != "CumExtremumInto" {
			t.Errorf("%s: %v allocations, want 0", k.name, n)
		}
	}
	dst := Zeros[float64](3, 5)
	if n := testing.AllocsPerRun(20, func() { AddInto(dst, dst, row) }); n != 0 {
		t.Errorf("AddInto with a broadcast row: %v allocations, want 0", n)
	}
}

// TestInPlaceAddAndCausalSoftmaxOverlap: AddInPlace, AddScaledInPlace and
// SoftmaxCausalRows may take their destination itself as the source, but
// refuse a source that overlaps it otherwise.
func TestInPlaceAddAndCausalSoftmaxOverlap(t *testing.T) {
	buf := []float64{1, 2, 3, 4, 5, 6, 7}
	x := MustNew(buf[:6], 2, 3)
	wantShapePanic(t, "tensor: AddInPlace: the source overlaps the destination without being it: [2 3] x [2 3]",
		func() { x.AddInPlace(MustNew(buf[1:], 2, 3)) })
	wantShapePanic(t, "tensor: AddScaledInPlace: the source overlaps the destination without being it: [2 3] x [3]",
		func() { x.AddScaledInPlace(2, MustNew(buf[:3], 3)) })
	wantShapePanic(t, "tensor: SoftmaxCausalRows: dst overlaps x without being it: [4] x [4]",
		func() { SoftmaxCausalRows(buf[1:5], buf[:4], 2) })
	x.AddInPlace(x)
	checkTensor(t, "AddInPlace(x)", x, []int{2, 3}, []float64{2, 4, 6, 8, 10, 12}, 0)
	s := []float64{1, 9, 2, 3}
	SoftmaxCausalRows(s, s, 2)
	e := math.Exp(1.0)
	checkTensor(t, "SoftmaxCausalRows in place", MustNew(s, 4), []int{4}, []float64{1, 0, 1 / (1 + e), e / (1 + e)}, 1e-15)
}
