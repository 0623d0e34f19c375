package autograd_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/tensor"
)

func init() { moreGradcheckCases = append(moreGradcheckCases, lnGradcheckCases) }

// lnGradcheckCases are LayerNorm's rows of the package's gradcheck table:
// every combination of weight and bias, over one and two axes, and
// weighted by the input (a plain sum of a normalized slice has gradient 0).
func lnGradcheckCases() []gradcheckCase {
	var tab []gradcheckCase
	for _, tc := range lnCases {
		if tc.affine == 4 {
			continue // one input used twice: covered by TestLayerNormGradcheck
		}
		specs := []inputSpec{in(anyReal, tc.shape...)}
		norm := tc.shape[len(tc.shape)-tc.dims:]
		switch tc.affine {
		case 1, 3:
			specs = append(specs, in(positive, norm...))
		case 2:
			specs = append(specs, in(positive, norm...), in(anyReal, norm...))
		}
		dims, affine := tc.dims, tc.affine
		f := func(v []*V) *V {
			var w, b *V
			switch affine {
			case 1:
				w = v[1]
			case 2:
				w, b = v[1], v[2]
			case 3:
				b = v[1]
			}
			y := autograd.LayerNorm(v[0], w, b, dims, 1e-5)
			return autograd.Sum(autograd.Mul(y, autograd.Mul(y, v[0])))
		}
		tab = append(tab, gradcheckCase{op: "LayerNorm", name: tc.name, inputs: specs, f: f})
	}
	return tab
}

// TestLayerNormValues checks LayerNorm against values worked out by hand
// with PyTorch's semantics: the biased variance, eps inside the square root.
func TestLayerNormValues(t *testing.T) {
	// [1 2 3 4]: μ = 2.5, σ² = 1.25. [2 2 2 2]: σ² = 0, so y = 0 (divided by √eps).
	x := autograd.Const(t64([]float64{1, 2, 3, 4, 2, 2, 2, 2}, 2, 4))
	r := 1 / math.Sqrt(1.25+1e-5)
	cases := []struct {
		name string
		w, b *V
		want []float64
	}{
		{"plain", nil, nil, []float64{-1.5 * r, -0.5 * r, 0.5 * r, 1.5 * r, 0, 0, 0, 0}},
		{"weight", autograd.Const(t64([]float64{1, 2, 3, 4}, 4)), nil,
			[]float64{-1.5 * r, -1 * r, 1.5 * r, 6 * r, 0, 0, 0, 0}},
		{"weight and bias", autograd.Const(t64([]float64{1, 2, 3, 4}, 4)), autograd.Const(t64([]float64{1, 0, -1, 0.5}, 4)),
			[]float64{1 - 1.5*r, -1 * r, -1 + 1.5*r, 0.5 + 6*r, 1, 0, -1, 0.5}},
		{"bias", nil, autograd.Const(t64([]float64{1, 0, -1, 0.5}, 4)),
			[]float64{1 - 1.5*r, -0.5 * r, -1 + 0.5*r, 0.5 + 1.5*r, 1, 0, -1, 0.5}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkTensor(t, "LayerNorm", autograd.LayerNorm(x, tc.w, tc.b, 1, 1e-5).Value(), view([]int{2, 4}, tc.want...), 1e-14)
		})
	}
	// Over both axes of a [2 2] slice: the same numbers as [4].
	y := autograd.LayerNorm(autograd.Const(t64([]float64{1, 2, 3, 4}, 1, 2, 2)), nil, nil, 2, 1e-5)
	checkTensor(t, "LayerNorm over 2 axes", y.Value(), view([]int{1, 2, 2}, -1.5*r, -0.5*r, 0.5*r, 1.5*r), 1e-14)
}

// TestLayerNormMatchesComposition compares LayerNorm in float32 with the
// same formula built from Mean, Square and Div in float64.
func TestLayerNormMatchesComposition(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := tensor.RandNormal[float64](rng, 3, 2, 4, 5, 16)
	w := tensor.RandNormal[float64](rng, 1, 0.5, 16)
	b := tensor.RandNormal[float64](rng, 0, 0.5, 16)
	xv := autograd.Const(x)
	d := autograd.Sub(xv, autograd.MeanKeepDims(xv, -1))
	v := autograd.MeanKeepDims(autograd.Square(d), -1)
	want := autograd.Add(autograd.Mul(autograd.Div(d, autograd.Sqrt(autograd.Add(v, autograd.Scalar(1e-5)))), autograd.Const(w)), autograd.Const(b))
	got := autograd.LayerNorm(autograd.Const(f32(x)), autograd.Const(f32(w)), autograd.Const(f32(b)), 1, 1e-5)
	checkTensor(t, "float32 LayerNorm", got.Value(), viewOf(want.Value()), 2e-6)
}

