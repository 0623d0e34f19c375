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
		{"lnGradRows", avx2, []string{"o ptr", "wg ptr", "x ptr", "grad ptr", "w ptr", "n int", "rows int", "add int", "count T", "eps T", "one T"},
			"LayerNorm's fused backward over rows rows of n elements (n a multiple\nof 8, from 8 to 128: the rows SumRow sums as one leaf), per row the\nsweeps of LayerNormGradRow in package tensor: mu = Sum8(x)/count,\nNormCenter, r = one/T(√float64(sq/count + eps)), NormScale, and NormOut\nwith m1 = sgy/count and m2 = su/count (adding to o when add is not 0).\nThe sums stay in registers and d = x − mu, x̂ = d·r and gy = g·w are\nrecomputed (the same bits) instead of stored, so the kernel needs no\nscratch; two rows go through each sweep together, so that their\nlatency-bound sums overlap. o, wg, x and g advance by n per row.\nIn ymm registers only, for the AVX2 and AVX-512 machines alike.",
			lnGradRows},
		lnGradLeavesKernel(),
	}
}

// tree16 writes the balanced tree of SumWide's sixteen float64
// accumulators in Za (accumulators 0-7) and Za+1 (8-15), leaving the sum
// in Xa: ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)) for each
// register, the left one plus the right one. Zt and Zt+1 are clobbered.
func (e *emitter) tree16(a, t int) {
	for j := range 2 {
		z, u := fmt.Sprintf("Z%d", a+j), fmt.Sprintf("Z%d", t+j)
		e.op("VPERMILPD $0x55, %s, %s // neighbours swapped", z, u)
		e.op("VADDPD %s, %s, %s // r0+r1, r2+r3, ... in the even lanes", u, z, z)
		e.op("VPERMPD $0x0e, %s, %s", z, u)
		e.op("VADDPD %s, %s, %s // the quarters' sums in lanes 0 and 4", u, z, z)
		e.op("VEXTRACTF64X4 $1, %s, Y%d", z, t+j)
		e.op("VADDSD X%d, X%d, X%d", t+j, a+j, a+j)
	}
	e.op("VADDSD X%d, X%d, X%d", a+1, a, a)
}

// lnFwdRow is the registers of one row of the fused forward: the pointers
// of y and x, its two accumulators from acc, and its mean and rstd.
type lnFwdRow struct {
	y, x            string
	acc, mean, rstd int
}

// lnRows is the body of the fused forward kernel: a loop over pairs of
// rows, their sums' latency-bound chains overlapping, then one row when
// the count is odd. Registers: DI, SI y and x of the first row of a pair,
// R11, R12 those of the second, DX w, R8 b, CX n, R9 the rows left, R10
// the bytes of a row; X13 nf, X12 eps, X11 one.
func lnRows(e *emitter) {
	e.start(e.name("lnRows"), "DI", "SI", "DX", "R8", "CX", "R9")
	e.op("VMOVSD nf+48(FP), X13")
	e.op("VMOVSD eps+56(FP), X12")
	e.op("VMOVSD one+64(FP), X11")
	e.op("MOVQ CX, R10")
	e.op("SHLQ $%d, R10 // bytes per row", map[bool]int{false: 2, true: 3}[e.f64])
	a := lnFwdRow{"DI", "SI", 0, 20, 21}
	b := lnFwdRow{"R11", "R12", 2, 22, 23}
	e.label("pair")
	e.op("CMPQ R9, $2")
	e.op("JLT single")
	e.op("LEAQ (DI)(R10*1), R11")
	e.op("LEAQ (SI)(R10*1), R12")
	e.lnRowsBody("p", []lnFwdRow{a, b})
	e.op("LEAQ (R11)(R10*1), DI")
	e.op("LEAQ (R12)(R10*1), SI")
	e.op("SUBQ $2, R9")
	e.op("JMP pair")
	e.label("single")
	e.op("TESTQ R9, R9")
	e.op("JZ done")
	e.lnRowsBody("s", []lnFwdRow{a})
	e.finish()
}

