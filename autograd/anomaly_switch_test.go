package autograd_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

func TestStopDetectingAnomaly(t *testing.T) {
	w := autograd.Param(vec(1, 2))
	logW1 := func() *autograd.Var[float64] { return autograd.Log(autograd.Sub(w, autograd.Scalar(1.0))) }
	if err := autograd.DetectAnomaly(w); err != nil {
		t.Fatal(err)
	}
	if e := anomalyOf(t, func() { logW1() }); e == nil || e.Op != "Log" {
		t.Fatalf("with detection on, Log(w-1) reported %v, want an anomaly of Log", e)
	}
	autograd.StopDetectingAnomaly(w)
	if w.DetectsAnomaly() {
		t.Error("w still detects anomalies after StopDetectingAnomaly")
	}
	var y *autograd.Var[float64]
	if e := anomalyOf(t, func() { y = logW1() }); e != nil {
		t.Fatalf("detection is off, yet Log(w-1) reported %v", e)
	}
	if y.DetectsAnomaly() || !math.IsInf(y.Value().Data()[0], -1) {
		t.Errorf("after StopDetectingAnomaly: result follows detection %v, value %v; want false, [-Inf ...]", y.DetectsAnomaly(), y.Value().Data())
	}
	autograd.StopDetectingAnomaly(w) // again: nothing to do

	// Turned on again, it works again.
	if err := autograd.DetectAnomaly(w); err != nil {
		t.Fatal(err)
	}
	if e := anomalyOf(t, func() { logW1() }); e == nil {
		t.Error("detection turned on a second time reported nothing")
	}
	autograd.StopDetectingAnomaly(w)
}

// A result made while detection was on keeps its record: its backward is
// still checked after StopDetectingAnomaly, as a scope's results are.
func TestStopDetectingAnomalyKeepsEarlierResults(t *testing.T) {
	w := autograd.Param(vec(0, 4))
	if err := autograd.DetectAnomaly(w); err != nil {
		t.Fatal(err)
	}
	loss := autograd.Sum(autograd.Sqrt(w)) // finite; d/dw = 1/(2√w) is +Inf at 0
	autograd.StopDetectingAnomaly(w)
	e := anomalyOf(t, func() { loss.Backward() })
	if e == nil || e.Phase != "backward" || e.Op != "Sqrt" || e.Value != "+Inf" {
		t.Errorf("Backward of a result made with detection on: %v, want a backward anomaly of Sqrt (+Inf)", e)
	}
}

func TestAnomalyNilVars(t *testing.T) {
	w := autograd.Param(vec(1, 2))
	cases := []struct {
		name, want string
		f          func()
	}{
		{"DetectAnomaly(nil)", "autograd: DetectAnomaly: Var 0 is nil", func() { _ = autograd.DetectAnomaly[float64](nil) }},
		{"DetectAnomaly(w, nil)", "autograd: DetectAnomaly: Var 1 is nil", func() { _ = autograd.DetectAnomaly(w, nil) }},
		{"StopDetectingAnomaly(nil)", "autograd: StopDetectingAnomaly: Var 0 is nil", func() { autograd.StopDetectingAnomaly[float32](nil) }},
		{"StopDetectingAnomaly(w, nil)", "autograd: StopDetectingAnomaly: Var 1 is nil", func() { autograd.StopDetectingAnomaly(w, nil) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkUsagePanic(t, c.f, c.want)
		})
	}
	// Neither call changed w: it was checked before anything was turned on.
	if w.DetectsAnomaly() {
		t.Error("DetectAnomaly(w, nil) turned detection on for w before panicking")
	}
	if err := autograd.DetectAnomaly(w); err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() { _ = recover() }()
		autograd.StopDetectingAnomaly(w, nil)
	}()
	if !w.DetectsAnomaly() {
		t.Error("StopDetectingAnomaly(w, nil) turned detection off for w before panicking")
	}
}

// An Arena training step allocates nothing, allocates while detection is on
// (each result records its origin), and nothing again once it is off.
func TestStopDetectingAnomalyAllocatesNothingAfter(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	rng := rand.New(rand.NewPCG(5, 5))
	m := newInfMLP(rng)
	params := []*autograd.Var[float32]{m.w1, m.b1, m.w2, m.b2}
	x := tensor.RandNormal[float32](rng, 0, 1, 5, 6)
	ar := autograd.NewArena[float32]()
	step := func() {
		ar.Reset()
		autograd.Sum(m.forward(ar.Const(x))).Backward()
		autograd.ZeroGrad(params...)
	}
	if n := warmMallocs(20, 10, step); n != 0 {
		t.Fatalf("a warm Arena step allocates %d times in 10 steps before any detection, want 0", n)
	}
	if err := autograd.DetectAnomaly(params...); err != nil {
		t.Fatal(err)
	}
	if n := warmMallocs(3, 10, step); n == 0 {
		t.Error("the step allocates nothing with detection on: the test would prove nothing")
	}
	autograd.StopDetectingAnomaly(params...)
	if n := warmMallocs(20, 10, step); n != 0 {
		t.Errorf("after StopDetectingAnomaly, a warm Arena step allocates %d times in 10 steps, want 0", n)
	}
}
