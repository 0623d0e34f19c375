package main

import "math"

// A kernel is written once, as a straight-line program of lane-wise
// operations on one element (the portable Go) or one vector of elements (the
// assembly). The builder B records that program; the emitters in emit_go.go
// and emit_asm.go translate each operation into Go or into one or two
// instructions, in the same order, so that both compute the same bits.

// val names the result of one operation of a program.
type val int

type opcode int

const (
	opX     opcode = iota // the input element x[i]
	opG                   // the upstream gradient g[i]
	opConst               // a constant (bits holds its bit pattern)
	opAdd
	opSub
	opMul
	opDiv
	opFMA // a·b + c rounded once (fma32 in the portable Go of float32 programs)
	opMin // a < b ? a : b, the semantics of x86 MINPS/MINPD
	opMax // a > b ? a : b
	opAnd // bitwise operations on the lanes' bit patterns
	opOr
	opXor
	opShl // shift each lane's bits left by imm
	opShr // shift each lane's bits right (logically) by imm
	opLt  // masks: a < b
	opLe  // a <= b
	opEq  // a == b
	opNaN // a is NaN
	opMAnd
	opSel // args[0] ? args[1] : args[2]
	// Only in the float64 programs of mixedKernels:
	opP       // the kernel's scalar parameter p (the same in every lane); imm 1: 1/p, imm 2: -p
	opRound32 // a rounded to float32 and back: float64(float32(a))
)

// op is one operation of a program.
type op struct {
	code opcode
	args []val
	imm  int    // shift count
	bits uint64 // constant bit pattern (float32 bits in the low half)
}

// isMask reports whether the operation yields a mask rather than numbers.
func (o op) isMask() bool {
	switch o.code {
	case opLt, opLe, opEq, opNaN, opMAnd:
		return true
	}
	return false
}

// prog is one kernel's program for one precision.
type prog struct {
	f64  bool
	ops  []op
	out  val
	hasG bool
	// out2 is a second result (pairKernels), stored to the array d; noVal
	// in the other programs.
	out2 val
	// The mixed-precision kernels (mixedKernels, float64 programs): x is
	// an array of float32s converted to float64 on loading, the result is
	// rounded to float32 on storing, and p is a float64 argument.
	src32, dst32, hasP bool
}

// B records a program. Its methods mirror the operations; MulAdd is an FMA
// in float64 programs and a rounded multiply followed by an add in float32
// ones (the float32 programs that want a single rounding call FMA, which
// the portable Go computes with fma32).
type B struct {
	p      *prog
	consts map[uint64]val
	x, g   val
}

func newB(f64, hasG bool) *B {
	b := &B{p: &prog{f64: f64, hasG: hasG}, consts: map[uint64]val{}}
	b.x = b.emit(op{code: opX})
	if hasG {
		b.g = b.emit(op{code: opG})
	}
	return b
}

func (b *B) emit(o op) val {
	b.p.ops = append(b.p.ops, o)
	return val(len(b.p.ops) - 1)
}

// pick returns v64 in a float64 program and v32 in a float32 one.
func (b *B) pick(v64, v32 float64) float64 {
	if b.p.f64 {
		return v64
	}
	return v32
}

// C is the constant v, rounded to the program's precision.
func (b *B) C(v float64) val {
	if b.p.f64 {
		return b.Bits(math.Float64bits(v))
	}
	return b.Bits(uint64(math.Float32bits(float32(v))))
}

// Bits is the constant with the given bit pattern.
func (b *B) Bits(u uint64) val {
	if v, ok := b.consts[u]; ok {
		return v
	}
	v := b.emit(op{code: opConst, bits: u})
	b.consts[u] = v
	return v
}

// Bits32or64 picks a bit pattern by precision.
func (b *B) Bits2(u64 uint64, u32 uint32) val {
	if b.p.f64 {
		return b.Bits(u64)
	}
	return b.Bits(uint64(u32))
}

func (b *B) bin(c opcode, x, y val) val { return b.emit(op{code: c, args: []val{x, y}}) }

