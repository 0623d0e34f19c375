package autograd_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// This file cross-checks every op against PyTorch. The reference values in
// testdata/torchref/torchref.json come from testdata/torchref/gen.py (run
// with Debian's python3-torch; see the README there): for each case, the
// inputs, the outputs, the gradients of Σ sum(out ∘ W) for fixed weights W,
// and the Hessian-vector products d/dx Σ_i sum(g_i ∘ U_i) of those
// gradients. The test rebuilds every case with Adjoint and needs no Python.

// torchRefFiles matches the reference files: torchref.json for the ops of
// gen.py itself, torchref_<family>.json for those of gen_<family>.py.
const torchRefFiles = "testdata/torchref/torchref*.json"

// torchRefOptions is the comparison. Both sides compute in float64, so the
// only differences are rounding: another summation order (matmul, conv,
// reductions), another libm (exp, log, erf, tanh differ by an ulp or two),
// and formulas that are algebraically equal but evaluated differently
// (ELU's O + alpha against alpha·e^x, Std's x^0.5 against sqrt). Those stay
// around 1e-15 relative, growing only with the cancellation in a value; a
// relative 1e-9 leaves six orders of magnitude for that and still catches
// any wrong derivative, which is off by O(1). The absolute 1e-12 is for
// results that are 0 on one side and rounding noise on the other (a sum
// that cancels, a second derivative that vanishes): every input, weight and
// output here is of order 1, so noise is below 1e-14.
// NaN equals NaN: a case may test where an op makes or keeps one.
var torchRefOptions = cmp.Options{cmpopts.EquateApprox(1e-9, 1e-12), cmpopts.EquateEmpty(), cmpopts.EquateNaNs()}

// torchRef is the file gen.py writes.
type torchRef struct {
	Cases        []torchRefCase `json:"cases"`
	Generator    string         `json:"generator"`
	TorchVersion string         `json:"torch_version"`
}

type torchRefCase struct {
	Name   string          `json:"name"`
	Op     string          `json:"op"`
	Note   string          `json:"note"`
	Params json.RawMessage `json:"params"` // torchRefParams, or an extension op's own

	Inputs  []torchRefInput  `json:"inputs"`
	Outputs []torchRefTensor `json:"outputs"`
	// GradOutputs are the weights W, one per output; Grads the gradient of
	// Σ sum(out ∘ W) per input (nil for an input without a gradient).
	GradOutputs []torchRefTensor  `json:"grad_outputs"`
	Grads       []*torchRefTensor `json:"grads"`
	SecondOrder *struct {
		// U per input (nil where no gradient), and HVP the gradient of
		// Σ_i sum(g_i ∘ U_i) per input.
		U   []*torchRefTensor `json:"u"`
		HVP []*torchRefTensor `json:"hvp"`
	} `json:"second_order"`
	SecondOrderSkipped string `json:"second_order_skipped"`
}

type torchRefTensor struct {
	Shape []int        `json:"shape"`
	Data  torchRefData `json:"data"`
}

// torchRefData is a tensor's data: JSON numbers, and the strings "NaN",
// "Infinity" and "-Infinity" for the values JSON has no number for.
type torchRefData []float64

func (d *torchRefData) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*d = make(torchRefData, len(raw))
	for i, r := range raw {
		var s string
		if json.Unmarshal(r, &s) == nil {
			switch s {
			case "NaN":
				(*d)[i] = math.NaN()
			case "Infinity":
				(*d)[i] = math.Inf(1)
			case "-Infinity":
				(*d)[i] = math.Inf(-1)
			default:
				return fmt.Errorf("data[%d]: unknown value %q", i, s)
			}
			continue
		}
		if err := json.Unmarshal(r, &(*d)[i]); err != nil {
			return fmt.Errorf("data[%d]: %w", i, err)
		}
	}
	return nil
}

type torchRefInput struct {
	torchRefTensor
	Grad bool `json:"grad"` // Param when true, Const otherwise
}

