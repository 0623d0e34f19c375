package main

import "fmt"

// maxLeaves is the most leaves per row lnGradLeaves takes: each sum keeps
// its leaves' sums in a buffer of that many elements.
const maxLeaves = 64

// lnGradLeavesKernel is the fused LayerNorm backward for rows longer than
// one of SumRow's leaves.
func lnGradLeavesKernel() kernel {
	return kernel{"lnGradLeaves", avx2,
		[]string{"o ptr", "wg ptr", "x ptr", "grad ptr", "w ptr", "n int", "rows int", "add int", "leaf int", "sums ptr", "count T", "eps T", "one T"},
		"lnGradRows for rows that SumRow splits into a balanced tree of leaves:\nn is leaves·leaf with leaf a multiple of 8 (at most 128) and leaves a\npower of two (at most 64). Each sum of a sweep is Sum8 over each leaf,\nthe leaves' sums kept in sums (64 elements per sum), then added as\nthat tree, left plus right: SumRow's order. One row at a time; the\nleaves' chains of adds overlap each other instead.",
		lnGradLeaves}
}

// lnGradLeaves is the body of lnGradLeaves. Registers: DI, R9, R8, R10 o,
// wg, x and g of the row, R11 w, CX n, R13 the rows left, DX leaf, SI
// sums; AX the element, R12 the leaf's end (the tree's address), R14 the
// bytes of leaf sums written, BX the tree's stride and, in the last sweep,
// add. Vector registers: the accumulators from Y0, Y8 the trees'
// temporary, Y9-Y11 the sweeps', Y15 mu, Y13 r, Y12 m1 and Y14 m2.
func lnGradLeaves(e *emitter) {
	e.start(e.name("lnGradLeaves"), "DI", "R9", "R8", "R10", "R11", "CX", "R13")
	e.op("MOVQ leaf+64(FP), DX")
	e.op("MOVQ sums+72(FP), SI")
	parts := 1 // ymm registers per group of eight
	if e.f64 {
		parts = 2
	}
	acc := func(k, s int) string { return fmt.Sprintf("Y%d", k*parts+s) }
	arg := func(name string) string {
		for _, a := range e.args {
			if a.name == name {
				return fmt.Sprintf("%s+%d(FP)", name, a.off)
			}
		}
		panic(name)
	}
	e.op("TESTQ R13, R13")
	e.op("JZ done")
	e.label("row")
	// mu = SumRow(x)/count.
	e.leafSweep("sum", 1, parts, func(first bool) {
		e.group8(func(s, off int) {
			if first {
				e.op("%s %s, %s", e.p("VMOVU"), e.ymm("R8", off), acc(0, s))
				return
			}
			e.op("%s %s, %s, %s", e.p("VADD"), e.ymm("R8", off), acc(0, s), acc(0, s))
		})
	})
	e.op("%s %s, X0, X0 // mu = sum/count", e.sgl("VDIV"), arg("count"))
	e.op("%s X0, Y15", e.broadcast())
	// SumRow(u), u = d·d, d = x − mu.
	e.leafSweep("center", 1, parts, func(first bool) {
		e.group8(func(s, off int) {
			e.op("%s %s, Y9", e.p("VMOVU"), e.ymm("R8", off))
			e.op("%s Y15, Y9, Y9 // d = x − mu", e.p("VSUB"))
			e.op("%s Y9, Y9, Y10 // u = d·d", e.p("VMUL"))
			e.accumulate(first, "Y10", acc(0, s))
		})
	})
	// r = 1/T(√float64(sq/count + eps)).
	e.op("%s %s, X0, X0 // sq/count", e.sgl("VDIV"), arg("count"))
	e.op("%s %s, X0, X0 // + eps", e.sgl("VADD"), arg("eps"))
	if e.f64 {
		e.op("VSQRTSD X0, X0, X0")
	} else {
		e.op("VCVTSS2SD X0, X0, X0")
		e.op("VSQRTSD X0, X0, X0")
		e.op("VCVTSD2SS X0, X0, X0")
	}
	e.op("%s %s, X8", e.sgl("VMOV"), arg("one"))
	e.op("%s X0, X8, X0 // r = 1/√", e.sgl("VDIV"))
	e.op("%s X0, Y13", e.broadcast())
	// x̂ = d·r, gy = g·w, u = gy·x̂, wg = g·x̂; SumRow(gy) and SumRow(u).
	e.leafSweep("scale", 2, parts, func(first bool) {
		e.group8(func(s, off int) {
			e.op("%s %s, Y9", e.p("VMOVU"), e.ymm("R8", off))
			e.op("%s Y15, Y9, Y9 // d = x − mu", e.p("VSUB"))
			e.op("%s Y13, Y9, Y9 // x̂ = d·r", e.p("VMUL"))
			e.op("%s %s, Y10", e.p("VMOVU"), e.ymm("R10", off))
			e.op("%s %s, Y10, Y11 // gy = g·w", e.p("VMUL"), e.ymm("R11", off))
			e.accumulate(first, "Y11", acc(0, s))
			e.op("%s Y9, Y11, Y11 // u = gy·x̂", e.p("VMUL"))
			e.accumulate(first, "Y11", acc(1, s))
			e.op("%s Y9, Y10, Y10 // wg = g·x̂", e.p("VMUL"))
			e.op("%s Y10, %s", e.p("VMOVU"), e.ymm("R9", off))
		})
	})
	for k, m := range []int{12, 14} {
		x := fmt.Sprintf("X%d", k*parts)
		e.op("%s %s, %s, %s // m%d = sum/count", e.sgl("VDIV"), arg("count"), x, x, k+1)
		e.op("%s %s, Y%d", e.broadcast(), x, m)
	}
	// o = r·((gy − m1) − x̂·m2), or o + that.
	e.op("MOVQ %s, BX", arg("add"))
	e.op("XORQ AX, AX")
	e.label("out")
	e.op("CMPQ AX, CX")
	e.op("JGE next")
	e.group8(func(s, off int) {
		st := fmt.Sprintf("store%d", s)
		e.op("%s %s, Y0", e.p("VMOVU"), e.ymm("R10", off))
		e.op("%s %s, Y0, Y0 // gy = g·w", e.p("VMUL"), e.ymm("R11", off))
		e.op("%s Y12, Y0, Y0 // gy − m1", e.p("VSUB"))
		e.op("%s %s, Y1", e.p("VMOVU"), e.ymm("R8", off))
		e.op("%s Y15, Y1, Y1 // d = x − mu", e.p("VSUB"))
		e.op("%s Y13, Y1, Y1 // x̂ = d·r", e.p("VMUL"))
		e.op("%s Y14, Y1, Y1 // x̂·m2", e.p("VMUL"))
		e.op("%s Y1, Y0, Y0", e.p("VSUB"))
		e.op("%s Y0, Y13, Y0 // r·", e.p("VMUL"))
		e.op("TESTQ BX, BX")
		e.op("JZ %s", st)
		e.op("%s %s, Y1", e.p("VMOVU"), e.ymm("DI", off))
		e.op("%s Y0, Y1, Y0 // o + ", e.p("VADD"))
		e.label(st)
		e.op("%s Y0, %s", e.p("VMOVU"), e.ymm("DI", off))
	})
	e.op("ADDQ $8, AX")
	e.op("JMP out")
	e.label("next")
	for _, p := range []string{"DI", "R9", "R8", "R10"} {
		e.op("LEAQ (%s)(CX*%d), %s // the next row", p, e.size, p)
	}
	e.op("DECQ R13")
	e.op("JNZ row")
	e.finish()
}

