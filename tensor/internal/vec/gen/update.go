package main

import "fmt"

// momentum is the body of the momentum kernels.
func momentum(e *emitter) {
	e.start(e.name("momentum"), "DI", "SI", "DX", "CX")
	for i, a := range e.args[4:] {
		e.op("%s %s+%d(FP), %s", e.broadcast(), a.name, a.off, e.v(i))
	}
	e.loops(1, func(k int, masked bool) {
		e.load(e.at("SI", k), e.v(3), masked)
		e.op("%s %s, %s, %s // v·mu", e.p("VMUL"), e.v(3), e.v(1), e.v(3))
		e.load(e.at("DX", k), e.v(4), masked)
		e.op("%s %s, %s, %s // keep·d", e.p("VMUL"), e.v(4), e.v(2), e.v(4))
		e.op("%s %s, %s, %s", e.p("VADD"), e.v(4), e.v(3), e.v(3))
		e.store(e.v(3), e.at("SI", k), masked)
		e.op("%s %s, %s, %s // negLR·v", e.p("VMUL"), e.v(3), e.v(0), e.v(5))
		e.load(e.at("DI", k), e.v(6), masked)
		e.op("%s %s, %s, %s", e.p("VADD"), e.v(6), e.v(5), e.v(5))
		e.store(e.v(5), e.at("DI", k), masked)
	})
	e.finish()
}

// adam is the body of the Adam kernels.
func adam(e *emitter) {
	e.start(e.name("adam"), "DI", "SI", "DX", "R8", "CX", "R9")
	for i, c := range []string{"B1", "B2", "C1", "C2", "Eps", "Shrink", "NegStep", "BC2Sqrt"} {
		e.op("%s %d(R9), %s // %s", e.broadcast(), i*e.size, e.v(i), c)
	}
	e.loops(1, func(k int, masked bool) {
		// Masked lanes read zeros and compute harmless values that are
		// not stored.
		e.load(e.at("SI", k), e.v(8), masked) // g
		e.load(e.at("DX", k), e.v(9), masked)
		e.op("%s %s, %s, %s // m·B1", e.p("VMUL"), e.v(9), e.v(0), e.v(9))
		e.op("%s %s, %s, %s // C1·g", e.p("VMUL"), e.v(8), e.v(2), e.v(10))
		e.op("%s %s, %s, %s // m", e.p("VADD"), e.v(10), e.v(9), e.v(9))
		e.store(e.v(9), e.at("DX", k), masked)
		e.load(e.at("R8", k), e.v(10), masked)
		e.op("%s %s, %s, %s // v·B2", e.p("VMUL"), e.v(10), e.v(1), e.v(10))
		e.op("%s %s, %s, %s // C2·g", e.p("VMUL"), e.v(8), e.v(3), e.v(11))
		e.op("%s %s, %s, %s // (C2·g)·g", e.p("VMUL"), e.v(8), e.v(11), e.v(11))
		e.op("%s %s, %s, %s // v", e.p("VADD"), e.v(11), e.v(10), e.v(10))
		e.store(e.v(10), e.at("R8", k), masked)
		e.op("%s %s, %s // √v", e.p("VSQRT"), e.v(10), e.v(10))
		e.op("%s %s, %s, %s // √v / BC2Sqrt", e.p("VDIV"), e.v(7), e.v(10), e.v(10))
		e.op("%s %s, %s, %s // + Eps", e.p("VADD"), e.v(4), e.v(10), e.v(10))
		e.op("%s %s, %s, %s // NegStep·m", e.p("VMUL"), e.v(9), e.v(6), e.v(9))
		e.op("%s %s, %s, %s // / den", e.p("VDIV"), e.v(10), e.v(9), e.v(9))
		e.load(e.at("DI", k), e.v(11), masked)
		e.op("%s %s, %s, %s // w·Shrink", e.p("VMUL"), e.v(11), e.v(5), e.v(11))
		e.op("%s %s, %s, %s", e.p("VADD"), e.v(9), e.v(11), e.v(11))
		e.store(e.v(11), e.at("DI", k), masked)
	})
	e.finish()
}

