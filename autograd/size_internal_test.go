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
