package autograd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

// TestEveryOpHasItsForwardRule walks the graph every op of the table
// records, and the graph of its gradient (what Hessian and forward over
// reverse push tangents through), and checks that each node has a
// forward rule of its own: genericJVP, the rule derived from a backward,
// is left to Functions without a JVP. Each rule is also compared with
// genericJVP on the same node and random tangents, so that the two
// independent derivations of J·t agree.
func TestEveryOpHasItsForwardRule(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	missing := map[string][]string{}
	for _, op := range Ops() {
		if op.Constant {
			continue
		}
		t.Run(op.Name, func(t *testing.T) {
			shapes := op.Shapes
			if shapes == nil {
				shapes = [][]int{{2, 3}}
			}
			lo, hi := op.Domain[0], op.Domain[1]
			xs := make([]*Var[float64], len(shapes))
			for i, s := range shapes {
				xs[i] = Param(tensor.RandUniform(rng, lo+(hi-lo)*0.05, hi-(hi-lo)*0.05, s...))
			}
			out := op.Apply64(xs...)
			graphs := []*Var[float64]{out}
			if out.requiresGrad {
				w := Const(tensor.RandUniform(rng, 0.5, 1.5, out.value.Shape()...))
				// A loss quadratic in out, so that even a linear op's
				// gradient depends on the inputs and its backward's nodes
				// carry tangents.
				for _, g := range Grad([]*Var[float64]{Sum(Mul(Mul(out, out), w))}, xs, CreateGraph()) {
					if g != nil {
						graphs = append(graphs, g)
					}
				}
			}
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
				checkNodeRule(t, rng, v, op.Name, missing)
			}
			for _, g := range graphs {
				walk(g)
			}
		})
	}
	if len(missing) > 0 {
		var lines []string
		for k, v := range missing {
			lines = append(lines, fmt.Sprintf("%s: %v", k, v))
		}
		slices.Sort(lines)
		t.Errorf("%d node types without a forward rule of their own:", len(lines))
		for _, l := range lines {
			t.Log(l)
		}
	}
}

// checkNodeRule records v's node in missing when it has no forward rule
// of its own, and otherwise compares the rule with genericJVP on random
// tangents of the inputs that require a gradient.
func checkNodeRule(t *testing.T, rng *rand.Rand, v *Var[float64], opName string, missing map[string][]string) {
	t.Helper()
	n := v.node
	var jvp func(c *Context[float64], ts []*tensor.Tensor[float64]) *tensor.Tensor[float64]
	if rule, ok := n.impl.(forwardDerivative[float64]); ok {
		jvp = rule.jvp
	} else if jvp = namedRule(n); jvp == nil {
		k := fmt.Sprintf("%T (%s)", n.impl, n.op)
		if !slices.Contains(missing[k], opName) && len(missing[k]) < 3 {
			missing[k] = append(missing[k], opName)
		}
		return
	}
	if !v.requiresGrad {
		return
	}
	ts := make([]*tensor.Tensor[float64], len(n.inputs))
	moved := false
	for j, in := range n.inputs {
		if in.requiresGrad {
			ts[j] = tensor.RandUniform(rng, -1.0, 1.0, in.value.Shape()...)
			moved = true
		}
	}
	if !moved {
		return
	}
	p := acquirePass[float64](nil)
	defer p.release()
	p.ctx = Context[float64]{n: n, out: v, p: p}
	got := jvp(&p.ctx, ts)
	want := genericJVP(p, n, v, ts)
	if !got.SameShapeAs(want) {
		t.Errorf("%s: rule's tangent shape %v, generic %v", n.op, got.Shape(), want.Shape())
		return
	}
	scale := 1.0
	for _, w := range want.Data() {
		scale = math.Max(scale, math.Abs(w))
	}
	for i, w := range want.Data() {
		if g := got.Data()[i]; !(math.Abs(g-w) <= 1e-10*scale) {
			t.Errorf("%s: element %d: rule %.17g, generic %.17g", n.op, i, g, w)
			return
		}
	}
}
