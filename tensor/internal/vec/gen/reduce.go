package main

import "fmt"

// sumLanes is the body of the kernels of eight interleaved sums: one ymm
// register of float32, one zmm or two ymm registers of float64.
func sumLanes(e *emitter) {
	e.start(e.name("sumLanes"), "SI", "CX", "DI")
	regs := []string{"Y0"} // the accumulators, lanes 0-7 in order
	switch {
	case e.f64 && e.isa == avx512:
		regs = []string{"Z0"}
	case e.f64:
		regs = []string{"Y0", "Y1"}
	}
	for i, r := range regs {
		e.op("%s %d(SI), %s", e.p("VMOVU"), 32*i, r)
	}
	e.op("MOVQ $8, AX")
	e.label("loop")
	e.op("CMPQ AX, CX")
	e.op("JGE store")
	for i, r := range regs {
		e.op("%s %d(SI)(AX*%d), %s, %s", e.p("VADD"), 32*i, e.size, r, r)
	}
	e.op("ADDQ $8, AX")
	e.op("JMP loop")
	e.label("store")
	for i, r := range regs {
		e.op("%s %s, %d(DI)", e.p("VMOVU"), r, 32*i)
	}
	e.finish()
}

// wide is the register prefix of float64 vectors, and cw their lanes.
func (e *emitter) wide() (reg string, cw int) {
	if e.isa == avx512 {
		return "Z", 8
	}
	return "Y", 4
}

// wideLoad writes a load of the cw elements at k·cw past AX in the array
// at base into float64 register dst, converted from float32 if need be.
func (e *emitter) wideLoad(base string, k int, dst string) {
	_, cw := e.wide()
	if e.f64 {
		e.op("VMOVUPD %d(%s)(AX*8), %s", k*cw*8, base, dst)
		return
	}
	e.op("VCVTPS2PD %d(%s)(AX*4), %s", k*cw*4, base, dst)
}

// sumWide returns the body of the sixteen-lane float64 sums, of squared
// deviations from m when sq.
func sumWide(sq bool) func(e *emitter) {
	return func(e *emitter) {
		w, cw := e.wide()
		chunks := 16 / cw
		name, out := "sumWide", "DI"
		if sq {
			name = "sqDevWide"
		}
		e.start(e.name(name), "SI", "CX")
		e.op("MOVQ out+%d(FP), %s", e.args[len(e.args)-1].off, out)
		if sq {
			e.op("VBROADCASTSD m+16(FP), %s15", w)
		}
		for j := range chunks {
			if e.isa == avx512 {
				e.op("VPXORQ Z%d, Z%d, Z%d", j, j, j)
			} else {
				e.op("VXORPD Y%d, Y%d, Y%d", j, j, j)
			}
		}
		e.op("XORQ AX, AX")
		e.label("loop")
		e.op("CMPQ AX, CX")
		e.op("JGE store")
		for j := range chunks {
			r := fmt.Sprintf("%s%d", w, 4+j)
			e.wideLoad("SI", j, r)
			if sq {
				e.op("VSUBPD %s15, %s, %s", w, r, r)
				e.op("VMULPD %s, %s, %s", r, r, r)
			}
			e.op("VADDPD %s, %s%d, %s%d", r, w, j, w, j)
		}
		e.op("ADDQ $16, AX")
		e.op("JMP loop")
		e.label("store")
		for j := range chunks {
			e.op("VMOVUPD %s%d, %d(%s)", w, j, j*cw*8, out)
		}
		e.finish()
	}
}

