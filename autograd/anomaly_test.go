package autograd_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// anomalyOf runs f and returns the *AnomalyError it panicked with, or nil.
func anomalyOf(t *testing.T, f func()) (err *autograd.AnomalyError) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		e, ok := r.(error)
		if !ok || !errors.As(e, &err) {
			t.Fatalf("panicked with %v, want an *AnomalyError", r)
		}
	}()
	f()
	return nil
}

func vec(xs ...float64) *tensor.Tensor[float64] { return tensor.MustNew(xs, len(xs)) }

func TestAnomalyOffByDefault(t *testing.T) {
	x := autograd.Param(vec(0.5, 0))
	var y *autograd.Var[float64]
	if e := anomalyOf(t, func() { y = autograd.Sum(autograd.Log(x)); y.Backward() }); e != nil {
		t.Fatalf("anomaly reported without DetectAnomaly: %v", e)
	}
	if !math.IsInf(y.Item(), -1) || !math.IsInf(x.Grad().Data()[1], 1) {
		t.Errorf("NaN/Inf must propagate silently when detection is off: loss %v, grad %v", y.Item(), x.Grad())
	}
}

func TestAnomalyForward(t *testing.T) {
	x := autograd.Param(vec(1, 0.5))
	autograd.DetectAnomaly(x)
	e := anomalyOf(t, func() {
		z := autograd.Scale(x, 2)                  // [2 1]
		w := autograd.Sub(z, autograd.Scalar(1.0)) // [1 0]
		_ = autograd.Sigmoid(autograd.Log(w))      // Log(0) = -Inf: the first anomaly
	})
	if e == nil {
		t.Fatal("Log(0) under DetectAnomaly did not panic")
	}
	if e.Phase != "forward" || e.Op != "Log" || e.Value != "-Inf" || e.Input != -1 {
		t.Errorf("got phase %q op %q value %q input %d, want forward Log -Inf -1", e.Phase, e.Op, e.Value, e.Input)
	}
	if diff := cmp.Diff([][]int{{2}}, e.InputShapes); diff != "" {
		t.Errorf("InputShapes (-want +got):\n%s", diff)
	}
	if !strings.Contains(e.Caller, "anomaly_test.go:") {
		t.Errorf("Caller %q does not name the test's line", e.Caller)
	}
	if len(e.Chain) != 2 || !strings.HasPrefix(e.Chain[0], "Scale (") || !strings.HasPrefix(e.Chain[1], "Sub (") {
		t.Errorf("Chain = %q, want [Scale (...) Sub (...)]", e.Chain)
	}
	for _, want := range []string{"autograd: anomaly: forward of Log (called at ", "produced -Inf from finite inputs", "input shapes [[2]]", "after Scale ("} {
		if !strings.Contains(e.Error(), want) {
			t.Errorf("message %q lacks %q", e.Error(), want)
		}
	}
}

func TestAnomalyBackward(t *testing.T) {
	x := autograd.Param(vec(4, 0))
	autograd.DetectAnomaly(x)
	y := autograd.Sum(autograd.Pow(x, 0.5)) // forward finite: [2 0]
	e := anomalyOf(t, func() { y.Backward() })
	if e == nil {
		t.Fatal("the derivative of sqrt at 0 under DetectAnomaly did not panic")
	}
	if e.Phase != "backward" || e.Op != "Pow" || e.Value != "+Inf" || e.Input != 0 {
		t.Errorf("got phase %q op %q value %q input %d, want backward Pow +Inf 0", e.Phase, e.Op, e.Value, e.Input)
	}
	if !strings.Contains(e.Error(), "in the gradient of input 0 from a finite gradient") {
		t.Errorf("message %q does not explain the backward anomaly", e.Error())
	}
}

// A value that is already non-finite in a leaf is not produced by any op:
// the ops that carry it along are not reported.
func TestAnomalyPropagatedIsNotReported(t *testing.T) {
	x := autograd.Param(vec(math.NaN(), 1))
	autograd.DetectAnomaly(x)
	if e := anomalyOf(t, func() { autograd.Sum(autograd.Exp(x)).Backward() }); e != nil {
		t.Fatalf("propagating a NaN input was reported: %v", e)
	}
}

