package autograd

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"

	"github.com/adjoint-go/adjoint/tensor"
)

// DetectAnomaly turns on anomaly detection for computations that use the
// given Vars (typically a model's parameters and its input): every
// operation whose inputs descend from them checks its result, and its
// backward checks the gradients it returns. The first operation that turns
// finite numbers into NaN or ±Inf, or numbers without NaN (some of them
// ±Inf, say from a leaf) into NaN, as Inf - Inf and 0·Inf do, in the forward
// or the backward pass, panics with an *AnomalyError naming the operation,
// its input shapes, the chain of operations that led to it, and the line of
// the caller's code that called it. Values that an input already held are
// carried along without a report.
//
// Unlike PyTorch's detect_anomaly, which checks only the backward pass for
// NaN, the forward pass is checked too, for ±Inf as well as NaN: a Log of
// 0, an Exp that overflows or a division by 0 is reported at the op that
// made it, even where the loss would have come out finite (a -Inf that a
// later Exp turns into 0, say). A scalar parameter counts as an input: an
// op whose every result element is an element of its input or one of its
// parameters (MaskedFill's fill value, the value of Pad and PadWith, the
// bounds of Clamp and Hardtanh, the threshold of Hardshrink) never reports
// a non-finite result, which only a non-finite parameter can have made.
// So MaskedFill(scores, mask, -Inf) before a Softmax, the attention-mask
// idiom, and a -Inf Pad before a max pool pass. The parameter of an op
// that computes with it is not seen: Scale by +Inf, or a LeakyReLU slope,
// an ELU alpha or a MarginRanking margin of ±Inf, is reported like an
// overflow.
//
// DetectAnomaly also checks the Vars it is given, since a NaN that arrives
// with the data (a poisoned batch) or sits in a weight already is not
// produced by any operation: it returns an *AnomalyError with Phase "leaf"
// for the first of vs whose value, or gradient if it has one, holds NaN or
// ±Inf, and nil when all are finite. Detection is turned on for every one
// of vs either way. The check is data, not a programmer error, so it is an
// error value and not a panic; ignore it to keep the old behaviour.
//
// Detection follows the data, not a global switch: graphs built from other
// Vars, in this goroutine or another, are unaffected, and cost nothing extra.
// While on, each result remembers its inputs and call site, which keeps more
// memory alive and allocates in every step (an Arena's step too): use it to
// debug, not to train. StopDetectingAnomaly turns it off again; to scope it
// to a stretch of code, defer that call:
//
//	if err := autograd.DetectAnomaly(params...); err != nil {
//		return err // a weight already holds NaN or ±Inf
//	}
//	defer autograd.StopDetectingAnomaly(params...)
//
// To check leaves only, as data, call StopDetectingAnomaly right after
// DetectAnomaly (or test values with tensor.AllFinite).
//
// DetectAnomaly writes to the Vars it is given: do not call it (or
// StopDetectingAnomaly) while another goroutine computes with them. It
// panics with a *UsageError when one of vs is nil, before turning anything
// on.
func DetectAnomaly[T Float](vs ...*Var[T]) error {
	checkAnomalyArgs("DetectAnomaly", vs)
	var first error
	for i, v := range vs {
		if v.trace() == nil {
			info := &anomalyInfo[T]{}
			if n := v.node; n != nil && !n.released {
				// A result: its backward is checked, and named, like that
				// of one made while detection was on.
				info.op, info.inputs = n.op, slices.Clone(n.inputs)
			}
			v.more().anomaly = info
		}
		if first == nil {
			first = checkLeaf(v, i)
		}
	}
	return first
}

// StopDetectingAnomaly turns anomaly detection off for the given Vars, as
// they were before DetectAnomaly: operations on them from now on are not
// followed, unless another of their inputs is, and cost nothing extra (an
// Arena's step allocates nothing again). Results made while detection was
// on keep their records, so a Backward through them still checks their
// gradients; the next Arena Reset drops those. For a result of an
// operation (a Var that detection followed because of its inputs), it also
// stops the check of that operation's backward. Vars without detection
// are left as they are.
//
// It panics with a *UsageError when one of vs is nil, before turning
// anything off.
func StopDetectingAnomaly[T Float](vs ...*Var[T]) {
	checkAnomalyArgs("StopDetectingAnomaly", vs)
	for _, v := range vs {
		if v.trace() != nil {
			v.aux.anomaly = nil
		}
	}
}

// checkAnomalyArgs panics with a *UsageError naming op when one of vs is
// nil.
func checkAnomalyArgs[T Float](op string, vs []*Var[T]) {
	for i, v := range vs {
		if v == nil {
			panic(usage(op, fmt.Sprintf("Var %d is nil", i)))
		}
	}
}

