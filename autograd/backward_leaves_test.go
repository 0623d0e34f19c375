package autograd

import (
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

// TestBackwardManyLeaves checks the gradients of a graph with more leaves
// than a pass counts by scanning (leafScan), some used once and some
// twice, so that both the scanned and the mapped counts decide whether a
// gradient is written straight into .Grad() or added to it.
func TestBackwardManyLeaves(t *testing.T) {
	const n = 3 * leafScan
	ps := make([]*Var[float64], n)
	for i := range ps {
		ps[i] = Param(tensor.Scalar(float64(i + 1)))
	}
	// E = Σ_i c_i·p_i with c_i = i+1, and every third leaf used a second
	// time (c_i doubled), with .Grad() preset to 0.5 for every fifth.
	var e *Var[float64]
	for i, p := range ps {
		term := Scale(p, float64(i+1))
		if i%3 == 0 {
			term = Add(term, Scale(p, float64(i+1)))
		}
		if e == nil {
			e = term
		} else {
			e = Add(e, term)
		}
	}
	for i, p := range ps {
		if i%5 == 0 {
			p.SetGrad(tensor.Scalar(0.5))
		}
	}
	e.Backward()
	for i, p := range ps {
		want := float64(i + 1)
		if i%3 == 0 {
			want *= 2
		}
		if i%5 == 0 {
			want += 0.5
		}
		if got := p.Grad().Item(); got != want {
			t.Errorf("leaf %d: gradient %v, want %v", i, got, want)
		}
	}
}
