package autograd

import (
	"testing"
	"unsafe"

	"github.com/adjoint-go/adjoint/tensor"
)

// TestVarNodeSizeClass keeps a result's Var and node (allocated together
// without an Arena, see varNode) at 184 bytes for float64: with the tensor's
// header that is 264 bytes, 8 modulo 32, which tensor.ZerosWith's data
// arrays (2^k - 1 elements) are sized for, so that a small result fills its
// size class (a 30-element result takes 512 bytes); a field added carelessly
// moves every plain op's result to the next class. At most 176 bytes for
// float32.
func TestVarNodeSizeClass(t *testing.T) {
	if s := unsafe.Sizeof(varNode[float64]{}); s > 184 {
		t.Errorf("varNode[float64] is %d bytes, want at most 184", s)
	}
	if s := unsafe.Sizeof(varNode[float32]{}); s > 176 {
		t.Errorf("varNode[float32] is %d bytes, want at most 176", s)
	}
}

// TestSmallResultAllocatedTogether checks that a small arithmetic result
// without an Arena has its Var and node allocated with its tensor (see
// resultOf); alloc_result_test.go counts the allocations.
func TestSmallResultAllocatedTogether(t *testing.T) {
	a := Param(tensor.Full(1.5, 2, 3))
	b := Const(tensor.Full(2.0, 2, 3))
	c := Const(tensor.Full(3.0, 3))
	for name, v := range map[string]*Var[float64]{
		"Add recorded":  Add(a, b),
		"Sub broadcast": Sub(c, a),
		"Mul constants": Mul(b, c),
		"Div":           Div(b, c),
		"Maximum":       Maximum(a, c),
	} {
		vp, tp := uintptr(unsafe.Pointer(v)), uintptr(unsafe.Pointer(v.value))
		if tp+unsafe.Sizeof(tensor.Tensor[float64]{}) != vp {
			t.Errorf("%s: the Var is not allocated with its tensor", name)
		}
		if v.node != nil && uintptr(unsafe.Pointer(v.node)) != vp+unsafe.Offsetof(varNode[float64]{}.n) {
			t.Errorf("%s: the node is not allocated with its Var", name)
		}
	}
}

// TestVarAuxOnlyWhenUsed checks that a Var has a varAux only when it needs
// one: a parameter from the start (so that no goroutine's Backward writes
// the pointer another goroutine's forward pass reads), op results and
// constants not until something is kept in it; an empty SetName makes none;
// a name and anomaly detection do; and an Arena's reused Var keeps its
// varAux cleared (TestArenaNamedVarsAllocateNothing counts allocations).
func TestVarAuxOnlyWhenUsed(t *testing.T) {
	w := Param(tensor.Full(2.0, 3))
	x := Const(tensor.Full(1.5, 3))
	y := Sum(Mul(w, x))
	if w.aux == nil {
		t.Errorf("a parameter has no varAux")
	}
	for name, v := range map[string]*Var[float64]{"const": x, "result": y} {
		if v.aux != nil {
			t.Errorf("%s: has a varAux before any use", name)
		}
	}
	y.SetName("")
	if y.aux != nil {
		t.Errorf("SetName(\"\") made a varAux")
	}
	aux := w.aux
	y.Backward()
	if w.aux != aux || w.Grad() == nil || w.Grad().Data()[0] != 1.5 {
		t.Errorf("after Backward the parameter's varAux moved or its gradient is %v, want [1.5 1.5 1.5]", w.Grad())
	}
	if x.aux != nil || y.aux != nil {
		t.Errorf("Backward gave a varAux to a constant or the result")
	}
	x.SetName("x")
	if x.aux == nil || x.Name() != "x" || Detach(x).Name() != "x" {
		t.Errorf("SetName(\"x\"): Name %q, Detach's Name %q", x.Name(), Detach(x).Name())
	}
	if err := DetectAnomaly(w); err != nil || w.trace() == nil || !Mul(w, x).DetectsAnomaly() {
		t.Errorf("DetectAnomaly did not follow the parameter (err %v)", err)
	}

	ar := NewArena[float64]()
	ar.Const(tensor.Full(0.5, 3)).SetName("batch")
	ar.Reset()
	if c := ar.Const(tensor.Full(0.5, 3)); c.Name() != "" {
		t.Errorf("an Arena's reused Var kept the name %q", c.Name())
	}
}
