package autograd_test

import (
	"encoding/json"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
)

// torchRefExtConv maps the ops of gen_conv.py's cases (torchref_conv.json)
// to their Adjoint computation (see torchRefExtOp).
var torchRefExtConv = map[string]torchRefExtOp{
	"Conv1D": oneExt(func(t *testing.T, x []*V, raw json.RawMessage) *V {
		p := decodeTorchRefParams[struct {
			Stride   int `json:"stride"`
			Padding  int `json:"padding"`
			Dilation int `json:"dilation"`
			Groups   int `json:"groups"`
		}](t, raw)
		return autograd.Conv1D(x[0], x[1], torchRefBias(x), autograd.Conv1DOptions{
			Stride: p.Stride, Padding: p.Padding, Dilation: p.Dilation, Groups: p.Groups})
	}),
	"ConvTranspose2D": oneExt(func(t *testing.T, x []*V, raw json.RawMessage) *V {
		p := decodeTorchRefParams[struct {
			Stride        [2]int `json:"stride"`
			Padding       [2]int `json:"padding"`
			OutputPadding [2]int `json:"output_padding"`
			Dilation      [2]int `json:"dilation"`
			Groups        int    `json:"groups"`
		}](t, raw)
		return autograd.ConvTranspose2D(x[0], x[1], torchRefBias(x), autograd.ConvTranspose2DOptions{
			Stride: p.Stride, Padding: p.Padding, OutputPadding: p.OutputPadding, Dilation: p.Dilation, Groups: p.Groups})
	}),
}

// torchRefBias returns a convolution case's third input, its bias, or nil
// for a case without one.
func torchRefBias(x []*V) *V {
	if len(x) > 2 {
		return x[2]
	}
	return nil
}
