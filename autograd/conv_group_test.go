package autograd_test

// Tests of grouped and depthwise Conv2D, Conv1D and ConvTranspose2D:
// gradcheck rows (registered into the shared table), second derivatives,
// values against naive loops, the transpose relation, and the errors.

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/tensor"
)

func init() { moreGradcheckCases = append(moreGradcheckCases, convGroupCases) }

type convTOpts = autograd.ConvTranspose2DOptions

// convGroupCases is the gradcheck table's rows for grouped convolutions,
// Conv1D and ConvTranspose2D.
func convGroupCases() []gradcheckCase {
	var tab []gradcheckCase
	add := func(op, name string, f gradcheck.Func, inputs ...inputSpec) {
		tab = append(tab, gradcheckCase{op: op, name: name, inputs: inputs, f: f})
	}
	for _, c := range []struct {
		name string
		x, w []int
		opts convOpts
	}{
		{"groups 2", []int{2, 4, 4, 4}, []int{4, 2, 3, 3}, convOpts{Padding: convPair(1, 1), Groups: 2}},
		{"depthwise stride 2", []int{1, 3, 5, 5}, []int{3, 1, 3, 3}, convOpts{Stride: convPair(2, 2), Padding: convPair(1, 1), Groups: 3}},
		{"depthwise multiplier 2 dilation", []int{2, 2, 5, 4}, []int{4, 1, 2, 2}, convOpts{Dilation: convPair(2, 1), Groups: 2}},
		{"groups 3 pointwise", []int{2, 6, 2, 3}, []int{3, 2, 1, 1}, convOpts{Groups: 3}},
	} {
		add("Conv2D", c.name, func(x []*V) *V { return autograd.Conv2D(x[0], x[1], x[2], c.opts) },
			in(anyReal, c.x...), in(anyReal, c.w...), in(anyReal, c.w[0]))
	}
	for _, c := range []struct {
		name string
		x, w []int
		opts autograd.Conv1DOptions
	}{
		{"basic", []int{2, 3, 6}, []int{2, 3, 3}, autograd.Conv1DOptions{}},
		{"stride 2 padding 1 dilation 2", []int{1, 2, 9}, []int{3, 2, 2}, autograd.Conv1DOptions{Stride: 2, Padding: 1, Dilation: 2}},
		{"depthwise", []int{2, 3, 5}, []int{3, 1, 3}, autograd.Conv1DOptions{Padding: 1, Groups: 3}},
	} {
		add("Conv1D", c.name, func(x []*V) *V { return autograd.Conv1D(x[0], x[1], x[2], c.opts) },
			in(anyReal, c.x...), in(anyReal, c.w...), in(anyReal, c.w[0]))
	}
	for _, c := range []struct {
		name string
		x, w []int
		oc   int
		opts convTOpts
	}{
		{"basic", []int{1, 2, 3, 3}, []int{2, 3, 2, 2}, 3, convTOpts{}},
		{"stride 2 padding 1 output padding 1", []int{2, 2, 2, 3}, []int{2, 2, 3, 3}, 2,
			convTOpts{Stride: convPair(2, 2), Padding: convPair(1, 1), OutputPadding: convPair(1, 1)}},
		{"groups 2 dilation", []int{1, 4, 3, 2}, []int{4, 1, 2, 2}, 2, convTOpts{Dilation: convPair(2, 1), Groups: 2}},
		{"output padding at the stride", []int{1, 1, 3, 3}, []int{1, 2, 2, 2}, 2,
			convTOpts{Stride: convPair(1, 2), Dilation: convPair(2, 1), OutputPadding: convPair(1, 1)}},
		{"pointwise", []int{2, 3, 2, 2}, []int{3, 2, 1, 1}, 2, convTOpts{}},
	} {
		add("ConvTranspose2D", c.name, func(x []*V) *V { return autograd.ConvTranspose2D(x[0], x[1], x[2], c.opts) },
			in(anyReal, c.x...), in(anyReal, c.w...), in(anyReal, c.oc))
	}
	return tab
}

