//go:build amd64 && !purego

#include "textflag.h"

// func momentumF32AVX2(w, v, d *float32, n int, negLR, mu, keep float32)
// v = v·mu + keep·d; w = w + negLR·v, eight lanes at a time, each product
// rounded before the add (no FMA), as the scalar loop does.
TEXT ·momentumF32AVX2(SB), NOSPLIT, $0-44
	MOVQ w+0(FP), DI
	MOVQ v+8(FP), SI
	MOVQ d+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSS negLR+32(FP), Y0
	VBROADCASTSS mu+36(FP), Y1
	VBROADCASTSS keep+40(FP), Y2
	XORQ AX, AX
loop32:
	CMPQ AX, CX
	JGE done32
	VMULPS (SI)(AX*4), Y1, Y3
	VMULPS (DX)(AX*4), Y2, Y4
	VADDPS Y4, Y3, Y3
	VMOVUPS Y3, (SI)(AX*4)
	VMULPS Y3, Y0, Y5
	VADDPS (DI)(AX*4), Y5, Y5
	VMOVUPS Y5, (DI)(AX*4)
	ADDQ $8, AX
	JMP loop32
done32:
	VZEROUPPER
	RET

// func momentumF64AVX2(w, v, d *float64, n int, negLR, mu, keep float64)
TEXT ·momentumF64AVX2(SB), NOSPLIT, $0-56
	MOVQ w+0(FP), DI
	MOVQ v+8(FP), SI
	MOVQ d+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSD negLR+32(FP), Y0
	VBROADCASTSD mu+40(FP), Y1
	VBROADCASTSD keep+48(FP), Y2
	XORQ AX, AX
loop64:
	CMPQ AX, CX
	JGE done64
	VMULPD (SI)(AX*8), Y1, Y3
	VMULPD (DX)(AX*8), Y2, Y4
	VADDPD Y4, Y3, Y3
	VMOVUPD Y3, (SI)(AX*8)
	VMULPD Y3, Y0, Y5
	VADDPD (DI)(AX*8), Y5, Y5
	VMOVUPD Y5, (DI)(AX*8)
	ADDQ $4, AX
	JMP loop64
done64:
	VZEROUPPER
	RET
