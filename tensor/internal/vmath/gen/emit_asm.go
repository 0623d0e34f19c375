package main

import (
	"bytes"
	"fmt"
	"slices"
)

// isa is one of the two instruction sets the assembly is written for.
type isa struct {
	name   string // "AVX2" or "AVX512"
	avx512 bool
}

var isas = []isa{{"AVX512", true}, {"AVX2", false}}

// asmGen translates one program into the loop body of one assembly
// function, allocating registers by a linear scan: a value lives in a
// register from the operation that makes it to its last use. Constants are
// memory operands where the instruction takes one, and are loaded into a
// scratch register elsewhere. Their tables are 32 bytes, the value
// repeated: AVX2 reads the whole table, AVX-512 only its first element,
// broadcast to every lane (the .BCST forms and VBROADCASTSS/SD). The
// linker aligns a symbol to at most 32 bytes, so that a 64-byte table
// would straddle two cache lines in about half of all binaries (every
// AVX-512 constant operand a split load: Exp32 0.36 instead of 0.20 ns per
// element, the GELU kernels 1.3x slower, depending on what else the binary
// links).
type asmGen struct {
	w      *bytes.Buffer
	p      *prog
	isa    isa
	last   []int
	reg    map[copyVal]string
	copy   int  // which of the interleaved vectors op emits for
	masked bool // loads and stores go through the tail mask K1
	freeV  []string
	freeK  []string
	consts map[string]string // symbol → DATA lines
	sfx    string            // PD or PS
	isfx   string            // Q or D (integer lanes)
	esize  int
	lanes  int
}

// copyVal is one value of one of the interleaved copies of a program.
type copyVal struct {
	v val
	c int
}

func (g *asmGen) pf(format string, args ...any) { fmt.Fprintf(g.w, "\t"+format+"\n", args...) }

func (g *asmGen) allocV() string {
	if len(g.freeV) == 0 {
		panic(fmt.Sprintf("%s: out of vector registers", g.isa.name))
	}
	r := g.freeV[len(g.freeV)-1]
	g.freeV = g.freeV[:len(g.freeV)-1]
	return r
}

func (g *asmGen) allocK() string {
	if len(g.freeK) == 0 {
		panic("out of mask registers")
	}
	r := g.freeK[len(g.freeK)-1]
	g.freeK = g.freeK[:len(g.freeK)-1]
	return r
}

func (g *asmGen) release(r string) {
	if r[0] == 'K' {
		g.freeK = append(g.freeK, r)
	} else {
		g.freeV = append(g.freeV, r)
	}
}

// sym returns the memory operand of a constant, recording its table.
func (g *asmGen) sym(bits uint64) string {
	var name string
	var data bytes.Buffer
	if g.p.f64 {
		name = fmt.Sprintf("c64_%016x", bits)
		for i := 0; i < 4; i++ {
			fmt.Fprintf(&data, "DATA %s<>+%d(SB)/8, $%#016x\n", name, 8*i, bits)
		}
	} else {
		name = fmt.Sprintf("c32_%08x", bits)
		for i := 0; i < 8; i++ {
			fmt.Fprintf(&data, "DATA %s<>+%d(SB)/4, $%#08x\n", name, 4*i, bits)
		}
	}
	fmt.Fprintf(&data, "GLOBL %s<>(SB), RODATA|NOPTR, $32\n", name)
	g.consts[name] = data.String()
	return name + "<>(SB)"
}

func (g *asmGen) isConst(v val) bool { return g.p.ops[v].code == opConst }

// loadConst loads constant v into register r: the whole table (AVX2) or
// its first element broadcast (AVX-512).
func (g *asmGen) loadConst(v val, r string) {
	if g.isa.avx512 {
		g.pf("VBROADCASTS%s %s, %s", g.sfx[1:], g.sym(g.p.ops[v].bits), r)
		return
	}
	g.pf("VMOVUP%s %s, %s", g.sfx[1:], g.sym(g.p.ops[v].bits), r)
}

