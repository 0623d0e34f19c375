package tensor

import (
	"github.com/adjoint-go/adjoint/tensor/internal/vec"
)

// binOp selects the arithmetic of a broadcasting binary kernel. Dispatching
// on it once per row keeps the inner loops free of indirect calls.
type binOp int

const (
	opAdd binOp = iota
	opSub
	opMul
	opDiv
	opFunc // a caller-supplied function
)

var binOpNames = [...]string{opAdd: "Add", opSub: "Sub", opMul: "Mul", opDiv: "Div", opFunc: "Zip"}

// Add returns a + b with NumPy broadcasting.
func Add[T Float](a, b *Tensor[T]) *Tensor[T] { return binary(opAdd, a, b, nil) }

// Sub returns a - b with NumPy broadcasting.
func Sub[T Float](a, b *Tensor[T]) *Tensor[T] { return binary(opSub, a, b, nil) }

// Mul returns the elementwise product a ∘ b with NumPy broadcasting.
func Mul[T Float](a, b *Tensor[T]) *Tensor[T] { return binary(opMul, a, b, nil) }

// Div returns the elementwise quotient a / b with NumPy broadcasting.
func Div[T Float](a, b *Tensor[T]) *Tensor[T] { return binary(opDiv, a, b, nil) }

// Zip returns f(a, b) elementwise with NumPy broadcasting, for binary
// operations without a dedicated kernel (powers, maxima, masks). It panics
// with a *ShapeError (operation "Zip") when the shapes do not broadcast.
func Zip[T Float](a, b *Tensor[T], f func(x, y T) T) *Tensor[T] { return binary(opFunc, a, b, f) }

func binary[T Float](op binOp, a, b *Tensor[T], f func(x, y T) T) *Tensor[T] {
	shape, ok := BroadcastShapes(a.shape, b.shape)
	if !ok {
		panic(shapeErr(binOpNames[op], "shapes do not broadcast", a.shape, b.shape))
	}
	n, _ := numElements(shape)
	out := &Tensor[T]{data: make([]T, n), shape: shape}
	if SameShape(a.shape, b.shape) {
		binaryRow(op, f, out.data, a.data, 1, b.data, 1)
		return out
	}
	sa, sb := stridesIn(a.shape, shape), stridesIn(b.shape, shape)
	so := stridesIn(shape, shape)
	last := len(shape) - 1
	forRows(shape, [][]int{so, sa, sb}, func(offs []int, n int) {
		ia, ib := 1, 1
		if last >= 0 {
			ia, ib = sa[last], sb[last]
		}
		binaryRow(op, f, out.data[offs[0]:offs[0]+n], a.data[offs[1]:], ia, b.data[offs[2]:], ib)
	})
	return out
}

// vecOp is op's operation in package vec, whose vector loops (AVX-512,
// AVX2) give the bits of the scalar ones: one IEEE operation per element.
// op must not be opFunc.
func vecOp(op binOp) vec.Op {
	switch op {
	case opAdd:
		return vec.OpAdd
	case opSub:
		return vec.OpSub
	case opMul:
		return vec.OpMul
	}
	return vec.OpDiv
}

// binaryRow computes dst[i] = x[i*sx] op y[i*sy] for every i of dst,
// through package vec's vector loops when both strides are 1.
func binaryRow[T Float](op binOp, f func(x, y T) T, dst, x []T, sx int, y []T, sy int) {
	if sx == 1 && sy == 1 {
		x, y = x[:len(dst)], y[:len(dst)]
		if op == opFunc {
			for i := range dst {
				dst[i] = f(x[i], y[i])
			}
			return
		}
		vec.Arith(vecOp(op), dst, x, y)
		return
	}
	for i := range dst {
		u, v := x[i*sx], y[i*sy]
		switch op {
		case opAdd:
			dst[i] = u + v
		case opSub:
			dst[i] = u - v
		case opMul:
			dst[i] = u * v
		case opDiv:
			dst[i] = u / v
		case opFunc:
			dst[i] = f(u, v)
		}
	}
}

// AddInPlace adds src into t (t += src), broadcasting src to t's shape. It is
// how gradients accumulate without a new allocation. src may be t itself
// but must not overlap it otherwise (a shifted view, or a broadcast row of
// t's own): it panics with a *ShapeError then.
func (t *Tensor[T]) AddInPlace(src *Tensor[T]) { t.addScaled("AddInPlace", 1, src) }

