// Package vec holds vectorized loops over flat slices for the elementwise
// work of a training step that is worth it: the optimizer updates, the
// largest elementwise loops of a step (they read and write several arrays
// the size of the model), SGD's momentum and Adam's. Each loop computes the same operations in
// the same order as its scalar form, without fused multiply-adds, so the
// results are bit-identical with and without the assembly; the build tag
// purego forces the scalar form.
package vec

import "math"

// Float is the element type constraint, the same as package tensor's.
type Float interface{ ~float32 | ~float64 }

// Momentum sets, for every k, v[k] = v[k]·mu + keep·d[k] and then
// w[k] = w[k] + negLR·v[k]. The slices must have the same length.
func Momentum[T Float](w, v, d []T, negLR, mu, keep T) {
	n := len(w)
	v, d = v[:n], d[:n]
	done := momentumAsm(w, v, d, negLR, mu, keep)
	momentumGo(w[done:], v[done:], d[done:], negLR, mu, keep)
}

// momentumGo is Momentum's scalar loop.
func momentumGo[T Float](w, v, d []T, negLR, mu, keep T) {
	v, d = v[:len(w)], d[:len(w)]
	for k := range w {
		vk := T(v[k]*mu) + T(keep*d[k]) // T(): round each product, as the assembly does
		v[k] = vk
		w[k] += T(negLR * vk)
	}
}

// Adam holds the coefficients of one Adam step: β₁, β₂, 1−β₁, 1−β₂, ε, the
// decoupled decay factor (1 − lr·λ for AdamW, else 1), −lr/(1−β₁ᵗ) and
// √(1−β₂ᵗ).
type Adam[T Float] struct {
	B1, B2, C1, C2, Eps, Shrink, NegStep, BC2Sqrt T
}

// AdamStep sets, for every k,
//
//	m[k] = m[k]·β₁ + (1−β₁)·g[k]
//	v[k] = v[k]·β₂ + (1−β₂)·g[k]·g[k]
//	w[k] = w[k]·shrink + negStep·m[k] / (√v[k]/bc2Sqrt + ε)
//
// each operation rounded in that order. The slices must have w's length.
func AdamStep[T Float](w, g, m, v []T, c Adam[T]) {
	n := len(w)
	g, m, v = g[:n], m[:n], v[:n]
	done := adamAsm(w, g, m, v, &c)
	adamGo(w[done:], g[done:], m[done:], v[done:], c)
}

// adamGo is AdamStep's scalar loop.
func adamGo[T Float](w, g, m, v []T, c Adam[T]) {
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	for k, gk := range g {
		mk := T(m[k]*c.B1) + T(c.C1*gk)
		vk := T(v[k]*c.B2) + T(T(c.C2*gk)*gk)
		m[k], v[k] = mk, vk
		den := T(T(math.Sqrt(float64(vk)))/c.BC2Sqrt) + c.Eps
		w[k] = T(w[k]*c.Shrink) + T(c.NegStep*mk)/den
	}
}
