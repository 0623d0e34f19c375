package tensor_test

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/tensor"
)

// dwNaive returns, in float64, the depthwise convolution of x [N C H W]
// with w [C·m 1 KH KW] and bias, and for the result's gradient g the
// gradients with respect to x and w, each with the sum of the absolute
// values of its terms (the scale of its rounding error).
func dwNaive(x, w, bias, g []float64, xs, ws []int, win tensor.Window2D) (out, outAbs, dx, dxAbs, dw, dwAbs []float64) {
	n, c, h, wd := xs[0], xs[1], xs[2], xs[3]
	oc, kh, kw := ws[0], ws[2], ws[3]
	m := oc / c
	oh, ow := win.OutSize(h, wd)
	out, outAbs = make([]float64, n*oc*oh*ow), make([]float64, n*oc*oh*ow)
	dx, dxAbs = make([]float64, len(x)), make([]float64, len(x))
	dw, dwAbs = make([]float64, len(w)), make([]float64, len(w))
	for i := range n {
		for o := range oc {
			ci := o / m
			for y := range oh {
				for xo := range ow {
					q := ((i*oc+o)*oh+y)*ow + xo
					s, a := bias[o], math.Abs(bias[o])
					for ki := range kh {
						for kj := range kw {
							ih := y*win.Stride[0] - win.Padding[0] + ki*win.Dilation[0]
							iw := xo*win.Stride[1] - win.Padding[1] + kj*win.Dilation[1]
							if ih < 0 || ih >= h || iw < 0 || iw >= wd {
								continue
							}
							xi := ((i*c+ci)*h+ih)*wd + iw
							wi := (o*kh+ki)*kw + kj
							s += w[wi] * x[xi]
							a += math.Abs(w[wi] * x[xi])
							dx[xi] += w[wi] * g[q]
							dxAbs[xi] += math.Abs(w[wi] * g[q])
							dw[wi] += g[q] * x[xi]
							dwAbs[wi] += math.Abs(g[q] * x[xi])
						}
					}
					out[q], outAbs[q] = s, a
				}
			}
		}
	}
	return out, outAbs, dx, dxAbs, dw, dwAbs
}

// dwClose reports the first element of got that differs from want by more
// than a few roundings of T on the scale abs.
func dwClose(t *testing.T, what string, got, want, abs []float64, eps float64) {
	t.Helper()
	for i := range want {
		if d := math.Abs(got[i] - want[i]); !(d <= 8*eps*abs[i]+1e-300) {
			t.Errorf("%s[%d] = %v, want %v (scale %v)", what, i, got[i], want[i], abs[i])
			return
		}
	}
}

func dwF64[T tensor.Float](t *tensor.Tensor[T]) []float64 {
	r := make([]float64, t.Len())
	for i, v := range t.Data() {
		r[i] = float64(v)
	}
	return r
}

// dwGeometries are depthwise convolutions that the direct kernels take:
// "same" windows (one run per tap), strided, dilated, unpadded and
// rectangular ones, channel multipliers 1, 2 and 4, planes of one row,
// one column or one element, and taps that fall wholly in the padding.
var dwGeometries = []struct {
	name string
	x, w []int
	win  tensor.Window2D
}{
	{"3x3 same", []int{2, 3, 7, 6}, []int{3, 1, 3, 3}, convWin([2]int{3, 3}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1})},
	{"3x3 stride 2", []int{2, 3, 8, 8}, []int{3, 1, 3, 3}, convWin([2]int{3, 3}, [2]int{2, 2}, [2]int{1, 1}, [2]int{1, 1})},
	{"3x3 stride 2 odd", []int{1, 2, 7, 9}, []int{2, 1, 3, 3}, convWin([2]int{3, 3}, [2]int{2, 2}, [2]int{1, 1}, [2]int{1, 1})},
	{"3x3 stride 3 by 2", []int{1, 2, 10, 11}, []int{4, 1, 3, 3}, convWin([2]int{3, 3}, [2]int{3, 2}, [2]int{1, 0}, [2]int{1, 1})},
	{"3x3 dilation 2 same", []int{2, 2, 9, 8}, []int{2, 1, 3, 3}, convWin([2]int{3, 3}, [2]int{1, 1}, [2]int{2, 2}, [2]int{2, 2})},
	{"3x3 unpadded", []int{1, 3, 6, 7}, []int{3, 1, 3, 3}, convWin([2]int{3, 3}, [2]int{1, 1}, [2]int{0, 0}, [2]int{1, 1})},
	{"5x5 same multiplier 2", []int{2, 2, 6, 5}, []int{4, 1, 5, 5}, convWin([2]int{5, 5}, [2]int{1, 1}, [2]int{2, 2}, [2]int{1, 1})},
	{"5x5 on 2 rows", []int{1, 2, 2, 6}, []int{2, 1, 5, 5}, convWin([2]int{5, 5}, [2]int{1, 1}, [2]int{2, 2}, [2]int{1, 1})},
	{"2x3 multiplier 4", []int{2, 2, 5, 6}, []int{8, 1, 2, 3}, convWin([2]int{2, 3}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1})},
	{"3x3 one element", []int{2, 3, 1, 1}, []int{3, 1, 3, 3}, convWin([2]int{3, 3}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1})},
	{"3x3 one column", []int{1, 2, 5, 1}, []int{2, 1, 3, 3}, convWin([2]int{3, 3}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1})},
	{"1x3 one row stride 2", []int{2, 2, 1, 9}, []int{2, 1, 1, 3}, convWin([2]int{1, 3}, [2]int{1, 2}, [2]int{0, 1}, [2]int{1, 1})},
	{"3x3 no images", []int{0, 2, 4, 4}, []int{2, 1, 3, 3}, convWin([2]int{3, 3}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1})},
}

