//go:build race

package gemm

// raceEnabled shrinks the largest tests under the race detector, which
// slows the Go reference loops down tenfold; the concurrency they exercise is
// the same at every size.
const raceEnabled = true
