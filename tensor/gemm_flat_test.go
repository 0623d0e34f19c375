package tensor_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/tensor"
)

// TestBatchGemmFlat checks BatchGemmFlat against BatchMatMul on the same
// data viewed as [batch m k]·[batch k n], for every transpose, with beta 0
// over a NaN-filled c and beta 1 adding to it; a product over k = 0 is
// beta·c.
func TestBatchGemmFlat(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const batch, m, n, k = 3, 4, 5, 6
	for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
		as, bs := []int{batch, m, k}, []int{batch, k, n}
		if tr[0] {
			as = []int{batch, k, m}
		}
		if tr[1] {
			bs = []int{batch, n, k}
		}
		a, b := tensor.RandNormal[float64](rng, 0, 1, as...), tensor.RandNormal[float64](rng, 0, 1, bs...)
		want := tensor.BatchMatMul(a, b, tr[0], tr[1])
		// Flat operands: shapes that say nothing of the layout.
		af, bf := tensor.MustNew(a.Data(), a.Len()), tensor.MustNew(b.Data(), 2, b.Len()/2)
		c := tensor.Full(math.NaN(), batch*m*n)
		tensor.BatchGemmFlat(tr[0], tr[1], batch, m, n, k, 1, af, bf, 0, c)
		if d := cmp.Diff(want.Data(), c.Data()); d != "" {
			t.Errorf("trans %v, beta 0: (-BatchMatMul +BatchGemmFlat)\n%s", tr, d)
		}
		tensor.BatchGemmFlat(tr[0], tr[1], batch, m, n, k, 1, af, bf, 1, c)
		for i, v := range want.Data() {
			if math.Abs(c.Data()[i]-2*v) > 1e-12*math.Abs(v) {
				t.Fatalf("trans %v, beta 1: c[%d] = %v, want %v", tr, i, c.Data()[i], 2*v)
			}
		}
	}
	c := tensor.Full(2.0, 2, 3)
	tensor.BatchGemmFlat(false, false, 2, 1, 3, 0, 1, tensor.Zeros[float64](0), tensor.Zeros[float64](0), 0.5, c)
	if d := cmp.Diff([]float64{1, 1, 1, 1, 1, 1}, c.Data()); d != "" {
		t.Errorf("k = 0: c = 0.5·c expected (-want +got)\n%s", d)
	}
}

func TestBatchGemmFlatPanics(t *testing.T) {
	x := tensor.Zeros[float64](6)
	for name, f := range map[string]func(){ // the error says which
		"hold":          func() { tensor.BatchGemmFlat(false, false, 1, 2, 3, 1, 1, x, x, 0, tensor.Zeros[float64](6)) },
		"shares memory": func() { tensor.BatchGemmFlat(false, false, 1, 2, 3, 3, 1, x, tensor.Zeros[float64](9), 0, x) },
	} {
		func() {
			defer func() {
				var se *tensor.ShapeError
				if err, _ := recover().(error); !errors.As(err, &se) || se.Op != "BatchGemmFlat" || !strings.Contains(se.Error(), name) {
					t.Errorf("%s: panicked with %v, want a *tensor.ShapeError of BatchGemmFlat", name, err)
				}
			}()
			f()
		}()
	}
}