// f32 converts a float64 tensor to float32.
func f32(x *tensor.Tensor[float64]) *tensor.Tensor[float32] {
	d := make([]float32, x.Len())
	for i, v := range x.Data() {
		d[i] = float32(v)
	}
	return tensor.MustNew(d, x.Shape()...)
}

// lnCases are the LayerNorm configurations that the gradient tests check.
var lnCases = []struct {
	name   string
	shape  []int
	dims   int
	affine int // 0: none, 1: weight, 2: weight and bias, 3: bias only, 4: x as the weight
}{
	{"affine", []int{3, 5}, 1, 2},
	{"weight", []int{2, 3, 4}, 1, 1},
	{"bias", []int{2, 4}, 1, 3},
	{"plain over 2 axes", []int{2, 2, 3}, 2, 0},
	{"affine over 2 axes", []int{2, 2, 3}, 2, 2},
	{"x is its own weight", []int{3, 3}, 2, 4},
}

// lnSetup returns the inputs of a case and the function of them to check.
func lnSetup(rng *rand.Rand, shape []int, dims, affine int) ([]*tensor.Tensor[float64], gradcheck.Func) {
	inputs := []*tensor.Tensor[float64]{tensor.RandNormal[float64](rng, 0, 1, shape...)}
	norm := shape[len(shape)-dims:]
	if affine == 1 || affine == 2 {
		inputs = append(inputs, tensor.RandNormal[float64](rng, 1, 0.5, norm...))
	}
	if affine >= 2 {
		inputs = append(inputs, tensor.RandNormal[float64](rng, 0, 0.5, norm...))
	}
	f := func(v []*V) *V {
		var w, b *V
		switch affine {
		case 1:
			w = v[1]
		case 2:
			w, b = v[1], v[2]
		case 3:
			b = v[1]
		case 4:
			w = v[0]
		}
		// A weighted sum, so that the gradient of the output is not uniform
		// (a plain sum of a normalized slice has gradient 0 for x).
		y := autograd.LayerNorm(v[0], w, b, dims, 1e-5)
		return autograd.Sum(autograd.Mul(y, autograd.Mul(y, v[0])))
	}
	return inputs, f
}

func TestLayerNormGradcheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, tc := range lnCases {
		t.Run(tc.name, func(t *testing.T) {
			inputs, f := lnSetup(rng, tc.shape, tc.dims, tc.affine)
			if _, err := gradcheck.Check(f, inputs); err != nil {
				t.Error(err)
			}
			if _, err := gradcheck.GradGradCheck(f, inputs); err != nil {
				t.Errorf("second order: %v", err)
			}
		})
	}
}

// TestLayerNormFusedMatchesRecorded checks that the fused backward (Grad)
// gives the bits of the recorded one (Grad with CreateGraph), also for an
// input that is both x and the weight.
func TestLayerNormFusedMatchesRecorded(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, tc := range lnCases {
		t.Run(tc.name, func(t *testing.T) {
			inputs, f := lnSetup(rng, tc.shape, tc.dims, tc.affine)
			checkFusedMatchesRecorded(t, inputs, f)
		})
	}
}

// TestLayerNormBackwardAccumulates checks that Backward adds into .Grad()
// (beta 1) and that an input used twice gets both gradients.
func TestLayerNormBackwardAccumulates(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	inputs, f := lnSetup(rng, []int{3, 4}, 1, 2)
	ps := make([]*V, len(inputs))
	for i, x := range inputs {
		ps[i] = autograd.Param(x)
	}
	f(ps).Backward()
	once := make([]*tensor.Tensor[float64], len(ps))
	for i, p := range ps {
		once[i] = p.Grad().Clone()
	}
	autograd.Add(f(ps), f(ps)).Backward()
	for i, p := range ps {
		checkTensor(t, "three backward passes", p.Grad(), viewOf(tensor.Scale(once[i], 3)), 1e-12)
	}
}

