package parallel_test

import (
	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/parallel/internal/digitsnet"
	"github.com/adjoint-go/adjoint/tensor"
)

// sometimes is a model with a parameter that only micro-batches of 7 rows
// use: with 8 workers, most replicas never see a gradient for it.
type sometimes struct {
	*layers.Sequential[float32]
	extra *autograd.Var[float32]
}

func (s *sometimes) Forward(x *autograd.Var[float32]) *autograd.Var[float32] {
	out := s.Sequential.Forward(x)
	if x.Value().Dim(0) == 7 {
		out = autograd.Add(out, s.extra)
	}
	return out
}

func (s *sometimes) Parameters() []*autograd.Var[float32] {
	return append(s.Sequential.Parameters(), s.extra)
}

func (s *sometimes) NamedParameters() []layers.NamedParam[float32] {
	return append(s.Sequential.NamedParameters(), layers.NamedParam[float32]{Name: "extra", Param: s.extra})
}

func tensorOnes(n int) *tensor.Tensor[float32] { return tensor.Ones[float32](n) }

func sometimesMLP(seed uint64) (layers.Module[float32], error) {
	m, err := digitsnet.MLP(seed)
	if err != nil {
		return nil, err
	}
	return &sometimes{Sequential: m.(*layers.Sequential[float32]), extra: autograd.Param(tensorOnes(10))}, nil
}
