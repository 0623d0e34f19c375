package bench

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// assertClose fails t when got and want differ by more than tol (absolute or
// relative) in any element, printing a cmp diff.
func assertClose[T float32 | float64](t *testing.T, what string, got, want []T, tol float64) {
	t.Helper()
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(tol, tol)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, diff)
	}
}
