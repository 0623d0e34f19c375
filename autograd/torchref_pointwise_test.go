package autograd_test

import (
	"encoding/json"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
)

// torchRefExtPointwise maps the ops of gen_pointwise.py's cases (torchref_pointwise.json)
// to their Adjoint computation (see torchRefExtOp). Its ops without
// parameters need no entry: torchRefOpFor takes them from the op table.
var torchRefExtPointwise = map[string]torchRefExtOp{
	"Hardtanh": oneExt(func(t *testing.T, x []*V, raw json.RawMessage) *V {
		p := decodeTorchRefParams[struct {
			MinVal float64 `json:"min_val"`
			MaxVal float64 `json:"max_val"`
		}](t, raw)
		return autograd.Hardtanh(x[0], p.MinVal, p.MaxVal)
	}),
	"CELU": oneExt(func(t *testing.T, x []*V, raw json.RawMessage) *V {
		p := decodeTorchRefParams[struct {
			Alpha float64 `json:"alpha"`
		}](t, raw)
		return autograd.CELU(x[0], p.Alpha)
	}),
}