// at names value v of the copy being emitted.
func (g *asmGen) at(v val) copyVal { return copyVal{v, g.copy} }

// mem is the memory operand of the current copy's vector at element index
// AX of the array at base register r, whose elements are size bytes.
func (g *asmGen) mem(r string, size int) string {
	if off := g.copy * g.lanes * size; off != 0 {
		return fmt.Sprintf("%d(%s)(AX*%d)", off, r, size)
	}
	return fmt.Sprintf("(%s)(AX*%d)", r, size)
}

// half names the register of half r's width (Z3 → Y3, Y3 → X3), where a
// conversion between float64 and float32 puts the float32s.
func half(r string) string {
	return map[byte]string{'Z': "Y", 'Y': "X"}[r[0]] + r[1:]
}

// paramReg is the register that holds the parameter p in every lane: the
// last one, taken out of the allocator's reach in kernels with a parameter.
func (g *asmGen) paramReg() string { return g.paramRegN(0) }

// paramRegN is the register of the parameter's form imm (see opP): p, 1/p
// or -p, in the last three registers, each reserved only when the program
// uses it.
func (g *asmGen) paramRegN(imm int) string {
	if g.isa.avx512 {
		return fmt.Sprintf("Z%d", 31-imm)
	}
	return fmt.Sprintf("Y%d", 15-imm)
}

// usesParam reports whether the program uses the parameter's form imm.
func (g *asmGen) usesParam(imm int) bool {
	for _, o := range g.p.ops {
		if o.code == opP && o.imm == imm {
			return true
		}
	}
	return imm == 0 && g.p.hasP
}

// reserved reports whether register r holds a form of the parameter.
func (g *asmGen) reserved(r string) bool {
	for imm := range 3 {
		if g.usesParam(imm) && r == g.paramRegN(imm) {
			return true
		}
	}
	return false
}

// paramForms computes the forms 1/p and -p of the broadcast parameter
// that the program uses, into their registers.
func (g *asmGen) paramForms() {
	if !g.p.f64 && (g.usesParam(1) || g.usesParam(2)) {
		panic("1/p and -p in a float32 program")
	}
	bcast := func(bits uint64, r string) {
		g.pf("MOVQ $%#x, R8", bits)
		if g.isa.avx512 {
			g.pf("VPBROADCASTQ R8, %s", r)
			return
		}
		g.pf("VMOVQ R8, %s", "X"+r[1:])
		g.pf("VPBROADCASTQ %s, %s", "X"+r[1:], r)
	}
	p := g.paramReg()
	if g.usesParam(1) {
		r := g.paramRegN(1)
		bcast(0x3ff0000000000000, r) // 1
		g.pf("VDIVPD %s, %s, %s", p, r, r)
	}
	if g.usesParam(2) {
		r := g.paramRegN(2)
		bcast(1<<63, r) // the sign bit
		g.pf("VXORPD %s, %s, %s", p, r, r)
	}
}

func (g *asmGen) isParam(v val) bool { return g.p.ops[v].code == opP }

