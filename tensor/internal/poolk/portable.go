package poolk

// float is the element type of the kernels.
type float interface{ ~float32 | ~float64 }

// beats reports, as 1 or 0, whether tap b replaces a as the maximum of a
// window when it comes later in row-major order: a later tap wins when it
// is greater, or when it is NaN (so the last NaN wins, as in PyTorch's CPU
// kernels). Each test is a separate one-line branch, which the compiler
// turns into a flag move: pooled data has no pattern a branch predictor
// could learn.
func beats[T float](b, a T) int {
	nan := 0
	if b != b {
		nan = 1
	}
	gt := 0
	if b > a {
		gt = 1
	}
	return nan | gt
}

// max2x2Rows is the portable forward pass on rows row pairs of x, w
// elements a row and 2·w a pair, each pair making ow maxima in out (and
// their taps in arg, when not nil), pair after pair.
func max2x2Rows[T float](out, arg, x []T, rows, ow, w int) {
	for r := range rows {
		top := x[2*r*w:][:2*ow]
		bot := x[(2*r+1)*w:][:len(top)]
		ro := out[r*ow:][:ow]
		var ra []T
		if arg != nil {
			ra = arg[r*ow:][:ow]
		}
		for xo := range ro {
			// A tournament: the top pair, the bottom pair, then their
			// winners, the top one first, which picks the tap a row-major
			// scan picks (the last NaN, else the first of the greatest).
			// The window's four values go through a small array, so that
			// the maximum is read back by its tap without a branch.
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

// scatter2x2Rows is the portable gradient scatter on rows row pairs of dx:
// it writes the first 2·ow elements of both rows of every pair, g's element
// at its window's tap and 0 at the other three. The routed value is 0 + g,
// the bits a scatter-add into a zeroed buffer gives (−0 becomes +0). A
// value of arg that is not a tap 0 to 3 (−1, or 20, 1.5, NaN) routes
// nothing, as in the assembly, whose four comparisons with the taps all
// fail then.
func scatter2x2Rows[T float](dx, g, arg []T, rows, ow, w int) {
	var zero T
	for r := range rows {
		top := dx[2*r*w:][:2*ow]
		bot := dx[(2*r+1)*w:][:len(top)]
		rg := g[r*ow:][:ow]
		ra := arg[r*ow:][:ow]
		for xo, v := range rg {
			v += zero
			a := ra[xo]
			t := int(a)
			if uint(t) > 3 || T(t) != a {
				v, t = zero, 0
			}
			top[2*xo], top[2*xo+1] = zero, zero
			bot[2*xo], bot[2*xo+1] = zero, zero
			dx[(2*r+t>>1)*w+2*xo+t&1] = v
		}
	}
}
