package bench

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// The functional transforms' workload (issue 13): one pre-LN, causal
// transformer encoder layer (d_model 64, 4 heads, feed-forward 256, GELU)
// on a batch of 4 sequences of 32 positions, float64, as a function of its
// input. BenchmarkTransforms times its forward pass, a JVP along one
// direction of the input (forward mode), a VJP (the forward pass and one
// pullback) and an HVP of half the sum of squares of its output (forward
// over reverse); each is best read as a multiple of the forward pass.

const (
	tfBatch, tfSeq, tfDim, tfHeads, tfHidden = 4, 32, 64, 4, 256
)

// transformsWorkload is the layer, an input and a direction.
type transformsWorkload struct {
	f    func(xs ...*autograd.Var[float64]) *autograd.Var[float64]
	sq   func(xs ...*autograd.Var[float64]) *autograd.Var[float64] // ½‖f‖²
	x, t *tensor.Tensor[float64]
}

func newTransformsWorkload() *transformsWorkload {
	rng := rand.New(rand.NewPCG(13, 1))
	l := layers.NewTransformerEncoderLayer[float64](rng, layers.TransformerConfig{
		DModel: tfDim, NHead: tfHeads, DimFeedforward: tfHidden, Activation: "gelu", NormFirst: true, Causal: true,
	})
	f := func(xs ...*autograd.Var[float64]) *autograd.Var[float64] { return l.Forward(xs[0]) }
	return &transformsWorkload{
		f: f,
		sq: func(xs ...*autograd.Var[float64]) *autograd.Var[float64] {
			y := f(xs...)
			return autograd.Scale(autograd.Sum(autograd.Mul(y, y)), 0.5)
		},
		x: tensor.RandNormal(rng, 0.0, 1.0, tfBatch, tfSeq, tfDim),
		t: tensor.RandNormal(rng, 0.0, 1.0, tfBatch, tfSeq, tfDim),
	}
}

// BenchmarkTransforms times the forward pass of the layer and the three
// transforms of it; see the workload's comment.
func BenchmarkTransforms(b *testing.B) {
	w := newTransformsWorkload()
	xs, ts := []*tensor.Tensor[float64]{w.x}, []*tensor.Tensor[float64]{w.t}
	// b.N loops, not b.Loop: see benchGemm.
	b.Run("forward", func(b *testing.B) {
		for range b.N {
			w.f(autograd.Const(w.x))
		}
	})
	b.Run("jvp", func(b *testing.B) {
		for range b.N {
			autograd.JVP(w.f, xs, ts)
		}
	})
	b.Run("vjp", func(b *testing.B) {
		for range b.N {
			_, pull := autograd.VJP(w.f, xs)
			pull(w.t)
		}
	})
	b.Run("hvp", func(b *testing.B) {
		for range b.N {
			autograd.HVP(w.sq, xs, ts)
		}
	})
}

// TestTransformsWorkload checks what the benchmark times: the JVP is the
// central difference of the layer along the direction, and the HVP the
// central difference of the gradient of ½‖f‖², to 1e-6 relative.
func TestTransformsWorkload(t *testing.T) {
	w := newTransformsWorkload()
	xs, ts := []*tensor.Tensor[float64]{w.x}, []*tensor.Tensor[float64]{w.t}
	const h = 1e-5
	shifted := func(s float64) *tensor.Tensor[float64] {
		x := w.x.Clone()
		for i, v := range w.t.Data() {
			x.Data()[i] += s * v
		}
		return x
	}
	central := func(plus, minus []float64) []float64 {
		d := make([]float64, len(plus))
		for i := range d {
			d[i] = (plus[i] - minus[i]) / (2 * h)
		}
		return d
	}
	_, jvp := autograd.JVP(w.f, xs, ts)
	wantJVP := central(w.f(autograd.Const(shifted(h))).Value().Data(), w.f(autograd.Const(shifted(-h))).Value().Data())
	checkClose(t, "JVP", jvp.Data(), wantJVP, 1e-6)

	grad := func(x *tensor.Tensor[float64]) []float64 {
		_, pull := autograd.VJP(w.sq, []*tensor.Tensor[float64]{x})
		return pull(tensor.Full(1.0))[0].Data()
	}
	_, hvp := autograd.HVP(w.sq, xs, ts)
	checkClose(t, "HVP", hvp[0].Data(), central(grad(shifted(h)), grad(shifted(-h))), 1e-6)
}

// checkClose fails t unless got and want agree within tol relative to the
// largest magnitude of want.
func checkClose(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	scale := 0.0
	for _, v := range want {
		scale = math.Max(scale, math.Abs(v))
	}
	for i := range want {
		if !(math.Abs(got[i]-want[i]) <= tol*scale) {
			t.Fatalf("%s element %d: %.12g, finite differences %.12g (scale %.3g)", what, i, got[i], want[i], scale)
		}
	}
}