// torchRefParams holds every op parameter a case may give; each op reads its
// own. Unknown keys are an error (see loadTorchRef), so a misspelt
// parameter cannot silently fall back to its zero value.
type torchRefParams struct {
	Axes       []int     `json:"axes"` // reductions (none: all axes), Permute, Squeeze
	Axis       int       `json:"axis"`
	Shape      []int     `json:"shape"`
	Delta      float64   `json:"delta"`
	Correction int       `json:"correction"`
	Reduction  *string   `json:"reduction"` // "mean", "sum", "none"; absent: the default
	Labels     []int     `json:"labels"`
	Mask       []bool    `json:"mask"`
	Ranges     [][3]*int `json:"ranges"` // [start, stop, step]; a null stop is tensor.End
	Widths     [][2]int  `json:"widths"`
	Value      float64   `json:"value"`
	Sizes      []int     `json:"sizes"`
	Indices    []int     `json:"indices"`
	TransA     bool      `json:"trans_a"`
	TransB     bool      `json:"trans_b"`
	Kernel     [2]int    `json:"kernel"`
	Stride     [2]int    `json:"stride"`
	Padding    [2]int    `json:"padding"`
	Dilation   [2]int    `json:"dilation"`
	Groups     int       `json:"groups"`
	Dims       int       `json:"dims"` // LayerNorm's normalized trailing axes
	Eps        float64   `json:"eps"`
	PaddingIdx int       `json:"padding_idx"` // EmbeddingPadded's
}

// reduction returns the loss reduction argument: none for the default.
func (p torchRefParams) reduction(t *testing.T) []autograd.Reduction {
	if p.Reduction == nil {
		return nil
	}
	switch *p.Reduction {
	case "mean":
		return []autograd.Reduction{autograd.ReduceMean}
	case "sum":
		return []autograd.Reduction{autograd.ReduceSum}
	case "none":
		return []autograd.Reduction{autograd.ReduceNone}
	}
	t.Fatalf("unknown reduction %q", *p.Reduction)
	return nil
}

// torchRefOp builds one case's computation from its inputs and parameters.
type torchRefOp func(t *testing.T, x []*V, p torchRefParams) []*V

// torchRefExtOp builds the computation of a case of a family's own file
// (torchref_<family>.json) from its inputs and its parameters as written;
// it reads them with decodeTorchRefParams into a struct of its own.
type torchRefExtOp func(t *testing.T, x []*V, raw json.RawMessage) []*V

// torchRefExtOps returns every family's extension ops, each family's map
// declared in its torchref_<family>_test.go.
func torchRefExtOps() map[string]torchRefExtOp {
	all := map[string]torchRefExtOp{}
	for _, fam := range []map[string]torchRefExtOp{
		torchRefExtBinary, torchRefExtCumulative, torchRefExtIndex,
		torchRefExtLinalg, torchRefExtConv, torchRefExtPool, torchRefExtLoss, torchRefExtAttention, torchRefExtNorms,
		torchRefExtRecurrent,
	} {
		maps.Copy(all, fam)
	}
	return all
}

// decodeTorchRefParams reads a case's parameters into P, failing on a key
// P does not have (so a misspelt parameter cannot fall back to its zero
// value).
func decodeTorchRefParams[P any](t *testing.T, raw json.RawMessage) P {
	t.Helper()
	var p P
	if len(raw) == 0 {
		return p
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("params %s: %v", raw, err)
	}
	return p
}

// oneExt adapts a single-output extension op.
func oneExt(f func(t *testing.T, x []*V, raw json.RawMessage) *V) torchRefExtOp {
	return func(t *testing.T, x []*V, raw json.RawMessage) []*V { return []*V{f(t, x, raw)} }
}

// one adapts a single-output op.
func one(f func(t *testing.T, x []*V, p torchRefParams) *V) torchRefOp {
	return func(t *testing.T, x []*V, p torchRefParams) []*V { return []*V{f(t, x, p)} }
}

func unaryRef(f func(*V) *V) torchRefOp {
	return one(func(_ *testing.T, x []*V, _ torchRefParams) *V { return f(x[0]) })
}

