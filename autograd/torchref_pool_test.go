package autograd_test

import (
	"encoding/json"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// torchRefPoolParams are the parameters of gen_pool.py's cases, in the Go
// ops' conventions.
type torchRefPoolParams struct {
	Kernel          [2]int     `json:"kernel"`
	Stride          [2]int     `json:"stride"`
	Padding         [2]int     `json:"padding"`
	Dilation        [2]int     `json:"dilation"`
	CeilMode        bool       `json:"ceil_mode"`
	ExcludePad      bool       `json:"exclude_pad"`
	DivisorOverride int        `json:"divisor_override"`
	OutputSize      [2]int     `json:"output_size"`
	Size            [2]int     `json:"size"`
	Scale           [2]float64 `json:"scale"`
	Mode            string     `json:"mode"`
	AlignCorners    bool       `json:"align_corners"`
	Widths          [][2]int   `json:"widths"`
	Value           float64    `json:"value"`
}

// indicesVar returns an index array as a constant of float64s, the form
// torch's int64 indices take in the reference file.
func indicesVar(idx *tensor.Index) *V {
	d := make([]float64, idx.Len())
	for i, v := range idx.Data() {
		d[i] = float64(v)
	}
	return autograd.Const(tensor.MustNew(d, idx.Shape()...))
}

// indexOf reads a constant input of float64 indices as an index array.
func indexOf(x *V) *tensor.Index {
	v := x.Value()
	d := make([]int, v.Len())
	for i, f := range v.Data() {
		d[i] = int(f)
	}
	return tensor.MustIndex(d, v.Shape()...)
}

// torchRefExtPool maps the ops of gen_pool.py's cases (torchref_pool.json)
// to their Adjoint computation (see torchRefExtOp).
var torchRefExtPool = map[string]torchRefExtOp{
	"MaxPool2DWith": func(t *testing.T, x []*V, raw json.RawMessage) []*V {
		p := decodeTorchRefParams[torchRefPoolParams](t, raw)
		y, idx := autograd.MaxPool2DWith(x[0], autograd.Pool2DOptions{
			Kernel: p.Kernel, Stride: p.Stride, Padding: p.Padding, Dilation: p.Dilation, CeilMode: p.CeilMode})
		return []*V{y, indicesVar(idx)}
	},
	"AvgPool2DWith": oneExt(func(t *testing.T, x []*V, raw json.RawMessage) *V {
		p := decodeTorchRefParams[torchRefPoolParams](t, raw)
		return autograd.AvgPool2DWith(x[0], autograd.AvgPool2DOptions{Kernel: p.Kernel, Stride: p.Stride, Padding: p.Padding,
			CeilMode: p.CeilMode, ExcludePad: p.ExcludePad, DivisorOverride: p.DivisorOverride})
	}),
	"AdaptiveAvgPool2D": oneExt(func(t *testing.T, x []*V, raw json.RawMessage) *V {
		p := decodeTorchRefParams[torchRefPoolParams](t, raw)
		return autograd.AdaptiveAvgPool2D(x[0], p.Size[0], p.Size[1])
	}),
	"AdaptiveMaxPool2D": func(t *testing.T, x []*V, raw json.RawMessage) []*V {
		p := decodeTorchRefParams[torchRefPoolParams](t, raw)
		y, idx := autograd.AdaptiveMaxPool2D(x[0], p.Size[0], p.Size[1])
		return []*V{y, indicesVar(idx)}
	},
	"MaxUnpool2D": oneExt(func(t *testing.T, x []*V, raw json.RawMessage) *V {
		p := decodeTorchRefParams[torchRefPoolParams](t, raw)
		return autograd.MaxUnpool2D(x[0], indexOf(x[1]), autograd.Unpool2DOptions{
			Kernel: p.Kernel, Stride: p.Stride, Padding: p.Padding, OutputSize: p.OutputSize})
	}),
	"Interpolate": oneExt(func(t *testing.T, x []*V, raw json.RawMessage) *V {
		p := decodeTorchRefParams[torchRefPoolParams](t, raw)
		return autograd.Interpolate(x[0], autograd.InterpolateOptions{
			Size: p.Size, ScaleFactor: p.Scale, Mode: autograd.InterpMode(p.Mode), AlignCorners: p.AlignCorners})
	}),
	"PadWith": oneExt(func(t *testing.T, x []*V, raw json.RawMessage) *V {
		p := decodeTorchRefParams[torchRefPoolParams](t, raw)
		return autograd.PadWith(x[0], p.Widths, autograd.PadMode(p.Mode), p.Value)
	}),
}
