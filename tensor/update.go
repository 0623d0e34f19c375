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
// of a training step, so it runs vectorized where the CPU allows (AVX2 or AVX-512),
// with each product rounded before its sum, exactly as the scalar loop
// computes it: the result does not depend on the CPU. It panics with a
// *ShapeError when the lengths differ.
func MomentumStep[T Float](w, v, d []T, negLR, mu, keep T) {
	if len(v) != len(w) || len(d) != len(w) {
		panic(shapeErr("MomentumStep", fmt.Sprintf("lengths differ: w %d, v %d, d %d", len(w), len(v), len(d))))
	}
	vec.Momentum(w, v, d, negLR, mu, keep)
}

// AdamCoefficients are the numbers of one step of Adam (or AdamW) for
// AdamStep, as the optimizer computes them for step t.
type AdamCoefficients[T Float] struct {
	Beta1, Beta2                 T // the moments' decay rates β₁, β₂
	OneMinusBeta1, OneMinusBeta2 T // 1−β₁ and 1−β₂
	Eps                          T // ε, added to the denominator
	Shrink                       T // the decoupled weight decay 1 − lr·λ of AdamW; 1 for Adam
	NegStepSize                  T // −lr/(1−β₁ᵗ)
	BiasCorrection2Sqrt          T // √(1−β₂ᵗ)
}

// AdamStep is the inner loop of Adam, in place over flat slices of equal
// length: for every k, with each operation rounded in this order,
//
//	m[k] = β₁·m[k] + (1−β₁)·g[k]
//	v[k] = β₂·v[k] + (1−β₂)·g[k]·g[k]
//	w[k] = shrink·w[k] + negStepSize·m[k] / (√v[k]/√(1−β₂ᵗ) + ε)
//
// It reads four arrays the size of the model and writes three, so it runs
// vectorized where the CPU allows (AVX2 or AVX-512), with a true square root and
// division and no fused multiply-add: the result does not depend on the
// CPU. It panics with a *ShapeError when the lengths differ.
func AdamStep[T Float](w, g, m, v []T, c AdamCoefficients[T]) {
	if len(g) != len(w) || len(m) != len(w) || len(v) != len(w) {
		panic(shapeErr("AdamStep", fmt.Sprintf("lengths differ: w %d, g %d, m %d, v %d", len(w), len(g), len(m), len(v))))
	}
	vec.AdamStep(w, g, m, v, vec.Adam[T]{B1: c.Beta1, B2: c.Beta2, C1: c.OneMinusBeta1, C2: c.OneMinusBeta2,
		Eps: c.Eps, Shrink: c.Shrink, NegStep: c.NegStepSize, BC2Sqrt: c.BiasCorrection2Sqrt})
}
