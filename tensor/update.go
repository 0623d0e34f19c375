package tensor

import (
	"fmt"

	"github.com/adjoint-go/adjoint/tensor/internal/vec"
)

// MomentumStep is the inner loop of gradient descent with momentum, in
// place over flat slices of equal length: for every k,
//
//	v[k] = mu·v[k] + keep·d[k]
//	w[k] = w[k] + negLR·v[k]
//
// where w are weights, v their momentum buffer, d the gradient, negLR the
// negated learning rate and keep one minus the dampening. It reads three
// arrays the size of a model and writes two, the largest elementwise loop
// of a training step, so it runs vectorized where the CPU allows (AVX2),
// with each product rounded before its sum, exactly as the scalar loop
// computes it: the result does not depend on the CPU. It panics with a
// *ShapeError when the lengths differ.
func MomentumStep[T Float](w, v, d []T, negLR, mu, keep T) {
	if len(v) != len(w) || len(d) != len(w) {
		panic(shapeErr("MomentumStep", fmt.Sprintf("lengths differ: w %d, v %d, d %d", len(w), len(v), len(d))))
	}
	vec.Momentum(w, v, d, negLR, mu, keep)
}