func binaryRef(f func(a, b *V) *V) torchRefOp {
	return one(func(_ *testing.T, x []*V, _ torchRefParams) *V { return f(x[0], x[1]) })
}

func axesRef(f func(*V, ...int) *V) torchRefOp {
	return one(func(_ *testing.T, x []*V, p torchRefParams) *V { return f(x[0], p.Axes...) })
}

func pairLossRef(f func(a, b *V, r ...autograd.Reduction) *V) torchRefOp {
	return one(func(t *testing.T, x []*V, p torchRefParams) *V { return f(x[0], x[1], p.reduction(t)...) })
}

func indicesRef(f func(*V, int) []int) torchRefOp {
	return one(func(_ *testing.T, x []*V, p torchRefParams) *V {
		idx := f(x[0], p.Axis)
		d := make([]float64, len(idx))
		for i, v := range idx {
			d[i] = float64(v)
		}
		return autograd.Const(t64(d, len(d)))
	})
}

// torchRefOpFor returns the Adjoint computation of a case's op: for a
// pointwise op of the op table, the op as the table declares it, at the
// case's parameters (named as the op's OpInfo.Params; those a case leaves
// out take the table's Args), so that a new pointwise op needs no entry
// here; otherwise its entry in torchRefOps or in a family's extension ops.
func torchRefOpFor(name string) (torchRefExtOp, bool) {
	for _, op := range autograd.Ops() {
		if op.Name == name && op.Family == autograd.FamilyPointwise {
			return func(t *testing.T, x []*V, raw json.RawMessage) []*V {
				return []*V{autograd.PointwiseWith(op.Name, pointwiseArgs(t, op, raw)...)(x[0])}
			}, true
		}
	}
	if f, ok := torchRefOps[name]; ok {
		return func(t *testing.T, x []*V, raw json.RawMessage) []*V {
			return f(t, x, decodeTorchRefParams[torchRefParams](t, raw))
		}, true
	}
	if f, ok := torchRefExtOps()[name]; ok {
		return f, true
	}
	return nil, false
}

// pointwiseArgs returns the parameters of a case of the pointwise op op:
// its Args, replaced by the values the case's params give by name. A name
// that is not one of op.Params fails the test (a misspelt parameter must
// not fall back to the table's value).
func pointwiseArgs(t *testing.T, op autograd.OpInfo, raw json.RawMessage) []float64 {
	t.Helper()
	args := slices.Clone(op.Args)
	var p map[string]float64
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &p); err != nil {
			t.Fatalf("params %s: %v", raw, err)
		}
	}
	for name, v := range p {
		i := slices.Index(op.Params, name)
		if i < 0 {
			t.Fatalf("params %s: %s has no parameter %q (its parameters are %v)", raw, op.Name, name, op.Params)
		}
		args[i] = v
	}
	return args
}