// checkLeaf returns an *AnomalyError of phase "leaf" if v's value or
// gradient, the i-th Var given to DetectAnomaly, holds NaN or ±Inf. A
// gradient that ZeroGrad has cleared is zero, whatever its buffer still
// holds.
func checkLeaf[T Float](v *Var[T], i int) error {
	grad := v.gradBuf()
	if v.gradZero {
		grad = nil
	}
	for _, c := range []struct {
		what string
		t    *tensor.Tensor[T]
	}{{"value", v.value}, {"gradient", grad}} {
		if c.t == nil || tensor.AllFinite(c.t) {
			continue
		}
		bad, _ := firstNonFinite(c.t)
		return &AnomalyError{Phase: "leaf", Op: v.Name(), Caller: callerOutsideLibrary(), Value: bad, Input: i,
			InputShapes: [][]int{c.t.Shape()}, LeafPart: c.what}
	}
	return nil
}

// anomalyInfo is what a Var under anomaly detection remembers of its origin:
// empty for a leaf, the operation, its inputs and its call site otherwise.
type anomalyInfo[T Float] struct {
	op     string
	inputs []*Var[T]
	caller string
}

// AnomalyError reports the first non-finite value an operation produced
// while anomaly detection was on (see DetectAnomaly).
type AnomalyError struct {
	Phase       string  // "forward", "backward", or "leaf" (a Var given to DetectAnomaly)
	Op          string  // the operation that produced the value; for a leaf, its name (may be "")
	Caller      string  // file:line of the code that called the operation
	Value       string  // "NaN", "+Inf" or "-Inf"
	Input       int     // backward: the input whose gradient is non-finite (-1 when a recorded backward, under CreateGraph, failed before it returned); leaf: its index among DetectAnomaly's arguments; -1 in the forward pass
	InputShapes [][]int // shapes of the operation's inputs; for a leaf, the shape of the bad tensor
	LeafPart    string  // leaf only: "value" or "gradient", the tensor that holds the value
	Chain       []string
	// Chain lists the operations that led to Op, oldest first, each with its
	// call site, following the first input that came from an operation.

	// FromInf is set when the numbers the operation started from were not
	// all finite but held no NaN (an Inf - Inf or 0·Inf made the NaN).
	FromInf bool
}

// Error describes the anomaly in one line.
func (e *AnomalyError) Error() string {
	var b strings.Builder
	if e.Phase == "leaf" {
		fmt.Fprintf(&b, "autograd: anomaly: the %s of Var %d given to DetectAnomaly", e.LeafPart, e.Input)
		if e.Op != "" {
			fmt.Fprintf(&b, " (%q)", e.Op)
		}
		if e.Caller != "" {
			fmt.Fprintf(&b, " (called at %s)", e.Caller)
		}
		fmt.Fprintf(&b, " holds %s; shape %v", e.Value, e.InputShapes[0])
		return b.String()
	}
	fmt.Fprintf(&b, "autograd: anomaly: %s of %s", e.Phase, e.Op)
	if e.Caller != "" {
		fmt.Fprintf(&b, " (called at %s)", e.Caller)
	}
	switch {
	case e.Phase == "backward" && e.Input < 0:
		fmt.Fprintf(&b, " produced %s while computing a gradient (recorded, under CreateGraph)", e.Value)
	case e.Phase == "backward" && e.FromInf:
		fmt.Fprintf(&b, " produced %s in the gradient of input %d from a gradient and values with ±Inf but no NaN", e.Value, e.Input)
	case e.Phase == "backward":
		fmt.Fprintf(&b, " produced %s in the gradient of input %d from a finite gradient", e.Value, e.Input)
	case e.FromInf:
		fmt.Fprintf(&b, " produced %s from inputs with ±Inf but no NaN", e.Value)
	default:
		fmt.Fprintf(&b, " produced %s from finite inputs", e.Value)
	}
	fmt.Fprintf(&b, "; input shapes %v", e.InputShapes)
	if len(e.Chain) > 0 {
		fmt.Fprintf(&b, "; after %s", strings.Join(e.Chain, " -> "))
	}
	return b.String()
}

// traceForward is called by record for a result whose inputs are under
// anomaly detection: it remembers the result's origin and panics if the
// result is the first non-finite value, or the first NaN.
func traceForward[T Float](v *Var[T], op string, inputs []*Var[T]) {
	info := &anomalyInfo[T]{op: op, inputs: inputs, caller: callerOutsideLibrary()}
	v.more().anomaly = info
	bad, ok := firstNonFinite(v.value)
	if ok || selectsOnly(op) {
		return
	}
	var from anomalyState
	for _, in := range inputs {
		from = max(from, stateOf(in.value))
	}
	if bad, fromInf, report := anomalyReport(bad, stateOf(v.value), from); report {
		panic(&AnomalyError{Phase: "forward", Op: op, Caller: info.caller, Value: bad, Input: -1,
			InputShapes: shapesOf(inputs), Chain: chainOf(inputs), FromInf: fromInf})
	}
}

