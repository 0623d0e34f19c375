package main

import "fmt"

// The fused LayerNorm kernels: every sweep of a row, forward or backward,
// and the scalar arithmetic between them, in one call over many rows, so
// that no row pays for Go calls between its sweeps and the processor can
// overlap one row's last sweep with the next row's first. Each performs the
// operations of the Go functions it replaces in their order, with their
// roundings (see vec.go): the same sums in the same order, a true division
// and square root.

// layerNormKernels returns the fused kernels.
func layerNormKernels() []kernel {
	return []kernel{
		{"lnRows", avx512, []string{"y ptr", "x ptr", "w ptr", "b ptr", "n int", "rows int", "nf f64", "eps f64", "one f64"},
			"LayerNorm's forward over rows rows of n elements (n a multiple of 16, at\nleast 16): per row, m = SumWide(x)/nf and rstd = one/√(SqDevWide(x, m)/nf\n+ eps) in float64, both rounded to T, then NormAffine(y, x, w, b, m, rstd).\ny and x advance by n per row; w and b are the same for every row.",
			lnRows},
		{"lnGradRows", avx2, []string{"o ptr", "wg ptr", "d ptr", "u ptr", "gy ptr", "x ptr", "grad ptr", "w ptr", "n int", "rows int", "add int", "count T", "eps T", "one T"},
			"LayerNorm's fused backward over rows rows of n elements (n a multiple\nof 8, from 8 to 128: the rows SumRow sums as one leaf), per row the\nsweeps of LayerNormGradRow in package tensor: mu = Sum8(x)/count,\nNormCenter, r = one/T(√float64(sq/count + eps)), NormScale, and NormOut\nwith m1 = sgy/count and m2 = su/count (adding to o when add is not 0).\no, wg, x and g advance by n per row; d, u and gy are one row's scratch.\nIn ymm registers only, for the AVX2 and AVX-512 machines alike.",
			lnGradRows},
	}
}

// tree16 writes the balanced tree of SumWide's sixteen float64
// accumulators in Z0 (accumulators 0-7) and Z1 (8-15), leaving the sum in
// X0: ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)) for each register,
// the left one plus the right one. Z2 and Z3 are clobbered.
func (e *emitter) tree16() {
	for j := range 2 {
		z, t := fmt.Sprintf("Z%d", j), fmt.Sprintf("Z%d", 2+j)
		e.op("VPERMILPD $0x55, %s, %s // neighbours swapped", z, t)
		e.op("VADDPD %s, %s, %s // r0+r1, r2+r3, ... in the even lanes", t, z, z)
		e.op("VPERMPD $0x0e, %s, %s", z, t)
		e.op("VADDPD %s, %s, %s // the quarters' sums in lanes 0 and 4", t, z, z)
		e.op("VEXTRACTF64X4 $1, %s, Y%d", z, 2+j)
		e.op("VADDSD X%d, X%d, X%d", 2+j, j, j)
	}
	e.op("VADDSD X1, X0, X0")
}

// wideZero clears the float64 accumulators Z0 and Z1.
func (e *emitter) wideZero() {
	e.op("VPXORQ Z0, Z0, Z0")
	e.op("VPXORQ Z1, Z1, Z1")
}

// lnRows is the body of the fused forward kernel.
func lnRows(e *emitter) {
	e.start(e.name("lnRows"), "DI", "SI", "DX", "R8", "CX", "R9")
	e.op("VMOVSD nf+48(FP), X13")
	e.op("VMOVSD eps+56(FP), X12")
	e.op("VMOVSD one+64(FP), X11")
	e.op("MOVQ CX, R10")
	e.op("SHLQ $%d, R10 // bytes per row", map[bool]int{false: 2, true: 3}[e.f64])
	e.label("row")
	// The sum and the squared deviations, in SumWide's order.
	for _, sq := range []bool{false, true} {
		l := map[bool]string{false: "sum", true: "sq"}[sq]
		e.wideZero()
		e.op("XORQ AX, AX")
		e.label(l)
		e.op("CMPQ AX, CX")
		e.op("JGE %sDone", l)
		for j := range 2 {
			r := fmt.Sprintf("Z%d", 4+j)
			e.wideLoad("SI", j, r)
			if sq {
				e.op("VSUBPD Z15, %s, %s", r, r)
				e.op("VMULPD %s, %s, %s", r, r, r)
			}
			e.op("VADDPD %s, Z%d, Z%d", r, j, j)
		}
		e.op("ADDQ $16, AX")
		e.op("JMP %s", l)
		e.label(l + "Done")
		e.tree16()
		if !sq {
			e.op("VDIVSD X13, X0, X0 // m = sum/n")
			e.op("VBROADCASTSD X0, Z15")
		}
	}
	e.op("VDIVSD X13, X0, X0 // q/n")
	e.op("VADDSD X12, X0, X0 // + eps")
	e.op("VSQRTSD X0, X0, X0")
	e.op("VDIVSD X0, X11, X0 // rstd = 1/√")
	if e.f64 {
		e.op("VMOVAPD Z15, Z14 // mean")
		e.op("VBROADCASTSD X0, Z15 // rstd")
	} else {
		// Both rounded to float32, then widened again.
		e.op("VCVTSD2SS X15, X15, X14")
		e.op("VCVTSS2SD X14, X14, X14")
		e.op("VBROADCASTSD X14, Z14 // mean")
		e.op("VCVTSD2SS X0, X0, X0")
		e.op("VCVTSS2SD X0, X0, X0")
		e.op("VBROADCASTSD X0, Z15 // rstd")
	}
	// NormAffine's loop.
	e.op("XORQ AX, AX")
	e.label("affine")
	e.op("CMPQ AX, CX")
	e.op("JGE next")
	for k := range 2 {
		r := fmt.Sprintf("Z%d", k)
		e.wideLoad("SI", k, r)
		e.op("VSUBPD Z14, %s, %s // x − mean", r, r)
		e.op("VMULPD Z15, %s, %s // ·rstd", r, r)
		if e.f64 {
			e.op("VMULPD %d(DX)(AX*8), %s, %s // ·w", k*64, r, r)
			e.op("VADDPD %d(R8)(AX*8), %s, %s // + b", k*64, r, r)
			e.op("VMOVUPD %s, %d(DI)(AX*8)", r, k*64)
			continue
		}
		h := fmt.Sprintf("Y%d", k)
		e.op("VCVTPD2PS %s, %s", r, h)
		e.op("VMULPS %d(DX)(AX*4), %s, %s // ·w", k*32, h, h)
		e.op("VADDPS %d(R8)(AX*4), %s, %s // + b", k*32, h, h)
		e.op("VMOVUPS %s, %d(DI)(AX*4)", h, k*32)
	}
	e.op("ADDQ $16, AX")
	e.op("JMP affine")
	e.label("next")
	e.op("ADDQ R10, DI")
	e.op("ADDQ R10, SI")
	e.op("DECQ R9")
	e.op("JNZ row")
	e.finish()
}

