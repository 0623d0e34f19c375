package bench

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// assertClose fails t when got and want differ by more than tol (absolute or
// relative) in any element, printing a cmp diff.
func assertClose[T float32 | float64](t *testing.T, what string, got, want []T, tol float64) {
	t.Helper()
	// The loop gives EquateApprox's verdict without cmp's reflection, most
	// of the package's time under the race detector; a false (or a NaN,
	// which cmp does not equate) is left to the diff to decide and show.
	if len(want) == len(got) && (want == nil) == (got == nil) {
		same := true
		for i, w := range want {
			x, y := float64(w), float64(got[i])
			if x != y && (math.IsInf(x, 0) || math.IsInf(y, 0) || !(math.Abs(x-y) <= max(tol, tol*min(math.Abs(x), math.Abs(y))))) {
				same = false
				break
			}
		}
		if same {
			return
		}
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(tol, tol)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, diff)
	}
}
