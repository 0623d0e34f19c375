package tensor

import (
	"fmt"

	"github.com/adjoint-go/adjoint/tensor/internal/vec"
)

// This file holds the direct kernels of a depthwise convolution, one whose
// groups each hold a single input channel (G = C, a weight [OC, 1, KH, KW]
// with OC = m·C for a small channel multiplier m, as in MobileNet). Through
// im2col such a convolution is a matrix product whose inner dimension is
// the window's KH·KW taps (9 for 3×3), far too short for the matrix kernel
// to pay for the columns it has to write and read. Here each output plane
// is formed from its input plane directly: for each tap, the plane shifted
// by the tap's offset, times the tap's weight, added into the output. The
// input's gradient is the same with the roles swapped (each tap's output
// plane added back at the shifted position), and the weight's gradient is
// one dot product per channel and tap.
//
// The sums run in a fixed order, which differs from the matrix kernel's, so
// the results may differ from the grouped (im2col) path in the last bits:
//
//	out[o, y, x] = bias[o] (or +0) + w[o, t]·x[c, …] for the taps t = i·KW + j in ascending order, each product rounded
//	dx[c, Y, X]  = +0 + w[o, t]·g[o, …] for o = c·m, …, c·m + m − 1 in turn and, within each, the taps in ascending order
//	dw[o, t]     = Σ over the output positions (in the order of SumRow) of Σ over the images in order of g·x
//
// where only taps inside the input count (padding is zero).

// depthwiseMaxMultiplier is the largest channel multiplier (output
// channels per input channel) that the direct kernels take: beyond it the
// matrix kernel, whose rows are then the m filters, is as fast.
const depthwiseMaxMultiplier = 4

// Conv2DDirectWork reports whether the convolution kernels of this package
// (Conv2DInto, Conv2DInputGradInto, Conv2DWeightGradInto with x given, and
// the ConvTranspose2D kernels for the adjoint convolution) compute a
// convolution of x [N C H W] (or [N C L]) with a weight w [OC C/G KH KW]
// (or [OC C/G K]) and window win directly, plane by plane, rather than
// through columns: a depthwise convolution, one input channel per group
// (w's axis 1 is 1, G = C), with at most four output channels per input
// channel, at most 25 taps, and a window that is not pointwise. Only the
// shapes are read.
//
// If so, it also returns how many elements of scratch the direct kernels
// use, in the columns (or work) buffer they are given in place of room
// for columns: OH·OW for stride 1 along the width; with a larger stride,
// also room for an input plane split by column phase, and (for the
// weight's gradient) KH·KW output planes, so that every tap is a
// contiguous vector operation. The weight's gradient needs at least OH·OW;
// the other kernels need none (they then take scalar loops for a strided
// window, with the same results).
func Conv2DDirectWork[T Float](x, w *Tensor[T], win Window2D) (n int, ok bool) {
	xs, ws := x.shape, w.shape
	r := len(xs)
	if (r != 3 && r != 4) || len(ws) != r || ws[1] != 1 || xs[1] < 1 || win.Pointwise() {
		return 0, false
	}
	taps := ws[r-1]
	if r == 4 {
		taps *= ws[2]
	}
	if ws[0]%xs[1] != 0 || ws[0]/xs[1] > depthwiseMaxMultiplier || taps > depthwiseMaxTaps {
		return 0, false
	}
	_, _, h, wd := convSpatial(xs)
	oh, ow := win.OutSize(h, wd)
	if win.Stride[1] == 1 {
		return oh * ow, true
	}
	return taps*oh*ow + h*phasedWidth(wd, win.Stride[1]), true
}

// phasedWidth returns the length of a row of w elements split into its
// sw column phases (phase r holds columns r, r+sw, r+2sw, …), each padded
// to the length of the first.
func phasedWidth(w, sw int) int { return sw * ((w + sw - 1) / sw) }

// direct reports whether d with window win is a convolution that the
// direct kernels take (see Conv2DDirectWork).
func (d convDims) direct(win Window2D) bool {
	return d.groups == d.c && d.c >= 1 && d.kg <= depthwiseMaxTaps && d.ocg <= depthwiseMaxMultiplier && !win.Pointwise()
}

// depthwiseMaxTaps is the largest window, in taps, that the direct
// kernels take (5×5), so that a plane's tap geometry fits in an array.
const depthwiseMaxTaps = 25

