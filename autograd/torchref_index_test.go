package autograd_test

import (
	"encoding/json"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// torchRefIndexParams are the parameters of gen_index.py's cases: indices
// as nested JSON lists, turned into *tensor.Index with their shape.
type torchRefIndexParams struct {
	Axis        int             `json:"axis"`
	Index       json.RawMessage `json:"index"`
	Reduce      string          `json:"reduce"`
	IncludeSelf bool            `json:"include_self"`
	Alpha       float64         `json:"alpha"`
	Mask        json.RawMessage `json:"mask"`
	Arrays      []any           `json:"arrays"`
	Size        int             `json:"size"`
	Step        int             `json:"step"`
	Descending  bool            `json:"descending"`
}

// torchRefNested flattens a nested JSON list into its values and shape.
func torchRefNested(t *testing.T, v any) (flat []any, shape []int) {
	t.Helper()
	l, ok := v.([]any)
	if !ok {
		return []any{v}, nil
	}
	for i, e := range l {
		f, s := torchRefNested(t, e)
		if i == 0 {
			shape = append([]int{len(l)}, s...)
		}
		flat = append(flat, f...)
	}
	if len(l) == 0 {
		shape = []int{0}
	}
	return flat, shape
}

// torchRefIndex turns a nested list of ints into an Index.
func torchRefIndex(t *testing.T, v any) *tensor.Index {
	t.Helper()
	flat, shape := torchRefNested(t, v)
	data := make([]int, len(flat))
	for i, e := range flat {
		data[i] = int(e.(float64))
	}
	return tensor.MustIndex(data, shape...)
}

func torchRefIndexRaw(t *testing.T, raw json.RawMessage) *tensor.Index {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return torchRefIndex(t, v)
}

// torchRefMask turns a nested list of bools into a Mask.
func torchRefMask(t *testing.T, raw json.RawMessage) *tensor.Mask {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	flat, shape := torchRefNested(t, v)
	data := make([]bool, len(flat))
	for i, e := range flat {
		data[i] = e.(bool)
	}
	return tensor.MustMask(data, shape...)
}

func indexRef(f func(t *testing.T, x []*V, p torchRefIndexParams) *V) torchRefExtOp {
	return oneExt(func(t *testing.T, x []*V, raw json.RawMessage) *V {
		return f(t, x, decodeTorchRefParams[torchRefIndexParams](t, raw))
	})
}

// torchRefExtIndex maps the ops of gen_index.py's cases (torchref_index.json)
// to their Adjoint computation (see torchRefExtOp). Its Slice cases (negative
// steps) run through the core table's Slice.
var torchRefExtIndex = map[string]torchRefExtOp{
	"Gather": indexRef(func(t *testing.T, x []*V, p torchRefIndexParams) *V {
		return autograd.Gather(x[0], p.Axis, torchRefIndexRaw(t, p.Index))
	}),
	"Scatter": indexRef(func(t *testing.T, x []*V, p torchRefIndexParams) *V {
		return autograd.Scatter(x[0], p.Axis, torchRefIndexRaw(t, p.Index), x[1])
	}),
	"ScatterAdd": indexRef(func(t *testing.T, x []*V, p torchRefIndexParams) *V {
		return autograd.ScatterAdd(x[0], p.Axis, torchRefIndexRaw(t, p.Index), x[1])
	}),
	"ScatterReduce": indexRef(func(t *testing.T, x []*V, p torchRefIndexParams) *V {
		return autograd.ScatterReduce(x[0], p.Axis, torchRefIndexRaw(t, p.Index), x[1], p.Reduce, p.IncludeSelf)
	}),
	"IndexAdd": indexRef(func(t *testing.T, x []*V, p torchRefIndexParams) *V {
		return autograd.IndexAdd(x[0], p.Axis, torchRefIndexRaw(t, p.Index), x[1], p.Alpha)
	}),
	"MaskedSelect": indexRef(func(t *testing.T, x []*V, p torchRefIndexParams) *V {
		return autograd.MaskedSelect(x[0], torchRefMask(t, p.Mask))
	}),
	"IndexArrays": indexRef(func(t *testing.T, x []*V, p torchRefIndexParams) *V {
		idx := make([]*tensor.Index, len(p.Arrays))
		for i, a := range p.Arrays {
			idx[i] = torchRefIndex(t, a)
		}
		return autograd.IndexArrays(x[0], idx...)
	}),
	"Unfold": indexRef(func(t *testing.T, x []*V, p torchRefIndexParams) *V {
		return autograd.Unfold(x[0], p.Axis, p.Size, p.Step)
	}),
	"Argsort": indexRef(func(t *testing.T, x []*V, p torchRefIndexParams) *V {
		idx := autograd.Argsort(x[0], p.Axis, p.Descending)
		d := make([]float64, idx.Len())
		for i, v := range idx.Data() {
			d[i] = float64(v)
		}
		return autograd.Const(tensor.MustNew(d, idx.Shape()...))
	}),
}
