package main

import (
	"fmt"
	"strings"
)

// arithOps are the IEEE operations of the arithmetic kernels: their name
// stem, their instruction (without the PS/PD suffix) and their symbol.
var arithOps = []struct{ stem, ins, sym string }{
	{"add", "VADD", "+"},
	{"sub", "VSUB", "−"},
	{"mul", "VMUL", "·"},
	{"div", "VDIV", "/"},
}

// arithKernels returns the kernels of the four arithmetic operations in
// three forms: two arrays (dst = x op y), an array and a scalar
// (dst = x op s) and a scalar and an array (dst = s op x); and axpby.
func arithKernels() []kernel {
	var ks []kernel
	for _, o := range arithOps {
		for _, i := range []isa{avx2, avx512} {
			whole := " n is a multiple of the width."
			if i == avx512 {
				whole = " Any n: the last vector is masked."
			}
			ks = append(ks,
				kernel{o.stem, i, []string{"dst ptr", "x ptr", "y ptr", "n int"},
					fmt.Sprintf("dst = x %s y elementwise, one rounding per element.%s", o.sym, whole),
					binaryBody(o.stem, o.ins)},
				kernel{o.stem + "S", i, []string{"dst ptr", "x ptr", "n int", "s T"},
					fmt.Sprintf("dst = x %s s elementwise, one rounding per element.%s", o.sym, whole),
					scalarBody(o.stem+"S", o.ins, false)},
				kernel{"s" + strings.ToUpper(o.stem[:1]) + o.stem[1:], i, []string{"dst ptr", "x ptr", "n int", "s T"},
					fmt.Sprintf("dst = s %s x elementwise, one rounding per element.%s", o.sym, whole),
					scalarBody("s"+strings.ToUpper(o.stem[:1])+o.stem[1:], o.ins, true)})
		}
	}
	for _, i := range []isa{avx2, avx512} {
		whole := "\nn is a multiple of the width."
		if i == avx512 {
			whole = "\nAny n: the last vector is masked."
		}
		ks = append(ks, kernel{"axpby", i, []string{"dst ptr", "x ptr", "n int", "alpha T", "beta T"},
			"dst = beta·dst + alpha·x, each product rounded before the add (no FMA)." + whole,
			axpby})
	}
	return ks
}

// binaryBody returns the body of a kernel dst = x op y: four vectors per
// pass, y read straight from memory except under a mask.
func binaryBody(stem, ins string) func(e *emitter) {
	return func(e *emitter) {
		e.start(e.name(stem), "DI", "SI", "DX", "CX")
		e.loops(4, func(k int, masked bool) {
			x, r := e.v(k), e.v(8+k)
			e.load(e.at("SI", k), x, masked)
			y := e.at("DX", k)
			if masked {
				y = e.v(4 + k)
				e.load(e.at("DX", k), y, true)
			}
			e.op("%s %s, %s, %s", e.p(ins), y, x, r)
			e.store(r, e.at("DI", k), masked)
		})
		e.finish()
	}
}

// scalarBody returns the body of a kernel dst = x op s, or dst = s op x
// when left, s broadcast into register 15.
func scalarBody(stem, ins string, left bool) func(e *emitter) {
	return func(e *emitter) {
		e.start(e.name(stem), "DI", "SI", "CX")
		s := e.args[3]
		e.op("%s %s+%d(FP), %s", e.broadcast(), s.name, s.off, e.v(15))
		e.loops(4, func(k int, masked bool) {
			x, r := e.v(k), e.v(8+k)
			e.load(e.at("SI", k), x, masked)
			if left {
				e.op("%s %s, %s, %s", e.p(ins), x, e.v(15), r)
			} else {
				e.op("%s %s, %s, %s", e.p(ins), e.v(15), x, r)
			}
			e.store(r, e.at("DI", k), masked)
		})
		e.finish()
	}
}

// axpby is the body of the axpby kernels: alpha in register 14, beta in
// 15.
func axpby(e *emitter) {
	e.start(e.name("axpby"), "DI", "SI", "CX")
	for i, a := range e.args[3:] {
		e.op("%s %s+%d(FP), %s", e.broadcast(), a.name, a.off, e.v(14+i))
	}
	e.loops(4, func(k int, masked bool) {
		d, ax := e.v(k), e.v(4+k)
		e.load(e.at("DI", k), d, masked)
		e.op("%s %s, %s, %s // beta·dst", e.p("VMUL"), e.v(15), d, d)
		x := e.at("SI", k)
		if masked {
			x = e.v(8 + k)
			e.load(e.at("SI", k), x, true)
		}
		e.op("%s %s, %s, %s // alpha·x", e.p("VMUL"), x, e.v(14), ax)
		e.op("%s %s, %s, %s", e.p("VADD"), ax, d, d)
		e.store(d, e.at("DI", k), masked)
	})
	e.finish()
}
