// Package peers compares Adjoint with its peers. It is a separate module, so
// that users of Adjoint never download the peers: gonum's pure-Go BLAS runs
// side by side with tensor.Gemm in one go test -bench run (gemm_test.go),
// and torch_bench.py runs the same workloads in PyTorch and numpy and prints
// a table of Adjoint/peer ratios. cmd/plot draws GFLOP/s against n from the
// script's results. See ../README.md, section "Peers".
package peers
