package autograd_test

import (
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestSoftmaxStable checks Softmax and LogSoftmax on inputs of ±1000, where
// the textbook formulas overflow: values and gradients must be finite and
// equal to their exact values.
func TestSoftmaxStable(t *testing.T) {
	t.Run("float64", testSoftmaxStable[float64])
	t.Run("float32", testSoftmaxStable[float32])
}

func testSoftmaxStable[T autograd.Float](t *testing.T) {
	data := []T{
		1000, -1000, 0,
		-1000, -1000, -1000,
	}
	w := tensor.MustNew([]T{
		1, 2, 3,
		1, 2, 3,
	}, 2, 3)
	third, ln3 := 1.0/3, math.Log(3)

	x := autograd.Param(tensor.MustNew(append([]T(nil), data...), 2, 3))
	y := autograd.Softmax(x, 1)
	checkTensor(t, "Softmax", y.Value(), view([]int{2, 3}, 1, 0, 0, third, third, third), redTol[T]())
	autograd.Sum(autograd.Mul(y, autograd.Const(w))).Backward()
	// y ∘ (w - Σ w∘y): row 0 is one-hot, so 0; row 1 is (w - 2)/3.
	checkTensor(t, "Softmax gradient", x.Grad(), view([]int{2, 3}, 0, 0, 0, -third, 0, third), redTol[T]())

	x = autograd.Param(tensor.MustNew(append([]T(nil), data...), 2, 3))
	y = autograd.LogSoftmax(x, -1)
	checkTensor(t, "LogSoftmax", y.Value(), view([]int{2, 3}, 0, -2000, -1000, -ln3, -ln3, -ln3), redTol[T]())
	autograd.Sum(autograd.Mul(y, autograd.Const(w))).Backward()
	// w - softmax·Σw, Σw = 6.
	checkTensor(t, "LogSoftmax gradient", x.Grad(), view([]int{2, 3}, -5, 2, 3, -1, 0, 1), redTol[T]())

	// Along axis 0: the columns are [1000 -1000], [-1000 -1000], [0 -1000].
	x = autograd.Param(tensor.MustNew(append([]T(nil), data...), 2, 3))
	y = autograd.LogSoftmax(x, 0)
	checkTensor(t, "LogSoftmax axis 0", y.Value(), view([]int{2, 3}, 0, -math.Ln2, 0, -2000, -math.Ln2, -1000), redTol[T]())
	autograd.Sum(y).Backward()
	// 1 - 2·softmax along each column.
	checkTensor(t, "LogSoftmax axis 0 gradient", x.Grad(), view([]int{2, 3}, -1, 0, -1, 1, 0, 1), redTol[T]())
}

// TestSoftmaxSecondDerivative compares the Hessian-vector product of
// Sum(Softmax(x) ∘ w) with its closed form: for s = Softmax(x) of a vector,
// d/dx of s∘(w - s·w) is a matrix H; H·v is computed by Grad twice.
func TestSoftmaxSecondDerivative(t *testing.T) {
	xs := []float64{0.3, -1.2, 0.8}
	ws := []float64{1.5, -0.5, 2}
	vs := []float64{0.7, 0.1, -0.4}
	x := autograd.Param(t64(xs, 3))
	loss := autograd.Sum(autograd.Mul(autograd.Softmax(x, 0), autograd.Const(t64(ws, 3))))
	g := autograd.Grad([]*V{loss}, []*V{x}, autograd.CreateGraph())[0]
	hv := autograd.Grad([]*V{autograd.Sum(autograd.Mul(g, autograd.Const(t64(vs, 3))))}, []*V{x})[0]

	// Closed form: g_i = s_i (w_i - a), a = Σ s_k w_k. With ds_i/dx_j =
	// s_i(δ_ij - s_j) and da/dx_j = s_j (w_j - a),
	// dg_i/dx_j = s_i(δ_ij - s_j)(w_i - a) - s_i s_j (w_j - a).
	var m float64
	for _, v := range xs {
		m = max(m, v)
	}
	s := make([]float64, 3)
	var z, a float64
	for i, v := range xs {
		s[i] = math.Exp(v - m)
		z += s[i]
	}
	for i := range s {
		s[i] /= z
		a += s[i] * ws[i]
	}
	want := make([]float64, 3)
	for j := range 3 {
		for i := range 3 {
			delta := 0.0
			if i == j {
				delta = 1
			}
			h := s[i]*(delta-s[j])*(ws[i]-a) - s[i]*s[j]*(ws[j]-a)
			want[j] += h * vs[i] // d/dx_j Σ_i g_i v_i
		}
	}
	checkTensor(t, "Hessian-vector product", hv.Value(), view([]int{3}, want...), 1e-12)
}

// TestSoftmaxRowsSumToOne on random wide inputs in both precisions.
func TestSoftmaxRowsSumToOne(t *testing.T) {
	x := in(wide, 4, 5, 3).draw(42)
	for axis := range 3 {
		s := autograd.Sum(autograd.Softmax(autograd.Const(x), axis), axis)
		want := make([]float64, s.Value().Len())
		for i := range want {
			want[i] = 1
		}
		checkTensor(t, "row sums", s.Value(), view(s.Shape(), want...), 1e-12)
		e := autograd.Exp(autograd.LogSoftmax(autograd.Const(x), axis))
		checkTensor(t, "exp(LogSoftmax)", e.Value(), viewOf(autograd.Softmax(autograd.Const(x), axis).Value()), 1e-12)
	}
}

// TestSoftmaxOfScalar: a 0-d input is one element along axis 0 (or -1),
// as in torch: softmax 1 and log-softmax 0, both with gradient 0, by
// Backward, by a recorded pass (Grad with CreateGraph) and in forward mode.
func TestSoftmaxOfScalar(t *testing.T) {
	for _, f := range []func(*autograd.Var[float64]) *autograd.Var[float64]{
		func(x *autograd.Var[float64]) *autograd.Var[float64] { return autograd.Softmax(x, 0) },
		func(x *autograd.Var[float64]) *autograd.Var[float64] { return autograd.LogSoftmax(x, -1) },
	} {
		x := autograd.Param(tensor.Scalar(3.0))
		y := f(x)
		y.Backward()
		if v := y.Value().Item(); y.Value().Dims() != 0 || (v != 1 && v != 0) || x.Grad().Item() != 0 {
			t.Errorf("%s of a 0-d 3: %v (shape %v), gradient %v; want 1 or 0, 0-d, gradient 0", y.Op(), v, y.Shape(), x.Grad().Item())
		}
		x2 := autograd.Param(tensor.Scalar(3.0))
		y2 := f(x2)
		g := autograd.Grad([]*autograd.Var[float64]{y2}, []*autograd.Var[float64]{x2}, autograd.CreateGraph())[0]
		if g.Value().Item() != 0 || g.Value().Dims() != 0 {
			t.Errorf("%s: recorded gradient %v of shape %v, want 0-d 0", y2.Op(), g.Value().Item(), g.Shape())
		}
		_, jt := autograd.JVP(func(xs ...*autograd.Var[float64]) *autograd.Var[float64] { return f(xs[0]) },
			[]*tensor.Tensor[float64]{tensor.Scalar(3.0)}, []*tensor.Tensor[float64]{tensor.Scalar(1.0)})
		if jt.Item() != 0 || jt.Dims() != 0 {
			t.Errorf("%s: tangent %v of shape %v, want 0-d 0", y2.Op(), jt.Item(), jt.Shape())
		}
	}
}
