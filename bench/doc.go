// Package bench holds Adjoint's benchmarks: the hot paths measured with
// go test -bench, each reporting time per operation, allocations and, for
// matrix multiplication, GFLOP/s. It is a leaf of the import graph and has no
// API of its own; everything lives in its _test.go files, next to unit tests
// that check each benchmark computes what it claims to.
//
// Run it with
//
//	go test -run '^$' -bench . -benchmem -count 5 ./bench/
//
// and see README.md in this directory for what each benchmark measures and
// the numbers measured so far.
package bench
