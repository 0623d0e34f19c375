//go:build ignore

// This program generates kernels_amd64.s, the amd64 micro-kernels of the
// package: `go generate` in this directory (or `go run gen_amd64.go`) rewrites
// it. It is plain Go writing text, so the library needs no assembler
// generator as a dependency.
//
// Every kernel computes one MR×NR tile of C = alpha·A·B + beta·C over k steps,
// with MR = 6 rows and NR = 4 (AVX-512, zmm) or 2 (AVX2, ymm) vectors per
// row. The AVX-512 kernels also come in widths of 3, 2 and 1 vectors, which
// read the same 4-vector packed sliver of B and serve the last columns of a
// product whose n is not a multiple of NR, and in narrow forms that read a
// sliver of 1 or 2 vectors, for products no wider than that (those of one
// vector with MR = 12 rows). The vector dimension runs along the rows of C,
// which are contiguous in row-major storage, so the accumulators are
// stored straight to C:
//
//	for p in 0..k:                     // the loop below, unrolled by 4
//	    load NR/lanes vectors of the packed B row p
//	    for r in 0..MR:
//	        broadcast A[r, p]
//	        acc[r][v] += bcast · B[v]   // one FMA per vector
//
// The 6×4 zmm tile keeps 24 accumulators, 4 B vectors and 4 broadcast
// registers live (all 32 zmm); per k step it issues 24 FMAs for 4 vector loads
// and 6 scalar broadcast loads, well within the 2 loads/cycle of the core. 24
// independent accumulators hide the 4-cycle FMA latency of the 2 FMA pipes.
// The AVX2 kernel is the same shape on 16 ymm registers (12 accumulators).
// Each element of A is broadcast once into a register and used by 4 FMAs:
// FMAs with an embedded {1toN} broadcast memory operand instead need 28
// loads per step, and measured about 18% slower on Zen 5.
//
// A is read through two byte strides, rsA between rows and csA between k
// steps, so that the same kernel reads a packed A sliver (rsA = element size,
// csA = MR·element size) or A in place, transposed or not. B is always a packed
// k×NR sliver. The AVX-512 kernels store only the first `rows` rows and the
// columns selected by `mask` (one bit per column), with masked loads and
// stores, so edge tiles never touch memory outside C. The AVX2 kernels always
// store a full tile; the Go side gives them a scratch tile at the edges.
//
// The AVX-512 kernels also take a bias and flags (kernel.go's tileAccum,
// tileBias, tileReLU): before the tile is stored they add bias[j] to its
// column j and apply ReLU, so that a Linear layer's bias and activation
// cost a few instructions per tile instead of passes of their own over C
// (GemmPackedEpilogue).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
)

// mr is the rows of the tiles of every kernel but the narrowest (see main).
const mr = 6

type kern struct {
	rows   int // MR, rows of the tile: 6, or 12 for the narrowest kernels
	name   string
	avx512 bool
	f32    bool
	vecs   int // vectors per row of the tile that the kernel computes
	stride int // vectors per row of the packed B sliver (NR / lanes)
	lanes  int // elements per vector
	esize  int // element size in bytes
	vreg   string
	bcast  string // broadcast instruction
	fma    string
	mul    string
	mov    string
}