// torchRefOps maps a case's op to its Adjoint computation, for the ops
// beyond the pointwise ones of the op table (see torchRefOpFor). Its keys
// are the package's exported functions (TestTorchRefCoversEveryOp keeps
// them so).
var torchRefOps = map[string]torchRefOp{
	"Add":     binaryRef(autograd.Add[float64]),
	"Sub":     binaryRef(autograd.Sub[float64]),
	"Mul":     binaryRef(autograd.Mul[float64]),
	"Div":     binaryRef(autograd.Div[float64]),
	"Maximum": binaryRef(autograd.Maximum[float64]),
	"Minimum": binaryRef(autograd.Minimum[float64]),
	"PowVar":  binaryRef(autograd.PowVar[float64]),
	"Where": one(func(_ *testing.T, x []*V, p torchRefParams) *V {
		// The mask has the shape given, or else the broadcast shape of
		// the operands.
		shape := p.Shape
		if shape == nil {
			shape, _ = tensor.BroadcastShapes(x[0].Shape(), x[1].Shape())
		}
		return autograd.Where(tensor.MustMask(p.Mask, shape...), x[0], x[1])
	}),

	"Sum":               axesRef(autograd.Sum[float64]),
	"SumKeepDims":       axesRef(autograd.SumKeepDims[float64]),
	"Mean":              axesRef(autograd.Mean[float64]),
	"MeanKeepDims":      axesRef(autograd.MeanKeepDims[float64]),
	"Max":               axesRef(autograd.Max[float64]),
	"MaxKeepDims":       axesRef(autograd.MaxKeepDims[float64]),
	"Min":               axesRef(autograd.Min[float64]),
	"MinKeepDims":       axesRef(autograd.MinKeepDims[float64]),
	"LogSumExp":         axesRef(autograd.LogSumExp[float64]),
	"LogSumExpKeepDims": axesRef(autograd.LogSumExpKeepDims[float64]),
	"Variance": one(func(_ *testing.T, x []*V, p torchRefParams) *V {
		return autograd.Variance(x[0], p.Correction, p.Axes...)
	}),
	"Std": one(func(_ *testing.T, x []*V, p torchRefParams) *V {
		return autograd.Std(x[0], p.Correction, p.Axes...)
	}),
	"BroadcastTo": one(func(_ *testing.T, x []*V, p torchRefParams) *V { return autograd.BroadcastTo(x[0], p.Shape...) }),
	"SumTo":       one(func(_ *testing.T, x []*V, p torchRefParams) *V { return autograd.SumTo(x[0], p.Shape...) }),
	"LayerNorm": one(func(_ *testing.T, x []*V, p torchRefParams) *V {
		var w, b *V
		if len(x) > 1 {
			w = x[1]
		}
		if len(x) > 2 {
			b = x[2]
		}
		return autograd.LayerNorm(x[0], w, b, p.Dims, p.Eps)
	}),
	"Softmax":    one(func(_ *testing.T, x []*V, p torchRefParams) *V { return autograd.Softmax(x[0], p.Axis) }),
	"LogSoftmax": one(func(_ *testing.T, x []*V, p torchRefParams) *V { return autograd.LogSoftmax(x[0], p.Axis) }),
	"Argmax":     indicesRef(autograd.Argmax[float64]),
	"Argmin":     indicesRef(autograd.Argmin[float64]),

	"MatMul": binaryRef(autograd.MatMul[float64]),
	"MatMulT": one(func(_ *testing.T, x []*V, p torchRefParams) *V {
		return autograd.MatMulT(x[0], x[1], p.TransA, p.TransB)
	}),
	"Linear": one(func(_ *testing.T, x []*V, _ torchRefParams) *V { return linearOf(x) }),
	"LinearReLU": one(func(_ *testing.T, x []*V, _ torchRefParams) *V {
		var b *V
		if len(x) > 2 {
			b = x[2]
		}
		return autograd.LinearReLU(x[0], x[1], b)
	}),
	"Transpose": unaryRef(autograd.Transpose[float64]),
	"Reshape":   one(func(_ *testing.T, x []*V, p torchRefParams) *V { return autograd.Reshape(x[0], p.Shape...) }),

	"MSE": pairLossRef(autograd.MSE[float64]),
	"L1":  pairLossRef(autograd.L1[float64]),
	"Huber": one(func(t *testing.T, x []*V, p torchRefParams) *V {
		return autograd.Huber(x[0], x[1], p.Delta, p.reduction(t)...)
	}),
	"BCE":           pairLossRef(autograd.BCE[float64]),
	"BCEWithLogits": pairLossRef(autograd.BCEWithLogits[float64]),
	"CrossEntropy": one(func(t *testing.T, x []*V, p torchRefParams) *V {
		return autograd.CrossEntropy(x[0], p.Labels, p.reduction(t)...)
	}),
	"NLL": one(func(t *testing.T, x []*V, p torchRefParams) *V {
		return autograd.NLL(x[0], p.Labels, p.reduction(t)...)
	}),

	"Conv2D": one(func(_ *testing.T, x []*V, p torchRefParams) *V {
		var bias *V
		if len(x) > 2 {
			bias = x[2]
		}
		return autograd.Conv2D(x[0], x[1], bias, autograd.Conv2DOptions{Stride: p.Stride, Padding: p.Padding, Dilation: p.Dilation, Groups: p.Groups})
	}),
	"MaxPool2D": one(func(_ *testing.T, x []*V, p torchRefParams) *V {
		return autograd.MaxPool2D(x[0], p.Kernel, p.Stride, p.Padding)
	}),
	"AvgPool2D": one(func(_ *testing.T, x []*V, p torchRefParams) *V {
		return autograd.AvgPool2D(x[0], p.Kernel, p.Stride, p.Padding)
	}),

	"Permute":   axesRef(autograd.Permute[float64]),
	"Squeeze":   axesRef(autograd.Squeeze[float64]),
	"Unsqueeze": one(func(_ *testing.T, x []*V, p torchRefParams) *V { return autograd.Unsqueeze(x[0], p.Axis) }),
	"Expand":    one(func(_ *testing.T, x []*V, p torchRefParams) *V { return autograd.Expand(x[0], p.Shape...) }),
	"Slice": one(func(_ *testing.T, x []*V, p torchRefParams) *V {
		rs := make([]autograd.Range, len(p.Ranges))
		for i, r := range p.Ranges {
			rs[i] = autograd.Range{Start: intOr(r[0], 0), Stop: intOr(r[1], tensor.End), Step: intOr(r[2], 0)}
		}
		return autograd.Slice(x[0], rs...)
	}),
	"Pad":    one(func(_ *testing.T, x []*V, p torchRefParams) *V { return autograd.Pad(x[0], p.Widths, p.Value) }),
	"Concat": one(func(_ *testing.T, x []*V, p torchRefParams) *V { return autograd.Concat(p.Axis, x...) }),
	"Stack":  one(func(_ *testing.T, x []*V, p torchRefParams) *V { return autograd.Stack(p.Axis, x...) }),
	"Split": func(_ *testing.T, x []*V, p torchRefParams) []*V {
		return autograd.Split(x[0], p.Axis, p.Sizes...)
	},
	"IndexSelect": one(func(_ *testing.T, x []*V, p torchRefParams) *V {
		return autograd.IndexSelect(x[0], p.Axis, p.Indices)
	}),
	"Select":    one(func(_ *testing.T, x []*V, p torchRefParams) *V { return autograd.Select(x[0], p.Axis, p.Indices[0]) }),
	"Embedding": one(func(_ *testing.T, x []*V, _ torchRefParams) *V { return autograd.Embedding(x[0], x[1]) }),
	"EmbeddingPadded": one(func(_ *testing.T, x []*V, p torchRefParams) *V {
		return autograd.EmbeddingPadded(x[0], x[1], p.PaddingIdx)
	}),
}

