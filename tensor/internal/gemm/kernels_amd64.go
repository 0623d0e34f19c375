//go:build amd64 && !purego

package gemm

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

//go:generate go run gen_amd64.go

// The assembly micro-kernels of kernels_amd64.s (see gen_amd64.go). a, b and
// c point at the first element of Ã, B̃ and the C tile; rsA and csA are byte
// strides, ldc is in elements. The AVX-512 kernels store rows rows and the
// columns whose bit is set in mask; the AVX2 kernels store a full tile. The
// AVX-512 kernel …xV computes the first V vectors of the 4-vector tile; the
// narrow kernels …sSxV read a packed sliver of S vectors.

//go:noescape
func dgemmKernelAVX512x4(k int, a *float64, rsA, csA int, b, c *float64, ldc int, alpha, beta float64, rows int, mask uint64, bias *float64, flags int)

//go:noescape
func dgemmKernelAVX512x3(k int, a *float64, rsA, csA int, b, c *float64, ldc int, alpha, beta float64, rows int, mask uint64, bias *float64, flags int)

//go:noescape
func dgemmKernelAVX512x2(k int, a *float64, rsA, csA int, b, c *float64, ldc int, alpha, beta float64, rows int, mask uint64, bias *float64, flags int)

//go:noescape
func dgemmKernelAVX512x1(k int, a *float64, rsA, csA int, b, c *float64, ldc int, alpha, beta float64, rows int, mask uint64, bias *float64, flags int)

//go:noescape
func sgemmKernelAVX512x4(k int, a *float32, rsA, csA int, b, c *float32, ldc int, alpha, beta float32, rows int, mask uint64, bias *float32, flags int)

//go:noescape
func sgemmKernelAVX512x3(k int, a *float32, rsA, csA int, b, c *float32, ldc int, alpha, beta float32, rows int, mask uint64, bias *float32, flags int)

//go:noescape
func sgemmKernelAVX512x2(k int, a *float32, rsA, csA int, b, c *float32, ldc int, alpha, beta float32, rows int, mask uint64, bias *float32, flags int)

//go:noescape
func sgemmKernelAVX512x1(k int, a *float32, rsA, csA int, b, c *float32, ldc int, alpha, beta float32, rows int, mask uint64, bias *float32, flags int)

//go:noescape
func dgemmKernelAVX512s2x2(k int, a *float64, rsA, csA int, b, c *float64, ldc int, alpha, beta float64, rows int, mask uint64, bias *float64, flags int)

//go:noescape
func dgemmKernelAVX512s2x1(k int, a *float64, rsA, csA int, b, c *float64, ldc int, alpha, beta float64, rows int, mask uint64, bias *float64, flags int)

//go:noescape
func dgemmKernelAVX512s1x1(k int, a *float64, rsA, csA int, b, c *float64, ldc int, alpha, beta float64, rows int, mask uint64, bias *float64, flags int)

//go:noescape
func sgemmKernelAVX512s2x2(k int, a *float32, rsA, csA int, b, c *float32, ldc int, alpha, beta float32, rows int, mask uint64, bias *float32, flags int)

//go:noescape
func sgemmKernelAVX512s2x1(k int, a *float32, rsA, csA int, b, c *float32, ldc int, alpha, beta float32, rows int, mask uint64, bias *float32, flags int)

//go:noescape
func sgemmKernelAVX512s1x1(k int, a *float32, rsA, csA int, b, c *float32, ldc int, alpha, beta float32, rows int, mask uint64, bias *float32, flags int)

//go:noescape
func sdotKernel4x4(k int, a *float32, lda int, b *float32, ldb int, rows, cols int, out *float32)

//go:noescape
func ddotKernel4x4(k int, a *float64, lda int, b *float64, ldb int, rows, cols int, out *float64)

//go:noescape
func dgemmKernelAVX2(k int, a *float64, rsA, csA int, b, c *float64, ldc int, alpha, beta float64, accum int)

//go:noescape
func sgemmKernelAVX2(k int, a *float32, rsA, csA int, b, c *float32, ldc int, alpha, beta float32, accum int)

var (
	avx512 = cpu.X86.HasAVX512F                // x/sys/cpu includes the OS's support for the zmm state
	avx2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA // likewise for the ymm state
)

