//go:build amd64 && !purego

#include "textflag.h"

// Permutation indices for VPERMT2PS over the 32 float32 lanes of two
// ZMM registers (lanes 16 to 31 are the second): the even and the odd
// lanes (a split), and the interleave of the first 8 and of the last 8
// lanes of each (a join).
DATA evenIdx<>+0(SB)/4, $0
DATA evenIdx<>+4(SB)/4, $2
DATA evenIdx<>+8(SB)/4, $4
DATA evenIdx<>+12(SB)/4, $6
DATA evenIdx<>+16(SB)/4, $8
DATA evenIdx<>+20(SB)/4, $10
DATA evenIdx<>+24(SB)/4, $12
DATA evenIdx<>+28(SB)/4, $14
DATA evenIdx<>+32(SB)/4, $16
DATA evenIdx<>+36(SB)/4, $18
DATA evenIdx<>+40(SB)/4, $20
DATA evenIdx<>+44(SB)/4, $22
DATA evenIdx<>+48(SB)/4, $24
DATA evenIdx<>+52(SB)/4, $26
DATA evenIdx<>+56(SB)/4, $28
DATA evenIdx<>+60(SB)/4, $30
GLOBL evenIdx<>(SB), RODATA|NOPTR, $64

DATA oddIdx<>+0(SB)/4, $1
DATA oddIdx<>+4(SB)/4, $3
DATA oddIdx<>+8(SB)/4, $5
DATA oddIdx<>+12(SB)/4, $7
DATA oddIdx<>+16(SB)/4, $9
DATA oddIdx<>+20(SB)/4, $11
DATA oddIdx<>+24(SB)/4, $13
DATA oddIdx<>+28(SB)/4, $15
DATA oddIdx<>+32(SB)/4, $17
DATA oddIdx<>+36(SB)/4, $19
DATA oddIdx<>+40(SB)/4, $21
DATA oddIdx<>+44(SB)/4, $23
DATA oddIdx<>+48(SB)/4, $25
DATA oddIdx<>+52(SB)/4, $27
DATA oddIdx<>+56(SB)/4, $29
DATA oddIdx<>+60(SB)/4, $31
GLOBL oddIdx<>(SB), RODATA|NOPTR, $64

DATA loIdx<>+0(SB)/4, $0
DATA loIdx<>+4(SB)/4, $16
DATA loIdx<>+8(SB)/4, $1
DATA loIdx<>+12(SB)/4, $17
DATA loIdx<>+16(SB)/4, $2
DATA loIdx<>+20(SB)/4, $18
DATA loIdx<>+24(SB)/4, $3
DATA loIdx<>+28(SB)/4, $19
DATA loIdx<>+32(SB)/4, $4
DATA loIdx<>+36(SB)/4, $20
DATA loIdx<>+40(SB)/4, $5
DATA loIdx<>+44(SB)/4, $21
DATA loIdx<>+48(SB)/4, $6
DATA loIdx<>+52(SB)/4, $22
DATA loIdx<>+56(SB)/4, $7
DATA loIdx<>+60(SB)/4, $23
GLOBL loIdx<>(SB), RODATA|NOPTR, $64

DATA hiIdx<>+0(SB)/4, $8
DATA hiIdx<>+4(SB)/4, $24
DATA hiIdx<>+8(SB)/4, $9
DATA hiIdx<>+12(SB)/4, $25
DATA hiIdx<>+16(SB)/4, $10
DATA hiIdx<>+20(SB)/4, $26
DATA hiIdx<>+24(SB)/4, $11
DATA hiIdx<>+28(SB)/4, $27
DATA hiIdx<>+32(SB)/4, $12
DATA hiIdx<>+36(SB)/4, $28
DATA hiIdx<>+40(SB)/4, $13
DATA hiIdx<>+44(SB)/4, $29
DATA hiIdx<>+48(SB)/4, $14
DATA hiIdx<>+52(SB)/4, $30
DATA hiIdx<>+56(SB)/4, $15
DATA hiIdx<>+60(SB)/4, $31
GLOBL hiIdx<>(SB), RODATA|NOPTR, $64

// func splitEvenOddF32AVX512(ev, od, src *float32, n int)
// ev[j] = src[2j], od[j] = src[2j+1] for j in [0, n), n ≥ 16: 16 pairs
// per step, the last step overlapping the one before when n is not a
// multiple of 16 (it writes the same values again).
TEXT ·splitEvenOddF32AVX512(SB), NOSPLIT, $0-32
	MOVQ ev+0(FP), DI
	MOVQ od+8(FP), DX
	MOVQ src+16(FP), SI
	MOVQ n+24(FP), CX
	VMOVDQU32 evenIdx<>(SB), Z4
	VMOVDQU32 oddIdx<>(SB), Z5
	XORQ AX, AX
	LEAQ -16(CX), BX

split:
	CMPQ AX, BX
	JLE  splitstep
	MOVQ BX, AX

splitstep:
	VMOVUPS (SI)(AX*8), Z0
	VMOVUPS 64(SI)(AX*8), Z1
	VMOVAPS Z0, Z2
	VPERMT2PS Z1, Z4, Z2
	VPERMT2PS Z1, Z5, Z0
	VMOVUPS Z2, (DI)(AX*4)
	VMOVUPS Z0, (DX)(AX*4)
	ADDQ $16, AX
	CMPQ AX, CX
	JLT  split
	VZEROUPPER
	RET

// func joinEvenOddF32AVX512(dst, ev, od *float32, n int)
// dst[2j] = ev[j], dst[2j+1] = od[j] for j in [0, n), n ≥ 16, stepping as
// splitEvenOddF32AVX512 does.
TEXT ·joinEvenOddF32AVX512(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ ev+8(FP), SI
	MOVQ od+16(FP), DX
	MOVQ n+24(FP), CX
	VMOVDQU32 loIdx<>(SB), Z4
	VMOVDQU32 hiIdx<>(SB), Z5
	XORQ AX, AX
	LEAQ -16(CX), BX

join:
	CMPQ AX, BX
	JLE  joinstep
	MOVQ BX, AX

joinstep:
	VMOVUPS (SI)(AX*4), Z0
	VMOVUPS (DX)(AX*4), Z1
	VMOVAPS Z0, Z2
	VPERMT2PS Z1, Z4, Z2
	VPERMT2PS Z1, Z5, Z0
	VMOVUPS Z2, (DI)(AX*8)
	VMOVUPS Z0, 64(DI)(AX*8)
	ADDQ $16, AX
	CMPQ AX, CX
	JLT  join
	VZEROUPPER
	RET

// func addToF32AVX512(dst, x *float32, n int)
// dst[k] = dst[k] + x[k] for k in [0, n), n ≥ 1: 16 elements per step and
// a masked step for the rest, one IEEE addition per element.
TEXT ·addToF32AVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ AX, AX
	LEAQ -16(CX), BX

add:
	CMPQ AX, BX
	JG   addtail
	VMOVUPS (DI)(AX*4), Z0
	VADDPS  (SI)(AX*4), Z0, Z0
	VMOVUPS Z0, (DI)(AX*4)
	ADDQ $16, AX
	JMP  add

addtail:
	SUBQ AX, CX
	JLE  adddone
	MOVQ $1, R8
	SHLQ CX, R8
	DECQ R8
	KMOVW R8, K1
	VMOVUPS.Z (DI)(AX*4), K1, Z0
	VMOVUPS.Z (SI)(AX*4), K1, Z1
	VADDPS  Z1, Z0, Z0
	VMOVUPS Z0, K1, (DI)(AX*4)

adddone:
	VZEROUPPER
	RET
