package autograd_test

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// torchRefExtBinary maps the ops of gen_binary.py's cases (torchref_binary.json)
// to their Adjoint computation (see torchRefExtOp). The compare family's
// ops return masks, which torch's bools (written as 0s and 1s) are
// compared with as 1s and 0s; masks given as inputs are 0s and 1s, read
// as x != 0 (as torch reads them).
var torchRefExtBinary = map[string]torchRefExtOp{
	"Atan2":     binaryExt(autograd.Atan2[float64]),
	"Mod":       binaryExt(autograd.Mod[float64]),
	"Fmod":      binaryExt(autograd.Fmod[float64]),
	"FloorDiv":  binaryExt(autograd.FloorDiv[float64]),
	"Copysign":  binaryExt(autograd.Copysign[float64]),
	"LogAddExp": binaryExt(autograd.LogAddExp[float64]),
	"Lerp": oneExt(func(_ *testing.T, x []*V, _ json.RawMessage) *V {
		return autograd.Lerp(x[0], x[1], x[2])
	}),
	"MaskedFill": oneExt(func(t *testing.T, x []*V, raw json.RawMessage) *V {
		p := decodeTorchRefParams[struct {
			Mask      []bool  `json:"mask"`
			MaskShape []int   `json:"mask_shape"`
			Value     float64 `json:"value"`
		}](t, raw)
		return autograd.MaskedFill(x[0], tensor.MustMask(p.Mask, p.MaskShape...), p.Value)
	}),

	"Dropout": oneExt(func(t *testing.T, x []*V, raw json.RawMessage) *V {
		p := decodeTorchRefParams[struct {
			P     float64 `json:"p"`
			Seed1 uint64  `json:"seed1"`
			Seed2 uint64  `json:"seed2"`
		}](t, raw)
		return autograd.Dropout(x[0], p.P, rand.New(rand.NewPCG(p.Seed1, p.Seed2)))
	}),

	"Equal":        compareExt(autograd.Equal[float64]),
	"NotEqual":     compareExt(autograd.NotEqual[float64]),
	"Less":         compareExt(autograd.Less[float64]),
	"LessEqual":    compareExt(autograd.LessEqual[float64]),
	"Greater":      compareExt(autograd.Greater[float64]),
	"GreaterEqual": compareExt(autograd.GreaterEqual[float64]),
	"LogicalAnd": maskExt(func(_ *testing.T, x []*V, _ json.RawMessage) *tensor.Mask {
		return tensor.LogicalAnd(flagsOf(x[0]), flagsOf(x[1]))
	}),
	"LogicalOr": maskExt(func(_ *testing.T, x []*V, _ json.RawMessage) *tensor.Mask {
		return tensor.LogicalOr(flagsOf(x[0]), flagsOf(x[1]))
	}),
	"LogicalNot": maskExt(func(_ *testing.T, x []*V, _ json.RawMessage) *tensor.Mask {
		return tensor.LogicalNot(flagsOf(x[0]))
	}),
	"Any": maskExt(func(t *testing.T, x []*V, raw json.RawMessage) *tensor.Mask {
		return tensor.Any(flagsOf(x[0]), decodeTorchRefParams[axesParams](t, raw).Axes...)
	}),
	"All": maskExt(func(t *testing.T, x []*V, raw json.RawMessage) *tensor.Mask {
		return tensor.All(flagsOf(x[0]), decodeTorchRefParams[axesParams](t, raw).Axes...)
	}),
	"IsNaN":    maskExt(func(_ *testing.T, x []*V, _ json.RawMessage) *tensor.Mask { return autograd.IsNaN(x[0]) }),
	"IsInf":    maskExt(func(_ *testing.T, x []*V, _ json.RawMessage) *tensor.Mask { return autograd.IsInf(x[0]) }),
	"IsFinite": maskExt(func(_ *testing.T, x []*V, _ json.RawMessage) *tensor.Mask { return autograd.IsFinite(x[0]) }),
	"IsClose": maskExt(func(t *testing.T, x []*V, raw json.RawMessage) *tensor.Mask {
		p := decodeTorchRefParams[struct {
			Rtol     float64 `json:"rtol"`
			Atol     float64 `json:"atol"`
			EqualNaN bool    `json:"equal_nan"`
		}](t, raw)
		return autograd.IsClose(x[0], x[1], p.Rtol, p.Atol, p.EqualNaN)
	}),
}

// axesParams are the parameters of the Any and All cases.
type axesParams struct {
	Axes []int `json:"axes"`
}

func binaryExt(f func(a, b *V) *V) torchRefExtOp {
	return oneExt(func(_ *testing.T, x []*V, _ json.RawMessage) *V { return f(x[0], x[1]) })
}

// maskExt adapts an op that returns a mask: its result as 1s and 0s.
func maskExt(f func(t *testing.T, x []*V, raw json.RawMessage) *tensor.Mask) torchRefExtOp {
	return oneExt(func(t *testing.T, x []*V, raw json.RawMessage) *V {
		return autograd.Const(tensor.FromMask[float64](f(t, x, raw)))
	})
}

func compareExt(f func(a, b *V) *tensor.Mask) torchRefExtOp {
	return maskExt(func(_ *testing.T, x []*V, _ json.RawMessage) *tensor.Mask { return f(x[0], x[1]) })
}

// flagsOf reads a case's input of 0s and 1s as a mask: x != 0.
func flagsOf(x *V) *tensor.Mask { return autograd.NotEqual(x, autograd.Scalar(0.0)) }