func main() {
	out := flag.String("o", "kernels_amd64.s", "the file to write (the drift test writes elsewhere)")
	flag.Parse()
	var kernels []kern
	// The AVX-512 kernels come in four widths over the same packed sliver of
	// 4 vectors: the narrow ones serve the last, partial sliver of a product
	// whose n is not a multiple of NR, so that an n = 10 product does not
	// pay for 64 columns.
	for v := 4; v >= 1; v-- {
		kernels = append(kernels,
			kern{name: fmt.Sprintf("dgemmKernelAVX512x%d", v), avx512: true, vecs: v, stride: 4, lanes: 8, esize: 8, vreg: "Z", bcast: "VBROADCASTSD", fma: "VFMADD231PD", mul: "VMULPD", mov: "VMOVUPD"},
			kern{name: fmt.Sprintf("sgemmKernelAVX512x%d", v), avx512: true, f32: true, vecs: v, stride: 4, lanes: 16, esize: 4, vreg: "Z", bcast: "VBROADCASTSS", fma: "VFMADD231PS", mul: "VMULPS", mov: "VMOVUPS"})
	}
	// The narrow AVX-512 kernels read a packed sliver of 1 or 2 vectors
	// (16 or 32 float32 columns, 8 or 16 float64): a product at most that
	// wide packs B only to that width instead of to 4 vectors, which for n
	// = 8 would write eight times the elements of B, zeros mostly. Each
	// element of C is the same sum, in the same order, as in the 4-vector
	// kernels.
	//
	// The one-vector kernels have 12 rows: with 6, each step of k gave each
	// of only 6 accumulators one multiply-add, and the sums waited on the
	// 4-cycle latency of the multiply-add (a 256×10×128 float32 product at
	// 65 GFLOP/s). Their tile is two 6-row tiles side by side, every
	// element the same sum in the same order.
	for s := 2; s >= 1; s-- {
		for v := s; v >= 1; v-- {
			rows := mr
			if s == 1 {
				rows = 2 * mr
			}
			kernels = append(kernels,
				kern{rows: rows, name: fmt.Sprintf("dgemmKernelAVX512s%dx%d", s, v), avx512: true, vecs: v, stride: s, lanes: 8, esize: 8, vreg: "Z", bcast: "VBROADCASTSD", fma: "VFMADD231PD", mul: "VMULPD", mov: "VMOVUPD"},
				kern{rows: rows, name: fmt.Sprintf("sgemmKernelAVX512s%dx%d", s, v), avx512: true, f32: true, vecs: v, stride: s, lanes: 16, esize: 4, vreg: "Z", bcast: "VBROADCASTSS", fma: "VFMADD231PS", mul: "VMULPS", mov: "VMOVUPS"})
		}
	}
	kernels = append(kernels,
		kern{name: "dgemmKernelAVX2", vecs: 2, stride: 2, lanes: 4, esize: 8, vreg: "Y", bcast: "VBROADCASTSD", fma: "VFMADD231PD", mul: "VMULPD", mov: "VMOVUPD"},
		kern{name: "sgemmKernelAVX2", f32: true, vecs: 2, stride: 2, lanes: 8, esize: 4, vreg: "Y", bcast: "VBROADCASTSS", fma: "VFMADD231PS", mul: "VMULPS", mov: "VMOVUPS"})
	var buf bytes.Buffer
	buf.WriteString("// Code generated by gen_amd64.go; DO NOT EDIT.\n\n")
	buf.WriteString("//go:build amd64 && !purego\n\n")
	buf.WriteString("#include \"textflag.h\"\n")
	for _, k := range kernels {
		if k.rows == 0 {
			k.rows = mr
		}
		gen(&buf, k)
	}
	genDot(&buf, false)
	genDot(&buf, true)
	genTranspose(&buf, false)
	genTranspose(&buf, true)
	genCopyRows(&buf)
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}

