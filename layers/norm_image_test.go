package layers_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// The expected values of this file were computed with PyTorch 1.13 in
// float64: nn.BatchNorm2d(2) and nn.GroupNorm(2, 4) with the weights and
// biases below, and (torch 1.13 having no nn.RMSNorm) torch 2.x's formula
// x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + torch.finfo(x.dtype).eps)
// * weight. Each loss is sum(y ∘ W), W = torch.linspace(-1, 1, numel).

// linspace returns n values evenly spaced from -1 to 1 in shape.
func linspace(shape ...int) *tensor.Tensor[float64] {
	n := 1
	for _, d := range shape {
		n *= d
	}
	d := make([]float64, n)
	for i := range d {
		d[i] = -1 + 2*float64(i)/float64(n-1)
	}
	return tensor.MustNew(d, shape...)
}

// weightedLoss returns sum(y ∘ linspace).
func weightedLoss(y *autograd.Var[float64]) *autograd.Var[float64] {
	return autograd.Sum(autograd.Mul(y, autograd.Const(linspace(y.Shape()...))))
}

// TestBatchNorm2dMatchesTorch runs two training steps and an evaluation of
// BatchNorm2d(2): output, gradients, running statistics and the batch count.
func TestBatchNorm2dMatchesTorch(t *testing.T) {
	bn := layers.NewBatchNorm2d[float64](2)
	bn.Weight = autograd.Param(vec(1.5, 0.5))
	bn.Bias = autograd.Param(vec(0.1, -0.2))
	xd := []float64{-0.5, -0.13, 0.24, 0.6099999999999999, -0.32000000000000006, 0.050000000000000044, 0.4199999999999997,
		0.7899999999999998, -0.14000000000000012, 0.22999999999999998, 0.6000000000000001, -0.32999999999999985,
		0.03999999999999937, 0.4099999999999995, 0.7799999999999996, -0.15000000000000036}
	x := autograd.Param(tensor.MustNew(xd, 2, 2, 2, 2))
	y := bn.Forward(x)
	weightedLoss(y).Backward()
	shape := []int{2, 2, 2, 2}
	checks := []struct {
		what string
		got  *tensor.Tensor[float64]
		want tensorView
	}{
		{"y", y.Value(), view(shape, -2.1209598470574416, -0.6855796838936802, 0.7498004792700812, 2.185180642433842,
			-0.940319949019147, -0.46185989463122634, 0.016600159756693683, 0.49506021414461426, -0.7243737423575661,
			0.7110064208061957, 2.1463865839699574, -1.4614608531713884, -0.4747912474525224, 0.0036688069353982364,
			0.48212886132331884, -0.7204869510571298)},
		{"dx", x.Grad(), view(shape, -2.2729590966565283, -2.1253421085043023, -1.9777251203520767, -1.8301081321998505,
			-0.7576530322188435, -0.7084473695014346, -0.6592417067840254, -0.6100360440666164, 1.5054268740177872,
			1.653043862170013, 1.8006608503222392, 3.247002871202719, 0.5018089580059288, 0.5510146207233378,
			0.6002202834407468, 1.082334290400906)},
		{"dweight", bn.Weight.Grad(), view([]int{2}, 0.7965713337917816, 0.7965713337917791)},
		{"dbias", bn.Bias.Grad(), view([]int{2}, -2.1333333333333333, 2.1333333333333337)},
		{"running_mean after step 1", bn.RunningMean(), view([]int{2}, 0.0072499999999999995, 0.025249999999999974)},
		{"running_var after step 1", bn.RunningVar(), view([]int{2}, 0.917085, 0.917085)},
	}
	for _, c := range checks {
		if diff := cmp.Diff(c.want, viewOf(c.got), approx(1e-12)); diff != "" {
			t.Errorf("%s (-torch +got):\n%s", c.what, diff)
		}
	}
	// A second step on 2x + 0.25.
	bn.Forward(autograd.Const(tensor.Add(tensor.Scale(tensor.MustNew(xd, 2, 2, 2, 2), 2), tensor.Scalar(0.25))))
	if diff := cmp.Diff(view([]int{2}, 0.046024999999999996, 0.09822499999999994), viewOf(bn.RunningMean()), approx(1e-12)); diff != "" {
		t.Errorf("running_mean after step 2 (-torch +got):\n%s", diff)
	}
	if diff := cmp.Diff(view([]int{2}, 0.8937165, 0.8937165), viewOf(bn.RunningVar()), approx(1e-12)); diff != "" {
		t.Errorf("running_var after step 2 (-torch +got):\n%s", diff)
	}
	if n := bn.NumBatchesTracked(); n != 2 {
		t.Errorf("NumBatchesTracked %d, want 2", n)
	}
	layers.SetTraining[float64](bn, false)
	ye := bn.Forward(autograd.Const(tensor.MustNew([]float64{0.3, -0.7, 1.1, 0.2}, 1, 2, 1, 2)))
	want := view([]int{1, 2, 1, 2}, 0.5029766761037411, -1.0837018399066578, 0.3298316234587725, -0.14617193134434722)
	if diff := cmp.Diff(want, viewOf(ye.Value()), approx(1e-12)); diff != "" {
		t.Errorf("evaluation (-torch +got):\n%s", diff)
	}
	if n := bn.NumBatchesTracked(); n != 2 {
		t.Errorf("evaluation changed NumBatchesTracked to %d", n)
	}
}

