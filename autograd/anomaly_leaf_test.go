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

// TestAnomalyChecksLeaves checks that DetectAnomaly reports a NaN or Inf
// already present in the Vars it is given (a poisoned batch, a ruined
// weight), which no operation produced, and still turns detection on for
// all of them.
func TestAnomalyChecksLeaves(t *testing.T) {
	w := autograd.Param(vec(1, 2)).SetName("w")
	x := autograd.Const(tensor.MustNew([]float64{0.5, math.NaN(), 1, 2, 3, 4}, 3, 2)).SetName("batch")
	err := autograd.DetectAnomaly(w, x)
	var e *autograd.AnomalyError
	if !errors.As(err, &e) {
		t.Fatalf("DetectAnomaly with a NaN input returned %v, want an *AnomalyError", err)
	}
	want := autograd.AnomalyError{Phase: "leaf", Op: "batch", Value: "NaN", Input: 1, InputShapes: [][]int{{3, 2}}, LeafPart: "value"}
	if diff := cmp.Diff(want, *e, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Caller" }, cmp.Ignore())); diff != "" {
		t.Errorf("leaf anomaly (-want +got):\n%s", diff)
	}
	if !strings.Contains(e.Caller, "anomaly_leaf_test.go:") {
		t.Errorf("Caller %q does not name the test's line", e.Caller)
	}
	if msg := e.Error(); !strings.HasPrefix(msg, `autograd: anomaly: the value of Var 1 given to DetectAnomaly ("batch") (called at `) ||
		!strings.HasSuffix(msg, " holds NaN; shape [3 2]") {
		t.Errorf("message %q", msg)
	}
	// Detection is on for w despite the error: Log(w-1) makes -Inf from finite values.
	if e := anomalyOf(t, func() { autograd.Log(autograd.Sub(w, autograd.Scalar(1.0))) }); e == nil || e.Op != "Log" {
		t.Errorf("detection not on for the first Var after a leaf error: %v", e)
	}
}

func TestAnomalyChecksLeafGradients(t *testing.T) {
	w := autograd.Param(vec(1, 2))
	autograd.Sum(autograd.Scale(w, math.Inf(-1))).Backward() // grad [-Inf -Inf], detection off
	err := autograd.DetectAnomaly(w)
	var e *autograd.AnomalyError
	if !errors.As(err, &e) || e.LeafPart != "gradient" || e.Value != "-Inf" || e.Input != 0 {
		t.Fatalf("DetectAnomaly on a weight with an infinite gradient: %v", err)
	}
	if !strings.Contains(e.Error(), "the gradient of Var 0 given to DetectAnomaly (called at ") {
		t.Errorf("message %q", e.Error())
	}
}

// TestAnomalyLeafGradientAfterZeroGrad: a gradient that ZeroGrad cleared is
// zero, though its buffer still holds the last pass's +Inf until the next
// pass, so DetectAnomaly must not report it (a loop that zeroes at the end
// of each step and turns detection on at the next was told of a stale Inf).
func TestAnomalyLeafGradientAfterZeroGrad(t *testing.T) {
	w := autograd.Param(vec(0, 1))
	autograd.Sum(autograd.Log(w)).Backward() // grad [+Inf 1]
	w.ZeroGrad()
	if err := autograd.DetectAnomaly(w); err != nil {
		t.Errorf("DetectAnomaly after ZeroGrad: %v, want nil (the gradient is %v)", err, w.Grad())
	}
}

func TestAnomalyFiniteLeavesNoError(t *testing.T) {
	x32 := autograd.Param(tensor.MustNew([]float32{1, -2, math.MaxFloat32}, 3))
	if err := autograd.DetectAnomaly(x32); err != nil {
		t.Errorf("finite float32 leaf: %v", err)
	}
	if err := autograd.DetectAnomaly[float64](); err != nil {
		t.Errorf("no Vars: %v", err)
	}
}
