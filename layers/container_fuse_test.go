package layers_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// unfused applies the layers of s one after the other, as Sequential did
// before it ran a Linear and a ReLU as one operation.
func unfused[T tensor.Float](s *layers.Sequential[T], x *autograd.Var[T]) *autograd.Var[T] {
	for _, l := range s.Layers {
		x = l.Forward(x)
	}
	return x
}

// TestSequentialLinearReLU checks Sequential's Linear and ReLU as one
// operation: when nothing is recorded, the same bits as the two layers one
// after the other (NaN, ±Inf and −0 included), the input and the
// parameters untouched, nothing recorded; and with a graph recorded, one
// LinearReLU node whose gradients have the bits of the two layers'.
func TestSequentialLinearReLU(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	net := layers.NewMLP[float64](rng, []int{3, 4, 5, 2}, nil)
	net.Layers = append(net.Layers, &layers.ReLU[float64]{}) // a pointer ReLU after the last Linear
	x := tensor.RandNormal[float64](rng, 0, 1, 6, 3)
	x.Data()[0], x.Data()[4], x.Data()[8] = math.NaN(), math.Inf(1), math.Copysign(0, -1)
	xCopy := x.Clone()
	frozen := make([]layers.Module[float64], len(net.Layers))
	for i, m := range net.Layers {
		if l, ok := m.(*layers.Linear[float64]); ok {
			m = &layers.Linear[float64]{Weight: autograd.Detach(l.Weight), Bias: autograd.Detach(l.Bias)}
		}
		frozen[i] = m
	}
	inf := layers.NewSequential(frozen...)

	want := unfused(inf, autograd.Const(x))
	for _, arena := range []bool{false, true} {
		in := autograd.Const(x)
		if arena {
			in = autograd.NewInferenceArena[float64]().Const(x)
		}
		got := inf.Forward(in)
		if got.RequiresGrad() || !got.IsLeaf() || got.Op() != "" {
			t.Errorf("arena %v: result records a graph (op %q)", arena, got.Op())
		}
		if msg := sameBits(got.Value(), want.Value()); msg != "" {
			t.Errorf("arena %v: in-place ReLU differs from Linear then ReLU: %s", arena, msg)
		}
		if msg := sameBits(x, xCopy); msg != "" {
			t.Errorf("arena %v: the input changed: %s", arena, msg)
		}
	}

	// Trainable parameters: one node, and the gradients of the layers one
	// after the other.
	y := net.Forward(autograd.Const(xCopy))
	if y.Op() != "LinearReLU" {
		t.Errorf("with a graph, the last op is %q, want LinearReLU", y.Op())
	}
	autograd.Sum(y).Backward()
	var got []*tensor.Tensor[float64]
	for _, p := range net.Parameters() {
		got = append(got, p.Grad().Clone())
		p.ZeroGrad()
	}
	autograd.Sum(unfused(net, autograd.Const(xCopy))).Backward()
	for i, p := range net.Parameters() {
		if msg := sameBits(got[i], p.Grad()); msg != "" {
			t.Errorf("gradient %d differs: %s", i, msg)
		}
	}
}

// TestSequentialInPlaceReLUKeepsAnomalyChain checks that under anomaly
// detection the ReLU after a Linear stays an operation of its own, which
// an anomaly report after it names.
func TestSequentialInPlaceReLUKeepsAnomalyChain(t *testing.T) {
	w := autograd.Const(tensor.MustNew([]float64{1, 1}, 1, 2))
	b := autograd.Const(tensor.MustNew([]float64{0}, 1))
	net := layers.NewSequential[float64](&layers.Linear[float64]{Weight: w, Bias: b}, layers.ReLU[float64]{})
	x := autograd.Const(tensor.MustNew([]float64{1, 2}, 1, 2))
	if err := autograd.DetectAnomaly(x); err != nil {
		t.Fatal(err)
	}
	y := net.Forward(x)
	if !y.DetectsAnomaly() {
		t.Fatal("DetectsAnomaly is false for a result of a detected input")
	}
	defer func() {
		var ae *autograd.AnomalyError
		if r, ok := recover().(error); !ok || !errors.As(r, &ae) {
			t.Fatalf("recovered %v, want an *AnomalyError", r)
		}
		if n := len(ae.Chain); n < 3 || !containsOp(ae.Chain[n-3], "Linear") || !containsOp(ae.Chain[n-2], "ReLU") {
			t.Errorf("chain %q, want Linear, ReLU, Sub", ae.Chain)
		}
	}()
	autograd.Log(autograd.Sub(y, y)) // log 0 = -Inf: reported after Linear -> ReLU -> Sub
}

func containsOp(entry, op string) bool {
	return len(entry) >= len(op) && entry[:len(op)] == op
}

// sameBits returns "" when a and b hold the same bits (NaNs equal).
func sameBits(a, b *tensor.Tensor[float64]) string {
	if a.Len() != b.Len() {
		return "lengths differ"
	}
	for i, v := range a.Data() {
		w := b.Data()[i]
		if math.Float64bits(v) != math.Float64bits(w) && !(v != v && w != w) {
			return "element " + strconv.Itoa(i) + " differs"
		}
	}
	return ""
}
