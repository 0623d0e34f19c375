package layers_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
)

var (
	_ layers.Module[float64]   = (*layers.LayerNorm[float64])(nil)
	_ layers.Module[float64]   = (*layers.BatchNorm1d[float64])(nil)
	_ layers.Trainable         = (*layers.BatchNorm1d[float64])(nil)
	_ layers.Buffered[float64] = (*layers.BatchNorm1d[float64])(nil)
)

func TestLayerNormByHand(t *testing.T) {
	// Row [1 2 3 4]: mean 2.5, biased variance 1.25. Row [-1 -1 1 1]: mean
	// 0, variance 1.
	s := 1 / math.Sqrt(1.25+1e-5)
	u := 1 / math.Sqrt(1+1e-5)
	x := mat([]float64{1, 2, 3, 4}, []float64{-1, -1, 1, 1})
	ln := layers.NewLayerNorm[float64](4)
	got := ln.Forward(autograd.Const(x))
	want := view([]int{2, 4}, -1.5*s, -0.5*s, 0.5*s, 1.5*s, -u, -u, u, u)
	if diff := cmp.Diff(want, viewOf(got.Value()), approx(1e-12)); diff != "" {
		t.Errorf("default affine (-want +got):\n%s", diff)
	}
	// With weight [1 2 3 4] and bias [0 0 0 -1].
	ln.Weight = autograd.Param(vec(1, 2, 3, 4))
	ln.Bias = autograd.Param(vec(0, 0, 0, -1))
	got = ln.Forward(autograd.Const(x))
	want = view([]int{2, 4}, -1.5*s, -1*s, 1.5*s, 6*s-1, -u, -2*u, 3*u, 4*u-1)
	if diff := cmp.Diff(want, viewOf(got.Value()), approx(1e-12)); diff != "" {
		t.Errorf("affine (-want +got):\n%s", diff)
	}
	// Without affine parameters, and with another eps.
	ln.Weight, ln.Bias, ln.Eps = nil, nil, 0.75
	got = ln.Forward(autograd.Const(x))
	s, u = 1/math.Sqrt(2), 1/math.Sqrt(1.75)
	want = view([]int{2, 4}, -1.5*s, -0.5*s, 0.5*s, 1.5*s, -u, -u, u, u)
	if diff := cmp.Diff(want, viewOf(got.Value()), approx(1e-12)); diff != "" {
		t.Errorf("no affine, eps 0.75 (-want +got):\n%s", diff)
	}
	if n := len(ln.NamedParameters()); n != 0 {
		t.Errorf("%d parameters without affine", n)
	}
}

// naiveLayerNorm normalizes every trailing block of size m of x.
func naiveLayerNorm(x *tensor.Tensor[float64], m int, eps float64) []float64 {
	d := x.Data()
	out := make([]float64, len(d))
	for start := 0; start < len(d); start += m {
		blk := d[start : start+m]
		mean := meanOf(blk)
		v := 0.0
		for _, e := range blk {
			v += (e - mean) * (e - mean)
		}
		v /= float64(m)
		for i, e := range blk {
			out[start+i] = (e - mean) / math.Sqrt(v+eps)
		}
	}
	return out
}

func TestLayerNormShapes(t *testing.T) {
	tests := []struct {
		x, norm []int
	}{
		{[]int{3, 5}, []int{5}},
		{[]int{2, 3, 4}, []int{4}},
		{[]int{2, 3, 4}, []int{3, 4}},
		{[]int{2, 3, 4}, []int{2, 3, 4}},
		{[]int{6}, []int{6}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.x, tt.norm), func(t *testing.T) {
			x := randTensor(newRNG(5), tt.x...)
			ln := layers.NewLayerNorm[float64](tt.norm...)
			got := ln.Forward(autograd.Const(x))
			m := 1
			for _, d := range tt.norm {
				m *= d
			}
			if diff := cmp.Diff(view(tt.x, naiveLayerNorm(x, m, 1e-5)...), viewOf(got.Value()), approx(1e-12)); diff != "" {
				t.Errorf("Forward (-naive +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.norm, ln.Weight.Shape()); diff != "" {
				t.Errorf("weight shape (-want +got):\n%s", diff)
			}
			f := func(in []*autograd.Var[float64]) *autograd.Var[float64] {
				l := layers.NewLayerNorm[float64](tt.norm...)
				l.Weight, l.Bias = in[1], in[2]
				return l.Forward(in[0])
			}
			gradcheck.Assert(t, f, []*tensor.Tensor[float64]{x, randTensor(newRNG(6), tt.norm...), randTensor(newRNG(7), tt.norm...)})
		})
	}
}