// body emits the program for copies vectors at element index AX (the
// copy c at AX + c·lanes), their operations interleaved one by one: copy
// 0's operation i, copy 1's operation i, …, so that neighbouring
// instructions are independent and the out-of-order core overlaps the
// copies' dependency chains. Each copy performs exactly the operations of
// the program, so the results are those of one vector at a time.
func (g *asmGen) body(copies, skew int, masked bool) {
	p := g.p
	g.last = make([]int, len(p.ops))
	for i := range g.last {
		g.last[i] = -1
	}
	for i, o := range p.ops {
		for _, a := range o.args {
			g.last[a] = i
		}
	}
	g.last[p.out] = len(p.ops) // stored after the last operation
	if p.out2 != noVal {
		g.last[p.out2] = len(p.ops)
	}
	g.reg = map[copyVal]string{}
	g.masked = masked
	// The schedule: copy c's operation i (i = len(p.ops) is its store) at
	// time i + c·skew, copies in order within a time. A skew staggers the
	// copies so that their busiest stretches (the most live values) do not
	// coincide.
	type step struct{ i, c int }
	var steps []step
	for i := 0; i <= len(p.ops)+(copies-1)*skew; i++ {
		for c := range copies {
			if j := i - c*skew; j >= 0 && j <= len(p.ops) && (j == len(p.ops) || p.ops[j].code != opConst) {
				steps = append(steps, step{j, c})
			}
		}
	}
	for _, st := range steps {
		g.copy = st.c
		if st.i < len(p.ops) {
			g.op(st.i, p.ops[st.i])
			continue
		}
		vreg := g.reg[g.at(p.out)]
		sfx, size := g.sfx[1:], g.esize
		if p.dst32 {
			// Round to float32 into the lower half of the same register.
			if g.isa.avx512 {
				g.pf("VCVTPD2PS %s, %s", vreg, half(vreg))
			} else {
				g.pf("VCVTPD2PSY %s, %s", vreg, half(vreg))
			}
			vreg, sfx, size = half(vreg), "S", 4
		}
		if masked {
			// A masked store of a ymm register is AVX512VL; the zmm one,
			// whose low half holds the float32 results and whose mask
			// covers no more lanes, is AVX512F, which is all the dispatch
			// checks.
			g.pf("VMOVUP%s %s, K1, %s", sfx, g.reg[g.at(p.out)], g.mem("DI", size))
		} else {
			g.pf("VMOVUP%s %s, %s", sfx, vreg, g.mem("DI", size))
		}
		if p.dst32 {
			vreg = g.reg[g.at(p.out)]
		}
		if !g.isParam(p.out) {
			g.release(vreg)
		}
		if p.out2 != noVal {
			// The second result, to the array d (R12).
			r2 := g.reg[g.at(p.out2)]
			if masked {
				g.pf("VMOVUP%s %s, K1, %s", sfx, r2, g.mem("R12", size))
			} else {
				g.pf("VMOVUP%s %s, %s", sfx, r2, g.mem("R12", size))
			}
			if p.out2 != p.out && !g.isParam(p.out2) {
				g.release(r2)
			}
		}
	}
}