func intOr(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}

// loadTorchRef reads every reference file, its cases in file order.
func loadTorchRef(t *testing.T) torchRef {
	t.Helper()
	files, err := filepath.Glob(torchRefFiles)
	if err != nil || len(files) == 0 {
		t.Fatalf("no %s (%v): regenerate them with /usr/bin/python3 autograd/testdata/torchref/gen.py", torchRefFiles, err)
	}
	var all torchRef
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		var ref torchRef
		if err := dec.Decode(&ref); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(ref.Cases) == 0 || ref.TorchVersion == "" {
			t.Fatalf("%s: %d cases, torch version %q: the file is incomplete", name, len(ref.Cases), ref.TorchVersion)
		}
		all.Cases = append(all.Cases, ref.Cases...)
		all.Generator, all.TorchVersion = ref.Generator, ref.TorchVersion
	}
	return all
}

func (r torchRefTensor) tensor(t *testing.T) *tensor.Tensor[float64] {
	t.Helper()
	x, err := tensor.New(append([]float64(nil), r.Data...), r.Shape...)
	if err != nil {
		t.Fatalf("bad reference tensor: %v", err)
	}
	return x
}

func (r torchRefTensor) view() tensorView { return tensorView{Shape: r.Shape, Data: r.Data} }

// leaves returns fresh leaves for the case's inputs (Params where a gradient
// is wanted) and the Params among them, in order.
func (c torchRefCase) leaves(t *testing.T) (all, params []*V) {
	for _, in := range c.Inputs {
		if in.Grad {
			v := autograd.Param(in.tensor(t))
			all, params = append(all, v), append(params, v)
		} else {
			all = append(all, autograd.Const(in.tensor(t)))
		}
	}
	return all, params
}

