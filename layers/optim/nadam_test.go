package optim_test

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/layers/safetensors"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestNAdamStateFile checks what SaveState writes for NAdam: each
// parameter's moments, its step count and its product of momentum
// coefficients μ₁⋯μₜ (torch's mu_product), computed here by hand, and
// that a file with a non-finite product is refused.
func TestNAdamStateFile(t *testing.T) {
	const beta1, psi = 0.9, 0.1
	o, err := optim.NewNAdam(stateParams[float64](), 0.05, optim.MomentumDecay(psi))
	if err != nil {
		t.Fatal(err)
	}
	for s := range 3 {
		stateStep(t, o, s)
	}
	var b bytes.Buffer
	if err := optim.SaveState(&b, o); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Read(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.Metadata()["buffers"], "exp_avg,exp_avg_sq,step,mu_product"; got != want {
		t.Errorf("buffers %q, want %q", got, want)
	}
	// Parameter 0 made 3 steps, parameter 1 one (it takes part from step 2).
	for i, steps := range []int{3, 1} {
		want := 1.0
		for k := 1; k <= steps; k++ {
			want *= beta1 * (1 - 0.5*math.Pow(0.96, float64(k)*psi))
		}
		name := "state." + string(rune('0'+i)) + ".mu_product"
		got, err := f.Float64(name)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Shape()) != 0 || got.Data()[0] != want {
			t.Errorf("%s = %v of shape %v, want the scalar %v", name, got.Data(), got.Shape(), want)
		}
	}

	// The same file with a NaN product.
	var tensors []safetensors.Named
	for _, n := range f.Names() {
		v, _ := f.Float64(n)
		if n == "state.0.mu_product" {
			v = tensor.MustNew([]float64{math.NaN()})
		}
		tensors = append(tensors, safetensors.Of(n, v))
	}
	var bad bytes.Buffer
	if err := safetensors.Write(&bad, tensors, f.Metadata()); err != nil {
		t.Fatal(err)
	}
	fresh, _ := optim.NewNAdam(stateParams[float64](), 0.05)
	if err := optim.LoadState(bytes.NewReader(bad.Bytes()), fresh); !errors.Is(err, optim.ErrState) || !strings.Contains(err.Error(), "mu_product is NaN") {
		t.Errorf("LoadState of a NaN mu_product: %v, want an ErrState naming it", err)
	}
	// Adam's state has no mu_product: it does not fit NAdam.
	adam, _ := optim.NewAdam(stateParams[float64](), 0.05)
	stateStep(t, adam, 0)
	var ab bytes.Buffer
	if err := optim.SaveState(&ab, adam); err != nil {
		t.Fatal(err)
	}
	if err := optim.LoadState(bytes.NewReader(ab.Bytes()), fresh); !errors.Is(err, optim.ErrState) {
		t.Errorf("LoadState of Adam's state into NAdam: %v, want ErrState", err)
	}
}

// TestNAdamFirstStep checks NAdam's first step by hand: with ε = 0 and
// m = (1−β₁)·g, v = (1−β₂)·g², d = |g|, so each element moves by
// lr·sign(g)·((1−μ₁)/(1−μ₁) + μ₂(1−β₁)/(1−μ₁·μ₁·μ₂)), whatever the size
// of g (μ₁ twice in the second denominator, as in torch 1.13).
func TestNAdamFirstStep(t *testing.T) {
	const lr, beta1, beta2, psi = 0.25, 0.8, 0.5, 0.2
	p := autograd.Param(tensor.MustNew([]float64{1, 1, 1}, 3))
	o, err := optim.NewNAdam([]*autograd.Var[float64]{p}, lr, optim.Betas(beta1, beta2), optim.Eps(0), optim.MomentumDecay(psi))
	if err != nil {
		t.Fatal(err)
	}
	setGrad(p, 3, -1e-6, 1e6)
	if err := o.Step(); err != nil {
		t.Fatal(err)
	}
	mu1 := beta1 * (1 - 0.5*math.Pow(0.96, psi))
	mu2 := beta1 * (1 - 0.5*math.Pow(0.96, 2*psi))
	move := lr * (1 + mu2*(1-beta1)/(1-mu1*mu1*mu2))
	for k, sign := range []float64{-1, 1, -1} {
		if got, want := p.Value().Data()[k], 1+sign*move; math.Abs(got-want) > 1e-15 {
			t.Errorf("element %d after one step: %v, want %v", k, got, want)
		}
	}
}