// normAffine is the body of the normalization kernels: the float64 part
// in wide registers, the float32 product and sum (when T is float32) in
// registers of half the width.
func normAffine(e *emitter) {
	w, cw := e.wide()
	e.start(e.name("normAffine"), "DI", "SI", "DX", "R8", "CX")
	e.op("VBROADCASTSD mean+40(FP), %s14", w)
	e.op("VBROADCASTSD rstd+48(FP), %s15", w)
	e.op("XORQ AX, AX")
	e.label("loop")
	e.op("CMPQ AX, CX")
	e.op("JGE done")
	for k := range 2 {
		r := fmt.Sprintf("%s%d", w, k)
		e.wideLoad("SI", k, r)
		e.op("VSUBPD %s14, %s, %s // x − mean", w, r, r)
		e.op("VMULPD %s15, %s, %s // ·rstd", w, r, r)
		if e.f64 {
			e.op("VMULPD %d(DX)(AX*8), %s, %s // ·w", k*cw*8, r, r)
			e.op("VADDPD %d(R8)(AX*8), %s, %s // + b", k*cw*8, r, r)
			e.op("VMOVUPD %s, %d(DI)(AX*8)", r, k*cw*8)
			continue
		}
		h := fmt.Sprintf("Y%d", k)
		cvt := "VCVTPD2PS"
		if e.isa == avx2 {
			h, cvt = fmt.Sprintf("X%d", k), "VCVTPD2PSY"
		}
		e.op("%s %s, %s", cvt, r, h)
		e.op("VMULPS %d(DX)(AX*4), %s, %s // ·w", k*cw*4, h, h)
		e.op("VADDPS %d(R8)(AX*4), %s, %s // + b", k*cw*4, h, h)
		e.op("VMOVUPS %s, %d(DI)(AX*4)", h, k*cw*4)
	}
	e.op("ADDQ $%d, AX", 2*cw)
	e.op("JMP loop")
	e.finish()
}

// addRows8 returns the body of the kernels that add eight rows as a
// balanced tree, each row scaled by a first when scaled.
func addRows8(scaled bool) func(e *emitter) {
	return func(e *emitter) {
		name := "addRows8"
		if scaled {
			name = "addRows8Scaled"
		}
		e.start(e.name(name), "DI", "DX", "CX")
		if scaled {
			e.op("%s a+24(FP), %s", e.broadcast(), e.v(15))
		}
		rows := []string{"SI", "BX", "R8", "R9", "R10", "R11", "R12", "R13"}
		for k, r := range rows {
			e.op("MOVQ %d(DX), %s", 8*k, r)
		}
		e.op("XORQ AX, AX")
		e.label("loop")
		e.op("CMPQ AX, CX")
		e.op("JGE done")
		for k, r := range rows {
			if scaled {
				e.op("%s (%s)(AX*%d), %s, %s // a·r%d", e.p("VMUL"), r, e.size, e.v(15), e.v(k), k)
			} else {
				e.op("%s (%s)(AX*%d), %s", e.p("VMOVU"), r, e.size, e.v(k))
			}
		}
		for _, s := range [][3]int{{0, 1, 0}, {2, 3, 2}, {0, 2, 0}, {4, 5, 4}, {6, 7, 6}, {4, 6, 4}, {0, 4, 0}} {
			e.op("%s %s, %s, %s", e.p("VADD"), e.v(s[1]), e.v(s[0]), e.v(s[2]))
		}
		e.op("%s %s, (DI)(AX*%d)", e.p("VMOVU"), e.v(0), e.size)
		e.op("ADDQ $%d, AX", e.lanes)
		e.op("JMP loop")
		e.finish()
	}
}

// group8 writes, for each vector of a group of eight elements (one ymm of
// float32, two of float64), body(s, off): off the byte offset of vector s
// in the group.
func (e *emitter) group8(body func(s, off int)) {
	for s := range 8 / e.lanes {
		body(s, 32*s)
	}
}

// ymm addresses the element at AX plus off bytes in the array at base.
func (e *emitter) ymm(base string, off int) string {
	return fmt.Sprintf("%d(%s)(AX*%d)", off, base, e.size)
}