// Blocking for a core with a 48 KiB (Zen 5) or 32 KiB (Zen 4) L1d and a
// 1 MiB L2. The wide AVX-512 kernels read per step of k 256 bytes of packed
// B and 6 elements of A. KC = 1024 float32 or 512 float64 elements: the
// KC×NR sliver of B (256 or 128 KiB) streams from L2, which delivers it
// faster than the kernel consumes it (11 bytes per cycle on Zen 4, 21 on
// Zen 5), and an inner dimension up to KC is one block, so each tile of C
// is loaded and stored once instead of once per block. MC = 192 rows: MC×KC
// of a packed A is 768 KiB, which with the float32 B sliver fills L2 (MC 96
// to 384 measured within 3% of each other); NC×KC of B is at most 12 MiB,
// in L3. kcFor shortens KC so that the blocks of k come out even. On a Zen
// 4 host (GEMM_TUNE sweeps in tune_linux_test.go, best of several runs) these
// sizes were 1.3–4% faster than KC = 256 (MC 384 float32, 192 float64) on
// A·B and A·Bᵀ at every size swept (n = 512 to 3072, and 784-deep products
// such as the MLP's 256×256×784 layer: BenchmarkGemmMLP medians 107 → 111
// GFLOP/s; the kernel alone peaks at 115.6), and the same within ±1.2% on
// Aᵀ·B from n = 512, the form whose A is packed. The earlier Zen 5 sweep
// found KC from 128 to 384 and MC from 48 to 288 within ±5% at n =
// 256…1024. The narrow AVX-512 kernels share their family's blocking, so
// that a product has the same bits whichever width computes it (see
// forWidth). The AVX2 kernels, for machines without AVX-512, keep KC = 256
// (MC 192 float64, 384 float32, the same bytes).
var (
	kernAVX512F64 = &kernel[float64]{name: "avx512 6x32", edges: true, mr: 6, nr: 32, mc: 192, kc: 512, nc: 3072, directN: 256, micro: microAVX512F64, transpose: blockTransposer[float64]{8, transposeF64}, copyRows: copyRowsAVX512[float64], dot: dotF64}
	kernAVX512F32 = &kernel[float32]{name: "avx512 6x64", edges: true, mr: 6, nr: 64, mc: 192, kc: 1024, nc: 3072, directN: 256, micro: microAVX512F32, transpose: blockTransposer[float32]{16, transposeF32}, copyRows: copyRowsAVX512[float32], dot: dotF32}
	// The narrow forms, for products at most 1 or 2 vectors wide (see
	// kernel.narrow): the same blocking, B packed only to their width.
	kernAVX512F64N8  = &kernel[float64]{name: "avx512 12x8", edges: true, mr: 12, nr: 8, mc: 192, kc: 512, nc: 3072, directN: 256, micro: microAVX512F64N8, copyRows: copyRows8[float64], transpose: blockTransposer[float64]{8, transposeF64}, dot: dotF64}
	kernAVX512F64N16 = &kernel[float64]{name: "avx512 6x16", edges: true, mr: 6, nr: 16, mc: 192, kc: 512, nc: 3072, directN: 256, micro: microAVX512F64N16, copyRows: copyRows16[float64], transpose: blockTransposer[float64]{8, transposeF64}, dot: dotF64}
	kernAVX512F32N16 = &kernel[float32]{name: "avx512 12x16", edges: true, mr: 12, nr: 16, mc: 192, kc: 1024, nc: 3072, directN: 256, micro: microAVX512F32N16, copyRows: copyRows16[float32], transpose: blockTransposer[float32]{16, transposeF32}, dot: dotF32}
	kernAVX512F32N32 = &kernel[float32]{name: "avx512 6x32", edges: true, mr: 6, nr: 32, mc: 192, kc: 1024, nc: 3072, directN: 256, micro: microAVX512F32N32, copyRows: copyRows32[float32], transpose: blockTransposer[float32]{16, transposeF32}, dot: dotF32}
	kernAVX2F64      = &kernel[float64]{name: "avx2 6x8", mr: 6, nr: 8, mc: 192, kc: 256, nc: 3072, directN: 256, micro: microAVX2F64}
	kernAVX2F32      = &kernel[float32]{name: "avx2 6x16", mr: 6, nr: 16, mc: 384, kc: 256, nc: 3072, directN: 256, micro: microAVX2F32}
)

