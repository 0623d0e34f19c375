package optim_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// values returns a tensor's elements widened to float64, for cmp.Diff.
func values[T tensor.Float](x *tensor.Tensor[T]) []float64 {
	d := make([]float64, x.Len())
	for i, v := range x.Data() {
		d[i] = float64(v)
	}
	return d
}

func param[T tensor.Float](v ...float64) *autograd.Var[T] {
	d := make([]T, len(v))
	for i, x := range v {
		d[i] = T(x)
	}
	return autograd.Param(tensor.MustNew(d, len(v)))
}

// setGrad runs a backward pass that leaves exactly g in p.Grad() (after a
// ZeroGrad): the loss Σ p∘g has gradient g whatever p is.
func setGrad[T tensor.Float](p *autograd.Var[T], g ...float64) {
	d := make([]T, len(g))
	for i, x := range g {
		d[i] = T(x)
	}
	autograd.Sum(autograd.Mul(p, autograd.Const(tensor.MustNew(d, p.Shape()...)))).Backward()
}

func TestNewSGDHyperparameters(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	tests := []struct {
		name     string
		lr, mu   float64
		wantErr  string // "" for success
		wantName string
	}{
		{"plain", 0.1, 0, "", ""},
		{"zero lr", 0, 0, "", ""},
		{"momentum", 0.01, 0.9, "", ""},
		{"momentum above one", 0.01, 1.5, "", ""},
		{"negative lr", -0.1, 0, "learning rate", "-0.1"},
		{"NaN lr", nan, 0, "learning rate", "NaN"},
		{"+Inf lr", inf, 0, "learning rate", "+Inf"},
		{"-Inf lr", -inf, 0, "learning rate", "-Inf"},
		{"negative momentum", 0.1, -0.5, "momentum", "-0.5"},
		{"NaN momentum", 0.1, nan, "momentum", "NaN"},
		{"+Inf momentum", 0.1, inf, "momentum", "+Inf"},
		{"-Inf momentum", 0.1, -inf, "momentum", "-Inf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := param[float64](1, 2)
			opt, err := optim.NewSGD([]*autograd.Var[float64]{p}, tt.lr, optim.Momentum(tt.mu))
			if tt.wantErr == "" {
				if err != nil || opt == nil {
					t.Fatalf("NewSGD(lr %v, momentum %v) = %v, %v; want an optimizer", tt.lr, tt.mu, opt, err)
				}
				if got := opt.LR(); got != tt.lr {
					t.Errorf("LR() = %v, want %v", got, tt.lr)
				}
				return
			}
			if err == nil {
				t.Fatalf("NewSGD(lr %v, momentum %v) succeeded, want an error", tt.lr, tt.mu)
			}
			if opt != nil {
				t.Errorf("NewSGD returned an optimizer with its error")
			}
			for _, want := range []string{"optim", tt.wantErr, tt.wantName} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}

func TestNewSGDParameters(t *testing.T) {
	w := param[float64](1, 2)
	b := param[float64](3)
	c := autograd.Const(tensor.MustNew([]float64{1, 2}, 2))
	nonLeaf := autograd.Add(w, w)
	fromConsts := autograd.Add(c, c) // a leaf that needs no gradient
	tests := []struct {
		name    string
		params  []*autograd.Var[float64]
		wantErr string // "" for success; else the index it must name
	}{
		{"none", nil, ""},
		{"params", []*autograd.Var[float64]{w, b}, ""},
		{"const", []*autograd.Var[float64]{c}, "parameter 0"},
		{"non-leaf", []*autograd.Var[float64]{w, nonLeaf}, "parameter 1"},
		{"result of constants", []*autograd.Var[float64]{w, b, fromConsts}, "parameter 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt, err := optim.NewSGD(tt.params, 0.1)
			if tt.wantErr == "" {
				if err != nil || opt == nil {
					t.Fatalf("NewSGD = %v, %v; want an optimizer", opt, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("NewSGD succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not name %q", err, tt.wantErr)
			}
		})
	}
}

// TestNewSGDFloat32Overflow checks the hyperparameters as the optimizer
// stores them: a learning rate or momentum that is finite as a float64 but
// overflows float32 would make every step turn the parameters into ±Inf or
// NaN, which is exactly the infinite rate NewSGD promises to reject.
func TestNewSGDFloat32Overflow(t *testing.T) {
	p := param[float32](1, 2)
	tests := []struct {
		name   string
		lr, mu float64
	}{
		{"lr", 1e39, 0},
		{"momentum", 0.1, 1e39},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt, err := optim.NewSGD([]*autograd.Var[float32]{p}, tt.lr, optim.Momentum(tt.mu))
			if err == nil {
				t.Errorf("NewSGD[float32](lr %g, momentum %g) succeeded with LR() = %v; want an error, the value is +Inf in float32", tt.lr, tt.mu, opt.LR())
			}
		})
	}
	t.Run("SetLR", func(t *testing.T) {
		opt, err := optim.NewSGD([]*autograd.Var[float32]{p}, 0.1)
		if err != nil {
			t.Fatal(err)
		}
		if err := opt.SetLR(1e39); err == nil {
			t.Errorf("SetLR(1e39) on SGD[float32] succeeded with LR() = %v; want an error", opt.LR())
		}
	})
}

// TestSGDMomentumUnderflowKeepsDampening: a momentum that is not 0 but
// rounds to 0 in float32 still keeps a buffer, as torch does (it
// multiplies its float32 buffer by the rounded momentum): from the second
// step the buffer is 0·v + (1 - τ)·g, so dampening 0.5 halves the step.
// torch 1.13 gives 0.9, 0.85, 0.8 for p = [1], lr 0.1, momentum 1e-50,
// dampening 0.5 and the gradient 1 three times.
func TestSGDMomentumUnderflowKeepsDampening(t *testing.T) {
	p := param[float32](1)
	opt, err := optim.NewSGD([]*autograd.Var[float32]{p}, 0.1, optim.Momentum(1e-50), optim.Dampening(0.5))
	if err != nil {
		t.Fatal(err)
	}
	var got []float64
	for range 3 {
		opt.ZeroGrad()
		setGrad(p, 1)
		if err := opt.Step(); err != nil {
			t.Fatal(err)
		}
		got = append(got, values(p.Value())...)
	}
	if diff := cmp.Diff([]float64{0.9, 0.85, 0.8}, got, cmpopts.EquateApprox(1e-6, 0)); diff != "" {
		t.Errorf("parameter after each step (-torch +got):\n%s", diff)
	}
}

func TestSetLR(t *testing.T) {
	tests := []struct {
		lr    float64
		valid bool
	}{
		{0.5, true}, {0, true}, {1e-8, true},
		{-1e-8, false}, {math.NaN(), false}, {math.Inf(1), false}, {math.Inf(-1), false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.lr), func(t *testing.T) {
			opt, err := optim.NewSGD([]*autograd.Var[float64]{param[float64](1)}, 0.25)
			if err != nil {
				t.Fatal(err)
			}
			err = opt.SetLR(tt.lr)
			switch {
			case tt.valid && err != nil:
				t.Errorf("SetLR(%v): %v", tt.lr, err)
			case tt.valid && opt.LR() != tt.lr:
				t.Errorf("LR() = %v after SetLR(%v)", opt.LR(), tt.lr)
			case !tt.valid && err == nil:
				t.Errorf("SetLR(%v) succeeded, want an error", tt.lr)
			case !tt.valid && opt.LR() != 0.25:
				t.Errorf("LR() = %v after a rejected SetLR, want it unchanged at 0.25", opt.LR())
			}
		})
	}
}

