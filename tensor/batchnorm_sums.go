package tensor

import "github.com/adjoint-go/adjoint/tensor/internal/vec"

// The per-channel kernels of a batch normalization over x laid out as
// [n, ch, sp] (sp the product of the axes after the channel axis), whose
// channel c is the n runs x[(i·ch+c)·sp:][:sp]. Each sum is taken in the
// order SumToInto takes it when it reduces x to [1, ch, 1, ...] (so that a
// fused derivative has the bits of one written with SumTo): the runs'
// sums, each in sumSpan's order, added as sumRuns' balanced tree; when ch
// is 1 the channel is one run of n·sp elements. They apply when sp > 1 or
// ch == 1 (BatchNormRuns); a channel strided one element at a time (x [N,
// C], C > 1) is summed in another order, that of whole rows.

// BatchNormRuns reports whether the kernels below apply to x as [n, ch,
// sp]: its channels are made of runs longer than one element, or there is
// one channel.
func BatchNormRuns(n, ch, sp int) bool { return n*sp > 0 && (sp > 1 || ch == 1) }

// bnLayout returns the runs of a channel: n runs of sp, or one run of n·sp
// when there is one channel (SumTo merges the reduced axes then).
func bnRuns(n, ch, sp int) (int, int) {
	if ch == 1 {
		return 1, n * sp
	}
	return n, sp
}

// bnSums4 holds up to four sums taken side by side.
type bnSums4[T Float] [4]T

func (a bnSums4[T]) add(b bnSums4[T]) bnSums4[T] {
	return bnSums4[T]{a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]}
}

// bnTree returns leaf's sums over channel c's runs lo..hi-1 added as
// sumRuns' balanced tree, each run's split into sumSpan's pieces, leaf
// called on the pieces in memory order with the piece's offset in x.
func bnTree[T Float](lo, hi, ch, sp, c int, leaf func(off, m int) bnSums4[T]) bnSums4[T] {
	if hi-lo == 1 {
		return bnSpan((lo*ch+c)*sp, sp, leaf)
	}
	h := (hi - lo) / 2
	a := bnTree(lo, lo+h, ch, sp, c, leaf)
	return a.add(bnTree(lo+h, hi, ch, sp, c, leaf))
}

// bnSpan is sumSpan's split of the m elements at off, leaf summing each
// piece.
func bnSpan[T Float](off, m int, leaf func(off, m int) bnSums4[T]) bnSums4[T] {
	if m <= sumLeafLen {
		return leaf(off, m)
	}
	h := m / 2
	h -= h % sumLanes
	a := bnSpan(off, h, leaf)
	return a.add(bnSpan(off+h, m-h, leaf))
}

// BatchNormMoments sets mean[q] and variance[q], q < k ≤ 4, to the mean
// and the biased variance of channel c+q of x as [n, ch, sp] (any layout,
// n·sp > 0), in float64: each a sum taken element by element in memory
// order, the second about the mean, then divided by n·sp. The k channels'
// sums are taken side by side (independent chains of additions, each in
// its own order).
func BatchNormMoments[T Float](x []T, n, ch, sp, c, k int, mean, variance *[4]float64) {
	count := float64(n * sp)
	var s [4]float64
	if k == 4 {
		for i := range n {
			off := (i*ch + c) * sp
			r0, r1, r2, r3 := x[off:][:sp], x[off+sp:][:sp], x[off+2*sp:][:sp], x[off+3*sp:][:sp]
			s0, s1, s2, s3 := s[0], s[1], s[2], s[3]
			for j, v := range r0 {
				s0 += float64(v)
				s1 += float64(r1[j])
				s2 += float64(r2[j])
				s3 += float64(r3[j])
			}
			s = [4]float64{s0, s1, s2, s3}
		}
		m := [4]float64{s[0] / count, s[1] / count, s[2] / count, s[3] / count}
		var q [4]float64
		for i := range n {
			off := (i*ch + c) * sp
			r0, r1, r2, r3 := x[off:][:sp], x[off+sp:][:sp], x[off+2*sp:][:sp], x[off+3*sp:][:sp]
			q0, q1, q2, q3 := q[0], q[1], q[2], q[3]
			for j, v := range r0 {
				d0 := float64(v) - m[0]
				q0 += d0 * d0
				d1 := float64(r1[j]) - m[1]
				q1 += d1 * d1
				d2 := float64(r2[j]) - m[2]
				q2 += d2 * d2
				d3 := float64(r3[j]) - m[3]
				q3 += d3 * d3
			}
			q = [4]float64{q0, q1, q2, q3}
		}
		*mean = m
		*variance = [4]float64{q[0] / count, q[1] / count, q[2] / count, q[3] / count}
		return
	}
	for p := range k {
		var s float64
		for i := range n {
			for _, v := range x[(i*ch+c+p)*sp:][:sp] {
				s += float64(v)
			}
		}
		m := s / count
		var q float64
		for i := range n {
			for _, v := range x[(i*ch+c+p)*sp:][:sp] {
				d := float64(v) - m
				q += d * d
			}
		}
		mean[p], variance[p] = m, q/count
	}
}

