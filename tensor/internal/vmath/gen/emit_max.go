package main

import (
	"bytes"
	"fmt"
)

// emitMax32 writes max32AVX512(x *float32, n int) float32 for n ≥ 1: four
// running maxima of 16 lanes over 64 elements at a time, then one vector
// at a time under a mask (merge-masked, so that the lanes past the end keep
// their maxima), then the lanes folded into one. VMAXPS returns its second
// operand when either is NaN, so a NaN in x may or may not come out: the
// caller (Max32) promises the maximum only for x without NaN.
func emitMax32(w *bytes.Buffer) {
	pf := func(format string, args ...any) { fmt.Fprintf(w, "\t"+format+"\n", args...) }
	fmt.Fprintf(w, "\n// func max32AVX512(x *float32, n int) float32\n")
	fmt.Fprintf(w, "TEXT ·max32AVX512(SB), NOSPLIT, $0-20\n")
	pf("MOVQ x+0(FP), SI")
	pf("MOVQ n+8(FP), CX")
	pf("VBROADCASTSS (SI), Z0")
	pf("VMOVAPS Z0, Z1")
	pf("VMOVAPS Z0, Z2")
	pf("VMOVAPS Z0, Z3")
	pf("XORQ AX, AX")
	pf("MOVQ CX, R11")
	pf("SUBQ $64, R11")
	pf("JLT tail")
	fmt.Fprintf(w, "unrolled:\n")
	for c := range 4 {
		off := ""
		if c > 0 {
			off = fmt.Sprint(64 * c)
		}
		pf("VMAXPS %s(SI)(AX*4), Z%d, Z%d", off, c, c)
	}
	pf("ADDQ $64, AX")
	pf("CMPQ AX, R11")
	pf("JLE unrolled")
	fmt.Fprintf(w, "tail:\n")
	pf("MOVQ $-1, R9")
	fmt.Fprintf(w, "loop:\n")
	pf("MOVQ CX, BX")
	pf("SUBQ AX, BX")
	pf("JLE done")
	pf("MOVQ $16, R10")
	pf("CMPQ BX, R10")
	pf("CMOVQGT R10, BX // BZHI reads only the index's low byte")
	pf("BZHIQ BX, R9, R8")
	pf("KMOVW R8, K1")
	pf("VMAXPS (SI)(AX*4), Z0, K1, Z0")
	pf("ADDQ $16, AX")
	pf("JMP loop")
	fmt.Fprintf(w, "done:\n")
	pf("VMAXPS Z1, Z0, Z0")
	pf("VMAXPS Z3, Z2, Z2")
	pf("VMAXPS Z2, Z0, Z0")
	pf("VEXTRACTF64X4 $1, Z0, Y1")
	pf("VMAXPS Y1, Y0, Y0")
	pf("VEXTRACTF128 $1, Y0, X1")
	pf("VMAXPS X1, X0, X0")
	pf("VPERMILPS $0x4e, X0, X1 // the other pair")
	pf("VMAXPS X1, X0, X0")
	pf("VPERMILPS $0xb1, X0, X1 // the other of the pair")
	pf("VMAXPS X1, X0, X0")
	pf("VZEROUPPER")
	pf("MOVSS X0, ret+16(FP)")
	pf("RET")
}
