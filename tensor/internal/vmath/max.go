package vmath

import "math"

// Max32 returns the largest element of x, or -Inf when x is empty, for x
// without NaNs (the sign of a zero maximum is either zero's). When x holds
// a NaN the result is a NaN or one of x's elements: callers that must see
// NaNs (softmax does: a NaN makes its sum NaN) test for them afterwards.
func Max32(x []float32) float32 {
	if len(x) == 0 {
		return float32(math.Inf(-1))
	}
	if m, ok := max32Asm(x); ok {
		return m
	}
	return max32Go(x)
}

// max32Go is Max32's portable loop: four running maxima, so that the
// compares do not wait on each other.
func max32Go(x []float32) float32 {
	m0 := x[0]
	m1, m2, m3 := m0, m0, m0
	i := 1
	for ; i+4 <= len(x); i += 4 {
		b := x[i : i+4 : i+4]
		m0 = maxx32(m0, b[0])
		m1 = maxx32(m1, b[1])
		m2 = maxx32(m2, b[2])
		m3 = maxx32(m3, b[3])
	}
	for _, v := range x[i:] {
		m0 = maxx32(m0, v)
	}
	return maxx32(maxx32(m0, m1), maxx32(m2, m3))
}