// kernels32 and kernels64 list the kernels this machine can run, best first.
var kernels32, kernels64 = available()

func available() ([]*kernel[float32], []*kernel[float64]) {
	var k32 []*kernel[float32]
	var k64 []*kernel[float64]
	if avx512 {
		kernAVX512F32.narrow = []*kernel[float32]{kernAVX512F32N16, kernAVX512F32N32}
		kernAVX512F64.narrow = []*kernel[float64]{kernAVX512F64N8, kernAVX512F64N16}
		k32 = append(k32, kernAVX512F32, kernAVX512F32N16, kernAVX512F32N32)
		k64 = append(k64, kernAVX512F64, kernAVX512F64N8, kernAVX512F64N16)
	}
	if avx2 {
		k32, k64 = append(k32, kernAVX2F32), append(k64, kernAVX2F64)
	}
	return append(k32, kernGo32), append(k64, kernGo64)
}

func colMask(cols int) uint64 { return uint64(1)<<uint(cols) - 1 }

// biasPtr returns the first element of a tile's bias when flags ask for
// one (tileBias), after checking that it covers the tile's cols columns,
// and nil otherwise.
func biasPtr[T exact](flags, cols int, bias []T) *T {
	if flags&tileBias == 0 {
		return nil
	}
	if len(bias) < cols {
		fail("micro-kernel: bias of %d elements for a tile of %d columns", len(bias), cols)
	}
	return &bias[0]
}

func microAVX512F64(k int, a []float64, rsA, csA int, b, c []float64, ldc int, alpha, beta float64, rows, cols, flags int, bias []float64) {
	checkTile(6, 32, k, a, rsA, csA, b, c, ldc, rows, cols)
	pa, pb, pc, mask, pbias := &a[0], &b[0], &c[0], colMask(cols), biasPtr(flags, cols, bias)
	switch (cols + 7) / 8 {
	case 4:
		dgemmKernelAVX512x4(k, pa, rsA*8, csA*8, pb, pc, ldc, alpha, beta, rows, mask, pbias, flags)
	case 3:
		dgemmKernelAVX512x3(k, pa, rsA*8, csA*8, pb, pc, ldc, alpha, beta, rows, mask, pbias, flags)
	case 2:
		dgemmKernelAVX512x2(k, pa, rsA*8, csA*8, pb, pc, ldc, alpha, beta, rows, mask, pbias, flags)
	default:
		dgemmKernelAVX512x1(k, pa, rsA*8, csA*8, pb, pc, ldc, alpha, beta, rows, mask, pbias, flags)
	}
}

func microAVX512F32(k int, a []float32, rsA, csA int, b, c []float32, ldc int, alpha, beta float32, rows, cols, flags int, bias []float32) {
	checkTile(6, 64, k, a, rsA, csA, b, c, ldc, rows, cols)
	pa, pb, pc, mask, pbias := &a[0], &b[0], &c[0], colMask(cols), biasPtr(flags, cols, bias)
	switch (cols + 15) / 16 {
	case 4:
		sgemmKernelAVX512x4(k, pa, rsA*4, csA*4, pb, pc, ldc, alpha, beta, rows, mask, pbias, flags)
	case 3:
		sgemmKernelAVX512x3(k, pa, rsA*4, csA*4, pb, pc, ldc, alpha, beta, rows, mask, pbias, flags)
	case 2:
		sgemmKernelAVX512x2(k, pa, rsA*4, csA*4, pb, pc, ldc, alpha, beta, rows, mask, pbias, flags)
	default:
		sgemmKernelAVX512x1(k, pa, rsA*4, csA*4, pb, pc, ldc, alpha, beta, rows, mask, pbias, flags)
	}
}

func microAVX512F64N8(k int, a []float64, rsA, csA int, b, c []float64, ldc int, alpha, beta float64, rows, cols, flags int, bias []float64) {
	checkTile(12, 8, k, a, rsA, csA, b, c, ldc, rows, cols)
	dgemmKernelAVX512s1x1(k, &a[0], rsA*8, csA*8, &b[0], &c[0], ldc, alpha, beta, rows, colMask(cols), biasPtr(flags, cols, bias), flags)
}

