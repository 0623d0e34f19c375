package main

import "fmt"

// The kernels of a batch normalization's fused backward (BNGradSums and
// BNGradOut in bnorm.go): each recomputes x̂ = (x − mean)·rstd and
// gy = g·w from x and g instead of reading them from scratch arrays, with
// the operations of the sweeps they replace in their order and operand
// order, so the same bits.

// batchNormKernels returns the fused batch normalization kernels.
func batchNormKernels() []kernel {
	ks := []kernel{{"bnGradSums", avx2, []string{"x ptr", "grad ptr", "n int", "out ptr", "mean T", "rstd T", "w T"},
		"With h = (x − mean)·rstd and gy = g·w, each operation rounded, out[8k:8k+8]\nare Sum8's eight accumulators of g, g·h, gy and gy·h for k = 0..3 (the\nfirst group of eight starts them). n is a multiple of 8, at least 8. In\nymm registers only, for the AVX2 and AVX-512 machines alike.",
		bnGradSums},
		{"sqDev8", avx2, []string{"x ptr", "n int", "out ptr", "m T"},
			"out = Sum8's eight accumulators of (x − m)², the difference rounded, then\nthe square (the first group of eight starts them). n is a multiple of 8,\nat least 8. In ymm registers only, for the AVX2 and AVX-512 machines alike.",
			sqDev8}}
	for _, i := range []isa{avx2, avx512} {
		whole := "\nn is a multiple of the width."
		if i == avx512 {
			whole = "\nAny n: the last vector is masked."
		}
		ks = append(ks, kernel{"bnGradOut", i, []string{"o ptr", "x ptr", "grad ptr", "n int", "add int", "mean T", "rstd T", "w T", "m1 T", "m2 T"},
			"o = rstd·((g·w − m1) − ((x − mean)·rstd)·m2), or o + that when add is not\n0, each operation rounded in that order." + whole,
			bnGradOut})
	}
	return ks
}

// bnGradSums is the body of the sums kernel. Registers: SI x, DX g, CX n,
// R11 out; Y13-Y15 mean, rstd and w; the accumulators from Y0 (four sums
// of one or two registers each), Y8-Y12 the temporaries.
func bnGradSums(e *emitter) {
	e.start(e.name("bnGradSums"), "SI", "DX", "CX", "R11")
	for i, a := range e.args[4:] {
		e.op("%s %s+%d(FP), Y%d", e.broadcast(), a.name, a.off, 13+i)
	}
	parts := 8 / (32 / e.size) // ymm registers per group of eight
	acc := func(k, s int) string { return fmt.Sprintf("Y%d", k*parts+s) }
	e.groups(func(first bool) {
		e.group8(func(s, off int) {
			e.op("%s %s, Y8", e.p("VMOVU"), e.ymm("SI", off))
			e.op("%s Y13, Y8, Y8 // x − mean", e.p("VSUB"))
			e.op("%s Y14, Y8, Y8 // h = ·rstd", e.p("VMUL"))
			e.op("%s %s, Y9", e.p("VMOVU"), e.ymm("DX", off))
			e.accumulate(first, "Y9", acc(0, s))
			e.op("%s Y8, Y9, Y10 // g·h", e.p("VMUL"))
			e.accumulate(first, "Y10", acc(1, s))
			e.op("%s Y15, Y9, Y11 // gy = g·w", e.p("VMUL"))
			e.accumulate(first, "Y11", acc(2, s))
			e.op("%s Y8, Y11, Y12 // gy·h", e.p("VMUL"))
			e.accumulate(first, "Y12", acc(3, s))
		})
	})
	for k := range 4 {
		e.group8(func(s, off int) {
			e.op("%s %s, %d(R11)", e.p("VMOVU"), acc(k, s), k*8*e.size+off)
		})
	}
	e.finish()
}

// bnGradOut is the body of the gradient kernel. Registers: DI o, SI x, DX
// g, CX n, R9 add (loops uses BX and R10); mean, rstd, w, m1 and m2 in registers 11-15.
func bnGradOut(e *emitter) {
	e.start(e.name("bnGradOut"), "DI", "SI", "DX", "CX", "R9")
	for i, a := range e.args[5:] {
		e.op("%s %s+%d(FP), %s", e.broadcast(), a.name, a.off, e.v(11+i))
	}
	mean, rstd, w, m1, m2 := e.v(11), e.v(12), e.v(13), e.v(14), e.v(15)
	n := 0
	e.loops(2, func(k int, masked bool) {
		h, v, o := e.v(k), e.v(4+k), e.v(8+k)
		e.load(e.at("SI", k), h, masked)
		e.op("%s %s, %s, %s // x − mean", e.p("VSUB"), mean, h, h)
		e.op("%s %s, %s, %s // h = ·rstd", e.p("VMUL"), rstd, h, h)
		e.op("%s %s, %s, %s // h·m2", e.p("VMUL"), m2, h, h)
		e.load(e.at("DX", k), v, masked)
		e.op("%s %s, %s, %s // gy = g·w", e.p("VMUL"), w, v, v)
		e.op("%s %s, %s, %s // gy − m1", e.p("VSUB"), m1, v, v)
		e.op("%s %s, %s, %s", e.p("VSUB"), h, v, v)
		e.op("%s %s, %s, %s // rstd·", e.p("VMUL"), v, rstd, v)
		st := fmt.Sprintf("store%d", n)
		n++
		e.op("TESTQ R9, R9")
		e.op("JZ %s", st)
		e.load(e.at("DI", k), o, masked)
		e.op("%s %s, %s, %s // o + ", e.p("VADD"), v, o, v)
		e.label(st)
		e.store(v, e.at("DI", k), masked)
	})
	e.finish()
}

// sqDev8 is the body of the squared deviations' kernel. Registers: SI x,
// CX n, R11 out; Y15 m; the accumulators Y0 (and Y1 for float64), Y8 and
// Y9 the temporaries.
func sqDev8(e *emitter) {
	e.start(e.name("sqDev8"), "SI", "CX", "R11")
	e.op("%s m+24(FP), Y15", e.broadcast())
	e.groups(func(first bool) {
		e.group8(func(s, off int) {
			e.op("%s %s, Y8", e.p("VMOVU"), e.ymm("SI", off))
			e.op("%s Y15, Y8, Y8 // x − m", e.p("VSUB"))
			e.op("%s Y8, Y8, Y9 // squared", e.p("VMUL"))
			e.accumulate(first, "Y9", fmt.Sprintf("Y%d", s))
		})
	})
	e.group8(func(s, off int) { e.op("%s Y%d, %d(R11)", e.p("VMOVU"), s, off) })
	e.finish()
}
