package main

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
)

// goNames are the type-dependent names of the portable code.
type goNames struct {
	ft, ut, bits, frombits, sfx string
}

func namesFor(f64 bool) goNames {
	if f64 {
		return goNames{"float64", "uint64", "math.Float64bits", "math.Float64frombits", "64"}
	}
	return goNames{"float32", "uint32", "math.Float32bits", "math.Float32frombits", "32"}
}

// goLiteral is the Go spelling of constant bits as a number of type ft.
func goLiteral(p *prog, bits uint64) string {
	n := namesFor(p.f64)
	var f float64
	if p.f64 {
		f = math.Float64frombits(bits)
	} else {
		f = float64(math.Float32frombits(uint32(bits)))
	}
	if math.IsInf(f, 0) || math.IsNaN(f) || (f != 0 && math.Abs(f) < 0x1p-126) {
		return fmt.Sprintf("%s(%#x)", n.frombits, bits)
	}
	if f == 0 && math.Signbit(f) {
		return fmt.Sprintf("%s(%#x)", n.frombits, bits)
	}
	prec := 64
	if !p.f64 {
		prec = 32
	}
	s := strconv.FormatFloat(f, 'x', -1, prec)
	if f < 0 {
		return "(" + s + ")"
	}
	return s
}

// emitGo writes the portable loop of one kernel: one statement per
// operation, in the program's order, so that it rounds exactly as the
// assembly does.
func emitGo(w *bytes.Buffer, name string, p *prog) {
	n := namesFor(p.f64)
	args := "dst, x []" + n.ft
	if p.hasG {
		args = "dst, x, g []" + n.ft
	}
	if p.src32 || p.dst32 || p.hasP {
		args, _ = p.params(true)
	}
	if p.out2 != noVal {
		args = "dst, d, x []" + n.ft
	}
	fmt.Fprintf(w, "\nfunc %s(%s) {\n", name, args)
	fmt.Fprintf(w, "\tx = x[:len(dst)]\n")
	if p.out2 != noVal {
		fmt.Fprintf(w, "\td = d[:len(dst)]\n")
	}
	if p.hasG {
		fmt.Fprintf(w, "\tg = g[:len(dst)]\n")
	}
	fmt.Fprintf(w, "\tfor i := range dst {\n")
	name_ := func(v val) string {
		o := p.ops[v]
		if o.code == opConst {
			return goLiteral(p, o.bits)
		}
		return fmt.Sprintf("v%d", v)
	}
	bitsOf := func(v val) string {
		o := p.ops[v]
		if o.code == opConst {
			return fmt.Sprintf("%#x", o.bits)
		}
		return fmt.Sprintf("%s(v%d)", n.bits, v)
	}
	for i, o := range p.ops {
		if o.code == opConst {
			continue
		}
		a := func(j int) string { return name_(o.args[j]) }
		var e string
		switch o.code {
		case opX:
			e = "x[i]"
			if p.src32 {
				e = "float64(x[i])"
			}
		case opP:
			e = [...]string{"p", "1 / p", "-p"}[o.imm]
		case opRound32:
			e = fmt.Sprintf("float64(float32(%s))", a(0))
		case opG:
			e = "g[i]"
		case opAdd:
			e = a(0) + " + " + a(1)
		case opSub:
			e = a(0) + " - " + a(1)
		case opMul:
			e = fmt.Sprintf("%s(%s * %s)", n.ft, a(0), a(1)) // the conversion forbids fusing it into an FMA
		case opDiv:
			e = a(0) + " / " + a(1)
		case opFMA:
			e = fmt.Sprintf("math.FMA(%s, %s, %s)", a(0), a(1), a(2))
			if !p.f64 {
				// fma32, its test of the float64 sum written out so that
				// the loop calls fma32Slow only where that sum lies on a
				// float32 midpoint (a call per FMA would double the loop's
				// time).
				f64 := func(j int) string { return "float64(" + a(j) + ")" }
				fmt.Fprintf(w, "\t\ts%d := %s*%s + %s\n", i, f64(0), f64(1), f64(2))
				fmt.Fprintf(w, "\t\tv%d := float32(s%d)\n", i, i)
				fmt.Fprintf(w, "\t\tif math.Float64bits(s%d)&(1<<28-1) == 0 {\n", i)
				fmt.Fprintf(w, "\t\t\tv%d = fma32Slow(%s*%s, %s, s%d)\n\t\t}\n", i, f64(0), f64(1), f64(2), i)
				continue
			}
		case opMin:
			e = fmt.Sprintf("minx%s(%s, %s)", n.sfx, a(0), a(1))
		case opMax:
			e = fmt.Sprintf("maxx%s(%s, %s)", n.sfx, a(0), a(1))
		case opAnd, opOr, opXor:
			sym := map[opcode]string{opAnd: "&", opOr: "|", opXor: "^"}[o.code]
			e = fmt.Sprintf("%s(%s %s %s)", n.frombits, bitsOf(o.args[0]), sym, bitsOf(o.args[1]))
		case opShl:
			e = fmt.Sprintf("%s(%s << %d)", n.frombits, bitsOf(o.args[0]), o.imm)
		case opShr:
			e = fmt.Sprintf("%s(%s >> %d)", n.frombits, bitsOf(o.args[0]), o.imm)
		case opLt:
			e = a(0) + " < " + a(1)
		case opLe:
			e = a(0) + " <= " + a(1)
		case opEq:
			e = a(0) + " == " + a(1)
		case opNaN:
			e = a(0) + " != " + a(0)
		case opMAnd:
			e = a(0) + " && " + a(1)
		case opSel:
			e = fmt.Sprintf("sel%s(%s, %s, %s)", n.sfx, a(0), a(1), a(2))
		default:
			panic(fmt.Sprint("emitGo: op ", o.code))
		}
		fmt.Fprintf(w, "\t\tv%d := %s\n", i, e)
	}
	if p.dst32 {
		fmt.Fprintf(w, "\t\tdst[i] = float32(%s)\n\t}\n}\n", name_(p.out))
		return
	}
	if p.out2 != noVal {
		fmt.Fprintf(w, "\t\tdst[i] = %s\n\t\td[i] = %s\n\t}\n}\n", name_(p.out), name_(p.out2))
		return
	}
	fmt.Fprintf(w, "\t\tdst[i] = %s\n\t}\n}\n", name_(p.out))
}