func gen(w *bytes.Buffer, k kern) {
	mr := k.rows
	p := func(format string, args ...any) { fmt.Fprintf(w, "\t"+format+"\n", args...) }
	label := func(l string) { fmt.Fprintf(w, "%s:\n", l) }
	nacc := mr * k.vecs
	acc := func(r, v int) string { return fmt.Sprintf("%s%d", k.vreg, r*k.vecs+v) }
	breg := func(v int) string { return fmt.Sprintf("%s%d", k.vreg, nacc+v) }
	// Broadcast registers: the ones left after accumulators and B vectors.
	nregs := 16
	if k.avx512 {
		nregs = 32
	}
	var bc []string
	for i := nacc + k.vecs; i < nregs; i++ {
		bc = append(bc, fmt.Sprintf("%s%d", k.vreg, i))
	}
	rowBytes := k.stride * k.lanes * k.esize // bytes of one packed B row (NR elements)

	// Argument frame. Go's asm checker (go vet) verifies these offsets
	// against the Go declaration in kernels_amd64.go.
	type arg struct {
		name string
		size int
	}
	fsz := 8
	if k.f32 {
		fsz = 4
	}
	args := []arg{{"k", 8}, {"a", 8}, {"rsA", 8}, {"csA", 8}, {"b", 8}, {"c", 8}, {"ldc", 8}, {"alpha", fsz}, {"beta", fsz}}
	if k.avx512 {
		args = append(args, arg{"rows", 8}, arg{"mask", 8}, arg{"bias", 8}, arg{"flags", 8})
	} else {
		args = append(args, arg{"accum", 8})
	}
	off := map[string]int{}
	o := 0
	for _, a := range args {
		if o%a.size != 0 {
			o += a.size - o%a.size
		}
		off[a.name] = o
		o += a.size
	}
	if o%8 != 0 {
		o += 8 - o%8
	}
	at := func(name string) string { return fmt.Sprintf("%s+%d(FP)", name, off[name]) }

	fmt.Fprintf(w, "\n// func %s(%s)\n", k.name, signature(k))
	fmt.Fprintf(w, "TEXT ·%s(SB), NOSPLIT, $0-%d\n", k.name, o)
	p("MOVQ %s, CX", at("k"))
	p("MOVQ %s, AX", at("a"))
	p("MOVQ %s, R9", at("rsA"))
	p("MOVQ %s, R11", at("csA"))
	p("MOVQ %s, BX", at("b"))
	p("MOVQ %s, DI", at("c"))
	p("MOVQ %s, DX", at("ldc"))
	p("SHLQ $%d, DX", map[int]int{4: 2, 8: 3}[k.esize])
	p("LEAQ (AX)(R9*2), R10")
	p("ADDQ R9, R10 // R10: row 3 of A")
	if mr > 6 {
		p("LEAQ (R10)(R9*2), R12")
		p("ADDQ R9, R12 // R12: row 6 of A")
		p("LEAQ (R12)(R9*2), R13")
		p("ADDQ R9, R13 // R13: row 9 of A")
	}
	// Prefetch the C tile: it is read (or written) once at the end.
	p("MOVQ DI, R8")
	for r := 0; r < mr; r++ {
		for q := 0; q < k.vecs*k.lanes*k.esize; q += 64 {
			p("PREFETCHT0 %d(R8)", q)
		}
		if r < mr-1 {
			p("ADDQ DX, R8")
		}
	}
	for i := 0; i < nacc; i++ {
		r := fmt.Sprintf("%s%d", k.vreg, i)
		if k.avx512 {
			p("VPXORD %s, %s, %s", r, r, r)
		} else {
			p("VXORPS %s, %s, %s", r, r, r)
		}
	}
	// Row r of A is at base r/3 plus r%3 rows.
	bases := []string{"AX", "R10", "R12", "R13"}[:mr/3]
	aAddr := func(r int) string {
		if r%3 == 0 {
			return "(" + bases[r/3] + ")"
		}
		return fmt.Sprintf("(%s)(R9*%d)", bases[r/3], r%3)
	}
	step := func(u int) {
		for v := 0; v < k.vecs; v++ {
			p("%s %d(BX), %s", k.mov, u*rowBytes+v*k.lanes*k.esize, breg(v))
		}
		for r := 0; r < mr; r++ {
			b := bc[r%len(bc)]
			p("%s %s, %s", k.bcast, aAddr(r), b)
			for v := 0; v < k.vecs; v++ {
				p("%s %s, %s, %s", k.fma, breg(v), b, acc(r, v))
			}
		}
		for _, b := range bases {
			p("ADDQ R11, %s", b)
		}
	}
	const unroll = 4
	p("MOVQ CX, R8")
	p("SHRQ $2, R8")
	p("JZ tail")
	label("loop4")
	for u := 0; u < unroll; u++ {
		step(u)
	}
	p("ADDQ $%d, BX", unroll*rowBytes)
	p("DECQ R8")
	p("JNZ loop4")
	label("tail")
	p("ANDQ $3, CX")
	p("JZ done")
	label("loop1")
	step(0)
	p("ADDQ $%d, BX", rowBytes)
	p("DECQ CX")
	p("JNZ loop1")
	label("done")

	// C = alpha·acc (+ beta·C).
	alpha, beta, tmp := bc[0], bc[1], breg(0)
	p("%s %s, %s", k.bcast, at("alpha"), alpha)
	for i := 0; i < nacc; i++ {
		r := fmt.Sprintf("%s%d", k.vreg, i)
		p("%s %s, %s, %s", k.mul, alpha, r, r)
	}
	vbytes := k.lanes * k.esize
	if k.avx512 {
		// Column masks: lanes bits of mask per vector.
		p("MOVQ %s, R8", at("mask"))
		for v := 0; v < k.vecs; v++ {
			p("KMOVW R8, K%d", v+1)
			if v < k.vecs-1 {
				p("SHRQ $%d, R8", k.lanes)
			}
		}
		p("MOVQ %s, SI", at("rows"))
		p("MOVQ %s, R8", at("flags"))
		epilogueAVX512(p, label, k, acc, breg, bc[2], bc[3], at("bias"))
		p("TESTQ $%d, R8", flagAccum)
	} else {
		p("MOVQ %s, R8", at("accum"))
		p("TESTQ R8, R8")
	}
	p("JNZ accum")
	// eachRow writes row(r, v) for each vector of each row of the tile,
	// stepping DI from row to row; the AVX-512 kernels stop after the
	// rows they were asked for.
	eachRow := func(row func(r, v int)) {
		for r := 0; r < mr; r++ {
			for v := 0; v < k.vecs; v++ {
				row(r, v)
			}
			if r < mr-1 {
				if k.avx512 {
					p("DECQ SI")
					p("JZ ret")
				}
				p("ADDQ DX, DI")
			}
		}
	}
	eachRow(func(r, v int) {
		if k.avx512 {
			p("%s %s, K%d, %d(DI)", k.mov, acc(r, v), v+1, v*vbytes)
		} else {
			p("%s %s, %d(DI)", k.mov, acc(r, v), v*vbytes)
		}
	})
	p("JMP ret")
	// accumulate writes C = acc + beta·C, with ReLU applied before each
	// store when relu is set.
	accumulate := func(relu bool) {
		eachRow(func(r, v int) {
			if k.avx512 {
				p("%s.Z %d(DI), K%d, %s", k.mov, v*vbytes, v+1, tmp)
				p("%s %s, %s, %s", k.fma, beta, tmp, acc(r, v))
				if relu {
					reluAVX512(p, k, acc(r, v), bc[2], bc[3])
				}
				p("%s %s, K%d, %d(DI)", k.mov, acc(r, v), v+1, v*vbytes)
			} else {
				p("%s %d(DI), %s", k.mov, v*vbytes, tmp)
				p("%s %s, %s, %s", k.fma, beta, tmp, acc(r, v))
				p("%s %s, %d(DI)", k.mov, acc(r, v), v*vbytes)
			}
		})
	}
	label("accum")
	p("%s %s, %s", k.bcast, at("beta"), beta)
	if k.avx512 {
		p("TESTQ $%d, R8", flagReLU)
		p("JNZ accumrelu")
		accumulate(false)
		p("JMP ret")
		label("accumrelu")
		accumulate(true)
	} else {
		accumulate(false)
	}
	label("ret")
	p("VZEROUPPER")
	p("RET")
}

