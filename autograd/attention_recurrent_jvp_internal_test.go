package autograd

import (
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

// TestAttentionRecurrentJVPMatchGeneric compares the forward rules of the
// attention and recurrent-cell ops with the rule derived from their
// backward (genericJVP) for every subset of the inputs moved (the others'
// tangents nil), on the paths the op table leaves out: 2-D attention, a
// mask with causal and dropout together, the packed attention on its
// whole causal products, and inputs that are one Var.
func TestAttentionRecurrentJVPMatchGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	u := func(shape ...int) *Var[float64] { return Param(tensor.RandUniform(rng, -1.0, 1.0, shape...)) }
	keep := tensor.MustMask([]bool{true, false, true, true, false, true, true, false, true, true}, 2, 1, 1, 5)
	dk := make([]bool, 2*2*5*5)
	for i := range dk {
		dk[i] = (i*3)%5 != 2
	}
	drop := tensor.MustMask(dk, 2, 2, 5, 5)
	x := u(2, 5, 4)
	cases := map[string]func() *Var[float64]{
		"SDPA 2-D": func() *Var[float64] { return ScaledDotProductAttention(u(3, 4), u(5, 4), u(5, 2), nil, false) },
		"SDPA causal": func() *Var[float64] {
			return ScaledDotProductAttention(u(2, 2, 5, 4), u(2, 2, 5, 4), u(2, 2, 5, 3), nil, true)
		},
		"SDPA mask causal dropout": func() *Var[float64] {
			return ScaledDotProductAttentionWith(u(2, 2, 5, 4), u(2, 2, 5, 4), u(2, 2, 5, 3),
				AttentionOptions{Mask: keep, Causal: true, Dropout: 0.4, Keep: drop})
		},
		"SDPA self": func() *Var[float64] { return ScaledDotProductAttention(x, x, x, nil, false) },
		"packed whole causal products": func() *Var[float64] {
			return packedSelfAttention(u(2, 5, 12), 2, 2, AttentionOptions{Causal: true}, false)
		},
		"packed [N·L, 3E] mask dropout": func() *Var[float64] {
			return PackedSelfAttention(u(10, 12), 2, 2, AttentionOptions{Mask: keep, Dropout: 0.4, Keep: drop})
		},
		"packed mask causal": func() *Var[float64] {
			return PackedSelfAttention(u(2, 5, 12), 2, 2, AttentionOptions{Mask: keep, Causal: true})
		},
		"LSTMCellState":  func() *Var[float64] { return LSTMCellState(u(3, 8), u(3, 2)) },
		"LSTMCellOutput": func() *Var[float64] { return LSTMCellOutput(u(3, 8), u(3, 2)) },
		"GRUCellState":   func() *Var[float64] { return GRUCellState(u(3, 6), u(3, 6), u(3, 2)) },
		"GRUCellState(x, x, h)": func() *Var[float64] {
			g := u(3, 6)
			return GRUCellState(g, g, u(3, 2))
		},
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			if checkRuleSubsets(t, rng, f(), jvpTol{rel: 1e-12}) == 0 {
				t.Fatal("no input with a tangent")
			}
		})
	}
}
