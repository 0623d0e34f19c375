package layers

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/tensor"
)

// CalculateGain returns the recommended scale of an initializer's standard
// deviation for a nonlinearity, as torch.nn.init.calculate_gain: 1 for
// "linear", "conv1d", "conv2d", "conv_transpose2d" and "sigmoid", 5/3 for
// "tanh", √2 for "relu", √(2/(1 + slope²)) for "leaky_relu" (slope given
// as param; none means torch's 0.01) and 3/4 for "selu". It panics with an
// *ArgError for another name, or a param for a nonlinearity that takes none.
func CalculateGain(nonlinearity string, param ...float64) float64 {
	const op = "CalculateGain"
	if len(param) > 1 || len(param) == 1 && nonlinearity != "leaky_relu" {
		argPanic(op, "param", param, fmt.Sprintf("%q takes no parameter (only leaky_relu takes its slope)", nonlinearity))
	}
	switch nonlinearity {
	case "linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid":
		return 1
	case "tanh":
		return 5.0 / 3
	case "relu":
		return math.Sqrt2
	case "leaky_relu":
		slope := 0.01
		if len(param) == 1 {
			slope = param[0]
		}
		if math.IsNaN(slope) || math.IsInf(slope, 0) {
			argPanic(op, "param", slope, "must be a finite slope")
		}
		return math.Sqrt(2 / (1 + slope*slope))
	case "selu":
		return 0.75
	}
	argPanic(op, "nonlinearity", nonlinearity, "is not one of linear, conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d, sigmoid, tanh, relu, leaky_relu, selu")
	return 0
}

// TruncNormal returns an Initializer that draws from N(mean, std²)
// truncated to [a, b] (values, not multiples of std, as in torch), as
// torch.nn.init.trunc_normal_ (the initializer of ViT and of many
// transformer codebases, usually with std 0.02 and bounds ±2 std): each value is the normal quantile of a uniform draw between the
// normal CDF's values at a and b, so every value lies in [a, b]. Unlike
// torch's, whose erfinv loses accuracy when the bounds are more than about
// 2 std from the mean (it warns then), it works with the tail's own
// probability (the complementary error function, refined by Newton's
// method), so bounds far in either tail, [40 std, 41 std] say, still give
// the truncated normal. It panics with an *ArgError unless mean and std are
// finite with std > 0, and a < b (NaN fails).
func TruncNormal[T Float](mean, std, a, b T) Initializer[T] {
	const op = "TruncNormal"
	switch {
	case math.IsNaN(float64(mean)) || math.IsInf(float64(mean), 0):
		argPanic(op, "mean", mean, "must be finite")
	case !(std > 0) || math.IsInf(float64(std), 0):
		argPanic(op, "std", std, "must be finite and positive")
	case !(a < b):
		argPanic(op, "[a b]", []T{a, b}, "must have a < b")
	}
	m, s := float64(mean), float64(std)
	za, zb := (float64(a)-m)/s, (float64(b)-m)/s // the bounds in standard units
	draw := truncStandard(za, zb)
	lo, hi := float64(a), float64(b)
	return func(rng *rand.Rand, _, _ int, shape ...int) *tensor.Tensor[T] {
		checkRNG(op, rng)
		t := tensor.Zeros[T](shape...)
		for i := range t.Data() {
			t.Data()[i] = T(min(max(m+s*draw(rng.Float64()), lo), hi))
		}
		return t
	}
}

// truncStandard returns the map from u in [0, 1) to the standard normal
// truncated to [za, zb]'s quantile at u. An interval in one half is handled
// by its tail probabilities, in logarithms, which stay accurate however far
// out it lies (one in the lower half as the mirror of one in the upper).
func truncStandard(za, zb float64) func(u float64) float64 {
	switch {
	case za >= 0:
		la := lnUpperTail(za)
		r := math.Exp(lnUpperTail(zb) - la) // Q(zb)/Q(za), in [0, 1)
		return func(u float64) float64 { return upperQuantileLn(la + math.Log1p(-u*(1-r))) }
	case zb <= 0:
		up := truncStandard(-zb, -za)
		return func(u float64) float64 { return -up(u) }
	}
	pa, pb := math.Exp(lnUpperTail(-za)), 1-math.Exp(lnUpperTail(zb)) // Φ(za), Φ(zb)
	return func(u float64) float64 {
		p := pa + u*(pb-pa)
		if p < 0.5 {
			return -upperQuantileLn(math.Log(p))
		}
		return upperQuantileLn(math.Log1p(-p))
	}
}

// lnUpperTail returns ln Q(z), Q(z) = P(Z > z) for a standard normal Z:
// by the complementary error function up to z = 30 (Q(30) ≈ 5e-198), by
// its asymptotic series beyond, where Q underflows soon.
func lnUpperTail(z float64) float64 {
	if z < 30 {
		return math.Log(math.Erfc(z/math.Sqrt2) / 2)
	}
	w := 1 / (z * z)
	return -z*z/2 - math.Log(z*math.Sqrt(2*math.Pi)) + math.Log1p(w*(-1+w*(3+w*(-15+w*105))))
}