// The bits of the AVX-512 kernels' flags argument (kernel.go's tileAccum,
// tileBias and tileReLU).
const (
	flagAccum = 1 << iota // C = tile + beta·C rather than tile
	flagBias              // add bias[j] to column j of the tile first
	flagReLU              // then max(·, 0), as package vec's ReLU
)

// epilogueAVX512 writes the part of an AVX-512 kernel's epilogue that
// comes before C is read: with flagBias (flags in R8), bias[j] added to
// column j of the tile (alpha·Ã·B̃ by then), the vectors of bias loaded
// with the column masks, so nothing past the tile's columns is read; with
// flagReLU, zero and abs set to +0 and to the mask that clears a sign bit,
// and, unless flagAccum (then ReLU comes after beta·C, in the accumulating
// stores), ReLU applied to the tile. Adding bias[j] to the tile gives the
// bits of a C set to the bias and accumulated with beta 1: a fused
// multiply-add by 1 rounds once, as an addition does.
func epilogueAVX512(p func(string, ...any), label func(string), k kern, acc func(r, v int) string, breg func(v int) string, zero, abs, bias string) {
	mr, add, vbytes := k.rows, "VADDPD", k.lanes*k.esize
	if k.f32 {
		add = "VADDPS"
	}
	p("TESTQ $%d, R8", flagBias)
	p("JZ nobias")
	p("MOVQ %s, R9", bias)
	for v := 0; v < k.vecs; v++ {
		p("%s.Z %d(R9), K%d, %s", k.mov, v*vbytes, v+1, breg(v))
	}
	for r := 0; r < mr; r++ {
		for v := 0; v < k.vecs; v++ {
			p("%s %s, %s, %s", add, breg(v), acc(r, v), acc(r, v))
		}
	}
	label("nobias")
	p("TESTQ $%d, R8", flagReLU)
	p("JZ norelu")
	ternlog, shift := "VPTERNLOGQ", "VPSRLQ"
	if k.f32 {
		ternlog, shift = "VPTERNLOGD", "VPSRLD"
	}
	p("VPXORD %s, %s, %s", zero, zero, zero)
	p("%s $0xff, %s, %s, %s", ternlog, abs, abs, abs) // all ones
	p("%s $1, %s, %s", shift, abs, abs)
	p("TESTQ $%d, R8", flagAccum)
	p("JNZ norelu")
	for r := 0; r < mr; r++ {
		for v := 0; v < k.vecs; v++ {
			reluAVX512(p, k, acc(r, v), zero, abs)
		}
	}
	label("norelu")
}

