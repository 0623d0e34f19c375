package parallel_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/parallel"
	"github.com/adjoint-go/adjoint/tensor"
)

// twiceDrop adds two dropouts of its input by the same parallel.Dropout:
// two masks in one Forward.
type twiceDrop struct{ d *parallel.Dropout[float32] }

func (m twiceDrop) Forward(x *autograd.Var[float32]) *autograd.Var[float32] {
	return autograd.Add(m.d.Forward(x), m.d.Forward(x))
}

func (twiceDrop) Parameters() []*autograd.Var[float32]          { return nil }
func (twiceDrop) NamedParameters() []layers.NamedParam[float32] { return nil }

func (m twiceDrop) Children() []layers.NamedModule[float32] {
	return []layers.NamedModule[float32]{{Name: "drop", Module: m.d}}
}

// TestDropoutTwiceInOneForward checks a parallel.Dropout used twice in one
// Forward, on a parameter x of ones: y = x·m₁ + x·m₂, so the gradient of
// sum(y) is m₁ + m₂ = y, as with layers.Dropout; the two masks differ; and
// after the same Reseed the two calls draw the same two masks again.
func TestDropoutTwiceInOneForward(t *testing.T) {
	d := parallel.NewDropout[float32](rand.New(rand.NewPCG(1, 2)), 0.5)
	m := twiceDrop{d}
	run := func() (y, grad []float32) {
		d.Reseed(7)
		x := autograd.Param(tensor.Ones[float32](64))
		out := m.Forward(x)
		autograd.Sum(out).Backward()
		return out.Value().Data(), x.Grad().Data()
	}
	y, grad := run()
	if diff := cmp.Diff(y, grad); diff != "" {
		t.Errorf("gradient of sum(x·m₁ + x·m₂) at x = 1 is not m₁ + m₂ (-y +grad):\n%s", diff)
	}
	ones := 0
	for _, v := range y {
		if v == 2 { // kept by one mask, dropped by the other
			ones++
		}
	}
	if ones == 0 {
		t.Errorf("y = %v: the two calls drew the same mask", y)
	}
	y2, grad2 := run()
	if diff := cmp.Diff(y, y2); diff != "" {
		t.Errorf("the same seed drew other masks (-first +second):\n%s", diff)
	}
	if diff := cmp.Diff(grad, grad2); diff != "" {
		t.Errorf("the same seed gave another gradient (-first +second):\n%s", diff)
	}
}

// dropTwiceMLP is the digits MLP with its hidden layer dropped twice by
// one parallel.Dropout (and the two results added).
func dropTwiceMLP(seed uint64) (layers.Module[float32], error) {
	rng := rand.New(rand.NewPCG(seed, 7))
	return layers.NewSequential[float32](
		layers.Flatten[float32]{},
		layers.NewLinear(rng, 64, 32, layers.HeUniform[float32]),
		layers.ReLU[float32]{},
		twiceDrop{parallel.NewDropout[float32](rng, 0.3)},
		layers.NewLinear(rng, 32, 10, layers.XavierUniform[float32]),
	), nil
}

// TestDropoutTwiceSameBits trains dropTwiceMLP with 1, 2 and 3 workers:
// the same bits.
func TestDropoutTwiceSameBits(t *testing.T) {
	want, _ := train(t, dropTwiceMLP, 1, 6)
	for _, w := range []int{2, 3} {
		t.Run(fmt.Sprintf("workers=%d", w), func(t *testing.T) {
			got, _ := train(t, dropTwiceMLP, w, 6)
			if i, k := sameBits(want, got); i >= 0 {
				t.Errorf("tensor %d element %d: %v, 1 worker: %v", i, k, got[i][k], want[i][k])
			}
		})
	}
}

// TestNewDropoutArgs checks that NewDropout panics with a *layers.ArgError
// naming the argument for a nil generator and a probability outside
// [0, 1).
func TestNewDropoutArgs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name string
		rng  *rand.Rand
		p    float64
		arg  string
	}{
		{"nil rng", nil, 0.5, "rng"},
		{"p = 1", rng, 1, "p"},
		{"p < 0", rng, -0.1, "p"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				var ae *layers.ArgError
				if e, ok := recover().(error); !ok || !errors.As(e, &ae) || ae.Arg != tc.arg || ae.Op != "parallel.NewDropout" {
					t.Errorf("recovered %v, want a *layers.ArgError on parallel.NewDropout's %s", e, tc.arg)
				}
			}()
			parallel.NewDropout[float32](tc.rng, tc.p)
		})
	}
}

// TestDropoutRNGState: layers.RNGState saves a parallel.Dropout's generator
// and layers.SetRNGState brings back the masks that followed; bytes that
// are not a state are refused.
func TestDropoutRNGState(t *testing.T) {
	d := parallel.NewDropout[float64](rand.New(rand.NewPCG(1, 2)), 0.5)
	var _ layers.Random = d
	m := layers.NewSequential[float64](d)
	x := autograd.Const(tensor.Ones[float64](64))
	m.Forward(x)
	state := layers.RNGState[float64](m)
	want := m.Forward(x).Value()
	m.Forward(x)
	if err := layers.SetRNGState[float64](m, state); err != nil {
		t.Fatal(err)
	}
	if got := m.Forward(x).Value(); !tensor.SameBits(got, want) {
		t.Errorf("the mask after SetRNGState differs from the one that followed RNGState")
	}
	if err := d.SetRNGState([]byte("nope")); err == nil {
		t.Errorf("SetRNGState took bytes that are not a state")
	}
}