func (g *asmGen) op(i int, o op) {
	var temps []string
	// reg returns a register holding v, loading a constant into a scratch one.
	reg := func(v val) string {
		if g.isConst(v) {
			t := g.allocV()
			g.loadConst(v, t)
			temps = append(temps, t)
			return t
		}
		return g.reg[g.at(v)]
	}
	// rm returns a register or memory operand for v; bc is then the
	// suffix of the instruction that reads it (.BCST for a constant in
	// AVX-512 code: one element, broadcast).
	bc := ""
	rm := func(v val) string {
		if g.isConst(v) {
			if g.isa.avx512 {
				bc = ".BCST"
			}
			return g.sym(g.p.ops[v].bits)
		}
		return g.reg[g.at(v)]
	}
	freeDying := func(except val) {
		seen := map[val]bool{}
		for _, a := range o.args {
			if a == except || seen[a] || g.isConst(a) || g.isParam(a) {
				continue
			}
			seen[a] = true
			if g.last[a] == i {
				g.release(g.reg[g.at(a)])
			}
		}
	}
	newDst := func() string {
		if o.isMask() && g.isa.avx512 {
			return g.allocK()
		}
		return g.allocV()
	}
	done := func(dst string) {
		g.reg[g.at(val(i))] = dst
		for _, t := range temps {
			g.release(t)
		}
		if g.last[i] < 0 { // unused (x or g that the program ignores)
			g.release(dst)
		}
	}
	s := g.sfx
	args := o.args
	switch o.code {
	case opX, opG:
		src := "SI"
		if o.code == opG {
			src = "DX"
		}
		dst := newDst()
		switch {
		case o.code == opX && g.p.src32 && g.masked:
			g.pf("VCVTPS2PD.Z %s, K1, %s", g.mem(src, 4), dst)
		case o.code == opX && g.p.src32:
			g.pf("VCVTPS2PD %s, %s", g.mem(src, 4), dst)
		case g.masked:
			g.pf("VMOVUP%s.Z %s, K1, %s", s[1:], g.mem(src, g.esize), dst)
		default:
			g.pf("VMOVUP%s %s, %s", s[1:], g.mem(src, g.esize), dst)
		}
		done(dst)
		return
	case opP:
		g.reg[g.at(val(i))] = g.paramRegN(o.imm) // broadcast before the loops
		return
	case opRound32:
		src := reg(args[0])
		freeDying(-1)
		dst := newDst()
		if g.isa.avx512 {
			g.pf("VCVTPD2PS %s, %s", src, half(dst))
		} else {
			g.pf("VCVTPD2PSY %s, %s", src, half(dst))
		}
		g.pf("VCVTPS2PD %s, %s", half(dst), dst)
		done(dst)
	case opAdd, opMul, opAnd, opOr, opXor, opSub, opDiv, opMin, opMax, opMAnd:
		a, b := args[0], args[1]
		commutes := o.code == opAdd || o.code == opMul || o.code == opAnd || o.code == opOr || o.code == opXor || o.code == opMAnd
		if commutes && g.isConst(a) {
			a, b = b, a
		}
		var mn string
		switch o.code {
		case opAdd:
			mn = "VADD" + s
		case opMul:
			mn = "VMUL" + s
		case opSub:
			mn = "VSUB" + s
		case opDiv:
			mn = "VDIV" + s
		case opMin:
			mn = "VMIN" + s
		case opMax:
			mn = "VMAX" + s
		case opAnd, opOr, opXor, opMAnd:
			base := map[opcode]string{opAnd: "VPAND", opOr: "VPOR", opXor: "VPXOR", opMAnd: "VPAND"}[o.code]
			if g.isa.avx512 {
				base += g.isfx
			}
			mn = base
		}
		if o.code == opMAnd && g.isa.avx512 {
			ra, rb := g.reg[g.at(a)], g.reg[g.at(b)]
			freeDying(-1)
			dst := newDst()
			g.pf("KANDW %s, %s, %s", rb, ra, dst)
			done(dst)
			return
		}
		src1 := reg(a)
		src2 := rm(b)
		freeDying(-1)
		dst := newDst()
		g.pf("%s%s %s, %s, %s", mn, bc, src2, src1, dst)
		done(dst)
	case opShl, opShr:
		mn := map[opcode]string{opShl: "VPSLL", opShr: "VPSRL"}[o.code] + g.isfx
		src := reg(args[0])
		freeDying(-1)
		dst := newDst()
		g.pf("%s $%d, %s, %s", mn, o.imm, src, dst)
		done(dst)
	case opLt, opLe, opEq, opNaN:
		a, b := args[0], args[0]
		if o.code != opNaN {
			b = args[1]
		}
		pred := map[opcode]int{opLt: 1, opLe: 2, opEq: 0, opNaN: 3}[o.code]
		if g.isConst(a) && !g.isConst(b) {
			a, b = b, a
			pred = map[int]int{1: 0x0e, 2: 0x0d, 0: 0, 3: 3}[pred] // a < b ⇔ b > a
		}
		src1 := reg(a)
		src2 := rm(b)
		freeDying(-1)
		dst := newDst()
		g.pf("VCMP%s%s $%#02x, %s, %s, %s", s, bc, pred, src2, src1, dst)
		done(dst)
	case opSel:
		m, a, b := args[0], args[1], args[2]
		src2 := rm(a)
		src1 := reg(b)
		mr := g.reg[g.at(m)]
		freeDying(-1)
		dst := newDst()
		if g.isa.avx512 {
			g.pf("VBLENDM%s%s %s, %s, %s, %s", s, bc, src2, src1, mr, dst)
		} else {
			g.pf("VBLENDV%s %s, %s, %s, %s", s, mr, src2, src1, dst)
		}
		done(dst)
	case opFMA:
		a, b, c := args[0], args[1], args[2]
		var form string
		var tied, src2v, src3v val
		if g.isConst(c) {
			form = "213"
			if g.isConst(a) {
				a, b = b, a
			}
			tied, src2v, src3v = a, b, c
		} else {
			form = "231"
			if g.isConst(a) {
				a, b = b, a
			}
			tied, src2v, src3v = c, a, b
		}
		src2 := reg(src2v)
		src3 := rm(src3v)
		var dst string
		if !g.isConst(tied) && !g.isParam(tied) && g.last[tied] == i {
			dst = g.reg[g.at(tied)]
			freeDying(tied)
		} else {
			dst = g.allocV()
			if g.isConst(tied) {
				g.loadConst(tied, dst)
			} else {
				g.pf("VMOVAP%s %s, %s", s[1:], g.reg[g.at(tied)], dst)
			}
			freeDying(-1)
		}
		g.pf("VFMADD%s%s%s %s, %s, %s", form, s, bc, src3, src2, dst)
		done(dst)
	default:
		panic(fmt.Sprint("emitAsm: op ", o.code))
	}
}