// upperQuantileLn returns z with ln Q(z) = lq: an estimate (math's
// Erfcinv, which computes 1 − 2q and so loses q below about 1e-16, or the
// tail's asymptotic form there) refined by Newton's method on ln Q.
func upperQuantileLn(lq float64) float64 {
	var z float64
	if lq > math.Log(1e-12) {
		z = math.Sqrt2 * math.Erfcinv(2*math.Exp(lq))
	} else {
		t := math.Sqrt(-2 * lq)
		z = t - (math.Log(t)+0.5*math.Log(2*math.Pi))/t
	}
	for range 50 {
		l := lnUpperTail(z)
		lnPDF := -z*z/2 - 0.5*math.Log(2*math.Pi)
		step := (l - lq) * math.Exp(l-lnPDF) // (ln Q(z) − lq) / (d ln Q/dz), d ln Q/dz = −φ/Q
		z += step
		if math.Abs(step) <= 1e-15*math.Max(1, math.Abs(z)) {
			break
		}
	}
	return z
}

// Orthogonal returns an Initializer that fills a weight of at least two
// axes with a (semi-)orthogonal matrix times gain, as
// torch.nn.init.orthogonal_ (Saxe et al., 2013; the usual initializer of
// recurrent weights): the weight is seen as a matrix of shape[0] rows and
// the product of the other axes as columns, drawn N(0, 1) and replaced by
// the Q of its QR decomposition (of its transpose, when it has fewer rows
// than columns), with the signs of R's diagonal moved into Q so that Q is
// uniformly distributed. Its rows (or columns, whichever are fewer) are
// orthonormal, times gain; CalculateGain gives torch's gains. It panics
// with an *ArgError if gain is not finite, and the Initializer panics with
// a *tensor.ShapeError for a shape of fewer than two axes (one with no
// elements is returned empty, drawing nothing).
func Orthogonal[T Float](gain T) Initializer[T] {
	if math.IsNaN(float64(gain)) || math.IsInf(float64(gain), 0) {
		argPanic("Orthogonal", "gain", gain, "must be finite")
	}
	return func(rng *rand.Rand, _, _ int, shape ...int) *tensor.Tensor[T] {
		checkRNG("Orthogonal", rng)
		n := 1
		for _, d := range shape {
			n *= d
		}
		if len(shape) < 2 {
			shapePanic("Orthogonal", "needs a weight of at least 2 axes", shape)
		}
		if n == 0 {
			return tensor.Zeros[T](shape...) // nothing to draw, as torch leaves it
		}
		rows, cols := shape[0], n/shape[0]
		// Draw the rows×cols matrix, and work on its transpose when it is
		// wide, so that the matrix factored, m×k, has m ≥ k.
		m, k := rows, cols
		if rows < cols {
			m, k = cols, rows
		}
		a := make([]float64, m*k) // column-major: column j is a[j*m:(j+1)*m]
		for r := range rows {
			for c := range cols {
				v := rng.NormFloat64()
				if rows < cols {
					a[r*m+c] = v // transposed: row r of the weight is column r
				} else {
					a[c*m+r] = v
				}
			}
		}
		q := householderQ(a, m, k)
		t := tensor.Zeros[T](shape...)
		d := t.Data()
		for r := range rows {
			for c := range cols {
				if rows < cols {
					d[r*cols+c] = T(q[r*m+c] * float64(gain))
				} else {
					d[r*cols+c] = T(q[c*m+r] * float64(gain))
				}
			}
		}
		return t
	}
}

// householderQ returns the first k columns of Q of the QR decomposition of
// the column-major m×k matrix a (m ≥ k), by Householder reflections, with
// each column's sign flipped where R's diagonal element is negative (so
// that R's diagonal is positive, torch's Q·sign(diag R)). a is overwritten.
func householderQ(a []float64, m, k int) []float64 {
	vs, vns := make([][]float64, k), make([]float64, k) // the reflections' vectors and vᵀv
	sign := make([]float64, k)
	for j := range k {
		col := a[j*m : (j+1)*m]
		norm := 0.0
		for _, v := range col[j:] {
			norm = math.Hypot(norm, v)
		}
		alpha := -norm // R's diagonal element, of the sign that avoids cancellation
		if col[j] < 0 {
			alpha = norm
		}
		v := make([]float64, m)
		copy(v[j:], col[j:])
		v[j] -= alpha
		vn := 0.0
		for _, x := range v[j:] {
			vn += x * x
		}
		vs[j] = v
		sign[j] = 1
		if alpha < 0 {
			sign[j] = -1
		}
		if vn == 0 {
			vs[j] = nil // the column is 0 below the diagonal already: no reflection
			if col[j] < 0 {
				sign[j] = -1
			}
			continue
		}
		vns[j] = vn
		for c := j + 1; c < k; c++ {
			householder(a[c*m:(c+1)*m], v, vn, j)
		}
	}
	// Q's first k columns: H₀·H₁·…·H_{k−1} applied to the first k columns
	// of the identity, from the last reflection back.
	q := make([]float64, m*k)
	for j := range k {
		q[j*m+j] = 1
	}
	for j := k - 1; j >= 0; j-- {
		if vs[j] == nil {
			continue
		}
		for c := range k {
			householder(q[c*m:(c+1)*m], vs[j], vns[j], j)
		}
	}
	for j := range k {
		if sign[j] < 0 {
			for i := range m {
				q[j*m+i] = -q[j*m+i]
			}
		}
	}
	return q
}

// householder applies the reflection H = I − 2vvᵀ/(vᵀv), whose v is zero
// before element j and vn = vᵀv, to the column col, in place.
func householder(col, v []float64, vn float64, j int) {
	dot := 0.0
	for i := j; i < len(col); i++ {
		dot += v[i] * col[i]
	}
	f := 2 * dot / vn
	for i := j; i < len(col); i++ {
		col[i] -= f * v[i]
	}
}
