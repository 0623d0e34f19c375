package autograd_test

import (
	"errors"
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestDropoutIsMulByMask checks Dropout against the product it documents:
// x·m with m drawn from the same generator state (0 where the draw is below
// p, 1/(1−p) elsewhere), result and gradient bit for bit, also when the
// gradient accumulates onto another use of x; and that the same state
// gives the same mask.
func TestDropoutIsMulByMask(t *testing.T) {
	const p = 0.3
	x := autograd.Param(randTensorAG(newRand(1), 4, 5))
	r := newRand(2)
	m := make([]float64, 20)
	for i := range m {
		if r.Float64() >= p {
			m[i] = 1 / (1 - p)
		}
	}
	mask := autograd.Const(tensor.MustNew(m, 4, 5))
	w := randTensorAG(newRand(3), 4, 5)

	loss := func(y *autograd.Var[float64]) *autograd.Var[float64] {
		// y weighted, plus a second use of x so that the gradient adds.
		return autograd.Sum(autograd.Add(autograd.Mul(y, autograd.Const(w)), autograd.Square(x)))
	}
	want := autograd.Mul(x, mask)
	loss(want).Backward()
	wantGrad := x.Grad().Clone()
	x.ZeroGrad()

	got := autograd.Dropout(x, p, newRand(2))
	loss(got).Backward()
	if !bitsEqual(got.Value().Data(), want.Value().Data()) {
		t.Errorf("Dropout = %v, want x·mask = %v", got.Value().Data(), want.Value().Data())
	}
	if !bitsEqual(x.Grad().Data(), wantGrad.Data()) {
		t.Errorf("gradient %v, want %v", x.Grad().Data(), wantGrad.Data())
	}
	if got.Op() != "Dropout" {
		t.Errorf("Op() = %q", got.Op())
	}
	// Second order: the gradient g·m is linear in g, so d²/dx² of
	// Σ w·dropout(x) is 0, and Grad with CreateGraph must agree with the
	// first-order values.
	out := autograd.Sum(autograd.Mul(autograd.Dropout(x, p, newRand(2)), autograd.Const(w)))
	gs := autograd.Grad([]*autograd.Var[float64]{out}, []*autograd.Var[float64]{x}, autograd.CreateGraph())
	wantG := make([]float64, 20)
	for i := range wantG {
		wantG[i] = w.Data()[i] * m[i]
	}
	if !bitsEqual(gs[0].Value().Data(), wantG) {
		t.Errorf("Grad with CreateGraph %v, want w·m %v", gs[0].Value().Data(), wantG)
	}
}

// TestDropoutSpecialValues checks p = 0 (x itself, nothing drawn), the
// non-finite inputs (NaN where dropped), and the usage errors.
func TestDropoutSpecialValues(t *testing.T) {
	x := autograd.Param(tensor.MustNew([]float64{math.NaN(), math.Inf(1), math.Inf(-1), -3, math.NaN(), math.Inf(1), math.Inf(-1), -3}, 8))
	r := newRand(5)
	if y := autograd.Dropout(x, 0, r); y != x {
		t.Errorf("p = 0 did not return x")
	}
	if r.Uint64() != newRand(5).Uint64() {
		t.Errorf("p = 0 drew from the generator")
	}
	y := autograd.Dropout(x, 0.5, newRand(6)).Value().Data()
	dropped := 0
	for i, v := range x.Value().Data() {
		switch {
		case y[i] == 0 || math.IsNaN(y[i]) && !math.IsNaN(v):
			dropped++ // a finite element dropped is ±0, a non-finite one NaN
			if !math.IsNaN(v) && !math.IsInf(v, 0) && y[i] != 0 {
				t.Errorf("element %d: %v dropped to %v", i, v, y[i])
			}
		case math.IsNaN(v):
			if !math.IsNaN(y[i]) {
				t.Errorf("element %d: NaN gave %v", i, y[i])
			}
		default:
			if y[i] != 2*v {
				t.Errorf("element %d: %v kept as %v, want %v", i, v, y[i], 2*v)
			}
		}
	}
	if dropped == 0 {
		t.Errorf("the seed dropped nothing: %v", y)
	}
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"p = 1", func() { autograd.Dropout(x, 1, newRand(1)) }},
		{"p < 0", func() { autograd.Dropout(x, -0.1, newRand(1)) }},
		{"p NaN", func() { autograd.Dropout(x, math.NaN(), newRand(1)) }},
		{"nil generator", func() { autograd.Dropout(x, 0.5, nil) }},
	} {
		var ue *autograd.UsageError
		if err := mustPanicError(t, c.f); !errors.As(err, &ue) || ue.Op != "Dropout" {
			t.Errorf("%s: panicked with %v, want a *UsageError of Dropout", c.name, err)
		}
	}
}

// TestDropoutArena checks that under a warm Arena a training step through
// Dropout allocates nothing, and that an inference Arena records nothing.
func TestDropoutArena(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	w := autograd.Param(randTensorAG(newRand(1), 8, 16))
	x := randTensorAG(newRand(2), 8, 16)
	ar := autograd.NewArena[float64]()
	r := newRand(3)
	step := func() {
		ar.Reset()
		autograd.Sum(autograd.Dropout(autograd.Mul(ar.Const(x), w), 0.25, r)).Backward()
		w.ZeroGrad()
	}
	for range 3 {
		step()
	}
	if n := testing.AllocsPerRun(50, step); n != 0 {
		t.Errorf("warm Arena step: %v allocations, want 0", n)
	}
	inf := autograd.NewInferenceArena[float64]()
	inf.Reset()
	if y := autograd.Dropout(autograd.Mul(inf.Const(x), w), 0.25, r); y.RequiresGrad() {
		t.Errorf("under an inference Arena the result requires a gradient")
	}
}