func microAVX512F64N16(k int, a []float64, rsA, csA int, b, c []float64, ldc int, alpha, beta float64, rows, cols, flags int, bias []float64) {
	checkTile(6, 16, k, a, rsA, csA, b, c, ldc, rows, cols)
	pa, pb, pc, mask, pbias := &a[0], &b[0], &c[0], colMask(cols), biasPtr(flags, cols, bias)
	if cols > 8 {
		dgemmKernelAVX512s2x2(k, pa, rsA*8, csA*8, pb, pc, ldc, alpha, beta, rows, mask, pbias, flags)
	} else {
		dgemmKernelAVX512s2x1(k, pa, rsA*8, csA*8, pb, pc, ldc, alpha, beta, rows, mask, pbias, flags)
	}
}

func microAVX512F32N16(k int, a []float32, rsA, csA int, b, c []float32, ldc int, alpha, beta float32, rows, cols, flags int, bias []float32) {
	checkTile(12, 16, k, a, rsA, csA, b, c, ldc, rows, cols)
	sgemmKernelAVX512s1x1(k, &a[0], rsA*4, csA*4, &b[0], &c[0], ldc, alpha, beta, rows, colMask(cols), biasPtr(flags, cols, bias), flags)
}

func microAVX512F32N32(k int, a []float32, rsA, csA int, b, c []float32, ldc int, alpha, beta float32, rows, cols, flags int, bias []float32) {
	checkTile(6, 32, k, a, rsA, csA, b, c, ldc, rows, cols)
	pa, pb, pc, mask, pbias := &a[0], &b[0], &c[0], colMask(cols), biasPtr(flags, cols, bias)
	if cols > 16 {
		sgemmKernelAVX512s2x2(k, pa, rsA*4, csA*4, pb, pc, ldc, alpha, beta, rows, mask, pbias, flags)
	} else {
		sgemmKernelAVX512s2x1(k, pa, rsA*4, csA*4, pb, pc, ldc, alpha, beta, rows, mask, pbias, flags)
	}
}

// The AVX2 kernels have no epilogue: a bias and ReLU (see tileBias) are
// applied by finishTile to the tile they stored.

func microAVX2F64(k int, a []float64, rsA, csA int, b, c []float64, ldc int, alpha, beta float64, rows, cols, flags int, bias []float64) {
	const mr, nr = 6, 8
	checkTile(mr, nr, k, a, rsA, csA, b, c, ldc, rows, cols)
	if rows == mr && cols == nr {
		biasPtr(flags, cols, bias)
		dgemmKernelAVX2(k, &a[0], rsA*8, csA*8, &b[0], &c[0], ldc, alpha, beta, flags&tileAccum)
		finishTile(c, ldc, rows, cols, flags, bias)
		return
	}
	var t [mr * nr]float64
	dgemmKernelAVX2(k, &a[0], rsA*8, csA*8, &b[0], &t[0], nr, 1, 0, 0)
	storeTile(t[:], nr, c, ldc, alpha, beta, rows, cols, flags, bias)
}

func microAVX2F32(k int, a []float32, rsA, csA int, b, c []float32, ldc int, alpha, beta float32, rows, cols, flags int, bias []float32) {
	const mr, nr = 6, 16
	checkTile(mr, nr, k, a, rsA, csA, b, c, ldc, rows, cols)
	if rows == mr && cols == nr {
		biasPtr(flags, cols, bias)
		sgemmKernelAVX2(k, &a[0], rsA*4, csA*4, &b[0], &c[0], ldc, alpha, beta, flags&tileAccum)
		finishTile(c, ldc, rows, cols, flags, bias)
		return
	}
	var t [mr * nr]float32
	sgemmKernelAVX2(k, &a[0], rsA*4, csA*4, &b[0], &t[0], nr, 1, 0, 0)
	storeTile(t[:], nr, c, ldc, alpha, beta, rows, cols, flags, bias)
}

