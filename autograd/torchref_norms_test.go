package autograd_test

import (
	"encoding/json"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// normRefParams are the parameters of gen_norms.py's cases.
type normRefParams struct {
	Eps            float64   `json:"eps"`
	Momentum       float64   `json:"momentum"`
	RunningMean    []float64 `json:"running_mean"`
	RunningVar     []float64 `json:"running_var"`
	Groups         int       `json:"groups"`
	NormalizedDims int       `json:"normalized_dims"`
}

// running returns the initial running mean and variance of a case for c
// channels: its own, or zeros and ones (a new layer's).
func (p normRefParams) running(c int) (mean, variance *tensor.Tensor[float64]) {
	mean, variance = tensor.Zeros[float64](c), tensor.Ones[float64](c)
	if p.RunningMean != nil {
		mean = tensor.MustNew(append([]float64(nil), p.RunningMean...), c)
	}
	if p.RunningVar != nil {
		variance = tensor.MustNew(append([]float64(nil), p.RunningVar...), c)
	}
	return mean, variance
}

// normWB returns the weight and bias inputs of a case, nil when absent.
func normWB(x []*V) (w, b *V) {
	if len(x) > 1 {
		w = x[1]
	}
	if len(x) > 2 {
		b = x[2]
	}
	return w, b
}

// torchRefExtNorms maps the ops of gen_norms.py's cases
// (torchref_norms.json) to their Adjoint computation (see torchRefExtOp).
// BatchNorm's case is a training step of a BatchNorm layer: its outputs
// are y and the running statistics updated with the batch mean and the
// unbiased batch variance, as the layers package updates them.
var torchRefExtNorms = map[string]torchRefExtOp{
	"BatchNorm": func(t *testing.T, x []*V, raw json.RawMessage) []*V {
		p := decodeTorchRefParams[normRefParams](t, raw)
		w, b := normWB(x)
		y, mean, variance := autograd.BatchNorm(x[0], w, b, p.Eps)
		rm, rv := p.running(x[0].Shape()[1])
		m := p.Momentum
		rmd, rvd := rm.Data(), rv.Data()
		for c := range rmd {
			rmd[c] = (1-m)*rmd[c] + m*mean.Data()[c]
			rvd[c] = (1-m)*rvd[c] + m*variance.Data()[c]
		}
		return []*V{y, autograd.Const(rm), autograd.Const(rv)}
	},
	"BatchNormEval": oneExt(func(t *testing.T, x []*V, raw json.RawMessage) *V {
		p := decodeTorchRefParams[normRefParams](t, raw)
		w, b := normWB(x)
		rm, rv := p.running(x[0].Shape()[1])
		return autograd.BatchNormEval(x[0], rm, rv, w, b, p.Eps)
	}),
	"GroupNorm": oneExt(func(t *testing.T, x []*V, raw json.RawMessage) *V {
		p := decodeTorchRefParams[normRefParams](t, raw)
		w, b := normWB(x)
		return autograd.GroupNorm(x[0], p.Groups, w, b, p.Eps)
	}),
	"RMSNorm": oneExt(func(t *testing.T, x []*V, raw json.RawMessage) *V {
		p := decodeTorchRefParams[normRefParams](t, raw)
		w, _ := normWB(x)
		return autograd.RMSNorm(x[0], p.NormalizedDims, w, p.Eps)
	}),
}
