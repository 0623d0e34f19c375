package autograd_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// This file checks the ops whose derivative is 0 on a region by
// construction (ReLU for x ≤ 0, Clamp outside [lo, hi], Hardtanh outside its
// open interval, the flat sides of Hardsigmoid and Hardswish, the operand of
// Maximum or Minimum that loses, LinearReLU where its result is 0, the
// branch of Where and the elements of MaskedFill not selected, and the
// constant ops Floor, Ceil, Round, Trunc, Sign and Pow(x, 0) everywhere):
// there the gradient is selected away, exactly +0 whatever arrives (±Inf, NaN or
// a negative number), as PyTorch's and JAX's selects give, and not
// 0·Inf = NaN. Elsewhere the incoming gradient passes times the slope. Each
// path is checked: Backward (the fused derivative), Grad with CreateGraph
// (the recorded one), VJP's pullback and JVP's tangent.

// blk marks, in a blockedCase's slopes, an element whose derivative the op
// blocks.
const blk = -1e300

// blockedCase is an op of vectors of one length and, for each input, the
// derivative of out[i] with respect to that input's element i (blk where
// blocked).
type blockedCase[T autograd.Float] struct {
	name   string
	f      func(xs ...*autograd.Var[T]) *autograd.Var[T]
	xs     [][]float64
	slopes [][]float64
}

func blockedCases[T autograd.Float]() []blockedCase[T] {
	inf, nan := math.Inf(1), math.NaN()
	negZero := math.Copysign(0, -1)
	unary := func(f func(*autograd.Var[T]) *autograd.Var[T]) func(xs ...*autograd.Var[T]) *autograd.Var[T] {
		return func(xs ...*autograd.Var[T]) *autograd.Var[T] { return f(xs[0]) }
	}
	binary := func(f func(a, b *autograd.Var[T]) *autograd.Var[T]) func(xs ...*autograd.Var[T]) *autograd.Var[T] {
		return func(xs ...*autograd.Var[T]) *autograd.Var[T] { return f(xs[0], xs[1]) }
	}
	// Maximum and Minimum: a loses, b loses, a tie, NaN in b (b wins Maximum,
	// as it does Minimum), NaN in a, -Inf in b.
	a := []float64{1, 2, 3, 5, nan, 1}
	b := []float64{2, 1, 3, nan, 4, -inf}
	return []blockedCase[T]{
		{"ReLU (x ≤ 0 and NaN blocked)", unary(autograd.ReLU[T]),
			[][]float64{{-1, 2, 0.5, 3, 0, negZero, -inf, nan, 1e-30, inf}},
			[][]float64{{blk, 1, 1, 1, blk, blk, blk, blk, 1, 1}}},
		{"Clamp [-1, 2] (outside and NaN blocked)", unary(func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Clamp(x, -1, 2) }),
			[][]float64{{-3, -1, 0.5, 2, 2.5, nan, inf, -inf}},
			[][]float64{{blk, 1, 1, 1, blk, blk, blk, blk}}},
		{"Hardtanh (-1, 2) (the open interval passes)", unary(func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Hardtanh(x, -1, 2) }),
			[][]float64{{-3, -1, 0.5, 2, 2.5, nan}},
			[][]float64{{blk, blk, 1, blk, blk, blk}}},
		{"Hardsigmoid (slope 1/6 on (-3, 3))", unary(autograd.Hardsigmoid[T]),
			[][]float64{{-4, -3, 0, 3, 4, nan, 1}},
			[][]float64{{blk, blk, 1.0 / 6, blk, blk, blk, 1.0 / 6}}},
		{"Hardswish (x < -3 blocked; NaN x keeps its NaN slope)", unary(autograd.Hardswish[T]),
			[][]float64{{-4, -inf, -3, 0, 1.5, 3, 4, nan}},
			[][]float64{{blk, blk, -0.5, 0.5, 1, 1.5, 1, nan}}}, // 3/2 at x = 3, as torch
		{"Maximum", binary(autograd.Maximum[T]), [][]float64{a, b},
			[][]float64{{blk, 1, 0.5, blk, 1, 1}, {1, blk, 0.5, 1, blk, blk}}},
		{"Minimum", binary(autograd.Minimum[T]), [][]float64{a, b},
			[][]float64{{1, blk, 0.5, blk, 1, blk}, {blk, 1, 0.5, 1, blk, 1}}},
		{"Floor (constant: all blocked)", unary(autograd.Floor[T]),
			[][]float64{{-1.5, 2.5, nan, 3, inf}}, [][]float64{{blk, blk, blk, blk, blk}}},
		{"Sign (constant: all blocked)", unary(autograd.Sign[T]),
			[][]float64{{-1.5, 0, nan, 3, -inf}}, [][]float64{{blk, blk, blk, blk, blk}}},
		{"Pow p=0 (constant: all blocked)", unary(func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Pow(x, 0) }),
			[][]float64{{-1.5, 0, nan, 3, inf}}, [][]float64{{blk, blk, blk, blk, blk}}},
		{"Where (the branch not selected blocked)", binary(func(a, b *autograd.Var[T]) *autograd.Var[T] {
			return autograd.Where(tensor.MustMask([]bool{true, false, true, false}, 4), a, b)
		}), [][]float64{{1, 2, nan, -inf}, {3, nan, 4, 5}},
			[][]float64{{1, blk, 1, blk}, {blk, 1, blk, 1}}},
		{"MaskedFill (the filled elements blocked)", unary(func(x *autograd.Var[T]) *autograd.Var[T] {
			return autograd.MaskedFill(x, tensor.MustMask([]bool{true, false, false, true}, 4), 7)
		}), [][]float64{{1, 2, nan, inf}},
			[][]float64{{blk, 1, 1, blk}}},
	}
}

