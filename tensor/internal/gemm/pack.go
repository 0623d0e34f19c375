package gemm

// packA copies the mc×kc block of op(a) at (i0, p0) into dst as MR-row
// slivers: sliver s holds rows i0+s·MR … i0+s·MR+MR-1, stored k-major, so
// element (r, p) of the sliver is dst[s·MR·kc + p·MR + r]. Rows past mc are
// zero. op(a) = a (element (i, p) at a[i·lda+p]), or aᵀ when trans (element
// (i, p) at a[p·lda+i]).
func packA[T exact](dst, a []T, lda int, trans bool, i0, mc, p0, kc, mr int) {
	if trans {
		packAT(dst, a, lda, i0, mc, p0, kc, mr)
		return
	}
	for s := 0; s < mc; s += mr {
		d := dst[s*kc : (s+mr)*kc]
		rows := min(mr, mc-s)
		if rows == 6 && mr == 6 {
			packRows6(d, a, lda, (i0+s)*lda+p0, kc)
			continue
		}
		for r := 0; r < rows; r++ {
			src := a[(i0+s+r)*lda+p0 : (i0+s+r)*lda+p0+kc]
			for p, v := range src {
				d[p*mr+r] = v
			}
		}
		for r := rows; r < mr; r++ {
			for p := 0; p < kc; p++ {
				d[p*mr+r] = 0
			}
		}
	}
}

// packAT is packA for a transposed a, where row p of the stored a holds
// column p of op(a). It reads each row once, contiguously, and deals its
// elements out to the slivers.
func packAT[T exact](dst, a []T, lda, i0, mc, p0, kc, mr int) {
	full := mc - mc%mr // rows in full slivers
	for p := 0; p < kc; p++ {
		src := a[(p0+p)*lda+i0 : (p0+p)*lda+i0+mc]
		s := 0
		if mr == 6 {
			for ; s < full; s += 6 {
				d := dst[s*kc+p*6 : s*kc+p*6+6 : s*kc+p*6+6]
				x := src[s : s+6 : s+6]
				d[0], d[1], d[2], d[3], d[4], d[5] = x[0], x[1], x[2], x[3], x[4], x[5]
			}
		}
		for ; s < mc; s += mr {
			rows := min(mr, mc-s)
			d := dst[s*kc+p*mr : s*kc+p*mr+mr]
			copySmall(d, src[s:s+rows])
			for r := rows; r < mr; r++ {
				d[r] = 0
			}
		}
	}
}

// packRows6 interleaves six rows of a, each kc long from a[off+r·lda], into
// d: d[p·6 + r] = a[off + r·lda + p].
func packRows6[T exact](d, a []T, lda, off, kc int) {
	r0 := a[off : off+kc]
	r1 := a[off+lda : off+lda+kc]
	r2 := a[off+2*lda : off+2*lda+kc]
	r3 := a[off+3*lda : off+3*lda+kc]
	r4 := a[off+4*lda : off+4*lda+kc]
	r5 := a[off+5*lda : off+5*lda+kc]
	d = d[:6*kc]
	for p := range r0 {
		dp := d[6*p : 6*p+6 : 6*p+6]
		dp[0] = r0[p]
		dp[1] = r1[p]
		dp[2] = r2[p]
		dp[3] = r3[p]
		dp[4] = r4[p]
		dp[5] = r5[p]
	}
}

// copySmall is copy for a handful of elements, without the call to memmove.
func copySmall[T exact](dst, src []T) {
	dst = dst[:len(src)]
	//lint:ignore S1001 a loop beats a call to memmove for MR ≤ 6 elements
	for i, v := range src {
		dst[i] = v
	}
}