// TestConvGroupGradgradcheck gradchecks the gradients (Grad with
// CreateGraph) of grouped Conv2D, Conv1D and ConvTranspose2D.
func TestConvGroupGradgradcheck(t *testing.T) {
	cases := []gradgradCase{
		{"Conv2D depthwise multiplier 2", func(x []*V) *V {
			return autograd.Conv2D(x[0], x[1], x[2], convOpts{Stride: convPair(2, 1), Padding: convPair(1, 0), Groups: 2})
		}, []inputSpec{in(anyReal, 1, 2, 3, 3), in(anyReal, 4, 1, 2, 2), in(anyReal, 4)}, []int{1, 4, 2, 2}},
		{"Conv1D groups 2", func(x []*V) *V {
			return autograd.Conv1D(x[0], x[1], nil, autograd.Conv1DOptions{Dilation: 2, Groups: 2})
		}, []inputSpec{in(anyReal, 2, 4, 5), in(anyReal, 2, 2, 2)}, []int{2, 2, 3}},
		{"ConvTranspose2D output padding at the stride", func(x []*V) *V {
			return autograd.ConvTranspose2D(x[0], x[1], x[2],
				convTOpts{Stride: convPair(2, 1), Dilation: convPair(1, 2), OutputPadding: convPair(1, 1), Groups: 2})
		}, []inputSpec{in(anyReal, 1, 2, 2, 2), in(anyReal, 2, 1, 2, 2), in(anyReal, 2)}, []int{1, 2, 5, 5}},
	}
	runGradgrad(t, cases, 9000)
}

// convNaiveGrouped is the direct grouped convolution of x [N C H W] (or
// [N C L], as H = 1) with w [OC C/G KH KW], in float64.
func convNaiveGrouped(x, w, b *tensor.Tensor[float64], st, pd, dl [2]int, groups int) *tensor.Tensor[float64] {
	xs, ws := x.Shape(), w.Shape()
	if len(xs) == 3 {
		xs, ws = []int{xs[0], xs[1], 1, xs[2]}, []int{ws[0], ws[1], 1, ws[2]}
		x, w = x.Reshape(xs...), w.Reshape(ws...)
	}
	n, c, h, wd := xs[0], xs[1], xs[2], xs[3]
	oc, cg, kh, kw := ws[0], ws[1], ws[2], ws[3]
	ocg := oc / groups
	oh := (h+2*pd[0]-dl[0]*(kh-1)-1)/st[0] + 1
	ow := (wd+2*pd[1]-dl[1]*(kw-1)-1)/st[1] + 1
	out := tensor.Zeros[float64](n, oc, oh, ow)
	for bi := 0; bi < n; bi++ {
		for o := 0; o < oc; o++ {
			for y := 0; y < oh; y++ {
				for xo := 0; xo < ow; xo++ {
					s := 0.0
					if b != nil {
						s = b.At(o)
					}
					for ci := 0; ci < cg; ci++ {
						for i := 0; i < kh; i++ {
							for j := 0; j < kw; j++ {
								ih, iw := y*st[0]-pd[0]+i*dl[0], xo*st[1]-pd[1]+j*dl[1]
								if ih >= 0 && ih < h && iw >= 0 && iw < wd {
									s += w.At(o, ci, i, j) * x.At(bi, o/ocg*cg+ci, ih, iw)
								}
							}
						}
					}
					out.Set(s, bi, o, y, xo)
				}
			}
		}
	}
	_ = c
	return out
}