// TestGroupNormMatchesTorch checks GroupNorm(2, 4) on [2 4 3].
func TestGroupNormMatchesTorch(t *testing.T) {
	gn := layers.NewGroupNorm[float64](2, 4)
	gn.Weight = autograd.Param(vec(1, 0.5, -1, 2))
	gn.Bias = autograd.Param(vec(0, 0.1, 0.2, 0.3))
	x := autograd.Param(tensor.MustNew([]float64{-0.8, -0.19000000000000006, 0.41999999999999993, -0.6699999999999999,
		-0.06000000000000005, 0.5499999999999998, -0.5399999999999998, 0.06999999999999962, 0.6799999999999999,
		-0.4099999999999997, 0.19999999999999973, 0.81, -0.2799999999999996, 0.32999999999999985, -0.7600000000000007,
		-0.14999999999999947, 0.45999999999999996, -0.6300000000000006, -0.01999999999999935, 0.5900000000000001,
		-0.5000000000000004, 0.11000000000000076, 0.7200000000000002, -0.37000000000000033}, 2, 4, 3))
	y := gn.Forward(x)
	weightedLoss(y).Backward()
	shape := []int{2, 4, 3}
	checks := []struct {
		what string
		got  *tensor.Tensor[float64]
		want tensorView
	}{
		{"y", y.Value(), view(shape, -1.3438280845292114, -0.12940566739910925, 1.0850167497309928, -0.4425083748654963,
			0.16470283369955463, 0.7719140422646056, 1.5438280845292112, 0.32940566739911, -0.8850167497309929,
			-1.8700334994619847, 0.5588113347982174, 2.987656169058423, -0.2403313064922417, 1.1129188192948472,
			-1.3051838644886429, 0.12403313064922498, 0.8006581935427693, -0.4083931483489756, 0.44033130649224167,
			-0.9129188192948471, 1.5051838644886428, 0.3961325225968999, 3.1026327741710773, -1.7335725933959023)},
		{"dx", x.Grad(), view(shape, -0.514524464285719, -0.560885929464549, -0.6072473946433785, 0.6938063694922814,
			0.560885929464549, 0.42796548943681667, 0.8035911058263605, 0.6473897260475334, 0.4911883462687065,
			-1.0105421953621216, -0.6473897260475336, -0.28423725673294553, -0.275083736672204, -0.026796274766781147,
			0.06715518276509375, -0.02214648150587778, 0.12968694434914663, 0.1271843658306231, -2.4689942022603573,
			-3.1519917762922876, -2.469166148221058, 2.3457163326197206, 2.241442974890181, 3.5029928192638016)},
		{"dweight", gn.Weight.Grad(), view([]int{4}, 0.41664141493971196, 0.03469985585834863, -0.0116090305646521, 0.4629503013627134)},
		{"dbias", gn.Bias.Grad(), view([]int{4}, -2.347826086956522, -0.7826086956521741, 0.7826086956521738, 2.3478260869565215)},
	}
	for _, c := range checks {
		if diff := cmp.Diff(c.want, viewOf(c.got), approx(1e-12)); diff != "" {
			t.Errorf("%s (-torch +got):\n%s", c.what, diff)
		}
	}
	if gn.NumGroups() != 2 || gn.NumChannels() != 4 {
		t.Errorf("NumGroups %d, NumChannels %d, want 2 and 4", gn.NumGroups(), gn.NumChannels())
	}
}

// TestRMSNormMatchesTorch checks RMSNorm(5) with its default eps.
func TestRMSNormMatchesTorch(t *testing.T) {
	l := layers.NewRMSNorm[float64](5)
	if l.Eps != 0x1p-52 || layers.NewRMSNorm[float32](5).Eps != 0x1p-23 {
		t.Errorf("default Eps %g and %g (float32), want torch.finfo(dtype).eps", l.Eps, layers.NewRMSNorm[float32](5).Eps)
	}
	l.Weight = autograd.Param(vec(1, 0.5, 2, -1, 1.5))
	x := autograd.Param(tensor.MustNew([]float64{-0.6, -0.06999999999999995, 0.4600000000000001, -0.10999999999999999,
		0.42000000000000004, -0.1499999999999998, 0.38, -0.19000000000000028, 0.33999999999999997, -0.22999999999999987}, 2, 5))
	y := l.Forward(x)
	weightedLoss(y).Backward()
	checks := []struct {
		what string
		got  *tensor.Tensor[float64]
		want tensorView
	}{
		{"y", y.Value(), view([]int{2, 5}, -1.5339299776947397, -0.08947924869885976, 2.3520259657986013, 0.28122049591070225,
			1.610626476579477, -0.5502966286852882, 0.6970423963346993, -1.3940847926694007, -1.247339025019988, -1.2656822459761639)},
		{"dx", x.Grad(), view([]int{2, 5}, -2.537612555692533, -0.9920045102663719, -2.8551297486062994, 0.8556551789157283,
			-0.43934784546318456, -0.7387213105276274, 3.5155234205198687, 2.6242299626044012, -0.25500012263888205, 3.745232007759334)},
		{"dweight", l.Weight.Grad(), view([]int{5}, 1.4727859078408188, 0.603884873310248, -1.0405863217966673, 1.0638927403191136, -0.9630938289159224)},
	}
	for _, c := range checks {
		if diff := cmp.Diff(c.want, viewOf(c.got), approx(1e-12)); diff != "" {
			t.Errorf("%s (-torch +got):\n%s", c.what, diff)
		}
	}
}