// minSkew is the smallest skew fitSkew tries (0; go run ./gen -skew N
// sets it, for measuring).
var minSkew = 0

// fitSkew returns the smallest skew (see body) with which copies of the
// program fit in the registers, or panics when none does.
func (g *asmGen) fitSkew(copies int) int {
	for skew := minSkew; skew <= len(g.p.ops); skew++ {
		t := *g
		t.w, t.consts = new(bytes.Buffer), map[string]string{}
		t.freeV, t.freeK = slices.Clone(g.freeV), slices.Clone(g.freeK)
		ok := func() (ok bool) {
			defer func() {
				if r := recover(); r != nil {
					ok = false
				}
			}()
			t.body(copies, skew, false)
			return true
		}()
		if ok {
			return skew
		}
	}
	panic(fmt.Sprintf("%s: %d copies do not fit in the registers", g.isa.name, copies))
}

// resetRegs makes every register free: the vector registers, and the mask
// registers K2–K7, and K1 too when no tail mask is in use.
func (g *asmGen) resetRegs(withK1 bool) {
	g.freeV, g.freeK = g.freeV[:0], g.freeK[:0]
	if g.isa.avx512 {
		for i := 31; i >= 0; i-- {
			if r := fmt.Sprintf("Z%d", i); !g.reserved(r) {
				g.freeV = append(g.freeV, r)
			}
		}
		for i := 7; i >= 2; i-- {
			g.freeK = append(g.freeK, fmt.Sprintf("K%d", i))
		}
		if withK1 {
			g.freeK = append(g.freeK, "K1")
		}
	} else {
		for i := 15; i >= 0; i-- {
			if r := fmt.Sprintf("Y%d", i); !g.reserved(r) {
				g.freeV = append(g.freeV, r)
			}
		}
	}
}

