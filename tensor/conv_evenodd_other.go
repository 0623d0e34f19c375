//go:build !amd64 || purego

package tensor

import "github.com/adjoint-go/adjoint/tensor/internal/vec"

// splitEvenOddAsm does nothing without assembly: splitEvenOdd's loop does
// it all.
func splitEvenOddAsm[T Float](_, _, _ []T, _ int) bool { return false }

// joinEvenOddAsm does nothing without assembly.
func joinEvenOddAsm[T Float](_, _, _ []T, _ int) bool { return false }

// addRunTo sets dst[k] = dst[k] + x[k] for every k; x must be at least as
// long as dst.
func addRunTo[T Float](dst, x []T) { vec.Arith(vec.OpAdd, dst, dst, x[:len(dst)]) }