// reluAVX512 sets the vector x to max(x, 0) with the bits of Go's max, as
// package vec's ReLU: x where x > 0 or x is NaN, with its sign bit cleared,
// and +0 elsewhere (−0 included).
func reluAVX512(p func(string, ...any), k kern, x, zero, abs string) {
	if k.f32 {
		p("VCMPPS $0x16, %s, %s, K5", zero, x) // x > 0 or unordered
		p("VPANDD.Z %s, %s, K5, %s", abs, x, x)
	} else {
		p("VCMPPD $0x16, %s, %s, K5", zero, x)
		p("VPANDQ.Z %s, %s, K5, %s", abs, x, x)
	}
}

func signature(k kern) string {
	t := "float64"
	if k.f32 {
		t = "float32"
	}
	s := fmt.Sprintf("k int, a *%s, rsA, csA int, b, c *%s, ldc int, alpha, beta %s", t, t, t)
	if k.avx512 {
		return s + fmt.Sprintf(", rows int, mask uint64, bias *%s, flags int", t)
	}
	return s + ", accum int"
}

// genTranspose writes transposeBlocksF32 (16×16 blocks) or
// transposeBlocksF64 (8×8 blocks), the AVX-512 core of packing a transposed
// B: w rows of src (row stride lds bytes) and blocks·w columns become
// blocks·w rows of dst (row stride ldd bytes) and w columns. Each w×w block
// takes w loads, log2(w) rounds of w shuffles and w stores:
//
//	float32: unpack 32-bit pairs, unpack 64-bit pairs (now 4×4 blocks sit
//	transposed in each 128-bit lane), then two rounds of VSHUFF32X4 that
//	gather lane l of four registers into one.
//	float64: unpack 64-bit pairs (2×2 blocks in each lane), then the same two
//	rounds of VSHUFF64X2.
func genTranspose(w *bytes.Buffer, f64 bool) {
	p := func(format string, args ...any) { fmt.Fprintf(w, "\t"+format+"\n", args...) }
	name, n, esize, shuf := "transposeBlocksF32", 16, 4, "VSHUFF32X4"
	if f64 {
		name, n, esize, shuf = "transposeBlocksF64", 8, 8, "VSHUFF64X2"
	}
	t := "float32"
	if f64 {
		t = "float64"
	}
	z := func(i int) string { return fmt.Sprintf("Z%d", i) }
	fmt.Fprintf(w, "\n// func %s(src *%s, lds int, dst *%s, ldd int, blocks int)\n", name, t, t)
	fmt.Fprintf(w, "TEXT ·%s(SB), NOSPLIT, $0-40\n", name)
	p("MOVQ src+0(FP), SI")
	p("MOVQ lds+8(FP), AX")
	p("MOVQ dst+16(FP), DI")
	p("MOVQ ldd+24(FP), DX")
	p("MOVQ blocks+32(FP), CX")
	p("LEAQ (AX)(AX*2), R8 // 3·lds")
	fmt.Fprintf(w, "loop:\n")
	// Load n rows: rows 4q..4q+3 from R10 = SI + 4q·lds.
	p("MOVQ SI, R10")
	for i := 0; i < n; i++ {
		addr := []string{"(R10)", "(R10)(AX*1)", "(R10)(AX*2)", "(R10)(R8*1)"}[i%4]
		p("VMOVUPS %s, %s", addr, z(i))
		if i%4 == 3 && i < n-1 {
			p("LEAQ (R10)(AX*4), R10")
		}
	}
	var u []int // registers holding the rows after the unpack rounds
	if !f64 {
		// t[2i], t[2i+1] = unpacklo/hi ps (r[2i], r[2i+1]) into Z16..Z31.
		for i := 0; i < 8; i++ {
			p("VUNPCKLPS %s, %s, %s", z(2*i+1), z(2*i), z(16+2*i))
			p("VUNPCKHPS %s, %s, %s", z(2*i+1), z(2*i), z(16+2*i+1))
		}
		// For each group g of 4 rows: u[4g+0..3] = unpack pd of (t[4g], t[4g+2]) and (t[4g+1], t[4g+3]).
		for g := 0; g < 4; g++ {
			t0, t1, t2, t3 := 16+4*g, 16+4*g+1, 16+4*g+2, 16+4*g+3
			p("VUNPCKLPD %s, %s, %s", z(t2), z(t0), z(4*g))
			p("VUNPCKHPD %s, %s, %s", z(t2), z(t0), z(4*g+1))
			p("VUNPCKLPD %s, %s, %s", z(t3), z(t1), z(4*g+2))
			p("VUNPCKHPD %s, %s, %s", z(t3), z(t1), z(4*g+3))
		}
		// u_q of group g (rows 4g..4g+3) holds, in lane l, column 4l+q.
		u = make([]int, 16)
		for i := range u {
			u[i] = i
		}
	} else {
		// t[2i], t[2i+1] = unpacklo/hi pd (r[2i], r[2i+1]) into Z16..Z23.
		for i := 0; i < 4; i++ {
			p("VUNPCKLPD %s, %s, %s", z(2*i+1), z(2*i), z(16+2*i))
			p("VUNPCKHPD %s, %s, %s", z(2*i+1), z(2*i), z(16+2*i+1))
		}
		// t_q of pair g (rows 2g, 2g+1) holds, in lane l, column 2l+q.
		u = []int{16, 17, 18, 19, 20, 21, 22, 23}
	}
	// Rows are in G = 4 groups (float32: 4 rows each, float64: 2 rows each),
	// Q registers per group, register u[Q·g+q] holding column (Q·l + q) of
	// its rows in lane l. Output row Q·l+q is lanes l of u[q], u[Q+q],
	// u[2Q+q], u[3Q+q].
	q := n / 4
	for qq := 0; qq < q; qq++ {
		a, b, c, d := 24, 25, 26, 27
		if f64 {
			a, b, c, d = 0, 1, 2, 3
			a, b, c, d = a+4*qq, b+4*qq, c+4*qq, d+4*qq
		} else {
			a, b, c, d = 16+4*qq, 17+4*qq, 18+4*qq, 19+4*qq
		}
		u0, u1, u2, u3 := u[qq], u[q+qq], u[2*q+qq], u[3*q+qq]
		p("%s $0x44, %s, %s, %s", shuf, z(u1), z(u0), z(a))
		p("%s $0xEE, %s, %s, %s", shuf, z(u1), z(u0), z(b))
		p("%s $0x44, %s, %s, %s", shuf, z(u3), z(u2), z(c))
		p("%s $0xEE, %s, %s, %s", shuf, z(u3), z(u2), z(d))
		// Output rows qq (lane 0), q+qq (lane 1), 2q+qq (lane 2), 3q+qq (lane 3),
		// into the registers of u0..u3, which are no longer needed.
		o0, o1, o2, o3 := u0, u1, u2, u3
		p("%s $0x88, %s, %s, %s", shuf, z(c), z(a), z(o0))
		p("%s $0xDD, %s, %s, %s", shuf, z(c), z(a), z(o1))
		p("%s $0x88, %s, %s, %s", shuf, z(d), z(b), z(o2))
		p("%s $0xDD, %s, %s, %s", shuf, z(d), z(b), z(o3))
		for lane, o := range []int{o0, o1, o2, o3} {
			row := lane*q + qq
			// Store row `row` at DI + row·ldd.
			p("MOVQ $%d, R11", row)
			p("IMULQ DX, R11")
			p("VMOVUPS %s, (DI)(R11*1)", z(o))
		}
	}
	p("ADDQ $%d, SI", n*esize)
	p("MOVQ DX, R11")
	p("SHLQ $%d, R11", map[int]int{8: 3, 16: 4}[n])
	p("ADDQ R11, DI")
	p("DECQ CX")
	p("JNZ loop")
	p("VZEROUPPER")
	p("RET")
}

