package main

// The derivative kernels: gradient accumulation of a product and the
// derivatives of σ and tanh from their outputs. Each rounds every
// operation in the order of the recorded derivative (no FMA), with the
// operands in its order too, so that even the NaN a result carries is the
// one the recorded ops give.

// gradKernels returns the three derivative kernels in both ISAs.
func gradKernels() []kernel {
	var ks []kernel
	for _, i := range []isa{avx2, avx512} {
		whole := "\nn is a multiple of the width."
		if i == avx512 {
			whole = "\nAny n: the last vector is masked."
		}
		ks = append(ks,
			kernel{"mulAdd", i, []string{"dst ptr", "x ptr", "y ptr", "n int"},
				"dst = dst + x·y, the product rounded before the add (no FMA)." + whole,
				mulAdd},
			kernel{"sigmoidGrad", i, []string{"dst ptr", "y ptr", "grad ptr", "n int"},
				"dst = g·(y·(1 − y)), σ's derivative from its output y, each operation\nrounded in that order." + whole,
				outputGrad(true)},
			kernel{"tanhGrad", i, []string{"dst ptr", "y ptr", "grad ptr", "n int"},
				"dst = g·(1 − y·y), tanh's derivative from its output y, each operation\nrounded in that order." + whole,
				outputGrad(false)})
	}
	return ks
}

// mulAdd is the body of the mulAdd kernels: p = x·y, then dst + p, dst
// loaded into a register so that it is the first operand of the add.
func mulAdd(e *emitter) {
	e.start(e.name("mulAdd"), "DI", "SI", "DX", "CX")
	e.loops(4, func(k int, masked bool) {
		x, p, d := e.v(k), e.v(4+k), e.v(12+k)
		e.load(e.at("SI", k), x, masked)
		e.load(e.at("DI", k), d, masked)
		y := e.at("DX", k)
		if masked {
			y = e.v(8 + k)
			e.load(e.at("DX", k), y, true)
		}
		e.op("%s %s, %s, %s // x·y", e.p("VMUL"), y, x, p)
		e.op("%s %s, %s, %s // dst + x·y", e.p("VADD"), p, d, p)
		e.store(p, e.at("DI", k), masked)
	})
	e.finish()
}

// outputGrad returns the body of the sigmoidGrad kernels (sigmoid) or of
// the tanhGrad ones: t = y·(1 − y) or 1 − y·y, then g·t, 1.0 in register
// 14.
func outputGrad(sigmoid bool) func(e *emitter) {
	return func(e *emitter) {
		stem := "tanhGrad"
		if sigmoid {
			stem = "sigmoidGrad"
		}
		e.start(e.name(stem), "DI", "SI", "DX", "CX")
		one(e)
		e.loops(4, func(k int, masked bool) {
			y, t, g := e.v(k), e.v(4+k), e.v(8+k)
			e.load(e.at("SI", k), y, masked)
			e.load(e.at("DX", k), g, masked)
			if sigmoid {
				e.op("%s %s, %s, %s // 1 − y", e.p("VSUB"), y, e.v(14), t)
				e.op("%s %s, %s, %s // y·(1 − y)", e.p("VMUL"), t, y, t)
			} else {
				e.op("%s %s, %s, %s // y·y", e.p("VMUL"), y, y, t)
				e.op("%s %s, %s, %s // 1 − y·y", e.p("VSUB"), t, e.v(14), t)
			}
			e.op("%s %s, %s, %s // g·t", e.p("VMUL"), t, g, t)
			e.store(t, e.at("DI", k), masked)
		})
		e.finish()
	}
}