// compareTorchRef reports the elements of got that differ from torch's.
func compareTorchRef(t *testing.T, what string, got *V, want *torchRefTensor) {
	t.Helper()
	switch {
	case want == nil:
		t.Errorf("%s: the reference has no value", what)
	case got == nil:
		t.Errorf("%s: Adjoint returned nil", what)
	default:
		w, g := want.view(), viewOf(got.Value())
		if slices.Equal(w.Shape, g.Shape) && approxEqual(w.Data, g.Data, 1e-9, 1e-12) {
			return // torchRefOptions' verdict, without the diff's reflection
		}
		if d := cmp.Diff(w, g, torchRefOptions); d != "" {
			t.Errorf("%s differs from torch (-torch +adjoint):\n%s", what, d)
		}
	}
}

// TestTorchRef compares every case of the reference file: outputs, the
// gradients Grad returns for the weights W, and, from the gradients Grad
// returns with CreateGraph, the Hessian-vector products.
func TestTorchRef(t *testing.T) {
	ref := loadTorchRef(t)
	t.Logf("%d cases from torch %s (%s)", len(ref.Cases), ref.TorchVersion, ref.Generator)
	for _, c := range ref.Cases {
		t.Run(c.Name, func(t *testing.T) {
			defer func() {
				if t.Failed() && c.Note != "" {
					t.Logf("note on the case: %s", c.Note)
				}
			}()
			defer failOnPanic(t)
			f, ok := torchRefOpFor(c.Op)
			if !ok {
				t.Fatalf("op %q has no entry in torchRefOps or a family's extension ops", c.Op)
			}
			build := func() (outs, params []*V) {
				ins, params := c.leaves(t)
				outs = f(t, ins, c.Params)
				if len(outs) != len(c.Outputs) {
					t.Fatalf("%d outputs, torch has %d", len(outs), len(c.Outputs))
				}
				return outs, params
			}

			outs, params := build()
			for i, o := range outs {
				compareTorchRef(t, "output "+strconv.Itoa(i), o, &c.Outputs[i])
			}
			if len(params) == 0 {
				return
			}
			if len(c.GradOutputs) != len(outs) || len(c.Grads) != len(c.Inputs) {
				t.Fatalf("malformed case: %d grad_outputs for %d outputs, %d grads for %d inputs",
					len(c.GradOutputs), len(outs), len(c.Grads), len(c.Inputs))
			}
			ws := make([]*tensor.Tensor[float64], len(c.GradOutputs))
			for i, w := range c.GradOutputs {
				ws[i] = w.tensor(t)
			}
			gs := autograd.Grad(outs, params, autograd.GradOutputs(ws...))
			k := 0
			for i, in := range c.Inputs {
				if in.Grad {
					compareTorchRef(t, "gradient of input "+strconv.Itoa(i), gs[k], c.Grads[i])
					k++
				}
			}

			so := c.SecondOrder
			if so == nil {
				if c.SecondOrderSkipped == "" {
					t.Errorf("the case has neither second-order values nor a reason to skip them")
				}
				return
			}
			// A fresh graph: Grad released the first one.
			outs, params = build()
			gs = autograd.Grad(outs, params, autograd.GradOutputs(ws...), autograd.CreateGraph())
			var s *V
			k = 0
			for i, in := range c.Inputs {
				if !in.Grad {
					continue
				}
				if so.U[i] == nil {
					t.Fatalf("malformed case: no U for input %d", i)
				}
				term := autograd.Sum(autograd.Mul(gs[k], autograd.Const(so.U[i].tensor(t))))
				if s == nil {
					s = term
				} else {
					s = autograd.Add(s, term)
				}
				k++
			}
			hs := autograd.Grad([]*V{s}, params)
			k = 0
			for i, in := range c.Inputs {
				if in.Grad {
					compareTorchRef(t, "Hessian-vector product for input "+strconv.Itoa(i), hs[k], so.HVP[i])
					k++
				}
			}
		})
	}
}