// dwTap is the geometry of one tap of a window over a plane: its offsets
// (dy, dx) from an output position times the stride, and the output rows
// [ylo, yhi) and columns [lo, hi) at which it reads inside the input.
//
// ph locates the tap's columns in an input row split by column phase (see
// splitPhases): output column o reads column o·sw + dx, which is element
// o + ph of the split row.
type dwTap struct{ dy, dx, ylo, yhi, lo, hi, ph int }

// valid reports whether the tap reads inside the input from some output.
func (t *dwTap) valid() bool { return t.lo < t.hi && t.ylo < t.yhi }

// dwGeom is the geometry of one plane of a direct depthwise convolution.
type dwGeom struct {
	h, w, oh, ow, sh, sw int
	nt                   int // number of taps, KH·KW
	wq                   int // length of a column phase of an input row (see phasedWidth)
	taps                 [depthwiseMaxTaps]dwTap
}

// init sets g to the geometry of d's planes under win.
func (g *dwGeom) init(d convDims, win Window2D) {
	*g = dwGeom{h: d.h, w: d.w, oh: d.oh, ow: d.ow, sh: win.Stride[0], sw: win.Stride[1], nt: win.Kernel[0] * win.Kernel[1]}
	g.wq = phasedWidth(g.w, g.sw) / g.sw
	for t := range g.nt {
		i, j := t/win.Kernel[1], t%win.Kernel[1]
		tp := &g.taps[t]
		tp.dy = i*win.Dilation[0] - win.Padding[0]
		tp.dx = j*win.Dilation[1] - win.Padding[1]
		tp.ylo, tp.yhi = convRange(g.oh, g.sh, tp.dy, g.h)
		tp.lo, tp.hi = convRange(g.ow, g.sw, tp.dx, g.w)
		r := ((tp.dx % g.sw) + g.sw) % g.sw
		tp.ph = r*g.wq + (tp.dx-r)/g.sw
	}
}

// phased reports whether the kernels split the input planes by column
// phase, given scratch of n elements (need is what that takes).
func (g *dwGeom) phased(n, need int) bool { return g.sw > 1 && n >= need }

// splitPhases writes each row of plane (h rows of w) into dst split by
// column phase: row ih's phase r at dst[ih·sw·wq + r·wq:], padded.
func splitPhases[T Float](g *dwGeom, dst, plane []T) {
	for ih := 0; ih < g.h; ih++ {
		src := plane[ih*g.w:][:g.w]
		row := dst[ih*g.sw*g.wq:][:g.sw*g.wq]
		if g.sw == 2 {
			splitEvenOdd(row[:g.wq], row[g.wq:][:g.w/2], src)
			continue
		}
		for r := 0; r < g.sw; r++ {
			ph := row[r*g.wq:][:g.wq]
			for j := 0; r+j*g.sw < g.w; j++ {
				ph[j] = src[r+j*g.sw]
			}
		}
	}
}

// joinPhases is splitPhases's inverse: it writes the phases of src back
// into plane.
func joinPhases[T Float](g *dwGeom, plane, src []T) {
	for ih := 0; ih < g.h; ih++ {
		dst := plane[ih*g.w:][:g.w]
		row := src[ih*g.sw*g.wq:][:g.sw*g.wq]
		if g.sw == 2 {
			joinEvenOdd(dst, row[:g.wq], row[g.wq:][:g.w/2])
			continue
		}
		for r := 0; r < g.sw; r++ {
			ph := row[r*g.wq:][:g.wq]
			for j := 0; r+j*g.sw < g.w; j++ {
				dst[r+j*g.sw] = ph[j]
			}
		}
	}
}

// shifted reports whether each tap reads the input plane shifted by a
// constant offset (see convShifted), so that a tap's valid rows are one
// run of both planes.
func (g *dwGeom) shifted() bool { return convShifted(g.sh, g.sw, g.ow, g.w) }

// p returns the number of positions of an output plane.
func (g *dwGeom) p() int { return g.oh * g.ow }

// run returns the span [start, end) of a shifted tap's valid output rows
// and columns in an output plane, and the shift dy·W + dx from an output
// position to the input position it reads.
func (g *dwGeom) run(t *dwTap) (start, end, shift int) {
	return t.ylo*g.ow + t.lo, (t.yhi-1)*g.ow + t.hi, t.dy*g.w + t.dx
}

// edgeCols returns the output columns [lo, hi) at which every tap reads
// inside the input (lo ≥ hi when there are none).
func (g *dwGeom) edgeCols() (lo, hi int) {
	lo, hi = 0, g.ow
	for t := range g.taps[:g.nt] {
		lo, hi = max(lo, g.taps[t].lo), min(hi, g.taps[t].hi)
	}
	return lo, hi
}