// emitAsm writes one assembly function: the loop over n elements (a
// multiple of the vector width for AVX2; any n for AVX-512, whose last
// iteration loads and stores under a mask). With unroll > 1 a first loop
// runs the program on unroll vectors at a time, interleaved (see body),
// while that many remain; the single-vector loop finishes the rest.
func emitAsm(w *bytes.Buffer, consts map[string]string, fname string, p *prog, is isa, unroll int) {
	g := &asmGen{w: w, p: p, isa: is, consts: consts, sfx: "PS", isfx: "D", esize: 4}
	if p.f64 {
		g.sfx, g.isfx, g.esize = "PD", "Q", 8
	}
	vbytes := 32
	if is.avx512 {
		vbytes = 64
	}
	g.lanes = vbytes / g.esize
	ft := "float32"
	if p.f64 {
		ft = "float64"
	}
	frame := 24
	sig := fmt.Sprintf("dst, x *%s, n int", ft)
	if p.hasG {
		frame = 32
		sig = fmt.Sprintf("dst, x, gr *%s, n int", ft)
	}
	// Argument offsets: dst 0, x 8, then gr and p where present, then n.
	gOff, pOff, nOff := 16, 16, 16
	if p.hasG {
		pOff, nOff = 24, 24
	}
	if p.hasP {
		nOff = pOff + 8 // a float32 p is padded to n's alignment
		frame = nOff + 8
		decl, _ := p.params(false)
		sig = decl + ", n int"
	}
	xOff := 8
	if p.out2 != noVal {
		if p.hasG || p.hasP || p.src32 || p.dst32 {
			panic("a second result in a kernel with g, p or mixed precision")
		}
		// dst 0, d 8, x 16, n 24.
		xOff, nOff, frame = 16, 24, 32
		sig = fmt.Sprintf("dst, d, x *%s, n int", ft)
	}
	fmt.Fprintf(w, "\n// func %s(%s)\n", fname, sig)
	fmt.Fprintf(w, "TEXT ·%s(SB), NOSPLIT, $0-%d\n", fname, frame)
	g.pf("MOVQ dst+0(FP), DI")
	if p.out2 != noVal {
		g.pf("MOVQ d+8(FP), R12")
	}
	g.pf("MOVQ x+%d(FP), SI", xOff)
	if p.hasG {
		g.pf("MOVQ gr+%d(FP), DX", gOff)
	}
	if p.hasP {
		g.pf("VBROADCASTS%s p+%d(FP), %s", g.sfx[1:], pOff, g.paramReg())
		g.paramForms()
	}
	g.pf("MOVQ n+%d(FP), CX", nOff)
	g.pf("XORQ AX, AX")
	if unroll > 1 {
		// R11 = n - unroll·lanes: the unrolled loop runs while AX ≤ R11.
		g.pf("MOVQ CX, R11")
		g.pf("SUBQ $%d, R11", unroll*g.lanes)
		g.pf("JLT tail")
		fmt.Fprintf(w, "unrolled:\n")
		g.resetRegs(true)
		g.body(unroll, g.fitSkew(unroll), false)
		g.pf("ADDQ $%d, AX", unroll*g.lanes)
		g.pf("CMPQ AX, R11")
		g.pf("JLE unrolled")
		fmt.Fprintf(w, "tail:\n")
	}
	g.resetRegs(false)
	if is.avx512 {
		g.pf("MOVQ $-1, R9")
		fmt.Fprintf(w, "loop:\n")
		g.pf("MOVQ CX, BX")
		g.pf("SUBQ AX, BX")
		g.pf("JLE done")
		g.pf("MOVQ $%d, R10", g.lanes)
		g.pf("CMPQ BX, R10")
		g.pf("CMOVQGT R10, BX // BZHI reads only the index's low byte")
		g.pf("BZHIQ BX, R9, R8")
		g.pf("KMOVW R8, K1")
		g.body(1, 0, true)
		g.pf("ADDQ $%d, AX", g.lanes)
		g.pf("JMP loop")
	} else {
		if unroll > 1 {
			g.pf("CMPQ AX, CX")
			g.pf("JGE done")
		} else {
			g.pf("TESTQ CX, CX")
			g.pf("JLE done")
		}
		fmt.Fprintf(w, "loop:\n")
		g.body(1, 0, false)
		g.pf("ADDQ $%d, AX", g.lanes)
		g.pf("CMPQ AX, CX")
		g.pf("JLT loop")
	}
	fmt.Fprintf(w, "done:\n")
	g.pf("VZEROUPPER")
	g.pf("RET")
}