// AddScaledInPlace adds alpha*src into t (t += alpha*src), broadcasting src
// to t's shape; it is the update step of gradient descent. It panics as
// AddInPlace does.
func (t *Tensor[T]) AddScaledInPlace(alpha T, src *Tensor[T]) {
	t.addScaled("AddScaledInPlace", alpha, src)
}

func (t *Tensor[T]) addScaled(op string, alpha T, src *Tensor[T]) {
	if !sameOrApart(t.data, src.data) {
		panic(shapeErr(op, "the source overlaps the destination without being it", t.shape, src.shape))
	}
	if SameShape(t.shape, src.shape) {
		vec.Axpby(t.data, src.data, alpha, 1) // t + alpha·src, the product rounded first
		return
	}
	if !broadcastsTo(src.shape, t.shape) {
		panic(shapeErr(op, "source does not broadcast to destination", t.shape, src.shape))
	}
	ss := stridesIn(src.shape, t.shape)
	st := stridesIn(t.shape, t.shape)
	last := len(t.shape) - 1
	forRows(t.shape, [][]int{st, ss}, func(offs []int, n int) {
		d, s := t.data[offs[0]:offs[0]+n], src.data[offs[1]:]
		step := ss[last]
		if step == 1 {
			vec.Axpby(d, s[:n], alpha, 1) // d + alpha·s, the product rounded first
			return
		}
		for i := range d {
			d[i] += alpha * s[i*step]
		}
	})
}

// Map returns a new tensor with f applied to every element.
func Map[T Float](t *Tensor[T], f func(T) T) *Tensor[T] {
	out := &Tensor[T]{data: make([]T, len(t.data)), shape: append([]int{}, t.shape...)}
	for i, v := range t.data {
		out.data[i] = f(v)
	}
	return out
}

// Scale returns c*t.
func Scale[T Float](t *Tensor[T], c T) *Tensor[T] {
	out := &Tensor[T]{data: make([]T, len(t.data)), shape: append([]int{}, t.shape...)}
	vec.ScalarArith(vec.OpMul, out.data, c, t.data) // vectorized, the bits of c*v
	return out
}

// Neg returns -t.
func Neg[T Float](t *Tensor[T]) *Tensor[T] { return Map(t, func(v T) T { return -v }) }

// Exp returns e^t elementwise.
func Exp[T Float](t *Tensor[T]) *Tensor[T] { return mapInto(t, ExpInto[T]) }

// Log returns the natural logarithm of t elementwise (NaN below 0, -Inf at 0),
// correct for subnormal inputs too (math.Log on amd64 is not, Go issue 56600).
func Log[T Float](t *Tensor[T]) *Tensor[T] { return mapInto(t, LogInto[T]) }

// Tanh returns the hyperbolic tangent of t elementwise.
func Tanh[T Float](t *Tensor[T]) *Tensor[T] { return mapInto(t, TanhInto[T]) }

// Sigmoid returns 1/(1+e^-t) elementwise, computed so that it never
// overflows: for negative inputs it uses e^t/(1+e^t).
func Sigmoid[T Float](t *Tensor[T]) *Tensor[T] { return mapInto(t, SigmoidInto[T]) }

// ReLU returns max(t, 0) elementwise. NaN stays NaN.
func ReLU[T Float](t *Tensor[T]) *Tensor[T] {
	out := Zeros[T](t.shape...)
	ReLUInto(out, t)
	return out
}

// Step returns 1 where t > 0 and 0 elsewhere (including at 0 and for NaN):
// the derivative of ReLU with the subgradient 0 chosen at the kink.
func Step[T Float](t *Tensor[T]) *Tensor[T] {
	return Map(t, func(v T) T {
		if v > 0 {
			return 1
		}
		return 0
	})
}

// Pow returns t^p elementwise for a constant exponent p, with the special
// cases of math.Pow, and correct for float64 subnormal elements too (for
// which math.Pow on amd64 is off by up to a factor of ten, Go issue 56600).
func Pow[T Float](t *Tensor[T], p T) *Tensor[T] {
	switch p {
	case 1:
		return t.Clone()
	case 2:
		out := &Tensor[T]{data: make([]T, len(t.data)), shape: append([]int{}, t.shape...)}
		vec.Arith(vec.OpMul, out.data, t.data, t.data) // vectorized, the bits of v*v
		return out
	}
	return Map(t, func(v T) T { return T(pow(float64(v), float64(p))) })
}
