package autograd_test

import (
	"errors"
	"runtime"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestFunctionPanicsNameTheFunction checks that a panic inside a
// Function's Forward, Backward or JVP surfaces as a *UsageError naming the
// Function, whose message ends with the original one and which still
// unwraps to it (errors.As reaches a *tensor.ShapeError or a runtime
// error), and that an anomaly report passes through unchanged.
func TestFunctionPanicsNameTheFunction(t *testing.T) {
	id := func(in ...*tensor.Tensor[float64]) *tensor.Tensor[float64] { return in[0].Clone() }
	grad := func(c *autograd.Context[float64], g *V) []*V { return []*V{g} }
	x := func() *V { return autograd.Param(t64(fnX, 4)) }

	badForward := &autograd.Function[float64]{Name: "BadForward", Backward: grad,
		Forward: func(in ...*tensor.Tensor[float64]) *tensor.Tensor[float64] {
			return tensor.Add(in[0], tensor.Ones[float64](3))
		}}
	err := mustPanicError(t, func() { badForward.Apply(x()) })
	var se *tensor.ShapeError
	if want := `autograd: Function "BadForward": Forward panicked: tensor: Add: shapes do not broadcast: [4] x [3]`; err.Error() != want || !errors.As(err, &se) {
		t.Errorf("Forward's shape error: panic %q (a *tensor.ShapeError inside: %v), want %q", err, se != nil, want)
	}

	badBackward := &autograd.Function[float64]{Name: "BadBackward", Forward: id,
		Backward: func(c *autograd.Context[float64], g *V) []*V {
			var idx []int
			_ = idx[c.NumInputs()+2] // a runtime index error
			return []*V{g}
		}}
	err = mustPanicError(t, func() { autograd.Sum(badBackward.Apply(x())).Backward() })
	var re runtime.Error
	if want := `autograd: Function "BadBackward": Backward panicked: runtime error: index out of range [3] with length 0`; err.Error() != want || !errors.As(err, &re) {
		t.Errorf("Backward's runtime error: panic %q (a runtime.Error inside: %v), want %q", err, re != nil, want)
	}
	// The same under CreateGraph, and from an autograd op's own shape error.
	mixed := &autograd.Function[float64]{Name: "BadShapes", Forward: id,
		Backward: func(c *autograd.Context[float64], g *V) []*V {
			return []*V{autograd.Add(g, autograd.Const(tensor.Ones[float64](3)))}
		}}
	err = mustPanicError(t, func() {
		in := x()
		autograd.Grad([]*V{autograd.Sum(mixed.Apply(in))}, []*V{in}, autograd.CreateGraph())
	})
	var ue *autograd.UsageError
	if want := `autograd: Function "BadShapes": Backward panicked: autograd: Add: shapes do not broadcast: [4] x [3]`; err.Error() != want || !errors.As(err, &se) || !errors.As(err, &ue) {
		t.Errorf("Backward's autograd shape error under CreateGraph: panic %q, want %q wrapping a *tensor.ShapeError", err, want)
	}

	badJVP := &autograd.Function[float64]{Name: "BadJVP", Forward: id, Backward: grad,
		JVP: func(c *autograd.Context[float64], ts []*tensor.Tensor[float64]) *tensor.Tensor[float64] {
			panic("no tangent today")
		}}
	checkUsagePanic(t, func() {
		autograd.JVP(func(v ...*V) *V { return badJVP.Apply(v[0]) }, []*tensor.Tensor[float64]{t64(fnX, 4)}, []*tensor.Tensor[float64]{t64(fnX, 4)})
	}, `autograd: Function "BadJVP": JVP panicked: no tangent today`)

	// A sentinel the user's code panics with is still matched by errors.Is.
	sentinel := errors.New("sentinel")
	withSentinel := &autograd.Function[float64]{Name: "Sentinel", Forward: func(...*tensor.Tensor[float64]) *tensor.Tensor[float64] { panic(sentinel) }, Backward: grad}
	if err := mustPanicError(t, func() { withSentinel.Apply(x()) }); !errors.Is(err, sentinel) {
		t.Errorf("panic %v does not wrap the Forward's sentinel", err)
	}

	// Anomaly detection's report of an op inside Backward is not wrapped.
	nanBack := &autograd.Function[float64]{Name: "NaNBack", Forward: id,
		Backward: func(c *autograd.Context[float64], g *V) []*V {
			return []*V{autograd.Log(autograd.Neg(autograd.Exp(g)))}
		}}
	err = mustPanicError(t, func() {
		in := x()
		autograd.DetectAnomaly(in)
		autograd.Grad([]*V{autograd.Sum(nanBack.Apply(in))}, []*V{in}, autograd.CreateGraph())
	})
	var ae *autograd.AnomalyError
	if !errors.As(err, &ae) || errors.As(err, &ue) {
		t.Errorf("anomaly inside a Function's Backward: panic %T %v, want the *AnomalyError itself", err, err)
	}
}

// TestContextNeedsGradOutOfRange checks that NeedsGrad, like Input, panics
// with a *UsageError naming the operation for an input it does not have.
func TestContextNeedsGradOutOfRange(t *testing.T) {
	for _, i := range []int{1, 3, -1} {
		fn := &autograd.Function[float64]{Name: "Peek",
			Forward: func(in ...*tensor.Tensor[float64]) *tensor.Tensor[float64] { return in[0].Clone() },
			Backward: func(c *autograd.Context[float64], g *V) []*V {
				c.NeedsGrad(i)
				return []*V{g}
			}}
		want := "autograd: Peek: Context.NeedsGrad(" + map[int]string{1: "1", 3: "3", -1: "-1"}[i] + "): the operation has 1 inputs"
		checkUsagePanic(t, func() { autograd.Sum(fn.Apply(autograd.Param(t64(fnX, 4)))).Backward() }, want)
	}
}

// TestLeafOfNilTensor checks that a leaf of a nil tensor panics with a
// *UsageError at once, rather than with a nil dereference later.
func TestLeafOfNilTensor(t *testing.T) {
	ar := autograd.NewArena[float64]()
	checkUsagePanic(t, func() { autograd.Param[float64](nil) }, "autograd: Param: nil tensor")
	checkUsagePanic(t, func() { autograd.Const[float64](nil) }, "autograd: Const: nil tensor")
	checkUsagePanic(t, func() { ar.Param(nil) }, "autograd: Arena.Param: nil tensor")
	checkUsagePanic(t, func() { ar.Const(nil) }, "autograd: Arena.Const: nil tensor")
}
