package tensor

// This file holds the dedicated kernels of the most common pooling window:
// 2×2, stride 2, no padding, no dilation (a CNN's "MaxPool2d(2)"). Its
// windows tile the plane without overlapping, so the forward pass reads
// two rows at a time and the gradient scatter writes every element of dx
// exactly once (zeros and the routed gradient in one pass, no zero-filled
// buffer to add into).

// pool2x2 reports whether win is the 2×2, stride 2, unpadded, undilated
// window the dedicated kernels handle.
func pool2x2(win Window2D) bool {
	return win.Kernel == [2]int{2, 2} && win.Stride == [2]int{2, 2} &&
		win.Padding == [2]int{} && win.Dilation == [2]int{1, 1}
}

// beats reports, as 1 or 0, whether tap b replaces a as the maximum of a
// window when it comes later in row-major order: MaxPool2DInto's rule that
// a later tap wins when it is greater, or when it is NaN and the best so
// far is not, which is "a is not NaN and b <= a is false". Each test is a
// separate one-line branch, which the compiler turns into a flag move:
// pooled data has no pattern a branch predictor could learn.
func beats[T Float](b, a T) int {
	ok := 0
	if a == a {
		ok = 1
	}
	gt := 0
	if !(b <= a) {
		gt = 1
	}
	return ok & gt
}

// maxPool2x2 is MaxPool2DInto for a 2×2 stride-2 window: planes of h×w in
// x, oh×ow in out (and arg, when not nil).
func maxPool2x2[T Float](out, arg, x []T, planes, h, w, oh, ow int) {
	for pl := 0; pl < planes; pl++ {
		plane := x[pl*h*w:][:h*w]
		po := out[pl*oh*ow:][:oh*ow]
		var pa []T
		if arg != nil {
			pa = arg[pl*oh*ow:][:oh*ow]
		}
		for y := 0; y < oh; y++ {
			top := plane[2*y*w:][:2*ow]
			bot := plane[(2*y+1)*w:][:len(top)]
			ro := po[y*ow:][:ow]
			var ra []T
			if pa != nil {
				ra = pa[y*ow:][:ow]
			}
			for xo := range ro {
				// A tournament: the top pair, the bottom pair, then their
				// winners, the top one first, which picks the tap a
				// row-major scan picks (the first NaN, else the first of
				// the greatest). The window's four values go through a
				// small array, so that the maximum is read back by its tap
				// without a branch.
				j := 2 * xo
				win := [4]T{top[j], top[j+1], bot[j], bot[j+1]}
				i1 := beats(win[1], win[0])
				i2 := 2 + beats(win[3], win[2])
				f := beats(win[i2&3], win[i1&3])
				at := (i1 ^ (-f & (i1 ^ i2))) & 3
				ro[xo] = win[at]
				if ra != nil {
					ra[xo] = T(at)
				}
			}
		}
	}
}

// maxPoolScatter2x2 is MaxPool2DScatterInto with beta 0 for a 2×2 stride-2
// window: every element of dx is written once, g's element at its window's
// maximum and 0 elsewhere (rows and columns that no window covers too).
// The routed value is 0 + g, the bits a scatter-add into a zeroed buffer
// gives (−0 becomes +0).
func maxPoolScatter2x2[T Float](dx, g, arg []T, planes, h, w, oh, ow int) {
	var zero T
	for pl := 0; pl < planes; pl++ {
		plane := dx[pl*h*w:][:h*w]
		pg := g[pl*oh*ow:][:oh*ow]
		pa := arg[pl*oh*ow:][:oh*ow]
		for y := 0; y < oh; y++ {
			top := plane[2*y*w:][:w]
			bot := plane[(2*y+1)*w:][:w]
			rg := pg[y*ow:][:ow]
			ra := pa[y*ow:][:ow]
			for xo, v := range rg {
				v += zero
				t := int(ra[xo]) & 3
				top[2*xo], top[2*xo+1] = zero, zero
				bot[2*xo], bot[2*xo+1] = zero, zero
				plane[(2*y+t>>1)*w+2*xo+t&1] = v
			}
			clear(top[2*ow:])
			clear(bot[2*ow:])
		}
		clear(plane[2*oh*w:])
	}
}
