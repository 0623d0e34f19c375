package autograd_test

import (
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// modes are the ways a Jacobian can be computed.
var modes = []autograd.JacobianMode{autograd.JacobianAuto, autograd.JacobianReverse, autograd.JacobianForward}

// matVec is x ↦ A·x for a constant A of shape [m n] and x of shape [n].
func matVec(a *tensor.Tensor[float64]) func(xs ...*V) *V {
	return func(xs ...*V) *V { return autograd.MatMul(autograd.Const(a), xs[0]) }
}

// quadForm is x ↦ xᵀ·A·x for a constant square A.
func quadForm(a *tensor.Tensor[float64]) func(xs ...*V) *V {
	return func(xs ...*V) *V {
		return autograd.Sum(autograd.Mul(xs[0], autograd.MatMul(autograd.Const(a), xs[0])))
	}
}

// mlp is a small smooth network of two inputs, x [n] and W [m n]:
// Σ tanh(W·x)² + Σ sin(x)∘x when scalar, else tanh(W·x) ∘ exp(x[0, 2]).
func mlpFunc(scalar bool) func(xs ...*V) *V {
	return func(xs ...*V) *V {
		h := autograd.Tanh(autograd.MatMul(xs[1], xs[0]))
		if !scalar {
			return autograd.Mul(h, autograd.Exp(autograd.IndexSelect(xs[0], 0, []int{0, 2})))
		}
		return autograd.Add(autograd.Sum(autograd.Mul(h, h)), autograd.Sum(autograd.Mul(autograd.Sin(xs[0]), xs[0])))
	}
}

func TestJacobianOfMatVecIsTheMatrix(t *testing.T) {
	a := t64([]float64{1, -2, 3, 0.5, 4, -1, 2, 2, -3, 1, 0, 7}, 3, 4)
	x := t64([]float64{0.3, -1, 2, 5}, 4)
	for _, m := range modes {
		jac := autograd.Jacobian(matVec(a), []*tensor.Tensor[float64]{x}, m)
		checkTensor(t, "Jacobian of A·x ("+m.String()+")", jac[0], viewOf(a), 1e-15)
	}
	// J·t is A·t, and tᵀJ is Aᵀ·t, exactly.
	tan := t64([]float64{1, 0.5, -1, 2}, 4)
	val, jt := autograd.JVP(matVec(a), []*tensor.Tensor[float64]{x}, []*tensor.Tensor[float64]{tan})
	checkTensor(t, "A·x", val, viewOf(tensor.MatMul(a, x.Reshape(4, 1), false, false).Reshape(3)), 1e-15)
	checkTensor(t, "JVP of A·x", jt, viewOf(tensor.MatMul(a, tan.Reshape(4, 1), false, false).Reshape(3)), 1e-15)
	_, pull := autograd.VJP(matVec(a), []*tensor.Tensor[float64]{x})
	u := t64([]float64{2, -1, 0.25}, 3)
	checkTensor(t, "VJP of A·x", pull(u)[0], viewOf(tensor.MatMul(a, u.Reshape(3, 1), true, false).Reshape(4)), 1e-15)
}

func TestHessianClosedForms(t *testing.T) {
	a := t64([]float64{2, -1, 0.5, 3, 1, 4, -2, 0, 5}, 3, 3)
	x := t64([]float64{0.7, -1.3, 0.2}, 3)
	apat := tensor.Add(a, tensor.Transpose(a))
	h := autograd.Hessian(quadForm(a), []*tensor.Tensor[float64]{x})
	checkTensor(t, "Hessian of xᵀAx", h[0][0], viewOf(apat), 1e-14)

	// Σ exp(x): diag(exp(x)).
	sumExp := func(xs ...*V) *V { return autograd.Sum(autograd.Exp(xs[0])) }
	h = autograd.Hessian(sumExp, []*tensor.Tensor[float64]{x})
	want := make([]float64, 9)
	for i, v := range x.Data() {
		want[i*3+i] = math.Exp(v)
	}
	checkTensor(t, "Hessian of Σexp", h[0][0], view([]int{3, 3}, want...), 1e-14)

	// H·v without H.
	v := t64([]float64{1, -2, 0.5}, 3)
	val, hv := autograd.HVP(quadForm(a), []*tensor.Tensor[float64]{x}, []*tensor.Tensor[float64]{v})
	q := 0.0
	ax := tensor.MatMul(a, x.Reshape(3, 1), false, false).Data()
	for i := range 3 {
		q += x.Data()[i] * ax[i]
	}
	if math.Abs(val.Item()-q) > 1e-14 {
		t.Errorf("HVP value = %v, want xᵀAx = %v", val.Item(), q)
	}
	checkTensor(t, "HVP of xᵀAx", hv[0], viewOf(tensor.MatMul(apat, v.Reshape(3, 1), false, false).Reshape(3)), 1e-14)
}

// TestHessianBlocks checks the blocks of a Hessian of two inputs against
// finite differences of the gradient, and their symmetry.
func TestHessianBlocks(t *testing.T) {
	x := t64([]float64{0.4, -0.9, 1.1}, 3)
	w := tensor.RandUniform(newRand(5), -1.0, 1.0, 2, 3)
	f := mlpFunc(true)
	ps := []*tensor.Tensor[float64]{x, w}
	h := autograd.Hessian(f, ps)
	grad := func(ps []*tensor.Tensor[float64]) []*tensor.Tensor[float64] {
		_, pull := autograd.VJP(f, ps)
		return pull(tensor.Ones[float64]())
	}
	const eps = 1e-6
	for j := range ps {
		for k := range ps[j].Len() {
			shifted := func(d float64) []*tensor.Tensor[float64] {
				cp := []*tensor.Tensor[float64]{ps[0].Clone(), ps[1].Clone()}
				cp[j].Data()[k] += d
				return grad(cp)
			}
			gp, gm := shifted(eps), shifted(-eps)
			for i := range ps {
				nj := ps[j].Len()
				for a := range ps[i].Len() {
					fd := (gp[i].Data()[a] - gm[i].Data()[a]) / (2 * eps)
					if got := h[i][j].Data()[a*nj+k]; math.Abs(got-fd) > 1e-6*(1+math.Abs(fd)) {
						t.Errorf("H[%d][%d][%d, %d] = %v, finite differences %v", i, j, a, k, got, fd)
					}
					if sym := h[j][i].Data()[k*ps[i].Len()+a]; math.Abs(sym-h[i][j].Data()[a*nj+k]) > 1e-12 {
						t.Errorf("H[%d][%d][%d, %d] = %v but H[%d][%d][%d, %d] = %v", i, j, a, k, h[i][j].Data()[a*nj+k], j, i, k, a, sym)
					}
				}
			}
		}
	}
	if !tensor.SameShape(h[0][1].Shape(), []int{3, 2, 3}) || !tensor.SameShape(h[1][1].Shape(), []int{2, 3, 2, 3}) {
		t.Errorf("block shapes %v and %v, want [3 2 3] and [2 3 2 3]", h[0][1].Shape(), h[1][1].Shape())
	}
	// HVP with both directions is Σⱼ H[i][j]·vⱼ.
	vs := randTangents([][]int{{3}, {2, 3}}, 9)
	_, hv := autograd.HVP(f, ps, vs)
	for i := range ps {
		want := make([]float64, ps[i].Len())
		for j := range ps {
			nj := ps[j].Len()
			for a := range want {
				for k := range nj {
					want[a] += h[i][j].Data()[a*nj+k] * vs[j].Data()[k]
				}
			}
		}
		if d := cmp.Diff(want, hv[i].Data(), approx(1e-12)); d != "" {
			t.Errorf("HVP[%d] differs from the Hessian's product (-H·v +HVP):\n%s", i, d)
		}
	}
}

// TestJacobianFiniteDifferences checks both modes of Jacobian, and JVP
// along a random direction, against central differences of a composite
// function with more outputs than one input and fewer than the other.
func TestJacobianFiniteDifferences(t *testing.T) {
	x := t64([]float64{0.4, -0.9, 1.1}, 3)
	w := tensor.RandUniform(newRand(6), -1.0, 1.0, 2, 3)
	ps := []*tensor.Tensor[float64]{x, w}
	f := mlpFunc(false)
	eval := func(ps []*tensor.Tensor[float64]) []float64 {
		return f(constants(ps)...).Value().Data()
	}
	const eps = 1e-6
	for _, m := range modes {
		jac := autograd.Jacobian(f, ps, m)
		for i := range ps {
			n := ps[i].Len()
			for k := range n {
				cp := func(d float64) []float64 {
					c := []*tensor.Tensor[float64]{ps[0].Clone(), ps[1].Clone()}
					c[i].Data()[k] += d
					return eval(c)
				}
				p, q := cp(eps), cp(-eps)
				for r := range p {
					fd := (p[r] - q[r]) / (2 * eps)
					if got := jac[i].Data()[r*n+k]; math.Abs(got-fd) > 1e-7*(1+math.Abs(fd)) {
						t.Errorf("%v: J%d[%d, %d] = %v, finite differences %v", m, i, r, k, got, fd)
					}
				}
			}
		}
	}
	ts := randTangents([][]int{{3}, {2, 3}}, 8)
	_, jt := autograd.JVP(f, ps, ts)
	shift := func(d float64) []float64 {
		return eval([]*tensor.Tensor[float64]{tensor.Add(x, tensor.Scale(ts[0], d)), tensor.Add(w, tensor.Scale(ts[1], d))})
	}
	p, q := shift(eps), shift(-eps)
	for r := range p {
		if fd := (p[r] - q[r]) / (2 * eps); math.Abs(jt.Data()[r]-fd) > 1e-7*(1+math.Abs(fd)) {
			t.Errorf("JVP[%d] = %v, directional finite difference %v", r, jt.Data()[r], fd)
		}
	}
}

// rowNet is a row-wise function of a batch x [B 3]: each output row [2]
// depends on its input row only, through a shared weight.
func rowNet(xs ...*V) *V {
	w := autograd.Const(t64([]float64{0.5, -1, 2, 1.5, 0.25, -0.75}, 3, 2))
	return autograd.Mul(autograd.Tanh(autograd.MatMul(xs[0], w)), autograd.SumKeepDims(autograd.Square(xs[0]), 1))
}

// TestBatchJacobianMatchesPerRowLoop checks BatchJacobian against the
// Jacobian of each row computed on its own, in every mode, for a [B 2]
// output and for per-example losses [B] (per-example gradients).
func TestBatchJacobianMatchesPerRowLoop(t *testing.T) {
	const batch = 4
	x := tensor.RandUniform(newRand(11), -1.0, 1.0, batch, 3)
	row := func(b int) *tensor.Tensor[float64] {
		return t64(x.Data()[b*3:(b+1)*3], 1, 3)
	}
	losses := func(xs ...*V) *V { return autograd.Sum(rowNet(xs...), 1) }
	for _, tc := range []struct {
		name string
		f    func(xs ...*V) *V
		out  []int // one row's output shape
	}{
		{"rows", rowNet, []int{2}},
		{"per-example losses", losses, nil},
	} {
		for _, m := range modes {
			got := autograd.BatchJacobian(tc.f, []*tensor.Tensor[float64]{x}, m)[0]
			wantShape := append(append([]int{batch}, tc.out...), 3)
			if !tensor.SameShape(got.Shape(), wantShape) {
				t.Fatalf("%s, %v: shape %v, want %v", tc.name, m, got.Shape(), wantShape)
			}
			var want []float64
			for b := range batch {
				j := autograd.Jacobian(tc.f, []*tensor.Tensor[float64]{row(b)}, autograd.JacobianReverse)[0]
				want = append(want, j.Data()...) // [1 out… 1 3] holds one row's block
			}
			if d := cmp.Diff(want, got.Data(), approx(1e-14)); d != "" {
				t.Errorf("%s, %v: BatchJacobian differs from the per-row loop (-loop +batch):\n%s", tc.name, m, d)
			}
		}
	}
}

// TestVJPPullbackIsReusable calls one pullback several times: the graph
// is kept, results are fresh, and the pullback is linear.
func TestVJPPullbackIsReusable(t *testing.T) {
	x := t64([]float64{0.3, -0.2, 0.9}, 3)
	f := func(xs ...*V) *V { return autograd.Mul(autograd.Sin(xs[0]), xs[0]) }
	_, pull := autograd.VJP(f, []*tensor.Tensor[float64]{x})
	u1, u2 := t64([]float64{1, 0, 2}, 3), t64([]float64{-1, 3, 0.5}, 3)
	g1 := pull(u1)[0].Clone()
	g2 := pull(u2)[0]
	g12 := pull(tensor.Add(u1, u2))[0]
	checkTensor(t, "pullback(u1+u2)", g12, viewOf(tensor.Add(g1, g2)), 1e-15)
	again := pull(u1)[0]
	checkTensor(t, "pullback(u1) again", again, viewOf(g1), 0)
	for i, v := range x.Data() {
		want := u1.Data()[i] * (math.Cos(v)*v + math.Sin(v))
		if math.Abs(g1.Data()[i]-want) > 1e-15 {
			t.Errorf("pullback(u1)[%d] = %v, want %v", i, g1.Data()[i], want)
		}
	}
}

// TestJVPZeroAndPartialTangents: nil tangents are zeros; a function that
// ignores its inputs, or returns one unchanged, still gets a fresh tangent.
func TestJVPZeroAndPartialTangents(t *testing.T) {
	x, y := t64([]float64{1, 2}, 2), t64([]float64{3, 4}, 2)
	mul := func(xs ...*V) *V { return autograd.Mul(xs[0], xs[1]) }
	_, tan := autograd.JVP(mul, []*tensor.Tensor[float64]{x, y}, []*tensor.Tensor[float64]{nil, nil})
	checkTensor(t, "JVP with no tangent", tan, view([]int{2}, 0, 0), 0)
	_, tan = autograd.JVP(mul, []*tensor.Tensor[float64]{x, y}, []*tensor.Tensor[float64]{nil, t64([]float64{1, -1}, 2)})
	checkTensor(t, "JVP along y", tan, view([]int{2}, 1, -2), 0)

	constant := func(xs ...*V) *V { return autograd.Scalar(2.0) }
	_, tan = autograd.JVP(constant, []*tensor.Tensor[float64]{x}, []*tensor.Tensor[float64]{x})
	checkTensor(t, "JVP of a constant", tan, view(nil, 0), 0)
	jac := autograd.Jacobian(constant, []*tensor.Tensor[float64]{x}, autograd.JacobianReverse)
	checkTensor(t, "Jacobian of a constant", jac[0], view([]int{2}, 0, 0), 0)

	identity := func(xs ...*V) *V { return xs[0] }
	dir := t64([]float64{5, 6}, 2)
	_, tan = autograd.JVP(identity, []*tensor.Tensor[float64]{x}, []*tensor.Tensor[float64]{dir})
	checkTensor(t, "JVP of the identity", tan, view([]int{2}, 5, 6), 0)
	if &tan.Data()[0] == &dir.Data()[0] {
		t.Error("JVP of the identity returned the caller's tangent, want a copy")
	}
	for _, m := range modes {
		jac := autograd.Jacobian(identity, []*tensor.Tensor[float64]{x}, m)
		checkTensor(t, "Jacobian of the identity ("+m.String()+")", jac[0], view([]int{2, 2}, 1, 0, 0, 1), 0)
	}
}

// TestJVPFloat32 runs forward mode in float32.
func TestJVPFloat32(t *testing.T) {
	x := tensor.MustNew([]float32{0.5, -1, 2}, 3)
	dir := tensor.MustNew([]float32{1, 2, -1}, 3)
	f := func(xs ...*autograd.Var[float32]) *autograd.Var[float32] {
		return autograd.Sum(autograd.Mul(autograd.Tanh(xs[0]), xs[0]))
	}
	_, tan := autograd.JVP(f, []*tensor.Tensor[float32]{x}, []*tensor.Tensor[float32]{dir})
	want := 0.0
	for i, v := range x.Data() {
		th := math.Tanh(float64(v))
		want += float64(dir.Data()[i]) * (th + float64(v)*(1-th*th))
	}
	if math.Abs(float64(tan.Item())-want) > 1e-5 {
		t.Errorf("float32 JVP = %v, want %v", tan.Item(), want)
	}
}

func TestJVPErrors(t *testing.T) {
	x := t64([]float64{1, 2}, 2)
	ps := []*tensor.Tensor[float64]{x}
	id := func(xs ...*V) *V { return autograd.Exp(xs[0]) }
	var ue *autograd.UsageError
	for name, f := range map[string]func(){
		"JVP count":       func() { autograd.JVP(id, ps, nil) },
		"JVP nil f":       func() { autograd.JVP(nil, ps, ps) },
		"JVP nil result":  func() { autograd.JVP(func(...*V) *V { return nil }, ps, ps) },
		"JVP nil primal":  func() { autograd.JVP(id, []*tensor.Tensor[float64]{nil}, []*tensor.Tensor[float64]{nil}) },
		"HVP count":       func() { autograd.HVP(id, ps, nil) },
		"Jacobian mode":   func() { autograd.Jacobian(id, ps, autograd.JacobianMode(7)) },
		"BatchJacobian 0": func() { autograd.BatchJacobian(id, nil, autograd.JacobianAuto) },
	} {
		if err := mustPanicError(t, f); !errors.As(err, &ue) {
			t.Errorf("%s: panicked with %T (%v), want *autograd.UsageError", name, err, err)
		}
	}
	for name, f := range map[string]func(){
		"JVP tangent shape":   func() { autograd.JVP(id, ps, []*tensor.Tensor[float64]{t64([]float64{1, 2, 3}, 3)}) },
		"VJP cotangent":       func() { _, pull := autograd.VJP(id, ps); pull(t64([]float64{1}, 1)) },
		"Hessian of a vector": func() { autograd.Hessian(id, ps) },
		"BatchJacobian batches": func() {
			autograd.BatchJacobian(func(xs ...*V) *V { return xs[0] }, []*tensor.Tensor[float64]{x, t64([]float64{1, 2, 3}, 3)}, autograd.JacobianAuto)
		},
		"BatchJacobian output": func() {
			autograd.BatchJacobian(func(xs ...*V) *V { return autograd.Sum(xs[0]) }, ps, autograd.JacobianAuto)
		},
	} {
		se := mustShapeError(t, f)
		if se.Op == "" {
			t.Errorf("%s: ShapeError names no op: %v", name, se)
		}
	}
	if got := autograd.JacobianForward.String(); got != "forward" {
		t.Errorf("JacobianForward.String() = %q", got)
	}
}
