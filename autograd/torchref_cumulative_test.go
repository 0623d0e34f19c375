package autograd_test

import (
	"encoding/json"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// cumParams are the parameters of gen_cumulative.py's cases.
type cumParams struct {
	Axis       int   `json:"axis"`
	Axes       []int `json:"axes"`
	Descending bool  `json:"descending"`
	K          int   `json:"k"`
	Largest    bool  `json:"largest"`
	Shifts     []int `json:"shifts"`
	Offset     int   `json:"offset"`
	Axis1      int   `json:"axis1"`
	Axis2      int   `json:"axis2"`
	Reps       []int `json:"reps"`
	Repeats    int   `json:"repeats"`
	Each       []int `json:"each"`
}

// cumRef adapts a single-output op of the cumulative family.
func cumRef(f func(x *V, p cumParams) *V) torchRefExtOp {
	return oneExt(func(t *testing.T, x []*V, raw json.RawMessage) *V {
		return f(x[0], decodeTorchRefParams[cumParams](t, raw))
	})
}

// withIndices adapts an op that returns values and indices: the indices
// become a second, constant output of float64s, as the torch side writes
// them.
func withIndices(f func(x *V, p cumParams) (*V, *tensor.Index)) torchRefExtOp {
	return func(t *testing.T, x []*V, raw json.RawMessage) []*V {
		v, idx := f(x[0], decodeTorchRefParams[cumParams](t, raw))
		d := make([]float64, idx.Len())
		for i, p := range idx.Data() {
			d[i] = float64(p)
		}
		return []*V{v, autograd.Const(tensor.MustNew(d, idx.Shape()...))}
	}
}

// torchRefExtCumulative maps the ops of gen_cumulative.py's cases (torchref_cumulative.json)
// to their Adjoint computation (see torchRefExtOp).
var torchRefExtCumulative = map[string]torchRefExtOp{
	"Cumsum":       cumRef(func(x *V, p cumParams) *V { return autograd.Cumsum(x, p.Axis) }),
	"Cumprod":      cumRef(func(x *V, p cumParams) *V { return autograd.Cumprod(x, p.Axis) }),
	"LogCumSumExp": cumRef(func(x *V, p cumParams) *V { return autograd.LogCumSumExp(x, p.Axis) }),
	"Prod":         cumRef(func(x *V, p cumParams) *V { return autograd.Prod(x, p.Axes...) }),
	"Cummax":       withIndices(func(x *V, p cumParams) (*V, *tensor.Index) { return autograd.Cummax(x, p.Axis) }),
	"Cummin":       withIndices(func(x *V, p cumParams) (*V, *tensor.Index) { return autograd.Cummin(x, p.Axis) }),
	"Sort": withIndices(func(x *V, p cumParams) (*V, *tensor.Index) {
		return autograd.Sort(x, p.Axis, p.Descending)
	}),
	"TopK": withIndices(func(x *V, p cumParams) (*V, *tensor.Index) {
		return autograd.TopK(x, p.K, p.Axis, p.Largest)
	}),
	"Flip":     cumRef(func(x *V, p cumParams) *V { return autograd.Flip(x, p.Axes...) }),
	"Roll":     cumRef(func(x *V, p cumParams) *V { return autograd.Roll(x, p.Shifts, p.Axes) }),
	"Tril":     cumRef(func(x *V, p cumParams) *V { return autograd.Tril(x, p.K) }),
	"Triu":     cumRef(func(x *V, p cumParams) *V { return autograd.Triu(x, p.K) }),
	"Diagonal": cumRef(func(x *V, p cumParams) *V { return autograd.Diagonal(x, p.Offset, p.Axis1, p.Axis2) }),
	"Repeat":   cumRef(func(x *V, p cumParams) *V { return autograd.Repeat(x, p.Reps...) }),
	"RepeatInterleave": cumRef(func(x *V, p cumParams) *V {
		return autograd.RepeatInterleave(x, p.Repeats, p.Axis)
	}),
	"RepeatInterleaveEach": cumRef(func(x *V, p cumParams) *V {
		return autograd.RepeatInterleaveEach(x, p.Each, p.Axis)
	}),
}
