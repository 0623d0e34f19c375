package autograd

import (
	"fmt"
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
// genericJVP on the same node, with random tangents on every set of the
// inputs that require a gradient, so that the two independent
// derivations of J·t agree (checkRuleSubsets).
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
			walkNodes(graphs, func(v *Var[float64]) { checkNodeRule(t, rng, v, op.Name, missing) })
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
// of its own, and otherwise compares the rule with genericJVP for every
// set of the inputs that require a gradient having random tangents.
func checkNodeRule(t *testing.T, rng *rand.Rand, v *Var[float64], opName string, missing map[string][]string) {
	t.Helper()
	n := v.node
	if ownRule(n) == nil {
		k := fmt.Sprintf("%T (%s)", n.impl, n.op)
		if !slices.Contains(missing[k], opName) && len(missing[k]) < 3 {
			missing[k] = append(missing[k], opName)
		}
		return
	}
	checkRuleSubsets(t, rng, v, jvpTol{rel: 1e-10})
}