// TestBlockedGradientIsPlusZero gives every blocked element of each case an
// incoming gradient of +Inf, -Inf, NaN and -2 in turn (and the other
// elements finite ones): the gradient there must be exactly +0 by every
// reverse path, and g times the slope elsewhere. In forward mode, a tangent
// of those values at a blocked element must contribute exactly +0.
func TestBlockedGradientIsPlusZero(t *testing.T) {
	t.Run("float64", runBlockedGradient[float64])
	t.Run("float32", runBlockedGradient[float32])
}

func runBlockedGradient[T autograd.Float](t *testing.T) {
	for _, c := range blockedCases[T]() {
		for _, s := range []float64{math.Inf(1), math.Inf(-1), math.NaN(), -2} {
			t.Run(fmt.Sprintf("%s/g=%v", c.name, s), func(t *testing.T) {
				n := len(c.xs[0])
				primals := make([]*tensor.Tensor[T], len(c.xs))
				for j, x := range c.xs {
					primals[j] = blockedTensor[T](x)
				}
				// Reverse mode: g is s wherever an input is blocked.
				g, want, zero := make([]float64, n), make([][]float64, len(c.xs)), make([][]bool, len(c.xs))
				for i := range g {
					g[i] = 0.75 - 0.5*float64(i)
					for _, sl := range c.slopes {
						if sl[i] == blk {
							g[i] = s
						}
					}
				}
				for j, sl := range c.slopes {
					want[j], zero[j] = blockedExpect[T](sl, g)
				}
				checkBlockedGrads(t, c.f, primals, blockedTensor[T](g), want, zero)

				// Forward mode: each input's tangent is s where it is blocked.
				tangents, tanWant, tanZero := make([]*tensor.Tensor[T], len(c.xs)), make([]float64, n), make([]bool, n)
				for i := range tanZero {
					tanZero[i] = true
				}
				for j, sl := range c.slopes {
					tj := make([]float64, n)
					for i := range tj {
						tj[i] = 0.25 + 0.5*float64(i+j)
						if sl[i] == blk {
							tj[i] = s
						}
					}
					w, z := blockedExpect[T](sl, tj)
					for i := range w {
						tanWant[i] += w[i]
						tanZero[i] = tanZero[i] && z[i]
					}
					tangents[j] = blockedTensor[T](tj)
				}
				_, tan := autograd.JVP(c.f, primals, tangents)
				checkBlockedValues(t, "JVP tangent", tan, tanWant, tanZero)
			})
		}
	}
}

