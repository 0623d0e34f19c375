package autograd_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// nilOptional lists the operands (from 1) the op table's ops take nil for.
var nilOptional = map[string][]int{
	"Linear": {3}, "LinearReLU": {3}, "Conv2D": {3}, "Conv1D": {3}, "ConvTranspose2D": {3},
	"LayerNorm": {2, 3}, "BatchNorm": {2, 3}, "BatchNormEval": {2, 3}, "GroupNorm": {2, 3}, "RMSNorm": {2},
}

// nilVia lists the op table's entries that are not an operation on Vars
// but a mask operation on comparisons of them (LogicalAnd of two Less):
// the panic names the comparison and its operand.
var nilVia = map[string]bool{"LogicalAnd": true, "LogicalOr": true, "LogicalNot": true, "Any": true, "All": true}

// TestNilOperand calls every op of the op table with each of its inputs
// nil in turn, and checks that it panics with a *UsageError naming the op
// and the operand, rather than with a nil dereference.
func TestNilOperand(t *testing.T) {
	for _, m := range autograd.Ops() {
		shapes := m.Shapes
		if shapes == nil {
			shapes = [][]int{{2, 3}}
		}
		for i := range m.Arity {
			t.Run(fmt.Sprintf("%s/%d", m.Name, i+1), func(t *testing.T) {
				xs := make([]*autograd.Var[float64], m.Arity)
				for j := range xs {
					if j == i {
						continue
					}
					x := tensor.Zeros[float64](shapes[j]...)
					x.Fill(m.Domain[0] + (m.Domain[1]-m.Domain[0])/3)
					xs[j] = autograd.Param(x)
				}
				if slices.Contains(nilOptional[m.Name], i+1) {
					if y := m.Apply64(xs...); y == nil || y.Value() == nil {
						t.Fatalf("%s with operand %d nil returned no value", m.Name, i+1)
					}
					return
				}
				want := fmt.Sprintf("autograd: %s: operand %d is nil", m.Name, i+1)
				if nilVia[m.Name] {
					want = " is nil"
				}
				checkNilPanic(t, want, func() { m.Apply64(xs...) })
			})
		}
	}
}

// checkNilPanic checks that f panics with a *autograd.UsageError whose
// message is want.
func checkNilPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		err, ok := r.(error)
		var ue *autograd.UsageError
		if !ok || !errors.As(err, &ue) {
			t.Fatalf("panic %v (%T), want a *UsageError %q", r, r, want)
		}
		if got := ue.Error(); !strings.Contains(got, want) {
			t.Fatalf("panic %q, want %q", got, want)
		}
	}()
	f()
}

// TestNilOperandOthers checks the functions and methods outside the op
// table that take a *Var: a nil one panics with a *UsageError naming them.
func TestNilOperandOthers(t *testing.T) {
	var v *autograd.Var[float64]
	for _, c := range []struct {
		want string
		f    func()
	}{
		{"autograd: Detach: operand 1 is nil", func() { autograd.Detach(v) }},
		{"autograd: Value: called on a nil *Var", func() { v.Value() }},
		{"autograd: Shape: called on a nil *Var", func() { v.Shape() }},
		{"autograd: Item: called on a nil *Var", func() { v.Item() }},
		{"autograd: Op: called on a nil *Var", func() { v.Op() }},
		{"autograd: Backward: called on a nil *Var", func() { v.Backward() }},
		{"autograd: ZeroGrad: called on a nil *Var", func() { v.ZeroGrad() }},
		{"autograd: ZeroGrad: operand 2 is nil", func() { autograd.ZeroGrad(autograd.Param(tensor.Zeros[float64](2)), v) }},
		{"autograd: SetGrad: called on a nil *Var", func() { v.SetGrad(nil) }},
		{"autograd: Concat: operand 2 is nil", func() { autograd.Concat(0, autograd.Param(tensor.Zeros[float64](2)), v) }},
		{"autograd: Einsum: operand 1 is nil", func() { autograd.Einsum("i,i->", v, autograd.Param(tensor.Zeros[float64](2))) }},
	} {
		checkNilPanic(t, c.want, c.f)
	}
}

// TestZeroGradNilClearsNothing checks that ZeroGrad given a nil Var
// panics before it clears the gradients of the others.
func TestZeroGradNilClearsNothing(t *testing.T) {
	w := autograd.Param(tensor.MustNew([]float64{1, 2}, 2))
	autograd.Sum(autograd.Square(w)).Backward()
	checkNilPanic(t, "autograd: ZeroGrad: operand 2 is nil", func() { autograd.ZeroGrad(w, nil) })
	if got := w.Grad().Data(); got[0] != 2 || got[1] != 4 {
		t.Errorf("w's gradient after the refused ZeroGrad = %v, want [2 4]", got)
	}
}

// TestNilBiasLegal checks that a nil bias, which Linear, LinearReLU and
// Conv2D take for none, still gives the product alone, and its gradients.
func TestNilBiasLegal(t *testing.T) {
	x := autograd.Param(tensor.MustNew([]float64{1, -2, 3, 4, 0.5, -6}, 2, 3))
	w := autograd.Param(tensor.MustNew([]float64{0.5, 1, -1, 2, -0.25, 3}, 2, 3))
	xw := autograd.MatMulT(x, w, false, true)
	for _, c := range []struct {
		name    string
		y, want *autograd.Var[float64]
	}{
		{"Linear", autograd.Linear(x, w, nil), xw},
		{"LinearReLU", autograd.LinearReLU(x, w, nil), autograd.ReLU(xw)},
	} {
		if got, want := c.y.Value().Data(), c.want.Value().Data(); !slices.Equal(got, want) {
			t.Errorf("%s(x, w, nil) = %v, want %v", c.name, got, want)
		}
	}
	autograd.ZeroGrad(x, w)
	autograd.Sum(autograd.Linear(x, w, nil)).Backward()
	// d/dx of Σ x·wᵀ is the column sums of w in every row.
	if got, want := x.Grad().Data(), []float64{2.5, 0.75, 2, 2.5, 0.75, 2}; !slices.Equal(got, want) {
		t.Errorf("Linear(x, w, nil): d/dx = %v, want %v", got, want)
	}
	img := autograd.Param(tensor.Ones[float64](1, 1, 3, 3))
	k := autograd.Param(tensor.Ones[float64](1, 1, 2, 2))
	if got := autograd.Conv2D(img, k, nil, autograd.Conv2DOptions{}).Value().Data(); !slices.Equal(got, []float64{4, 4, 4, 4}) {
		t.Errorf("Conv2D(x, w, nil) = %v, want [4 4 4 4]", got)
	}
}