// packB copies the kc×nc block of op(b) at (p0, j0) into dst as NR-column
// slivers: element (p, j) of sliver t is dst[t·NR·kc + p·NR + j]. Columns
// past nc are zero. op(b) = b (element (p, j) at b[p·ldb+j]), or bᵀ when trans
// (element (p, j) at b[j·ldb+p]); then tr, when it has a function, transposes
// whole w×w blocks and plain loops do the rest. Without trans, cp, when not
// nil, copies the full slivers row by row (see kernel.copyRows).
func packB[T exact](dst, b []T, ldb int, trans bool, p0, kc, j0, nc, nr int, tr blockTransposer[T], cp func(dst, src []T, lds, rows int)) {
	if !trans {
		full := nc - nc%nr
		t0 := 0
		if cp != nil {
			for ; t0 < full; t0 += nr {
				cp(dst[t0*kc:(t0+nr)*kc], b[p0*ldb+j0+t0:], ldb, kc)
			}
			if t0 == nc {
				return
			}
		}
		// Read each row of the block once, contiguously, and deal it out
		// to the slivers NR elements at a time.
		for p := 0; p < kc; p++ {
			src := b[(p0+p)*ldb+j0 : (p0+p)*ldb+j0+nc]
			t := t0
			for ; t < full; t += nr {
				copy(dst[t*kc+p*nr:t*kc+p*nr+nr], src[t:t+nr])
			}
			if t < nc {
				d := dst[t*kc+p*nr : t*kc+p*nr+nr]
				copy(d, src[t:])
				clear(d[nc-t:])
			}
		}
		return
	}
	for t := 0; t < nc; t += nr {
		d := dst[t*kc : (t+nr)*kc]
		cols := min(nr, nc-t)
		// Row j of the stored b holds column j of op(b): transpose w×w
		// blocks of it into the sliver, or read it contiguously and scatter
		// it down the sliver, four rows at a time.
		j := 0
		if tr.fn != nil && kc >= tr.w {
			w, blocks := tr.w, kc/tr.w
			for ; j+w <= cols; j += w {
				off := (j0+t+j)*ldb + p0
				tr.fn(b[off:], ldb, d[j:], nr, blocks)
				for q := 0; q < w; q++ {
					src := b[off+q*ldb+blocks*w : off+q*ldb+kc]
					for p, v := range src {
						d[(blocks*w+p)*nr+j+q] = v
					}
				}
			}
		}
		for ; j+4 <= cols; j += 4 {
			off := (j0+t+j)*ldb + p0
			s0 := b[off : off+kc]
			s1 := b[off+ldb : off+ldb+kc]
			s2 := b[off+2*ldb : off+2*ldb+kc]
			s3 := b[off+3*ldb : off+3*ldb+kc]
			for p := range s0 {
				dp := d[p*nr+j : p*nr+j+4 : p*nr+j+4]
				dp[0] = s0[p]
				dp[1] = s1[p]
				dp[2] = s2[p]
				dp[3] = s3[p]
			}
		}
		for ; j < cols; j++ {
			src := b[(j0+t+j)*ldb+p0 : (j0+t+j)*ldb+p0+kc]
			for p, v := range src {
				d[p*nr+j] = v
			}
		}
		if cols < nr {
			for p := 0; p < kc; p++ {
				clear(d[p*nr+cols : p*nr+nr])
			}
		}
	}
}

// copyRows8, copyRows16 and copyRows32 are the kernel.copyRows of the
// narrow kernels (NR = 8, 16 or 32 elements): each row is one array
// assignment of a constant size, in a loop without packB's slicing and
// bounds checks per row. (The compiler still makes each a call to
// memmove; moves of 8 words through registers measured slower.)
func copyRows8[T exact](dst, src []T, lds, rows int) {
	checkCopyRows(8, len(dst), len(src), lds, rows)
	for i := 0; i < rows; i++ {
		*(*[8]T)(dst[i*8:]) = *(*[8]T)(src[i*lds:])
	}
}

func copyRows16[T exact](dst, src []T, lds, rows int) {
	checkCopyRows(16, len(dst), len(src), lds, rows)
	for i := 0; i < rows; i++ {
		*(*[16]T)(dst[i*16:]) = *(*[16]T)(src[i*lds:])
	}
}

func copyRows32[T exact](dst, src []T, lds, rows int) {
	checkCopyRows(32, len(dst), len(src), lds, rows)
	for i := 0; i < rows; i++ {
		*(*[32]T)(dst[i*32:]) = *(*[32]T)(src[i*lds:])
	}
}

// checkCopyRows panics unless rows rows of nr elements, row stride lds,
// fit in src and rows·nr elements in dst.
func checkCopyRows(nr, lenDst, lenSrc, lds, rows int) {
	if rows <= 0 || lds < nr || (rows-1)*lds+nr > lenSrc || rows*nr > lenDst {
		fail("copyRows: %d rows of %d with stride %d out of bounds", rows, nr, lds)
	}
}