// convTNaive is the transposed convolution by its definition: each input
// element scatters its filters into the output, of the given size.
func convTNaive(x, w, b *tensor.Tensor[float64], o convTOpts, oh, ow int) *tensor.Tensor[float64] {
	xs, ws := x.Shape(), w.Shape()
	n, c, h, wd := xs[0], xs[1], xs[2], xs[3]
	g := max(o.Groups, 1)
	ocg, kh, kw := ws[1], ws[2], ws[3]
	out := tensor.Zeros[float64](n, g*ocg, oh, ow)
	st, dl := convOr1Test(o.Stride), convOr1Test(o.Dilation)
	for bi := 0; bi < n; bi++ {
		for ci := 0; ci < c; ci++ {
			grp := ci / (c / g)
			for y := 0; y < h; y++ {
				for xi := 0; xi < wd; xi++ {
					for oo := 0; oo < ocg; oo++ {
						for i := 0; i < kh; i++ {
							for j := 0; j < kw; j++ {
								yy, xx := y*st[0]-o.Padding[0]+i*dl[0], xi*st[1]-o.Padding[1]+j*dl[1]
								if yy >= 0 && yy < oh && xx >= 0 && xx < ow {
									oc := grp*ocg + oo
									out.Set(out.At(bi, oc, yy, xx)+x.At(bi, ci, y, xi)*w.At(ci, oo, i, j), bi, oc, yy, xx)
								}
							}
						}
					}
				}
			}
		}
	}
	if b != nil {
		for bi := 0; bi < n; bi++ {
			for oc := 0; oc < g*ocg; oc++ {
				for y := 0; y < oh; y++ {
					for xx := 0; xx < ow; xx++ {
						out.Set(out.At(bi, oc, y, xx)+b.At(oc), bi, oc, y, xx)
					}
				}
			}
		}
	}
	return out
}

func convOr1Test(v [2]int) [2]int { return [2]int{max(v[0], 1), max(v[1], 1)} }

// TestConvGroupsMatchNaive compares grouped Conv2D and Conv1D with the
// direct loops.
func TestConvGroupsMatchNaive(t *testing.T) {
	for i, c := range []struct {
		name       string
		x, w       []int
		st, pd, dl [2]int
		groups     int
	}{
		{"Conv2D groups 2", []int{2, 4, 5, 6}, []int{6, 2, 3, 2}, convPair(1, 2), convPair(1, 0), convPair(1, 1), 2},
		{"Conv2D depthwise 3x3 same", []int{2, 5, 6, 6}, []int{5, 1, 3, 3}, convPair(1, 1), convPair(1, 1), convPair(1, 1), 5},
		{"Conv2D depthwise multiplier 3 dilated", []int{1, 2, 7, 5}, []int{6, 1, 2, 2}, convPair(2, 1), convPair(0, 1), convPair(2, 2), 2},
		{"Conv2D groups 4 pointwise", []int{3, 8, 2, 3}, []int{4, 2, 1, 1}, convPair(1, 1), convPair(0, 0), convPair(1, 1), 4},
		{"Conv1D groups 2 strided", []int{2, 4, 9}, []int{2, 2, 3}, convPair(1, 2), convPair(0, 1), convPair(1, 1), 2},
		{"Conv1D depthwise dilated", []int{1, 3, 8}, []int{3, 1, 3}, convPair(1, 1), convPair(0, 2), convPair(1, 2), 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := in(anyReal, c.x...).draw(uint64(300 + 3*i))
			w := in(anyReal, c.w...).draw(uint64(301 + 3*i))
			b := in(anyReal, c.w[0]).draw(uint64(302 + 3*i))
			want := convNaiveGrouped(x, w, b, c.st, c.pd, c.dl, c.groups)
			var got *V
			if len(c.x) == 3 {
				got = autograd.Conv1D(autograd.Const(x), autograd.Const(w), autograd.Const(b),
					autograd.Conv1DOptions{Stride: c.st[1], Padding: c.pd[1], Dilation: c.dl[1], Groups: c.groups})
				ws := want.Shape()
				want = want.Reshape(ws[0], ws[1], ws[3])
			} else {
				got = autograd.Conv2D(autograd.Const(x), autograd.Const(w), autograd.Const(b),
					convOpts{Stride: c.st, Padding: c.pd, Dilation: c.dl, Groups: c.groups})
			}
			checkTensor(t, "value", got.Value(), viewOf(want), 1e-12)
		})
	}
}