// TestLinearReLUBlockedGradient is TestBlockedGradientIsPlusZero for
// LinearReLU: where the result is 0, the gradient that goes on to Linear's
// derivative is +0, so ±Inf or NaN there reaches no input, and the bias
// gradient there is exactly +0.
func TestLinearReLUBlockedGradient(t *testing.T) {
	t.Run("float64", runLinearReLUBlocked[float64])
	t.Run("float32", runLinearReLUBlocked[float32])
}

func runLinearReLUBlocked[T autograd.Float](t *testing.T) {
	// x·wᵀ + b = [-1, 2]: the first output is blocked.
	x := tensor.MustNew([]T{1, -2}, 1, 2)
	w := tensor.MustNew([]T{1, 1, 2, 0.5}, 2, 2)
	b := tensor.MustNew([]T{0, 1}, 2)
	f := func(xs ...*autograd.Var[T]) *autograd.Var[T] { return autograd.LinearReLU(xs[0], xs[1], xs[2]) }
	primals := []*tensor.Tensor[T]{x, w, b}
	for _, s := range []float64{math.Inf(1), math.Inf(-1), math.NaN(), -2} {
		t.Run(fmt.Sprint("g=", s), func(t *testing.T) {
			// g' = [+0, 3]: dx = g'·w, dw = g'ᵀ·x, db = g'.
			g := tensor.MustNew([]T{T(s), 3}, 1, 2)
			want := [][]float64{{6, 1.5}, {0, 0, 3, -6}, {0, 3}}
			zero := [][]bool{{false, false}, {false, false, false, false}, {true, false}}
			checkBlockedGrads(t, f, primals, g, want, zero)

			// Tangent out = tb + tx·wᵀ + x·twᵀ = [s + 0.5, -0.5], the first
			// blocked.
			tangents := []*tensor.Tensor[T]{
				tensor.MustNew([]T{0.5, 0}, 1, 2),
				tensor.MustNew([]T{0, 0, 0, 1}, 2, 2),
				tensor.MustNew([]T{T(s), 0.5}, 2),
			}
			_, tan := autograd.JVP(f, primals, tangents)
			checkBlockedValues(t, "JVP tangent", tan, []float64{0, -0.5}, []bool{true, false})
		})
	}
}

// TestTorchBlockedGradients pins the gradients PyTorch 1.13 gives for
// x = [-1, 2, 0.5, 3] and the incoming gradient [inf, 1, inf, 1] (torch 1.13,
// float32 and float64 alike: x.grad after f(x).backward(g)), where Adjoint
// gave NaN at the first element before: an infinite gradient at a blocked
// element gives 0, at a selected one it passes.
func TestTorchBlockedGradients(t *testing.T) {
	t.Run("float64", runTorchBlocked[float64])
	t.Run("float32", runTorchBlocked[float32])
}

func runTorchBlocked[T autograd.Float](t *testing.T) {
	inf := math.Inf(1)
	x := blockedTensor[T]([]float64{-1, 2, 0.5, 3})
	g := blockedTensor[T]([]float64{inf, 1, inf, 1})
	for _, c := range []struct {
		torch string
		f     func(xs ...*autograd.Var[T]) *autograd.Var[T]
		want  []float64
	}{
		{"torch.relu(x)", func(xs ...*autograd.Var[T]) *autograd.Var[T] { return autograd.ReLU(xs[0]) },
			[]float64{0, 1, inf, 1}},
		{"torch.clamp(x, 0, 1)", func(xs ...*autograd.Var[T]) *autograd.Var[T] { return autograd.Clamp(xs[0], 0, 1) },
			[]float64{0, 0, inf, 0}},
		{"torch.maximum(x, torch.zeros(4))", func(xs ...*autograd.Var[T]) *autograd.Var[T] {
			return autograd.Maximum(xs[0], autograd.Const(tensor.Zeros[T](4)))
		}, []float64{0, 1, inf, 1}},
		{"torch.nn.functional.hardtanh(x)", func(xs ...*autograd.Var[T]) *autograd.Var[T] { return autograd.Hardtanh(xs[0], -1, 1) },
			[]float64{0, 0, inf, 0}},
	} {
		t.Run(c.torch, func(t *testing.T) {
			zero := make([]bool, len(c.want))
			for i, v := range c.want {
				zero[i] = v == 0
			}
			checkBlockedGrads(t, c.f, []*tensor.Tensor[T]{x}, g, [][]float64{c.want}, [][]bool{zero})
		})
	}
}