// BatchNormStatsT returns the recorded form's statistics of channel c of x
// as [n, ch, sp] (BatchNormRuns true), in T: mean = SumTo(x)/count and sq
// = SumTo((x − mean)²), each difference and square rounded to T.
func BatchNormStatsT[T Float](x []T, n, ch, sp, c int) (mean, sq T) {
	n, sp = bnRuns(n, ch, sp)
	s := bnTree(0, n, ch, sp, c, func(off, m int) bnSums4[T] {
		return bnSums4[T]{vec.Sum8(x[off:][:m])}
	})[0]
	mean = s / T(n*sp)
	sq = bnTree(0, n, ch, sp, c, func(off, m int) bnSums4[T] {
		return bnSums4[T]{vec.SqDevSum8(x[off:][:m], mean)}
	})[0]
	return mean, sq
}

// BatchNormGradSums returns the sums over channel c of x and g as [n, ch,
// sp] (BatchNormRuns true) that the derivative of a batch normalization
// needs, with x̂ = (x − mean)·rstd and gy = g·w, each operation rounded:
// Σg, Σ g·x̂, Σ gy and Σ gy·x̂ (the last two those of g when there is no
// weight, hasW false). Each piece's four sums are taken in one sweep
// (vec.BNGradSums), x̂ and gy recomputed rather than stored.
func BatchNormGradSums[T Float](x, g []T, n, ch, sp, c int, mean, rstd, w T, hasW bool) (sg, sgh, sgy, sgyh T) {
	n, sp = bnRuns(n, ch, sp)
	s := bnTree(0, n, ch, sp, c, func(off, m int) bnSums4[T] {
		return vec.BNGradSums(x[off:][:m], g[off:][:m], mean, rstd, w)
	})
	if !hasW {
		return s[0], s[1], s[0], s[1]
	}
	return s[0], s[1], s[2], s[3]
}

// BatchNormGradInput sets channel c of o as [n, ch, sp] (BatchNormRuns
// true) to rstd·((gy − m1) − x̂·m2), with x̂ = (x − mean)·rstd and gy = g·w
// (g when hasW is false), each operation rounded, or adds it to o when add:
// one sweep per run (vec.BNGradOut). Without a weight, w is taken as 1:
// g·1 is g, bit for bit (a NaN stays a NaN).
func BatchNormGradInput[T Float](o, x, g []T, n, ch, sp, c int, mean, rstd, w T, hasW bool, m1, m2 T, add bool) {
	n, sp = bnRuns(n, ch, sp)
	if !hasW {
		w = 1
	}
	for i := range n {
		off := (i*ch + c) * sp
		vec.BNGradOut(o[off:][:sp], x[off:][:sp], g[off:][:sp], mean, rstd, w, m1, m2, add)
	}
}