// TestConvTranspose2DMatchesNaive compares ConvTranspose2D with the
// scatter loops, at PyTorch's output size (given here by hand), including
// an output padding that reaches the stride, and checks the transpose
// relation ⟨ConvTranspose2D(x, w), y⟩ = ⟨x, Conv2D(y, w)⟩ where Conv2D's
// output has x's size.
func TestConvTranspose2DMatchesNaive(t *testing.T) {
	for i, c := range []struct {
		name   string
		x, w   []int
		opts   convTOpts
		oh, ow int
	}{
		{"basic", []int{1, 2, 3, 3}, []int{2, 3, 3, 3}, convTOpts{}, 5, 5},
		{"stride 2 padding 1 output padding 1", []int{2, 2, 3, 4}, []int{2, 3, 3, 3}, convTOpts{Stride: convPair(2, 2), Padding: convPair(1, 1), OutputPadding: convPair(1, 1)}, 6, 8},
		{"groups 2 rectangular", []int{2, 4, 3, 2}, []int{4, 3, 2, 3}, convTOpts{Stride: convPair(1, 3), Padding: convPair(0, 1), Groups: 2}, 4, 4},
		{"depthwise stride 2", []int{1, 3, 4, 4}, []int{3, 1, 3, 3}, convTOpts{Stride: convPair(2, 2), Padding: convPair(1, 1), Groups: 3}, 7, 7},
		{"output padding at the stride below the dilation", []int{1, 2, 3, 3}, []int{2, 2, 2, 2}, convTOpts{Stride: convPair(1, 2), Dilation: convPair(2, 1), OutputPadding: convPair(1, 1)}, 6, 7},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := in(anyReal, c.x...).draw(uint64(400 + 3*i))
			w := in(anyReal, c.w...).draw(uint64(401 + 3*i))
			oc := max(c.opts.Groups, 1) * c.w[1]
			b := in(anyReal, oc).draw(uint64(402 + 3*i))
			got := autograd.ConvTranspose2D(autograd.Const(x), autograd.Const(w), autograd.Const(b), c.opts)
			if diff := cmp.Diff([]int{c.x[0], oc, c.oh, c.ow}, got.Shape()); diff != "" {
				t.Fatalf("shape (-want +got):\n%s", diff)
			}
			checkTensor(t, "value", got.Value(), viewOf(convTNaive(x, w, b, c.opts, c.oh, c.ow)), 1e-12)

			// The transpose relation, through the gradient: d/dx ⟨ConvT(x, w), y⟩ = Conv2D(y, w) at x's positions.
			y := in(anyReal, c.x[0], oc, c.oh, c.ow).draw(uint64(500 + i))
			xp := autograd.Param(x)
			autograd.Sum(autograd.Mul(autograd.ConvTranspose2D(xp, autograd.Const(w), nil, c.opts), autograd.Const(y))).Backward()
			full := convNaiveGrouped(y, w, nil, convOr1Test(c.opts.Stride), c.opts.Padding, convOr1Test(c.opts.Dilation), max(c.opts.Groups, 1))
			want := tensor.Zeros[float64](c.x...)
			for n := 0; n < c.x[0]; n++ {
				for ch := 0; ch < c.x[1]; ch++ {
					for r := 0; r < c.x[2]; r++ {
						for q := 0; q < c.x[3]; q++ {
							want.Set(full.At(n, ch, r, q), n, ch, r, q)
						}
					}
				}
			}
			checkTensor(t, "d/dx", xp.Grad(), viewOf(want), 1e-12)
		})
	}
}

