package autograd

import (
	"testing"
	"unsafe"
)

// TestVarNodeSizeClass keeps a result's Var and node (allocated together
// without an Arena, see varNode) within the runtime's 256-byte size class:
// a field added carelessly moves every plain op's result to the 288-byte
// class, 12% more garbage per op.
func TestVarNodeSizeClass(t *testing.T) {
	if s := unsafe.Sizeof(varNode[float64]{}); s > 256 {
		t.Errorf("varNode[float64] is %d bytes, want at most 256", s)
	}
	if s := unsafe.Sizeof(varNode[float32]{}); s > 256 {
		t.Errorf("varNode[float32] is %d bytes, want at most 256", s)
	}
}
