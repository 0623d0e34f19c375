package tensor

// This file holds the loops of average pooling (AvgPool2DInto and
// AvgPool2DGradInto in conv_into.go). The windows that lie wholly inside
// the plane, all but a border, need no bounds check per tap: they take a
// loop over the taps' offsets (unrolled for the 2×2 and 3×3 windows), and
// only the border windows the checked one. Both add the taps in the same
// row-major order from +0, so the bits are those of the checked loop
// alone. The gradient of a 2×2 stride-2 window, whose windows tile the
// plane, writes each element of dx once instead of adding into zeros.

// avgPoolPlane sets po (oh×ow) to the window means of plane (h×w); count
// is KH·KW and taps the taps' offsets (see poolTaps).
func avgPoolPlane[T Float](po, plane []T, pa *poolArgs, taps []int, oh, ow int, count T) {
	win := pa.win
	yLo, yHi := pa.inner(0, oh)
	xLo, xHi := pa.inner(1, ow)
	unit := win.Dilation == [2]int{1, 1}
	sw, w := win.Stride[1], pa.w
	for y := 0; y < oh; y++ {
		ro := po[y*ow:][:ow]
		if y < yLo || y >= yHi {
			avgPoolChecked(ro, plane, pa, y, 0, ow, count)
			continue
		}
		avgPoolChecked(ro, plane, pa, y, 0, xLo, count)
		y0 := y*win.Stride[0] - win.Padding[0]
		x0 := -win.Padding[1]
		var zero T
		switch {
		case unit && win.Kernel == [2]int{2, 2}:
			r0, r1 := plane[y0*w:][:w], plane[(y0+1)*w:][:w]
			for xo := xLo; xo < xHi; xo++ {
				ix := xo*sw + x0
				a, b := r0[ix:][:2], r1[ix:][:2]
				ro[xo] = (zero + a[0] + a[1] + b[0] + b[1]) / count
			}
		case unit && win.Kernel == [2]int{3, 3}:
			r0, r1, r2 := plane[y0*w:][:w], plane[(y0+1)*w:][:w], plane[(y0+2)*w:][:w]
			for xo := xLo; xo < xHi; xo++ {
				ix := xo*sw + x0
				a, b, c := r0[ix:][:3], r1[ix:][:3], r2[ix:][:3]
				ro[xo] = (zero + a[0] + a[1] + a[2] + b[0] + b[1] + b[2] + c[0] + c[1] + c[2]) / count
			}
		default:
			for xo := xLo; xo < xHi; xo++ {
				base := y0*w + xo*sw + x0
				s := zero
				for _, t := range taps {
					s += plane[base+t]
				}
				ro[xo] = s / count
			}
		}
		avgPoolChecked(ro, plane, pa, y, xHi, ow, count)
	}
}

// avgPoolChecked sets ro[xa:xb] (output row y) to the window means, each
// tap checked against the plane: taps in the padding count as zeros.
func avgPoolChecked[T Float](ro, plane []T, pa *poolArgs, y, xa, xb int, count T) {
	win := pa.win
	for xo := xa; xo < xb; xo++ {
		var s T
		for i := 0; i < win.Kernel[0]; i++ {
			ih := y*win.Stride[0] - win.Padding[0] + i*win.Dilation[0]
			if ih < 0 || ih >= pa.h {
				continue
			}
			row := plane[ih*pa.w:][:pa.w]
			for j := 0; j < win.Kernel[1]; j++ {
				if iw := xo*win.Stride[1] - win.Padding[1] + j*win.Dilation[1]; iw >= 0 && iw < pa.w {
					s += row[iw]
				}
			}
		}
		ro[xo] = s / count
	}
}

// avgPoolGradPlane adds into plane (h×w) g (oh×ow) times inv from each
// window at its taps, in row-major output order.
func avgPoolGradPlane[T Float](plane, pg []T, pa *poolArgs, taps []int, oh, ow int, inv T) {
	win := pa.win
	yLo, yHi := pa.inner(0, oh)
	xLo, xHi := pa.inner(1, ow)
	unit := win.Dilation == [2]int{1, 1}
	sw, w := win.Stride[1], pa.w
	for y := 0; y < oh; y++ {
		rg := pg[y*ow:][:ow]
		if y < yLo || y >= yHi {
			avgPoolGradChecked(plane, rg, pa, y, 0, ow, inv)
			continue
		}
		avgPoolGradChecked(plane, rg, pa, y, 0, xLo, inv)
		y0 := y*win.Stride[0] - win.Padding[0]
		x0 := -win.Padding[1]
		switch {
		case unit && win.Kernel == [2]int{3, 3}:
			// Each output's taps hit distinct elements, and the outputs
			// of a row go in order: kernel row by kernel row keeps every
			// element's order of additions.
			for i := 0; i < 3; i++ {
				r := plane[(y0+i)*w:][:w]
				for xo := xLo; xo < xHi; xo++ {
					v := rg[xo] * inv
					d := r[xo*sw+x0:][:3]
					d[0] += v
					d[1] += v
					d[2] += v
				}
			}
		default:
			for xo := xLo; xo < xHi; xo++ {
				v := rg[xo] * inv
				base := y0*w + xo*sw + x0
				for _, t := range taps {
					plane[base+t] += v
				}
			}
		}
		avgPoolGradChecked(plane, rg, pa, y, xHi, ow, inv)
	}
}

// avgPoolGradChecked is avgPoolGradPlane for the outputs [xa, xb) of row
// y, each tap checked against the plane.
func avgPoolGradChecked[T Float](plane, rg []T, pa *poolArgs, y, xa, xb int, inv T) {
	win := pa.win
	for xo := xa; xo < xb; xo++ {
		v := rg[xo] * inv
		for i := 0; i < win.Kernel[0]; i++ {
			ih := y*win.Stride[0] - win.Padding[0] + i*win.Dilation[0]
			if ih < 0 || ih >= pa.h {
				continue
			}
			row := plane[ih*pa.w:][:pa.w]
			for j := 0; j < win.Kernel[1]; j++ {
				if iw := xo*win.Stride[1] - win.Padding[1] + j*win.Dilation[1]; iw >= 0 && iw < pa.w {
					row[iw] += v
				}
			}
		}
	}
}

// avgPoolGrad2x2 is AvgPool2DGradInto with beta 0 for a 2×2 stride-2
// window over planes of h×w (oh×ow windows): every element of dx is
// written once, 0 + g·inv (the bits of an add into zeros: −0 becomes +0),
// and the rows and columns no window covers are zeroed.
func avgPoolGrad2x2[T Float](dx, g []T, planes, h, w, oh, ow int, inv T) {
	var zero T
	for pl := 0; pl < planes; pl++ {
		plane := dx[pl*h*w:][:h*w]
		pg := g[pl*oh*ow:][:oh*ow]
		for y := 0; y < oh; y++ {
			r0, r1 := plane[2*y*w:][:w], plane[(2*y+1)*w:][:w]
			for xo, gv := range pg[y*ow:][:ow] {
				v := zero + gv*inv
				a, b := r0[2*xo:][:2], r1[2*xo:][:2]
				a[0], a[1], b[0], b[1] = v, v, v, v
			}
			if 2*ow < w {
				clear(r0[2*ow:])
				clear(r1[2*ow:])
			}
		}
		clear(plane[2*oh*w:])
	}
}
