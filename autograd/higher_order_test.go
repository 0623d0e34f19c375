package autograd_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

// This file tests gradients of gradients (Grad with CreateGraph) where they
// matter in practice: second derivatives against closed forms, a
// Hessian-vector product of a network's loss, and a gradient penalty that
// trains.

// hoPoints are where the elementwise second derivatives are evaluated:
// both signs, zero, and the saturated tails of Tanh and Sigmoid.
var hoPoints = []float64{-3, -1.2, -0.4, 0, 0.3, 0.9, 2.5}

// hoEach applies a scalar function to every point.
func hoEach(f func(float64) float64) []float64 {
	out := make([]float64, len(hoPoints))
	for i, x := range hoPoints {
		out[i] = f(x)
	}
	return out
}

// Second derivatives of elementwise functions against their closed forms:
// d1 = Grad(Sum(f(x)), x, CreateGraph), d2 = Grad(Sum(d1), x). Since f acts
// elementwise, the Hessian is diagonal and d2 is that diagonal.
func TestHigherOrderSecondDerivativesClosedForm(t *testing.T) {
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	tests := []struct {
		name   string
		f      func(x *V) *V
		d1, d2 func(x float64) float64
	}{
		{
			name: "Tanh",
			f:    autograd.Tanh[float64],
			d1:   func(x float64) float64 { th := math.Tanh(x); return 1 - th*th },
			d2:   func(x float64) float64 { th := math.Tanh(x); return -2 * th * (1 - th*th) },
		},
		{
			name: "Sigmoid",
			f:    autograd.Sigmoid[float64],
			d1:   func(x float64) float64 { s := sig(x); return s * (1 - s) },
			d2:   func(x float64) float64 { s := sig(x); return s * (1 - s) * (1 - 2*s) },
		},
		{
			name: "x³ as Pow(x, 3)",
			f:    func(x *V) *V { return autograd.Pow(x, 3) },
			d1:   func(x float64) float64 { return 3 * x * x },
			d2:   func(x float64) float64 { return 6 * x },
		},
		{
			// The product rule twice over: Mul's derivative differentiated.
			name: "x³ as x·x·x",
			f:    func(x *V) *V { return autograd.Mul(autograd.Mul(x, x), x) },
			d1:   func(x float64) float64 { return 3 * x * x },
			d2:   func(x float64) float64 { return 6 * x },
		},
		{
			// (e^{sin x})' = cos x·e^{sin x}; (e^{sin x})'' = (cos²x - sin x)·e^{sin x}
			name: "Exp∘Sin",
			f:    func(x *V) *V { return autograd.Exp(autograd.Sin(x)) },
			d1:   func(x float64) float64 { return math.Cos(x) * math.Exp(math.Sin(x)) },
			d2: func(x float64) float64 {
				c := math.Cos(x)
				return (c*c - math.Sin(x)) * math.Exp(math.Sin(x))
			},
		},
	}
	opts := cmp.Options{cmpopts.EquateApprox(1e-12, 1e-13)}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer failOnPanic(t)
			x := autograd.Param(t64(hoPoints, len(hoPoints)))
			d1 := autograd.Grad([]*V{autograd.Sum(tc.f(x))}, []*V{x}, autograd.CreateGraph())[0]
			if !d1.RequiresGrad() {
				t.Fatal("first derivative with CreateGraph does not require a gradient")
			}
			d2 := autograd.Grad([]*V{autograd.Sum(d1)}, []*V{x})[0]
			if diff := cmp.Diff(hoEach(tc.d1), d1.Value().Data(), opts); diff != "" {
				t.Errorf("first derivative (-closed form +autograd):\n%s", diff)
			}
			if diff := cmp.Diff(hoEach(tc.d2), d2.Value().Data(), opts); diff != "" {
				t.Errorf("second derivative (-closed form +autograd):\n%s", diff)
			}
			if x.Grad() != nil {
				t.Errorf("Grad touched x.Grad()")
			}
		})
	}
}

// hoMLP is a small network whose loss is a function of its parameters.
type hoMLP struct {
	l1, l2 *layers.Linear[float64]
	x, y   *V
}

func newHoMLP() *hoMLP {
	rng := newRand(2024)
	return &hoMLP{
		l1: layers.NewLinear[float64](rng, 3, 5, nil),
		l2: layers.NewLinear[float64](rng, 5, 2, nil),
		x:  autograd.Const(tensor.RandNormal(rng, 0, 1.0, 6, 3)),
		y:  autograd.Const(tensor.RandNormal(rng, 0, 1.0, 6, 2)),
	}
}

