//go:build amd64 && !purego

#include "textflag.h"

// ADAM_ARGS loads the arguments of both Adam loops: w, grad, mom and vel
// into DI, SI, DX and R8, n into CX and the coefficients' address into R9.
#define ADAM_ARGS \
	MOVQ w+0(FP), DI; \
	MOVQ grad+8(FP), SI; \
	MOVQ mom+16(FP), DX; \
	MOVQ vel+24(FP), R8; \
	MOVQ n+32(FP), CX; \
	MOVQ c+40(FP), R9

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

// adamF32AVX2 (see vec_amd64.go): Adam over n float32s.
// c points at B1, B2, C1, C2, Eps, Shrink, NegStep, BC2Sqrt, 4 bytes each.
// Each operation is rounded in the scalar loop's order: no FMA, a true
// square root and division.
TEXT ·adamF32AVX2(SB), NOSPLIT, $0-48
	ADAM_ARGS
	VBROADCASTSS 0(R9), Y0  // B1
	VBROADCASTSS 4(R9), Y1  // B2
	VBROADCASTSS 8(R9), Y2  // C1
	VBROADCASTSS 12(R9), Y3 // C2
	VBROADCASTSS 16(R9), Y4 // Eps
	VBROADCASTSS 20(R9), Y5 // Shrink
	VBROADCASTSS 24(R9), Y6 // NegStep
	VBROADCASTSS 28(R9), Y7 // BC2Sqrt
	XORQ AX, AX
adam32:
	CMPQ AX, CX
	JGE adam32done
	VMOVUPS (SI)(AX*4), Y8         // g
	VMULPS (DX)(AX*4), Y0, Y9      // m·B1
	VMULPS Y8, Y2, Y10             // C1·g
	VADDPS Y10, Y9, Y9             // m
	VMOVUPS Y9, (DX)(AX*4)
	VMULPS (R8)(AX*4), Y1, Y10     // v·B2
	VMULPS Y8, Y3, Y11             // C2·g
	VMULPS Y8, Y11, Y11            // (C2·g)·g
	VADDPS Y11, Y10, Y10           // v
	VMOVUPS Y10, (R8)(AX*4)
	VSQRTPS Y10, Y10               // √v
	VDIVPS Y7, Y10, Y10            // √v / BC2Sqrt
	VADDPS Y4, Y10, Y10            // + Eps
	VMULPS Y9, Y6, Y9              // NegStep·m
	VDIVPS Y10, Y9, Y9             // / den
	VMULPS (DI)(AX*4), Y5, Y11     // w·Shrink
	VADDPS Y9, Y11, Y11
	VMOVUPS Y11, (DI)(AX*4)
	ADDQ $8, AX
	JMP adam32
adam32done:
	VZEROUPPER
	RET

// adamF64AVX2 is adamF32AVX2 for float64, 8 bytes each.
TEXT ·adamF64AVX2(SB), NOSPLIT, $0-48
	ADAM_ARGS
	VBROADCASTSD 0(R9), Y0
	VBROADCASTSD 8(R9), Y1
	VBROADCASTSD 16(R9), Y2
	VBROADCASTSD 24(R9), Y3
	VBROADCASTSD 32(R9), Y4
	VBROADCASTSD 40(R9), Y5
	VBROADCASTSD 48(R9), Y6
	VBROADCASTSD 56(R9), Y7
	XORQ AX, AX
adam64:
	CMPQ AX, CX
	JGE adam64done
	VMOVUPD (SI)(AX*8), Y8
	VMULPD (DX)(AX*8), Y0, Y9
	VMULPD Y8, Y2, Y10
	VADDPD Y10, Y9, Y9
	VMOVUPD Y9, (DX)(AX*8)
	VMULPD (R8)(AX*8), Y1, Y10
	VMULPD Y8, Y3, Y11
	VMULPD Y8, Y11, Y11
	VADDPD Y11, Y10, Y10
	VMOVUPD Y10, (R8)(AX*8)
	VSQRTPD Y10, Y10
	VDIVPD Y7, Y10, Y10
	VADDPD Y4, Y10, Y10
	VMULPD Y9, Y6, Y9
	VDIVPD Y10, Y9, Y9
	VMULPD (DI)(AX*8), Y5, Y11
	VADDPD Y9, Y11, Y11
	VMOVUPD Y11, (DI)(AX*8)
	ADDQ $4, AX
	JMP adam64
adam64done:
	VZEROUPPER
	RET