// genCopyRows writes copyRows256, the AVX-512 core of packing an
// untransposed B: rows rows of 256 bytes (one NR-column row of a sliver:
// 64 float32s or 32 float64s), row i read from src + i·lds and written to
// dst + i·256, four zmm loads and stores per row, two rows per iteration so
// that the loads of one row overlap the stores of the other. It replaces a
// call to memmove per row, which costs more than the copy at this size.
func genCopyRows(w *bytes.Buffer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, "\t"+format+"\n", args...) }
	fmt.Fprintf(w, "\n// func copyRows256(src unsafe.Pointer, lds int, dst unsafe.Pointer, rows int)\n")
	fmt.Fprintf(w, "TEXT ·copyRows256(SB), NOSPLIT, $0-32\n")
	p("MOVQ src+0(FP), SI")
	p("MOVQ lds+8(FP), AX")
	p("MOVQ dst+16(FP), DI")
	p("MOVQ rows+24(FP), CX")
	p("MOVQ CX, DX")
	p("SHRQ $1, DX")
	p("JZ odd")
	fmt.Fprintf(w, "pair:\n")
	for i := 0; i < 8; i++ {
		src := "(SI)"
		if i >= 4 {
			src = "(SI)(AX*1)"
		}
		p("VMOVUPS %d%s, Z%d", (i%4)*64, src, i)
	}
	for i := 0; i < 8; i++ {
		p("VMOVUPS Z%d, %d(DI)", i, i*64)
	}
	p("LEAQ (SI)(AX*2), SI")
	p("ADDQ $512, DI")
	p("DECQ DX")
	p("JNZ pair")
	fmt.Fprintf(w, "odd:\n")
	p("ANDQ $1, CX")
	p("JZ done")
	for i := 0; i < 4; i++ {
		p("VMOVUPS %d(SI), Z%d", i*64, i)
	}
	for i := 0; i < 4; i++ {
		p("VMOVUPS Z%d, %d(DI)", i, i*64)
	}
	fmt.Fprintf(w, "done:\n")
	p("VZEROUPPER")
	p("RET")
}

