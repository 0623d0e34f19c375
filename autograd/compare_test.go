package autograd_test

import (
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// maskFlags is what the mask tests compare: a mask's shape and flags.
type maskFlags struct {
	Shape []int
	Data  []bool
}

func flagsView(m *tensor.Mask) maskFlags { return maskFlags{m.Shape(), m.Data()} }

// TestCompareVars checks the comparisons on Vars, with broadcasting and
// IEEE's NaN, against the expected masks.
func TestCompareVars(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	a := autograd.Param(t64([]float64{nan, 1, 2, inf, -inf, 0}, 2, 3))
	b := autograd.Const(t64([]float64{1, math.Copysign(0, -1), nan}, 3))
	tests := []struct {
		name string
		got  *tensor.Mask
		want []bool
	}{
		{"Equal", autograd.Equal(a, b), []bool{false, false, false, false, false, false}},
		{"NotEqual", autograd.NotEqual(a, b), []bool{true, true, true, true, true, true}},
		{"Less", autograd.Less(a, b), []bool{false, false, false, false, true, false}},
		{"LessEqual", autograd.LessEqual(a, b), []bool{false, false, false, false, true, false}},
		{"Greater", autograd.Greater(a, b), []bool{false, true, false, true, false, false}},
		{"GreaterEqual", autograd.GreaterEqual(a, b), []bool{false, true, false, true, false, false}},
		{"Equal -0 and +0", autograd.Equal(autograd.Scalar(0.0), b), []bool{false, true, false}},
		{"IsNaN", autograd.IsNaN(a), []bool{true, false, false, false, false, false}},
		{"IsInf", autograd.IsInf(a), []bool{false, false, false, true, true, false}},
		{"IsFinite", autograd.IsFinite(a), []bool{false, true, true, false, false, true}},
		{"IsClose", autograd.IsClose(a, autograd.Const(t64([]float64{nan, 1.05, 2.5, inf, inf, 1e-9}, 2, 3)), 0.1, 1e-8, true),
			[]bool{true, true, false, true, false, true}},
	}
	for _, tc := range tests {
		want := maskFlags{[]int{2, 3}, tc.want}
		if len(tc.want) == 3 {
			want.Shape = []int{3}
		}
		if d := cmp.Diff(want, flagsView(tc.got)); d != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, d)
		}
	}
	se := mustShapeError(t, func() { autograd.Less(a, autograd.Const(t64([]float64{1, 2}, 2))) })
	if got, want := se.Error(), "autograd: Less: shapes do not broadcast: [2 3] x [2]"; got != want {
		t.Errorf("error %q, want %q", got, want)
	}
	var ue *autograd.UsageError
	if err := mustPanicError(t, func() { autograd.IsClose(a, b, 1e-5, math.NaN(), false) }); !errors.As(err, &ue) {
		t.Errorf("IsClose with a NaN atol: panic %v, want a *UsageError", err)
	}
}

// TestCompareUnderArena checks that a masked step (comparisons, Where and
// MaskedFill) allocates nothing under a warm Arena, that the masks come
// from the Arena (the same mask again after Reset), and that a Var of a
// previous step cannot be compared.
func TestCompareUnderArena(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	x := tensor.MustNew([]float64{-1, 0.5, 2, -3, 0, 4}, 2, 3)
	w := autograd.Param(tensor.MustNew([]float64{1, -2, 3}, 3))
	half := tensor.Scalar(0.5)
	ar := autograd.NewArena[float64]()
	step := func() *tensor.Mask {
		ar.Reset()
		xv := ar.Const(x)
		pos := autograd.Greater(xv, autograd.Mul(xv, ar.Const(half)))
		y := autograd.Where(pos, autograd.Mul(xv, w), autograd.MaskedFill(xv, autograd.IsFinite(xv), 0))
		autograd.Sum(y).Backward()
		autograd.ZeroGrad(w)
		return pos
	}
	first := step()
	if step() != first {
		t.Errorf("the comparison's mask is not the Arena's: a new one each step")
	}
	if n := warmMallocs(2, 20, func() { step() }); n != 0 {
		t.Errorf("%d allocations in 20 masked steps under a warm Arena, want 0", n)
	}
	stale := ar.Const(x)
	ar.Reset()
	if err := mustPanicError(t, func() { autograd.Equal(stale, stale) }); !errors.Is(err, autograd.ErrArenaReset) {
		t.Errorf("comparing a Var of a previous step: %v, want ErrArenaReset", err)
	}
}

