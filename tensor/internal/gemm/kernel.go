package gemm

// The flags of a micro-kernel call: what it does to its tile besides the
// sums. The driver never sets tileAccum and tileBias together: a bias
// takes the place of beta·C in the first block of k (see Epilogue).
const (
	tileAccum = 1 << iota // C = tile + beta·C rather than tile
	tileBias              // add bias[j] to column j of the tile
	tileReLU              // then max(·, 0), with the bits of package vec's ReLU
)

// kernel is a micro-kernel and the blocking sizes that go with it.
type kernel[T exact] struct {
	name       string
	mr, nr     int // register tile: MR rows × NR columns of C
	mc, kc, nc int // cache blocks, MC a multiple of MR and NC of NR

	// edges is set when the kernel stores a tile of any rows×cols with the
	// same operations as a whole one (masked stores, or a scratch tile
	// always), so that GemmPart may narrow a tile (see Part) without
	// changing its bits. The AVX2 kernels store a partial tile through a
	// scratch tile, with C's update rounded differently.
	edges bool

	// directN sets when the driver reads A in place instead of packing it:
	// see directA. 0 means always pack.
	directN int

	// micro sets the rows×cols top-left corner (rows ≤ MR, cols ≤ NR) of
	// the tile at c (row stride ldc) to alpha·Ã·B̃ + beta·C when flags has
	// tileAccum, or to alpha·Ã·B̃ when it has not (then C is not read);
	// with tileBias it adds bias[j] to column j of alpha·Ã·B̃ first, and
	// with tileReLU it applies ReLU last (see the flags). Ã is MR×k with
	// element (i, p) at a[i*rsA + p*csA]; B̃ is a packed k×NR sliver,
	// element (p, j) at b[p*NR + j]. Every kernel checks that these
	// elements, and the bias it reads, are inside the slices before it
	// touches memory.
	micro func(k int, a []T, rsA, csA int, b, c []T, ldc int, alpha, beta T, rows, cols, flags int, bias []T)

	// transpose, when set, speeds up packing a transposed B (see packB).
	transpose blockTransposer[T]

	// copyRows, when set, packs full slivers of an untransposed B (see
	// packB): it copies rows rows of NR elements, row i from src[i·lds:],
	// to dst contiguously, and checks that they are inside both slices.
	copyRows func(dst, src []T, lds, rows int)

	// dot, when set, computes a tile of up to 4×4 elements of A·Bᵀ as dot
	// products along k, reading both operands in place (see dotA): it sets
	// the rows×cols corner of the tile at c to alpha·Σₚ a[i·lda+p]·b[j·ldb+p]
	// plus beta·c when beta is not 0 (c is not read when it is), and checks
	// that what it reads and writes is inside the slices.
	dot func(k int, a []T, lda int, b []T, ldb int, c []T, ldc int, alpha, beta T, rows, cols int)

	// narrow lists kernels of the same family with a smaller NR, narrowest
	// first, for products too narrow to fill this one's tile: see
	// forWidth.
	narrow []*kernel[T]
}

// forWidth returns the kernel for a product n columns wide: the narrowest
// of kern.narrow whose NR covers n, or kern itself. B is packed to the
// kernel's NR, zero padded; a product of n = 8 float32 columns packed for
// the 64-column AVX-512 tile would write 8 times as many elements as it
// has, and that packing (not the multiply-adds) was most of its time. The
// choice depends only on n, and the narrow kernels compute each element of
// C with the same operations in the same order, so the result does not
// change.
func (kern *kernel[T]) forWidth(n int) *kernel[T] {
	for _, k := range kern.narrow {
		if n <= k.nr {
			return k
		}
	}
	return kern
}

// blockTransposer transposes w×w blocks: fn writes rows 0…w-1 and columns
// 0…blocks·w-1 of src (row stride lds) as rows 0…blocks·w-1 and columns
// 0…w-1 of dst (row stride ldd).
type blockTransposer[T exact] struct {
	w  int
	fn func(src []T, lds int, dst []T, ldd, blocks int)
}

// directA reports whether the driver should let the micro-kernel read op(a)
// in place rather than pack it. Packing A costs a pass over each MC×KC block
// per NC block of columns, which pays only when the block is reused across
// many NR slivers of B (large n). An untransposed A is read in place as MR
// streams along its rows, which the hardware prefetchers follow well; a
// transposed A is read one short row segment per step of k, which stops
// paying sooner. Measured with the AVX-512 kernels (TestTuneDirect): in place
// is 3–15% faster up to n = 256 either way, and for an untransposed A up to
// n = 512; beyond that packing is as fast or faster.
func (kern *kernel[T]) directA(p *problem[T]) bool {
	return p.n <= kern.directN || (!p.transA && p.n <= 2*kern.directN)
}

