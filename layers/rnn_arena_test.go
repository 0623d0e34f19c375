package layers_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/internal/allocs"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestRecurrentArenaAllocations checks that a warm training step of each
// layer (forward, backward, ZeroGrad) allocates nothing under an Arena,
// with zero or given initial states, in both directions, with and without
// lengths.
func TestRecurrentArenaAllocations(t *testing.T) {
	if underRace {
		t.Skip("the race detector allocates")
	}
	for _, kind := range []string{"rnn_tanh", "lstm", "gru"} {
		for _, states := range []bool{false, true} {
			for _, lengths := range [][]int{nil, {20, 13}} {
				t.Run(fmt.Sprintf("%s states=%v lengths=%v", kind, states, lengths), func(t *testing.T) {
					o := layers.RecurrentOptions{NumLayers: 2, Bidirectional: true}
					l := newSeqLayer[float32](kind, newRNG(1), 3, 4, o)
					x := convert[float32](randTensor(newRNG(2), 20, 2, 3))
					h0 := convert[float32](randTensor(newRNG(3), 4, 2, 4))
					ar := autograd.NewArena[float32]()
					params := l.module.Parameters()
					step := func() {
						ar.Reset()
						var hv, cv *autograd.Var[float32]
						if states {
							hv = ar.Const(h0)
							if kind == "lstm" {
								cv = ar.Const(h0)
							}
						}
						out, hn, _ := l.run(ar.Const(x), hv, cv, lengths)
						autograd.Add(autograd.Sum(out), autograd.Sum(hn)).Backward()
						autograd.ZeroGrad(params...)
					}
					for range 3 {
						step()
					}
					if n := allocs.Count(10, step); n != 0 {
						t.Errorf("10 warm steps allocate %d times, want 0", n)
					}
				})
			}
		}
	}
}

// TestRecurrentArenaMatchesPlain checks that a step under an Arena gives
// the plain step's gradients bit for bit.
func TestRecurrentArenaMatchesPlain(t *testing.T) {
	l := newSeqLayer[float64]("lstm", newRNG(1), 3, 4, layers.RecurrentOptions{Bidirectional: true})
	x := randTensor(newRNG(2), 11, 2, 3)
	grads := func(in func(*tensor.Tensor[float64]) *autograd.Var[float64]) []*tensor.Tensor[float64] {
		out, hn, cn := l.run(in(x), nil, nil, []int{11, 6})
		autograd.Add(autograd.Add(autograd.Sum(autograd.Square(out)), autograd.Sum(hn)), autograd.Sum(cn)).Backward()
		var gs []*tensor.Tensor[float64]
		for _, p := range l.module.Parameters() {
			gs = append(gs, p.Grad().Clone())
		}
		autograd.ZeroGrad(l.module.Parameters()...)
		return gs
	}
	plain := grads(autograd.Const[float64])
	ar := autograd.NewArena[float64]()
	arena := grads(ar.Const)
	if !slices.EqualFunc(plain, arena, bitsEqual[float64]) {
		t.Error("the gradients under an Arena differ from the plain ones")
	}
}

// TestRecurrentCellArenaAllocations checks that ten warm steps of each
// cell, forward and backward, allocate nothing under an Arena.
func TestRecurrentCellArenaAllocations(t *testing.T) {
	if underRace {
		t.Skip("the race detector allocates")
	}
	rng := newRNG(7)
	rnn, lstm, gru := layers.NewRNNCell[float32](rng, 3, 4, layers.RNNReLU), layers.NewLSTMCell[float32](rng, 3, 4), layers.NewGRUCell[float32](rng, 3, 4)
	x := convert[float32](randTensor(rng, 2, 3))
	cells := map[string]struct {
		params []*autograd.Var[float32]
		run    func(x *autograd.Var[float32]) *autograd.Var[float32]
	}{
		"RNNCell": {rnn.Parameters(), func(x *autograd.Var[float32]) *autograd.Var[float32] {
			var h *autograd.Var[float32]
			for range 10 {
				h = rnn.Step(x, h)
			}
			return h
		}},
		"LSTMCell": {lstm.Parameters(), func(x *autograd.Var[float32]) *autograd.Var[float32] {
			var h, c *autograd.Var[float32]
			for range 10 {
				h, c = lstm.Step(x, h, c)
			}
			return autograd.Add(h, c)
		}},
		"GRUCell": {gru.Parameters(), func(x *autograd.Var[float32]) *autograd.Var[float32] {
			var h *autograd.Var[float32]
			for range 10 {
				h = gru.Step(x, h)
			}
			return h
		}},
	}
	for name, c := range cells {
		t.Run(name, func(t *testing.T) {
			ar := autograd.NewArena[float32]()
			step := func() {
				ar.Reset()
				autograd.Sum(c.run(ar.Const(x))).Backward()
				autograd.ZeroGrad(c.params...)
			}
			for range 3 {
				step()
			}
			if n := allocs.Count(10, step); n != 0 {
				t.Errorf("ten warm steps allocate %d times, want 0", n)
			}
		})
	}
}

// TestRecurrentInferenceArena checks evaluation under an inference Arena:
// the plain forward's numbers, no graph (the results need no gradient),
// and no allocation once warm.
func TestRecurrentInferenceArena(t *testing.T) {
	l := newSeqLayer[float32]("lstm", newRNG(1), 3, 4, layers.RecurrentOptions{NumLayers: 2, Bidirectional: true})
	x := convert[float32](randTensor(newRNG(2), 9, 2, 3))
	lengths := []int{9, 5}
	want, _, _ := l.run(autograd.Const(x), nil, nil, lengths)
	ar := autograd.NewInferenceArena[float32]()
	var out, hn, cn *autograd.Var[float32]
	step := func() {
		ar.Reset()
		out, hn, cn = l.run(ar.Const(x), nil, nil, lengths)
	}
	step()
	if !bitsEqual(want.Value(), out.Value()) {
		t.Error("the output under an inference Arena differs from the plain one")
	}
	if out.RequiresGrad() || hn.RequiresGrad() || cn.RequiresGrad() {
		t.Error("results under an inference Arena require a gradient")
	}
	if underRace {
		return
	}
	if n := allocs.Count(10, step); n != 0 {
		t.Errorf("10 warm evaluations allocate %d times, want 0", n)
	}
}
