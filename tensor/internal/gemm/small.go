package gemm

// small computes the product with plain loops, each element a sum in order
// of k. Several elements are summed side by side, so that their additions
// overlap instead of each waiting on the last: blocks of two rows by four
// columns (eight sums), then one row by four columns, and the columns left
// over (n mod 4) four rows at a time. Which elements share a loop changes
// no bits: each is still 0 + a·b + a·b + … in order of k, then alpha·s
// (+ beta·c).
func (p *problem[T]) small() {
	m, n := p.m, p.n
	nb := n &^ 3 // columns in blocks of four
	i := 0
	for ; i+2 <= m; i += 2 {
		for j := 0; j < nb; j += 4 {
			p.small2x4(i, j)
		}
	}
	for ; i < m; i++ {
		for j := 0; j < nb; j += 4 {
			p.small1x4(i, j)
		}
	}
	for j := nb; j < n; j++ {
		i := 0
		for ; i+4 <= m; i += 4 {
			p.small4x1(i, j)
		}
		for ; i < m; i++ {
			p.small1x1(i, j)
		}
	}
}

// strides returns the strides of op(a) along i and along k, and of op(b)
// along k and along j.
func (p *problem[T]) strides() (sa, sk, tk, tj int) {
	sa, sk = p.lda, 1
	if p.transA {
		sa, sk = 1, p.lda
	}
	tk, tj = p.ldb, 1
	if p.transB {
		tk, tj = 1, p.ldb
	}
	return sa, sk, tk, tj
}

// out returns an element's new value from its sum s and its old value old
// (not read when beta is 0).
func (p *problem[T]) out(s, old T) T {
	if p.beta == 0 {
		return p.alpha * s
	}
	return p.alpha*s + p.beta*old
}

// small2x4 computes the elements of rows i and i+1, columns j to j+3.
func (p *problem[T]) small2x4(i, j int) {
	a, b, k := p.a, p.b, p.k
	sa, sk, tk, tj := p.strides()
	var s0, s1, s2, s3, r0, r1, r2, r3 T
	ia, ib := i*sa, j*tj
	for q := 0; q < k; q++ {
		av, aw := a[ia], a[ia+sa]
		b0, b1, b2, b3 := b[ib], b[ib+tj], b[ib+2*tj], b[ib+3*tj]
		s0 += av * b0
		s1 += av * b1
		s2 += av * b2
		s3 += av * b3
		r0 += aw * b0
		r1 += aw * b1
		r2 += aw * b2
		r3 += aw * b3
		ia += sk
		ib += tk
	}
	c := p.c[i*p.ldc+j:]
	c = c[: p.ldc+4 : p.ldc+4]
	c[0], c[1], c[2], c[3] = p.out(s0, c[0]), p.out(s1, c[1]), p.out(s2, c[2]), p.out(s3, c[3])
	d := c[p.ldc : p.ldc+4 : p.ldc+4]
	d[0], d[1], d[2], d[3] = p.out(r0, d[0]), p.out(r1, d[1]), p.out(r2, d[2]), p.out(r3, d[3])
}

// small1x4 computes the elements of row i, columns j to j+3.
func (p *problem[T]) small1x4(i, j int) {
	a, b, k := p.a, p.b, p.k
	sa, sk, tk, tj := p.strides()
	var s0, s1, s2, s3 T
	ia, ib := i*sa, j*tj
	for q := 0; q < k; q++ {
		av := a[ia]
		s0 += av * b[ib]
		s1 += av * b[ib+tj]
		s2 += av * b[ib+2*tj]
		s3 += av * b[ib+3*tj]
		ia += sk
		ib += tk
	}
	c := p.c[i*p.ldc+j:]
	c = c[:4:4]
	c[0], c[1], c[2], c[3] = p.out(s0, c[0]), p.out(s1, c[1]), p.out(s2, c[2]), p.out(s3, c[3])
}

// small4x1 computes the elements of rows i to i+3, column j.
func (p *problem[T]) small4x1(i, j int) {
	a, b, k := p.a, p.b, p.k
	sa, sk, tk, tj := p.strides()
	var s0, s1, s2, s3 T
	ia, ib := i*sa, j*tj
	for q := 0; q < k; q++ {
		bv := b[ib]
		s0 += a[ia] * bv
		s1 += a[ia+sa] * bv
		s2 += a[ia+2*sa] * bv
		s3 += a[ia+3*sa] * bv
		ia += sk
		ib += tk
	}
	c, ld := p.c, p.ldc
	e := i*ld + j
	c[e] = p.out(s0, c[e])
	c[e+ld] = p.out(s1, c[e+ld])
	c[e+2*ld] = p.out(s2, c[e+2*ld])
	c[e+3*ld] = p.out(s3, c[e+3*ld])
}

// small1x1 computes the element of row i, column j.
func (p *problem[T]) small1x1(i, j int) {
	a, b, k := p.a, p.b, p.k
	sa, sk, tk, tj := p.strides()
	var s T
	ia, ib := i*sa, j*tj
	for q := 0; q < k; q++ {
		s += a[ia] * b[ib]
		ia += sk
		ib += tk
	}
	e := i*p.ldc + j
	p.c[e] = p.out(s, p.c[e])
}