// kcFor returns the KC block length used for inner dimension k: KC or less,
// so that the blocks are of nearly equal length (a multiple of 4, the
// kernels' unrolling) rather than full blocks and a short remainder. For k =
// 1100 and KC = 1024 that is 2 blocks of 552 rather than one of 1024 and one
// of 76.
func (kern *kernel[T]) kcFor(k int) int {
	blocks := ceilDiv(k, kern.kc)
	kc := (ceilDiv(k, blocks) + 3) &^ 3
	return min(kc, kern.kc, k)
}

// checkTile panics unless the elements that a micro-kernel reads and writes
// are inside a, b and c. It is the bounds check in front of the assembly.
func checkTile[T exact](mr, nr, k int, a []T, rsA, csA int, b, c []T, ldc, rows, cols int) {
	if k <= 0 || rows <= 0 || rows > mr || cols <= 0 || cols > nr || rsA < 0 || csA < 0 || ldc < cols {
		fail("micro-kernel: bad tile k=%d rows=%d cols=%d rsA=%d csA=%d ldc=%d", k, rows, cols, rsA, csA, ldc)
	}
	if (mr-1)*rsA+(k-1)*csA >= len(a) || k*nr > len(b) || (rows-1)*ldc+cols > len(c) {
		fail("micro-kernel: tile out of bounds")
	}
}

// microGo is the portable micro-kernel, a 2×4 register tile in plain Go. It
// is always compiled (and tested), and it is the only kernel with the purego
// build tag or off amd64. On amd64 (16 floating-point registers) 2×4 measured
// fastest among 2×4, 4×2, 3×3, 3×4 and 4×4: the larger tiles make the
// compiler spill accumulators to the stack on every step.
func microGo[T exact](k int, a []T, rsA, csA int, b, c []T, ldc int, alpha, beta T, rows, cols, flags int, bias []T) {
	const mr, nr = 2, 4
	checkTile(mr, nr, k, a, rsA, csA, b, c, ldc, rows, cols)
	var c00, c01, c02, c03 T
	var c10, c11, c12, c13 T
	ia := 0
	b = b[:k*nr]
	for p := 0; p < len(b); p += nr {
		bp := b[p : p+nr : p+nr]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		a0 := a[ia]
		a1 := a[ia+rsA]
		ia += csA
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
	}
	t := [mr * nr]T{c00, c01, c02, c03, c10, c11, c12, c13}
	storeTile(t[:], nr, c, ldc, alpha, beta, rows, cols, flags, bias)
}

// storeTile writes the rows×cols corner of the tile t (row stride nr) to c:
// c = alpha·t + beta·c with tileAccum, alpha·t + bias with tileBias, or
// alpha·t, then applies ReLU with tileReLU.
func storeTile[T exact](t []T, nr int, c []T, ldc int, alpha, beta T, rows, cols, flags int, bias []T) {
	if flags&tileBias != 0 {
		// The bias as a C accumulated onto with beta 1: the expression the
		// bias's definition uses, so that a compiler that fuses it into a
		// multiply-add (arm64, GOAMD64=v3) fuses both alike.
		if len(bias) < cols {
			fail("micro-kernel: bias of %d elements for a tile of %d columns", len(bias), cols)
		}
		for i := 0; i < rows; i++ {
			copy(c[i*ldc:i*ldc+cols], bias[:cols])
		}
		flags, beta = flags&^tileBias|tileAccum, 1
	}
	for i := 0; i < rows; i++ {
		ti := t[i*nr : i*nr+cols]
		ci := c[i*ldc : i*ldc+cols]
		if flags&tileAccum != 0 {
			for j, v := range ti {
				ci[j] = alpha*v + beta*ci[j]
			}
		} else {
			for j, v := range ti {
				ci[j] = alpha * v
			}
		}
	}
	finishTile(c, ldc, rows, cols, flags&tileReLU, nil)
}

// finishTile applies the rest of flags to the rows×cols corner of the
// tile at c after its sums were stored: bias[j] added to column j with
// tileBias, then ReLU with tileReLU. An addition after the store rounds as
// the assembly kernels' addition before it; the ReLU is Go's max(x, 0),
// whose bits package vec's ReLU and the kernels' epilogue reproduce.
func finishTile[T exact](c []T, ldc int, rows, cols, flags int, bias []T) {
	if flags&(tileBias|tileReLU) == 0 {
		return
	}
	if flags&tileBias != 0 && len(bias) < cols {
		fail("micro-kernel: bias of %d elements for a tile of %d columns", len(bias), cols)
	}
	for i := 0; i < rows; i++ {
		ci := c[i*ldc : i*ldc+cols]
		if flags&tileBias != 0 {
			for j, b := range bias[:cols] {
				ci[j] += b
			}
		}
		if flags&tileReLU != 0 {
			for j, v := range ci {
				ci[j] = max(v, 0)
			}
		}
	}
}