func TestLayerNormPanics(t *testing.T) {
	ln := layers.NewNamed(layers.NamedModule[float64]{Name: "ln", Module: layers.NewLayerNorm[float64](3, 4)}).Child("ln")
	for _, shape := range [][]int{{2, 4, 3}, {4}, {2, 3, 5}} {
		se := shapePanic(t, func() { ln.Forward(autograd.Const(tensor.Zeros[float64](shape...))) })
		for _, want := range []string{"layers: LayerNorm (ln.weight): input must end in the normalized shape [3 4]", fmt.Sprint(shape)} {
			if !strings.Contains(se.Error(), want) {
				t.Errorf("%v: %q does not mention %q", shape, se, want)
			}
		}
	}
	for _, shape := range [][]int{{}, {0}, {3, -1}} {
		shapePanic(t, func() { layers.NewLayerNorm[float64](shape...) })
	}
}

// bnRef is BatchNorm1d as PyTorch defines it, written out in float64 loops
// over [N, C, L] (L = 1 for 2-D inputs).
type bnRef struct {
	mean, vari []float64 // running statistics
	w, b       []float64
	eps, mom   float64
}

func (r *bnRef) forward(x []float64, n, c, l int, training bool) []float64 {
	out := make([]float64, len(x))
	at := func(i, ch, k int) int { return (i*c+ch)*l + k }
	for ch := range c {
		mu, v := r.mean[ch], r.vari[ch]
		if training {
			var s float64
			for i := range n {
				for k := range l {
					s += x[at(i, ch, k)]
				}
			}
			mu = s / float64(n*l)
			var ss float64
			for i := range n {
				for k := range l {
					ss += (x[at(i, ch, k)] - mu) * (x[at(i, ch, k)] - mu)
				}
			}
			v = ss / float64(n*l)
			r.mean[ch] = (1-r.mom)*r.mean[ch] + r.mom*mu
			r.vari[ch] = (1-r.mom)*r.vari[ch] + r.mom*ss/float64(n*l-1)
		}
		for i := range n {
			for k := range l {
				out[at(i, ch, k)] = (x[at(i, ch, k)]-mu)/math.Sqrt(v+r.eps)*r.w[ch] + r.b[ch]
			}
		}
	}
	return out
}