// inputEdgeCols returns, for a shifted window, the input columns [lo, hi)
// that every tap reaches from some output column (lo ≥ hi when there are
// none): X − dx is an output column for each tap's dx.
func (g *dwGeom) inputEdgeCols() (lo, hi int) {
	lo, hi = 0, g.w
	for t := range g.taps[:g.nt] {
		lo, hi = max(lo, g.taps[t].dx), min(hi, g.ow+g.taps[t].dx)
	}
	return lo, hi
}

// nextCol returns the column after x in a walk over the columns [0, n)
// outside [lo, hi): x+1, or hi when that is lo.
func nextCol(x, lo, hi int) int {
	x++
	if x == lo && lo < hi {
		x = hi
	}
	return x
}

// firstCol is the first column of that walk.
func firstCol(lo, hi int) int { return nextCol(-1, lo, hi) }

// depthwiseForward sets out to the direct depthwise convolution of x with
// w, plus bias when not nil (see the file comment for the order of the
// sums). work is scratch (nil, or see Conv2DDirectWork).
func depthwiseForward[T Float](d convDims, win Window2D, out, x, w, bias, work []T) {
	var geom dwGeom
	geom.init(d, win)
	g := &geom
	kk, m, hw := g.nt, d.ocg, d.h*d.w
	phased := g.phased(len(work), d.h*g.sw*g.wq)
	for i := 0; i < d.n; i++ {
		for c := 0; c < d.c; c++ {
			src := x[(i*d.c+c)*hw:][:hw]
			if phased {
				src = work[:d.h*g.sw*g.wq]
				splitPhases(g, src, x[(i*d.c+c)*hw:][:hw])
			}
			for o := c * m; o < c*m+m; o++ {
				var b T
				if bias != nil {
					b = bias[o]
				}
				depthwisePlane(g, out[(i*d.oc+o)*d.p:][:d.p], src, w[o*kk:][:kk], b, phased)
			}
		}
	}
}

// depthwisePlane sets dst (one output plane) to b plus the taps k of the
// input plane src (split by column phase when phased).
func depthwisePlane[T Float](g *dwGeom, dst, src, k []T, b T, phased bool) {
	for q := range dst {
		dst[q] = b
	}
	taps := g.taps[:len(k)]
	if !g.shifted() {
		for y := 0; y < g.oh; y++ {
			row := dst[y*g.ow:][:g.ow]
			for t, kv := range k {
				tp := &taps[t]
				if y < tp.ylo || y >= tp.yhi || tp.lo >= tp.hi {
					continue
				}
				ih := y*g.sh + tp.dy
				switch {
				case phased:
					in := src[ih*g.sw*g.wq:][:g.sw*g.wq]
					vec.Axpby(row[tp.lo:tp.hi], in[tp.lo+tp.ph:tp.hi+tp.ph], kv, 1)
				case g.sw != 1:
					in := src[ih*g.w:][:g.w]
					for o := tp.lo; o < tp.hi; o++ {
						row[o] += T(kv * in[o*g.sw+tp.dx]) // T(): no fused multiply-add
					}
				default:
					in := src[ih*g.w:][:g.w]
					vec.Axpby(row[tp.lo:tp.hi], in[tp.lo+tp.dx:tp.hi+tp.dx], kv, 1)
				}
			}
		}
		return
	}
	// Each tap's valid rows as one run. The run also covers the columns
	// where the tap falls outside the row (it reads a neighbouring row's
	// element there); those edge columns are recomputed below.
	for t, kv := range k {
		tp := &taps[t]
		if !tp.valid() {
			continue
		}
		start, end, shift := g.run(tp)
		vec.Axpby(dst[start:end], src[start+shift:end+shift], kv, 1)
	}
	elo, ehi := g.edgeCols()
	for y := 0; y < g.oh; y++ {
		for x := firstCol(elo, ehi); x < g.ow; x = nextCol(x, elo, ehi) {
			s := b
			for t, kv := range k {
				tp := &taps[t]
				if y >= tp.ylo && y < tp.yhi && x >= tp.lo && x < tp.hi {
					s += T(kv * src[(y+tp.dy)*g.w+x+tp.dx])
				}
			}
			dst[y*g.ow+x] = s
		}
	}
}