// leafSweep writes a sweep over a row of n (CX) elements in leaves of DX:
// body(first) handles the group of eight at AX, first for a leaf's first
// group (it starts the accumulators). After each leaf, each of the sums
// sweep's accumulators (from Y0, parts registers each) is added by Sum8's
// tree and stored at sums + k·maxLeaves elements (SI); after the last, each
// sum's leaves are added as a balanced tree, left plus right, leaving sum k
// in X(k·parts). Labels are prefixed by l.
func (e *emitter) leafSweep(l string, sums, parts int, body func(first bool)) {
	e.op("XORQ AX, AX")
	e.op("XORQ R14, R14")
	e.label(l + "Leaf")
	e.op("LEAQ (AX)(DX*1), R12 // the leaf's end")
	body(true)
	e.op("ADDQ $8, AX")
	e.label(l)
	e.op("CMPQ AX, R12")
	e.op("JGE %sDone", l)
	body(false)
	e.op("ADDQ $8, AX")
	e.op("JMP %s", l)
	e.label(l + "Done")
	for k := range sums {
		e.tree8(k*parts, 8)
		e.op("%s X%d, %d(SI)(R14*1)", e.sgl("VMOV"), k*parts, k*maxLeaves*e.size)
	}
	e.op("ADDQ $%d, R14", e.size)
	e.op("CMPQ AX, CX")
	e.op("JLT %sLeaf", l)
	for k := range sums {
		// for s := 1; s < leaves; s *= 2 { for i := 0; i < leaves; i += 2s { t[i] += t[i+s] } }, in bytes.
		c := fmt.Sprintf("%sTree%d", l, k)
		off := k * maxLeaves * e.size
		e.op("MOVQ $%d, BX", e.size)
		e.label(c)
		e.op("CMPQ BX, R14")
		e.op("JGE %sDone", c)
		e.op("XORQ AX, AX")
		e.label(c + "Pair")
		e.op("LEAQ %d(SI)(AX*1), R12", off)
		e.op("%s (R12), X9", e.sgl("VMOV"))
		e.op("%s (R12)(BX*1), X9, X9 // left + right", e.sgl("VADD"))
		e.op("%s X9, (R12)", e.sgl("VMOV"))
		e.op("LEAQ (AX)(BX*2), AX")
		e.op("CMPQ AX, R14")
		e.op("JLT %sPair", c)
		e.op("SHLQ $1, BX")
		e.op("JMP %s", c)
		e.label(c + "Done")
		e.op("%s %d(SI), X%d", e.sgl("VMOV"), off, k*parts)
	}
}