// TestHardswishKinksMatchTorch pins Hardswish's derivative at its kinks to
// the scalar loop of PyTorch's hardswish_backward, which uses the middle
// formula x/3 + 1/2 on -3 ≤ x ≤ 3: -1/2 at -3 and 3/2 at 3 (torch 1.13,
// float64, for x = [-3, 3, -3.5, 3.5] and g = 1: [-0.5, 1.5, 0, 1]; its
// vectorized loop, on longer tensors, gives 1 at 3).
func TestHardswishKinksMatchTorch(t *testing.T) {
	t.Run("float64", runHardswishKinks[float64])
	t.Run("float32", runHardswishKinks[float32])
}

func runHardswishKinks[T autograd.Float](t *testing.T) {
	x := blockedTensor[T]([]float64{-3, 3, -3.5, 3.5})
	g := blockedTensor[T]([]float64{1, 1, 1, 1})
	f := func(xs ...*autograd.Var[T]) *autograd.Var[T] { return autograd.Hardswish(xs[0]) }
	checkBlockedGrads(t, f, []*tensor.Tensor[T]{x}, g, [][]float64{{-0.5, 1.5, 0, 1}}, [][]bool{{false, false, true, false}})
}

// TestSqrtOfClampedDistance is the trap the rule removes. Distances between
// points computed as sqrt(max(|q|² + |k|² - 2 q·k, 0)) meet a squared
// distance that rounding makes slightly negative when two points almost
// coincide; the clamp sets it to 0, and the derivative of the square root
// there is +Inf. The clamp must pass no gradient to it (0, as PyTorch):
// multiplied by the mask instead, Inf·0 = NaN would poison every gradient.
// Here points on a line: q = [0.7, 2] against k = [0.7 four ulps up, 5].
func TestSqrtOfClampedDistance(t *testing.T) {
	t.Run("float64", runSqrtOfClampedDistance[float64])
	t.Run("float32", runSqrtOfClampedDistance[float32])
}

