package autograd

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/adjoint-go/adjoint/tensor"
)

// The helpers the forward-rule tests share: each compares a node's own
// forward rule with genericJVP (the rule derived from its backward, an
// independent derivation of J·t) on the same node and tangents.

// jvpTol is how close a forward rule's tangent must be to genericJVP's.
// Element i agrees when
//
//	|rule_i − generic_i| ≤ rel·min(max(1, max_k |generic_k|), 1 + |generic_i|),
//
// an error relative both to the largest element (over the finite ones) and
// to the element itself, whichever is tighter. A NaN in both agrees only
// where nan is set, the same infinity in both only where inf is; otherwise
// a NaN or an infinity fails.
type jvpTol struct {
	rel      float64
	nan, inf bool
}

// ownRule returns n's own forward rule, its derivative's jvp; nil when
// that only derives the rule from backward (genericJVP: a Function without
// a JVP rule, a Checkpoint).
func ownRule(n *node[float64]) func(c *Context[float64], ts []*tensor.Tensor[float64]) *tensor.Tensor[float64] {
	switch d := n.impl.(type) {
	case *functionOp[float64]:
		if d.fwd == nil {
			return nil
		}
	case *checkpointOp[float64]:
		return nil
	}
	return n.impl.jvp
}

// ruleAndGeneric runs v's node's own forward rule and genericJVP on the
// node with tangents ts (one per input, nil for none), in one pass with
// the Context pushForward gives. ok is false when the node has no rule of
// its own.
func ruleAndGeneric(v *Var[float64], ts []*tensor.Tensor[float64]) (got, want *tensor.Tensor[float64], ok bool) {
	n := v.node
	rule := ownRule(n)
	if rule == nil {
		return nil, nil, false
	}
	p := acquirePass[float64](nil)
	defer p.release()
	p.ctx = Context[float64]{out: v, p: p}
	got = rule(&p.ctx, ts)
	want = genericJVP(p, n, v, ts)
	return got, want, true
}

// checkRuleTangents compares v's node's own rule with genericJVP on
// tangents ts (what names them in messages), and checks the rule's
// contract: it leaves the tangents as they were (shape and every bit) and
// returns a tensor of its own, of the output's shape.
func checkRuleTangents(t *testing.T, v *Var[float64], ts []*tensor.Tensor[float64], tol jvpTol, what string) {
	t.Helper()
	n := v.node
	saved := make([]*tensor.Tensor[float64], len(ts))
	for j, x := range ts {
		if x != nil {
			saved[j] = x.Clone()
		}
	}
	got, want, ok := ruleAndGeneric(v, ts)
	if !ok {
		t.Errorf("%s (%T): no forward rule of its own", n.op, n.impl)
		return
	}
	for j, x := range ts {
		if x == nil {
			continue
		}
		if !x.SameShapeAs(saved[j]) || !sameBits(x.Data(), saved[j].Data()) {
			t.Errorf("%s (%T) %s: the rule modified tangent %d", n.op, n.impl, what, j)
		}
		if len(got.Data()) > 0 && len(x.Data()) > 0 && unsafe.SliceData(got.Data()) == unsafe.SliceData(x.Data()) {
			t.Errorf("%s (%T) %s: the rule returned tangent %d's memory", n.op, n.impl, what, j)
		}
	}
	if !got.SameShapeAs(want) || !got.SameShapeAs(v.value) {
		t.Errorf("%s (%T) %s: rule's tangent shape %v, generic %v, output %v", n.op, n.impl, what, got.Shape(), want.Shape(), v.value.Shape())
		return
	}
	if i, ok := tol.agree(got.Data(), want.Data()); !ok {
		t.Errorf("%s (%T) %s: element %d: rule %.17g, generic %.17g", n.op, n.impl, what, i, got.Data()[i], want.Data()[i])
	}
}

