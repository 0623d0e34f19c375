package autograd_test

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestAnomalyMaskedSoftmax: the attention-mask idiom, a Softmax over
// scores filled with -Inf where masked, passes under DetectAnomaly (the
// fill value counts as an input), forward and backward, with the values
// and gradients of the run without detection; the masked weights and
// their gradients are 0.
func TestAnomalyMaskedSoftmax(t *testing.T) {
	mask, err := tensor.NewMask([]bool{false, true, false, false, false, true}, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	w := tensor.MustNew([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	run := func(detect bool) ([]float64, []float64) {
		s := autograd.Param(tensor.MustNew([]float64{0.5, -1, 2, 0, 1, 3}, 2, 3))
		if detect {
			if err := autograd.DetectAnomaly(s); err != nil {
				t.Fatal(err)
			}
		}
		var p *autograd.Var[float64]
		if e := anomalyOf(t, func() {
			p = autograd.Softmax(autograd.MaskedFill(s, mask, math.Inf(-1)), -1)
			autograd.Sum(autograd.Mul(p, autograd.Const(w))).Backward()
		}); e != nil {
			t.Fatalf("detect %v: %v", detect, e)
		}
		return p.Value().Data(), s.Grad().Data()
	}
	p, g := run(true)
	wantP, wantG := run(false)
	if d := cmp.Diff(wantP, p); d != "" {
		t.Errorf("softmax under detection (-without +with):\n%s", d)
	}
	if d := cmp.Diff(wantG, g); d != "" {
		t.Errorf("gradient under detection (-without +with):\n%s", d)
	}
	e0, e2 := math.Exp(0.5), math.Exp(2.0)
	p0, p2 := e0/(e0+e2), e2/(e0+e2)
	e3, e4 := math.Exp(0.0), math.Exp(1.0)
	p3, p4 := e3/(e3+e4), e4/(e3+e4)
	want := []float64{p0, 0, p2, p3, p4, 0}
	if d := cmp.Diff(want, p, approx(1e-15)); d != "" {
		t.Errorf("softmax (-want +got):\n%s", d)
	}
	// d/ds_j = p_j (w_j − Σ p w) over the kept entries, 0 where masked.
	m0, m1 := p0*1+p2*3, p3*4+p4*5
	wantGrad := []float64{p0 * (1 - m0), 0, p2 * (3 - m0), p3 * (4 - m1), p4 * (5 - m1), 0}
	if d := cmp.Diff(wantGrad, g, approx(1e-14)); d != "" {
		t.Errorf("gradient (-want +got):\n%s", d)
	}
}

// TestAnomalyNonFiniteParameter: every op whose result elements are its
// input's or its scalar parameter's passes under DetectAnomaly with a
// non-finite parameter, on a Param and on a constant given to
// DetectAnomaly, and gives the result it gives without detection; an
// anomaly after it is still reported, as one made from inputs with ±Inf
// (or carried along after a NaN fill); Scale by +Inf, whose parameter the
// check does not see, is reported as its doc says.
func TestAnomalyNonFiniteParameter(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	mask, err := tensor.NewMask([]bool{true, false, false, true}, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	type V = *autograd.Var[float64]
	ops := []struct {
		name string
		f    func(V) V
		want []float64
	}{
		{"MaskedFill -Inf", func(x V) V { return autograd.MaskedFill(x, mask, -inf) }, []float64{-inf, 2, -3, -inf}},
		{"MaskedFill NaN", func(x V) V { return autograd.MaskedFill(x, mask, nan) }, []float64{nan, 2, -3, nan}},
		{"Pad", func(x V) V { return autograd.Pad(x, [][2]int{{0, 0}, {1, 0}}, -inf) }, []float64{-inf, 1, 2, -inf, -3, 4}},
		{"PadWith", func(x V) V { return autograd.PadWith(x, [][2]int{{0, 0}, {0, 1}}, autograd.PadConstant, inf) },
			[]float64{1, 2, inf, -3, 4, inf}},
		{"Clamp", func(x V) V { return autograd.Clamp(x, inf, inf) }, []float64{inf, inf, inf, inf}},
		{"Hardtanh", func(x V) V { return autograd.Hardtanh(x, -inf, -inf) }, []float64{-inf, -inf, -inf, -inf}},
		{"Hardshrink", func(x V) V { return autograd.Hardshrink(x, inf) }, []float64{0, 0, 0, 0}},
	}
	for _, op := range ops {
		for _, param := range []bool{true, false} {
			x := autograd.Const(tensor.MustNew([]float64{1, 2, -3, 4}, 2, 2))
			if param {
				x = autograd.Param(x.Value())
			}
			if err := autograd.DetectAnomaly(x); err != nil {
				t.Fatal(err)
			}
			var y V
			if e := anomalyOf(t, func() { y = op.f(x) }); e != nil {
				t.Errorf("%s (Param %v): %v", op.name, param, e)
				continue
			}
			if d := cmp.Diff(op.want, y.Value().Data(), approx(0)); d != "" {
				t.Errorf("%s (Param %v) (-want +got):\n%s", op.name, param, d)
			}
			// Inf − Inf after it: a NaN made from ±Inf, reported unless
			// the result already held NaN.
			e := anomalyOf(t, func() { autograd.Sub(y, y) })
			holdsInf := !tensor.AllFinite(y.Value())
			holdsNaN := holdsInf && math.IsNaN(y.Value().Data()[0])
			switch {
			case holdsNaN && e != nil:
				t.Errorf("%s (Param %v): Sub after a NaN fill reported %v", op.name, param, e)
			case holdsInf && !holdsNaN && (e == nil || e.Op != "Sub" || !e.FromInf || e.Value != "NaN"):
				t.Errorf("%s (Param %v): Sub of ±Inf reported %v, want Sub's NaN from ±Inf", op.name, param, e)
			}
		}
	}
	x := autograd.Param(vec(1, 2))
	if err := autograd.DetectAnomaly(x); err != nil {
		t.Fatal(err)
	}
	if e := anomalyOf(t, func() { autograd.Scale(x, inf) }); e == nil || e.Op != "Scale" || e.Value != "+Inf" || e.FromInf {
		t.Errorf("Scale by +Inf: %v, want the forward anomaly of Scale, +Inf from finite inputs", e)
	}
}
