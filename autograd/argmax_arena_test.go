package autograd_test

import (
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
)

// TestArgmaxUnderArena checks what Argmax and Argmin document for an input
// of an Arena: the right indices, two calls of one step in slices of their
// own, the same memory again after Reset, and no allocation when warm.
func TestArgmaxUnderArena(t *testing.T) {
	x := tensor.MustNew([]float64{1, 5, 2, 7, 0, 3}, 2, 3)
	ar := autograd.NewInferenceArena[float64]()
	var first, second []int
	step := func() {
		ar.Reset()
		v := ar.Const(x)
		first, second = autograd.Argmax(v, 1), autograd.Argmin(v, 0)
	}
	step()
	if diff := cmp.Diff([]int{1, 0}, first); diff != "" {
		t.Errorf("Argmax (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{0, 1, 0}, second); diff != "" {
		t.Errorf("Argmin (-want +got):\n%s", diff)
	}
	p := &first[0]
	step()
	if &first[0] != p {
		t.Errorf("after Reset Argmax did not reuse the arena's slice")
	}
	if &first[0] == &second[0] {
		t.Errorf("two calls of one step share a slice")
	}
	if n := warmMallocs(2, 20, step); n != 0 && !raceEnabled {
		t.Errorf("20 warm steps allocated %d times, want 0", n)
	}
	if got := autograd.Argmax(autograd.Const(x), 1); &got[0] == p {
		t.Errorf("without an Arena Argmax returned the arena's slice")
	}
}