// depthwiseInputGrad sets dx to the gradient of the direct depthwise
// convolution with respect to its input for g: each input plane receives,
// for each of its m output planes in turn, each tap of that plane's
// gradient at the tap's position, times the tap's weight. work is scratch
// (nil, or see Conv2DDirectWork).
func depthwiseInputGrad[T Float](d convDims, win Window2D, dx, g, w, work []T) {
	var ge0 dwGeom
	ge0.init(d, win)
	ge := &ge0
	kk, m, hw := ge.nt, d.ocg, d.h*d.w
	phased := ge.phased(len(work), d.h*ge.sw*ge.wq)
	for i := 0; i < d.n; i++ {
		for c := 0; c < d.c; c++ {
			plane := dx[(i*d.c+c)*hw:][:hw]
			dst := plane
			if phased {
				dst = work[:d.h*ge.sw*ge.wq]
			}
			clear(dst)
			for o := c * m; o < c*m+m; o++ {
				depthwisePlaneAdjoint(ge, dst, g[(i*d.oc+o)*d.p:][:d.p], w[o*kk:][:kk], phased)
			}
			switch {
			case phased:
				joinPhases(ge, plane, dst)
			case ge.shifted():
				depthwiseEdgesAdjoint(ge, dst, g[(i*d.oc+c*m)*d.p:][:m*d.p], w[c*m*kk:][:m*kk], m)
			}
		}
	}
}

// depthwisePlaneAdjoint adds into dst (an input plane, split by column
// phase when phased) each tap of src (an output plane's gradient) times
// the tap's weight k, at the position the tap reads. For a shifted window
// the edge columns of dst are left wrong (see depthwisePlane):
// depthwiseEdgesAdjoint recomputes them.
func depthwisePlaneAdjoint[T Float](ge *dwGeom, dst, src, k []T, phased bool) {
	taps := ge.taps[:len(k)]
	if ge.shifted() {
		for t, kv := range k {
			tp := &taps[t]
			if !tp.valid() {
				continue
			}
			start, end, shift := ge.run(tp)
			vec.Axpby(dst[start+shift:end+shift], src[start:end], kv, 1)
		}
		return
	}
	for y := 0; y < ge.oh; y++ {
		row := src[y*ge.ow:][:ge.ow]
		for t, kv := range k {
			tp := &taps[t]
			if y < tp.ylo || y >= tp.yhi || tp.lo >= tp.hi {
				continue
			}
			ih := y*ge.sh + tp.dy
			switch {
			case phased:
				in := dst[ih*ge.sw*ge.wq:][:ge.sw*ge.wq]
				vec.Axpby(in[tp.lo+tp.ph:tp.hi+tp.ph], row[tp.lo:tp.hi], kv, 1)
			case ge.sw != 1:
				in := dst[ih*ge.w:][:ge.w]
				for o := tp.lo; o < tp.hi; o++ {
					in[o*ge.sw+tp.dx] += T(kv * row[o]) // T(): no fused multiply-add
				}
			default:
				in := dst[ih*ge.w:][:ge.w]
				vec.Axpby(in[tp.lo+tp.dx:tp.hi+tp.dx], row[tp.lo:tp.hi], kv, 1)
			}
		}
	}
}

// depthwiseEdgesAdjoint recomputes the columns of dst (an input plane of a
// shifted window) that depthwisePlaneAdjoint's runs left wrong, those
// where some tap reaches no output column: from +0, for each of the m
// output planes' gradients src (m planes, weights k) and, within each, for
// each tap in order, as the runs add them.
func depthwiseEdgesAdjoint[T Float](ge *dwGeom, dst, src, k []T, m int) {
	kk, p := ge.nt, ge.p()
	taps := ge.taps[:kk]
	elo, ehi := ge.inputEdgeCols()
	for y := 0; y < ge.h; y++ {
		for x := firstCol(elo, ehi); x < ge.w; x = nextCol(x, elo, ehi) {
			var s T
			for o := 0; o < m; o++ {
				for t := range taps {
					tp := &taps[t]
					oy, ox := y-tp.dy, x-tp.dx
					if oy >= tp.ylo && oy < tp.yhi && ox >= tp.lo && ox < tp.hi {
						s += T(k[o*kk+t] * src[o*p+oy*ge.ow+ox])
					}
				}
			}
			dst[y*ge.w+x] = s
		}
	}
}