func (b *B) Add(x, y val) val { return b.bin(opAdd, x, y) }
func (b *B) Sub(x, y val) val { return b.bin(opSub, x, y) }
func (b *B) Mul(x, y val) val { return b.bin(opMul, x, y) }
func (b *B) Div(x, y val) val { return b.bin(opDiv, x, y) }
func (b *B) Min(x, y val) val { return b.bin(opMin, x, y) }
func (b *B) Max(x, y val) val { return b.bin(opMax, x, y) }
func (b *B) And(x, y val) val { return b.bin(opAnd, x, y) }
func (b *B) Or(x, y val) val  { return b.bin(opOr, x, y) }
func (b *B) Xor(x, y val) val { return b.bin(opXor, x, y) }
func (b *B) Lt(x, y val) val  { return b.bin(opLt, x, y) }
func (b *B) Le(x, y val) val  { return b.bin(opLe, x, y) }
func (b *B) Eq(x, y val) val  { return b.bin(opEq, x, y) }
func (b *B) MAnd(x, y val) val {
	return b.bin(opMAnd, x, y)
}
func (b *B) IsNaN(x val) val { return b.emit(op{code: opNaN, args: []val{x}}) }
func (b *B) Shl(x val, n int) val {
	return b.emit(op{code: opShl, args: []val{x}, imm: n})
}
func (b *B) Shr(x val, n int) val {
	return b.emit(op{code: opShr, args: []val{x}, imm: n})
}
func (b *B) Sel(m, x, y val) val { return b.emit(op{code: opSel, args: []val{m, x, y}}) }

// P is the kernel's scalar parameter.
func (b *B) P() val {
	if !b.p.hasP {
		panic("P in a kernel without a parameter")
	}
	return b.emit(op{code: opP})
}

// PRecip is 1/p, the reciprocal of the kernel's parameter rounded once,
// computed before the loops: a kernel that divides by p many times can
// multiply by it instead.
func (b *B) PRecip() val {
	b.P() // checks that the kernel has p
	return b.emit(op{code: opP, imm: 1})
}

// PNeg is -p, computed before the loops (an FMA with -p subtracts a
// product exactly where the instruction set has no negated form).
func (b *B) PNeg() val {
	b.P()
	return b.emit(op{code: opP, imm: 2})
}

// Round32 is x rounded to float32 and widened back; float64 programs only.
func (b *B) Round32(x val) val {
	if !b.p.f64 {
		panic("Round32 in a float32 program")
	}
	return b.emit(op{code: opRound32, args: []val{x}})
}

// FMA is x·y + z rounded once (VFMADD in the assembly, math.FMA or fma32
// in the portable Go).
func (b *B) FMA(x, y, z val) val {
	return b.emit(op{code: opFMA, args: []val{x, y, z}})
}

// MulAdd is x·y + z: one FMA in float64, a multiply and an add in float32.
func (b *B) MulAdd(x, y, z val) val {
	if b.p.f64 {
		return b.FMA(x, y, z)
	}
	return b.Add(b.Mul(x, y), z)
}

// Clamp is min(hi, max(lo, x)) with NaN kept.
func (b *B) Clamp(x val, lo, hi float64) val { return b.Min(b.C(hi), b.Max(b.C(lo), x)) }

func (b *B) signMask() val { return b.Bits2(1<<63, 1<<31) }
func (b *B) absMask() val  { return b.Bits2(1<<63-1, 1<<31-1) }

// Abs clears the sign bit.
func (b *B) Abs(x val) val { return b.And(x, b.absMask()) }

// Neg flips the sign bit.
func (b *B) Neg(x val) val { return b.Xor(x, b.signMask()) }

// SignOf is x's sign bit alone.
func (b *B) SignOf(x val) val { return b.And(x, b.signMask()) }

// Poly evaluates Σ c[i]·r^i by Horner's rule.
func (b *B) Poly(r val, c []float64) val {
	p := b.C(c[len(c)-1])
	for i := len(c) - 2; i >= 0; i-- {
		p = b.MulAdd(p, r, b.C(c[i]))
	}
	return p
}

// finish returns the program with out as its result and every operation
// that out does not depend on dropped.
func (b *B) finish(out val) *prog { return b.finish2(out, noVal) }

// finish2 is finish for a program with a second result out2 (noVal for
// none).
func (b *B) finish2(out, out2 val) *prog {
	p := b.p
	live := make([]bool, len(p.ops))
	live[out] = true
	if out2 != noVal {
		live[out2] = true
	}
	for i := len(p.ops) - 1; i >= 0; i-- {
		if live[i] {
			for _, a := range p.ops[i].args {
				live[a] = true
			}
		}
	}
	live[b.x] = true
	if p.hasG {
		live[b.g] = true
	}
	remap := make([]val, len(p.ops))
	var ops []op
	for i, o := range p.ops {
		if !live[i] {
			continue
		}
		args := make([]val, len(o.args))
		for j, a := range o.args {
			args[j] = remap[a]
		}
		o.args = args
		remap[i] = val(len(ops))
		ops = append(ops, o)
	}
	p.ops, p.out, p.out2 = ops, remap[out], noVal
	if out2 != noVal {
		p.out2 = remap[out2]
	}
	return p
}
