package layers_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
)

var (
	_ layers.Module[float64] = (*layers.Dropout[float64])(nil)
	_ layers.Trainable       = (*layers.Dropout[float64])(nil)
)

// TestDropoutStatistics checks, over 100000 elements, that a fraction p is
// dropped, that survivors are scaled by exactly 1/(1-p), and so that the
// mean is kept.
func TestDropoutStatistics(t *testing.T) {
	t.Run("float64", testDropoutStatistics[float64])
	t.Run("float32", testDropoutStatistics[float32])
}

func testDropoutStatistics[T tensor.Float](t *testing.T) {
	const n = 100000
	for _, p := range []float64{0.1, 0.5, 0.9} {
		t.Run(fmt.Sprint(p), func(t *testing.T) {
			d := layers.NewDropout[T](newRNG(1), p)
			y := d.Forward(autograd.Const(tensor.Ones[T](100, n/100))).Value().Data()
			keep := T(1 / (1 - p))
			zeros, sum := 0, 0.0
			for _, v := range y {
				switch v {
				case 0:
					zeros++
				case keep:
				default:
					t.Fatalf("element %v is neither 0 nor 1/(1-p) = %v", v, keep)
				}
				sum += float64(v)
			}
			// The dropped count is Binomial(n, p): its std is √(np(1-p)) ≤ 158;
			// allow 5 of them.
			if tol := 5 * math.Sqrt(n*p*(1-p)); math.Abs(float64(zeros)-n*p) > tol {
				t.Errorf("%d of %d dropped, want %v ± %v", zeros, n, n*p, tol)
			}
			if mean := sum / n; math.Abs(mean-1) > 5*math.Sqrt(p/(1-p)/n) {
				t.Errorf("mean %v, want about 1", mean)
			}
		})
	}
}

// TestDropoutReproducible checks that the seed fixes the masks: two layers
// from equal seeds drop the same elements call after call, and another seed,
// or the next call, drops others.
func TestDropoutReproducible(t *testing.T) {
	x := autograd.Const(tensor.Ones[float64](8, 16))
	a := layers.NewDropout[float64](newRNG(7), 0.5)
	b := layers.NewDropout[float64](newRNG(7), 0.5)
	c := layers.NewDropout[float64](newRNG(8), 0.5)
	var prev *tensor.Tensor[float64]
	for step := range 3 {
		ya, yb, yc := a.Forward(x).Value(), b.Forward(x).Value(), c.Forward(x).Value()
		if !bitsEqual(ya, yb) {
			t.Errorf("step %d: same seed, different masks", step)
		}
		if bitsEqual(ya, yc) {
			t.Errorf("step %d: different seeds, same mask", step)
		}
		if prev != nil && bitsEqual(prev, ya) {
			t.Errorf("step %d: same mask as the step before", step)
		}
		prev = ya
	}
	// The layer seeds its own generator from rng: two layers built from
	// one generator differ, and drawing from rng afterwards changes nothing.
	rng := newRNG(7)
	d1, d2 := layers.NewDropout[float64](rng, 0.5), layers.NewDropout[float64](rng, 0.5)
	rng.Float64()
	if y1, y2 := d1.Forward(x).Value(), d2.Forward(x).Value(); bitsEqual(y1, y2) {
		t.Errorf("two layers from one generator have the same mask")
	} else if y := layers.NewDropout[float64](newRNG(7), 0.5).Forward(x).Value(); !bitsEqual(y, y1) {
		t.Errorf("the first layer's mask depends on later draws from rng")
	}
}

// TestDropoutGradient checks that the gradient of sum(dropout(x)) is the
// mask: 0 where dropped, 1/(1-p) where kept.
func TestDropoutGradient(t *testing.T) {
	x := autograd.Param(tensor.Full(3.0, 4, 5))
	y := layers.NewDropout[float64](newRNG(2), 0.25).Forward(x)
	autograd.Sum(y).Backward()
	mask := tensor.Scale(y.Value(), 1.0/3)
	if diff := cmp.Diff(viewOf(mask), viewOf(x.Grad()), approx(1e-15)); diff != "" {
		t.Errorf("gradient is not the mask (-mask +grad):\n%s", diff)
	}
	zeros := 0
	for _, v := range mask.Data() {
		if v == 0 {
			zeros++
		}
	}
	if zeros == 0 || zeros == mask.Len() {
		t.Errorf("%d of %d dropped: the check is vacuous", zeros, mask.Len())
	}
}

// TestDropoutNonFinite pins what Forward documents for the elements that
// arithmetic treats specially: the result is x·mask, so a NaN or ±Inf
// element gives NaN where it is dropped and is scaled where it is kept, and
// a dropped negative gives -0; the gradient of the sum is the mask.
func TestDropoutNonFinite(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	xs := []float64{nan, inf, -inf, -3, nan, inf, -inf, -3, nan, inf, -inf, -3, nan, inf, -inf, -3}
	mask := layers.NewDropout[float64](newRNG(4), 0.5).Forward(autograd.Const(tensor.Ones[float64](len(xs)))).Value().Data()
	x := autograd.Param(tensor.MustNew(xs, len(xs)))
	y := layers.NewDropout[float64](newRNG(4), 0.5).Forward(x)
	autograd.Sum(y).Backward()
	var kept, dropped [4]bool // by the element's kind: NaN, +Inf, -Inf, -3
	for i, v := range xs {
		want, got := v*mask[i], y.Value().Data()[i]
		if math.IsNaN(want) != math.IsNaN(got) || !math.IsNaN(want) && (got != want || math.Signbit(got) != math.Signbit(want)) {
			t.Errorf("element %d: dropout(%v) = %v with mask %v, want %v", i, v, got, mask[i], want)
		}
		if g := x.Grad().Data()[i]; g != mask[i] {
			t.Errorf("element %d: gradient %v, want the mask %v", i, g, mask[i])
		}
		if mask[i] == 0 {
			dropped[i%4] = true
		} else {
			kept[i%4] = true
		}
	}
	if kept != [4]bool{true, true, true, true} || dropped != [4]bool{true, true, true, true} {
		t.Errorf("kept %v, dropped %v: the seed does not cover every case", kept, dropped)
	}
}

func TestDropoutIdentity(t *testing.T) {
	x := autograd.Const(randTensor(newRNG(3), 3, 4))
	d := layers.NewDropout[float64](newRNG(1), 0.5)
	if !d.Training() {
		t.Fatalf("a new Dropout is not training")
	}
	d.SetTraining(false)
	if d.Training() {
		t.Fatalf("SetTraining(false) left it training")
	}
	if got := d.Forward(x); got != x {
		t.Errorf("evaluation Forward is not the identity: %v", got)
	}
	d.SetTraining(true)
	if got := d.Forward(x); bitsEqual(got.Value(), x.Value()) {
		t.Errorf("training Forward with p = 0.5 dropped nothing")
	}
	if got := layers.NewDropout[float64](newRNG(1), 0).Forward(x); got != x {
		t.Errorf("p = 0 is not the identity")
	}
	if p := d.P(); p != 0.5 {
		t.Errorf("P() = %v", p)
	}
}

func TestNewDropoutBadP(t *testing.T) {
	for _, p := range []float64{-0.1, 1, 1.5, math.NaN(), math.Inf(1)} {
		ae := argPanic(t, func() { layers.NewDropout[float64](newRNG(1), p) })
		if ae.Op != "NewDropout" || ae.Arg != "p" || ae.Error() != fmt.Sprintf("layers: NewDropout: p = %v: must be in [0, 1)", p) {
			t.Errorf("p = %v: %q", p, ae)
		}
	}
}