// depthwiseWeightGrad sets dw = beta·dw + the gradient of the direct
// depthwise convolution with respect to its weight, for input x and the
// result's gradient g. work (at least OH·OW elements; see
// Conv2DDirectWork) is scratch: for each output channel and tap, an output
// plane gathers the products of the images in order, and is then summed
// by SumRow.
func depthwiseWeightGrad[T Float](d convDims, win Window2D, dw, x, g, work []T, beta T) {
	var ge0 dwGeom
	ge0.init(d, win)
	ge := &ge0
	kk, m, hw, p := ge.nt, d.ocg, d.h*d.w, d.p
	pw := d.h * ge.sw * ge.wq
	if ge.phased(len(work), kk*p+pw) {
		// Every tap's plane at once, so that each image's input plane is
		// split once.
		acc, split := work[:kk*p], work[kk*p:][:pw]
		for o := 0; o < d.oc; o++ {
			clear(acc)
			for i := 0; i < d.n; i++ {
				splitPhases(ge, split, x[(i*d.c+o/m)*hw:][:hw])
				for t := range ge.taps[:kk] {
					depthwiseTapProducts(ge, &ge.taps[t], acc[t*p:][:p], g[(i*d.oc+o)*p:][:p], split, true)
				}
			}
			for t := 0; t < kk; t++ {
				depthwiseSetWeightGrad(&dw[o*kk+t], SumRow(acc[t*p:][:p]), beta)
			}
		}
		return
	}
	acc := work[:p]
	for o := 0; o < d.oc; o++ {
		c := o / m
		for t := 0; t < kk; t++ {
			tp := &ge.taps[t]
			clear(acc)
			if tp.valid() {
				for i := 0; i < d.n; i++ {
					depthwiseTapProducts(ge, tp, acc, g[(i*d.oc+o)*p:][:p], x[(i*d.c+c)*hw:][:hw], false)
				}
				if ge.shifted() {
					// The run's elements outside [lo, hi) hold products
					// of neighbouring rows' elements: drop them.
					clearEdges(acc, ge.ow, tp.ylo, tp.yhi, tp.lo, tp.hi)
				}
			}
			depthwiseSetWeightGrad(&dw[o*kk+t], SumRow(acc), beta)
		}
	}
}

// depthwiseSetWeightGrad sets *dst = beta·*dst + s.
func depthwiseSetWeightGrad[T Float](dst *T, s, beta T) {
	if beta == 0 {
		*dst = s
		return
	}
	*dst = beta**dst + s
}

// depthwiseTapProducts adds into acc (an output plane) the products of the
// gradient plane gp with the input plane src (split by column phase when
// phased) at tap tp, at the positions where the tap reads inside the
// input; for a shifted window also along the tap's run, whose edge
// elements the caller drops.
func depthwiseTapProducts[T Float](ge *dwGeom, tp *dwTap, acc, gp, src []T, phased bool) {
	if !tp.valid() {
		return
	}
	if ge.shifted() {
		start, end, shift := ge.run(tp)
		vec.MulAdd(acc[start:end], gp[start:end], src[start+shift:end+shift])
		return
	}
	for y := tp.ylo; y < tp.yhi; y++ {
		ar, gr := acc[y*ge.ow:][tp.lo:tp.hi], gp[y*ge.ow:][tp.lo:tp.hi]
		ih := y*ge.sh + tp.dy
		switch {
		case phased:
			in := src[ih*ge.sw*ge.wq:][:ge.sw*ge.wq]
			vec.MulAdd(ar, gr, in[tp.lo+tp.ph:tp.hi+tp.ph])
		case ge.sw != 1:
			in := src[ih*ge.w:][:ge.w]
			for q, gv := range gr {
				ar[q] += T(gv * in[(q+tp.lo)*ge.sw+tp.dx]) // T(): no fused multiply-add
			}
		default:
			in := src[ih*ge.w:][:ge.w]
			vec.MulAdd(ar, gr, in[tp.lo+tp.dx:tp.hi+tp.dx])
		}
	}
}

// depthwiseWeightGradCols is depthwiseWeightGrad for the weight gradient
// kernels: it checks that cols, the scratch, holds at least one output
// plane and shares no memory with x or g, naming op.
func depthwiseWeightGradCols[T Float](op string, d convDims, win Window2D, dw, x, g, cols *Tensor[T], beta T) {
	if cols == nil || len(cols.data) < d.p {
		panic(shapeErr(op, fmt.Sprintf("a depthwise convolution needs a columns buffer of at least %d elements (one output plane)", d.p), x.shape, dw.shape))
	}
	noOverlapOf(op, "cols", cols, x, g)
	depthwiseWeightGrad(d, win, dw.data, x.data, g.data, cols.data, beta)
}

// depthwiseScratch returns the data of a scratch buffer for the direct
// kernels (nil for none), after checking that it shares no memory with
// the operands, naming op and the buffer's name.
func depthwiseScratch[T Float](op, name string, work *Tensor[T], operands ...*Tensor[T]) []T {
	if work == nil {
		return nil
	}
	noOverlapOf(op, name, work, operands...)
	return work.data
}