// TestTorchRefCoversEveryOp fails when an exported op of the package has
// fewer than three reference cases (a pointwise op of the op table gets
// three from gen_pointwise.py's table_cases once pointwise_ops.json and the
// reference values are regenerated), when a case or an entry of torchRefOps
// names an op the package does not export, or when a pointwise op has an
// entry of its own. The ops are found by parsing the package source,
// as TestGradcheckTableCoversEveryOp does: functions returning *Var (the
// exportedOps of the gradcheck table) and functions returning []*Var or
// []int, the multi-output and index ops (Split, Argmax).
func TestTorchRefCoversEveryOp(t *testing.T) {
	ops := exportedOps(t, ".")
	for name := range exportedSliceOps(t, ".") {
		ops[name] = true
	}
	for _, op := range autograd.Ops() {
		ops[op.Name] = true // also the ops that return masks or indices
	}
	for _, must := range []string{"Add", "MatMul", "Conv2D", "Split", "Argmax"} {
		if !ops[must] {
			t.Errorf("enumeration missed %s, which certainly exists", must)
		}
	}
	ref := loadTorchRef(t)
	cases := make(map[string]int)
	for _, c := range ref.Cases {
		cases[c.Op]++
		if _, ok := torchRefOpFor(c.Op); !ok {
			t.Errorf("case %q: op %q has no entry in torchRefOps", c.Name, c.Op)
		}
	}
	for _, op := range sortedKeys(ops) {
		if n := cases[op]; n < 3 {
			t.Errorf("op %s has %d torch reference cases, want at least 3 (shapes that broadcast, odd and 0-d shapes, its parameters): add them to autograd/testdata/torchref/gen.py or its family's gen_<family>.py and regenerate", op, n)
		}
	}
	for op := range torchRefExtOps() {
		if _, dup := torchRefOps[op]; dup {
			t.Errorf("op %q has an entry in torchRefOps and in a family's extension ops", op)
		}
		if !ops[op] {
			t.Errorf("a family's extension ops have an entry for %q, which is not an exported op of the package (stale entry?)", op)
		}
	}
	for op := range torchRefOps {
		if !ops[op] {
			t.Errorf("torchRefOps has an entry for %q, which is not an exported op of the package (stale entry?)", op)
		}
	}
	// The pointwise ops' cases run the op as the table declares it; an
	// entry of their own would never be used.
	ext := torchRefExtOps()
	for _, op := range autograd.Ops() {
		_, own := torchRefOps[op.Name]
		_, ownExt := ext[op.Name]
		if op.Family == autograd.FamilyPointwise && (own || ownExt) {
			t.Errorf("pointwise op %s has an entry in torchRefOps or a family's extension ops, which torchRefOpFor never uses: remove it", op.Name)
		}
	}
}

// notSliceOps are exported functions returning []*Var that are not ops.
var notSliceOps = map[string]bool{"Grad": true}

// exportedSliceOps returns the exported top-level functions in the non-test
// Go files of dir with a result of type []*Var[...] or []int, minus
// notSliceOps.
func exportedSliceOps(t *testing.T, dir string) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	ops := make(map[string]bool)
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !fn.Name.IsExported() || fn.Type.Results == nil || notSliceOps[fn.Name.Name] {
				continue
			}
			for _, r := range fn.Type.Results.List {
				arr, ok := r.Type.(*ast.ArrayType)
				if !ok || arr.Len != nil {
					continue
				}
				if id, isIdent := arr.Elt.(*ast.Ident); isVarPointer(arr.Elt) || isIdent && id.Name == "int" {
					ops[fn.Name.Name] = true
				}
			}
		}
	}
	return ops
}
