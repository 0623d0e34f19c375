package bench

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// newElementwise is the forward and backward pass of
//
//	Σ(tanh(x)·σ(x) + gelu(x))
//
// over n elements of a parameter x drawn from N(0, 1) (GELU exact, with
// erf): four transcendental pointwise ops, a product, a sum and a
// reduction, and their derivatives. There is no optimizer step; the
// gradient is cleared after each pass.
//
// The chain starts at the parameter, so under an Arena x is the arena's
// Param (fromParams), whose operations take their results from it.
func newElementwise(n int) *workload {
	rng := rand.New(rand.NewPCG(6, 0xe1e))
	w := &workload{
		kind:       gradStep,
		params:     []layers.NamedParam[float32]{{Name: "x", Param: autograd.Param(tensor.RandNormal[float32](rng, 0, 1, n))}},
		config:     map[string]int{"n": n},
		fromParams: true,
	}
	w.forward = func(feed) *autograd.Var[float32] {
		x := w.params[0].Param
		return autograd.Sum(autograd.Add(autograd.Mul(autograd.Tanh(x), autograd.Sigmoid(x)), autograd.GELU(x)))
	}
	return w
}

// BenchmarkElementwise times the forward and backward pass of
// Σ(tanh(x)·σ(x) + gelu(x)) over 10⁶ float32 elements.
func BenchmarkElementwise(b *testing.B) {
	b.Run("n=1e6", func(b *testing.B) {
		benchWorkload(b, func() *workload { return newElementwise(1_000_000) })
	})
}

// TestElementwiseMatchesFormula checks the value and the gradient against
// the formulas in float64:
//
//	f = Σ tanh(x)σ(x) + xΦ(x)
//	f' = (1−tanh²)σ + tanh·σ(1−σ) + Φ(x) + xφ(x)
func TestElementwiseMatchesFormula(t *testing.T) {
	const n = 1000
	w := newElementwise(n)
	x := w.params[0].Param
	out := w.forward(autograd.Const[float32])
	out.Backward()
	var want float64
	wantGrad := make([]float64, n)
	for i, v := range x.Value().Data() {
		v := float64(v)
		th, s := math.Tanh(v), 1/(1+math.Exp(-v))
		cdf, pdf := 0.5*math.Erfc(-v/math.Sqrt2), math.Exp(-v*v/2)/math.Sqrt(2*math.Pi)
		want += th*s + v*cdf
		wantGrad[i] = (1-th*th)*s + th*s*(1-s) + cdf + v*pdf
	}
	assertClose(t, "Σ", []float64{float64(out.Item())}, []float64{want}, 1e-5)
	got := make([]float64, n)
	for i, g := range x.Grad().Data() {
		got[i] = float64(g)
	}
	assertClose(t, "gradient", got, wantGrad, 1e-5)
	checkArenaMatchesPlain(t, func() *workload { return newElementwise(n) }, 2)
}
