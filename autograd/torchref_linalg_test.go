package autograd_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
)

// torchRefLinalgParams are the parameters of gen_linalg.py's cases.
type torchRefLinalgParams struct {
	Subscripts string          `json:"subscripts"`
	P          json.RawMessage `json:"p"` // a number, or "inf" / "-inf"
	Axes       []int           `json:"axes"`
}

// order returns the norm's order p.
func (p torchRefLinalgParams) order(t *testing.T) float64 {
	t.Helper()
	var s string
	if json.Unmarshal(p.P, &s) == nil {
		switch s {
		case "inf":
			return math.Inf(1)
		case "-inf":
			return math.Inf(-1)
		}
		t.Fatalf("norm order %q", s)
	}
	var v float64
	if err := json.Unmarshal(p.P, &v); err != nil {
		t.Fatalf("norm order %s: %v", p.P, err)
	}
	return v
}

// torchRefExtLinalg maps the ops of gen_linalg.py's cases (torchref_linalg.json)
// to their Adjoint computation (see torchRefExtOp).
var torchRefExtLinalg = map[string]torchRefExtOp{
	"Einsum": oneExt(func(t *testing.T, x []*V, raw json.RawMessage) *V {
		return autograd.Einsum(decodeTorchRefParams[torchRefLinalgParams](t, raw).Subscripts, x...)
	}),
	"Norm": oneExt(func(t *testing.T, x []*V, raw json.RawMessage) *V {
		p := decodeTorchRefParams[torchRefLinalgParams](t, raw)
		return autograd.Norm(x[0], p.order(t), p.Axes...)
	}),
	"NormKeepDims": oneExt(func(t *testing.T, x []*V, raw json.RawMessage) *V {
		p := decodeTorchRefParams[torchRefLinalgParams](t, raw)
		return autograd.NormKeepDims(x[0], p.order(t), p.Axes...)
	}),
	"Dot":   oneExt(func(_ *testing.T, x []*V, _ json.RawMessage) *V { return autograd.Dot(x[0], x[1]) }),
	"Outer": oneExt(func(_ *testing.T, x []*V, _ json.RawMessage) *V { return autograd.Outer(x[0], x[1]) }),
	"Trace": oneExt(func(_ *testing.T, x []*V, _ json.RawMessage) *V { return autograd.Trace(x[0]) }),
}