// Detection follows the data: a graph that does not descend from a marked
// Var is not checked, even while another one is.
func TestAnomalyFollowsData(t *testing.T) {
	marked := autograd.Param(vec(1))
	autograd.DetectAnomaly(marked)
	plain := autograd.Param(vec(0))
	if e := anomalyOf(t, func() { autograd.Sum(autograd.Log(plain)).Backward() }); e != nil {
		t.Fatalf("unmarked graph reported an anomaly: %v", e)
	}
	if e := anomalyOf(t, func() { autograd.Log(autograd.Sub(marked, autograd.Scalar(1.0))) }); e == nil {
		t.Fatal("marked graph did not report Log(0)")
	}
}

// TestAnomalyInsideCheckpoint checks that anomaly detection follows a
// DetectAnomaly input into a Checkpoint's segment, forward and in the
// recomputation, and names the op inside it: the segment's stand-ins for
// the inputs lost the mark, so the report named "Checkpoint".
func TestAnomalyInsideCheckpoint(t *testing.T) {
	x := autograd.Param(vec(-1, 1))
	autograd.DetectAnomaly(x)
	e := anomalyOf(t, func() {
		autograd.Checkpoint(func(in ...*autograd.Var[float64]) *autograd.Var[float64] {
			return autograd.Log(autograd.Scale(in[0], 2))
		}, x)
	})
	if e == nil || e.Phase != "forward" || e.Op != "Log" {
		t.Errorf("log of a negative inside a Checkpoint: %v, want the forward of Log", e)
	}
	z := autograd.Param(vec(4, 0))
	autograd.DetectAnomaly(z)
	y := autograd.Checkpoint(func(in ...*autograd.Var[float64]) *autograd.Var[float64] {
		return autograd.Sum(autograd.Sqrt(in[0]))
	}, z)
	e = anomalyOf(t, func() { y.Backward() })
	if e == nil || e.Phase != "backward" || e.Op != "Sqrt" {
		t.Errorf("the derivative of sqrt at 0 inside a Checkpoint: %v, want the backward of Sqrt", e)
	}
}

// TestAnomalyOfAResult checks DetectAnomaly given a result rather than a
// leaf: its operation's backward is checked and named (the report said
// "backward of " with no op).
func TestAnomalyOfAResult(t *testing.T) {
	h := autograd.Sqrt(autograd.Param(vec(0, 1)))
	autograd.DetectAnomaly(h)
	e := anomalyOf(t, func() { autograd.Sum(autograd.Scale(h, 2)).Backward() })
	if e == nil || e.Phase != "backward" || e.Op != "Sqrt" || !strings.Contains(e.Error(), "backward of Sqrt") {
		t.Errorf("the derivative of sqrt at 0 through a result given to DetectAnomaly: %v, want the backward of Sqrt", e)
	}
}

// TestAnomalyInRecordedBackward checks Grad with CreateGraph under
// DetectAnomaly: a non-finite value made by an op's recorded backward is
// reported as that op's backward, as Backward reports it, not as the
// forward of an operation the derivative is built from (it said "forward
// of Div").
func TestAnomalyInRecordedBackward(t *testing.T) {
	x := autograd.Param(vec(0, 1))
	autograd.DetectAnomaly(x)
	y := autograd.Sum(autograd.Sqrt(x))
	e := anomalyOf(t, func() {
		autograd.Grad([]*autograd.Var[float64]{y}, []*autograd.Var[float64]{x}, autograd.CreateGraph())
	})
	if e == nil || e.Phase != "backward" || e.Op != "Sqrt" || !strings.Contains(e.Error(), "backward of Sqrt") {
		t.Errorf("the recorded derivative of sqrt at 0: %v, want the backward of Sqrt", e)
	}
}