// selectsOnly reports whether every element of op's result is an element
// of one of its inputs or one of its scalar parameters (a fill or pad
// value, a bound). Such an op turns finite inputs into ±Inf only with a
// ±Inf parameter, and inputs without NaN into NaN only with a NaN one: a
// parameter counts as an input (see DetectAnomaly), so that its non-finite
// results are carried along, never an anomaly of its own.
func selectsOnly(op string) bool {
	switch op {
	case "MaskedFill", "Pad", "PadWith", "Clamp", "Hardtanh", "Hardshrink":
		return true
	}
	return false
}

// checkBackward panics if a backward under anomaly detection turned the
// finite gradient g into a non-finite gradient for one of its inputs, when
// its forward values were finite too, or a gradient without NaN into one
// with NaN, when its forward values held no NaN either (otherwise it only
// carried along what the forward pass, which was checked, already had).
func checkBackward[T Float](v *Var[T], g *Var[T], gin []*Var[T]) {
	from := max(stateOf(g.value), stateOf(v.value))
	for _, in := range v.trace().inputs {
		from = max(from, stateOf(in.value))
	}
	if from == hasNaN {
		return
	}
	for j, gj := range gin {
		if gj == nil {
			continue
		}
		bad, ok := firstNonFinite(gj.value)
		if ok {
			continue
		}
		if bad, fromInf, report := anomalyReport(bad, stateOf(gj.value), from); report {
			panic(&AnomalyError{Phase: "backward", Op: v.trace().op, Caller: v.trace().caller, Value: bad, Input: j,
				InputShapes: shapesOf(v.trace().inputs), Chain: chainOf(v.trace().inputs), FromInf: fromInf})
		}
	}
}

// anomalyState orders what a tensor holds: only finite numbers, some ±Inf
// but no NaN, or some NaN.
type anomalyState int

const (
	allFinite anomalyState = iota
	hasInf
	hasNaN
)

func stateOf[T Float](t *tensor.Tensor[T]) anomalyState {
	s := allFinite
	for _, x := range t.Data() {
		switch {
		case x != x:
			return hasNaN
		case x-x != 0:
			s = hasInf
		}
	}
	return s
}

// anomalyReport decides whether a result in state got (first non-finite
// value bad), computed from values in state from, is an anomaly: a
// non-finite result from finite values, or a NaN from values without one.
// It returns the value to report ("NaN" in the second case, whatever came
// first) and whether the values were non-finite.
func anomalyReport(bad string, got, from anomalyState) (string, bool, bool) {
	switch {
	case from == allFinite:
		return bad, false, true
	case from == hasInf && got == hasNaN:
		return "NaN", true, true
	}
	return "", false, false
}

// firstNonFinite returns "NaN", "+Inf" or "-Inf" for the first such element
// of t, and ok=false; ok=true when every element is finite.
func firstNonFinite[T Float](t *tensor.Tensor[T]) (string, bool) {
	for _, x := range t.Data() {
		f := float64(x)
		switch {
		case math.IsNaN(f):
			return "NaN", false
		case math.IsInf(f, 1):
			return "+Inf", false
		case math.IsInf(f, -1):
			return "-Inf", false
		}
	}
	return "", true
}

func shapesOf[T Float](vs []*Var[T]) [][]int {
	var s [][]int
	for _, v := range vs {
		s = append(s, v.value.Shape())
	}
	return s
}

// chainOf follows the first input that came from an operation back to the
// leaves, and returns the operations met, oldest first.
func chainOf[T Float](inputs []*Var[T]) []string {
	const limit = 16
	var chain []string
	for len(chain) < limit {
		var next *anomalyInfo[T]
		for _, in := range inputs {
			if a := in.trace(); a != nil && a.op != "" {
				next = a
				break
			}
		}
		if next == nil {
			break
		}
		step := next.op
		if next.caller != "" {
			step += " (" + next.caller + ")"
		}
		chain = append(chain, step)
		inputs = next.inputs
	}
	for i, j := 0, len(chain)-1; i < j; i, j = i+1, j-1 {
		chain[i], chain[j] = chain[j], chain[i]
	}
	return chain
}

// callerOutsideLibrary returns file:line of the innermost caller outside
// Adjoint's engine packages (autograd, tensor, layers): the user's line that
// called the operation.
func callerOutsideLibrary() string {
	var pcs [32]uintptr
	n := runtime.Callers(3, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if !isEngineFrame(f.Function) {
			return fmt.Sprintf("%s:%d", f.File, f.Line)
		}
		if !more {
			return ""
		}
	}
}

func isEngineFrame(fn string) bool {
	for _, p := range []string{"autograd.", "tensor.", "layers.", "layers/optim."} {
		if strings.HasPrefix(fn, "github.com/adjoint-go/adjoint/"+p) {
			return true
		}
	}
	return false
}