func TestLayerNormPanics(t *testing.T) {
	x := autograd.Const(tensor.Zeros[float64](2, 3, 4))
	cases := []struct {
		name, msg string
		f         func()
	}{
		{"dims 0", "autograd: LayerNorm: normalizedDims 0 is not between 1 and the rank 3: [2 3 4]",
			func() { autograd.LayerNorm(x, nil, nil, 0, 1e-5) }},
		{"dims beyond rank", "autograd: LayerNorm: normalizedDims 4 is not between 1 and the rank 3: [2 3 4]",
			func() { autograd.LayerNorm(x, nil, nil, 4, 1e-5) }},
		{"weight shape", "autograd: LayerNorm: weight and bias must have the normalized shape (the last normalizedDims axes of x): [2 3 4] x [3]",
			func() { autograd.LayerNorm(x, autograd.Const(tensor.Ones[float64](3)), nil, 1, 1e-5) }},
		{"bias rank", "autograd: LayerNorm: weight and bias must have the normalized shape (the last normalizedDims axes of x): [2 3 4] x [4]",
			func() { autograd.LayerNorm(x, nil, autograd.Const(tensor.Ones[float64](4)), 2, 1e-5) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := mustShapeError(t, tc.f); err.Error() != tc.msg {
				t.Errorf("panic %q, want %q", err.Error(), tc.msg)
			}
		})
	}
}

// TestLayerNormFusedMatchesRecordedFloat32 checks the fused backward's bits
// against the recorded one's in float32, where every rounding shows:
// slices shorter and longer than one summation leaf, with and without the
// affine parameters, and a gradient that accumulates (x used twice).
func TestLayerNormFusedMatchesRecordedFloat32(t *testing.T) {
	type F = autograd.Var[float32]
	rng := rand.New(rand.NewPCG(5, 5))
	for _, tc := range []struct {
		name   string
		rows   int
		n      int
		affine bool
		twice  bool // x also feeds x∘x: LayerNorm's vjp adds into its gradient
	}{
		{"short affine accumulating", 6, 37, true, true},
		{"short affine", 6, 37, true, false},
		{"long affine", 4, 300, true, false},
		{"wide affine (leaves)", 3, 768, true, false},
		{"wide affine accumulating (leaves)", 3, 256, true, true},
		{"many rows (weight's sum in chunks)", 150, 24, true, false},
		{"many wide rows accumulating", 130, 256, true, true},
		{"leaf plain", 5, 128, false, false},
		{"leaf plain accumulating", 5, 128, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := tensor.RandNormal[float32](rng, 0.5, 2, tc.rows, tc.n)
			w := tensor.RandNormal[float32](rng, 1, 0.5, tc.n)
			b := tensor.RandNormal[float32](rng, 0, 0.5, tc.n)
			c := tensor.RandNormal[float32](rng, 0, 1, tc.rows, tc.n)
			grads := func(opts ...autograd.Option) []*tensor.Tensor[float32] {
				ps := []*F{autograd.Param(x), autograd.Param(w), autograd.Param(b)}
				var wv, bv *F
				if tc.affine {
					wv, bv = ps[1], ps[2]
				}
				y := autograd.LayerNorm(ps[0], wv, bv, 1, 1e-5)
				loss := autograd.Sum(autograd.Mul(y, autograd.Const(c)))
				if tc.twice {
					loss = autograd.Add(loss, autograd.Sum(autograd.Mul(ps[0], ps[0])))
				}
				gs := autograd.Grad([]*F{loss}, ps[:1+2*btoi(tc.affine)], opts...)
				out := make([]*tensor.Tensor[float32], len(gs))
				for i, g := range gs {
					out[i] = g.Value()
				}
				return out
			}
			fused, recorded := grads(), grads(autograd.CreateGraph())
			for i := range fused {
				for k, v := range recorded[i].Data() {
					if got := fused[i].Data()[k]; math.Float32bits(got) != math.Float32bits(v) {
						t.Fatalf("input %d element %d: fused %.9g, recorded %.9g", i, k, got, v)
					}
				}
			}
		})
	}
}

// btoi is 1 for true, 0 for false.
func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