func (m *hoMLP) params() []*V { return append(m.l1.Parameters(), m.l2.Parameters()...) }

// loss records MSE(l2(tanh(l1(x))), y).
func (m *hoMLP) loss() *V {
	return autograd.MSE(m.l2.Forward(autograd.Tanh(m.l1.Forward(m.x))), m.y)
}

// hvp is the Hessian-vector product H·v of the loss with respect to the
// parameters, by double backward: the gradient of Σ_i ⟨∇_i loss, v_i⟩.
func (m *hoMLP) hvp(v []*tensor.Tensor[float64]) [][]float64 {
	ps := m.params()
	g := autograd.Grad([]*V{m.loss()}, ps, autograd.CreateGraph())
	var gv *V
	for i, gi := range g {
		term := autograd.Sum(autograd.Mul(gi, autograd.Const(v[i])))
		if gv == nil {
			gv = term
		} else {
			gv = autograd.Add(gv, term)
		}
	}
	hv := autograd.Grad([]*V{gv}, ps)
	out := make([][]float64, len(hv))
	for i, h := range hv {
		out[i] = h.Value().Data()
	}
	return out
}

// gradAt returns the loss gradient with every parameter moved by step·v
// (restored afterwards).
func (m *hoMLP) gradAt(v []*tensor.Tensor[float64], step float64) [][]float64 {
	ps := m.params()
	saved := make([]*tensor.Tensor[float64], len(ps))
	for i, p := range ps {
		saved[i] = p.Value().Clone()
		p.Value().AddScaledInPlace(step, v[i])
	}
	g := autograd.Grad([]*V{m.loss()}, ps)
	for i, p := range ps {
		p.Value().CopyFrom(saved[i])
	}
	out := make([][]float64, len(g))
	for i, gi := range g {
		out[i] = gi.Value().Data()
	}
	return out
}

// The Hessian-vector product of a small MLP's loss (Linear, Tanh, Linear,
// MSE) by double backward matches central finite differences of its
// gradient, (∇L(θ+εv) - ∇L(θ-εv)) / 2ε, and the Hessian is symmetric:
// ⟨w, Hv⟩ = ⟨v, Hw⟩.
func TestHigherOrderHessianVectorProductMLP(t *testing.T) {
	m := newHoMLP()
	rng := newRand(77)
	randDir := func() []*tensor.Tensor[float64] {
		var v []*tensor.Tensor[float64]
		for _, p := range m.params() {
			v = append(v, tensor.RandNormal(rng, 0, 1.0, p.Shape()...))
		}
		return v
	}
	v, w := randDir(), randDir()

	hv := m.hvp(v)
	const eps = 1e-5
	plus, minus := m.gradAt(v, eps), m.gradAt(v, -eps)
	fd := make([][]float64, len(plus))
	for i := range plus {
		fd[i] = make([]float64, len(plus[i]))
		for k := range plus[i] {
			fd[i][k] = (plus[i][k] - minus[i][k]) / (2 * eps)
		}
	}
	// Finite differences of the gradient are good to about 1e-9 here.
	if diff := cmp.Diff(fd, hv, cmpopts.EquateApprox(1e-5, 1e-8)); diff != "" {
		t.Errorf("H·v (-finite differences +double backward):\n%s", diff)
	}
	norm := 0.0
	for _, h := range hv {
		for _, x := range h {
			norm += x * x
		}
	}
	if !(norm > 1e-6) {
		t.Fatalf("‖H·v‖² = %g: a vanishing product proves nothing", norm)
	}

	dot := func(a [][]float64, b []*tensor.Tensor[float64]) float64 {
		s := 0.0
		for i := range a {
			for k, x := range a[i] {
				s += x * b[i].Data()[k]
			}
		}
		return s
	}
	if wHv, vHw := dot(hv, w), dot(m.hvp(w), v); math.Abs(wHv-vHw) > 1e-12*(1+math.Abs(wHv)) {
		t.Errorf("⟨w, Hv⟩ = %.17g, ⟨v, Hw⟩ = %.17g: the Hessian is not symmetric", wHv, vHw)
	}
	// Nothing above may have touched the parameters' .Grad().
	for i, p := range m.params() {
		if p.Grad() != nil {
			t.Errorf("param %d has a .Grad() after Grad calls", i)
		}
	}
}