// groups writes a loop over the groups of eight of n (in CX): the first
// with first true (it starts the accumulators), then the rest.
func (e *emitter) groups(body func(first bool)) {
	e.op("XORQ AX, AX")
	body(true)
	e.op("MOVQ $8, AX")
	e.label("loop")
	e.op("CMPQ AX, CX")
	e.op("JGE store")
	body(false)
	e.op("ADDQ $8, AX")
	e.op("JMP loop")
	e.label("store")
}

// accumulate writes acc = v for the first group, else acc = acc + v.
func (e *emitter) accumulate(first bool, v, acc string) {
	if first {
		e.op("%s %s, %s", e.p("VMOVA"), v, acc)
		return
	}
	e.op("%s %s, %s, %s", e.p("VADD"), v, acc, acc)
}

// normCenter is the body of the first sweep of a normalization's fused
// backward.
func normCenter(e *emitter) {
	e.start(e.name("normCenter"), "DI", "SI", "DX", "R8", "R9", "R10", "CX", "R11")
	e.op("%s mu+64(FP), Y15", e.broadcast())
	e.groups(func(first bool) {
		e.group8(func(s, off int) {
			e.op("%s %s, Y4", e.p("VMOVU"), e.ymm("R8", off))
			e.op("%s Y15, Y4, Y4 // d = x − mu", e.p("VSUB"))
			e.op("%s Y4, %s", e.p("VMOVU"), e.ymm("DI", off))
			e.op("%s Y4, Y4, Y5 // u = d·d", e.p("VMUL"))
			e.op("%s Y5, %s", e.p("VMOVU"), e.ymm("SI", off))
			e.accumulate(first, "Y5", fmt.Sprintf("Y%d", s))
			e.op("%s %s, Y6", e.p("VMOVU"), e.ymm("R9", off))
			e.op("%s %s, Y6, Y6 // gy = g·w", e.p("VMUL"), e.ymm("R10", off))
			e.op("%s Y6, %s", e.p("VMOVU"), e.ymm("DX", off))
		})
	})
	e.group8(func(s, off int) { e.op("%s Y%d, %d(R11)", e.p("VMOVU"), s, off) })
	e.finish()
}

// normScale is the body of the second sweep: x̂ and the products with it,
// and the accumulators of the two sums that follow.
func normScale(e *emitter) {
	e.start(e.name("normScale"), "DI", "SI", "R9", "DX", "R8", "CX", "R11")
	e.op("%s r+56(FP), Y15", e.broadcast())
	e.groups(func(first bool) {
		e.group8(func(s, off int) {
			e.op("%s %s, Y4", e.p("VMOVU"), e.ymm("DI", off))
			e.op("%s Y15, Y4, Y4 // x̂ = d·r", e.p("VMUL"))
			e.op("%s Y4, %s", e.p("VMOVU"), e.ymm("DI", off))
			e.op("%s %s, Y5", e.p("VMOVU"), e.ymm("DX", off))
			e.accumulate(first, "Y5", fmt.Sprintf("Y%d", s))
			e.op("%s Y4, Y5, Y6 // u = gy·x̂", e.p("VMUL"))
			e.op("%s Y6, %s", e.p("VMOVU"), e.ymm("SI", off))
			e.accumulate(first, "Y6", fmt.Sprintf("Y%d", 2+s))
			e.op("%s %s, Y7", e.p("VMOVU"), e.ymm("R8", off))
			e.op("%s Y4, Y7, Y7 // wg = g·x̂", e.p("VMUL"))
			e.op("%s Y7, %s", e.p("VMOVU"), e.ymm("R9", off))
		})
	})
	e.group8(func(s, off int) {
		e.op("%s Y%d, %d(R11)", e.p("VMOVU"), s, off)
		e.op("%s Y%d, %d(R11)", e.p("VMOVU"), 2+s, off+8*e.size)
	})
	e.finish()
}