// TestSetLRAffectsStep checks that a schedule's new rate is the one used.
func TestSetLRAffectsStep(t *testing.T) {
	p := param[float64](1)
	opt, err := optim.NewSGD([]*autograd.Var[float64]{p}, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if err := opt.SetLR(0.125); err != nil {
		t.Fatal(err)
	}
	setGrad(p, 2)
	opt.Step()
	if got := p.Value().Data()[0]; got != 0.75 {
		t.Errorf("after a step with lr 0.125 and gradient 2: %v, want 0.75", got)
	}
}

func TestStepPlain(t *testing.T) {
	t.Run("float64", testStepPlain[float64])
	t.Run("float32", testStepPlain[float32])
}

// testStepPlain checks W ← W − lr·g exactly. The expectation is computed in T
// with the same operations; lr and g are chosen so that lr·g is exact, so the
// result does not depend on whether the compiler fuses the multiply-add.
func testStepPlain[T tensor.Float](t *testing.T) {
	tests := []struct {
		name string
		lr   float64
		w, g []float64
	}{
		{"lr 0.5", 0.5, []float64{1, -2, 3.5}, []float64{0.5, 4, -1}},
		{"lr 0.25 twice", 0.25, []float64{0.1, 0.2}, []float64{-8, 3}},
		{"lr 0 is a no-op", 0, []float64{1.5, -7}, []float64{100, 3}},
		{"zero gradient", 0.5, []float64{1.5, -7}, []float64{0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := param[T](tt.w...)
			opt, err := optim.NewSGD([]*autograd.Var[T]{p}, tt.lr)
			if err != nil {
				t.Fatal(err)
			}
			want := make([]T, len(tt.w))
			for i := range want {
				want[i] = T(tt.w[i]) - T(tt.lr)*T(tt.g[i])
			}
			setGrad(p, tt.g...)
			opt.Step()
			if diff := cmp.Diff(want, p.Value().Data()); diff != "" {
				t.Errorf("after one step (-want +got):\n%s", diff)
			}
			// Step does not consume the gradient: a second step without
			// ZeroGrad applies it again.
			for i := range want {
				want[i] -= T(tt.lr) * T(tt.g[i])
			}
			opt.Step()
			if diff := cmp.Diff(want, p.Value().Data()); diff != "" {
				t.Errorf("after a second step (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStepMomentum(t *testing.T) {
	t.Run("float64", testStepMomentum[float64])
	t.Run("float32", testStepMomentum[float32])
}

// testStepMomentum follows torch.optim.SGD (dampening 0, no Nesterov): the
// buffer starts at the first gradient, v₁ = g₁, then v = μ·v + g, and
// W ← W − lr·v with the current lr. Worked by hand with lr 0.25 and μ 0.5:
//
//	step 1: g = [1 2],    v = [1 2],       W = [1 -2] - 0.25·[1 2]     = [0.75 -2.5]
//	step 2: g = [0.5 -1], v = [1 0],       W = [0.75 -2.5] - [0.25 0]   = [0.5 -2.5]
//	step 3: g = [-2 4],   v = [-1.5 4],    W = [0.5 -2.5] - [-0.375 1]  = [0.875 -3.5]
//	lr ← 0.5
//	step 4: g = [0 0],    v = [-0.75 2],   W = [0.875 -3.5] - [-0.375 1] = [1.25 -4.5]
//
// Other conventions give other numbers: an EMA buffer v = μ·v + (1-μ)·g or
// Nesterov differ at step 1, and Sutskever's v = μ·v + lr·g, W ← W − v
// (equivalent while lr is constant) differs at step 4, after the lr change.
func testStepMomentum[T tensor.Float](t *testing.T) {
	p := param[T](1, -2)
	opt, err := optim.NewSGD([]*autograd.Var[T]{p}, 0.25, optim.Momentum(0.5))
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		lr      float64
		g, want []float64
	}{
		{0.25, []float64{1, 2}, []float64{0.75, -2.5}},
		{0.25, []float64{0.5, -1}, []float64{0.5, -2.5}},
		{0.25, []float64{-2, 4}, []float64{0.875, -3.5}},
		{0.5, []float64{0, 0}, []float64{1.25, -4.5}},
	}
	for i, s := range steps {
		if err := opt.SetLR(s.lr); err != nil {
			t.Fatal(err)
		}
		setGrad(p, s.g...)
		opt.Step()
		opt.ZeroGrad()
		if diff := cmp.Diff(s.want, values(p.Value()), cmpopts.EquateApprox(0, 1e-12)); diff != "" {
			t.Fatalf("step %d (-want +got):\n%s", i+1, diff)
		}
	}
}

// TestStepSkipsNilGrad checks that a parameter without a gradient is left
// alone, and that its momentum buffer starts at its own first gradient.
func TestStepSkipsNilGrad(t *testing.T) {
	for _, mu := range []float64{0, 0.9} {
		t.Run(fmt.Sprint("momentum ", mu), func(t *testing.T) {
			used := param[float64](1, 2)
			unused := param[float64](3, 4)
			opt, err := optim.NewSGD([]*autograd.Var[float64]{unused, used}, 0.5, optim.Momentum(mu))
			if err != nil {
				t.Fatal(err)
			}
			for range 3 {
				setGrad(used, 1, 1)
				opt.Step()
				opt.ZeroGrad()
			}
			if unused.Grad() != nil {
				t.Fatalf("unused parameter got a gradient: %v", unused.Grad())
			}
			if diff := cmp.Diff([]float64{3, 4}, values(unused.Value())); diff != "" {
				t.Errorf("parameter with nil Grad changed (-want +got):\n%s", diff)
			}
			if got := values(used.Value()); got[0] == 1 {
				t.Errorf("parameter with a gradient did not move: %v", got)
			}
			// Its first gradient now: with momentum too, v = g on its first
			// step, so the update is exactly lr·g.
			setGrad(unused, 2, -2)
			opt.Step()
			if diff := cmp.Diff([]float64{2, 5}, values(unused.Value())); diff != "" {
				t.Errorf("first update of a late parameter (-want +got):\n%s", diff)
			}
		})
	}
}

func TestZeroGrad(t *testing.T) {
	a := param[float64](1, 2, 3)
	b := param[float64](4)
	never := param[float64](5)
	opt, err := optim.NewSGD([]*autograd.Var[float64]{a, b, never}, 0.1, optim.Momentum(0.9))
	if err != nil {
		t.Fatal(err)
	}
	setGrad(a, 1, 2, 3)
	setGrad(b, 4)
	ga, gb := a.Grad(), b.Grad()
	opt.ZeroGrad()
	if diff := cmp.Diff([]float64{0, 0, 0}, values(a.Grad())); diff != "" {
		t.Errorf("a.Grad() after ZeroGrad (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]float64{0}, values(b.Grad())); diff != "" {
		t.Errorf("b.Grad() after ZeroGrad (-want +got):\n%s", diff)
	}
	if a.Grad() != ga || b.Grad() != gb {
		t.Errorf("ZeroGrad replaced the gradient buffers; it should clear them in place")
	}
	if never.Grad() != nil {
		t.Errorf("ZeroGrad gave a gradient to a parameter that had none")
	}
	// After ZeroGrad, a backward pass starts from zero, not from the old sum.
	setGrad(a, 5, 5, 5)
	if diff := cmp.Diff([]float64{5, 5, 5}, values(a.Grad())); diff != "" {
		t.Errorf("gradient after ZeroGrad and a new pass (-want +got):\n%s", diff)
	}
}