// hoPenaltyNet is a 2-16-1 Tanh network fitted with a gradient penalty.
type hoPenaltyNet struct {
	l1, l2 *layers.Linear[float64]
	x, y   *V // x requires a gradient: the penalty differentiates with respect to it
	lambda float64
}

func newHoPenaltyNet(lambda float64) *hoPenaltyNet {
	rng := newRand(31)
	const n = 32
	xs := tensor.RandUniform(rng, -1, 1.0, n, 2)
	ys := tensor.Zeros[float64](n, 1)
	for i := range n {
		a, b := xs.At(i, 0), xs.At(i, 1)
		ys.Set(math.Sin(2*a)+0.5*b*b, i, 0)
	}
	return &hoPenaltyNet{
		l1:     layers.NewLinear(rng, 2, 16, layers.XavierUniform[float64]), // a penalty large enough to matter
		l2:     layers.NewLinear(rng, 16, 1, layers.XavierUniform[float64]),
		x:      autograd.Param(xs),
		y:      autograd.Const(ys),
		lambda: lambda,
	}
}

func (n *hoPenaltyNet) params() []*V { return append(n.l1.Parameters(), n.l2.Parameters()...) }

// objective records loss + λ·‖∂loss/∂x‖² and returns it with its two parts.
// The input gradient is taken with CreateGraph, so the penalty is a
// function of the weights that Backward can differentiate.
func (n *hoPenaltyNet) objective() (total, loss, penalty *V) {
	loss = autograd.MSE(n.l2.Forward(autograd.Tanh(n.l1.Forward(n.x))), n.y)
	gx := autograd.Grad([]*V{loss}, []*V{n.x}, autograd.CreateGraph())[0]
	penalty = autograd.Sum(autograd.Square(gx))
	return autograd.Add(loss, autograd.Scale(penalty, n.lambda)), loss, penalty
}