// TestBatchNorm1dByHand works one training step and one evaluation out by
// hand. Channel 0 is [1 2 3 4]: mean 2.5, biased variance 1.25, unbiased 5/3.
// Channel 1 is [2 2 2 10]: mean 4, biased variance 12, unbiased 16.
func TestBatchNorm1dByHand(t *testing.T) {
	bn := layers.NewBatchNorm1d[float64](2)
	bn.Weight = autograd.Param(vec(2, 1))
	bn.Bias = autograd.Param(vec(0.5, -1))
	x := autograd.Const(mat([]float64{1, 2}, []float64{2, 2}, []float64{3, 2}, []float64{4, 10}))
	got := bn.Forward(x)
	s0, s1 := 2/math.Sqrt(1.25+1e-5), 1/math.Sqrt(12+1e-5)
	want := view([]int{4, 2},
		-1.5*s0+0.5, -2*s1-1,
		-0.5*s0+0.5, -2*s1-1,
		0.5*s0+0.5, -2*s1-1,
		1.5*s0+0.5, 6*s1-1)
	if diff := cmp.Diff(want, viewOf(got.Value()), approx(1e-12)); diff != "" {
		t.Errorf("training Forward (-want +got):\n%s", diff)
	}
	// running_mean = 0.9·0 + 0.1·mean; running_var = 0.9·1 + 0.1·unbiased.
	if diff := cmp.Diff(view([]int{2}, 0.25, 0.4), viewOf(bn.RunningMean()), approx(1e-15)); diff != "" {
		t.Errorf("running mean (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(view([]int{2}, 0.9+0.1*5/3.0, 2.5), viewOf(bn.RunningVar()), approx(1e-15)); diff != "" {
		t.Errorf("running var (-want +got):\n%s", diff)
	}
	if n := bn.NumBatchesTracked(); n != 1 {
		t.Errorf("NumBatchesTracked %d, want 1", n)
	}
	// Evaluation uses the running statistics and changes nothing.
	bn.SetTraining(false)
	got = bn.Forward(autograd.Const(mat([]float64{1, 0.4})))
	want = view([]int{1, 2}, (1-0.25)/math.Sqrt(0.9+0.5/3+1e-5)*2+0.5, -1)
	if diff := cmp.Diff(want, viewOf(got.Value()), approx(1e-12)); diff != "" {
		t.Errorf("evaluation Forward (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(view([]int{2}, 0.25, 0.4), viewOf(bn.RunningMean()), approx(1e-15)); diff != "" {
		t.Errorf("evaluation changed the running mean (-want +got):\n%s", diff)
	}
	if n := bn.NumBatchesTracked(); n != 1 {
		t.Errorf("evaluation changed NumBatchesTracked to %d", n)
	}
}

// TestBatchNorm1dSteps runs several training steps, then evaluation, on 2-D
// and 3-D inputs, against the loop reference, with a non-default momentum
// and eps in one case.
func TestBatchNorm1dSteps(t *testing.T) {
	tests := []struct {
		name     string
		n, c, l  int
		eps, mom float64
	}{
		{"[N C]", 5, 3, 0, 1e-5, 0.1},
		{"[N C L]", 3, 2, 4, 1e-5, 0.1},
		{"[N C] momentum 0.5 eps 0.1", 4, 2, 0, 0.1, 0.5},
		{"[N C L] N = 1", 1, 3, 5, 1e-5, 0.1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := newRNG(9)
			shape, l := []int{tt.n, tt.c}, 1
			if tt.l > 0 {
				shape, l = append(shape, tt.l), tt.l
			}
			bn := layers.NewBatchNorm1d[float64](tt.c)
			bn.Eps, bn.Momentum = tt.eps, tt.mom
			bn.Weight, bn.Bias = autograd.Param(randTensor(rng, tt.c)), autograd.Param(randTensor(rng, tt.c))
			ref := &bnRef{mean: make([]float64, tt.c), vari: make([]float64, tt.c),
				w: bn.Weight.Value().Data(), b: bn.Bias.Value().Data(), eps: tt.eps, mom: tt.mom}
			for i := range ref.vari {
				ref.vari[i] = 1
			}
			for step := range 4 {
				training := step < 3
				layers.SetTraining[float64](bn, training)
				// Shift and scale each batch so the statistics move.
				x := tensor.Add(tensor.Scale(randTensor(rng, shape...), float64(step+1)), tensor.Scalar(float64(step)))
				got := bn.Forward(autograd.Const(x))
				want := ref.forward(x.Data(), tt.n, tt.c, l, training)
				if diff := cmp.Diff(view(shape, want...), viewOf(got.Value()), approx(1e-12)); diff != "" {
					t.Errorf("step %d (training %v): Forward (-want +got):\n%s", step, training, diff)
				}
				if diff := cmp.Diff(view([]int{tt.c}, ref.mean...), viewOf(bn.RunningMean()), approx(1e-12)); diff != "" {
					t.Errorf("step %d: running mean (-want +got):\n%s", step, diff)
				}
				if diff := cmp.Diff(view([]int{tt.c}, ref.vari...), viewOf(bn.RunningVar()), approx(1e-12)); diff != "" {
					t.Errorf("step %d: running var (-want +got):\n%s", step, diff)
				}
			}
			if n := bn.NumBatchesTracked(); n != 3 {
				t.Errorf("NumBatchesTracked %d, want 3", n)
			}
			bn.ResetRunningStats()
			if diff := cmp.Diff(viewOf(tensor.Ones[float64](tt.c)), viewOf(bn.RunningVar())); diff != "" || bn.NumBatchesTracked() != 0 || bn.RunningMean().At(0) != 0 {
				t.Errorf("ResetRunningStats left %v %v %d", bn.RunningMean(), bn.RunningVar(), bn.NumBatchesTracked())
			}
		})
	}
}

func TestBatchNorm1dGradcheck(t *testing.T) {
	for _, shape := range [][]int{{4, 3}, {2, 2, 3}} {
		for _, training := range []bool{true, false} {
			t.Run(fmt.Sprint(shape, " training ", training), func(t *testing.T) {
				c := shape[1]
				bn := layers.NewBatchNorm1d[float64](c)
				bn.RunningMean().CopyFrom(randTensor(newRNG(1), c))
				bn.RunningVar().CopyFrom(tensor.Add(randTensor(newRNG(2), c), tensor.Scalar(1.5)))
				bn.SetTraining(training)
				f := func(in []*autograd.Var[float64]) *autograd.Var[float64] {
					bn.Weight, bn.Bias = in[1], in[2]
					return bn.Forward(in[0])
				}
				gradcheck.Assert(t, f, []*tensor.Tensor[float64]{randTensor(newRNG(3), shape...), randTensor(newRNG(4), c), randTensor(newRNG(5), c)})
			})
		}
	}
}

func TestBatchNorm1dBuffers(t *testing.T) {
	bn := layers.NewBatchNorm1d[float32](3)
	bufs := bn.NamedBuffers()
	if len(bufs) != 2 || bufs[0].Name != "running_mean" || bufs[1].Name != "running_var" ||
		bufs[0].Buffer != bn.RunningMean() || bufs[1].Buffer != bn.RunningVar() {
		t.Fatalf("NamedBuffers %+v, want running_mean and running_var, the live tensors", bufs)
	}
	// Loading a buffer is writing into it; evaluation then uses it.
	bufs[0].Buffer.CopyFrom(tensor.MustNew([]float32{1, 2, 3}, 3))
	bufs[1].Buffer.CopyFrom(tensor.MustNew([]float32{4, 4, 4}, 3))
	bn.SetTraining(false)
	bn.Eps = 0
	got := bn.Forward(autograd.Const(tensor.MustNew([]float32{3, 2, 1}, 1, 3)))
	if diff := cmp.Diff(view([]int{1, 3}, 1, 0, -1), viewOf(got.Value()), approx(1e-7)); diff != "" {
		t.Errorf("evaluation with loaded buffers (-want +got):\n%s", diff)
	}
	var names []string
	for _, p := range bn.NamedParameters() {
		names = append(names, p.Name)
	}
	if diff := cmp.Diff([]string{"weight", "bias"}, names); diff != "" {
		t.Errorf("parameter names (-want +got):\n%s", diff)
	}
}

func TestBatchNorm1dPanics(t *testing.T) {
	bn := layers.NewSequential[float64](layers.NewBatchNorm1d[float64](3)).Layers[0]
	for _, shape := range [][]int{{4, 2}, {3}, {2, 3, 4, 5}, {2, 4, 3}} {
		se := shapePanic(t, func() { bn.Forward(autograd.Const(tensor.Zeros[float64](shape...))) })
		for _, want := range []string{"layers: BatchNorm1d (0.weight): input must be [N 3] or [N 3 L]", fmt.Sprint(shape), "[3]"} {
			if !strings.Contains(se.Error(), want) {
				t.Errorf("%v: %q does not mention %q", shape, se, want)
			}
		}
	}
	for _, shape := range [][]int{{1, 3}, {1, 3, 1}} {
		se := shapePanic(t, func() { bn.Forward(autograd.Const(tensor.Zeros[float64](shape...))) })
		if !strings.Contains(se.Error(), "more than one value per channel") {
			t.Errorf("%v: %q", shape, se)
		}
	}
	// In evaluation a single sample is fine.
	layers.SetTraining(bn, false)
	bn.Forward(autograd.Const(tensor.Zeros[float64](1, 3)))
	for _, n := range []int{0, -3} {
		shapePanic(t, func() { layers.NewBatchNorm1d[float64](n) })
	}
}

// TestBatchNormEmptyBatch: an empty batch in training gives an empty result
// and zero gradients for weight and bias, counts as a batch and leaves the
// running statistics alone, as torch 1.13's BatchNorm1d does for [0 3] and
// [3 3 0] (it raises an error only for one value per channel); it panicked.
func TestBatchNormEmptyBatch(t *testing.T) {
	for _, shape := range [][]int{{0, 3}, {3, 3, 0}} {
		bn := layers.NewBatchNorm1d[float64](3)
		copy(bn.RunningMean().Data(), []float64{1, 2, 3})
		x := autograd.Param(tensor.Zeros[float64](shape...))
		y := bn.Forward(x)
		if !y.Value().HasShape(shape...) {
			t.Errorf("%v: result %v", shape, y.Value().Shape())
		}
		autograd.Sum(y).Backward()
		if d := cmp.Diff([]float64{0, 0, 0}, bn.Weight.Grad().Data()); d != "" {
			t.Errorf("%v: weight gradient (-want +got):\n%s", shape, d)
		}
		if d := cmp.Diff([]float64{0, 0, 0}, bn.Bias.Grad().Data()); d != "" {
			t.Errorf("%v: bias gradient (-want +got):\n%s", shape, d)
		}
		if d := cmp.Diff([]float64{1, 2, 3}, bn.RunningMean().Data()); d != "" || bn.NumBatchesTracked() != 1 {
			t.Errorf("%v: running mean changed (-want +got):\n%s, or %d batches tracked, want 1", shape, d, bn.NumBatchesTracked())
		}
		if d := cmp.Diff([]float64{1, 1, 1}, bn.RunningVar().Data()); d != "" {
			t.Errorf("%v: running variance changed (-want +got):\n%s", shape, d)
		}
	}
}
