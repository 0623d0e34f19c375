//go:build !amd64 || purego

package vec

// momentumAsm does nothing without assembly: the scalar loop does it all.
func momentumAsm[T Float](w, v, d []T, negLR, mu, keep T) int { return 0 }

// adamAsm does nothing without assembly.
func adamAsm[T Float](w, g, m, v []T, c *Adam[T]) int { return 0 }

// reluAsm does nothing without assembly.
func reluAsm[T Float](dst, x []T) int { return 0 }

// reluGradAsm does nothing without assembly.
func reluGradAsm[T Float](dst, x, g []T) int { return 0 }

// gradAsm does nothing without assembly.
func gradAsm[T Float](op gradOp, dst, a, b []T) int { return 0 }

// arithAsm does nothing without assembly.
func arithAsm[T Float](op Op, dst, x, y []T) int { return 0 }

// arithScalarAsm does nothing without assembly.
func arithScalarAsm[T Float](op Op, left bool, dst, x []T, s T) int { return 0 }

// axpbyAsm does nothing without assembly.
func axpbyAsm[T Float](dst, x []T, alpha, beta T) int { return 0 }

// sumLanesAsm does nothing without assembly.
func sumLanesAsm[T Float](x []T, r *[8]T) bool { return false }

// sumWideAsm does nothing without assembly.
func sumWideAsm[T Float](x []T, r *[16]float64) bool { return false }

// sqDevWideAsm does nothing without assembly.
func sqDevWideAsm[T Float](x []T, m float64, r *[16]float64) bool { return false }

// normAffineAsm does nothing without assembly.
func normAffineAsm[T Float](y, x, w, b []T, mean, rstd float64) bool { return false }

// addRows8Asm does nothing without assembly.
func addRows8Asm[T Float](out []T, p *[8]*T, a T, scaled bool) int { return 0 }

// normCenterAsm does nothing without assembly.
func normCenterAsm[T Float](d, u, gy, x, g, w []T, mu T, r *[8]T) bool { return false }

// normScaleAsm does nothing without assembly.
func normScaleAsm[T Float](d, u, wg, gy, g []T, r T, acc *[16]T) bool { return false }

// normOutAsm does nothing without assembly.
func normOutAsm[T Float](o, gy, d []T, r, m1, m2 T, add bool) bool { return false }

// lnRowsAsm does nothing without assembly.
func lnRowsAsm[T Float](y, x, w, b []T, n, rows int, eps T) bool { return false }

// lnGradRowsAsm does nothing without assembly.
func lnGradRowsAsm[T Float](o, wg, x, g, w []T, n, rows int, eps T, add bool) bool { return false }

// fusedLN reports that no fused LayerNorm kernel runs here.
func lnGradLeavesAsm[T Float](o, wg, x, g, w []T, n, rows int, eps T, add bool) bool { return false }

func fusedLN() (fwd, bwd bool) { return false, false }

// addRows64Asm does nothing without assembly.
func addRows64Asm[T Float](out, src []T, stride int) bool { return false }

// bnGradSumsAsm does nothing without assembly.
func bnGradSumsAsm[T Float](x, g []T, mean, rstd, w T, r *[4][8]T) bool { return false }

// bnGradOutAsm does nothing without assembly.
func bnGradOutAsm[T Float](o, x, g []T, mean, rstd, w, m1, m2 T, add bool) int { return 0 }

// sqDev8Asm does nothing without assembly.
func sqDev8Asm[T Float](x []T, m T, r *[8]T) bool { return false }
