package poolk

import (
	"testing"

	"github.com/adjoint-go/adjoint/tensor/internal/gentest"
)

// TestGeneratedFiles fails when a generated file of the package differs from
// what ./gen writes (edit gen and run go generate, never the outputs).
func TestGeneratedFiles(t *testing.T) {
	gentest.Check(t, "tensor/internal/poolk", 2, 2)
}
