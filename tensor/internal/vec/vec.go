// Package vec holds vectorized loops over flat slices for the elementwise
// work of a training step that is worth it: today the momentum update of
// SGD, the largest elementwise loop of a step (it reads three and writes two
// arrays the size of the model). Each loop computes the same operations in
// the same order as its scalar form, without fused multiply-adds, so the
// results are bit-identical with and without the assembly; the build tag
// purego forces the scalar form.
package vec

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
