//go:build !amd64 || purego

package vec

// momentumAsm does nothing without assembly: the scalar loop does it all.
func momentumAsm[T Float](w, v, d []T, negLR, mu, keep T) int { return 0 }