// Comparison predicates of VCMPPS/VCMPPD.
const (
	cmpGTOQ  = 0x1e // x > y, false when unordered
	cmpNLEUQ = 0x16 // !(x <= y): true for x > y and when unordered
)

// signless loads into register 14 the mask of every bit but the sign.
func signless(e *emitter) {
	if e.f64 {
		e.op("MOVQ $0x7fffffffffffffff, R11")
		e.op("MOVQ R11, X14")
		e.op("VPBROADCASTQ X14, %s", e.v(14))
		return
	}
	e.op("MOVQ $0x7fffffff, R11")
	e.op("MOVQ R11, X14")
	e.op("VPBROADCASTD X14, %s", e.v(14))
}

// one loads 1.0 into register 14.
func one(e *emitter) {
	if e.f64 {
		e.op("MOVQ $0x3ff0000000000000, R11")
		e.op("MOVQ R11, X14")
		e.op("VPBROADCASTQ X14, %s", e.v(14))
		return
	}
	e.op("MOVQ $0x3f800000, R11")
	e.op("MOVQ R11, X14")
	e.op("VPBROADCASTD X14, %s", e.v(14))
}

// zero clears register 15.
func zero(e *emitter) {
	if e.isa == avx512 {
		e.op("VPXORD Z15, Z15, Z15")
		return
	}
	e.op("VXORPS Y15, Y15, Y15")
}

// and is the bitwise and of the element type in the ISA (AVX-512F has no
// VANDPS on zmm; VPANDD/VPANDQ do the same).
func (e *emitter) and() string {
	switch {
	case e.isa == avx2:
		return e.p("VAND")
	case e.f64:
		return "VPANDQ"
	}
	return "VPANDD"
}

// relu is the body of the ReLU kernels: keep = !(x <= 0) selects x (also
// NaN), the rest is +0, and the sign bit is cleared as Go's max does.
func relu(e *emitter) {
	e.start(e.name("relu"), "DI", "SI", "CX")
	signless(e)
	zero(e)
	e.loops(4, func(k int, masked bool) {
		x := e.v(k)
		e.load(e.at("SI", k), x, masked)
		if e.isa == avx512 {
			kr := fmt.Sprintf("K%d", 2+k)
			e.op("%s $0x%02x, Z15, %s, %s", e.p("VCMP"), cmpNLEUQ, x, kr)
			e.op("%s.Z Z14, %s, %s, %s", e.and(), x, kr, e.v(4+k))
		} else {
			e.op("%s $0x%02x, Y15, %s, %s", e.p("VCMP"), cmpNLEUQ, x, e.v(4+k))
			e.op("%s %s, %s, %s", e.and(), x, e.v(4+k), e.v(4+k))
			e.op("%s Y14, %s, %s", e.and(), e.v(4+k), e.v(4+k))
		}
		e.store(e.v(4+k), e.at("DI", k), masked)
	})
	e.finish()
}

// reluGrad is the body of the ReLU gradient kernels: dst = g where x > 0,
// +0 elsewhere (also for NaN x), a select and not a product, so that an
// infinite or NaN g where x ≤ 0 gives +0 and g passes with its bits where
// x > 0. AVX-512 moves g under the compare mask, zeroing the other lanes
// (in the masked last vector x's lanes past n load as 0, so that the
// compare mask reads no g past n either); AVX2 ands g with the compare
// mask, all ones or all zeros per lane.
func reluGrad(e *emitter) {
	e.start(e.name("reluGrad"), "DI", "SI", "DX", "CX")
	zero(e)
	e.loops(4, func(k int, masked bool) {
		x, m := e.v(k), e.v(4+k)
		e.load(e.at("SI", k), x, masked)
		if e.isa == avx512 {
			kr := fmt.Sprintf("K%d", 2+k)
			e.op("%s $0x%02x, Z15, %s, %s", e.p("VCMP"), cmpGTOQ, x, kr)
			e.op("%s.Z %s, %s, %s", e.p("VMOVU"), e.at("DX", k), kr, m)
		} else {
			e.op("%s $0x%02x, Y15, %s, %s", e.p("VCMP"), cmpGTOQ, x, m)
			e.op("%s %s, %s, %s", e.and(), e.at("DX", k), m, m)
		}
		e.store(m, e.at("DI", k), masked)
	})
	e.finish()
}
