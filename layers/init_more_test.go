package layers_test

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestCalculateGain compares with torch 1.13's calculate_gain.
func TestCalculateGain(t *testing.T) {
	for _, c := range []struct {
		name  string
		param []float64
		want  float64
	}{
		{"linear", nil, 1}, {"conv2d", nil, 1}, {"sigmoid", nil, 1}, {"tanh", nil, 1.6666666666666667},
		{"relu", nil, 1.4142135623730951}, {"leaky_relu", nil, 1.4141428569978354},
		{"leaky_relu", []float64{0.2}, 1.3867504905630728}, {"selu", nil, 0.75},
	} {
		if got := layers.CalculateGain(c.name, c.param...); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("CalculateGain(%q, %v) = %v, torch %v", c.name, c.param, got, c.want)
		}
	}
	for _, bad := range []func(){
		func() { layers.CalculateGain("softmax") },
		func() { layers.CalculateGain("relu", 0.1) },
		func() { layers.CalculateGain("leaky_relu", math.NaN()) },
	} {
		argPanic(t, bad)
	}
}

// TestTruncNormal: every value lies in [a, b], and the sample's mean and
// standard deviation are the truncated normal's, for bounds around the
// mean (ViT's ±2 std) and for bounds far in one tail, where a naive
// inverse CDF loses all accuracy.
func TestTruncNormal(t *testing.T) {
	// ln φ(z), and ln Q(z) = ln P(Z > z): by erfc where it does not
	// underflow, else by the asymptotic series (to z⁻¹², far more terms
	// than its error at z ≥ 30 needs).
	lnPhi := func(z float64) float64 { return -z*z/2 - 0.5*math.Log(2*math.Pi) }
	lnQ := func(z float64) float64 {
		if z < 30 {
			return math.Log(math.Erfc(z/math.Sqrt2) / 2)
		}
		w, sum, term := 1/(z*z), 1.0, 1.0
		for k := 1; k <= 6; k++ {
			term *= -float64(2*k-1) * w
			sum += term
		}
		return lnPhi(z) - math.Log(z) + math.Log(sum)
	}
	for _, c := range []struct{ mean, std, a, b float64 }{
		{0, 0.02, -0.04, 0.04}, {1, 2, -1, 7}, {0, 1, 3, 4}, {0, 1, -9, -8}, {5, 0.5, 15, 15.5},
		{0, 1, 40, 41}, {0, 1, -41, -40}, {0, 0.001, 0.05, 0.06}, {0, 1, -1e-3, 60},
	} {
		za, zb := (c.a-c.mean)/c.std, (c.b-c.mean)/c.std
		flip := 1.0
		if zb <= 0 { // the mirror image, in the upper tail
			za, zb, flip = -zb, -za, -1
		}
		// The truncated normal's mean and variance in standard units,
		// with ra = φ(za)/Z and rb = φ(zb)/Z, Z = P(za < Z < zb), all in
		// logarithms so that far tails neither underflow nor cancel.
		var lnZ float64
		if za >= 0 {
			lnZ = lnQ(za) + math.Log1p(-math.Exp(lnQ(zb)-lnQ(za)))
		} else {
			lnZ = math.Log(1 - math.Exp(lnQ(-za)) - math.Exp(lnQ(zb)))
		}
		ra, rb := math.Exp(lnPhi(za)-lnZ), math.Exp(lnPhi(zb)-lnZ)
		m := ra - rb
		v := 1 + za*ra - zb*rb - m*m
		mu, sd := c.mean+flip*c.std*m, c.std*math.Sqrt(v)
		if math.IsNaN(mu) || math.IsNaN(sd) || sd <= 0 {
			t.Fatalf("%+v: the reference moments are %v and %v", c, mu, sd)
		}
		w := layers.TruncNormal[float64](c.mean, c.std, c.a, c.b)(newRNG(3), 1, 1, 200, 500)
		var sum, sq float64
		for _, x := range w.Data() {
			if x < c.a || x > c.b || math.IsNaN(x) {
				t.Fatalf("%+v: %v outside [a, b]", c, x)
			}
			sum += x
			sq += x * x
		}
		n := float64(w.Len())
		gotMu, gotSd := sum/n, math.Sqrt(sq/n-sum*sum/n/n)
		if math.Abs(gotMu-mu) > 0.02*sd || math.Abs(gotSd-sd) > 0.02*sd {
			t.Errorf("%+v: mean %v std %v, want %v and %v", c, gotMu, gotSd, mu, sd)
		}
	}
	for _, bad := range []func(){
		func() { layers.TruncNormal[float64](0, 0, -1, 1) },
		func() { layers.TruncNormal[float64](0, 1, 1, 1) },
		func() { layers.TruncNormal[float64](math.NaN(), 1, -1, 1) },
		func() { layers.TruncNormal[float32](0, 1, float32(math.NaN()), 1) },
	} {
		argPanic(t, bad)
	}
}

// TestOrthogonal: tall, square and wide weights (and a conv weight, whose
// trailing axes are the columns) have orthonormal columns or rows times
// the gain, and the same seed gives the same weight.
func TestOrthogonal(t *testing.T) {
	for _, shape := range [][]int{{7, 4}, {5, 5}, {3, 8}, {4, 2, 3, 3}} {
		gain := 1.5
		w := layers.Orthogonal[float64](gain)(newRNG(9), 1, 1, shape...)
		rows, cols := shape[0], w.Len()/shape[0]
		m := w.Reshape(rows, cols)
		var g *tensor.Tensor[float64]
		if rows >= cols {
			g = tensor.MatMul(m, m, true, false) // columns orthonormal
		} else {
			g = tensor.MatMul(m, m, false, true) // rows orthonormal
		}
		n := g.Dim(0)
		for i := range n {
			for j := range n {
				want := 0.0
				if i == j {
					want = gain * gain
				}
				if got := g.Data()[i*n+j]; math.Abs(got-want) > 1e-12 {
					t.Fatalf("%v: Gram matrix [%d %d] = %v, want %v", shape, i, j, got, want)
				}
			}
		}
		if again := layers.Orthogonal[float64](gain)(newRNG(9), 1, 1, shape...); !bitsEqual(w, again) {
			t.Errorf("%v: same seed, different weight", shape)
		}
	}
	// The determinant of a square Q takes both signs over seeds: the signs
	// of R's diagonal are folded in, as torch does, so Q is Haar-uniform
	// rather than always of one orientation's handedness.
	signs := map[bool]bool{}
	for seed := range uint64(16) {
		q := layers.Orthogonal[float64](1)(newRNG(seed), 1, 1, 2, 2).Data()
		signs[q[0]*q[3]-q[1]*q[2] > 0] = true
	}
	if len(signs) != 2 {
		t.Errorf("over 16 seeds, det(Q) of a 2×2 always had one sign")
	}
	argPanic(t, func() { layers.Orthogonal[float64](math.Inf(1)) })
	shapePanic(t, func() { layers.Orthogonal[float64](1)(newRNG(1), 1, 1, 4) })
	for _, shape := range [][]int{{0, 3}, {3, 0}, {2, 3, 0}} {
		if w := layers.Orthogonal[float64](1)(newRNG(1), 1, 1, shape...); !cmp.Equal(w.Shape(), shape) || w.Len() != 0 {
			t.Errorf("Orthogonal of %v: shape %v, want that shape, empty", shape, w.Shape())
		}
	}
}