func runSqrtOfClampedDistance[T autograd.Float](t *testing.T) {
	near := T(0.7)
	for range 4 {
		near = blockedNextUp(near)
	}
	q := autograd.Param(tensor.MustNew([]T{0.7, 2}, 2, 1))
	k := autograd.Param(tensor.MustNew([]T{near, 5}, 1, 2))
	d2 := autograd.Sub(autograd.Add(autograd.Square(q), autograd.Square(k)), autograd.Scale(autograd.Mul(q, k), 2))
	if v := d2.Value().Data()[0]; !(v < 0) {
		t.Fatalf("the squared distance of the near pair is %v, want it negative (the premise of the test)", v)
	}
	dist := autograd.Sqrt(autograd.Clamp(d2, 0, T(math.Inf(1))))
	autograd.Sum(dist).Backward()
	// ∂/∂q_i Σ |q_i - k_j| = Σ_j sign(q_i - k_j) over the pairs apart, and
	// likewise for k: the near pair contributes 0. PyTorch 1.13 gives the
	// same (its float64 q gradient is [-1.0000000000000002, 4.4e-16]).
	opts := cmp.Options{cmpopts.EquateApprox(0, 1e-6)}
	if diff := cmp.Diff([]float64{-1, 0}, blockedFloats(q.Grad()), opts); diff != "" {
		t.Errorf("d/dq (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]float64{-1, 2}, blockedFloats(k.Grad()), opts); diff != "" {
		t.Errorf("d/dk (-want +got):\n%s", diff)
	}
}

// checkBlockedGrads checks the gradients of f at primals for the incoming
// gradient g, by Backward, by Grad with CreateGraph and by VJP's pullback,
// against want (one per primal), that the elements marked in zero are
// exactly +0, and that the three paths agree bit for bit.
func checkBlockedGrads[T autograd.Float](t *testing.T, f func(xs ...*autograd.Var[T]) *autograd.Var[T],
	primals []*tensor.Tensor[T], g *tensor.Tensor[T], want [][]float64, zero [][]bool) {
	t.Helper()
	params := func() []*autograd.Var[T] {
		xs := make([]*autograd.Var[T], len(primals))
		for i, p := range primals {
			xs[i] = autograd.Param(p.Clone())
		}
		return xs
	}
	paths := map[string][]*tensor.Tensor[T]{}
	xs := params()
	autograd.Sum(autograd.Mul(f(xs...), autograd.Const(g))).Backward()
	for _, x := range xs {
		paths["Backward"] = append(paths["Backward"], x.Grad())
	}
	xs = params()
	for _, gv := range autograd.Grad([]*autograd.Var[T]{f(xs...)}, xs, autograd.GradOutputs(g), autograd.CreateGraph()) {
		paths["Grad with CreateGraph"] = append(paths["Grad with CreateGraph"], gv.Value())
	}
	_, pullback := autograd.VJP(f, primals)
	paths["VJP"] = pullback(g)
	for name, gs := range paths {
		for j, gt := range gs {
			checkBlockedValues(t, fmt.Sprintf("%s: d/dx%d", name, j), gt, want[j], zero[j])
			if diff := cmp.Diff(blockedBits(paths["Backward"][j]), blockedBits(gt)); diff != "" {
				t.Errorf("%s: d/dx%d differs from Backward's in its bits (-Backward +%s):\n%s", name, j, name, diff)
			}
		}
	}
}

// checkBlockedValues compares got with want (NaN equal to NaN, finite values
// to T's precision) and checks that the elements marked in zero are +0,
// sign bit clear.
func checkBlockedValues[T autograd.Float](t *testing.T, what string, got *tensor.Tensor[T], want []float64, zero []bool) {
	t.Helper()
	tol := 1e-12
	if _, ok := any(T(0)).(float32); ok {
		tol = 1e-6
	}
	g := blockedFloats(got)
	if diff := cmp.Diff(want, g, cmpopts.EquateNaNs(), cmpopts.EquateApprox(tol, 0)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", what, diff)
	}
	for i, z := range zero {
		if z && (g[i] != 0 || math.Signbit(g[i])) {
			t.Errorf("%s[%d] = %v, want +0", what, i, g[i])
		}
	}
}

// blockedExpect returns, for slopes sl and an incoming gradient (or
// tangent) g, the expected derivative g·slope (+0 where blocked) and which
// elements are blocked. g and the slope are rounded to T first.
func blockedExpect[T autograd.Float](sl, g []float64) ([]float64, []bool) {
	want, zero := make([]float64, len(sl)), make([]bool, len(sl))
	for i, s := range sl {
		if s == blk {
			zero[i] = true
			continue
		}
		want[i] = float64(T(g[i])) * float64(T(s))
	}
	return want, zero
}

// blockedTensor returns xs as a vector of T.
func blockedTensor[T autograd.Float](xs []float64) *tensor.Tensor[T] {
	d := make([]T, len(xs))
	for i, v := range xs {
		d[i] = T(v)
	}
	return tensor.MustNew(d, len(d))
}

// blockedFloats returns t's elements widened to float64.
func blockedFloats[T autograd.Float](t *tensor.Tensor[T]) []float64 {
	out := make([]float64, t.Len())
	for i, v := range t.Data() {
		out[i] = float64(v)
	}
	return out
}

// blockedBits returns the bit patterns of t's elements.
func blockedBits[T autograd.Float](t *tensor.Tensor[T]) []uint64 {
	out := make([]uint64, t.Len())
	for i, v := range t.Data() {
		if v, ok := any(v).(float32); ok {
			out[i] = uint64(math.Float32bits(v))
			continue
		}
		out[i] = math.Float64bits(float64(v))
	}
	return out
}

// blockedNextUp returns the next T above v.
func blockedNextUp[T autograd.Float](v T) T {
	if _, ok := any(v).(float32); ok {
		return T(math.Nextafter32(float32(v), float32(math.Inf(1))))
	}
	return T(math.Nextafter(float64(v), math.Inf(1)))
}
