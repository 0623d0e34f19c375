package layers_test

import (
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/internal/allocs"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestEveryModuleAppendsParameters checks, for every module type of the
// package, that it implements ParameterAppender, that AppendParameters
// lists exactly what Parameters and NamedParameters list, in their order,
// after what dst holds, and that appending into a kept slice allocates
// nothing at all (over a thousand calls).
func TestEveryModuleAppendsParameters(t *testing.T) {
	for _, r := range everyModule() {
		t.Run(r.name, func(t *testing.T) {
			m, _ := r.build()
			if _, ok := m.(layers.ParameterAppender[float32]); !ok {
				t.Errorf("%T does not implement ParameterAppender", m)
			}
			var named []*autograd.Var[float32]
			for _, np := range m.NamedParameters() {
				named = append(named, np.Param)
			}
			ps := layers.AppendParameters(nil, m)
			if !samePtrs(ps, named) || !samePtrs(m.Parameters(), named) {
				t.Fatalf("AppendParameters lists %d parameters, Parameters %d, NamedParameters %d: want the same list in the same order",
					len(ps), len(m.Parameters()), len(named))
			}
			pre := autograd.Param(tensor.Ones[float32](1))
			if got := layers.AppendParameters([]*autograd.Var[float32]{pre}, m); got[0] != pre || !samePtrs(got[1:], named) {
				t.Errorf("AppendParameters does not append after dst's elements")
			}
			if underRace {
				return // the race detector's instrumentation allocates
			}
			if n := allocs.Count(1000, func() { ps = layers.AppendParameters(ps[:0], m) }); n != 0 {
				t.Errorf("1000 calls of AppendParameters into a kept slice allocate %d times, want 0", n)
			}
		})
	}
}