// agree reports whether got is within tol of want, and otherwise the first
// element that is not.
func (tol jvpTol) agree(got, want []float64) (int, bool) {
	scale := 1.0
	for _, w := range want {
		if !math.IsNaN(w) && !math.IsInf(w, 0) {
			scale = math.Max(scale, math.Abs(w))
		}
	}
	for i, w := range want {
		g := got[i]
		if tol.nan && math.IsNaN(g) && math.IsNaN(w) || tol.inf && math.IsInf(w, 0) && g == w {
			continue
		}
		if !(math.Abs(g-w) <= tol.rel*math.Min(scale, 1+math.Abs(w))) {
			return i, false
		}
	}
	return 0, true
}

// checkRuleSubsets compares v's node's own rule with genericJVP for every
// non-empty set of the inputs that require a gradient having a random
// tangent in [-1, 1) (the others nil: a nil tangent must contribute
// nothing), with checkRuleTangents. It returns the number of sets
// compared: 0 when v does not require a gradient. A node without a rule
// of its own is an error.
func checkRuleSubsets(t *testing.T, rng *rand.Rand, v *Var[float64], tol jvpTol) int {
	t.Helper()
	n := v.node
	if ownRule(n) == nil {
		t.Errorf("%s (%T): no forward rule of its own", n.op, n.impl)
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
		for b, j := range moving {
			if set&(1<<b) != 0 {
				ts[j] = tensor.RandUniform(rng, -1.0, 1.0, n.inputs[j].value.Shape()...)
			}
		}
		checkRuleTangents(t, v, ts, tol, "tangents "+tangentSet(ts))
		checked++
	}
	return checked
}

// tangentSet spells which inputs have a tangent: "{0,2}".
func tangentSet(ts []*tensor.Tensor[float64]) string {
	var b strings.Builder
	b.WriteByte('{')
	for j, x := range ts {
		if x != nil {
			if b.Len() > 1 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(j))
		}
	}
	b.WriteByte('}')
	return b.String()
}

// walkNodes calls fn once for each Var with a node reachable from roots,
// inputs before the Vars they make.
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

// sameBits reports whether a and b hold the same values, bit for bit.
func sameBits(a, b []float64) bool {
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return len(a) == len(b)
}

// TestJVPTolAgree pins the criterion of jvpTol: relative to the largest
// finite element and to the element itself, whichever is tighter, and
// NaN and infinities only where asked for.
func TestJVPTolAgree(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for i, c := range []struct {
		tol       jvpTol
		got, want []float64
		ok        bool
	}{
		{jvpTol{rel: 1e-12}, []float64{1, -2}, []float64{1, -2}, true},
		{jvpTol{rel: 1e-12}, []float64{1e6 + 5e-7, 3}, []float64{1e6, 3}, true},
		{jvpTol{rel: 1e-12}, []float64{1e6, 3 + 1e-9}, []float64{1e6, 3}, false},       // tight for a small element beside a large one
		{jvpTol{rel: 1e-12}, []float64{0.5 + 1.2e-12}, []float64{0.5}, false},          // and never looser than max(1, max |want|)
		{jvpTol{rel: 1e-10, inf: true}, []float64{inf, 1.5}, []float64{inf, 1}, false}, // an infinity does not widen the scale
		{jvpTol{rel: 1e-10, inf: true}, []float64{-inf, 1}, []float64{-inf, 1}, true},
		{jvpTol{rel: 1e-10}, []float64{inf, 1}, []float64{inf, 1}, false},
		{jvpTol{rel: 1e-10, nan: true}, []float64{nan, 1}, []float64{nan, 1}, true},
		{jvpTol{rel: 1e-10, inf: true}, []float64{nan, 1}, []float64{nan, 1}, false},
		{jvpTol{rel: 1e-10, nan: true}, []float64{1, 1}, []float64{nan, 1}, false},
	} {
		if _, ok := c.tol.agree(c.got, c.want); ok != c.ok {
			t.Errorf("case %d: agree(%v, %v) = %v, want %v", i, c.got, c.want, ok, c.ok)
		}
	}
}