// genDot writes sdotKernel4x4 or ddotKernel4x4, the core of the path for
// A·Bᵀ with few columns (see dotA): 16 dot products, rows 0…3 of A against
// rows 0…3 of B, both read along k where they are contiguous, so that
// neither is packed. Row r of A is at a + min(r, rows-1)·lda and row s of B
// at b + min(s, cols-1)·ldb (bytes): past the tile's edge the last row is
// read again and its results are ignored. Each of the 16 zmm accumulators
// sums the lanes of its product (k in vectors, the last one masked), then
// a reduction tree adds the lanes:
//
//	256-bit halves of pairs of accumulators (VSHUFF 0x44/0xEE, add),
//	128-bit quarters of pairs of those (VSHUFF 0x88/0xDD, add), leaving
//	one accumulator per quarter, then within quarters (unpack, add).
//
// The sums are stored to out: float32 sum (r, s) at out[4s+r]; float64 at
// out[8·(r/2) + 2s + r%2].
func genDot(w *bytes.Buffer, f64 bool) {
	p := func(format string, args ...any) { fmt.Fprintf(w, "\t"+format+"\n", args...) }
	label := func(l string) { fmt.Fprintf(w, "%s:\n", l) }
	name, t, lanes, mov, fma, add, shuf, shift := "sdotKernel4x4", "float32", 16, "VMOVUPS", "VFMADD231PS", "VADDPS", "VSHUFF32X4", 4
	if f64 {
		name, t, lanes, mov, fma, add, shuf, shift = "ddotKernel4x4", "float64", 8, "VMOVUPD", "VFMADD231PD", "VADDPD", "VSHUFF64X2", 3
	}
	z := func(i int) string { return fmt.Sprintf("Z%d", i) }
	fmt.Fprintf(w, "\n// func %s(k int, a *%s, lda int, b *%s, ldb int, rows, cols int, out *%s)\n", name, t, t, t)
	fmt.Fprintf(w, "TEXT ·%s(SB), NOSPLIT, $0-64\n", name)
	p("MOVQ a+8(FP), AX")
	p("MOVQ lda+16(FP), DI")
	p("MOVQ b+24(FP), BX")
	p("MOVQ ldb+32(FP), SI")
	// Row pointers, clamped to the last valid row.
	p("MOVQ rows+40(FP), CX")
	prev := "AX"
	for i, r := range []string{"R8", "R9", "R10"} {
		p("LEAQ (%s)(DI*1), %s", prev, r)
		p("CMPQ CX, $%d", i+2)
		p("CMOVQLT %s, %s", prev, r)
		prev = r
	}
	p("MOVQ cols+48(FP), CX")
	prev = "BX"
	for i, r := range []string{"R11", "R12", "R13"} {
		p("LEAQ (%s)(SI*1), %s", prev, r)
		p("CMPQ CX, $%d", i+2)
		p("CMOVQLT %s, %s", prev, r)
		prev = r
	}
	for i := 0; i < 16; i++ {
		p("VPXORD %s, %s, %s", z(i), z(i), z(i))
	}
	aRow := []string{"AX", "R8", "R9", "R10"}
	bRow := []string{"BX", "R11", "R12", "R13"}
	step := func(masked bool) {
		for r := 0; r < 4; r++ {
			if masked {
				p("%s.Z (%s)(DX*1), K1, %s", mov, aRow[r], z(16+r))
			} else {
				p("%s (%s)(DX*1), %s", mov, aRow[r], z(16+r))
			}
		}
		for s := 0; s < 4; s++ {
			if masked {
				p("%s.Z (%s)(DX*1), K1, %s", mov, bRow[s], z(20+s))
			} else {
				p("%s (%s)(DX*1), %s", mov, bRow[s], z(20+s))
			}
		}
		for r := 0; r < 4; r++ {
			for s := 0; s < 4; s++ {
				p("%s %s, %s, %s", fma, z(20+s), z(16+r), z(4*r+s))
			}
		}
	}
	p("XORQ DX, DX")
	p("MOVQ k+0(FP), CX")
	p("SHRQ $%d, CX", shift)
	p("JZ tail")
	label("loop")
	step(false)
	p("ADDQ $64, DX")
	p("DECQ CX")
	p("JNZ loop")
	label("tail")
	p("MOVQ k+0(FP), CX")
	p("ANDQ $%d, CX", lanes-1)
	p("JZ reduce")
	p("MOVQ $1, SI")
	p("SHLQ CX, SI")
	p("DECQ SI")
	p("KMOVW SI, K1")
	step(true)
	label("reduce")
	// 256-bit halves: Z(2i) = halves of acc 2i (quarters 0, 1) and of acc
	// 2i+1 (quarters 2, 3), summed.
	for i := 0; i < 8; i++ {
		a, b := z(2*i), z(2*i+1)
		p("%s $0x44, %s, %s, Z24", shuf, b, a)
		p("%s $0xEE, %s, %s, Z25", shuf, b, a)
		p("%s Z25, Z24, %s", add, a)
	}
	// 128-bit quarters: Z(4j) quarter q = acc 4j+q, summed to 128 bits.
	for j := 0; j < 4; j++ {
		a, b := z(4*j), z(4*j+2)
		p("%s $0x88, %s, %s, Z24", shuf, b, a)
		p("%s $0xDD, %s, %s, Z25", shuf, b, a)
		p("%s Z25, Z24, %s", add, a)
	}
	p("MOVQ out+56(FP), DI")
	if f64 {
		// Within quarters: lane 2q+t of Z0 = acc 4t+q, of Z8 = acc 4(t+2)+q.
		for _, j := range []int{0, 8} {
			p("VUNPCKLPD %s, %s, Z24", z(j+4), z(j))
			p("VUNPCKHPD %s, %s, Z25", z(j+4), z(j))
			p("VADDPD Z25, Z24, %s", z(j))
		}
		p("VMOVUPD Z0, (DI)")
		p("VMOVUPD Z8, 64(DI)")
	} else {
		for _, j := range []int{0, 8} {
			p("VUNPCKLPS %s, %s, Z24", z(j+4), z(j))
			p("VUNPCKHPS %s, %s, Z25", z(j+4), z(j))
			p("VADDPS Z25, Z24, %s", z(j))
		}
		// Lane 4q+t = acc 4t+q.
		p("VUNPCKLPD Z8, Z0, Z24")
		p("VUNPCKHPD Z8, Z0, Z25")
		p("VADDPS Z25, Z24, Z0")
		p("VMOVUPS Z0, (DI)")
	}
	p("VZEROUPPER")
	p("RET")
}
