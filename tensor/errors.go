package tensor

import (
	"fmt"
	"strings"
)

// ShapeError reports shapes that an operation cannot combine: a matmul whose
// inner dimensions differ, operands that do not broadcast, an axis out of
// range, a data slice that does not fit its shape. Computations panic with a
// *ShapeError (a programmer error, as in gonum); constructors that take data
// from outside the program, such as New, return one instead. The same type is
// used by the autograd package, so callers can match either with errors.As.
type ShapeError struct {
	Pkg    string  // package that raised it: "tensor" or "autograd"
	Op     string  // operation, for example "MatMul"
	Reason string  // what is wrong, for example "inner dimensions differ"
	Shapes [][]int // the shapes involved, in operand order
}

// Error formats the error as "pkg: Op: reason: [a b] x [c d]".
func (e *ShapeError) Error() string {
	var b strings.Builder
	pkg := e.Pkg
	if pkg == "" {
		pkg = "tensor"
	}
	b.WriteString(pkg)
	b.WriteString(": ")
	b.WriteString(e.Op)
	b.WriteString(": ")
	b.WriteString(e.Reason)
	for i, s := range e.Shapes {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString(" x ")
		}
		fmt.Fprint(&b, s)
	}
	return b.String()
}

// shapeErr builds a *ShapeError of this package, copying the shapes so that
// the error never aliases a tensor's shape.
func shapeErr(op, reason string, shapes ...[]int) *ShapeError {
	cp := make([][]int, len(shapes))
	for i, s := range shapes {
		cp[i] = append([]int{}, s...)
	}
	return &ShapeError{Pkg: "tensor", Op: op, Reason: reason, Shapes: cp}
}