// lnRowsBody writes the sweeps of the fused forward for the rows rs
// together (labels prefixed by l).
func (e *emitter) lnRowsBody(l string, rs []lnFwdRow) {
	// The sum and the squared deviations, in SumWide's order.
	for _, sq := range []bool{false, true} {
		lp := l + map[bool]string{false: "sum", true: "sq"}[sq]
		for _, r := range rs {
			e.op("VPXORQ Z%d, Z%d, Z%d", r.acc, r.acc, r.acc)
			e.op("VPXORQ Z%d, Z%d, Z%d", r.acc+1, r.acc+1, r.acc+1)
		}
		e.op("XORQ AX, AX")
		e.label(lp)
		e.op("CMPQ AX, CX")
		e.op("JGE %sDone", lp)
		for i, r := range rs {
			for j := range 2 {
				v := fmt.Sprintf("Z%d", 4+2*i+j)
				e.wideLoad(r.x, j, v)
				if sq {
					e.op("VSUBPD Z%d, %s, %s", r.mean, v, v)
					e.op("VMULPD %s, %s, %s", v, v, v)
				}
				e.op("VADDPD %s, Z%d, Z%d", v, r.acc+j, r.acc+j)
			}
		}
		e.op("ADDQ $16, AX")
		e.op("JMP %s", lp)
		e.label(lp + "Done")
		for _, r := range rs {
			e.tree16(r.acc, 8)
			if !sq {
				e.op("VDIVSD X13, X%d, X%d // m = sum/n", r.acc, r.acc)
				e.op("VBROADCASTSD X%d, Z%d", r.acc, r.mean)
			}
		}
	}
	for _, r := range rs {
		x := fmt.Sprintf("X%d", r.acc)
		e.op("VDIVSD X13, %s, %s // q/n", x, x)
		e.op("VADDSD X12, %s, %s // + eps", x, x)
		e.op("VSQRTSD %s, %s, %s", x, x, x)
		e.op("VDIVSD %s, X11, %s // rstd = 1/√", x, x)
		if !e.f64 {
			// Both rounded to float32, then widened again.
			e.op("VCVTSD2SS X%d, X%d, X14", r.mean, r.mean)
			e.op("VCVTSS2SD X14, X14, X14")
			e.op("VBROADCASTSD X14, Z%d // mean", r.mean)
			e.op("VCVTSD2SS %s, %s, %s", x, x, x)
			e.op("VCVTSS2SD %s, %s, %s", x, x, x)
		}
		e.op("VBROADCASTSD %s, Z%d // rstd", x, r.rstd)
	}
	// NormAffine's loop.
	e.op("XORQ AX, AX")
	e.label(l + "affine")
	e.op("CMPQ AX, CX")
	e.op("JGE %sNext", l)
	for i, r := range rs {
		for k := range 2 {
			n := 2*i + k
			z := fmt.Sprintf("Z%d", n)
			e.wideLoad(r.x, k, z)
			e.op("VSUBPD Z%d, %s, %s // x − mean", r.mean, z, z)
			e.op("VMULPD Z%d, %s, %s // ·rstd", r.rstd, z, z)
			if e.f64 {
				e.op("VMULPD %d(DX)(AX*8), %s, %s // ·w", k*64, z, z)
				e.op("VADDPD %d(R8)(AX*8), %s, %s // + b", k*64, z, z)
				e.op("VMOVUPD %s, %d(%s)(AX*8)", z, k*64, r.y)
				continue
			}
			h := fmt.Sprintf("Y%d", n)
			e.op("VCVTPD2PS %s, %s", z, h)
			e.op("VMULPS %d(DX)(AX*4), %s, %s // ·w", k*32, h, h)
			e.op("VADDPS %d(R8)(AX*4), %s, %s // + b", k*32, h, h)
			e.op("VMOVUPS %s, %d(%s)(AX*4)", h, k*32, r.y)
		}
	}
	e.op("ADDQ $16, AX")
	e.op("JMP %saffine", l)
	e.label(l + "Next")
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

// lnRow is the registers of one row of the fused backward: the pointers
// of o, wg, x and g, and the vector registers of its mu, r, m1 and m2.
type lnRow struct {
	o, wg, x, g   string
	mu, r, m1, m2 int
	sumBase       int // its accumulators: sumBase.. (two sums of parts registers)
}

// lnGradRows is the body of the fused backward kernel: a loop over pairs
// of rows, then one row when the count is odd. Registers: DI, R9, R8, R10
// o, wg, x and g of the first row of a pair, R12, R14, DX, SI those of the
// second; R11 w, CX n, R13 the rows left, BX add. Vector registers: the
// accumulators from Y0 (two sums per row, of one or two registers each),
// Y8 the trees' temporary, Y9-Y11 the sweeps' (Y0-Y1 in the last), and
// each row's mu, r, m1 and m2 (Y15, Y13, Y11, Y10 and Y14, Y12, Y9, Y8:
// m1 and m2 only once the sums are done).
func lnGradRows(e *emitter) {
	e.start(e.name("lnGradRows"), "DI", "R9", "R8", "R10", "R11", "CX", "R13", "BX")
	parts := 1 // ymm registers per group of eight
	if e.f64 {
		parts = 2
	}
	a := lnRow{"DI", "R9", "R8", "R10", 15, 13, 11, 10, 0}
	b := lnRow{"R12", "R14", "DX", "SI", 14, 12, 9, 8, 2 * parts}
	e.label("pair")
	e.op("CMPQ R13, $2")
	e.op("JLT single")
	for _, p := range [][2]string{{"R8", "DX"}, {"R10", "SI"}, {"DI", "R12"}, {"R9", "R14"}} {
		e.op("LEAQ (%s)(CX*%d), %s // the second row", p[0], e.size, p[1])
	}
	e.lnGradBody("p", []lnRow{a, b}, parts)
	for _, p := range [][2]string{{"DX", "R8"}, {"SI", "R10"}, {"R12", "DI"}, {"R14", "R9"}} {
		e.op("LEAQ (%s)(CX*%d), %s // the next pair", p[0], e.size, p[1])
	}
	e.op("SUBQ $2, R13")
	e.op("JMP pair")
	e.label("single")
	e.op("TESTQ R13, R13")
	e.op("JZ done")
	e.lnGradBody("s", []lnRow{a}, parts)
	e.finish()
}

// lnGradBody writes the sweeps of the fused backward for the rows rs
// together (labels prefixed by l).
func (e *emitter) lnGradBody(l string, rs []lnRow, parts int) {
	acc := func(r lnRow, k, s int) string { return fmt.Sprintf("Y%d", r.sumBase+k*parts+s) }
	arg := func(name string) string {
		for _, a := range e.args {
			if a.name == name {
				return fmt.Sprintf("%s+%d(FP)", name, a.off)
			}
		}
		panic(name)
	}
	// mu = Sum8(x)/count.
	e.groupsL(l+"sum", func(first bool) {
		e.group8(func(s, off int) {
			for _, r := range rs {
				if first {
					e.op("%s %s, %s", e.p("VMOVU"), e.ymm(r.x, off), acc(r, 0, s))
					continue
				}
				e.op("%s %s, %s, %s", e.p("VADD"), e.ymm(r.x, off), acc(r, 0, s), acc(r, 0, s))
			}
		})
	})
	for _, r := range rs {
		e.tree8(r.sumBase, 8)
		e.op("%s %s, X%d, X%d // mu = sum/count", e.sgl("VDIV"), arg("count"), r.sumBase, r.sumBase)
		e.op("%s X%d, Y%d", e.broadcast(), r.sumBase, r.mu)
	}
	// NormCenter's sum of u = d·d, d = x − mu.
	e.groupsL(l+"center", func(first bool) {
		e.group8(func(s, off int) {
			for _, r := range rs {
				e.op("%s %s, Y9", e.p("VMOVU"), e.ymm(r.x, off))
				e.op("%s Y%d, Y9, Y9 // d = x − mu", e.p("VSUB"), r.mu)
				e.op("%s Y9, Y9, Y10 // u = d·d", e.p("VMUL"))
				e.accumulate(first, "Y10", acc(r, 0, s))
			}
		})
	})
	// r = 1/T(√float64(sq/count + eps)).
	for _, r := range rs {
		x := fmt.Sprintf("X%d", r.sumBase)
		e.tree8(r.sumBase, 8)
		e.op("%s %s, %s, %s // sq/count", e.sgl("VDIV"), arg("count"), x, x)
		e.op("%s %s, %s, %s // + eps", e.sgl("VADD"), arg("eps"), x, x)
		if e.f64 {
			e.op("VSQRTSD %s, %s, %s", x, x, x)
		} else {
			e.op("VCVTSS2SD %s, %s, %s", x, x, x)
			e.op("VSQRTSD %s, %s, %s", x, x, x)
			e.op("VCVTSD2SS %s, %s, %s", x, x, x)
		}
		e.op("%s %s, X8", e.sgl("VMOV"), arg("one"))
		e.op("%s %s, X8, %s // r = 1/√", e.sgl("VDIV"), x, x)
		e.op("%s %s, Y%d", e.broadcast(), x, r.r)
	}
	// NormScale: x̂ = d·r, gy = g·w, u = gy·x̂, wg = g·x̂; the sums of gy
	// and u.
	e.groupsL(l+"scale", func(first bool) {
		e.group8(func(s, off int) {
			for _, r := range rs {
				e.op("%s %s, Y9", e.p("VMOVU"), e.ymm(r.x, off))
				e.op("%s Y%d, Y9, Y9 // d = x − mu", e.p("VSUB"), r.mu)
				e.op("%s Y%d, Y9, Y9 // x̂ = d·r", e.p("VMUL"), r.r)
				e.op("%s %s, Y10", e.p("VMOVU"), e.ymm(r.g, off))
				e.op("%s %s, Y10, Y11 // gy = g·w", e.p("VMUL"), e.ymm("R11", off))
				e.accumulate(first, "Y11", acc(r, 0, s))
				e.op("%s Y9, Y11, Y11 // u = gy·x̂", e.p("VMUL"))
				e.accumulate(first, "Y11", acc(r, 1, s))
				e.op("%s Y9, Y10, Y10 // wg = g·x̂", e.p("VMUL"))
				e.op("%s Y10, %s", e.p("VMOVU"), e.ymm(r.wg, off))
			}
		})
	})
	for _, r := range rs {
		e.tree8(r.sumBase, 8)
		e.tree8(r.sumBase+parts, 8)
	}
	for _, r := range rs {
		for k, m := range []int{r.m1, r.m2} {
			x := fmt.Sprintf("X%d", r.sumBase+k*parts)
			e.op("%s %s, %s, %s // m%d = sum/count", e.sgl("VDIV"), arg("count"), x, x, k+1)
			e.op("%s %s, Y%d", e.broadcast(), x, m)
		}
	}
	// NormOut: o = r·((gy − m1) − x̂·m2), or o + that.
	e.op("XORQ AX, AX")
	e.label(l + "out")
	e.op("CMPQ AX, CX")
	e.op("JGE %sNext", l)
	e.group8(func(s, off int) {
		for i, r := range rs {
			st := fmt.Sprintf("%sstore%d%d", l, s, i)
			e.op("%s %s, Y0", e.p("VMOVU"), e.ymm(r.g, off))
			e.op("%s %s, Y0, Y0 // gy = g·w", e.p("VMUL"), e.ymm("R11", off))
			e.op("%s Y%d, Y0, Y0 // gy − m1", e.p("VSUB"), r.m1)
			e.op("%s %s, Y1", e.p("VMOVU"), e.ymm(r.x, off))
			e.op("%s Y%d, Y1, Y1 // d = x − mu", e.p("VSUB"), r.mu)
			e.op("%s Y%d, Y1, Y1 // x̂ = d·r", e.p("VMUL"), r.r)
			e.op("%s Y%d, Y1, Y1 // x̂·m2", e.p("VMUL"), r.m2)
			e.op("%s Y1, Y0, Y0", e.p("VSUB"))
			e.op("%s Y0, Y%d, Y0 // r·", e.p("VMUL"), r.r)
			e.op("TESTQ BX, BX")
			e.op("JZ %s", st)
			e.op("%s %s, Y1", e.p("VMOVU"), e.ymm(r.o, off))
			e.op("%s Y0, Y1, Y0 // o + ", e.p("VADD"))
			e.label(st)
			e.op("%s Y0, %s", e.p("VMOVU"), e.ymm(r.o, off))
		}
	})
	e.op("ADDQ $8, AX")
	e.op("JMP %sout", l)
	e.label(l + "Next")
}