// sgl returns the scalar suffix of the element type: SS or SD.
func (e *emitter) sgl(ins string) string {
	if e.f64 {
		return ins + "SD"
	}
	return ins + "SS"
}

// tree8 writes Sum8's balanced tree of the eight accumulators that start
// at ymm register a (one register of float32, a and a+1 of float64),
// ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)), the left operand
// always first, leaving the sum in Xa. Register t is clobbered.
func (e *emitter) tree8(a, t int) {
	if !e.f64 {
		e.op("VPERMILPS $0xb1, Y%d, Y%d // neighbours swapped", a, t)
		e.op("VADDPS Y%d, Y%d, Y%d // r0+r1, r2+r3, ... in the even lanes", t, a, a)
		e.op("VPERMILPS $0x4e, Y%d, Y%d", a, t)
		e.op("VADDPS Y%d, Y%d, Y%d // the quarters' sums in lanes 0 and 4", t, a, a)
		e.op("VEXTRACTF128 $1, Y%d, X%d", a, t)
		e.op("VADDSS X%d, X%d, X%d", t, a, a)
		return
	}
	for _, r := range []int{a, a + 1} {
		e.op("VPERMILPD $5, Y%d, Y%d // neighbours swapped", r, t)
		e.op("VADDPD Y%d, Y%d, Y%d // r0+r1, r2+r3 in lanes 0 and 2", t, r, r)
		e.op("VEXTRACTF128 $1, Y%d, X%d", r, t)
		e.op("VADDSD X%d, X%d, X%d", t, r, r)
	}
	e.op("VADDSD X%d, X%d, X%d", a+1, a, a)
}

// groupsL is groups with labels of its own (prefix l), for several loops
// in one kernel.
func (e *emitter) groupsL(l string, body func(first bool)) {
	e.op("XORQ AX, AX")
	body(true)
	e.op("MOVQ $8, AX")
	e.label(l)
	e.op("CMPQ AX, CX")
	e.op("JGE %sDone", l)
	body(false)
	e.op("ADDQ $8, AX")
	e.op("JMP %s", l)
	e.label(l + "Done")
}