// TestNormLayersNames checks the parameter and buffer names, PyTorch's
// state_dict keys, and that a model file carries BatchNorm2d's running
// statistics.
func TestNormLayersNames(t *testing.T) {
	names := func(ps []layers.NamedParam[float64]) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Name)
		}
		return out
	}
	if diff := cmp.Diff([]string{"weight", "bias"}, names(layers.NewBatchNorm2d[float64](3).NamedParameters())); diff != "" {
		t.Errorf("BatchNorm2d parameters (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"weight", "bias"}, names(layers.NewGroupNorm[float64](1, 3).NamedParameters())); diff != "" {
		t.Errorf("GroupNorm parameters (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"weight"}, names(layers.NewRMSNorm[float64](2, 3).NamedParameters())); diff != "" {
		t.Errorf("RMSNorm parameters (-want +got):\n%s", diff)
	}

	newNet := func() *layers.Sequential[float64] {
		return layers.NewSequential[float64](layers.NewBatchNorm2d[float64](2), layers.NewGroupNorm[float64](2, 2))
	}
	src := newNet()
	src.Forward(autograd.Const(tensor.MustNew([]float64{1, 2, 3, 4, 5, 6, 7, 9}, 2, 2, 2, 1)))
	var buf bytes.Buffer
	if err := layers.Save(&buf, src); err != nil {
		t.Fatal(err)
	}
	dst := newNet()
	if err := layers.Load(&buf, dst); err != nil {
		t.Fatal(err)
	}
	bs, bd := src.Layers[0].(*layers.BatchNorm2d[float64]), dst.Layers[0].(*layers.BatchNorm2d[float64])
	if diff := cmp.Diff(viewOf(bs.RunningMean()), viewOf(bd.RunningMean())); diff != "" || bs.RunningMean().At(0) == 0 {
		t.Errorf("loaded running_mean %v, saved %v", bd.RunningMean(), bs.RunningMean())
	}
	if diff := cmp.Diff(viewOf(bs.RunningVar()), viewOf(bd.RunningVar())); diff != "" {
		t.Errorf("loaded running_var %v, saved %v", bd.RunningVar(), bs.RunningVar())
	}
}

func TestNormLayersPanics(t *testing.T) {
	cases := []struct {
		name, want string
		f          func()
	}{
		{"BatchNorm2d 3-D input", "layers: BatchNorm2d (weight): input must be [N 2 H W]",
			func() { layers.NewBatchNorm2d[float64](2).Forward(autograd.Const(tensor.Zeros[float64](2, 2, 3))) }},
		{"BatchNorm2d channels", "input must be [N 2 H W]",
			func() { layers.NewBatchNorm2d[float64](2).Forward(autograd.Const(tensor.Zeros[float64](2, 3, 1, 1))) }},
		{"BatchNorm2d one value per channel", "more than one value per channel",
			func() { layers.NewBatchNorm2d[float64](2).Forward(autograd.Const(tensor.Zeros[float64](1, 2, 1, 1))) }},
		{"BatchNorm2d size", "sizes [num] must be positive", func() { layers.NewBatchNorm2d[float64](0) }},
		{"GroupNorm divides", "3 groups do not divide 4 channels", func() { layers.NewGroupNorm[float64](3, 4) }},
		{"GroupNorm channels", "layers: GroupNorm (weight): input must be [N 4 ...]",
			func() { layers.NewGroupNorm[float64](2, 4).Forward(autograd.Const(tensor.Zeros[float64](2, 3, 5))) }},
		{"RMSNorm empty", "at least one axis", func() { layers.NewRMSNorm[float64]() }},
		{"RMSNorm shape", "layers: RMSNorm (weight): input must end in the normalized shape [3]",
			func() { layers.NewRMSNorm[float64](3).Forward(autograd.Const(tensor.Zeros[float64](2, 4))) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if se := shapePanic(t, tc.f); !strings.Contains(se.Error(), tc.want) {
				t.Errorf("panic %q, want it to contain %q", se, tc.want)
			}
		})
	}
	// In evaluation a single value per channel is fine.
	bn := layers.NewBatchNorm2d[float64](2)
	bn.SetTraining(false)
	bn.Forward(autograd.Const(tensor.Zeros[float64](1, 2, 1, 1)))
	if bn.Training() {
		t.Error("Training() after SetTraining(false)")
	}
}
