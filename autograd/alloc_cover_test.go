package autograd_test

import (
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
)

// TestEveryOpHasAnAllocationRow fails when an exported op has no row in
// one of the tests that prove 0 allocations per forward and backward under
// a warm Arena: TestOpTableArenaAllocatesNothing (every op of autograd.Ops),
// TestArenaOpsAllocateNothing (allocOps) and
// TestShapeOpsAllocateNothingUnderArena (shapeAllocCases). A row is named
// after its op (the first word), and covers every op its name names
// ("Squeeze and Unsqueeze").
func TestEveryOpHasAnAllocationRow(t *testing.T) {
	covered, first := map[string]bool{}, map[string]bool{}
	row := func(name string) {
		words := strings.FieldsFunc(name, func(r rune) bool { return r == '/' || r == ' ' || r == ',' || r == '(' || r == ')' })
		first[words[0]] = true
		for _, w := range words {
			covered[w] = true
		}
	}
	for _, op := range autograd.Ops() {
		row(op.Name)
	}
	for _, r := range allocOps[float64]() {
		row(r.name)
	}
	for _, r := range shapeAllocCases[float64]() {
		row(r.name)
	}
	ops := exportedOps(t, ".")
	for name := range exportedSliceOps(t, ".") {
		ops[name] = true
	}
	for _, op := range autograd.Ops() {
		ops[op.Name] = true // also the ops that return masks or indices
	}
	for _, op := range sortedKeys(ops) {
		if !covered[op] {
			t.Errorf("op %s has no row in the allocation tests under an Arena", op)
		}
	}
	for _, op := range sortedKeys(first) {
		if !ops[op] {
			t.Errorf("an allocation row is named after %q, which is not an exported op (rename the row after its op)", op)
		}
	}
}