// TestMaskedFill checks values and the gradient of MaskedFill with a mask
// that broadcasts, and its errors.
func TestMaskedFill(t *testing.T) {
	x := autograd.Param(t64([]float64{1, 2, 3, 4, 5, 6}, 2, 3))
	mask := tensor.MustMask([]bool{false, true, false}, 3) // every row's middle element
	y := autograd.MaskedFill(x, mask, -9)
	checkTensor(t, "value", y.Value(), view([]int{2, 3}, 1, -9, 3, 4, -9, 6), 0)
	mask.Data()[0] = true // the state is a copy: no effect on the gradient
	autograd.Sum(autograd.Mul(y, autograd.Const(t64([]float64{1, 2, 3, 4, 5, 6}, 2, 3)))).Backward()
	checkTensor(t, "d/dx", x.Grad(), view([]int{2, 3}, 1, 0, 3, 4, 0, 6), 0)

	col := autograd.MaskedFill(autograd.Const(t64(make([]float64, 8), 2, 2, 2)), tensor.MustMask([]bool{true, false}, 2, 1), 1)
	checkTensor(t, "column mask [2 1] over [2 2 2]", col.Value(), view([]int{2, 2, 2}, 1, 1, 0, 0, 1, 1, 0, 0), 0)

	se := mustShapeError(t, func() { autograd.MaskedFill(x, tensor.FullMask(true, 2, 2, 3), 0) })
	if got, want := se.Error(), "autograd: MaskedFill: mask does not broadcast to the input's shape: [2 3] x [2 2 3]"; got != want {
		t.Errorf("error %q, want %q", got, want)
	}
	var ue *autograd.UsageError
	if err := mustPanicError(t, func() { autograd.Where(nil, x, x) }); !errors.As(err, &ue) {
		t.Errorf("Where with a nil mask: %v, want a *UsageError", err)
	}
}

// TestWhereBroadcastMask checks Where with a mask of its own shape that
// broadcasts with both operands to a larger result: values, and gradients
// summed back to each operand.
func TestWhereBroadcastMask(t *testing.T) {
	mask := tensor.MustMask([]bool{true, false}, 2, 1, 1) // [2 1 1]
	a := autograd.Param(t64([]float64{1, 2, 3}, 3))       // [3]
	b := autograd.Param(t64([]float64{-1, -2}, 2, 1))     // [2 1]
	y := autograd.Where(mask, a, b)                       // [2 2 3]
	checkTensor(t, "value", y.Value(), view([]int{2, 2, 3}, 1, 2, 3, 1, 2, 3, -1, -1, -1, -2, -2, -2), 0)
	wts := make([]float64, 12)
	for i := range wts {
		wts[i] = float64(i + 1)
	}
	autograd.Sum(autograd.Mul(y, autograd.Const(t64(wts, 2, 2, 3)))).Backward()
	checkTensor(t, "d/da", a.Grad(), view([]int{3}, 1+4, 2+5, 3+6), 0)
	checkTensor(t, "d/db", b.Grad(), view([]int{2, 1}, 7+8+9, 10+11+12), 0)
}

// TestLerp checks Lerp's ends (exact, as PyTorch computes them) and its
// gradients, with a weight that broadcasts.
func TestLerp(t *testing.T) {
	a := autograd.Param(t64([]float64{0.1, -3, 1e16}, 3))
	b := autograd.Param(t64([]float64{0.7, 5, 1}, 3))
	w := autograd.Param(t64([]float64{0, 1, 0.25, 2}, 4, 1))
	y := autograd.Lerp(a, b, w) // [4 3]
	checkTensor(t, "value", y.Value(), view([]int{4, 3},
		0.1, -3, 1e16,
		0.7, 5, 1,
		0.1+0.25*0.6, -1, 1e16+0.25*(1-1e16),
		1.3, 13, 2-1e16), 1e-15)
	if v := y.Value().Data(); v[3] != 0.7 || v[5] != 1 {
		t.Errorf("Lerp at w = 1 = %v, want b exactly", v[3:6])
	}
	autograd.Sum(y).Backward()
	checkTensor(t, "d/da", a.Grad(), view([]int{3}, 1+0+0.75-1, 1+0+0.75-1, 1+0+0.75-1), 1e-15)
	checkTensor(t, "d/db", b.Grad(), view([]int{3}, 3.25, 3.25, 3.25), 1e-15)
	diff := 0.6 + 8 + (1 - 1e16)
	checkTensor(t, "d/dw", w.Grad(), view([]int{4, 1}, diff, diff, diff, diff), 1e-15)
	se := mustShapeError(t, func() { autograd.Lerp(a, b, autograd.Const(t64([]float64{1, 2}, 2))) })
	if got, want := se.Error(), "autograd: Lerp: shapes do not broadcast: [3] x [3] x [2]"; got != want {
		t.Errorf("error %q, want %q", got, want)
	}
}