// A gradient-penalty term trains: Backward through loss + λ·‖∂loss/∂x‖²
// reaches the weights through the recorded input gradient (checked against
// finite differences of the objective), and a few hundred SGD steps lower
// the penalized objective.
func TestHigherOrderGradientPenaltyTrains(t *testing.T) {
	const lambda = 10.0
	net := newHoPenaltyNet(lambda)
	ps := net.params()

	// 1. The penalty's gradient with respect to the weights is right: the
	// gradient of the whole objective matches central differences for a
	// few weight elements, and differs from the gradient of the loss alone.
	total, loss, penalty := net.objective()
	if !(lambda*penalty.Item() > 0.05*loss.Item()) {
		t.Fatalf("λ·penalty %g is negligible next to the loss %g: the test would prove nothing", lambda*penalty.Item(), loss.Item())
	}
	total.Backward()
	lossOnly := autograd.Grad([]*V{autograd.MSE(net.l2.Forward(autograd.Tanh(net.l1.Forward(net.x))), net.y)}, ps)
	for pi, p := range ps {
		for _, k := range []int{0, p.Value().Len() - 1} {
			orig := p.Value().Data()[k]
			eval := func(v float64) float64 {
				p.Value().Data()[k] = v
				tot, _, _ := net.objective()
				return tot.Item()
			}
			const h = 1e-6
			fd := (eval(orig+h) - eval(orig-h)) / (2 * h)
			p.Value().Data()[k] = orig
			got := p.Grad().Data()[k]
			if math.Abs(got-fd) > 1e-6+1e-4*math.Abs(fd) {
				t.Errorf("param %d element %d: d objective = %.10g by Backward, %.10g by finite differences", pi, k, got, fd)
			}
			if pi == 0 && k == 0 && math.Abs(got-lossOnly[pi].Value().Data()[k]) < 1e-6 {
				t.Errorf("param 0 element 0: the objective's gradient %g equals the loss's %g: the penalty does not reach the weights",
					got, lossOnly[pi].Value().Data()[k])
			}
		}
	}

	// 2. Training lowers the penalized objective.
	net = newHoPenaltyNet(lambda)
	ps = net.params()
	opt, err := optim.NewSGD(ps, 0.1, optim.Momentum(0.9))
	if err != nil {
		t.Fatal(err)
	}
	var history []float64
	var firstPenalty, lastPenalty float64
	for step := range 300 {
		opt.ZeroGrad()
		total, _, penalty := net.objective()
		total.Backward()
		opt.Step()
		history = append(history, total.Item())
		if step == 0 {
			firstPenalty = penalty.Item()
		}
		lastPenalty = penalty.Item()
		if math.IsNaN(total.Item()) {
			t.Fatalf("step %d: objective is NaN", step)
		}
	}
	first, last := history[0], history[len(history)-1]
	if !(last < 0.2*first) {
		t.Errorf("objective %g → %g over 300 steps; want it below a fifth of the start", first, last)
	}
	if !(lastPenalty < firstPenalty) {
		t.Errorf("penalty %g → %g; want it lower after training", firstPenalty, lastPenalty)
	}
	// Late in training the objective keeps going down on average.
	if a, b := mean(history[200:250]), mean(history[250:]); !(b < a) {
		t.Errorf("mean objective over steps 200-249 is %g, over 250-299 %g: not decreasing", a, b)
	}
	t.Logf("objective %.4g → %.4g, penalty %.4g → %.4g", first, last, firstPenalty, lastPenalty)
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// The Hessian-vector product works on a network with a custom op in it:
// the second derivative flows through the Function's backward.
func TestHigherOrderThroughCustomOp(t *testing.T) {
	cube := fnCube[float64](nil)
	for _, x0 := range []float64{-1.5, 0.2, 2} {
		x := autograd.Param(tensor.Scalar(x0))
		y := autograd.Tanh(cube.Apply(x)) // tanh(x³)
		d1 := autograd.Grad([]*V{y}, []*V{x}, autograd.CreateGraph())[0]
		d2 := autograd.Grad([]*V{d1}, []*V{x})[0]
		th := math.Tanh(x0 * x0 * x0)
		sech2 := 1 - th*th
		want1 := 3 * x0 * x0 * sech2
		want2 := 6*x0*sech2 + 3*x0*x0*(-2*th*sech2)*3*x0*x0
		got := []float64{d1.Item(), d2.Item()}
		if diff := cmp.Diff([]float64{want1, want2}, got, cmpopts.EquateApprox(1e-12, 1e-12)); diff != "" {
			t.Errorf("x = %g: (tanh(x³))', (tanh(x³))'' (-closed form +autograd):\n%s", x0, diff)
		}
	}
}

// ExampleGrad_hessianVectorProduct computes H·v for f(w) = Σ w⁴/4, whose
// Hessian is diag(3w²), by differentiating ⟨∇f, v⟩.
func ExampleGrad_hessianVectorProduct() {
	w := autograd.Param(tensor.MustNew([]float64{1, -2, 0.5}, 3))
	v := autograd.Const(tensor.MustNew([]float64{1, 1, 2}, 3))
	f := autograd.Scale(autograd.Sum(autograd.Pow(w, 4)), 0.25)
	g := autograd.Grad([]*autograd.Var[float64]{f}, []*autograd.Var[float64]{w}, autograd.CreateGraph())[0]
	hv := autograd.Grad([]*autograd.Var[float64]{autograd.Sum(autograd.Mul(g, v))}, []*autograd.Var[float64]{w})[0]
	fmt.Println(hv.Value().Data())
	// Output:
	// [3 12 1.5]
}

// TestHigherOrderNormAtZero pins Norm's documented second derivative where
// the norm is 0: the p = 2 gradient there reads g·x (‖x‖ taken as 1), so
// its Hessian is the identity and an HVP returns v; the gradient itself is
// 0, as torch's subgradient.
func TestHigherOrderNormAtZero(t *testing.T) {
	f := func(xs ...*autograd.Var[float64]) *autograd.Var[float64] { return autograd.Norm(xs[0], 2) }
	zero := []*tensor.Tensor[float64]{tensor.Zeros[float64](2)}
	if d := cmp.Diff([]float64{1, 0, 0, 1}, autograd.Hessian(f, zero)[0][0].Data()); d != "" {
		t.Errorf("Hessian of ‖x‖ at 0 (-want +got):\n%s", d)
	}
	_, hv := autograd.HVP(f, zero, []*tensor.Tensor[float64]{tensor.MustNew([]float64{1, 2}, 2)})
	if d := cmp.Diff([]float64{1, 2}, hv[0].Data()); d != "" {
		t.Errorf("HVP of ‖x‖ at 0 (-want +got):\n%s", d)
	}
	x := autograd.Param(tensor.Zeros[float64](2))
	f(x).Backward()
	if d := cmp.Diff([]float64{0, 0}, x.Grad().Data()); d != "" {
		t.Errorf("gradient of ‖x‖ at 0 (-want +got):\n%s", d)
	}
}
