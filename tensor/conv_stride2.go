package tensor

// This file holds im2col and col2im for a stride of 2 along the width, the
// common downsampling convolution (3×3, stride 2, padding 1). Output
// column o of a tap reads input column 2·o + off, every other element of
// the input row: a strided gather that the loops of im2colImage and
// col2imImage do one scalar element at a time, for each of the KH·KW taps.
// Here each input row is instead split once into its even and odd columns
// (in a buffer on the stack), after which every tap's run of output
// columns is a contiguous run of one of the two halves: a copy for im2col,
// a vector add for col2im, whose sums then run in the same order as
// before (taps in ascending order from the plane's value), so the bits are
// the same.

// conv2MaxWidth is the widest input row that the stride-2 loops take,
// so that its two halves fit in a buffer on the stack.
const conv2MaxWidth = 1024

// conv2Split reports whether the stride-2 loops of this file handle a
// window of stride sw along the width over rows of w elements.
func conv2Split(sw, w int) bool { return sw == 2 && w >= 2 && w <= conv2MaxWidth }

// splitEvenOdd writes the even columns of src into ev and its odd columns
// into od: ev[j] = src[2j], od[j] = src[2j+1]. ev must hold (len(src)+1)/2
// elements and od len(src)/2.
func splitEvenOdd[T Float](ev, od, src []T) {
	n := len(src) / 2
	if !splitEvenOddAsm(ev, od, src, n) {
		e, o, s := ev[:n], od[:n], src[:2*n]
		for j := range e {
			e[j], o[j] = s[2*j], s[2*j+1]
		}
	}
	if len(src) > 2*n {
		ev[n] = src[2*n]
	}
}

// joinEvenOdd is splitEvenOdd's inverse: dst[2j] = ev[j], dst[2j+1] =
// od[j].
func joinEvenOdd[T Float](dst, ev, od []T) {
	n := len(dst) / 2
	if !joinEvenOddAsm(dst, ev, od, n) {
		e, o, d := ev[:n], od[:n], dst[:2*n]
		for j := range e {
			d[2*j], d[2*j+1] = e[j], o[j]
		}
	}
	if len(dst) > 2*n {
		dst[2*n] = ev[n]
	}
}

// conv2Half returns the half (even or odd columns, see splitEvenOdd) that
// holds input column 2·o + off, and the index there of output column o = 0:
// column 2·o + off is element o + ⌊off/2⌋ of that half.
func conv2Half[T Float](ev, od []T, off int) ([]T, int) {
	if off&1 != 0 {
		return od, off >> 1
	}
	return ev, off >> 1
}

// conv2OutRow returns the output row y whose tap at row offset dy reads
// input row ih with vertical stride sh (ih = y·sh + dy), and whether there
// is one among the oh rows.
func conv2OutRow(ih, dy, sh, oh int) (int, bool) {
	t := ih - dy
	if t < 0 || t%sh != 0 || t/sh >= oh {
		return 0, false
	}
	return t / sh, true
}

// im2colStride2 is im2colImage for a window of stride 2 along the width
// (see conv2Split): it writes the columns of img [C, H, W] into cols
// [C·KH·KW, OH·OW], zeros for taps in the padding.
func im2colStride2[T Float](cols, img []T, c, h, w, oh, ow int, win Window2D) {
	var buf [conv2MaxWidth + 1]T
	ev, od := buf[:(w+1)/2], buf[(w+1)/2:][:w/2]
	kh, kw := win.Kernel[0], win.Kernel[1]
	sh := win.Stride[0]
	p := oh * ow
	for ci := 0; ci < c; ci++ {
		plane := img[ci*h*w:][:h*w]
		blk := cols[ci*kh*kw*p:][:kh*kw*p]
		// The zeros first: the rows in the padding and the columns at
		// the edges.
		for i := 0; i < kh; i++ {
			ylo, yhi := convRange(oh, sh, i*win.Dilation[0]-win.Padding[0], h)
			for j := 0; j < kw; j++ {
				row := blk[(i*kw+j)*p:][:p]
				lo, hi := convRange(ow, 2, j*win.Dilation[1]-win.Padding[1], w)
				if lo >= hi || ylo >= yhi {
					clear(row)
					continue
				}
				clear(row[:ylo*ow])
				clear(row[yhi*ow:])
				clearEdges(row, ow, ylo, yhi, lo, hi)
			}
		}
		// Then each input row, split once, copied into every tap that
		// reads it.
		for ih := 0; ih < h; ih++ {
			split := false
			for i := 0; i < kh; i++ {
				y, ok := conv2OutRow(ih, i*win.Dilation[0]-win.Padding[0], sh, oh)
				if !ok {
					continue
				}
				if !split {
					splitEvenOdd(ev, od, plane[ih*w:][:w])
					split = true
				}
				for j := 0; j < kw; j++ {
					off := j*win.Dilation[1] - win.Padding[1]
					lo, hi := convRange(ow, 2, off, w)
					if lo >= hi {
						continue
					}
					half, k := conv2Half(ev, od, off)
					copy(blk[(i*kw+j)*p+y*ow:][lo:hi], half[lo+k:hi+k])
				}
			}
		}
	}
}

// col2imStride2 is col2imImage for a window of stride 2 along the width
// (see conv2Split): it adds the columns cols [C·KH·KW, OH·OW] back into
// img [C, H, W], dropping taps in the padding. Each input row is split
// into its even and odd columns, receives every tap that reads it (taps
// in ascending order, as col2imImage adds them), and is joined back.
func col2imStride2[T Float](img, cols []T, c, h, w, oh, ow int, win Window2D) {
	var buf [conv2MaxWidth + 1]T
	ev, od := buf[:(w+1)/2], buf[(w+1)/2:][:w/2]
	kh, kw := win.Kernel[0], win.Kernel[1]
	sh := win.Stride[0]
	p := oh * ow
	for ci := 0; ci < c; ci++ {
		plane := img[ci*h*w:][:h*w]
		blk := cols[ci*kh*kw*p:][:kh*kw*p]
		for ih := 0; ih < h; ih++ {
			dst := plane[ih*w:][:w]
			split := false
			for i := 0; i < kh; i++ {
				y, ok := conv2OutRow(ih, i*win.Dilation[0]-win.Padding[0], sh, oh)
				if !ok {
					continue
				}
				for j := 0; j < kw; j++ {
					off := j*win.Dilation[1] - win.Padding[1]
					lo, hi := convRange(ow, 2, off, w)
					if lo >= hi {
						continue
					}
					if !split {
						splitEvenOdd(ev, od, dst)
						split = true
					}
					half, k := conv2Half(ev, od, off)
					d := half[lo+k : hi+k]
					addRunTo(d, blk[(i*kw+j)*p+y*ow:][lo:hi])
				}
			}
			if split {
				joinEvenOdd(dst, ev, od)
			}
		}
	}
}
