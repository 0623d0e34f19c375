package autograd_test

import (
	"encoding/json"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// lossRefParams are the parameters of gen_loss.py's cases.
type lossRefParams struct {
	Reduction      *string   `json:"reduction"` // "mean", "sum", "none", "batchmean"; absent: the default
	Labels         []int     `json:"labels"`
	Weight         []float64 `json:"weight"`
	WeightShape    []int     `json:"weight_shape"`
	PosWeight      []float64 `json:"pos_weight"`
	PosWeightShape []int     `json:"pos_weight_shape"`
	IgnoreIndex    *int      `json:"ignore_index"`
	LabelSmoothing float64   `json:"label_smoothing"`
	LogTarget      bool      `json:"log_target"`
	Beta           float64   `json:"beta"`
	Margin         float64   `json:"margin"`
	P              float64   `json:"p"`
	Eps            float64   `json:"eps"`
	Swap           bool      `json:"swap"`
	Axis           int       `json:"axis"`
	Y              []int     `json:"y"`
	LogInput       bool      `json:"log_input"`
	Full           bool      `json:"full"`
}

// red returns the reduction, ReduceMean when absent.
func (p lossRefParams) red(t *testing.T) autograd.Reduction {
	if p.Reduction == nil {
		return autograd.ReduceMean
	}
	r, ok := map[string]autograd.Reduction{
		"mean": autograd.ReduceMean, "sum": autograd.ReduceSum, "none": autograd.ReduceNone, "batchmean": autograd.ReduceBatchMean,
	}[*p.Reduction]
	if !ok {
		t.Fatalf("unknown reduction %q", *p.Reduction)
	}
	return r
}

// tensorOf returns data reshaped to shape ([len(data)] when shape is nil),
// or nil for no data.
func lossRefTensor(data []float64, shape []int) *tensor.Tensor[float64] {
	if data == nil {
		return nil
	}
	if shape == nil {
		shape = []int{len(data)}
	}
	return tensor.MustNew(data, shape...)
}

// lossRef adapts a loss case reading lossRefParams.
func lossRef(f func(t *testing.T, x []*V, p lossRefParams) *V) torchRefExtOp {
	return oneExt(func(t *testing.T, x []*V, raw json.RawMessage) *V {
		return f(t, x, decodeTorchRefParams[lossRefParams](t, raw))
	})
}

func (p lossRefParams) ceOptions(t *testing.T) autograd.CrossEntropyOptions[float64] {
	return autograd.CrossEntropyOptions[float64]{
		Weight: lossRefTensor(p.Weight, p.WeightShape), IgnoreIndex: p.IgnoreIndex,
		LabelSmoothing: p.LabelSmoothing, Reduction: p.red(t),
	}
}

// torchRefExtLoss maps the ops of gen_loss.py's cases (torchref_loss.json)
// to their Adjoint computation (see torchRefExtOp).
var torchRefExtLoss = map[string]torchRefExtOp{
	"CrossEntropyWith": lossRef(func(t *testing.T, x []*V, p lossRefParams) *V {
		return autograd.CrossEntropyWith(x[0], p.Labels, p.ceOptions(t))
	}),
	"CrossEntropySoft": lossRef(func(t *testing.T, x []*V, p lossRefParams) *V {
		return autograd.CrossEntropySoft(x[0], x[1], p.ceOptions(t))
	}),
	"NLLWith": lossRef(func(t *testing.T, x []*V, p lossRefParams) *V {
		return autograd.NLLWith(x[0], p.Labels, autograd.NLLOptions[float64]{
			Weight: lossRefTensor(p.Weight, p.WeightShape), IgnoreIndex: p.IgnoreIndex, Reduction: p.red(t),
		})
	}),
	"BCEWithLogitsWith": lossRef(func(t *testing.T, x []*V, p lossRefParams) *V {
		return autograd.BCEWithLogitsWith(x[0], x[1], autograd.BCEWithLogitsOptions[float64]{
			Weight: lossRefTensor(p.Weight, p.WeightShape), PosWeight: lossRefTensor(p.PosWeight, p.PosWeightShape), Reduction: p.red(t),
		})
	}),
	"KLDiv": lossRef(func(t *testing.T, x []*V, p lossRefParams) *V {
		return autograd.KLDiv(x[0], x[1], p.LogTarget, p.red(t))
	}),
	"SmoothL1": lossRef(func(t *testing.T, x []*V, p lossRefParams) *V {
		return autograd.SmoothL1(x[0], x[1], p.Beta, p.red(t))
	}),
	"MarginRanking": lossRef(func(t *testing.T, x []*V, p lossRefParams) *V {
		return autograd.MarginRanking(x[0], x[1], x[2], p.Margin, p.red(t))
	}),
	"CosineSimilarity": lossRef(func(t *testing.T, x []*V, p lossRefParams) *V {
		return autograd.CosineSimilarity(x[0], x[1], p.Axis, p.Eps)
	}),
	"CosineEmbedding": lossRef(func(t *testing.T, x []*V, p lossRefParams) *V {
		return autograd.CosineEmbedding(x[0], x[1], p.Y, p.Margin, p.red(t))
	}),
	"TripletMargin": lossRef(func(t *testing.T, x []*V, p lossRefParams) *V {
		return autograd.TripletMargin(x[0], x[1], x[2], p.Margin, p.P, p.Eps, p.Swap, p.red(t))
	}),
	"PoissonNLL": lossRef(func(t *testing.T, x []*V, p lossRefParams) *V {
		return autograd.PoissonNLL(x[0], x[1], p.LogInput, p.Full, p.Eps, p.red(t))
	}),
	"GaussianNLL": lossRef(func(t *testing.T, x []*V, p lossRefParams) *V {
		return autograd.GaussianNLL(x[0], x[1], x[2], p.Full, p.Eps, p.red(t))
	}),
	"SoftMargin": lossRef(func(t *testing.T, x []*V, p lossRefParams) *V {
		return autograd.SoftMargin(x[0], x[1], p.red(t))
	}),
	"HingeEmbedding": lossRef(func(t *testing.T, x []*V, p lossRefParams) *V {
		return autograd.HingeEmbedding(x[0], x[1], p.Margin, p.red(t))
	}),
	"MultiLabelSoftMargin": lossRef(func(t *testing.T, x []*V, p lossRefParams) *V {
		return autograd.MultiLabelSoftMargin(x[0], x[1], lossRefTensor(p.Weight, p.WeightShape), p.red(t))
	}),
	"MultiMargin": lossRef(func(t *testing.T, x []*V, p lossRefParams) *V {
		return autograd.MultiMargin(x[0], p.Labels, int(p.P), p.Margin, lossRefTensor(p.Weight, p.WeightShape), p.red(t))
	}),
}