// TestDepthwiseDirectMatchesNaive checks the direct depthwise kernels
// (forward, both gradients, and the transposed kernels, which run the
// same maps) against a float64 reference, within a few roundings of the
// element type on the scale of each sum's terms, with no scratch and with
// the scratch Conv2DDirectWork asks for (the strided windows then take
// vector loops over the input split by column phase), which must give the
// same bits.
func TestDepthwiseDirectMatchesNaive(t *testing.T) {
	t.Run("float32", func(t *testing.T) { dwCheck[float32](t, 0x1p-24) })
	t.Run("float64", func(t *testing.T) { dwCheck[float64](t, 0x1p-53) })
}

func dwCheck[T tensor.Float](t *testing.T, eps float64) {
	for i, c := range dwGeometries {
		t.Run(c.name, func(t *testing.T) {
			x := convRand[T](uint64(300+3*i), c.x...)
			w := convRand[T](uint64(301+3*i), c.w...)
			bias := convRand[T](uint64(302+3*i), c.w[0])
			oh, ow := c.win.OutSize(c.x[2], c.x[3])
			ys := []int{c.x[0], c.w[0], oh, ow}
			g := convRand[T](uint64(303+3*i), ys...)
			n, ok := tensor.Conv2DDirectWork(x, w, c.win)
			if !ok {
				t.Fatal("Conv2DDirectWork: not direct")
			}
			out, outAbs, dx, dxAbs, dw, dwAbs := dwNaive(dwF64(x), dwF64(w), dwF64(bias), dwF64(g), c.x, c.w, c.win)
			var first [3]*tensor.Tensor[T]
			for _, work := range []*tensor.Tensor[T]{nil, tensor.Zeros[T](n)} {
				y := convPoison[T](ys...)
				tensor.Conv2DInto(y, x, w, bias, work, c.win)
				gx := convPoison[T](c.x...)
				tensor.Conv2DInputGradInto(gx, g, w, work, c.win)
				gw := convPoison[T](c.w...)
				wwork := work
				if wwork == nil {
					wwork = tensor.Zeros[T](oh * ow)
				}
				tensor.Conv2DWeightGradInto(gw, x, g, wwork, nil, c.win, 0)
				dwClose(t, "out", dwF64(y), out, outAbs, eps)
				dwClose(t, "dx", dwF64(gx), dx, dxAbs, eps)
				dwClose(t, "dw", dwF64(gw), dw, dwAbs, eps)
				// beta 1 adds the gradient to what dw holds.
				gw2 := tensor.Full[T](1, c.w...)
				tensor.Conv2DWeightGradInto(gw2, x, g, wwork, nil, c.win, 1)
				for k, v := range gw2.Data() {
					if v != 1+gw.Data()[k] {
						t.Fatalf("beta 1: dw[%d] = %v, want 1 + %v", k, v, gw.Data()[k])
					}
				}
				// The transposed kernels run the same maps.
				ty := convPoison[T](c.x...)
				tensor.ConvTranspose2DInto(ty, g, w, nil, work, c.win)
				tdx := convPoison[T](ys...)
				tensor.ConvTranspose2DInputGradInto(tdx, x, w, work, c.win)
				tdw := convPoison[T](c.w...)
				tensor.ConvTranspose2DWeightGradInto(tdw, g, x, wwork, nil, c.win, 0)
				eq := cmpopts.EquateNaNs()
				if d := cmp.Diff(gx.Data(), ty.Data(), eq); d != "" {
					t.Errorf("ConvTranspose2DInto is not Conv2DInputGradInto:\n%s", d)
				}
				if d := cmp.Diff(gw.Data(), tdw.Data(), eq); d != "" {
					t.Errorf("ConvTranspose2DWeightGradInto is not Conv2DWeightGradInto:\n%s", d)
				}
				// y has the bias, which the transposed kernel does not add.
				nb := convPoison[T](ys...)
				tensor.Conv2DInto(nb, x, w, nil, work, c.win)
				if d := cmp.Diff(nb.Data(), tdx.Data(), eq); d != "" {
					t.Errorf("ConvTranspose2DInputGradInto is not Conv2DInto:\n%s", d)
				}
				if first[0] == nil {
					first = [3]*tensor.Tensor[T]{y, gx, gw}
					continue
				}
				for k, what := range []string{"out", "dx", "dw"} {
					if d := cmp.Diff(first[k].Data(), [3]*tensor.Tensor[T]{y, gx, gw}[k].Data(), eq); d != "" {
						t.Errorf("%s with scratch differs from without:\n%s", what, d)
					}
				}
			}
		})
	}
}

