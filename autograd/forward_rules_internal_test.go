package autograd

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

// TestForwardRulesMatchGenericRule checks every op that has a forward rule
// of its own against the rule derived from its backward (genericJVP), on
// the same node and tangents: two independent derivations of J·t, with
// broadcasting, a nil tangent and transposed products.
func TestForwardRulesMatchGenericRule(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	u := func(shape ...int) *tensor.Tensor[float64] { return tensor.RandUniform(rng, 0.5, 1.5, shape...) }
	type tc struct {
		name string
		out  func() *Var[float64]
	}
	var cases []tc
	for k := range pointwiseKind(numPointwise) {
		m := pointwise64[k].meta
		lo, hi := m.Domain[0], m.Domain[1]
		x := tensor.RandUniform(rng, lo+(hi-lo)*0.1, hi-(hi-lo)*0.1, 2, 3)
		p := make([]float64, len(m.Args))
		copy(p, m.Args)
		cases = append(cases, tc{m.Name, func() *Var[float64] { return pointwise(k, Param(x), p...) }})
	}
	for k := range binaryKind(numBinary) {
		cases = append(cases, tc{binary64[k].meta.Name, func() *Var[float64] { return binary(k, Param(u(2, 3)), Param(u(3))) }})
	}
	for name, f := range map[string]func(a, b *Var[float64]) *Var[float64]{"Add": Add[float64], "Sub": Sub[float64], "Mul": Mul[float64], "Div": Div[float64]} {
		cases = append(cases,
			tc{name, func() *Var[float64] { return f(Param(u(2, 3)), Param(u(2, 1))) }},
			tc{name + " const", func() *Var[float64] { return f(Const(u(3)), Param(u(2, 3))) }})
	}
	for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
		cases = append(cases,
			tc{fmt.Sprintf("MatMulT %v", tr), func() *Var[float64] { return MatMulT(Param(u(3, 3)), Param(u(3, 3)), tr[0], tr[1]) }},
			tc{fmt.Sprintf("batched MatMulT %v", tr), func() *Var[float64] { return MatMulT(Param(u(2, 3, 3)), Param(u(3, 3)), tr[0], tr[1]) }})
	}
	for name, sh := range map[string][2][]int{"matrix·vector": {{2, 3}, {3}}, "vector·matrix": {{3}, {3, 2}}, "batch·vector": {{2, 2, 3}, {3}}, "vector·vector": {{3}, {3}}} {
		cases = append(cases, tc{"MatMul " + name, func() *Var[float64] { return MatMul(Param(u(sh[0]...)), Param(u(sh[1]...))) }})
	}
	linear := map[string]func(x *Var[float64]) *Var[float64]{
		"Reshape":      func(x *Var[float64]) *Var[float64] { return Reshape(x, 3, 2) },
		"BroadcastTo":  func(x *Var[float64]) *Var[float64] { return BroadcastTo(x, 4, 2, 3) },
		"SumTo":        func(x *Var[float64]) *Var[float64] { return SumTo(x, 1, 3) },
		"Sum":          func(x *Var[float64]) *Var[float64] { return Sum(x) },
		"Mean":         func(x *Var[float64]) *Var[float64] { return Mean(x) },
		"Sum axis":     func(x *Var[float64]) *Var[float64] { return Sum(x, 1) },
		"MeanKeepDims": func(x *Var[float64]) *Var[float64] { return MeanKeepDims(x, 0) },
	}
	for name, f := range linear {
		cases = append(cases, tc{name, func() *Var[float64] { return f(Param(u(2, 3))) }})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if checkRuleSubsets(t, rng, c.out(), jvpTol{rel: 1e-12}) == 0 {
				t.Fatal("no input with a tangent")
			}
		})
	}
}
