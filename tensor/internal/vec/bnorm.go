package vec

// The sweeps of a batch normalization's fused backward over one run of a
// channel (see package tensor's BatchNormGradSums and BatchNormGradInput),
// each recomputing x̂ = (x − mean)·rstd and gy = g·w from x and g rather
// than storing them: the operations of the Arith, ArithScalar, Sum8 and
// NormOut calls they replace, in the same order with the same roundings,
// in one pass: the same bits, except that where several NaNs meet, which
// NaN comes out may differ (Go does not fix which operand's payload an
// addition keeps); a NaN stays a NaN.

// BNGradSums returns Sum8(g), Sum8(g·h), Sum8(gy) and Sum8(gy·h) with
// h = (x − mean)·rstd and gy = g·w, each operation rounded in that order.
// g must be at least as long as x.
func BNGradSums[T Float](x, g []T, mean, rstd, w T) [4]T {
	n := len(x)
	g = g[:n]
	var r [4][8]T
	m := n &^ 7
	if m > 0 && !bnGradSumsAsm(x[:m], g, mean, rstd, w, &r) {
		bnGradSumsGo(x[:m], g, mean, rstd, w, &r)
	}
	var s [4]T
	if m > 0 {
		for k := range s {
			s[k] = tree8(&r[k], nil)
		}
	}
	for i := m; i < n; i++ {
		gi := g[i]
		h := T(T(x[i]-mean) * rstd)
		gy := T(gi * w)
		v := [4]T{gi, T(gi * h), gy, T(gy * h)}
		if i == 0 { // fewer than eight: Sum8 starts at the first element
			s = v
			continue
		}
		for k := range s {
			s[k] += v[k]
		}
	}
	return s
}

// bnGradSumsGo is BNGradSums's accumulator loop over x, a whole number of
// groups of eight (at least one).
func bnGradSumsGo[T Float](x, g []T, mean, rstd, w T, r *[4][8]T) {
	for i := 0; i < len(x); i += 8 {
		for j := range 8 {
			gi := g[i+j]
			h := T(T(x[i+j]-mean) * rstd)
			gy := T(gi * w)
			v := [4]T{gi, T(gi * h), gy, T(gy * h)}
			for k := range r {
				if i == 0 {
					r[k][j] = v[k]
				} else {
					r[k][j] += v[k]
				}
			}
		}
	}
}

// BNGradOut sets o = rstd·((gy − m1) − h·m2) with h = (x − mean)·rstd and
// gy = g·w, each operation rounded in that order, or adds that to o when
// add. x and g must be at least as long as o.
func BNGradOut[T Float](o, x, g []T, mean, rstd, w, m1, m2 T, add bool) {
	n := len(o)
	x, g = x[:n], g[:n]
	m := bnGradOutAsm(o, x, g, mean, rstd, w, m1, m2, add)
	bnGradOutGo(o[m:], x[m:], g[m:], mean, rstd, w, m1, m2, add)
}

// bnGradOutGo is BNGradOut's scalar loop.
func bnGradOutGo[T Float](o, x, g []T, mean, rstd, w, m1, m2 T, add bool) {
	x, g = x[:len(o)], g[:len(o)]
	for i := range o {
		h := T(T(T(x[i]-mean)*rstd) * m2)
		v := T(rstd * (T(T(g[i]*w)-m1) - h)) // T(): no fused multiply-add into o
		if add {
			o[i] += v
		} else {
			o[i] = v
		}
	}
}

// SqDevSum8 returns Sum8 of the squares of d = x − m, each difference and
// square rounded, in one pass (no array of the squares).
func SqDevSum8[T Float](x []T, m T) T {
	n := len(x)
	var r [8]T
	k := n &^ 7
	if k > 0 && !sqDev8Asm(x[:k], m, &r) {
		sqDev8Go(x[:k], m, &r)
	}
	var s T
	if k > 0 {
		s = tree8(&r, nil)
	}
	for i := k; i < n; i++ {
		d := x[i] - m
		if i == 0 { // fewer than eight: Sum8 starts at the first element
			s = T(d * d)
			continue
		}
		s += T(d * d)
	}
	return s
}

// sqDev8Go is SqDevSum8's accumulator loop over x, a whole number of
// groups of eight (at least one).
func sqDev8Go[T Float](x []T, m T, r *[8]T) {
	for i := 0; i < len(x); i += 8 {
		for j := range 8 {
			d := x[i+j] - m
			if i == 0 {
				r[j] = T(d * d)
			} else {
				r[j] += T(d * d)
			}
		}
	}
}
