package main

import (
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// articleData is the seed article's setting, literally: four input
// variables, five observations, a [4, 5, 1] sigmoid network with scalar
// biases, E = Σ (Y − O)² / 2. The numbers are fixed and small; the weights lie
// in (0, 1), as the article initializes them.
type articleData struct {
	x   [4][5]float64 // features × samples
	y   [5]float64    // one target per sample
	wih [4][5]float64 // input i → hidden neuron j
	who [5]float64    // hidden neuron j → output
	bih float64       // shared by every hidden neuron
	bho float64       // the output neuron's bias
}

// article returns the test's fixed numbers (a fresh copy on every call).
func article() articleData {
	return articleData{
		x: [4][5]float64{
			{0.50, -1.20, 0.30, 1.10, -0.40},
			{-0.70, 0.20, 1.50, -0.90, 0.60},
			{1.30, 0.80, -0.50, 0.10, -1.10},
			{-0.20, 0.90, 0.40, -1.40, 0.70},
		},
		y: [5]float64{0.62, 0.35, 0.93, 0.24, 0.57},
		wih: [4][5]float64{
			{0.12, 0.85, 0.47, 0.33, 0.91},
			{0.64, 0.28, 0.73, 0.05, 0.39},
			{0.58, 0.17, 0.96, 0.44, 0.21},
			{0.36, 0.69, 0.08, 0.77, 0.52},
		},
		who: [5]float64{0.43, 0.81, 0.26, 0.67, 0.14},
		bih: 0.15,
		bho: 0.30,
	}
}

// flat converts rows of float64 to one row-major slice of T.
func flat[T tensor.Float](rows ...[]float64) []T {
	var out []T
	for _, r := range rows {
		for _, v := range r {
			out = append(out, T(v))
		}
	}
	return out
}

// articleNet builds the article's network and data in precision T, with
// fresh parameter tensors on every call.
func articleNet[T tensor.Float]() (net *Net[T], x, y *tensor.Tensor[T]) {
	a := article()
	x = tensor.MustNew(flat[T](a.x[0][:], a.x[1][:], a.x[2][:], a.x[3][:]), 4, 5)
	y = tensor.MustNew(flat[T](a.y[:]), 1, 5)
	net = NewNet(
		tensor.MustNew(flat[T](a.wih[0][:], a.wih[1][:], a.wih[2][:], a.wih[3][:]), 4, 5),
		tensor.Scalar(T(a.bih)),
		tensor.MustNew(flat[T](a.who[:]), 5, 1),
		tensor.Scalar(T(a.bho)),
	)
	return net, x, y
}

// backwardGradients runs the forward pass and Backward on E and returns the
// four .Grad() tensors, plus E.
func backwardGradients[T tensor.Float](net *Net[T], x, y *tensor.Tensor[T]) (Gradients[T], T) {
	pass := net.Forward(autograd.Const(x))
	e := ArticleError(pass.O, autograd.Const(y))
	e.Backward()
	return Gradients[T]{Wih: net.Wih.Grad(), Bih: net.Bih.Grad(), Who: net.Who.Grad(), Bho: net.Bho.Grad()}, e.Item()
}

// compareGradients asserts, parameter by parameter, that got and want both
// have the article's shapes (Wih 4×5, bih 0-d, Who 5×1, bho 0-d) and that
// got equals want within opt.
func compareGradients[T tensor.Float](t *testing.T, got, want Gradients[T], opt cmp.Option) {
	t.Helper()
	for _, p := range []struct {
		name      string
		shape     []int
		got, want *tensor.Tensor[T]
	}{
		{"dE/dWih", []int{4, 5}, got.Wih, want.Wih},
		{"dE/dbih", []int{}, got.Bih, want.Bih},
		{"dE/dWho", []int{5, 1}, got.Who, want.Who},
		{"dE/dbho", []int{}, got.Bho, want.Bho},
	} {
		if p.got == nil {
			t.Errorf("%s: Backward left no gradient", p.name)
			continue
		}
		if diff := cmp.Diff(p.shape, p.want.Shape()); diff != "" {
			t.Errorf("%s: hand-derived shape (-article +got):\n%s", p.name, diff)
		}
		if diff := cmp.Diff(p.shape, p.got.Shape()); diff != "" {
			t.Errorf("%s: Backward shape (-article +got):\n%s", p.name, diff)
		}
		if diff := cmp.Diff(p.want.Data(), p.got.Data(), opt); diff != "" {
			t.Errorf("%s (-hand +Backward):\n%s", p.name, diff)
		}
	}
}

// TestArticleMatrixForm checks that Backward's gradients of the four
// parameters equal the article's hand-derived matrix-form formulas, in both
// precisions, with the article's shapes.
func TestArticleMatrixForm(t *testing.T) {
	t.Run("float64", func(t *testing.T) {
		net, x, y := articleNet[float64]()
		got, _ := backwardGradients(net, x, y)
		hand := net.HandGradients(x, y)
		// A relative 1e-12 is about 10⁴ ulps. The hand formulas group
		// their products as the article does, (O−Y)∘[O(1−O)], which is
		// also the engine's order, so the two sides agree to the last bit
		// here; the bound leaves room for a different but equally valid
		// rounding order. No absolute margin is needed: the smallest
		// |gradient| entry for these numbers is about 7.8e-4, far from 0.
		compareGradients(t, got, hand, cmpopts.EquateApprox(1e-12, 0))
	})
	t.Run("float32", func(t *testing.T) {
		net, x, y := articleNet[float32]()
		got, _ := backwardGradients(net, x, y)
		hand := net.HandGradients(x, y)
		// float32 has ε ≈ 6e-8. The longest chain of rounded operations
		// behind one entry (forward, sigmoid derivatives, a five-term
		// matmul and the sum over 5×5 entries for bih) is a few dozen
		// operations, so if the two sides ever round differently they
		// differ by a few dozen ulps: rtol 1e-5 (≈ 170 ulps) covers that.
		// atol 1e-7 covers entries that cancel to near zero, where a
		// relative bound is meaningless.
		compareGradients(t, got, hand, cmpopts.EquateApprox(1e-5, 1e-7))
	})
}

// scalarForward is the article's forward pass written out scalar by scalar
// in plain float64: h1[j][s] = σ(Σ_i Wih[i][j]·X[i][s] + bih) and
// O[s] = σ(Σ_j Who[j]·h1[j][s] + bho).
func scalarForward(a articleData) (h1 [5][5]float64, o [5]float64) {
	sigma := func(z float64) float64 { return 1 / (1 + math.Exp(-z)) }
	for s := range 5 {
		for j := range 5 {
			z := a.bih
			for i := range 4 {
				z += a.wih[i][j] * a.x[i][s]
			}
			h1[j][s] = sigma(z)
		}
		z := a.bho
		for j := range 5 {
			z += a.who[j] * h1[j][s]
		}
		o[s] = sigma(z)
	}
	return h1, o
}

// TestArticleChainRule checks Backward against the article's element-by-
// element chain rule, one product per sample, summed over the samples:
//
//	dE/dWho[j]    = Σ_s (O−Y)·O(1−O)·h1[j]
//	dE/dbho       = Σ_s (O−Y)·O(1−O)·1
//	dE/dWih[i][j] = Σ_s (O−Y)·O(1−O)·Who[j]·h1[j](1−h1[j])·X[i]
//	dE/dbih       = Σ_s Σ_j (O−Y)·O(1−O)·Who[j]·h1[j](1−h1[j])·1
func TestArticleChainRule(t *testing.T) {
	a := article()
	h1, o := scalarForward(a)
	dWho := func(j int) float64 {
		var g float64
		for s := range 5 {
			g += (o[s] - a.y[s]) * o[s] * (1 - o[s]) * h1[j][s]
		}
		return g
	}
	dWih := func(i, j int) float64 {
		var g float64
		for s := range 5 {
			g += (o[s] - a.y[s]) * o[s] * (1 - o[s]) * a.who[j] * h1[j][s] * (1 - h1[j][s]) * a.x[i][s]
		}
		return g
	}
	var dbho, dbih float64
	for s := range 5 {
		d := (o[s] - a.y[s]) * o[s] * (1 - o[s])
		dbho += d
		for j := range 5 {
			dbih += d * a.who[j] * h1[j][s] * (1 - h1[j][s])
		}
	}

	net, x, y := articleNet[float64]()
	backwardGradients(net, x, y)
	tests := []struct {
		name      string
		got, want float64
	}{
		{"dE/dWho[0]", net.Who.Grad().At(0, 0), dWho(0)},
		{"dE/dWho[3]", net.Who.Grad().At(3, 0), dWho(3)},
		{"dE/dbho", net.Bho.Grad().Item(), dbho},
		{"dE/dWih[0][0]", net.Wih.Grad().At(0, 0), dWih(0, 0)},
		{"dE/dWih[1][3]", net.Wih.Grad().At(1, 3), dWih(1, 3)},
		{"dE/dWih[3][4]", net.Wih.Grad().At(3, 4), dWih(3, 4)},
		{"dE/dbih", net.Bih.Grad().Item(), dbih},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.want == 0 {
				t.Fatalf("hand-derived value is 0; pick data where it is not")
			}
			// The scalar loops sum in another order than the matmuls and
			// compute σ by another formula for negative inputs, so the two
			// sides differ in the last bits; 1e-12 relative is still tight.
			if diff := cmp.Diff(tt.want, tt.got, cmpopts.EquateApprox(1e-12, 0)); diff != "" {
				t.Errorf("(-chain rule +Backward):\n%s", diff)
			}
		})
	}
}