// lnGradRows is the body of the fused backward kernel. Registers: DI o,
// R9 wg, R12 d, SI u, DX gy, R8 x, R10 g, R11 w, CX n, R13 the rows left,
// BX add, R14 the bytes of a row; X11 count, X10 eps, X9 one; Y15 mu, Y14
// r, Y13 m1, Y12 m2.
func lnGradRows(e *emitter) {
	e.start(e.name("lnGradRows"), "DI", "R9", "R12", "SI", "DX", "R8", "R10", "R11", "CX", "R13", "BX")
	mov := e.sgl("VMOV")
	for i, a := range e.args[11:] {
		e.op("%s %s+%d(FP), X%d", mov, a.name, a.off, 11-i)
	}
	e.op("MOVQ CX, R14")
	e.op("SHLQ $%d, R14 // bytes per row", map[bool]int{false: 2, true: 3}[e.f64])
	e.label("row")
	// mu = Sum8(x)/count.
	e.groupsL("sum", func(first bool) {
		e.group8(func(s, off int) {
			if first {
				e.op("%s %s, Y%d", e.p("VMOVU"), e.ymm("R8", off), s)
				return
			}
			e.op("%s %s, Y%d, Y%d", e.p("VADD"), e.ymm("R8", off), s, s)
		})
	})
	e.tree8(0, 8)
	e.op("%s X11, X0, X0 // mu = sum/count", e.sgl("VDIV"))
	e.op("%s X0, Y15", e.broadcast())
	// NormCenter: d = x − mu, u = d·d, gy = g·w.
	e.groupsL("center", func(first bool) {
		e.group8(func(s, off int) {
			e.op("%s %s, Y4", e.p("VMOVU"), e.ymm("R8", off))
			e.op("%s Y15, Y4, Y4 // d = x − mu", e.p("VSUB"))
			e.op("%s Y4, %s", e.p("VMOVU"), e.ymm("R12", off))
			e.op("%s Y4, Y4, Y5 // u = d·d", e.p("VMUL"))
			e.op("%s Y5, %s", e.p("VMOVU"), e.ymm("SI", off))
			e.accumulate(first, "Y5", fmt.Sprintf("Y%d", s))
			e.op("%s %s, Y6", e.p("VMOVU"), e.ymm("R10", off))
			e.op("%s %s, Y6, Y6 // gy = g·w", e.p("VMUL"), e.ymm("R11", off))
			e.op("%s Y6, %s", e.p("VMOVU"), e.ymm("DX", off))
		})
	})
	e.tree8(0, 8)
	// r = 1/T(√float64(sq/count + eps)).
	e.op("%s X11, X0, X0 // sq/count", e.sgl("VDIV"))
	e.op("%s X10, X0, X0 // + eps", e.sgl("VADD"))
	if e.f64 {
		e.op("VSQRTSD X0, X0, X0")
	} else {
		e.op("VCVTSS2SD X0, X0, X0")
		e.op("VSQRTSD X0, X0, X0")
		e.op("VCVTSD2SS X0, X0, X0")
	}
	e.op("%s X0, X9, X0 // r = 1/√", e.sgl("VDIV"))
	e.op("%s X0, Y14", e.broadcast())
	// NormScale: d = d·r, u = gy·d, wg = g·d; the sums of gy and u.
	e.groupsL("scale", func(first bool) {
		e.group8(func(s, off int) {
			e.op("%s %s, Y4", e.p("VMOVU"), e.ymm("R12", off))
			e.op("%s Y14, Y4, Y4 // x̂ = d·r", e.p("VMUL"))
			e.op("%s Y4, %s", e.p("VMOVU"), e.ymm("R12", off))
			e.op("%s %s, Y5", e.p("VMOVU"), e.ymm("DX", off))
			e.accumulate(first, "Y5", fmt.Sprintf("Y%d", s))
			e.op("%s Y4, Y5, Y6 // u = gy·x̂", e.p("VMUL"))
			e.op("%s Y6, %s", e.p("VMOVU"), e.ymm("SI", off))
			e.accumulate(first, "Y6", fmt.Sprintf("Y%d", 2+s))
			e.op("%s %s, Y7", e.p("VMOVU"), e.ymm("R10", off))
			e.op("%s Y4, Y7, Y7 // wg = g·x̂", e.p("VMUL"))
			e.op("%s Y7, %s", e.p("VMOVU"), e.ymm("R9", off))
		})
	})
	e.tree8(0, 8)
	e.tree8(2, 8)
	e.op("%s X11, X0, X0 // m1 = sgy/count", e.sgl("VDIV"))
	e.op("%s X0, Y13", e.broadcast())
	e.op("%s X11, X2, X2 // m2 = su/count", e.sgl("VDIV"))
	e.op("%s X2, Y12", e.broadcast())
	// NormOut: o = r·((gy − m1) − x̂·m2), or o + that.
	e.op("XORQ AX, AX")
	e.label("out")
	e.op("CMPQ AX, CX")
	e.op("JGE next")
	e.group8(func(s, off int) {
		e.op("%s %s, Y4", e.p("VMOVU"), e.ymm("DX", off))
		e.op("%s Y13, Y4, Y4 // gy − m1", e.p("VSUB"))
		e.op("%s %s, Y5", e.p("VMOVU"), e.ymm("R12", off))
		e.op("%s Y12, Y5, Y5 // x̂·m2", e.p("VMUL"))
		e.op("%s Y5, Y4, Y4", e.p("VSUB"))
		e.op("%s Y4, Y14, Y4 // r·", e.p("VMUL"))
		e.op("TESTQ BX, BX")
		e.op("JZ store%d", s)
		e.op("%s %s, Y5", e.p("VMOVU"), e.ymm("DI", off))
		e.op("%s Y4, Y5, Y4 // o + ", e.p("VADD"))
		e.label(fmt.Sprintf("store%d", s))
		e.op("%s Y4, %s", e.p("VMOVU"), e.ymm("DI", off))
	})
	e.op("ADDQ $8, AX")
	e.op("JMP out")
	e.label("next")
	for _, r := range []string{"DI", "R9", "R8", "R10"} {
		e.op("ADDQ R14, %s", r)
	}
	e.op("DECQ R13")
	e.op("JNZ row")
	e.finish()
}
