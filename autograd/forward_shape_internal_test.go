package autograd

import (
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"

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
			walkNodes(roots, func(v *Var[float64]) { checked += checkShapeRuleSubsets(t, rng, v) })
			if checked == 0 {
				t.Fatal("no node with a forward rule checked")
			}
		})
	}
}

// one returns v as a slice of outputs.
func one(v *Var[float64]) []*Var[float64] { return []*Var[float64]{v} }

// walkNodes calls fn once for each Var with a node reachable from roots.
func walkNodes(roots []*Var[float64], fn func(v *Var[float64])) {
	seen := map[*Var[float64]]bool{}
	var walk func(v *Var[float64])
	walk = func(v *Var[float64]) {
		if seen[v] || v.node == nil {
			return
		}
		seen[v] = true
		for _, in := range v.node.inputs {
			walk(in)
		}
		fn(v)
	}
	for _, r := range roots {
		walk(r)
	}
}

// checkShapeRuleSubsets compares v's node's own forward rule, if it has one,
// with genericJVP for every non-empty set of the inputs that require a
// gradient having a tangent (the others nil), and checks that the rule
// leaves the tangents alone and returns a tensor of its own. It returns
// the number of comparisons.
func checkShapeRuleSubsets(t *testing.T, rng *rand.Rand, v *Var[float64]) int {
	t.Helper()
	n := v.node
	rule, ok := n.impl.(forwardDerivative[float64])
	if !ok || !v.requiresGrad {
		return 0
	}
	var moving []int
	for j, in := range n.inputs {
		if in.requiresGrad {
			moving = append(moving, j)
		}
	}
	checked := 0
	for set := 1; set < 1<<len(moving); set++ {
		ts := make([]*tensor.Tensor[float64], len(n.inputs))
		var saved []*tensor.Tensor[float64]
		for b, j := range moving {
			if set&(1<<b) != 0 {
				ts[j] = tensor.RandUniform(rng, -1.0, 1.0, n.inputs[j].value.Shape()...)
				saved = append(saved, ts[j].Clone())
			}
		}
		p := acquirePass[float64](nil)
		p.ctx = Context[float64]{n: n, out: v, p: p}
		got := rule.jvp(&p.ctx, ts)
		want := genericJVP(p, n, v, ts)
		p.release()
		checked++
		k := 0
		for _, tj := range ts {
			if tj == nil {
				continue
			}
			if !tensor.SameShape(tj.Shape(), saved[k].Shape()) || !sameBits(tj.Data(), saved[k].Data()) {
				t.Errorf("%s (%T): the rule modified a tangent", n.op, n.impl)
			}
			if len(got.Data()) > 0 && len(tj.Data()) > 0 && unsafe.SliceData(got.Data()) == unsafe.SliceData(tj.Data()) {
				t.Errorf("%s (%T): the rule returned a tangent's memory", n.op, n.impl)
			}
			k++
		}
		if !got.SameShapeAs(want) {
			t.Errorf("%s (%T) inputs %b: rule's tangent shape %v, generic %v", n.op, n.impl, set, got.Shape(), want.Shape())
			continue
		}
		scale := 1.0
		for _, w := range want.Data() {
			scale = math.Max(scale, math.Abs(w))
		}
		for i, w := range want.Data() {
			if g := got.Data()[i]; !(math.Abs(g-w) <= 1e-12*scale) {
				t.Errorf("%s (%T) inputs %b: element %d: rule %.17g, generic %.17g", n.op, n.impl, set, i, g, w)
				break
			}
		}
	}
	return checked
}

// sameBits reports whether a and b hold the same values, bit for bit.
func sameBits(a, b []float64) bool {
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return len(a) == len(b)
}