// TestConvGroupShapeErrors pins the messages of the new checks.
func TestConvGroupShapeErrors(t *testing.T) {
	c := func(shape ...int) *V { return autograd.Const(tensor.Zeros[float64](shape...)) }
	for _, tc := range []struct {
		name string
		f    func()
		want string
	}{
		{"Conv2D negative groups", func() { autograd.Conv2D(c(1, 4, 5, 5), c(4, 2, 3, 3), nil, convOpts{Groups: -1}) },
			"autograd: Conv2D: groups must be non-negative (0 means 1), got -1: [1 4 5 5] x [4 2 3 3]"},
		{"Conv2D channels not divisible", func() { autograd.Conv2D(c(1, 5, 5, 5), c(4, 2, 3, 3), nil, convOpts{Groups: 2}) },
			"autograd: Conv2D: input channels 5 (axis 1) are not divisible by groups 2: [1 5 5 5] x [4 2 3 3]"},
		{"Conv2D output channels not divisible", func() { autograd.Conv2D(c(1, 4, 5, 5), c(3, 2, 3, 3), nil, convOpts{Groups: 2}) },
			"autograd: Conv2D: output channels 3 (weight axis 0) are not divisible by groups 2: [1 4 5 5] x [3 2 3 3]"},
		{"Conv2D weight channels", func() { autograd.Conv2D(c(1, 4, 5, 5), c(4, 4, 3, 3), nil, convOpts{Groups: 2}) },
			"autograd: Conv2D: input has 4 channels (axis 1) but weight expects 4 (weight axis 1) × 2 groups = 8: [1 4 5 5] x [4 4 3 3]"},
		{"Conv1D not 3-D", func() { autograd.Conv1D(c(1, 4, 5, 5), c(4, 4, 3), nil, autograd.Conv1DOptions{}) },
			"autograd: Conv1D: input must be 3-D [N C L]: [1 4 5 5] x [4 4 3]"},
		{"Conv1D depthwise weight", func() { autograd.Conv1D(c(2, 3, 8), c(3, 3, 3), nil, autograd.Conv1DOptions{Groups: 3}) },
			"autograd: Conv1D: input has 3 channels (axis 1) but weight expects 3 (weight axis 1) × 3 groups = 9: [2 3 8] x [3 3 3]"},
		{"Conv1D negative stride", func() { autograd.Conv1D(c(2, 3, 8), c(3, 3, 3), nil, autograd.Conv1DOptions{Stride: -2}) },
			"autograd: Conv1D: stride must be non-negative (0 means 1), got -2: [2 3 8] x [3 3 3]"},
		{"Conv1D dilated kernel too long", func() { autograd.Conv1D(c(2, 3, 4), c(3, 3, 3), nil, autograd.Conv1DOptions{Dilation: 2}) },
			"autograd: Conv1D: dilated kernel length 5 is larger than the padded input length 4 (axis 2): [2 3 4] x [3 3 3]"},
		{"ConvTranspose2D weight axis 0", func() { autograd.ConvTranspose2D(c(1, 3, 4, 4), c(2, 3, 3, 3), nil, convTOpts{}) },
			"autograd: ConvTranspose2D: input has 3 channels (axis 1) but weight expects 2 (weight axis 0): [1 3 4 4] x [2 3 3 3]"},
		{"ConvTranspose2D groups", func() { autograd.ConvTranspose2D(c(1, 3, 4, 4), c(3, 2, 3, 3), nil, convTOpts{Groups: 2}) },
			"autograd: ConvTranspose2D: input channels 3 (axis 1) are not divisible by groups 2: [1 3 4 4] x [3 2 3 3]"},
		{"ConvTranspose2D bias", func() { autograd.ConvTranspose2D(c(1, 4, 4, 4), c(4, 2, 3, 3), c(2), convTOpts{Groups: 2}) },
			"autograd: ConvTranspose2D: bias must have shape [4], one per output channel: [1 4 4 4] x [4 2 3 3] x [2]"},
		{"ConvTranspose2D output padding", func() {
			autograd.ConvTranspose2D(c(1, 2, 4, 4), c(2, 2, 3, 3), nil, convTOpts{Stride: convPair(2, 2), OutputPadding: convPair(0, 2)})
		}, "autograd: ConvTranspose2D: output padding [0 2] must be smaller than the stride [2 2] or the dilation [1 1] (width): [1 2 4 4] x [2 2 3 3]"},
		{"ConvTranspose2D negative output padding", func() {
			autograd.ConvTranspose2D(c(1, 2, 4, 4), c(2, 2, 3, 3), nil, convTOpts{OutputPadding: convPair(-1, 0)})
		}, "autograd: ConvTranspose2D: output padding must be non-negative, got [-1 0]: [1 2 4 4] x [2 2 3 3]"},
		{"ConvTranspose2D empty output", func() {
			autograd.ConvTranspose2D(c(1, 2, 1, 4), c(2, 2, 1, 3), nil, convTOpts{Padding: convPair(1, 0)})
		}, "autograd: ConvTranspose2D: output height (1−1)·1 − 2·1 + 1·(1−1) + 0 + 1 = -1 is not positive: [1 2 1 4] x [2 2 1 3]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			se := mustShapeError(t, tc.f)
			if got := se.Error(); got != tc.want {
				t.Errorf("message:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}
