package main

import (
	"bytes"
	"fmt"
	"strings"
)

// emitter writes the body of one kernel for one element type and ISA.
type emitter struct {
	buf   bytes.Buffer
	isa   isa
	f64   bool
	size  int    // bytes per element
	lanes int    // elements per register
	r     string // register prefix: Y or Z
	ps    string // packed suffix: PS or PD
	frame int    // the argument frame's size, set by params
	args  []arg  // the parameters, set by params
}

// arg is a parameter of a kernel and its offset in the argument frame.
type arg struct {
	name string
	off  int
}

func newEmitter(i isa, f64 bool) *emitter {
	e := &emitter{isa: i, f64: f64, size: 4, ps: "PS", r: "Y"}
	if f64 {
		e.size, e.ps = 8, "PD"
	}
	if i == avx512 {
		e.r = "Z"
	}
	e.lanes = 32 / e.size
	if i == avx512 {
		e.lanes *= 2
	}
	return e
}

// name is the kernel's symbol, e.g. reluF32AVX512.
func (e *emitter) name(stem string) string {
	t, s := "F32", "AVX2"
	if e.f64 {
		t = "F64"
	}
	if e.isa == avx512 {
		s = "AVX512"
	}
	return stem + t + s
}

// params renders the Go parameter list and sets the frame size.
func (e *emitter) params(ps []string) string {
	t := "float32"
	if e.f64 {
		t = "float64"
	}
	var out []string
	e.frame, e.args = 0, nil
	for _, p := range ps {
		name, kind, _ := strings.Cut(p, " ")
		e.args = append(e.args, arg{name, e.frame})
		switch kind {
		case "ptr":
			out = append(out, name+" *"+t)
			e.frame += 8
		case "int":
			out = append(out, name+" int")
			e.frame += 8
		case "T":
			out = append(out, name+" "+t)
			e.frame += e.size
		case "f64":
			out = append(out, name+" float64")
			e.frame += 8
		case "f64ptr":
			out = append(out, name+" *float64")
			e.frame += 8
		case "rows":
			out = append(out, name+" *[8]*"+t)
			e.frame += 8
		case "adam":
			out = append(out, name+" *Adam["+t+"]")
			e.frame += 8
		}
	}
	return strings.Join(out, ", ")
}

// op writes one instruction line.
func (e *emitter) op(format string, args ...any) {
	fmt.Fprintf(&e.buf, "\t"+format+"\n", args...)
}

// label writes a label line.
func (e *emitter) label(l string) { fmt.Fprintf(&e.buf, "%s:\n", l) }

// v names vector register i.
func (e *emitter) v(i int) string { return fmt.Sprintf("%s%d", e.r, i) }

// at is the address of the element at AX plus k vectors in the array whose
// pointer is in register base.
func (e *emitter) at(base string, k int) string {
	if k == 0 {
		return fmt.Sprintf("(%s)(AX*%d)", base, e.size)
	}
	return fmt.Sprintf("%d(%s)(AX*%d)", k*e.lanes*e.size, base, e.size)
}

// p appends the packed suffix to an instruction: p("VMUL") is VMULPS.
func (e *emitter) p(ins string) string { return ins + e.ps }

// broadcast returns the broadcast instruction.
func (e *emitter) broadcast() string {
	if e.f64 {
		return "VBROADCASTSD"
	}
	return "VBROADCASTSS"
}

// start writes the TEXT line and the loads of the first len(regs)
// parameters (pointers and n) into regs, in order.
func (e *emitter) start(name string, regs ...string) {
	fmt.Fprintf(&e.buf, "TEXT ·%s(SB), NOSPLIT, $0-%d\n", name, e.frame)
	for i, r := range regs {
		e.op("MOVQ %s+%d(FP), %s", e.args[i].name, e.args[i].off, r)
	}
}

// finish writes the epilogue.
func (e *emitter) finish() {
	e.label("done")
	e.op("VZEROUPPER")
	e.op("RET")
}

// loops writes the iteration over n elements: unroll vectors per pass while
// they last, then one vector per pass and, in AVX-512, a last vector masked
// by K1 (body receives masked true; loads must then be zeroing-masked and
// stores masked). body(k, masked) handles the vector k vectors past AX.
func (e *emitter) loops(unroll int, body func(k int, masked bool)) {
	e.op("XORQ AX, AX")
	w := e.lanes
	if unroll > 1 {
		e.op("MOVQ CX, BX")
		e.op("SUBQ $%d, BX", unroll*w)
		e.label("loopN")
		e.op("CMPQ AX, BX")
		e.op("JGT one")
		for k := range unroll {
			body(k, false)
		}
		e.op("ADDQ $%d, AX", unroll*w)
		e.op("JMP loopN")
		e.label("one")
	}
	e.op("MOVQ CX, BX")
	e.op("SUBQ $%d, BX", w)
	e.label("loop1")
	e.op("CMPQ AX, BX")
	e.op("JGT tail")
	body(0, false)
	e.op("ADDQ $%d, AX", w)
	e.op("JMP loop1")
	e.label("tail")
	if e.isa == avx2 {
		return // n is a multiple of the width: nothing is left
	}
	// The rest, 0 < n−AX < w elements, under the mask of its low bits.
	e.op("MOVQ CX, BX")
	e.op("SUBQ AX, BX")
	e.op("JLE done")
	e.op("MOVQ $-1, R10")
	e.op("BZHIQ BX, R10, R10")
	e.op("KMOVW R10, K1")
	body(0, true)
}

// load writes a load of the vector at addr into register dst, zeroing-
// masked by K1 when masked.
func (e *emitter) load(addr, dst string, masked bool) {
	if masked {
		e.op("%s.Z %s, K1, %s", e.p("VMOVU"), addr, dst)
		return
	}
	e.op("%s %s, %s", e.p("VMOVU"), addr, dst)
}

// store writes a store of register src to addr, masked by K1 when masked.
func (e *emitter) store(src, addr string, masked bool) {
	if masked {
		e.op("%s %s, K1, %s", e.p("VMOVU"), src, addr)
		return
	}
	e.op("%s %s, %s", e.p("VMOVU"), src, addr)
}