// normOut is the body of the last sweep, the gradient of x.
func normOut(e *emitter) {
	e.start(e.name("normOut"), "DI", "SI", "DX", "CX", "BX")
	for i, a := range e.args[5:] {
		e.op("%s %s+%d(FP), Y%d", e.broadcast(), a.name, a.off, 13+i)
	}
	e.op("XORQ AX, AX")
	e.label("loop")
	e.op("CMPQ AX, CX")
	e.op("JGE done")
	e.group8(func(s, off int) {
		e.op("%s %s, Y4", e.p("VMOVU"), e.ymm("SI", off))
		e.op("%s Y14, Y4, Y4 // gy − m1", e.p("VSUB"))
		e.op("%s %s, Y5", e.p("VMOVU"), e.ymm("DX", off))
		e.op("%s Y15, Y5, Y5 // x̂·m2", e.p("VMUL"))
		e.op("%s Y5, Y4, Y4", e.p("VSUB"))
		e.op("%s Y4, Y13, Y4 // r·", e.p("VMUL"))
		e.op("TESTQ BX, BX")
		e.op("JZ store%d", s)
		e.op("%s %s, Y5", e.p("VMOVU"), e.ymm("DI", off))
		e.op("%s Y4, Y5, Y4 // o + ", e.p("VADD"))
		e.label(fmt.Sprintf("store%d", s))
		e.op("%s Y4, %s", e.p("VMOVU"), e.ymm("DI", off))
	})
	e.op("ADDQ $8, AX")
	e.op("JMP loop")
	e.finish()
}

// addRows64 is the body of the kernel that adds 64 rows of a strided
// array as package tensor's sumRows adds them: eight leaves of eight rows,
// each the balanced tree of addRows8, then the balanced tree of the
// leaves, ((L0 + L1) + (L2 + L3)) + ((L4 + L5) + (L6 + L7)), a column
// strip at a time in registers (the loops' BX and R10 are left alone).
func addRows64(e *emitter) {
	e.start(e.name("addRows64"), "DI", "SI", "DX", "CX")
	e.op("SHLQ $%d, DX // the stride in bytes", map[bool]int{false: 2, true: 3}[e.f64])
	e.op("LEAQ (DX)(DX*2), R8 // 3·stride")
	e.op("LEAQ (DX)(DX*4), R9 // 5·stride")
	e.op("LEAQ (R8)(DX*4), R13 // 7·stride")
	e.op("MOVQ DX, R11")
	e.op("SHLQ $3, R11 // 8·stride")
	rows := []string{"(R12)", "(R12)(DX*1)", "(R12)(DX*2)", "(R12)(R8*1)", "(R12)(DX*4)", "(R12)(R9*1)", "(R12)(R8*2)", "(R12)(R13*1)"}
	tree := [][3]int{{0, 1, 0}, {2, 3, 2}, {0, 2, 0}, {4, 5, 4}, {6, 7, 6}, {4, 6, 4}, {0, 4, 0}}
	e.loops(1, func(_ int, masked bool) {
		e.op("LEAQ (SI)(AX*%d), R12", e.size)
		for leaf := range 8 {
			t := 8 * (leaf % 2) // alternate register sets, so that leaves overlap
			for k, a := range rows {
				e.load(a, e.v(t+k), masked)
			}
			for _, s := range tree {
				e.op("%s %s, %s, %s", e.p("VADD"), e.v(t+s[1]), e.v(t+s[0]), e.v(t+s[2]))
			}
			e.op("%s %s, %s // leaf %d", e.p("VMOVA"), e.v(t), e.v(16+leaf), leaf)
			if leaf < 7 {
				e.op("ADDQ R11, R12")
			}
		}
		for _, s := range tree {
			e.op("%s %s, %s, %s", e.p("VADD"), e.v(16+s[1]), e.v(16+s[0]), e.v(16+s[2]))
		}
		e.store(e.v(16), e.at("DI", 0), masked)
	})
	e.finish()
}
