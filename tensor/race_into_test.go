//go:build race

package tensor_test

// intoRaceEnabled is true under the race detector, which allocates: the
// allocation tests of the Into kernels skip then.
const intoRaceEnabled = true