// TestArticleDescent applies the article's update W = W − α·dE/dW by hand to
// the four parameters for 300 steps and checks that E falls at every step,
// and by a real margin overall.
func TestArticleDescent(t *testing.T) {
	const (
		steps = 300
		alpha = 0.1
	)
	net, x, y := articleNet[float64]()
	prev := math.Inf(1)
	var first float64
	for step := range steps {
		pass := net.Forward(autograd.Const(x))
		e := ArticleError(pass.O, autograd.Const(y))
		ev := e.Item()
		if step == 0 {
			first = ev
		}
		if !(ev < prev) {
			t.Fatalf("step %d: E = %.17g did not fall below %.17g", step, ev, prev)
		}
		prev = ev
		e.Backward()
		for _, p := range net.Params() {
			p.Value().AddScaledInPlace(-alpha, p.Grad())
		}
		autograd.ZeroGrad(net.Params()...)
	}
	if !(prev < first/2) {
		t.Errorf("after %d steps E = %.6g, want below half of the initial %.6g", steps, prev, first)
	}
}

// TestPredictMatchesForward checks that the graph-free Predict used for
// evaluation computes the same O as the recorded forward pass.
func TestPredictMatchesForward(t *testing.T) {
	net, x, _ := articleNet[float64]()
	want := net.Forward(autograd.Const(x)).O.Value()
	got := net.Predict(x)
	if diff := cmp.Diff(want.Shape(), got.Shape()); diff != "" {
		t.Errorf("shape (-Forward +Predict):\n%s", diff)
	}
	if diff := cmp.Diff(want.Data(), got.Data()); diff != "" {
		t.Errorf("(-Forward +Predict):\n%s", diff)
	}
}
