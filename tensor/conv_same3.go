package tensor

// This file holds a dedicated col2im for the most common convolution
// window: 3×3, stride 1, padding 1, no dilation (a "same" convolution,
// whose output is as large as its input). col2imImage adds the nine rows of
// a channel's columns into the plane one after the other, a load, an add
// and a store of the plane per tap and element. Here each element of the
// plane is instead formed in one place from the taps that read it, in the
// same order (tap i·3 + j ascending, from +0), so the bits are the same:
// one pass over the plane per kernel row i, three column taps added in
// registers.

// same3x3 reports whether win is the 3×3 stride-1 padding-1 undilated
// window of col2imSame3x3, for a plane of at least 2×2.
func same3x3(win Window2D, h, w int) bool {
	return win.Kernel == [2]int{3, 3} && win.Stride == [2]int{1, 1} && win.Padding == [2]int{1, 1} &&
		win.Dilation == [2]int{1, 1} && h >= 2 && w >= 2
}

// col2imSame3x3 is col2imImage for a same3x3 window: img [C, H, W] is set
// (not added to) to the sum of the columns cols [C·9, H·W] that read each
// element. Tap (i, j) of output position (oy, ox) reads the plane at (oy +
// i − 1, ox + j − 1); so the plane element (y, x) receives, for each tap
// (i, j) in order, the tap's column element at (y − i + 1, x − j + 1) when
// that lies inside the H×W output.
func col2imSame3x3[T Float](img, cols []T, c, h, w int) {
	p := h * w
	for ci := 0; ci < c; ci++ {
		plane := img[ci*p:][:p]
		taps := cols[ci*9*p:][:9*p]
		for y := 0; y < h; y++ {
			dst := plane[y*w:][:w]
			first := true
			for i := 0; i < 3; i++ {
				oy := y - i + 1
				if oy < 0 || oy >= h {
					continue
				}
				off := oy * w
				col2imRow3(dst, taps[(3*i)*p+off:][:w], taps[(3*i+1)*p+off:][:w], taps[(3*i+2)*p+off:][:w], first)
				first = false
			}
		}
	}
}

// col2imRow3 adds the taps j = 0, 1, 2 of one kernel row into a row of the
// plane: dst[x] (+0 when first, which starts the element's sum) + r0[x+1]
// + r1[x] + r2[x−1], the terms whose index is inside the row, in that
// order. r0, r1 and r2 are the taps' column rows, each len(dst) long.
func col2imRow3[T Float](dst, r0, r1, r2 []T, first bool) {
	w := len(dst)
	r0, r1, r2 = r0[:w], r1[:w], r2[:w]
	var zero T
	if first {
		dst[0] = zero + r0[1] + r1[0]
		for x := 1; x < w-1; x++ {
			dst[x] = zero + r0[x+1] + r1[x] + r2[x-1]
		}
		dst[w-1] = zero + r1[w-1] + r2[w-2]
		return
	}
	dst[0] = dst[0] + r0[1] + r1[0]
	for x := 1; x < w-1; x++ {
		dst[x] = dst[x] + r0[x+1] + r1[x] + r2[x-1]
	}
	dst[w-1] = dst[w-1] + r1[w-1] + r2[w-2]
}

// same3x3Dilated reports whether win is a 3×3 stride-1 window with
// dilation d > 1 and padding d on both axes (a dilated "same" convolution,
// whose output is as large as its input), for a plane of at least 2d×2d:
// col2imSame3x3Dilated's window.
func same3x3Dilated(win Window2D, h, w int) (d int, ok bool) {
	d = win.Dilation[0]
	return d, win.Kernel == [2]int{3, 3} && win.Stride == [2]int{1, 1} && d > 1 &&
		win.Dilation == [2]int{d, d} && win.Padding == [2]int{d, d} && h >= 2*d && w >= 2*d
}

// col2imSame3x3Dilated is col2imSame3x3 for a 3×3 window with dilation
// and padding d (see same3x3Dilated): tap (i, j) of output (oy, ox) reads
// the plane at (oy + (i−1)·d, ox + (j−1)·d), so the plane element (y, x)
// receives, for each tap in order from +0, the tap's column element at
// (y − (i−1)·d, x − (j−1)·d) when that lies inside the output: the same
// order as col2imImage, so the same bits.
func col2imSame3x3Dilated[T Float](img, cols []T, c, h, w, d int) {
	p := h * w
	for ci := 0; ci < c; ci++ {
		plane := img[ci*p:][:p]
		taps := cols[ci*9*p:][:9*p]
		for y := 0; y < h; y++ {
			dst := plane[y*w:][:w]
			first := true
			for i := 0; i < 3; i++ {
				oy := y - (i-1)*d
				if oy < 0 || oy >= h {
					continue
				}
				off := oy * w
				col2imRow3Dilated(dst, taps[(3*i)*p+off:][:w], taps[(3*i+1)*p+off:][:w], taps[(3*i+2)*p+off:][:w], d, first)
				first = false
			}
		}
	}
}

// col2imRow3Dilated is col2imRow3 with the column taps d apart: dst[x]
// (+0 when first) + r0[x+d] + r1[x] + r2[x−d], the terms whose index is
// inside the row, in that order; len(dst) ≥ 2d.
func col2imRow3Dilated[T Float](dst, r0, r1, r2 []T, d int, first bool) {
	w := len(dst)
	r0, r1, r2 = r0[:w], r1[:w], r2[:w]
	var zero T
	if first {
		for x := 0; x < d; x++ {
			dst[x] = zero + r0[x+d] + r1[x]
		}
		for x := d; x < w-d; x++ {
			dst[x] = zero + r0[x+d] + r1[x] + r2[x-d]
		}
		for x := w - d; x < w; x++ {
			dst[x] = zero + r1[x] + r2[x-d]
		}
		return
	}
	for x := 0; x < d; x++ {
		dst[x] = dst[x] + r0[x+d] + r1[x]
	}
	for x := d; x < w-d; x++ {
		dst[x] = dst[x] + r0[x+d] + r1[x] + r2[x-d]
	}
	for x := w - d; x < w; x++ {
		dst[x] = dst[x] + r1[x] + r2[x-d]
	}
}
