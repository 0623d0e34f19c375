package optim_test

import (
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers/optim"
)

// TestRAdamSwitch checks RAdam's two regimes by hand on one element with a
// constant gradient g: while ρₜ ≤ 5 (steps 1 to 5) the step is lr·m̂ = lr·g
// exactly (the bias-corrected mean of a constant is itself), and from step
// 6 on it is m̂·lr·√(1−β₂ᵗ)/(√v + ε)·r with v = (1−β₂ᵗ)·g², that is
// lr·sign(g)·r for ε = 0, with r the rectification term.
func TestRAdamSwitch(t *testing.T) {
	const lr, beta2, g = 0.5, 0.999, 0.25
	p := autograd.Param(tensorOf[float64]([]float64{0}, []int{1}))
	o, err := optim.NewRAdam([]*autograd.Var[float64]{p}, lr, optim.Eps(0))
	if err != nil {
		t.Fatal(err)
	}
	want := 0.0
	rhoInf := 2/(1-beta2) - 1
	for step := 1; step <= 8; step++ {
		o.ZeroGrad()
		setGrad(p, g)
		if err := o.Step(); err != nil {
			t.Fatal(err)
		}
		tt := float64(step)
		rho := rhoInf - 2*tt*math.Pow(beta2, tt)/(1-math.Pow(beta2, tt))
		if step <= 5 {
			if rho > 5 {
				t.Fatalf("ρ at step %d is %v, want ≤ 5", step, rho)
			}
			want -= lr * g
		} else {
			want -= lr * math.Sqrt((rho-4)*(rho-2)*rhoInf/((rhoInf-4)*(rhoInf-2)*rho))
		}
		if got := p.Value().Data()[0]; math.Abs(got-want) > 1e-13 { // m̂ and √v/√(1−β₂ᵗ) are g and |g| to a few ulps
			t.Errorf("after step %d: %v, want %v", step, got, want)
		}
	}
}