// TestDepthwiseDirectNonFinite checks that an Inf or NaN in the input
// reaches exactly the results whose sums read it: the direct kernels add
// each tap's rows as one run, which also reads elements of neighbouring
// rows at the edges, and those must not leak into the results.
func TestDepthwiseDirectNonFinite(t *testing.T) {
	for _, c := range dwGeometries[:3] {
		for _, bad := range []float64{math.Inf(1), math.NaN()} {
			for _, pos := range [][2]int{{0, 0}, {1, 0}, {2, 5}, {3, c.x[3] - 1}} {
				x := convRand[float64](7, c.x...)
				w := convRand[float64](8, c.w...)
				bias := tensor.Zeros[float64](c.w[0])
				oh, ow := c.win.OutSize(c.x[2], c.x[3])
				ys := []int{c.x[0], c.w[0], oh, ow}
				g := convRand[float64](9, ys...)
				x.Data()[pos[0]*c.x[3]+pos[1]] = bad
				gb := g.Clone()
				gb.Data()[pos[0]*ow%len(gb.Data())+min(pos[1], ow-1)] = bad
				out, _, _, _, dw, _ := dwNaive(x.Data(), w.Data(), bias.Data(), g.Data(), c.x, c.w, c.win)
				_, _, dx, _, _, _ := dwNaive(x.Data(), w.Data(), bias.Data(), gb.Data(), c.x, c.w, c.win)
				n, _ := tensor.Conv2DDirectWork(x, w, c.win)
				y := convPoison[float64](ys...)
				tensor.Conv2DInto(y, x, w, bias, tensor.Zeros[float64](n), c.win)
				gx := convPoison[float64](c.x...)
				tensor.Conv2DInputGradInto(gx, gb, w, tensor.Zeros[float64](n), c.win)
				gw := convPoison[float64](c.w...)
				tensor.Conv2DWeightGradInto(gw, x, g, tensor.Zeros[float64](n), nil, c.win, 0)
				for _, r := range []struct {
					what      string
					got, want []float64
				}{{"out", y.Data(), out}, {"dx", gx.Data(), dx}, {"dw", gw.Data(), dw}} {
					for k, v := range r.want {
						fin := !math.IsInf(v, 0) && !math.IsNaN(v)
						gf := !math.IsInf(r.got[k], 0) && !math.IsNaN(r.got[k])
						if fin != gf || (!fin && math.IsInf(v, 0) && r.got[k] != v) {
							t.Errorf("%s, %v at %v: %s[%d] = %v, want %v", c.name, bad, pos, r.what, k, r.got[k], v)
							break
						}
					}
				}
			}
		}
	}
}
