package autograd

import (
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

// TestShapeForwardRules compares the forward rules of the shape, reorder,
// index, mask, embedding, dropout and padding ops with genericJVP on the
// cases the op table's single shapes miss: broadcasting masks, several
// inputs of which only some have a tangent, every piece of a Split,
// repeated indices and ties, and the adjoint nodes (CumsumBackward,
// IndexMove, PadMapAdjoint, ...) that a gradient records when it depends
// on the input again, as Hessians see them.
func TestShapeForwardRules(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	p := func(shape ...int) *Var[float64] { return Param(tensor.RandUniform(rng, -1.0, 1.0, shape...)) }
	idx := tensor.MustIndex
	mask := func(shape ...int) *tensor.Mask {
		n := 1
		for _, d := range shape {
			n *= d
		}
		flags := make([]bool, n)
		for i := range flags {
			flags[i] = rng.IntN(2) == 0
		}
		return tensor.MustMask(flags, shape...)
	}
	cases := map[string]func() []*Var[float64]{
		"Permute": func() []*Var[float64] { return one(Permute(p(2, 3, 4), 2, 0, 1)) },
		"Slice": func() []*Var[float64] {
			return one(Slice(p(4, 5), Range{Start: -1, Stop: tensor.End, Step: -2}, Range{Start: 1, Stop: 4, Step: 1}))
		},
		"Pad":     func() []*Var[float64] { return one(Pad(p(2, 3), [][2]int{{1, 0}, {2, 1}}, 7)) },
		"PadCrop": func() []*Var[float64] { return one(Pad(p(3, 4), [][2]int{{-1, 2}, {1, -2}}, 7)) },
		"PadWith": func() []*Var[float64] {
			return one(PadWith(p(2, 3, 4), [][2]int{{0, 0}, {2, 1}, {3, -1}}, PadReflect, 0))
		},
		"Circular":  func() []*Var[float64] { return one(PadWith(p(2, 5), [][2]int{{1, 2}, {-1, 3}}, PadCircular, 0)) },
		"Replicate": func() []*Var[float64] { return one(PadWith(p(3, 2), [][2]int{{2, 2}, {1, 0}}, PadReplicate, 0)) },
		"IndexSelect": func() []*Var[float64] {
			return one(IndexSelect(p(3, 4), -1, []int{3, 0, 3, 1, 3}))
		},
		"Concat": func() []*Var[float64] {
			return one(Concat(1, p(2, 1, 3), Const(tensor.Ones[float64](2, 2, 3)), p(2, 3, 3)))
		},
		"Stack": func() []*Var[float64] {
			return one(Stack(1, p(2, 3), p(2, 3), Const(tensor.Ones[float64](2, 3)), p(2, 3)))
		},
		"StackLast": func() []*Var[float64] { return one(Stack(-1, p(2, 3), p(2, 3))) },
		"Split": func() []*Var[float64] {
			x := p(2, 6, 2)
			return append(Split(x, 1, 2, 0, 3, 1), Split(x, 0, 1, 1)...)
		},
		"Cumsum":           func() []*Var[float64] { return one(Cumsum(p(3, 4), -1)) },
		"Flip":             func() []*Var[float64] { return one(Flip(p(3, 4, 2), 0, 2)) },
		"Roll":             func() []*Var[float64] { return one(Roll(p(3, 4), []int{1, -5}, []int{0, 1})) },
		"Tril":             func() []*Var[float64] { return one(Tril(p(2, 3, 4), 1)) },
		"Triu":             func() []*Var[float64] { return one(Triu(p(4, 3), -1)) },
		"Diagonal":         func() []*Var[float64] { return one(Diagonal(p(3, 2, 4), 1, 0, 2)) },
		"Repeat":           func() []*Var[float64] { return one(Repeat(p(2, 3), 2, 1, 2)) },
		"RepeatInterleave": func() []*Var[float64] { return one(RepeatInterleaveEach(p(3, 2), []int{2, 0, 3}, 0)) },
		"Sort":             func() []*Var[float64] { v, _ := Sort(p(3, 4), 1, true); return one(v) },
		"TopK":             func() []*Var[float64] { v, _ := TopK(p(4, 3), 2, 0, false); return one(v) },
		"Cummax":           func() []*Var[float64] { v, _ := Cummax(p(3, 5), 1); return one(v) },
		"Cummin": func() []*Var[float64] {
			v, _ := Cummin(Param(tensor.MustNew([]float64{3, 1, 1, 2, 0.5, 0.5}, 2, 3)), 1)
			return one(v)
		},
		"Gather": func() []*Var[float64] { return one(Gather(p(3, 4), 1, idx([]int{0, 3, 3, 1, 2, 2}, 3, 2))) },
		"Scatter": func() []*Var[float64] {
			return one(Scatter(p(3, 4), 1, idx([]int{1, 1, 2, 0, 3, 0}, 3, 2), p(3, 3)))
		},
		"ScatterAdd": func() []*Var[float64] {
			return one(ScatterAdd(p(3, 4), 0, idx([]int{2, 2, 0, 1, 2, 2, 0, 1}, 2, 4), p(2, 5)))
		},
		"IndexAdd": func() []*Var[float64] { return one(IndexAdd(p(4, 3), 0, []int{3, 1, 3}, p(3, 3), -1.5)) },
		"MaskedSelect": func() []*Var[float64] {
			return one(MaskedSelect(p(2, 1, 3), mask(4, 1)))
		},
		"IndexArrays": func() []*Var[float64] {
			return one(IndexArrays(p(3, 4, 2), idx([]int{2, 0, -1}, 3, 1), idx([]int{1, 3}, 1, 2)))
		},
		"Unfold": func() []*Var[float64] { return one(Unfold(p(2, 7), 1, 3, 2)) },
		"Where": func() []*Var[float64] {
			return one(Where(mask(2, 1, 3), p(4, 1), p(3)))
		},
		"WhereConst": func() []*Var[float64] {
			return one(Where(mask(2, 3), Const(tensor.Ones[float64](2, 3)), p(2, 1)))
		},
		"MaskedFill": func() []*Var[float64] { return one(MaskedFill(p(2, 3, 4), mask(3, 1), -2)) },
		"Embedding": func() []*Var[float64] {
			return one(Embedding(p(5, 3), Param(tensor.MustNew([]float64{4, 0, 4, 2}, 2, 2))))
		},
		"Dropout": func() []*Var[float64] {
			return one(Dropout(p(4, 5), 0.4, rand.New(rand.NewPCG(1, 2))))
		},
	}
	for _, reduce := range []string{"sum", "prod", "mean", "amax", "amin"} {
		for _, self := range []bool{false, true} {
			name := "ScatterReduce/" + reduce
			if self {
				name += "/self"
			}
			cases[name] = func() []*Var[float64] {
				x := Param(tensor.MustNew([]float64{1, 0, 2, -1, 3, 0.5}, 2, 3))
				src := Param(tensor.MustNew([]float64{2, 0, 2, 1, -1, 3, 0.5, 2}, 2, 4))
				return one(ScatterReduce(x, 1, idx([]int{0, 0, 2, 0, 1, 1, 1, 2}, 2, 4), src, reduce, self))
			}
		}
	}
	for name, build := range cases {
		t.Run(name, func(t *testing.T) {
			outs := build()
			var leaves []*Var[float64]
			roots := append([]*Var[float64](nil), outs...)
			walkNodes(outs, func(v *Var[float64]) {
				for _, in := range v.node.inputs {
					if in.node == nil && in.requiresGrad {
						leaves = append(leaves, in)
					}
				}
			})
			// A loss that is not linear in the outputs, so that the
			// gradient's graph has the adjoint nodes, with inputs that
			// depend on the leaves.
			var loss *Var[float64]
			for _, o := range outs {
				term := Sum(Mul(Mul(o, o), o))
				if loss == nil {
					loss = term
				} else {
					loss = Add(loss, term)
				}
			}
			for _, g := range Grad([]*Var[float64]{loss}, leaves, CreateGraph()) {
				if g != nil {
					roots = append(roots, g)
				}
			}
			checked := 0
			walkNodes(roots, func(v *Var[float64]) { checked += checkRuleSubsets(t, rng, v, jvpTol{rel: 1e-12}) })
			if checked == 0 {
				t.Fatal("no node with a forward rule checked")
			}
		})
	}
}

// one returns v as a slice of outputs.
func one(v *Var[float64]) []*Var[float64] { return []*Var[float64]{v} }
