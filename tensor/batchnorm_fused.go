package tensor

import "github.com/adjoint-go/adjoint/tensor/internal/vec"

// BatchNormMomentsT is BatchNormMoments and BatchNormStatsT of the k ≤ 4
// channels c..c+k-1 of x as [n, ch, sp] (BatchNormRuns true) in two sweeps
// over them instead of four: the first takes each channel's float64 sum
// and its sum in T, the second the float64 and T sums of squared
// deviations, each in the order of the kernel it replaces (the float64
// sums element by element in memory order, those in T as bnTree adds
// sumSpan's pieces), so every result has their bits. A training batch
// normalization needs both sets of statistics (the float64 ones for its
// output, the ones in T for its fused derivative), and each sweep reads
// a channel once while it is in cache.
func BatchNormMomentsT[T Float](x []T, n, ch, sp, c, k int, mean, variance *[4]float64, meanT, sqT *[4]T) {
	count := float64(n * sp)
	rn, rsp := bnRuns(n, ch, sp)
	// The k channels' pieces at off are at off + q·sp: with one channel,
	// k is 1; otherwise the channels' runs are sp apart.
	var s [4]float64
	sum := bnTree(0, rn, ch, rsp, c, func(off, m int) bnSums4[T] {
		var r bnSums4[T]
		if k == 4 {
			r0, r1, r2, r3 := x[off:][:m], x[off+sp:][:m], x[off+2*sp:][:m], x[off+3*sp:][:m]
			s0, s1, s2, s3 := s[0], s[1], s[2], s[3]
			for j, v := range r0 {
				s0 += float64(v)
				s1 += float64(r1[j])
				s2 += float64(r2[j])
				s3 += float64(r3[j])
			}
			s = [4]float64{s0, s1, s2, s3}
			return bnSums4[T]{vec.Sum8(r0), vec.Sum8(r1), vec.Sum8(r2), vec.Sum8(r3)}
		}
		for q := range k {
			row := x[off+q*sp:][:m]
			a := s[q]
			for _, v := range row {
				a += float64(v)
			}
			s[q], r[q] = a, vec.Sum8(row)
		}
		return r
	})
	var m [4]float64
	var mt [4]T
	for q := range k {
		m[q], mt[q] = s[q]/count, sum[q]/T(rn*rsp)
	}
	var qs [4]float64
	sq := bnTree(0, rn, ch, rsp, c, func(off, l int) bnSums4[T] {
		var r bnSums4[T]
		if k == 4 {
			r0, r1, r2, r3 := x[off:][:l], x[off+sp:][:l], x[off+2*sp:][:l], x[off+3*sp:][:l]
			q0, q1, q2, q3 := qs[0], qs[1], qs[2], qs[3]
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
			qs = [4]float64{q0, q1, q2, q3}
		}
		for p := range k {
			row := x[off+p*sp:][:l]
			if k < 4 {
				a, mp := qs[p], m[p]
				for _, v := range row {
					d := float64(v) - mp
					a += d * d
				}
				qs[p] = a
			}
			r[p] = vec.SqDevSum8(row, mt[p])
		}
		return r
	})
	for q := range k {
		mean[q], variance[q] = m[q], qs[q]/count
		meanT[q], sqT[q] = mt[q], sq[q]
	}
}