// dotF32 and dotF64 are the dot-product tiles of the AVX-512 kernels (see
// kernel.dot), over sdotKernel4x4 and ddotKernel4x4.
func dotF32(k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, alpha, beta float32, rows, cols int) {
	checkDot(k, len(a), lda, len(b), ldb, len(c), ldc, rows, cols)
	var out [16]float32
	sdotKernel4x4(k, &a[0], lda*4, &b[0], ldb*4, rows, cols, &out[0])
	for r := 0; r < rows; r++ {
		cr := c[r*ldc : r*ldc+cols]
		for s := range cr {
			v := alpha * out[4*s+r]
			if beta != 0 {
				v += beta * cr[s]
			}
			cr[s] = v
		}
	}
}

func dotF64(k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int, alpha, beta float64, rows, cols int) {
	checkDot(k, len(a), lda, len(b), ldb, len(c), ldc, rows, cols)
	var out [16]float64
	ddotKernel4x4(k, &a[0], lda*8, &b[0], ldb*8, rows, cols, &out[0])
	for r := 0; r < rows; r++ {
		cr := c[r*ldc : r*ldc+cols]
		for s := range cr {
			v := alpha * out[8*(r/2)+2*s+r%2]
			if beta != 0 {
				v += beta * cr[s]
			}
			cr[s] = v
		}
	}
}

//go:noescape
func transposeBlocksF32(src *float32, lds int, dst *float32, ldd int, blocks int)

//go:noescape
func transposeBlocksF64(src *float64, lds int, dst *float64, ldd int, blocks int)

// transposeF32 and transposeF64 are the blockTransposers of the AVX-512
// kernels (see packB): they write src's rows 0…w-1, columns 0…blocks·w-1,
// as dst's rows 0…blocks·w-1 (row stride ldd), columns 0…w-1.
func transposeF32(src []float32, lds int, dst []float32, ldd, blocks int) {
	const w = 16
	checkTranspose(w, len(src), lds, len(dst), ldd, blocks)
	transposeBlocksF32(&src[0], lds*4, &dst[0], ldd*4, blocks)
}

func transposeF64(src []float64, lds int, dst []float64, ldd, blocks int) {
	const w = 8
	checkTranspose(w, len(src), lds, len(dst), ldd, blocks)
	transposeBlocksF64(&src[0], lds*8, &dst[0], ldd*8, blocks)
}

//go:noescape
func copyRows256(src unsafe.Pointer, lds int, dst unsafe.Pointer, rows int)

// copyRowsAVX512 is the copyRows of the AVX-512 kernels, whose NR columns
// are 256 bytes (64 float32s, 32 float64s): it writes rows 0…rows-1 of src
// (row stride lds), NR elements each, to dst one after the other.
func copyRowsAVX512[T exact](dst, src []T, lds, rows int) {
	var z T
	es := int(unsafe.Sizeof(z))
	nr := 256 / es
	if rows <= 0 || lds < nr || (rows-1)*lds+nr > len(src) || rows*nr > len(dst) {
		fail("copyRows: %d rows of %d with stride %d out of bounds", rows, nr, lds)
	}
	copyRows256(unsafe.Pointer(&src[0]), lds*es, unsafe.Pointer(&dst[0]), rows)
}

// checkTranspose panics unless a blockTransposer's reads and writes are
// inside src and dst.
func checkTranspose(w, lenSrc, lds, lenDst, ldd, blocks int) {
	if blocks <= 0 || lds < blocks*w || ldd < w || (w-1)*lds+blocks*w > lenSrc || (blocks*w-1)*ldd+w > lenDst {
		fail("transpose: %d blocks of %d×%d out of bounds", blocks, w, w)
	}
}

// checkDot panics unless the elements that a dot tile (kernel.dot) reads and
// writes are inside a, b and c.
func checkDot(k, lenA, lda, lenB, ldb, lenC, ldc, rows, cols int) {
	if k <= 0 || rows <= 0 || rows > 4 || cols <= 0 || cols > 4 || lda < k || ldb < k || ldc < cols {
		fail("dot: bad tile k=%d rows=%d cols=%d lda=%d ldb=%d ldc=%d", k, rows, cols, lda, ldb, ldc)
	}
	if (rows-1)*lda+k > lenA || (cols-1)*ldb+k > lenB || (rows-1)*ldc+cols > lenC {
		fail("dot: tile out of bounds")
	}
}
